#!/usr/bin/env bash
# Checks the dashboard at / in a real browser: starts the release server on free ports, writes
# keys (25 in db0, 3 in db2) and some slow log entries, keeps a PING load running, then has
# Debian's chromium-headless-shell render the page. The rendered DOM (after the page's script
# has received 3 snapshots from /v1/dashboard/events: `/?count=3` ends the stream, so the
# browser's virtual time can run out) must show the live figures, and a screenshot must be a
# real picture. A second server with requirepass checks that the page needs the password and
# renders with Basic credentials in the URL, as after a browser's prompt.
#
# Fails when chromium-headless-shell is missing (apt-get install chromium-headless-shell):
# this check is never skipped. Needs redis-cli and redis-benchmark (redis-tools), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${FERROKV_BIN:-target/release/ferrokv-server}
CHROMIUM=${CHROMIUM:-$(command -v chromium-headless-shell || true)}
if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
  echo "dashboard_check: chromium-headless-shell not found (apt-get install chromium-headless-shell)" >&2
  exit 1
fi
for tool in redis-cli redis-benchmark curl python3; do
  command -v "$tool" >/dev/null || { echo "dashboard_check: $tool not found" >&2; exit 1; }
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
DIR=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

# start NAME [server flags...]: sets NAME_RESP and NAME_HTTP.
start() {
  local name=$1 resp http
  shift
  resp=$(free_port)
  http=$(free_port)
  mkdir -p "$DIR/$name"
  "$BIN" --port "$resp" --http-port "$http" --dir "$DIR/$name" "$@" >"$DIR/$name/log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$http/healthz" >/dev/null && break
    sleep 0.05
  done
  curl -sf "http://127.0.0.1:$http/healthz" >/dev/null || { cat "$DIR/$name/log" >&2; exit 1; }
  printf -v "${name}_RESP" %s "$resp"
  printf -v "${name}_HTTP" %s "$http"
}

# browse URL OUT_PREFIX: the rendered DOM in OUT_PREFIX.html and a screenshot in OUT_PREFIX.png.
# The time limit only guards against a hung browser; each run takes about 3 s.
browse() {
  local flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,900
               --virtual-time-budget=10000 --user-data-dir="$DIR/chromium")
  timeout 60 "$CHROMIUM" "${flags[@]}" --dump-dom "$1" >"$2.html" 2>"$2.dom.log"
  timeout 60 "$CHROMIUM" "${flags[@]}" --screenshot="$2.png" "$1" >/dev/null 2>"$2.png.log"
}

start main
cli() { redis-cli -p "$main_RESP" "$@" >/dev/null; }
cli CONFIG SET slowlog-log-slower-than 0
for i in $(seq 25); do cli SET "key:$i" "value $i"; done
for i in $(seq 3); do cli -n 2 SET "other:$i" v EX 1000; done
cli GET key:1
# Only the commands above in the slow log, not the load's PINGs.
cli CONFIG SET slowlog-log-slower-than 10000000
# A load for ops/s while the page is rendered; stopped once the browser is done.
redis-benchmark -p "$main_RESP" -t ping -n 100000000 -c 2 -q >/dev/null 2>&1 &
LOAD=$!
PIDS+=("$LOAD")
sleep 2
browse "http://127.0.0.1:$main_HTTP/?count=3" "$DIR/main"
kill "$LOAD" 2>/dev/null || true

start locked --requirepass 's3cret'
browse "http://127.0.0.1:$locked_HTTP/?count=2" "$DIR/denied"
browse "http://default:s3cret@127.0.0.1:$locked_HTTP/?count=2" "$DIR/allowed"

python3 - "$DIR" <<'PY'
import html.parser, struct, sys, zlib

root = sys.argv[1]

