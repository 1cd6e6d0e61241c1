// The ferrokv dashboard: follows /v1/dashboard/events (one snapshot a second, INFO's sections
// and the slow log) and fills the page. Text only goes in through textContent: key names and
// slow log arguments are data, never markup.
"use strict";

const SPARK_POINTS = 60; // one minute of ops/s at one snapshot a second
const LATENCY_ROWS = 15; // the most called commands
const ops = [];

const $ = (id) => document.getElementById(id);
const set = (id, v) => { const e = $(id); if (e) e.textContent = v === undefined ? "-" : String(v); };

function bytes(n) {
  if (typeof n !== "number") return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(2)) + " " + units[i];
}

function duration(s) {
  if (typeof s !== "number") return "-";
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m " + (s % 60) + "s";
}

const clock = (unix) => (typeof unix === "number" && unix > 0 ? new Date(unix * 1000).toLocaleString() : "never");
const yesNo = (v) => (v === 1 ? "yes" : v === 0 ? "no" : "-");

function status(id, v) {
  set(id, v);
  const e = $(id);
  if (e) e.className = v === "ok" || v === undefined ? "" : "bad";
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    td.textContent = String(c);
    tr.appendChild(td);
  }
  return tr;
}

function fill(id, rows) {
  const body = $(id);
  if (body) body.replaceChildren(...rows);
}

function spark(value) {
  ops.push(value);
  if (ops.length > SPARK_POINTS) ops.shift();
  const max = Math.max(1, ...ops);
  const step = 600 / (SPARK_POINTS - 1);
  const offset = SPARK_POINTS - ops.length;
  const points = ops.map((v, i) => ((offset + i) * step).toFixed(1) + "," + (78 - (v / max) * 74).toFixed(1));
  $("ops-line").setAttribute("points", points.join(" "));
}

function render(s) {
  const st = s.stats || {}, mem = s.memory || {}, cl = s.clients || {}, p = s.persistence || {};
  set("version", "v" + (s.server || {}).redis_version);
  set("uptime", duration((s.server || {}).uptime_in_seconds));
  set("updated", new Date(s.time_ms).toLocaleTimeString());

  set("ops", st.instantaneous_ops_per_sec);
  spark(st.instantaneous_ops_per_sec || 0);
  set("total-commands", st.total_commands_processed);
  set("hits-misses", st.keyspace_hits + " / " + st.keyspace_misses);
  set("expired-keys", st.expired_keys);
  set("evicted-keys", st.evicted_keys);
  set("net-kbps", st.instantaneous_input_kbps + " / " + st.instantaneous_output_kbps + " KiB/s");

  set("used-memory", bytes(mem.used_memory));
  set("used-memory-peak", bytes(mem.used_memory_peak));
  set("used-memory-rss", bytes(mem.used_memory_rss));
  set("maxmemory", mem.maxmemory ? bytes(mem.maxmemory) : "none");
  set("maxmemory-policy", mem.maxmemory_policy);

  set("connected-clients", cl.connected_clients);
  set("blocked-clients", cl.blocked_clients);
  set("maxclients", cl.maxclients);
  set("total-connections", st.total_connections_received);
  set("rejected-connections", st.rejected_connections);

  set("rdb-changes", p.rdb_changes_since_last_save);
  set("rdb-last-save", clock(p.rdb_last_save_time));
  set("rdb-bgsave", yesNo(p.rdb_bgsave_in_progress));
  status("rdb-status", p.rdb_last_bgsave_status);
  set("aof-enabled", yesNo(p.aof_enabled));
  set("aof-rewrite", yesNo(p.aof_rewrite_in_progress));
  status("aof-status", p.aof_last_write_status);

  const dbs = Object.entries(s.keyspace || {}).sort((a, b) => Number(a[0].slice(2)) - Number(b[0].slice(2)));
  fill("keyspace-rows", dbs.map(([db, k]) => {
    const tr = row([db, k.keys, k.expires, k.avg_ttl ? duration(Math.round(k.avg_ttl / 1000)) : "-"]);
    tr.id = db + "-row";
    tr.children[1].id = db + "-keys";
    return tr;
  }));

  const calls = s.commandstats || {};
  const lat = Object.entries(s.latencystats || {})
    .sort((a, b) => ((calls[b[0]] || {}).calls || 0) - ((calls[a[0]] || {}).calls || 0))
    .slice(0, LATENCY_ROWS);
  fill("latency-rows", lat.map(([cmd, q]) => row([cmd, (calls[cmd] || {}).calls, q.p50, q.p99, q["p99.9"]])));

  const slow = s.slowlog || { len: 0, entries: [] };
  set("slowlog-len", slow.len);
  fill("slowlog-rows", slow.entries.map((e) => {
    const tr = row([e.id, clock(e.time), e.duration_us, e.args.join(" "), e.addr + (e.name ? " (" + e.name + ")" : "")]);
    tr.children[3].className = "args";
    return tr;
  }));
}

// `/?count=N` asks for N snapshots and then stops (scripted checks such as a headless browser,
// which waits for the network to go quiet); without it the stream never ends.
function connect() {
  const count = new URLSearchParams(location.search).get("count");
  const url = "/v1/dashboard/events" + (count ? "?count=" + encodeURIComponent(count) : "");
  const events = new EventSource(url);
  let received = 0;
  events.addEventListener("snapshot", (m) => {
    received++;
    const st = $("status");
    st.textContent = "live";
    st.className = "status live";
    render(JSON.parse(m.data));
  });
  // EventSource reconnects by itself; the badge says the figures are stale meanwhile.
  events.onerror = () => {
    const st = $("status");
    if (count && received >= Number(count)) {
      events.close();
      st.textContent = "ended";
      st.className = "status";
      return;
    }
    st.textContent = "disconnected";
    st.className = "status down";
  };
}

document.addEventListener("DOMContentLoaded", connect);
