//! AOF files as Redis leaves them: manifests read (or refused) exactly where `redis-server`
//! reads (or refuses) them, a Redis 6 single-file AOF upgraded in place as Redis 7 upgrades
//! it (an interrupted upgrade resumed), and names that need quoting. Each case is given to a
//! real `redis-server` and to ferrokv, and the outcomes compared.

use super::persistence::{
    check_aof, dataset, fill, pong, redis_server, redis_try_start, rewrite_and_wait, start,
};
use super::{bulk, Client, TempDir};
use std::path::Path;

/// `args` as a RESP command, as an AOF holds it.
fn record(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
    }
    out
}

/// Writes `files` (name, contents) into `dir/appendonlydir`, and the manifest `manifest`.
fn aof_dir(dir: &Path, files: &[(&str, Vec<u8>)], manifest: &[u8]) {
    let aof = dir.join("appendonlydir");
    std::fs::create_dir_all(&aof).unwrap();
    for (name, bytes) in files {
        std::fs::write(aof.join(name), bytes).unwrap();
    }
    std::fs::write(aof.join("appendonly.aof.manifest"), manifest).unwrap();
}

/// Starts ferrokv on `dir`: its dataset, or None when it refused to start.
fn ours(dir: &Path, extra: &[&str]) -> Option<Vec<String>> {
    let mut b = start(dir, extra);
    // Loaded (wait_loaded saw to that) and serving, or on its way out.
    let served = pong(b.addr);
    if !served {
        assert!(!b.wait_exit().success(), "exited with success");
        return None;
    }
    let mut c = Client::connect(b.addr);
    Some(dataset(&mut c))
}

/// Starts redis-server on `dir`: its dataset, or None when it refused to start.
fn theirs(dir: &Path, extra: &[&str]) -> Option<Vec<String>> {
    let mut flags = vec!["--appendonly", "yes"];
    flags.extend_from_slice(extra);
    let (_redis, addr) = redis_try_start(dir, &flags)?;
    let mut c = Client::connect(addr);
    Some(dataset(&mut c))
}

/// A copy of directory `from` (one level of subdirectories) at `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Gives the directory `fixture` to both servers (each its own copy) and asserts they agree:
/// both refuse, or both load the same dataset (returned).
fn same_outcome(case: &str, fixture: &Path) -> Option<Vec<String>> {
    let (a, b) = (TempDir::new("mf-ours"), TempDir::new("mf-redis"));
    copy_dir(fixture, a.path());
    copy_dir(fixture, b.path());
    let (mine, redis) = (ours(a.path(), &[]), theirs(b.path(), &[]));
    assert_eq!(mine, redis, "{case}: ferrokv and redis-server disagree");
    mine
}

