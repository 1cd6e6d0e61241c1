//! Command errors. An error's text *is* the Redis wire text (`ERR syntax error`); the dispatcher
//! writes it as `-<text>\r\n`. A command error never closes the connection.

use std::borrow::Cow;
use std::fmt;

/// An error reply. The text is bytes, not `str`: Redis echoes arguments into some errors
/// (unknown command, unknown subcommand) and they need not be UTF-8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmdError {
    text: Cow<'static, [u8]>,
    /// Already counted in the error statistics (a script raising the error of a command it
    /// called, which was counted when that command failed).
    counted: bool,
}

impl CmdError {
    /// An error with a computed text (which must start with its code, e.g. `ERR `).
    pub fn new(text: String) -> CmdError {
        CmdError {
            text: Cow::Owned(text.into_bytes()),
            counted: false,
        }
    }

    /// An error assembled from pieces, some of them client bytes.
    pub fn concat(parts: &[&[u8]]) -> CmdError {
        CmdError {
            text: Cow::Owned(parts.concat()),
            counted: false,
        }
    }

    /// An error with a static text.
    pub const fn from_static(text: &'static str) -> CmdError {
        CmdError {
            text: Cow::Borrowed(text.as_bytes()),
            counted: false,
        }
    }

    /// The wire text without the leading `-`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.text
    }

    /// Marks the error as counted in the error statistics already.
    pub fn already_counted(mut self) -> CmdError {
        self.counted = true;
        self
    }

    /// See [`CmdError::already_counted`].
    pub fn is_counted(&self) -> bool {
        self.counted
    }

    /// `ERR wrong number of arguments for '<name>' command`.
    pub fn arity(full_name: &str) -> CmdError {
        CmdError::new(format!(
            "ERR wrong number of arguments for '{full_name}' command"
        ))
    }

    /// `ERR invalid expire time in '<name>' command`.
    pub fn expire_time(name: &str) -> CmdError {
        CmdError::new(format!("ERR invalid expire time in '{name}' command"))
    }
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.text))
    }
}

impl std::error::Error for CmdError {}

/// `ERR syntax error`
pub const SYNTAX: CmdError = CmdError::from_static("ERR syntax error");
/// A `denyoom` command while `maxmemory` cannot be met.
pub const OOM: CmdError =
    CmdError::from_static("OOM command not allowed when used memory > 'maxmemory'.");
/// `WRONGTYPE ...`
pub const WRONG_TYPE: CmdError =
    CmdError::from_static("WRONGTYPE Operation against a key holding the wrong kind of value");
/// `ERR value is not an integer or out of range`
pub const NOT_INTEGER: CmdError =
    CmdError::from_static("ERR value is not an integer or out of range");
/// `ERR value is not a valid float`
pub const NOT_FLOAT: CmdError = CmdError::from_static("ERR value is not a valid float");
/// `ERR increment or decrement would overflow`
pub const OVERFLOW: CmdError = CmdError::from_static("ERR increment or decrement would overflow");
/// `ERR no such key`
pub const NO_SUCH_KEY: CmdError = CmdError::from_static("ERR no such key");
/// `ERR DB index is out of range`
pub const DB_RANGE: CmdError = CmdError::from_static("ERR DB index is out of range");
/// `ERR source and destination objects are the same`
pub const SAME_OBJECT: CmdError =
    CmdError::from_static("ERR source and destination objects are the same");
/// `ERR string exceeds maximum allowed size (proto-max-bulk-len)`
pub const STRING_TOO_LONG: CmdError =
    CmdError::from_static("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
/// `NOAUTH Authentication required.`
pub const NOAUTH: CmdError = CmdError::from_static("NOAUTH Authentication required.");
/// `WRONGPASS ...`
pub const WRONGPASS: CmdError =
    CmdError::from_static("WRONGPASS invalid username-password pair or user is disabled.");
/// `ERR invalid cursor`
pub const INVALID_CURSOR: CmdError = CmdError::from_static("ERR invalid cursor");

/// An argument as C's `%.Ns` prints it in Redis's messages: up to its first NUL byte, at most
/// `max` bytes.
pub fn c_str(arg: &[u8], max: usize) -> &[u8] {
    let end = arg
        .iter()
        .position(|&c| c == 0)
        .unwrap_or(arg.len())
        .min(max);
    &arg[..end]
}
