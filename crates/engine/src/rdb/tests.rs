//! Tests: encodings, round trips, malformed input, and interop with redis-server 7.0 (SAVE
//! files loaded here, files written here loaded by Redis and checked by redis-check-rdb, DUMP
//! and RESTORE both ways). Tests needing redis-server skip with a message when it is missing.

use super::testkit::*;
use super::*;
use std::collections::BTreeMap;
use std::path::Path;

type Keyspace = BTreeMap<(usize, Vec<u8>), (Value, Option<u64>)>;
type Aux = Vec<(String, Vec<u8>)>;

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn load_all(bytes: &[u8]) -> Result<(Aux, Keyspace), String> {
    let mut aux = Vec::new();
    let mut ks = Keyspace::new();
    load(
        bytes,
        |k, v| aux.push((String::from_utf8_lossy(k).into_owned(), v.to_vec())),
        |e| match ks.insert((e.db, e.key.clone()), (normalize(&e.value), e.expire_ms)) {
            Some(_) => Err(Error::Refused(format!("duplicate key {}", Show(&e.key)))),
            None => Ok(()),
        },
    )
    .map_err(|e| e.to_string())?;
    Ok((aux, ks))
}

fn expected(fixtures: &[Fixture]) -> Keyspace {
    fixtures
        .iter()
        .map(|f| ((f.db, f.key.clone()), (normalize(&f.value), f.expire_ms)))
        .collect()
}

fn assert_same(got: &Keyspace, want: &Keyspace) {
    for (k, v) in want {
        match got.get(k) {
            None => panic!("key {} (db {}) missing", Show(&k.1), k.0),
            Some(g) => assert!(
                g == v,
                "key {} (db {}): got {:?}, want {:?}",
                Show(&k.1),
                k.0,
                g.1,
                v.1
            ),
        }
    }
    assert_eq!(got.len(), want.len(), "extra keys loaded");
}

fn write_file(fixtures: &[Fixture], opts: &Options) -> Vec<u8> {
    let mut by_db: BTreeMap<usize, Vec<&Fixture>> = BTreeMap::new();
    for f in fixtures {
        by_db.entry(f.db).or_default().push(f);
    }
    let mut w = Writer::with_options(Vec::new(), opts.clone()).unwrap();
    for (db, fs) in by_db {
        let expires = fs.iter().filter(|f| f.expire_ms.is_some()).count() as u64;
        w.select_db(db, fs.len() as u64, expires).unwrap();
        for f in fs {
            w.write_entry(&f.key, &f.value, f.expire_ms).unwrap();
        }
    }
    w.finish().unwrap()
}

/// A file assembled from raw entries (type byte and body), for encodings the writer does
/// not produce; `version` < 5 has no checksum.
fn raw_file(version: u16, entries: &[(usize, u8, &[u8], Vec<u8>)]) -> Vec<u8> {
    let mut out = format!("REDIS{version:04}").into_bytes();
    let mut db = usize::MAX;
    for (d, ty, key, body) in entries {
        if *d != db {
            db = *d;
            out.push(OP_SELECTDB);
            put_len(&mut out, db as u64);
        }
        out.push(*ty);
        put_string(&mut out, key, true);
        out.extend_from_slice(body);
    }
    out.push(OP_EOF);
    if version >= 5 {
        let crc = crc64::crc64(0, &out);
        out.extend_from_slice(&crc.to_le_bytes());
    }
    out
}