class Dom(html.parser.HTMLParser):
    """Text of every element with an id, and the rows of each tbody."""
    def __init__(self):
        super().__init__()
        self.text, self.rows, self.stack = {}, {}, []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and self.stack and self.stack[-1][0] == "tbody":
            self.rows.setdefault(self.stack[-1][1], []).append([])
        if tag == "td":
            for t, i in reversed(self.stack):
                if t == "tbody" and self.rows.get(i):
                    self.rows[i][-1].append("")
                    break
        self.stack.append((tag, a.get("id")))
        if a.get("id"):
            self.text.setdefault(a["id"], "")
    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
    def handle_data(self, data):
        for _, i in self.stack:
            if i:
                self.text[i] += data
        for t, i in reversed(self.stack):
            if t == "tbody" and self.rows.get(i) and self.rows[i][-1]:
                self.rows[i][-1][-1] += data
                break

def dom(name):
    d = Dom()
    d.feed(open(f"{root}/{name}.html").read())
    return d

failures = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)

d = dom("main")
t = d.text
check(t.get("status") == "ended", f"the page received every snapshot (status {t.get('status')!r})")
check(t.get("db0-keys") == "25", f"db0 shows 25 keys ({t.get('db0-keys')!r})")
check(t.get("db2-keys") == "3", f"db2 shows 3 keys ({t.get('db2-keys')!r})")
ops = t.get("ops", "")
check(ops.isdigit() and int(ops) > 0, f"ops/s is a number above 0 under load ({ops!r})")
total = t.get("total-commands", "")
check(total.isdigit() and int(total) >= 30, f"commands processed ({total!r})")
check(t.get("used-memory", "").endswith(("KiB", "MiB", "GiB")), f"used memory ({t.get('used-memory')!r})")
check(t.get("connected-clients", "").isdigit(), f"connected clients ({t.get('connected-clients')!r})")
check(t.get("aof-enabled") in ("yes", "no"), f"aof enabled ({t.get('aof-enabled')!r})")
check(t.get("rdb-status") == "ok", f"last bgsave status ({t.get('rdb-status')!r})")
check("slowlog-table" in t, "the slow log table exists")
slow = d.rows.get("slowlog-rows", [])
check(len(slow) >= 5 and any(r[3].startswith("SET key:") for r in slow),
      f"the slow log lists the SETs ({len(slow)} rows)")
lat = {r[0]: r for r in d.rows.get("latency-rows", [])}
check("set" in lat and all(float(v) > 0 for v in lat["set"][2:5]),
      f"latency percentiles for set ({lat.get('set')})")
points = open(f"{root}/main.html").read().split('id="ops-line" points="')[1].split('"')[0].split()
check(len(points) == 3, f"the sparkline has one point per snapshot ({len(points)})")

denied = open(f"{root}/denied.html").read()
check("NOAUTH" in denied and 'id="ops"' not in denied, "without the password the page is refused")
a = dom("allowed").text
check(a.get("status") == "ended" and a.get("ops", "").isdigit(),
      f"with Basic credentials the page renders live figures (status {a.get('status')!r})")

def png_colours(path):
    """Distinct colours of an 8-bit RGB(A) PNG (the filters undone, as the format specifies)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat = 8, b""
    while at < len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        chunk = data[at + 8:at + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        at += 12 + n
    assert depth == 8 and ctype in (2, 6), f"unexpected PNG type {depth}/{ctype}"
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, colours = bytearray(stride), set()
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, ul = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1: line[i] = (line[i] + left) & 255
            elif f == 2: line[i] = (line[i] + up) & 255
            elif f == 3: line[i] = (line[i] + (left + up) // 2) & 255
            elif f == 4:
                p = left + up - ul
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else ul)) & 255
        if y % 4 == 0:
            colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp * 2))
        prev = line
    return w, h, colours

import os
size = os.path.getsize(f"{root}/main.png")
check(size > 20_000, f"the screenshot is {size} bytes")
w, h, colours = png_colours(f"{root}/main.png")
check((w, h) == (1280, 900) and len(colours) > 20, f"the screenshot is {w}x{h} with {len(colours)} colours")

if failures:
    sys.exit(f"dashboard_check: {len(failures)} check(s) failed")
print("dashboard_check: the page renders live figures in chromium")
PY
