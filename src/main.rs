//! The `liaison` binary: parses the command line, sets up logging as it asks, and hands over to
//! the library.

use std::io::IsTerminal;
use std::time::Duration;

use clap::Parser;
use liaison::config::LogFormat;

fn main() -> std::process::ExitCode {
    let cli = liaison::cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log.log_format {
        LogFormat::Json => logs.json().with_ansi(false).init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(liaison::cli::run(cli));
    // Do not wait for blocking work still running (e.g. a catalog build) once the server is done.
    runtime.shutdown_timeout(Duration::from_secs(2));
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