fn payload(ty: u8, body: &[u8], version: u16) -> Vec<u8> {
    let mut p = vec![ty];
    p.extend_from_slice(body);
    p.extend_from_slice(&version.to_le_bytes());
    let crc = crc64::crc64(0, &p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

fn blob_body(blob: &[u8]) -> Vec<u8> {
    let mut o = Vec::new();
    put_string(&mut o, blob, true);
    o
}

fn sv(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(|x| x.as_slice()).collect()
}

/// Values in the encodings only older Redis versions write (and a few current ones built by
/// hand): (name, type, body, the value).
fn legacy_cases() -> Vec<(&'static str, u8, Vec<u8>, Value)> {
    let mut cases = Vec::new();
    let long = vec![b'L'; 300];
    // RDB_TYPE_LIST: a count and strings.
    let items = vec![
        b"a".to_vec(),
        b"12345".to_vec(),
        b"".to_vec(),
        long.clone(),
        b"-7".to_vec(),
        vec![b'c'; 40],
    ];
    let mut body = Vec::new();
    put_len(&mut body, items.len() as u64);
    for i in &items {
        put_string(&mut body, i, true);
    }
    cases.push((
        "legacy:list-linked",
        T_LIST,
        body,
        Value::List(items.clone()),
    ));
    // RDB_TYPE_ZSET: string scores (rdbSaveDoubleValue), highest first.
    let zpairs: Vec<(Vec<u8>, f64)> = vec![
        (b"a".to_vec(), f64::NEG_INFINITY),
        (b"b".to_vec(), -2.5),
        (b"c".to_vec(), 0.1),
        (b"d".to_vec(), 3.0),
        (b"e".to_vec(), 1e300),
        (b"f".to_vec(), f64::INFINITY),
    ];
    let mut body = Vec::new();
    put_len(&mut body, zpairs.len() as u64);
    for (m, s) in zpairs.iter().rev() {
        put_string(&mut body, m, true);
        if s.is_infinite() {
            body.push(if *s > 0.0 { 254 } else { 255 });
        } else {
            let t = d2string(*s);
            body.push(t.len() as u8);
            body.extend_from_slice(t.as_bytes());
        }
    }
    cases.push((
        "legacy:zset-string-scores",
        T_ZSET,
        body,
        Value::ZSet(zpairs.clone()),
    ));
    // Zipmap, with free space after values and a field needing a 5-byte length.
    let hpairs: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b"name".to_vec(), b"value".to_vec()),
        (b"n".to_vec(), b"42".to_vec()),
        (long.clone(), b"long field".to_vec()),
        (b"empty".to_vec(), b"".to_vec()),
    ];
    let zm_pairs: Vec<(&[u8], &[u8])> = hpairs
        .iter()
        .map(|(f, v)| (f.as_slice(), v.as_slice()))
        .collect();
    cases.push((
        "legacy:hash-zipmap",
        T_HASH_ZIPMAP,
        blob_body(&ziplist::encode::zipmap(&zm_pairs, 2)),
        Value::Hash(hpairs.clone()),
    ));
    // Ziplists with every entry encoding.
    let mut zitems: Vec<Vec<u8>> = sv(&[
        "0", "12", "13", "-1", "127", "-128", "128", "32767", "-32769", "8388607", "8388608",
    ]);
    zitems.extend(sv(&[
        "-2147483648",
        "2147483648",
        "9223372036854775807",
        "-9223372036854775808",
        "",
        "x",
        "007",
    ]));
    zitems.push(vec![b'y'; 63]);
    zitems.push(vec![b'y'; 64]);
    zitems.push(long.clone());
    zitems.push(vec![b'z'; 16_384]);
    zitems.push(b"after-big".to_vec());
    cases.push((
        "legacy:list-ziplist",
        T_LIST_ZIPLIST,
        blob_body(&ziplist::encode::ziplist(&refs(&zitems))),
        Value::List(zitems.clone()),
    ));
    let zflat: Vec<Vec<u8>> = zpairs
        .iter()
        .flat_map(|(m, s)| [m.clone(), d2string(*s).into_bytes()])
        .collect();
    cases.push((
        "legacy:zset-ziplist",
        T_ZSET_ZIPLIST,
        blob_body(&ziplist::encode::ziplist(&refs(&zflat))),
        Value::ZSet(zpairs.clone()),
    ));
    let hflat: Vec<Vec<u8>> = hpairs
        .iter()
        .flat_map(|(f, v)| [f.clone(), v.clone()])
        .collect();
    cases.push((
        "legacy:hash-ziplist",
        T_HASH_ZIPLIST,
        blob_body(&ziplist::encode::ziplist(&refs(&hflat))),
        Value::Hash(hpairs.clone()),
    ));
    // Quicklist of ziplists (Redis 3.2 to 6.2).
    let nodes = [
        sv(&["a", "b", "1"]),
        sv(&["c"]),
        vec![long.clone(), b"-100000".to_vec()],
    ];
    let mut body = Vec::new();
    put_len(&mut body, nodes.len() as u64);
    for n in &nodes {
        body.extend_from_slice(&blob_body(&ziplist::encode::ziplist(&refs(n))));
    }
    cases.push((
        "legacy:list-quicklist",
        T_LIST_QUICKLIST,
        body,
        Value::List(nodes.concat()),
    ));
    // Quicklist 2 with a PLAIN node between PACKED ones.
    let mut body = Vec::new();
    put_len(&mut body, 3);
    let mut lp = listpack::Builder::new();
    lp.push(b"head");
    lp.push(b"1");
    put_len(&mut body, QUICKLIST_PACKED);
    body.extend_from_slice(&blob_body(&lp.finish()));
    put_len(&mut body, QUICKLIST_PLAIN);
    body.extend_from_slice(&blob_body(&vec![b'P'; 500]));
    let mut lp = listpack::Builder::new();
    lp.push(b"tail");
    put_len(&mut body, QUICKLIST_PACKED);
    body.extend_from_slice(&blob_body(&lp.finish()));
    cases.push((
        "legacy:list-quicklist2-plain",
        T_LIST_QUICKLIST_2,
        body,
        Value::List(vec![
            b"head".to_vec(),
            b"1".to_vec(),
            vec![b'P'; 500],
            b"tail".to_vec(),
        ]),
    ));
    cases
}

// --- encodings -------------------------------------------------------------------------------

#[test]
fn lengths_round_trip_every_size_class() {
    for n in [
        0u64,
        1,
        63,
        64,
        16383,
        16384,
        u64::from(u32::MAX),
        u64::from(u32::MAX) + 1,
        u64::MAX,
    ] {
        let mut out = Vec::new();
        put_len(&mut out, n);
        let expect_size = match n {
            0..=63 => 1,
            64..=16383 => 2,
            16384..=0xffff_ffff => 5,
            _ => 9,
        };
        assert_eq!(out.len(), expect_size, "{n}");
        let mut r = Reader::new(&out);
        assert_eq!(r.length("test").unwrap(), n);
        assert_eq!(r.pos, out.len());
    }
    // 0x82..0xBF are not length encodings.
    let mut r = Reader::new(&[0x82, 0, 0, 0, 0]);
    assert!(r.length("test").is_err());
}

#[test]
fn strings_use_redis_encodings() {
    let cases: &[(&[u8], &[u8])] = &[
        (b"0", &[0xC0, 0]),
        (b"-128", &[0xC0, 0x80]),
        (b"127", &[0xC0, 0x7f]),
        (b"128", &[0xC1, 0x80, 0]),
        (b"-32768", &[0xC1, 0x00, 0x80]),
        (b"32768", &[0xC2, 0x00, 0x80, 0, 0]),
        (b"2147483647", &[0xC2, 0xff, 0xff, 0xff, 0x7f]),
        (b"2147483648", b"\x0a2147483648"),
        (b"-2147483648", &[0xC2, 0, 0, 0, 0x80]),
        (b"007", b"\x03007"),
        (b"-0", b"\x02-0"),
        (b"+1", b"\x02+1"),
        (b"", b"\x00"),
        (b"aaaaaaaaaaaaaaaaaaaa", b"\x14aaaaaaaaaaaaaaaaaaaa"), // 20 bytes: never compressed
    ];
    for (s, enc) in cases {
        let mut out = Vec::new();
        put_string(&mut out, s, true);
        assert_eq!(&out, enc, "{}", Show(s));
        let mut r = Reader::new(&out);
        assert_eq!(&*r.string("test").unwrap(), *s);
    }
    // Longer than 20 bytes and compressible: LZF.
    let s = vec![b'a'; 21];
    let mut out = Vec::new();
    put_string(&mut out, &s, true);
    assert_eq!(out[0], 0xC3);
    assert!(out.len() < 21);
    assert_eq!(&*Reader::new(&out).string("t").unwrap(), &s[..]);
    let mut plain = Vec::new();
    put_string(&mut plain, &s, false);
    assert_eq!(plain[0], 21);
    // Incompressible: plain.
    let random = Rng::new(3).bytes(1000);
    let mut out = Vec::new();
    put_string(&mut out, &random, true);
    assert_eq!(&out[..2], &[0x43, 0xe8]);
    // Unknown special encoding.
    assert!(Reader::new(&[0xC4, 0, 0]).string("t").is_err());
}

