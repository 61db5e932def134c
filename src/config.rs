//! Configuration: command-line flags with environment fallbacks; every documented field shows up
//! in `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the data lives (shared by every command).
#[derive(Debug, Clone, clap::Args)]
pub struct DbConfig {
    /// SQLite database file; created and migrated if missing.
    #[arg(long, env = "LIAISON_DB", default_value = "liaison.db", global = true)]
    pub db: PathBuf,
}

/// How `serve` runs.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "LIAISON_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Seconds between checks for data written by another process (e.g. `liaison import`); the
    /// indexes are rebuilt and swapped in when it changed. 0 turns the check off.
    #[arg(long, env = "LIAISON_RELOAD_SECS", default_value_t = 5)]
    pub reload_secs: u64,
    /// Days after which a reply the citizen has not rated is closed automatically.
    #[arg(long, env = "LIAISON_AUTO_CLOSE_DAYS", default_value_t = 15)]
    pub auto_close_days: u32,
    /// Opinions one client address may submit per hour, all at once if they like; 0: no limit.
    #[arg(long, env = "LIAISON_SUBMISSIONS_PER_HOUR", default_value_t = 30)]
    pub submissions_per_hour: u32,
    /// How many past opinions the sample brings (two years' worth of the loop).
    #[arg(long, env = "LIAISON_SAMPLE_OPINIONS", default_value_t = 6_000)]
    pub sample_opinions: usize,
    /// Send the login cookie over plain HTTP too (development without TLS only; browsers still
    /// send Secure cookies to http://localhost).
    #[arg(long, env = "LIAISON_INSECURE_COOKIES")]
    pub insecure_cookies: bool,
    /// The address citizens reach the service at, for links that leave the page (a station's QR
    /// code): e.g. https://liaison.example.gov.cn. Default: http:// and the bind address.
    #[arg(long, env = "LIAISON_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Do not load the Haishu sample into an empty database.
    #[arg(long, env = "LIAISON_NO_SAMPLE")]
    pub no_sample: bool,
}
