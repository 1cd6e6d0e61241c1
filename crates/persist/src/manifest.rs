//! The AOF manifest, as Redis 7 writes it: one line per file,
//!
//! ```text
//! file appendonly.aof.1.base.rdb seq 1 type b
//! file "my file.aof.1.incr.aof" seq 1 type i
//! ```
//!
//! `type` is `b` (the base: a snapshot, RDB or AOF format), `i` (incremental files, replayed
//! in order after the base) or `h` (history, kept for a rewrite in progress, never loaded).
//! A name Redis would not read back bare is quoted as `sdscatrepr` quotes it. Reading is as
//! strict as Redis's (`aofLoadManifestFromFile`): a blank line, a line of 1024 bytes or more
//! (or a last line without its newline), an odd number of words, fewer than six, a missing
//! or zero `seq`, an unknown `type`, a second base, a non-increasing incremental `seq` or a
//! name with a `/` refuse the manifest with Redis's text and the line. Lines starting with
//! `#` are comments; unknown keys are ignored (Redis 7.4's `startoffset`/`endoffset`). It is
//! replaced atomically: written to a temporary file, fsynced, renamed over the old one, and
//! the directory fsynced.

use std::io::Write;
use std::path::Path;

/// Redis reads a manifest line into a 1025-byte buffer (`MANIFEST_MAX_LINE`).
const MAX_LINE: usize = 1024;

/// One file of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// File name inside the AOF directory.
    pub name: String,
    /// Sequence number.
    pub seq: u64,
    /// `b`, `i` or `h`.
    pub kind: char,
}

/// The files of an AOF.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file.
    pub base: Option<FileEntry>,
    /// Incremental files, in replay order.
    pub incrs: Vec<FileEntry>,
    /// History files (not loaded).
    pub history: Vec<FileEntry>,
}