#[test]
fn canonical_integers_follow_string2ll() {
    for (s, v) in [
        ("0", Some(0i64)),
        ("-1", Some(-1)),
        ("9223372036854775807", Some(i64::MAX)),
        ("-9223372036854775808", Some(i64::MIN)),
        ("9223372036854775808", None),
        ("-9223372036854775809", None),
        ("-0", None),
        ("01", None),
        ("+1", None),
        (" 1", None),
        ("1 ", None),
        ("", None),
        ("-", None),
        ("1a", None),
        ("00000000000000000001", None),
    ] {
        assert_eq!(canonical_i64(s.as_bytes()), v, "{s}");
    }
}

#[test]
fn scores_are_formatted_like_redis() {
    for (v, s) in [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.0, "-1"),
        (0.1, "0.10000000000000001"),
        (1.5, "1.5"),
        (1e300, "1.0000000000000001e+300"),
        (-1e-300, "-1e-300"),
        (1e-5, "1.0000000000000001e-05"),
        (0.000123, "0.00012300000000000001"),
        (5e-324, "4.9406564584124654e-324"),
        (f64::MAX, "1.7976931348623157e+308"),
        (123_456_789_012_345_678.0, "1.2345678901234568e+17"),
        (2.5e-5, "2.5000000000000001e-05"),
        (0.0001, "0.0001"),
        (123_456_789.123, "123456789.123"),
        (4_503_599_627_370_495.0, "4503599627370495"),
        (-4_503_599_627_370_496.0, "-4503599627370496"),
        (9_007_199_254_740_992.0, "9007199254740992"),
        (1e17, "1e+17"),
        (1.0 / 3.0, "0.33333333333333331"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        assert_eq!(d2string(v), s, "{v:e}");
        assert_eq!(
            parse_score(s.as_bytes()),
            Some(if v == 0.0 { 0.0 } else { v })
        );
    }
}

// --- round trips ---------------------------------------------------------------------------

#[test]
fn writer_output_loads_back() {
    let fx = fixtures(1_700_000_000_000);
    for opts in [
        Options::default(),
        Options {
            compression: false,
            checksum: false,
            hash_max_listpack_entries: 0,
            zset_max_listpack_entries: 0,
            set_max_intset_entries: 0,
            list_max_listpack_size: 3,
            ..Options::default()
        },
        Options {
            list_max_listpack_size: -5,
            ..Options::default()
        },
    ] {
        let bytes = write_file(&fx, &opts);
        let (aux, ks) = load_all(&bytes).unwrap();
        assert_same(&ks, &expected(&fx));
        let names: Vec<&str> = aux.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["redis-ver", "redis-bits", "ctime", "used-mem", "aof-base"]
        );
        assert_eq!(aux[0].1, b"7.0.15");
        if !opts.checksum {
            assert_eq!(&bytes[bytes.len() - 8..], &[0; 8]);
        }
        assert_eq!(
            load_prefix(&bytes, |_, _| {}, |_| Ok(())).unwrap(),
            bytes.len()
        );
    }
}

#[test]
fn writer_header_is_what_redis_writes() {
    let opts = Options {
        ctime: Some(1_700_000_000),
        used_mem: 123_456,
        aof_base: true,
        ..Options::default()
    };
    let bytes = Writer::with_options(Vec::new(), opts)
        .unwrap()
        .finish()
        .unwrap();
    let mut want = b"REDIS0010".to_vec();
    want.extend_from_slice(b"\xfa\x09redis-ver\x067.0.15");
    want.extend_from_slice(b"\xfa\x0aredis-bits\xc0\x40");
    want.extend_from_slice(b"\xfa\x05ctime\xc2");
    want.extend_from_slice(&1_700_000_000u32.to_le_bytes());
    want.extend_from_slice(b"\xfa\x08used-mem\xc2");
    want.extend_from_slice(&123_456u32.to_le_bytes());
    want.extend_from_slice(b"\xfa\x08aof-base\xc0\x01");
    want.push(0xff);
    let crc = crc64::crc64(0, &want);
    want.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(bytes, want);
}

#[test]
fn lists_are_split_into_nodes_like_redis() {
    fn node_sizes(bytes: &[u8]) -> Vec<(u64, usize)> {
        // Walk the QUICKLIST_2 value of a DUMP payload: (container, node blob size).
        let mut r = Reader {
            pos: 1,
            ..Reader::new(bytes)
        };
        let n = r.length("n").unwrap();
        (0..n)
            .map(|_| {
                let c = r.length("c").unwrap();
                (c, r.string("node").unwrap().len())
            })
            .collect()
    }
    let items: Vec<Vec<u8>> = (0..10_000)
        .map(|i| format!("element-{i:08}").into_bytes())
        .collect();
    let p = dump_payload_with(
        &Value::List(items.clone()),
        &Options {
            compression: false,
            ..Options::default()
        },
    );
    let sizes = node_sizes(&p);
    assert!(sizes.len() > 20);
    assert!(
        sizes
            .iter()
            .all(|&(c, s)| c == QUICKLIST_PACKED && s <= 8192),
        "{sizes:?}"
    );
    assert!(
        sizes[..sizes.len() - 1].iter().all(|&(_, s)| s > 8000),
        "{sizes:?}"
    );
    let p = dump_payload_with(
        &Value::List(items.clone()),
        &Options {
            list_max_listpack_size: 4,
            ..Options::default()
        },
    );
    assert_eq!(node_sizes(&p).len(), 2500);
    // One element larger than a node gets a node of its own.
    let big = Value::List(vec![b"a".to_vec(), vec![b'b'; 10_000], b"c".to_vec()]);
    let p = dump_payload_with(
        &big,
        &Options {
            compression: false,
            ..Options::default()
        },
    );
    assert_eq!(node_sizes(&p).len(), 3);
    assert_eq!(restore_payload(&p).unwrap(), big);
}

#[test]
fn encodings_chosen_like_redis() {
    let ty = |v: &Value| dump_payload(v)[0];
    let n = |k: usize| {
        (0..k)
            .map(|i| i.to_string().into_bytes())
            .collect::<Vec<_>>()
    };
    assert_eq!(ty(&Value::Set(n(512))), T_SET_INTSET);
    assert_eq!(ty(&Value::Set(n(513))), T_SET);
    assert_eq!(ty(&Value::Set(sv(&["1", "a"]))), T_SET);
    let h = |k: usize, len: usize| {
        Value::Hash(
            (0..k)
                .map(|i| (i.to_string().into_bytes(), vec![b'v'; len]))
                .collect(),
        )
    };
    assert_eq!(ty(&h(512, 64)), T_HASH_LISTPACK);
    assert_eq!(ty(&h(513, 1)), T_HASH);
    assert_eq!(ty(&h(1, 65)), T_HASH);
    let z = |k: usize, len: usize| {
        Value::ZSet(
            (0..k)
                .map(|i| (vec![b'a' + (i % 26) as u8; len.max(1) + i / 26], i as f64))
                .collect(),
        )
    };
    assert_eq!(ty(&z(128, 1)), T_ZSET_LISTPACK);
    assert_eq!(ty(&z(129, 1)), T_ZSET_2);
    assert_eq!(ty(&z(1, 65)), T_ZSET_2);
    assert_eq!(ty(&Value::List(vec![b"x".to_vec()])), T_LIST_QUICKLIST_2);
    assert_eq!(ty(&Value::String(b"x".to_vec())), T_STRING);
}

