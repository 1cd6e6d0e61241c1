//! The RDB loader and RESTORE's payload reader on arbitrary bytes: errors, never panics, and
//! never reserves more than the input justifies. Inputs that start like an RDB file get a valid
//! header so the fuzzer reaches the value decoders quickly; those are loaded into a real engine
//! (tables sized from RESIZEDB, values converted to entries), emptied after each run.
#![no_main]

use engine::{Engine, ReplyBuf, Session};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ENGINE: OnceLock<Engine> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let _ = engine::rdb::restore_payload(data);
    let mut file = b"REDIS0010".to_vec();
    file.extend_from_slice(data);
    // Two databases: a file selecting a third is refused like one beyond 16.
    let engine = ENGINE.get_or_init(|| {
        let values = engine::config::Values {
            databases: 2,
            ..Default::default()
        };
        Engine::new(
            engine::config::Config::new(values),
            std::sync::Arc::new(engine::SystemClock),
        )
    });
    let _ = persist::snapshot::load_bytes(engine, &file, true, "fuzz");
    let ks = &engine.keyspace;
    let loaded = (0..ks.databases())
        .any(|d| (0..engine::keyspace::SHARDS).any(|s| !ks.db(d).read(s).table.is_empty()));
    if loaded {
        let mut session = Session::detached(&engine.clients, "fuzz", 0, 0);
        engine.execute(&mut session, &[b"FLUSHALL"], &mut ReplyBuf::new(false));
    }
    let _ = engine::rdb::load(data, |_, _| {}, |_| Ok(()));
});
