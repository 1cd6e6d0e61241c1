//! `ferrokv-server`: parses flags and the config file, sets up logging, runs the server.

use ferrokv_server::args::{self, Action, USAGE};
use ferrokv_server::syslog;
use ferrokv_server::{shutdown_signal, worker_threads, Server};
use std::process::ExitCode;
use tracing_subscriber::layer::SubscriberExt as _;

/// Every allocation is counted: INFO's `used_memory` and the `maxmemory` limit read the total.
#[global_allocator]
static ALLOCATOR: engine::memory::CountingAllocator = engine::memory::CountingAllocator;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut values = match args::parse(&argv) {
        Ok(Action::Run(v)) => *v,
        Ok(Action::Version) => {
            println!(
                "ferrokv-server v={} (Redis protocol 7.0.15)",
                env!("CARGO_PKG_VERSION")
            );
            return ExitCode::SUCCESS;
        }
        Ok(Action::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("\n*** FATAL CONFIG FILE ERROR ***\n{e}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    if values.daemonize {
        // Before any thread exists (the runtime comes later), as Redis's `daemonize`.
        if let Err(e) = daemonize() {
            eprintln!("Can't daemonize: {e}");
            return ExitCode::FAILURE;
        }
        if values.pidfile.is_empty() {
            values.pidfile = DEFAULT_PIDFILE.to_string();
        }
    }
    let level = match values.loglevel.as_str() {
        "debug" => tracing::Level::DEBUG,
        "verbose" => tracing::Level::DEBUG,
        "warning" => tracing::Level::WARN,
        "nothing" => tracing::Level::ERROR,
        _ => tracing::Level::INFO,
    };
    let (writer, ansi) = if values.logfile.is_empty() {
        (
            tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::stderr),
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
        )
    } else {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&values.logfile);
        match file {
            Ok(f) => (
                tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::sync::Mutex::new(f)),
                false,
            ),
            Err(e) => {
                eprintln!("Can't open the log file: {e}");
                return ExitCode::FAILURE;
            }
        }
    };
    // syslog-enabled: the same events also go to the system logger (config checked the facility).
    let syslog = values.syslog_enabled.then(|| {
        let facility = syslog::facility(&values.syslog_facility).unwrap_or(libc::LOG_LOCAL0);
        syslog::Syslog::open(&values.syslog_ident, facility)
    });
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(writer)
        .with_ansi(ansi)
        .finish()
        .with(syslog);
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        eprintln!("a logger was already installed");
    }
    // Written before `dir` is entered: a relative path is the caller's, as in Redis.
    let pidfile = (!values.pidfile.is_empty()).then(|| {
        let path = std::path::absolute(&values.pidfile)
            .unwrap_or_else(|_| std::path::PathBuf::from(&values.pidfile));
        if let Err(e) = std::fs::write(&path, format!("{}\n", std::process::id())) {
            tracing::warn!("Failed to write PID file: {e}");
        }
        path
    });
    if let Err(e) =
        std::fs::create_dir_all(&values.dir).and_then(|_| std::env::set_current_dir(&values.dir))
    {
        tracing::error!("Can't chdir to '{}': {e}", values.dir);
        return ExitCode::FAILURE;
    }
    // As in Redis, CONFIG GET dir answers the absolute path.
    if let Ok(cwd) = std::env::current_dir() {
        values.dir = cwd.display().to_string();
    }
    let threads = worker_threads(&values);
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        "ferrokv {} starting, pid={}, {} worker thread(s)",
        env!("CARGO_PKG_VERSION"),
        std::process::id(),
        threads
    );
    let code = runtime.block_on(async move {
        let server = match Server::bind(values).await {
            Ok(s) => s,
            // The TLS configuration's reason was logged by `bind`.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                tracing::error!("{e}");
                return ExitCode::FAILURE;
            }
            Err(e) => {
                tracing::error!("Could not create server TCP listening socket: {e}");
                return ExitCode::FAILURE;
            }
        };
        match server.run(shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        }
    });
    if let Some(p) = pidfile {
        let _ = std::fs::remove_file(p);
    }
    code
}

/// The pid file of a daemonized server that names none (Redis's is `/var/run/redis.pid`).
const DEFAULT_PIDFILE: &str = "/var/run/ferrokv.pid";

/// Detaches into the background as Redis does: forks (the parent exits at once, successfully),
/// starts a new session, and points standard input, output and error at /dev/null.
fn daemonize() -> std::io::Result<()> {
    // SAFETY: called from `main` before any other thread exists, so the child is a full copy
    // of a single-threaded process.
    match unsafe { libc::fork() } {
        -1 => return Err(std::io::Error::last_os_error()),
        0 => {}
        _ => std::process::exit(0),
    }
    // SAFETY: plain system calls on our own process and descriptors.
    unsafe {
        libc::setsid();
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            for fd in 0..3 {
                libc::dup2(null, fd);
            }
            if null > 2 {
                libc::close(null);
            }
        }
    }
    Ok(())
}