#[test]
fn dump_and_restore_round_trip() {
    for f in fixtures(0) {
        let p = dump_payload(&f.value);
        let v = restore_payload(&p).unwrap_or_else(|e| panic!("{}: {e}", Show(&f.key)));
        assert_eq!(normalize(&v), normalize(&f.value), "{}", Show(&f.key));
        // Any flipped bit is caught by the checksum.
        let mut bad = p.clone();
        let i = p.len() / 2;
        bad[i] ^= 0x10;
        assert!(matches!(restore_payload(&bad), Err(Error::Footer(_))));
    }
    let p = dump_payload(&Value::String(b"x".to_vec()));
    assert_eq!(&p[p.len() - 10..p.len() - 8], &[10, 0]);
    let mut newer = p[..p.len() - 10].to_vec();
    newer.extend_from_slice(&11u16.to_le_bytes());
    let crc = crc64::crc64(0, &newer);
    newer.extend_from_slice(&crc.to_le_bytes());
    assert!(verify_payload(&newer)
        .unwrap_err()
        .to_string()
        .contains("version 11"));
    assert!(restore_payload(&p[..9]).is_err());
    // Footer fine, body wrong: "Bad data format".
    for (ty, body) in [
        (T_LIST, vec![0u8]),          // empty list
        (T_STRING, vec![5, b'a']),    // truncated
        (T_STRING, vec![1, b'a', 0]), // trailing byte
        (8, vec![0]),                 // no such type
        (T_MODULE_2, vec![0]),
        (T_STREAM_LISTPACKS_2, vec![0]),
    ] {
        let e = restore_payload(&payload(ty, &body, 10)).unwrap_err();
        assert!(matches!(e, Error::Format { .. }), "{e}");
    }
}

