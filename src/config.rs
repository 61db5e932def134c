//! Configuration: command-line flags with environment fallbacks; every documented field shows up
//! in `--help`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use ipnet::IpNet;

/// Where the data lives (shared by every command).
#[derive(Debug, Clone, clap::Args)]
pub struct DbConfig {
    /// SQLite database file; created and migrated if missing.
    #[arg(long, env = "LIAISON_DB", default_value = "liaison.db", global = true)]
    pub db: PathBuf,
    /// The database instead of `--db`: `postgres://user:password@host:port/database` for
    /// PostgreSQL (the database must exist; migrations are applied), or `sqlite:PATH`.
    #[arg(long, env = "LIAISON_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl DbConfig {
    /// Where the store is: `--database-url` if given, else the `--db` file.
    ///
    /// # Examples
    /// ```
    /// use clap::Parser;
    /// use liaison::cli::Cli;
    /// let cli = Cli::parse_from(["liaison", "--database-url", "postgres://db/liaison", "serve"]);
    /// assert_eq!(cli.db.location(), "postgres://db/liaison");
    /// let cli = Cli::parse_from(["liaison", "--db", "haishu.db", "serve"]);
    /// assert_eq!(cli.db.location(), "haishu.db");
    /// ```
    pub fn location(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| self.db.display().to_string())
    }

    /// Whether the store is a SQLite file (what `backup` copies).
    pub fn is_sqlite(&self) -> bool {
        matches!(crate::store::Location::parse(&self.location()), crate::store::Location::Sqlite(_))
    }
}

/// How log lines are written (shared by every command).
#[derive(Debug, Clone, clap::Args)]
pub struct LogConfig {
    /// Log line format on standard error: `text` for people, `json` (one object a line) for log
    /// collectors. Colour only when standard error is a terminal. Levels: RUST_LOG.
    #[arg(long, env = "LIAISON_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

/// See [`LogConfig::log_format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// How `serve` runs.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "LIAISON_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Seconds between checks for data written by another process (e.g. `liaison import`); the
    /// indexes are rebuilt and swapped in when it changed. 0 turns the check off. On PostgreSQL,
    /// replicas also hear of each other's writes at once (NOTIFY); this check is the safety net.
    #[arg(long, env = "LIAISON_RELOAD_SECS", default_value_t = 5)]
    pub reload_secs: u64,
    /// Days after which a reply the citizen has not rated is closed automatically.
    #[arg(long, env = "LIAISON_AUTO_CLOSE_DAYS", default_value_t = 15)]
    pub auto_close_days: u32,
    /// Opinions one client address may submit per hour, all at once if they like; 0: no limit.
    #[arg(long, env = "LIAISON_SUBMISSIONS_PER_HOUR", default_value_t = 30)]
    pub submissions_per_hour: u32,
    /// How many past opinions the sample brings (two years' worth of the loop), with a year of
    /// the stations' duty ledger; 0 brings the places alone.
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
    /// A PMTiles file (version 3, vector or raster tiles) to draw under the map's layers, served
    /// at /basemap.pmtiles with HTTP range requests. Without it the map has no basemap.
    #[arg(long, env = "LIAISON_BASEMAP")]
    pub basemap: Option<std::path::PathBuf>,
    /// A TOML file of the duty scoring rule (points per reception, patrol, opinion replied on
    /// time…); without it the shipped rule (src/analytics/duty-rule.toml) applies.
    #[arg(long, env = "LIAISON_DUTY_RULE")]
    pub duty_rule: Option<std::path::PathBuf>,
    /// The directory citizens' photos are kept in (files named by their SHA-256; back it up with
    /// the database). Default: beside the database, named after it: `liaison.db` keeps them in
    /// `liaison-photos/`.
    #[arg(long, env = "LIAISON_PHOTO_DIR")]
    pub photo_dir: Option<PathBuf>,
    /// Milliseconds between looks at the outbox for webhook events to deliver; 0 turns delivery
    /// off (events still queue up, to be delivered by the next process that delivers).
    #[arg(long, env = "LIAISON_OUTBOX_POLL_MS", default_value_t = 1_000)]
    pub outbox_poll_ms: u64,
    /// Milliseconds before the first retry of a failed webhook delivery, doubled after each further
    /// failure up to an hour apart, for a day.
    #[arg(long, env = "LIAISON_OUTBOX_BACKOFF_MS", default_value_t = 30_000)]
    pub outbox_backoff_ms: u64,
    /// Seconds a webhook receiver has to answer.
    #[arg(long, env = "LIAISON_WEBHOOK_TIMEOUT_SECS", default_value_t = 10)]
    pub webhook_timeout_secs: u64,
    /// Do not load the Haishu sample into an empty database.
    #[arg(long, env = "LIAISON_NO_SAMPLE")]
    pub no_sample: bool,
    /// Connections open at once; beyond it new connections wait to be accepted.
    #[arg(long, env = "LIAISON_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers (from connecting, or from the previous
    /// answer on a keep-alive connection) before the connection is closed.
    #[arg(long, env = "LIAISON_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds a keep-alive connection may stay idle after an answer before it is closed (at
    /// most the header timeout: that timer runs while idle too).
    #[arg(long, env = "LIAISON_IDLE_TIMEOUT_SECS", default_value_t = 5)]
    pub idle_timeout_secs: u64,
    /// On SIGTERM or SIGINT, seconds requests in flight get to finish before every connection
    /// still open is closed and the process exits.
    #[arg(long, env = "LIAISON_SHUTDOWN_SECS", default_value_t = 20)]
    pub shutdown_secs: u64,
    /// A reverse proxy (address or CIDR network) whose X-Forwarded-For header names the client,
    /// for per-client limits; repeat the flag, or separate with commas in the environment
    /// variable. Without it X-Forwarded-For is ignored.
    #[arg(long = "trusted-proxy", env = "LIAISON_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<IpNet>,
    /// Seconds between sweeps that delete expired login sessions from the database.
    #[arg(long, env = "LIAISON_SESSION_SWEEP_SECS", default_value_t = 600)]
    pub session_sweep_secs: u64,
    /// Let administrators register webhooks whose host is a private, loopback or link-local
    /// address (10.0.0.0/8, 127.0.0.1, 169.254.169.254, fd00::/8, localhost …); refused without it,
    /// so that a webhook cannot reach into the server's own network.
    #[arg(long, env = "LIAISON_ALLOW_PRIVATE_WEBHOOKS")]
    pub allow_private_webhooks: bool,
    #[command(flatten)]
    pub notices: NoticeConfig,
}

