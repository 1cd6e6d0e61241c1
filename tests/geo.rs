//! Geo sets written by redis-server load in ferrokv and answer the same: a `dump.rdb` with a
//! small (listpack) and a large (skiplist) geo set, then GEOSEARCH, GEORADIUS, GEOPOS,
//! GEODIST and GEOHASH asked of both servers, replies compared value for value.

use super::persistence::{loaded, redis_server};
use super::{Binary, Client, TempDir};
use resp::Value;

/// A deterministic spread of points (a linear congruential walk), Mercator limits included.
fn points(n: usize, seed: u64) -> Vec<(String, String)> {
    let mut x = seed;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|i| {
            let (lon, lat) = match i % 10 {
                0 => (180.0 - next() * 2.0, next() * 170.0 - 85.0),
                1 => (next() * 360.0 - 180.0, 85.05112878 - next()),
                2 => (next() * 360.0 - 180.0, -85.05112878 + next()),
                3..=6 => (13.0 + next() * 0.5, 38.0 + next() * 0.5),
                _ => (next() * 360.0 - 180.0, next() * 170.0 - 85.0),
            };
            (format!("{lon:.9}"), format!("{lat:.9}"))
        })
        .collect()
}

fn fill(c: &mut Client, key: &str, n: usize, seed: u64) {
    for (i, chunk) in points(n, seed).chunks(100).enumerate() {
        let mut args: Vec<Vec<u8>> = vec![b"GEOADD".to_vec(), key.as_bytes().to_vec()];
        for (j, (lon, lat)) in chunk.iter().enumerate() {
            args.push(lon.clone().into_bytes());
            args.push(lat.clone().into_bytes());
            args.push(format!("p{}", i * 100 + j).into_bytes());
        }
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        assert!(matches!(c.cmd_args(&args), Value::Int(_)), "GEOADD {key}");
    }
}

/// The queries both servers answer; each reply must be the same.
fn queries() -> Vec<String> {
    let mut q = Vec::new();
    for key in ["small", "big"] {
        q.push(format!("ZRANGE {key} 0 -1 WITHSCORES"));
        q.push(format!("OBJECT ENCODING {key}"));
        q.push(format!("GEOPOS {key} p0 p1 p7 p42 nosuch"));
        q.push(format!("GEOHASH {key} p0 p1 p7 p42 nosuch"));
        q.push(format!("GEODIST {key} p3 p4 km"));
        for (lon, lat, r) in [
            ("13.2", "38.2", "30"),
            ("179.9", "10", "500"),
            ("0", "85", "2000"),
            ("-100", "-84.9", "800"),
            ("13.25", "38.25", "0.5"),
            ("0", "0", "25000"),
        ] {
            q.push(format!(
                "GEOSEARCH {key} FROMLONLAT {lon} {lat} BYRADIUS {r} km WITHDIST WITHCOORD WITHHASH"
            ));
            q.push(format!(
                "GEOSEARCH {key} FROMLONLAT {lon} {lat} BYBOX {r} {r} km ASC COUNT 7"
            ));
            q.push(format!(
                "GEORADIUS {key} {lon} {lat} {r} mi DESC WITHDIST COUNT 5 ANY"
            ));
        }
        q.push(format!(
            "GEOSEARCH {key} FROMMEMBER p3 BYRADIUS 20 km ASC WITHDIST"
        ));
        q.push(format!("GEORADIUSBYMEMBER {key} p5 10 km WITHCOORD"));
    }
    q
}

#[test]
fn geo_sets_in_a_redis_dump_load_and_answer_the_same() {
    let (redis_dir, ours_dir) = (TempDir::new("geo-redis"), TempDir::new("geo-ours"));
    let (_redis, redis_addr) = redis_server(redis_dir.path(), &["--appendonly", "no"]);
    let mut r = Client::connect(redis_addr);
    fill(&mut r, "small", 60, 1);
    fill(&mut r, "big", 3000, 2);
    assert_eq!(
        r.cmd("OBJECT ENCODING small"),
        Value::Bulk(b"listpack".to_vec())
    );
    assert_eq!(
        r.cmd("OBJECT ENCODING big"),
        Value::Bulk(b"skiplist".to_vec())
    );
    let want: Vec<Value> = queries().iter().map(|q| r.cmd(q)).collect();
    assert_eq!(r.cmd("SAVE"), Value::Simple("OK".into()));
    std::fs::copy(
        redis_dir.path().join("dump.rdb"),
        ours_dir.path().join("dump.rdb"),
    )
    .unwrap();
    let b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "no",
        "--dir",
        ours_dir.path().to_str().unwrap(),
    ]);
    let mut ours = Client::connect(b.addr);
    loaded(&mut ours);
    let mut nonempty = 0;
    for (q, want) in queries().iter().zip(&want) {
        let got = ours.cmd(q);
        assert_eq!(&got, want, "{q}");
        if matches!(want, Value::Array(a) if !a.is_empty()) {
            nonempty += 1;
        }
    }
    // The queries find something (the comparison is not of empty replies only).
    assert!(nonempty > 20, "only {nonempty} non-empty replies");
}

#[test]
fn geoadd_is_logged_as_the_zadd_it_runs() {
    let dir = TempDir::new("geo-aof");
    let b = super::persistence::start(dir.path(), &["--appendfsync", "always"]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(
        c.cmd("GEOADD Sicily CH 13.361389 38.115556 Palermo 15.087269 37.502669 Catania"),
        Value::Int(2)
    );
    // Nothing changes: nothing is logged.
    assert_eq!(c.cmd("GEOADD Sicily NX 1 1 Palermo"), Value::Int(0));
    let mut log = Vec::new();
    for e in std::fs::read_dir(dir.path().join("appendonlydir")).unwrap() {
        let p = e.unwrap().path();
        if p.to_string_lossy().ends_with(".incr.aof") {
            log.extend(std::fs::read(p).unwrap());
        }
    }
    let text = String::from_utf8_lossy(&log);
    assert!(
        text.contains(
            "*7\r\n$4\r\nZADD\r\n$6\r\nSicily\r\n$2\r\nCH\r\n$16\r\n3479099956230698\r\n$7\r\nPalermo\r\n$16\r\n3479447370796909\r\n$7\r\nCatania\r\n"
        ),
        "{text}"
    );
    assert!(!text.contains("GEOADD") && !text.contains("NX"), "{text}");
}
