//! Any byte stream, split anywhere, parses to the same commands (or the same error) as when it
//! arrives at once, and the parser never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use resp::RequestParser;

fn parse(chunks: &[&[u8]]) -> Result<Vec<Vec<Vec<u8>>>, resp::ProtocolError> {
    let mut p = RequestParser::default();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        let mut start = 0;
        while let Some(n) = p.parse(&buf[start..])? {
            let mut args = Vec::new();
            p.args(&buf[start..], &mut args);
            out.push(args.iter().map(|a| a.to_vec()).collect());
            start += n;
        }
        buf.drain(..start);
    }
    Ok(out)
}

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let cut = data[0] as usize % data.len();
    let stream = &data[1..];
    let cut = cut.min(stream.len());
    let whole = parse(&[stream]);
    let split = parse(&[&stream[..cut], &stream[cut..]]);
    assert_eq!(whole, split);
});