#[test]
fn legacy_encodings_load() {
    let cases = legacy_cases();
    for (name, ty, body, want) in &cases {
        let got = restore_payload(&payload(*ty, body, 9)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(normalize(&got), normalize(want), "{name}");
    }
    // The same in a file of RDB version 9 and, without checksum, 4.
    for version in [9u16, 4] {
        let entries: Vec<(usize, u8, &[u8], Vec<u8>)> = cases
            .iter()
            .enumerate()
            .map(|(i, (n, t, b, _))| (i % 3, *t, n.as_bytes(), b.clone()))
            .collect();
        let bytes = raw_file(version, &entries);
        let (_, ks) = load_all(&bytes).unwrap();
        assert_eq!(ks.len(), cases.len());
        for (i, (name, _, _, want)) in cases.iter().enumerate() {
            assert_eq!(
                ks[&(i % 3, name.as_bytes().to_vec())].0,
                normalize(want),
                "{name}"
            );
        }
    }
    // Redis 7.2's set listpack.
    let mut lp = listpack::Builder::new();
    for m in ["a", "1", "b"] {
        lp.push(m.as_bytes());
    }
    let lp = lp.finish();
    let v = restore_payload(&payload(T_SET_LISTPACK, &blob_body(&lp), 10)).unwrap();
    assert_eq!(v, Value::Set(sv(&["a", "1", "b"])));
}

#[test]
fn opcodes_and_versions() {
    let mut body = b"REDIS0004".to_vec();
    body.push(OP_AUX);
    put_string(&mut body, b"lua", false);
    put_string(&mut body, b"return 1", false);
    body.push(OP_SELECTDB);
    put_len(&mut body, 7);
    body.push(OP_EXPIRETIME);
    body.extend_from_slice(&1_700_000_000i32.to_le_bytes());
    body.push(T_STRING);
    put_string(&mut body, b"k", false);
    put_string(&mut body, b"v", false);
    body.push(OP_EXPIRETIME_MS);
    body.extend_from_slice(&(-5i64).to_le_bytes());
    body.push(OP_IDLE);
    put_len(&mut body, 1000);
    body.push(OP_FREQ);
    body.push(5);
    body.push(T_STRING);
    put_string(&mut body, b"old", false);
    put_string(&mut body, b"v", false);
    body.push(T_STRING);
    put_string(&mut body, b"plain", false);
    put_string(&mut body, b"v", false);
    body.push(OP_EOF);
    let (aux, ks) = load_all(&body).unwrap();
    assert_eq!(aux, vec![("lua".to_string(), b"return 1".to_vec())]);
    assert_eq!(ks[&(7, b"k".to_vec())].1, Some(1_700_000_000_000));
    assert_eq!(ks[&(7, b"old".to_vec())].1, Some(0));
    assert_eq!(ks[&(7, b"plain".to_vec())].1, None);

    // Version 10 with a function library, then checksum.
    let mut f = b"REDIS0010".to_vec();
    f.push(OP_FUNCTION2);
    put_string(
        &mut f,
        b"#!lua name=lib\nredis.register_function('f', function() return 1 end)",
        true,
    );
    f.push(T_STRING);
    put_string(&mut f, b"k", false);
    put_string(&mut f, b"v", false);
    f.push(OP_EOF);
    let crc = crc64::crc64(0, &f);
    f.extend_from_slice(&crc.to_le_bytes());
    let (aux, ks) = load_all(&f).unwrap();
    assert_eq!(aux[0].0, "function");
    assert!(aux[0].1.starts_with(b"#!lua"));
    assert_eq!(ks.len(), 1);
    // A zero checksum is "not computed"; a wrong one is an error naming the offset.
    let mut zero = f.clone();
    let n = zero.len();
    zero[n - 8..].fill(0);
    assert!(load_all(&zero).is_ok());
    let mut wrong = f.clone();
    wrong[n - 1] ^= 1;
    let e = load_all(&wrong).unwrap_err();
    assert!(
        e.contains("checksum") && e.starts_with(&format!("offset {}", n - 8)),
        "{e}"
    );
    assert!(load_prefix(&wrong, |_, _| {}, |_| Ok(()))
        .unwrap_err()
        .to_string()
        .contains("checksum"));
    // Trailing data: load refuses, load_prefix reports where the RDB part ends.
    let mut trailing = f.clone();
    trailing.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
    let e = load_all(&trailing).unwrap_err();
    assert!(
        e.contains("checksum") || e.contains("unexpected bytes"),
        "{e}"
    );
    assert_eq!(
        load_prefix(&trailing, |_, _| {}, |_| Ok(())).unwrap(),
        f.len()
    );
    // Magic and version.
    for (bad, what) in [
        (&b"REDIS0000"[..], "version 0"),
        (b"REDIS0012", "version 12"),
        (b"REDIS00a9", "invalid RDB version"),
        (b"RADIS0009", "signature"),
    ] {
        let mut file = bad.to_vec();
        file.push(OP_EOF);
        file.extend_from_slice(&[0; 8]);
        let e = load_all(&file).unwrap_err();
        assert!(e.contains(what), "{e}");
    }
    assert!(load_all(b"REDIS00")
        .unwrap_err()
        .to_string()
        .contains("too short"));
    // Refused: modules, module aux, pre-GA functions, unknown types; a cut-short stream.
    for (op, what) in [
        (vec![OP_MODULE_AUX, 1], "module"),
        (vec![OP_FUNCTION_PRE_GA, 1], "function"),
        (vec![T_MODULE_2, 1, b'k', 0], "module"),
        (vec![200, 1, b'k', 0], "unknown value type 200"),
    ] {
        let mut file = b"REDIS0010".to_vec();
        file.extend_from_slice(&op);
        file.push(OP_EOF);
        file.extend_from_slice(&[0; 8]);
        let e = load_all(&file).unwrap_err();
        assert!(e.contains(what) && e.starts_with("offset 9:"), "{e}");
    }
    let mut file = b"REDIS0010".to_vec();
    file.extend_from_slice(&[T_STREAM_LISTPACKS, 1, b'k', 0]);
    file.push(OP_EOF);
    file.extend_from_slice(&[0; 8]);
    let e = load_all(&file).unwrap_err();
    assert!(e.contains("stream") && e.contains("key \"k\""), "{e}");
    // An error from the callback stops the load and comes back as is.
    let bytes = write_file(&fixtures(0), &Options::default());
    let mut seen = 0;
    let e = load(
        &bytes,
        |_, _| {},
        |_| {
            seen += 1;
            if seen == 3 {
                Err(Error::Refused("stop".to_string()))
            } else {
                Ok(())
            }
        },
    )
    .unwrap_err();
    assert_eq!((e, seen), (Error::Refused("stop".into()), 3));
}

#[test]
fn empty_duplicate_and_nan_values() {
    // Empty collections: skipped in a file, refused by RESTORE and by the writer.
    let mut empty_list = Vec::new();
    put_len(&mut empty_list, 0);
    let file = raw_file(
        10,
        &[
            (0, T_LIST, &b"empty"[..], empty_list.clone()),
            (0, T_STRING, &b"s"[..], vec![1, b'x']),
        ],
    );
    let (_, ks) = load_all(&file).unwrap();
    assert_eq!(ks.len(), 1);
    assert!(restore_payload(&payload(T_LIST, &empty_list, 10)).is_err());
    let mut w = Writer::new(Vec::new(), false).unwrap();
    assert_eq!(
        w.write_entry(b"k", &Value::Set(vec![]), None)
            .unwrap_err()
            .kind(),
        io::ErrorKind::InvalidInput
    );
    assert!(w
        .write_entry(b"k", &Value::ZSet(vec![(b"m".to_vec(), f64::NAN)]), None)
        .is_err());
    assert!(w
        .write_entry(b"k", &Value::String(vec![]), Some(u64::MAX))
        .is_err());
    // Duplicates are refused in every encoding that could hold them.
    let mut dup_set = Vec::new();
    put_len(&mut dup_set, 2);
    put_string(&mut dup_set, b"a", false);
    put_string(&mut dup_set, b"a", false);
    assert!(restore_payload(&payload(T_SET, &dup_set, 10))
        .unwrap_err()
        .to_string()
        .contains("duplicate set member"));
    let mut lp = listpack::Builder::new();
    for x in ["f", "1", "f", "2"] {
        lp.push(x.as_bytes());
    }
    let dup_hash = blob_body(&lp.finish());
    assert!(restore_payload(&payload(T_HASH_LISTPACK, &dup_hash, 10))
        .unwrap_err()
        .to_string()
        .contains("duplicate hash field"));
    let zl = ziplist::encode::ziplist(&[b"m", b"1", b"m", b"2"]);
    assert!(restore_payload(&payload(T_ZSET_ZIPLIST, &blob_body(&zl), 10)).is_err());
    let odd = ziplist::encode::ziplist(&[b"f", b"1", b"g"]);
    assert!(
        restore_payload(&payload(T_HASH_ZIPLIST, &blob_body(&odd), 10))
            .unwrap_err()
            .to_string()
            .contains("odd")
    );
    // NaN and unparseable scores.
    let mut nan = Vec::new();
    put_len(&mut nan, 1);
    put_string(&mut nan, b"m", false);
    nan.extend_from_slice(&f64::NAN.to_le_bytes());
    assert!(restore_payload(&payload(T_ZSET_2, &nan, 10))
        .unwrap_err()
        .to_string()
        .contains("NaN"));
    let mut nan3 = Vec::new();
    put_len(&mut nan3, 1);
    put_string(&mut nan3, b"m", false);
    nan3.push(253);
    assert!(restore_payload(&payload(T_ZSET, &nan3, 10))
        .unwrap_err()
        .to_string()
        .contains("NaN"));
    let mut lp = listpack::Builder::new();
    lp.push(b"m");
    lp.push(b"1.5x");
    assert!(
        restore_payload(&payload(T_ZSET_LISTPACK, &blob_body(&lp.finish()), 10))
            .unwrap_err()
            .to_string()
            .contains("score")
    );
}

// --- malformed input -------------------------------------------------------------------------

/// A small file with every type and encoding, for the exhaustive corruption tests.
fn compact_file() -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), false).unwrap();
    w.select_db(0, 0, 0).unwrap();
    for f in fixtures(1_700_000_000_000) {
        let small = match &f.value {
            Value::String(s) => s.len() < 300,
            Value::List(v) | Value::Set(v) => {
                v.len() < 40 && v.iter().map(Vec::len).sum::<usize>() < 600
            }
            Value::Hash(v) => v.len() < 40,
            Value::ZSet(v) => v.len() < 40,
            Value::Stream(_) => true,
        };
        if small {
            w.write_entry(&f.key, &f.value, f.expire_ms).unwrap();
        }
    }
    w.select_db(3, 0, 0).unwrap();
    w.write_entry(
        b"zset2",
        &Value::ZSet(vec![(b"a".to_vec(), 1.5), (b"b".to_vec(), -2.0)]),
        None,
    )
    .unwrap();
    w.write_entry(
        b"hash",
        &Value::Hash(vec![(b"a".to_vec(), vec![b'v'; 70])]),
        Some(5),
    )
    .unwrap();
    let mut file = w.finish().unwrap();
    // Append the legacy encodings before the EOF (re-doing the checksum).
    file.truncate(file.len() - 9);
    for (name, ty, body, _) in legacy_cases() {
        if body.len() > 2000 {
            continue;
        }
        file.push(ty);
        put_string(&mut file, name.as_bytes(), false);
        file.extend_from_slice(&body);
    }
    file.push(OP_EOF);
    let crc = crc64::crc64(0, &file);
    file.extend_from_slice(&crc.to_le_bytes());
    file
}

