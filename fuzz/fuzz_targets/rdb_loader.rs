//! The RDB loader and RESTORE's payload reader on arbitrary bytes: errors, never panics, and
//! never reserves more than the input justifies. Inputs that start like an RDB file get a valid
//! header so the fuzzer reaches the value decoders quickly.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = engine::rdb::restore_payload(data);
    let mut file = b"REDIS0010".to_vec();
    file.extend_from_slice(data);
    let mut keys = 0u64;
    let _ = engine::rdb::load(&file, |_, _| {}, |_| {
        keys += 1;
        Ok(())
    });
    let _ = engine::rdb::load(data, |_, _| {}, |_| Ok(()));
});