/// Why a manifest was refused: Redis's text, and the line (number and text) where known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    /// Redis's message.
    pub what: &'static str,
    /// The 1-based line number and the (trimmed) line.
    pub line: Option<(usize, String)>,
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.what)?;
        if let Some((no, text)) = &self.line {
            write!(
                f,
                " (reading the manifest file, at line {no}: >>> '{text}')"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestError {}

/// `atoll`: leading blanks, a sign, digits up to the first non-digit; 0 for none.
fn atoll(word: &[u8]) -> i64 {
    let s = std::str::from_utf8(word).unwrap_or("").trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let end = digits.bytes().take_while(u8::is_ascii_digit).count();
    let n = digits[..end].parse::<i64>().unwrap_or(0);
    if neg {
        -n
    } else {
        n
    }
}

/// `sdstrim(line, " \t\r\n")`.
fn trim(mut line: &[u8]) -> &[u8] {
    let blank = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    while let Some((_, rest)) = line.split_first().filter(|(c, _)| blank(c)) {
        line = rest;
    }
    while let Some((_, rest)) = line.split_last().filter(|(c, _)| blank(c)) {
        line = rest;
    }
    line
}

impl Manifest {
    /// Parses a manifest as Redis does; the error names the line.
    pub fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
        if text.is_empty() {
            return Err(ManifestError {
                what: "Found an empty AOF manifest",
                line: None,
            });
        }
        let mut m = Manifest::default();
        let mut words = Vec::new();
        for (i, raw) in text.split_inclusive(|&c| c == b'\n').enumerate() {
            let no = i + 1;
            if raw.first() == Some(&b'#') {
                continue;
            }
            let trimmed = trim(raw);
            let shown = String::from_utf8_lossy(trimmed).into_owned();
            let fail = |what: &'static str| ManifestError {
                what,
                line: Some((no, shown.clone())),
            };
            if raw.len() > MAX_LINE || raw.last() != Some(&b'\n') {
                return Err(fail("The AOF manifest file contains too long line"));
            }
            if trimmed.is_empty() {
                return Err(fail("Invalid AOF manifest file format"));
            }
            if resp::request::split_args(trimmed, &mut words).is_err()
                || words.len() < 6
                || !words.len().is_multiple_of(2)
            {
                return Err(fail("Invalid AOF manifest file format"));
            }
            let (mut name, mut seq, mut kind) = (None, 0i64, 0u8);
            for pair in words.chunks(2) {
                let (key, value) = (&pair[0], &pair[1]);
                if key.eq_ignore_ascii_case(b"file") {
                    if value.contains(&b'/') {
                        return Err(fail("File can't be a path, just a filename"));
                    }
                    name = Some(value);
                } else if key.eq_ignore_ascii_case(b"seq") {
                    seq = atoll(value);
                } else if key.eq_ignore_ascii_case(b"type") {
                    kind = value.first().copied().unwrap_or(0);
                }
            }
            // A name this server could not have been configured with (not UTF-8, empty) or a
            // negative number is refused as a format error (Redis would go on and fail later).
            let name = name
                .filter(|n| !n.is_empty())
                .and_then(|n| String::from_utf8(n.clone()).ok());
            let (Some(name), Ok(seq @ 1..)) = (name, u64::try_from(seq)) else {
                return Err(fail("Invalid AOF manifest file format"));
            };
            if kind == 0 {
                return Err(fail("Invalid AOF manifest file format"));
            }
            let entry = FileEntry {
                name,
                seq,
                kind: kind as char,
            };
            match kind {
                b'b' if m.base.is_none() => m.base = Some(entry),
                b'b' => return Err(fail("Found duplicate base file information")),
                b'h' => m.history.push(entry),
                b'i' => {
                    if m.incrs.last().is_some_and(|last| last.seq >= seq) {
                        return Err(fail("Found a non-monotonic sequence number"));
                    }
                    m.incrs.push(entry);
                }
                _ => return Err(fail("Unknown AOF file type")),
            }
        }
        Ok(m)
    }

    /// The manifest's text: the base, then history, then incremental files, as Redis orders
    /// them.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        for e in self.base.iter().chain(&self.history).chain(&self.incrs) {
            out.extend_from_slice(b"file ");
            if resp::request::needs_repr(e.name.as_bytes()) {
                resp::request::repr(&mut out, e.name.as_bytes());
            } else {
                out.extend_from_slice(e.name.as_bytes());
            }
            out.extend_from_slice(format!(" seq {} type {}\n", e.seq, e.kind).as_bytes());
        }
        // Only UTF-8 went in, and `repr` escapes to ASCII.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Writes the manifest to `dir/name` atomically. An error means the old manifest is still
    /// the one in place: once the rename is done this succeeds (a failed fsync of the
    /// directory is only logged), since the files it names are then in use.
    pub fn store(&self, dir: &Path, name: &str) -> std::io::Result<()> {
        let tmp = dir.join(format!("temp-{name}"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(self.render().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))?;
        if let Err(e) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
            tracing::warn!("Can't fsync the AOF directory {}: {e}", dir.display());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_redis_writes_and_round_trips() {
        let text = "file appendonly.aof.1.base.rdb seq 1 type b\n\
                    file appendonly.aof.1.incr.aof seq 1 type i\n\
                    file appendonly.aof.2.incr.aof seq 2 type i\n";
        let m = Manifest::parse(text.as_bytes()).unwrap();
        assert_eq!(m.base.as_ref().unwrap().name, "appendonly.aof.1.base.rdb");
        assert_eq!(m.incrs.len(), 2);
        assert_eq!(m.render(), text);
        // What redis-server 7.0 writes for `appendfilename "my file.aof"`.
        let quoted = "file \"my file.aof.1.base.rdb\" seq 1 type b\n\
                      file \"my file.aof.1.incr.aof\" seq 1 type i\n";
        let m = Manifest::parse(quoted.as_bytes()).unwrap();
        assert_eq!(m.incrs[0].name, "my file.aof.1.incr.aof");
        assert_eq!(m.render(), quoted);
        // Comments, keys in any case, unknown keys, a seq with trailing junk (atoll).
        let m =
            Manifest::parse(b"# made by hand\nFILE a SEQ 3x TYPE i startoffset 0 endoffset 9\n")
                .unwrap();
        assert_eq!((m.incrs[0].name.as_str(), m.incrs[0].seq), ("a", 3));
    }

    #[test]
    fn refuses_what_redis_refuses_with_its_text_and_line() {
        let long = format!("file {} seq 1 type b\n", "x".repeat(1010));
        let cases: &[(&[u8], &str, Option<usize>)] = &[
            (b"", "Found an empty AOF manifest", None),
            (
                b"file a seq 1 type b\n\nfile b seq 1 type i\n",
                "Invalid AOF manifest file format",
                Some(2),
            ),
            (
                b"file a seq 1 type b\n   \t\n",
                "Invalid AOF manifest file format",
                Some(2),
            ),
            (
                long.as_bytes(),
                "The AOF manifest file contains too long line",
                Some(1),
            ),
            (
                b"file a seq 1 type b",
                "The AOF manifest file contains too long line",
                Some(1),
            ),
            (
                b"file a seq 1 type\n",
                "Invalid AOF manifest file format",
                Some(1),
            ),
            (
                b"file a seq 1\n",
                "Invalid AOF manifest file format",
                Some(1),
            ),
            (
                b"file a seq 1 type b x\n",
                "Invalid AOF manifest file format",
                Some(1),
            ),
            (
                b"file a seq x type i\n",
                "Invalid AOF manifest file format",
                Some(1),
            ),
            (
                b"file a seq 0 type i\n",
                "Invalid AOF manifest file format",
                Some(1),
            ),
            (
                b"file a sequence 1 type i\n",
                "Invalid AOF manifest file format",
                Some(1),
            ),
            (
                b"file a seq 1 type \"\"\n",
                "Invalid AOF manifest file format",
                Some(1),
            ),
            (
                b"file \"a seq 1 type i\n",
                "Invalid AOF manifest file format",
                Some(1),
            ),
            (
                b"file ../x seq 1 type i\n",
                "File can't be a path, just a filename",
                Some(1),
            ),
            (b"file a seq 1 type x\n", "Unknown AOF file type", Some(1)),
            (
                b"file a seq 1 type b\nfile b seq 2 type b\n",
                "Found duplicate base file information",
                Some(2),
            ),
            (
                b"file a seq 2 type i\nfile b seq 2 type i\n",
                "Found a non-monotonic sequence number",
                Some(2),
            ),
        ];
        for (text, what, line) in cases {
            let err = Manifest::parse(text).unwrap_err();
            assert_eq!(err.what, *what, "{:?}", String::from_utf8_lossy(text));
            assert_eq!(
                err.line.map(|l| l.0),
                *line,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
        let err = Manifest::parse(b"file a seq 1 type x\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unknown AOF file type (reading the manifest file, at line 1: >>> 'file a seq 1 type x')"
        );
    }
}