#[test]
fn truncated_files_fail_at_every_offset() {
    let file = compact_file();
    assert!(file.len() > 2000, "{}", file.len());
    let full = load_all(&file).unwrap().1.len();
    assert!(full > 40);
    let mut zero = file.clone();
    let n = zero.len();
    zero[n - 8..].fill(0);
    for cut in 0..file.len() {
        assert!(load_all(&file[..cut]).is_err(), "cut {cut}");
        assert!(
            load_prefix(&file[..cut], |_, _| {}, |_| Ok(())).is_err(),
            "cut {cut}"
        );
        let e = load_all(&zero[..cut]);
        assert!(e.is_err(), "cut {cut}");
    }
}

#[test]
fn corrupted_files_never_panic() {
    let file = compact_file();
    let n = file.len();
    let mut zero = file.clone();
    zero[n - 8..].fill(0);
    let mut accepted = 0;
    for pos in 0..n - 8 {
        for mask in [0x01u8, 0x80, 0xff, 0x3f] {
            let mut m = zero.clone();
            m[pos] ^= mask;
            if load_all(&m).is_ok() {
                accepted += 1;
            }
            // With the real checksum every change is caught.
            let mut c = file.clone();
            c[pos] ^= mask;
            assert!(load_all(&c).is_err());
        }
    }
    eprintln!(
        "{accepted} of {} single-byte corruptions still parse (data bytes)",
        (n - 8) * 4
    );
    // Payload bodies: every byte replaced by a few values.
    for (name, ty, body, _) in legacy_cases() {
        if body.len() > 2000 {
            continue;
        }
        let mut p = vec![ty];
        p.extend_from_slice(&body);
        for pos in 0..p.len() {
            for v in [0u8, 1, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc3, 0xfe, 0xff] {
                let mut m = p.clone();
                m[pos] = v;
                let _ = decode_payload_body(&m, usize::MAX);
            }
        }
        let _ = name;
    }
}

