//! The AOF loader's command reader on arbitrary bytes: it returns a command, "incomplete" or
//! an error, never panics, never reads past the input and never reserves more than the input
//! justifies; a complete command consumes a non-empty prefix, and every prefix of a complete
//! command reads as incomplete.
#![no_main]

use libfuzzer_sys::fuzz_target;
use persist::reader::{read, Read};

fuzz_target!(|data: &[u8]| {
    let mut at = 0;
    while at < data.len() {
        match read(&data[at..]) {
            Read::Command(args, n) => {
                assert!(n > 0 && at + n <= data.len());
                assert!(!args.is_empty());
                for cut in 0..n {
                    assert_eq!(read(&data[at..at + cut]), Read::Incomplete);
                }
                at += n;
            }
            Read::Annotation(n) => {
                assert!(n > 0 && at + n <= data.len());
                at += n;
            }
            Read::Incomplete | Read::Bad(_) => break,
        }
    }
});
