//! The AOF manifest, as Redis 7 writes it: one line per file,
//!
//! ```text
//! file appendonly.aof.1.base.aof seq 1 type b
//! file appendonly.aof.1.incr.aof seq 1 type i
//! ```
//!
//! `type` is `b` (the base: a snapshot, RDB or AOF format), `i` (incremental files, replayed
//! in order after the base) or `h` (history, kept for a rewrite in progress, never loaded).
//! Lines starting with `#` are comments. It is replaced atomically: written to a temporary
//! file, fsynced, renamed over the old one, and the directory fsynced.

use std::io::Write;
use std::path::Path;

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

impl Manifest {
    /// Parses a manifest; the error names the line.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut m = Manifest::default();
        for (no, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if !words.len().is_multiple_of(2) {
                return Err(format!(
                    "Invalid AOF manifest file format (line {})",
                    no + 1
                ));
            }
            let (mut name, mut seq, mut kind) = (None, None, None);
            for pair in words.chunks(2) {
                match pair[0] {
                    "file" => name = Some(pair[1].to_string()),
                    "seq" => seq = pair[1].parse::<u64>().ok(),
                    "type" => kind = pair[1].chars().next().filter(|_| pair[1].len() == 1),
                    _ => {}
                }
            }
            let (Some(name), Some(seq), Some(kind)) = (name, seq, kind) else {
                return Err(format!(
                    "Invalid AOF manifest file format (line {})",
                    no + 1
                ));
            };
            if name.contains('/') {
                return Err(format!("Invalid AOF file name in the manifest: {name}"));
            }
            let entry = FileEntry { name, seq, kind };
            match kind {
                'b' if m.base.is_none() => m.base = Some(entry),
                'b' => return Err("Found duplicate base file information".into()),
                'i' => {
                    if m.incrs.last().is_some_and(|last| last.seq >= seq) {
                        return Err("Found a non-monotonic sequence number".into());
                    }
                    m.incrs.push(entry);
                }
                'h' => m.history.push(entry),
                _ => {
                    return Err(format!(
                        "Unknown AOF file type '{kind}' in the manifest (line {})",
                        no + 1
                    ))
                }
            }
        }
        Ok(m)
    }

    /// The manifest's text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let line = |e: &FileEntry| format!("file {} seq {} type {}\n", e.name, e.seq, e.kind);
        if let Some(b) = &self.base {
            out.push_str(&line(b));
        }
        for e in self.history.iter().chain(&self.incrs) {
            out.push_str(&line(e));
        }
        out
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
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.base.as_ref().unwrap().name, "appendonly.aof.1.base.rdb");
        assert_eq!(m.incrs.len(), 2);
        assert_eq!(m.render(), text);
        assert!(Manifest::parse("file a seq 2 type i\nfile b seq 1 type i\n").is_err());
        assert!(Manifest::parse("file a seq x type i\n").is_err());
        assert!(Manifest::parse("file ../x seq 1 type i\n").is_err());
    }
}