#[test]
fn huge_lengths_are_errors_not_allocations() {
    let cases: Vec<(u8, Vec<u8>)> = vec![
        (
            T_STRING,
            vec![0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ),
        (T_STRING, vec![0x80, 0x7f, 0xff, 0xff, 0xff, b'a']),
        (T_LIST, vec![0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
        (T_SET, vec![0x80, 0x10, 0, 0, 0, 1, b'a']),
        (T_ZSET_2, vec![0x80, 0, 0x10, 0, 0]),
        (
            T_HASH,
            vec![0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ),
        (
            T_LIST_QUICKLIST_2,
            vec![0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ),
        // LZF: 2 compressed bytes claiming 2^40 plain bytes.
        (
            T_STRING,
            vec![0xC3, 0x02, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0x00, b'a'],
        ),
        (
            T_STRING,
            vec![
                0xC3, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
        ),
        // A listpack claiming 4 GB.
        (
            T_HASH_LISTPACK,
            vec![
                0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x80, 0xff, 0xff,
            ],
        ),
    ];
    for (ty, body) in cases {
        let e = decode_payload_body(&[&[ty][..], &body].concat(), usize::MAX).unwrap_err();
        assert!(matches!(e, Error::Format { .. }), "{e}");
    }
}

// --- interop with redis-server ---------------------------------------------------------------

/// Encodings forced with CONFIG SET while creating a key, then put back.
struct Forced {
    config: &'static [(&'static str, &'static str, &'static str)], // name, value, default
    key: &'static str,
    value: Value,
    encoding: &'static str,
}

fn forced_cases() -> Vec<Forced> {
    let mixed: Vec<Vec<u8>> = (0..1000)
        .map(|i| {
            if i % 2 == 0 {
                i.to_string().into_bytes()
            } else {
                format!("x{i}").into_bytes()
            }
        })
        .collect();
    vec![
        Forced {
            config: &[("hash-max-listpack-entries", "0", "512")],
            key: "forced:hash-hashtable",
            value: Value::Hash(vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"b".to_vec(), b"two".to_vec()),
            ]),
            encoding: "hashtable",
        },
        Forced {
            config: &[("zset-max-listpack-entries", "0", "128")],
            key: "forced:zset-skiplist",
            value: Value::ZSet(vec![
                (b"a".to_vec(), 1.5),
                (b"b".to_vec(), f64::NEG_INFINITY),
                (b"c".to_vec(), 0.1),
            ]),
            encoding: "skiplist",
        },
        Forced {
            config: &[("set-max-intset-entries", "0", "512")],
            key: "forced:set-hashtable-ints",
            value: Value::Set(sv(&["1", "2", "-3"])),
            encoding: "hashtable",
        },
        Forced {
            config: &[("list-max-listpack-size", "4", "-2")],
            key: "forced:list-4-per-node",
            value: Value::List(mixed),
            encoding: "quicklist",
        },
        Forced {
            config: &[("list-compress-depth", "1", "0")],
            key: "forced:list-lzf-nodes",
            value: Value::List(
                (0..5000)
                    .map(|i| format!("compressible element {}", i % 10).into_bytes())
                    .collect(),
            ),
            encoding: "quicklist",
        },
    ]
}

fn create_all(c: &mut Client, fx: &[Fixture], forced: &[Forced]) -> Keyspace {
    let mut expect = expected(fx);
    for f in fx {
        c.ok(&["SELECT", &f.db.to_string()]);
        create(c, &f.key, &f.value, f.expire_ms);
        assert_eq!(
            c.cmd(&[b"OBJECT", b"ENCODING", &f.key]).bulk(),
            f.encoding.as_bytes(),
            "encoding of {}",
            Show(&f.key)
        );
    }
    c.ok(&["SELECT", "2"]);
    for f in forced {
        for (name, value, _) in f.config {
            c.ok(&["CONFIG", "SET", name, value]);
        }
        create(c, f.key.as_bytes(), &f.value, None);
        for (name, _, default) in f.config {
            c.ok(&["CONFIG", "SET", name, default]);
        }
        assert_eq!(
            c.cmd_s(&["OBJECT", "ENCODING", f.key]).bulk(),
            f.encoding.as_bytes(),
            "{}",
            f.key
        );
        expect.insert((2, f.key.as_bytes().to_vec()), (normalize(&f.value), None));
    }
    // PLAIN quicklist nodes: elements above the packed threshold (a DEBUG setting).
    if c.cmd_s(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"]) == Reply::Status("OK".into()) {
        let v = Value::List(vec![
            b"small".to_vec(),
            vec![b'p'; 200],
            b"7".to_vec(),
            Rng::new(1).bytes(300),
        ]);
        create(c, b"forced:list-plain-nodes", &v, None);
        c.ok(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1073741824"]);
        expect.insert((2, b"forced:list-plain-nodes".to_vec()), (v, None));
    } else {
        eprintln!("DEBUG QUICKLIST-PACKED-THRESHOLD unavailable: no PLAIN-node fixture");
    }
    expect
}

#[test]
fn redis_save_files_load() {
    if skip_without_redis("redis_save_files_load") {
        return;
    }
    let dir = TempDir::new("save");
    let redis = Redis::start(dir.path(), &[]);
    let mut c = redis.client();
    let fx = fixtures(now_ms());
    let expect = create_all(&mut c, &fx, &forced_cases());
    c.ok(&["SAVE"]);
    let bytes = std::fs::read(dir.path().join("dump.rdb")).unwrap();
    assert_eq!(&bytes[..9], b"REDIS0010");
    let (aux, ks) = load_all(&bytes).unwrap();
    assert_same(&ks, &expect);
    let names: Vec<&str> = aux.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["redis-ver", "redis-bits", "ctime", "used-mem", "aof-base"]
    );
    assert_eq!(aux[0].1, b"7.0.15");
    // Our header is byte-identical to Redis's up to the ctime value.
    let ours = Writer::new(Vec::new(), false).unwrap().finish().unwrap();
    let prefix = 9 + 2 + 9 + 1 + 6 + 2 + 10 + 2 + 2 + 5 + 1;
    assert_eq!(&ours[..prefix], &bytes[..prefix]);

    // rdbchecksum no (immutable: a second server loads the file), rdbcompression no: a zero
    // trailer, no LZF strings.
    drop(c);
    drop(redis);
    let dir2 = TempDir::new("save-plain");
    std::fs::write(dir2.path().join("plain.rdb"), &bytes).unwrap();
    let redis = Redis::start(
        dir2.path(),
        &[
            "--dbfilename",
            "plain.rdb",
            "--rdbchecksum",
            "no",
            "--rdbcompression",
            "no",
        ],
    );
    redis.client().ok(&["SAVE"]);
    let plain = std::fs::read(dir2.path().join("plain.rdb")).unwrap();
    assert_eq!(&plain[plain.len() - 8..], &[0; 8]);
    assert!(plain.len() > bytes.len());
    assert_same(&load_all(&plain).unwrap().1, &expect);
}

fn check_rdb(path: &Path) -> Option<String> {
    if !have("redis-check-rdb") {
        eprintln!("redis-check-rdb is not on PATH: check skipped");
        return None;
    }
    let out = std::process::Command::new("redis-check-rdb")
        .arg(path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("RDB looks OK"),
        "redis-check-rdb:\n{text}"
    );
    Some(text)
}

#[test]
fn redis_loads_our_files() {
    if skip_without_redis("redis_loads_our_files") {
        return;
    }
    let dir = TempDir::new("ours");
    let fx = fixtures(now_ms());
    for (name, opts, check_encodings) in [
        ("ours.rdb", Options::default(), true),
        (
            "ours-plain.rdb",
            Options {
                compression: false,
                checksum: false,
                hash_max_listpack_entries: 0,
                zset_max_listpack_entries: 0,
                set_max_intset_entries: 0,
                list_max_listpack_size: 5,
                ..Options::default()
            },
            false,
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, write_file(&fx, &opts)).unwrap();
        if let Some(text) = check_rdb(&path) {
            eprintln!("redis-check-rdb {name}:\n{text}");
        }
        let redis = Redis::start(
            dir.path(),
            &["--dbfilename", name, "--sanitize-dump-payload", "yes"],
        );
        let log = redis.log();
        assert!(log.contains("DB loaded from disk"), "{log}");
        let mut c = redis.client();
        let mut per_db: BTreeMap<usize, i64> = BTreeMap::new();
        for f in &fx {
            *per_db.entry(f.db).or_default() += 1;
            c.ok(&["SELECT", &f.db.to_string()]);
            let got = read_back(&mut c, &f.key)
                .unwrap_or_else(|| panic!("{name}: {} missing", Show(&f.key)));
            assert!(
                got == (normalize(&f.value), f.expire_ms),
                "{name}: {} differs",
                Show(&f.key)
            );
            if check_encodings {
                assert_eq!(
                    c.cmd(&[b"OBJECT", b"ENCODING", &f.key]).bulk(),
                    f.encoding.as_bytes(),
                    "{name}: encoding of {}",
                    Show(&f.key)
                );
            }
        }
        for (db, n) in per_db {
            c.ok(&["SELECT", &db.to_string()]);
            assert_eq!(c.cmd_s(&["DBSIZE"]).int(), n, "{name}: db {db}");
        }
    }
}

#[test]
fn dump_and_restore_against_redis() {
    if skip_without_redis("dump_and_restore_against_redis") {
        return;
    }
    let dir = TempDir::new("dump");
    let redis = Redis::start(dir.path(), &["--sanitize-dump-payload", "yes"]);
    let mut c = redis.client();
    let fx = fixtures(now_ms());
    let forced = forced_cases();
    let expect = create_all(&mut c, &fx, &forced);
    for ((db, key), (want, _)) in &expect {
        c.ok(&["SELECT", &db.to_string()]);
        // Redis's DUMP, read here.
        let dumped = c.cmd(&[b"DUMP", key]).bulk();
        let got = restore_payload(&dumped).unwrap_or_else(|e| panic!("{}: {e}", Show(key)));
        assert!(normalize(&got) == *want, "DUMP of {} differs", Show(key));
        // Ours, restored by Redis (deep sanitization on).
        let copy = [b"copy:".as_slice(), key].concat();
        let ours = dump_payload(want);
        let r = c.cmd(&[b"RESTORE", &copy, b"0", &ours]);
        assert_eq!(r, Reply::Status("OK".into()), "RESTORE of {}", Show(key));
        assert!(
            read_back(&mut c, &copy) == Some((want.clone(), None)),
            "restored {} differs",
            Show(key)
        );
    }
    // Where no LZF is involved, our payloads are Redis's byte for byte.
    c.ok(&["SELECT", "9"]);
    let exact = [
        Value::String(b"hello".to_vec()),
        Value::String(b"12345".to_vec()),
        Value::String(b"-2147483648".to_vec()),
        Value::String(Rng::new(5).bytes(40)),
        Value::List(sv(&["a", "b", "1", "-70000"])),
        Value::Set(sv(&["3", "1", "-2"])),
        Value::Set(sv(&["only"])),
        Value::Hash(vec![
            (b"a".to_vec(), b"1".to_vec()),
            (b"b".to_vec(), b"xyz".to_vec()),
        ]),
        Value::ZSet(vec![(b"b".to_vec(), 2.0), (b"a".to_vec(), 1.5)]),
    ];
    for (i, v) in exact.iter().enumerate() {
        let key = format!("exact:{i}");
        create(&mut c, key.as_bytes(), v, None);
        let theirs = c.cmd_s(&["DUMP", &key]).bulk();
        assert_eq!(dump_payload(v), theirs, "{v:?}");
    }
    // RESTORE's errors, for the engine's replies.
    let mut bad = dump_payload(&Value::String(b"x".to_vec()));
    let n = bad.len();
    bad[n - 1] ^= 1;
    match c.cmd(&[b"RESTORE", b"bad", b"0", &bad]) {
        Reply::Error(e) => assert_eq!(e, "ERR DUMP payload version or checksum are wrong"),
        other => panic!("{other:?}"),
    }
    let empty = payload(T_LIST, &[0], 10);
    assert!(matches!(restore_payload(&empty), Err(Error::Format { .. })));
    match c.cmd(&[b"RESTORE", b"bad", b"0", &empty]) {
        Reply::Error(e) => assert_eq!(e, "ERR Bad data format"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn legacy_encodings_against_redis() {
    if skip_without_redis("legacy_encodings_against_redis") {
        return;
    }
    let dir = TempDir::new("legacy");
    let redis = Redis::start(dir.path(), &["--sanitize-dump-payload", "yes"]);
    let mut c = redis.client();
    let mut cases = legacy_cases();
    // Current encodings too, for the differential corruption run below.
    for (name, v) in [
        (
            "lp:hash",
            Value::Hash(vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"bb".to_vec(), b"-300".to_vec()),
            ]),
        ),
        (
            "lp:zset",
            Value::ZSet(vec![(b"m".to_vec(), 1.5), (b"n".to_vec(), 70000.0)]),
        ),
        ("lp:list", Value::List(sv(&["x", "5000", "yy", "-1"]))),
        ("intset", Value::Set(sv(&["5", "-40000", "7"]))),
    ] {
        let p = dump_payload_with(
            &v,
            &Options {
                compression: false,
                ..Options::default()
            },
        );
        cases.push((name, p[0], p[1..p.len() - 10].to_vec(), v));
    }
    for (name, ty, body, want) in &cases {
        // Redis accepts our test encodings (so they are right), and reads what we read.
        let p = payload(*ty, body, 9);
        assert_eq!(
            c.cmd(&[b"RESTORE", name.as_bytes(), b"0", &p]),
            Reply::Status("OK".into()),
            "{name}"
        );
        let got = read_back(&mut c, name.as_bytes()).unwrap();
        assert!(got.0 == normalize(want), "{name}: Redis read {:?}", got.0);
        assert_eq!(normalize(&restore_payload(&p).unwrap()), got.0, "{name}");
    }
    // Differential corruption: single-byte changes (checksum recomputed). Whatever Redis's deep
    // sanitization refuses must be refused here too; where both accept, both read the same.
    let mut rng = Rng::new(11);
    let (mut both_ok, mut both_err, mut only_redis) = (0, 0, Vec::new());
    for (name, ty, body, _) in &cases {
        if body.len() > 3000 {
            continue;
        }
        for _ in 0..150 {
            let mut m = body.clone();
            let pos = (rng.next() % m.len() as u64) as usize;
            m[pos] = rng.next() as u8;
            let p = payload(*ty, &m, 10);
            let ours = restore_payload(&p);
            let theirs = c.cmd(&[b"RESTORE", b"fuzz", b"0", &p, b"REPLACE"]);
            match (&ours, theirs) {
                (Ok(v), Reply::Status(_)) => {
                    both_ok += 1;
                    let got = read_back(&mut c, b"fuzz").unwrap();
                    assert!(
                        got.0 == normalize(v),
                        "{name} byte {pos}: we read {v:?}, Redis {:?}",
                        got.0
                    );
                }
                (Err(_), Reply::Error(_)) => both_err += 1,
                // Redis takes any strtod prefix as a score ("1.5x" is 1.5), ignores bytes after
                // the value and even reads into the footer; this module refuses all that.
                (Err(e), Reply::Status(_)) => only_redis.push(format!("{name} byte {pos}: {e}")),
                (Ok(v), Reply::Error(e)) => {
                    panic!("{name} byte {pos}: Redis refuses ({e}), we accept {v:?}")
                }
                (_, other) => panic!("{other:?}"),
            }
        }
    }
    eprintln!(
        "differential: {both_ok} accepted by both, {both_err} refused by both, {} refused only here, e.g. {:?}",
        only_redis.len(),
        &only_redis[..only_redis.len().min(3)]
    );
    assert!(c.cmd_s(&["PING"]) == Reply::Status("PONG".into()));
}
