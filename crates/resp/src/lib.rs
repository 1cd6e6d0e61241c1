//! RESP2 and RESP3 frames for ferrokv, with no I/O and no async runtime.
//!
//! # Layout
//! - [`request`]: the incremental request parser. It reads Redis's two request forms (multibulk
//!   `*N\r\n$len\r\n...` and inline `SET k v\r\n`), resumes where it stopped when a command is split
//!   across reads, enforces Redis's limits and reports Redis's exact protocol error texts.
//! - [`reply`]: [`ReplyBuf`], the reply encoder. Commands write replies through it; it knows the
//!   connection's protocol version, so one call writes `$-1` under RESP2 and `_` under RESP3.
//! - [`value`]: [`Value`] and [`parse_value`], a complete decoder of any RESP2/RESP3 reply, for
//!   clients, tests and the parts of the server that turn a reply into another form.
//! - [`number`]: Redis's strict integer parsing (`string2ll`), shared by the parser and commands.

#![deny(missing_docs)]

pub mod number;
pub mod reply;
pub mod request;
pub mod value;

pub use reply::ReplyBuf;
pub use request::{Limits, ProtocolError, RequestParser};
pub use value::{parse_value, Value};
