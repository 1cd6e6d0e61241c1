//! `ferrokv-server`: parses flags and the config file, sets up logging, runs the server.

use ferrokv_server::args::{self, Action, USAGE};
use ferrokv_server::{shutdown_signal, worker_threads, Server};
use std::process::ExitCode;

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
    let level = match values.loglevel.as_str() {
        "debug" => tracing::Level::DEBUG,
        "verbose" => tracing::Level::DEBUG,
        "warning" => tracing::Level::WARN,
        "nothing" => tracing::Level::ERROR,
        _ => tracing::Level::INFO,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
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
    runtime.block_on(async move {
        let server = match Server::bind(values).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("Could not create server TCP listening socket: {e}");
                return ExitCode::FAILURE;
            }
        };
        match server.run(shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        }
    })
}
