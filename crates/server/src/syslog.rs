//! `syslog-enabled`: every log event also goes to the system logger through libc's `syslog(3)`
//! (the socket `/dev/log`), as Redis's `serverLogRaw` does: opened once with `syslog-ident`,
//! `LOG_PID`, and `syslog-facility`; each line is the event's message alone (syslog adds the
//! time, host and pid), at the priority of its level (warnings `LOG_WARNING`, notices
//! `LOG_NOTICE`, `verbose` `LOG_INFO`, debug `LOG_DEBUG`).

use std::ffi::CString;
use std::fmt::Write as _;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The facility of a `syslog-facility` value (`user`, `local0`..`local7`).
pub fn facility(name: &str) -> Option<libc::c_int> {
    Some(match name {
        "user" => libc::LOG_USER,
        "local0" => libc::LOG_LOCAL0,
        "local1" => libc::LOG_LOCAL1,
        "local2" => libc::LOG_LOCAL2,
        "local3" => libc::LOG_LOCAL3,
        "local4" => libc::LOG_LOCAL4,
        "local5" => libc::LOG_LOCAL5,
        "local6" => libc::LOG_LOCAL6,
        "local7" => libc::LOG_LOCAL7,
        _ => return None,
    })
}

/// The syslog priority of a tracing level (ferrokv logs Redis's `warning` as WARN and above,
/// `notice` as INFO, `verbose` and `debug` as DEBUG and TRACE).
pub fn priority(level: &Level) -> libc::c_int {
    match *level {
        Level::ERROR | Level::WARN => libc::LOG_WARNING,
        Level::INFO => libc::LOG_NOTICE,
        Level::DEBUG => libc::LOG_INFO,
        Level::TRACE => libc::LOG_DEBUG,
    }
}

/// The line syslog gets for an event: its message, then its other fields as `name=value`.
pub fn message(event: &Event<'_>) -> String {
    struct Line(String);
    impl Visit for Line {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if !self.0.is_empty() {
                self.0.push(' ');
            }
            if field.name() == "message" {
                let _ = write!(self.0, "{value:?}");
            } else {
                let _ = write!(self.0, "{}={value:?}", field.name());
            }
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "message" {
                if !self.0.is_empty() {
                    self.0.push(' ');
                }
                self.0.push_str(value);
            } else {
                self.record_debug(field, &value);
            }
        }
    }
    let mut line = Line(String::new());
    event.record(&mut line);
    line.0
}

/// The layer that copies events to syslog.
pub struct Syslog;

impl Syslog {
    /// Opens the system logger with `ident` and `facility`; the ident stays valid for the life
    /// of the process, as openlog(3) requires.
    pub fn open(ident: &str, facility: libc::c_int) -> Syslog {
        let ident = CString::new(ident.replace('\0', "")).unwrap_or_default();
        let ident: &'static std::ffi::CStr = Box::leak(ident.into_boxed_c_str());
        // SAFETY: `ident` lives until the process ends; the flags and facility are libc's.
        unsafe {
            libc::openlog(
                ident.as_ptr(),
                libc::LOG_PID | libc::LOG_NDELAY | libc::LOG_NOWAIT,
                facility,
            )
        };
        Syslog
    }
}

impl<S: Subscriber> Layer<S> for Syslog {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let line = message(event).replace('\0', "");
        let Ok(line) = CString::new(line) else {
            return;
        };
        // SAFETY: a constant "%s" format with one NUL-terminated string argument.
        unsafe {
            libc::syslog(
                priority(event.metadata().level()),
                c"%s".as_ptr(),
                line.as_ptr(),
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facilities_and_priorities_are_redis_s() {
        assert_eq!(facility("local0"), Some(libc::LOG_LOCAL0));
        assert_eq!(facility("local7"), Some(libc::LOG_LOCAL7));
        assert_eq!(facility("user"), Some(libc::LOG_USER));
        assert_eq!(facility("local8"), None);
        assert_eq!(priority(&Level::WARN), libc::LOG_WARNING);
        assert_eq!(priority(&Level::INFO), libc::LOG_NOTICE);
        assert_eq!(priority(&Level::DEBUG), libc::LOG_INFO);
    }
}