/// How notices reach citizens who follow their opinion. E-mail goes by SMTP, else into
/// `--notice-dir`; SMS by the gateway, else into `--notice-dir`. With none of them citizens
/// cannot follow opinions and no notice is queued.
#[derive(Debug, Clone, clap::Args)]
pub struct NoticeConfig {
    /// The SMTP server e-mail notices go through: `smtps://user:password@host:465` (TLS),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtp://host:25` (no TLS: a
    /// relay on this machine only). Percent-encode special characters of the password.
    #[arg(long, env = "LIAISON_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of e-mail notices, e.g. `海曙区人大代表联络站 <noreply@example.gov.cn>`.
    #[arg(long, env = "LIAISON_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// The SMS gateway's URL with `{phone}` and `{text}` where the number and the text go
    /// (percent-encoded), e.g. `https://sms.example.cn/send?mobile={phone}&content={text}`.
    #[arg(long, env = "LIAISON_SMS_URL_TEMPLATE")]
    pub sms_url_template: Option<String>,
    /// How the SMS gateway is called.
    #[arg(long, env = "LIAISON_SMS_METHOD", value_enum, default_value_t = SmsMethod::Get)]
    pub sms_method: SmsMethod,
    /// The body of a POST to the SMS gateway, with `{phone}` and `{text}`: sent as JSON (values
    /// JSON-escaped) when it starts with `{`, else as a form (values percent-encoded).
    #[arg(long, env = "LIAISON_SMS_BODY_TEMPLATE")]
    pub sms_body_template: Option<String>,
    /// The user name of the SMS gateway's HTTP basic authentication.
    #[arg(long, env = "LIAISON_SMS_USER")]
    pub sms_user: Option<String>,
    /// The password of the SMS gateway's HTTP basic authentication.
    #[arg(long, env = "LIAISON_SMS_PASSWORD", hide_env_values = true)]
    pub sms_password: Option<String>,
    /// A header for every call of the SMS gateway, `Name: value` (e.g. `X-Api-Key: …`); repeat
    /// the flag for more.
    #[arg(long = "sms-header", env = "LIAISON_SMS_HEADER", hide_env_values = true)]
    pub sms_header: Vec<String>,
    /// Count a 2xx answer of the SMS gateway as sent only when its body contains this text (for
    /// gateways that answer 200 with an error code, e.g. `"code":"OK"`).
    #[arg(long, env = "LIAISON_SMS_OK_CONTAINS")]
    pub sms_ok_contains: Option<String>,
    /// A directory notices are written into as files, one a message (`<id>.eml`,
    /// `<id>.sms.txt`), for the channels without SMTP or a gateway: for development.
    #[arg(long, env = "LIAISON_NOTICE_DIR")]
    pub notice_dir: Option<PathBuf>,
    /// Seconds the SMTP server or the SMS gateway has to acknowledge a notice.
    #[arg(long, env = "LIAISON_NOTICE_TIMEOUT_SECS", default_value_t = 30)]
    pub notice_timeout_secs: u64,
}

/// No sender: citizens cannot follow opinions (the flags' defaults).
impl Default for NoticeConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            smtp_from: None,
            sms_url_template: None,
            sms_method: SmsMethod::Get,
            sms_body_template: None,
            sms_user: None,
            sms_password: None,
            sms_header: Vec::new(),
            sms_ok_contains: None,
            notice_dir: None,
            notice_timeout_secs: 30,
        }
    }
}

/// See [`NoticeConfig::sms_method`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmsMethod {
    Get,
    Post,
}

impl ServeConfig {
    /// Where photos are kept: `--photo-dir`, else `<database file stem>-photos` beside the
    /// database.
    ///
    /// # Examples
    ///
    /// ```
    /// use clap::Parser;
    /// use liaison::cli::Cli;
    /// # use std::path::Path;
    /// let cli = Cli::parse_from(["liaison", "--db", "/srv/data/haishu.db", "serve"]);
    /// let liaison::cli::Command::Serve(serve) = cli.command else { unreachable!() };
    /// assert_eq!(serve.photo_dir_beside(&cli.db.db), Path::new("/srv/data/haishu-photos"));
    /// ```
    pub fn photo_dir_beside(&self, db: &std::path::Path) -> PathBuf {
        self.photo_dir.clone().unwrap_or_else(|| {
            let stem = db.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "liaison".into());
            db.with_file_name(format!("{stem}-photos"))
        })
    }
}

/// A network in CIDR notation, or one address (a /32 or /128).
fn parse_net(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is not an address or a CIDR network such as 10.0.0.0/8"))
}