#[test]
fn manifests_are_read_or_refused_where_redis_reads_or_refuses_them() {
    let files = [
        ("appendonly.aof.1.base.aof", record(&["SET", "base", "1"])),
        ("appendonly.aof.1.incr.aof", record(&["SET", "k", "v"])),
        ("appendonly.aof.2.incr.aof", record(&["SET", "k2", "v2"])),
        ("a b.aof", record(&["SET", "spaced", "1"])),
    ];
    let std = "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n";
    let long = format!("file {} seq 1 type b\n", "x".repeat(1100));
    let cases: Vec<(&str, String, bool)> = vec![
        ("as written", std.into(), true),
        ("comments", format!("# a comment\n{std}#another\n"), true),
        (
            "keys in capitals",
            std.replace("file", "FILE")
                .replace("seq", "Seq")
                .replace("type", "TYPE"),
            true,
        ),
        (
            "a quoted name",
            "file \"a b.aof\" seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n".into(),
            true,
        ),
        (
            "unknown keys",
            format!("{std}file appendonly.aof.2.incr.aof seq 2 type i startoffset 0 endoffset 9\n"),
            true,
        ),
        (
            "history entries",
            format!("file old.aof seq 1 type h\n{std}"),
            true,
        ),
        ("a blank line", std.replace("b\n", "b\n\n"), false),
        ("a line of blanks", std.replace("b\n", "b\n \t \n"), false),
        ("a line too long", long, false),
        ("no final newline", std.trim_end().into(), false),
        ("an empty file", String::new(), false),
        ("an odd word", std.replace("type i", "type i x"), false),
        (
            "fewer than six words",
            "file appendonly.aof.1.base.aof seq 1\n".into(),
            false,
        ),
        (
            "a zero seq",
            std.replace("seq 1 type i", "seq 0 type i"),
            false,
        ),
        (
            "a seq not a number",
            std.replace("seq 1 type i", "seq x type i"),
            false,
        ),
        ("an unknown type", std.replace("type i", "type x"), false),
        (
            "two bases",
            format!("{std}file appendonly.aof.2.incr.aof seq 2 type b\n"),
            false,
        ),
        (
            "a seq going back",
            format!("{std}file appendonly.aof.2.incr.aof seq 1 type i\n"),
            false,
        ),
        (
            "a path",
            std.replace(
                "file appendonly.aof.1.incr.aof",
                "file ../appendonly.aof.1.incr.aof",
            ),
            false,
        ),
        (
            "unbalanced quotes",
            std.replace(
                "file appendonly.aof.1.incr.aof",
                "file \"appendonly.aof.1.incr.aof",
            ),
            false,
        ),
        (
            "a missing base file",
            std.replace(".1.base.aof", ".9.base.aof"),
            false,
        ),
    ];
    for (case, manifest, starts) in cases {
        let fixture = TempDir::new("mf-case");
        aof_dir(fixture.path(), &files, manifest.as_bytes());
        let got = same_outcome(case, fixture.path());
        assert_eq!(got.is_some(), starts, "{case}: {got:?}");
    }
}

/// What redis-server wrote (with `aof-use-rdb-preamble` as given) before and after a rewrite,
/// joined into one file as Redis 6 kept its AOF, and the dataset it holds.
fn redis_6_single_file(preamble: &str) -> (TempDir, Vec<String>) {
    let written = TempDir::new("r6-writer");
    let flags = [
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--aof-use-rdb-preamble",
        preamble,
    ];
    let (redis, addr) = redis_server(written.path(), &flags);
    let mut r = Client::connect(addr);
    fill(&mut r);
    rewrite_and_wait(&mut r);
    r.cmd("RPUSH l after-rewrite");
    r.cmd("INCR counter");
    let want = dataset(&mut r);
    drop(redis);
    let aof = written.path().join("appendonlydir");
    let manifest = std::fs::read_to_string(aof.join("appendonly.aof.manifest")).unwrap();
    let mut single = Vec::new();
    for line in manifest.lines().filter(|l| !l.contains("type h")) {
        let name = line.split(' ').nth(1).unwrap();
        single.extend(std::fs::read(aof.join(name)).unwrap());
    }
    assert_eq!(single.starts_with(b"REDIS"), preamble == "yes");
    let dir = TempDir::new("r6");
    std::fs::write(dir.path().join("appendonly.aof"), single).unwrap();
    (dir, want)
}

/// The AOF directory's names and manifest, for comparing what two servers left.
fn layout(dir: &Path) -> (Vec<String>, String, bool) {
    let aof = dir.join("appendonlydir");
    let mut names: Vec<String> = std::fs::read_dir(&aof)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let manifest = std::fs::read_to_string(aof.join("appendonly.aof.manifest")).unwrap();
    (names, manifest, dir.join("appendonly.aof").exists())
}

#[test]
fn a_redis_6_single_file_aof_is_upgraded_in_place_as_redis_7_does() {
    for preamble in ["yes", "no"] {
        let (fixture, want) = redis_6_single_file(preamble);
        let (a, b) = (TempDir::new("r6-ours"), TempDir::new("r6-redis"));
        copy_dir(fixture.path(), a.path());
        copy_dir(fixture.path(), b.path());
        assert_eq!(theirs(b.path(), &[]).as_ref(), Some(&want), "redis-server");
        assert_eq!(
            ours(a.path(), &[]).as_ref(),
            Some(&want),
            "preamble {preamble}"
        );
        // The same files, and the same manifest, as redis-server left.
        assert_eq!(layout(a.path()), layout(b.path()));
        assert_eq!(
            layout(a.path()).1,
            "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        );
        // Writes after the upgrade go on the new incremental file and survive a kill -9.
        let server = start(a.path(), &["--appendfsync", "always"]);
        let mut c = Client::connect(server.addr);
        c.cmd("SET after-upgrade 1");
        drop(server);
        let again = ours(a.path(), &[]).unwrap();
        assert!(
            again.iter().any(|l| l.contains("after-upgrade")),
            "{again:?}"
        );
        check_aof(a.path());
        // And redis-server reads the upgraded directory.
        assert_eq!(theirs(a.path(), &[]), Some(again));
    }
}

#[test]
fn an_interrupted_upgrade_is_resumed_and_a_directory_of_its_own_wins() {
    let (fixture, want) = redis_6_single_file("yes");
    // Killed after the manifest was stored, before the file was moved.
    aof_dir(fixture.path(), &[], b"file appendonly.aof seq 1 type b\n");
    assert_eq!(same_outcome("interrupted", fixture.path()), Some(want));
    // An AOF directory with files of its own: the single file is not the data, and stays.
    let fixture = TempDir::new("r6-both");
    std::fs::write(
        fixture.path().join("appendonly.aof"),
        record(&["SET", "single", "1"]),
    )
    .unwrap();
    aof_dir(
        fixture.path(),
        &[("appendonly.aof.1.incr.aof", record(&["SET", "dir", "1"]))],
        b"file appendonly.aof.1.incr.aof seq 1 type i\n",
    );
    let got = same_outcome("both", fixture.path()).unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].contains(" dir "), "{got:?}");
}

#[test]
fn an_appendfilename_with_spaces_round_trips_with_redis() {
    let flags = ["--appendfilename", "my file.aof", "--appendfsync", "always"];
    // Redis writes it, ferrokv reads it...
    let written = TempDir::new("spaces-redis");
    let (redis, addr) = redis_server(
        written.path(),
        &[&["--appendonly", "yes"], &flags[..]].concat(),
    );
    let mut r = Client::connect(addr);
    r.cmd("SET k from-redis");
    drop(redis);
    let manifest = written
        .path()
        .join("appendonlydir")
        .join("my file.aof.manifest");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(
        text.contains("file \"my file.aof.1.incr.aof\" seq 1 type i"),
        "{text}"
    );
    let server = start(written.path(), &flags);
    let mut c = Client::connect(server.addr);
    assert_eq!(c.cmd("GET k"), bulk("from-redis"));
    c.cmd("SET k2 from-ferrokv");
    drop(server);
    // ...and what ferrokv wrote, fresh, reads back in both.
    let fresh = TempDir::new("spaces-ours");
    let server = start(fresh.path(), &flags);
    let mut c = Client::connect(server.addr);
    c.cmd("SET k3 fresh");
    drop(server);
    for dir in [written.path(), fresh.path()] {
        let again = ours(dir, &flags).unwrap();
        let redis = theirs(dir, &flags).unwrap();
        assert_eq!(again, redis);
    }
    let text = std::fs::read_to_string(
        fresh
            .path()
            .join("appendonlydir")
            .join("my file.aof.manifest"),
    )
    .unwrap();
    assert_eq!(
        text,
        "file \"my file.aof.1.base.aof\" seq 1 type b\nfile \"my file.aof.1.incr.aof\" seq 1 type i\n"
    );
}
