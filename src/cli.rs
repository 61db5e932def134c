//! The command line: `serve`, `import`, `export`, `plan`, `sample-data`.

mod plan;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::catalog::Catalog;
use crate::config::{DbConfig, LogConfig, ServeConfig};
use crate::formats::{write, Kind};
use crate::http::{app, AppState};
use crate::import::issues;
use crate::service::accounts::AccountRequest;
use crate::service::Service;
use crate::spatial::Crs;
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(name = "liaison", version, about = "Map service for deputy liaison stations and member workstations")]
pub struct Cli {
    #[command(flatten)]
    pub db: DbConfig,
    #[command(flatten)]
    pub log: LogConfig,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and pages; an empty database gets the Haishu sample first.
    Serve(#[command(flatten)] Box<ServeConfig>),
    /// Import a GeoJSON or CSV file, all or nothing, upserting by id (areas: by code).
    ///
    /// GeoJSON: a FeatureCollection, a bare array of Features (DataV/AMap files) or one Feature.
    /// CSV: a header row; positions from `lon` and `lat` columns, or any geometry from a `wkt`
    /// column (as PostGIS and QGIS export it). Lists
    /// (members, reception) are JSON arrays in GeoJSON, and in CSV separated by `,` (members)
    /// or `;` (reception rules).
    ///
    /// Properties (the names the API writes, so an export re-imports unchanged):
    ///   stations: id, name, kind (deputy_liaison_station | member_workstation | liaison_point |
    ///     online_station), level (national | provincial | city | district | township), town_code,
    ///     address, phone, opening_hours, parent (station id; required for a liaison_point), url,
    ///     reception (rules such as "monthly 2,4 thu 14:00-17:00 members=M1,M2 theme=教育";
    ///     also "weekly mon,thu 09:00-11:30", "monthly last fri ...", "monthly day 15 ...",
    ///     options months=5,6 members=… theme=…); geometry a Point.
    ///   members: id, name, body (npc_deputy | cppcc_member), level, sector, occupation,
    ///     station, term_start, term_end (YYYY-MM-DD); no geometry.
    ///   grids: id, code (default: id), name (default: code), members (member ids), station,
    ///     town_code; geometry a
    ///     (Multi)Polygon.
    ///   areas: code (or DataV's adcode), name, level (district | town | community; DataV's
    ///     street counts as town), parent; geometry a (Multi)Polygon.
    ///
    /// issues (opinions from another system; CSV only), upserting by id:
    ///   id, lon, lat, category (a code), status (a status code, or open = registered,
    ///   resolved = closed), satisfaction (1-5 or empty), created_at, resolved_at (RFC 3339);
    ///   optional registered_at, replied_at, due_date. Each is routed by its position.
    ///
    /// demand (planning: residents or other weight by place; replaces all stored demand):
    ///   CSV id, lon, lat, weight (also population or 人口), or GeoJSON Points with those
    ///   properties. Weights are >= 0, ids unique.
    ///
    /// layer NAME FILE (a map layer: rivers, public services, livelihood projects, …; replaces
    ///   the layer NAME, which is 1-40 of a-z 0-9 _ -): any GeoJSON geometries (or CSV with
    ///   lon/lat or wkt), every property kept and shown when the feature is clicked; `name`
    ///   (or 名称/title) labels it. --title names the layer in the map's switcher.
    ///
    /// activities (members' duty activities from paper ledgers; CSV only, added, all or nothing):
    ///   kind,station,date,start,end,members,visitors,title,notes,river,path,water_class
    ///   (then optionally observations, opinions). kind: reception | consultation | research |
    ///   inspection | river_patrol; date YYYY-MM-DD, start/end HH:MM; members and opinions
    ///   separated by `;`; a river_patrol needs river and path (`lon lat;lon lat;...`, WGS84
    ///   only), water_class I..V. Any bad row: nothing is written, the first bad lines are named.
    ///
    /// projects (livelihood projects 民生实事, published for the whole district; CSV only, added,
    ///   all or nothing): title,department,budget_yuan,progress,status,year,lon,lat,town,grid,
    ///   supervisors (then optionally description), in any order. budget in whole yuan; progress
    ///   0-100; status planned | under_way | completed (empty: from progress); year (empty: this
    ///   year); a place: lon+lat (WGS84 only), a town's area code and/or a grid id; supervisors'
    ///   member ids separated by `;`. Progress updates are posted over the API.
    #[command(verbatim_doc_comment)]
    Import {
        /// What the file holds.
        #[arg(value_parser = ["stations", "members", "grids", "areas", "issues", "layer", "demand", "activities", "projects"])]
        kind: String,
        /// The file to read (for `layer`: the layer's name, then the file).
        file: PathBuf,
        /// For `layer`: the file to read.
        layer_file: Option<PathBuf>,
        /// For `layer`: its title on the map (default: its name).
        #[arg(long)]
        title: Option<String>,
        /// Coordinate system of the file's positions.
        #[arg(long, default_value = "wgs84", value_parser = ["wgs84", "gcj02", "bd09"])]
        crs: String,
    },
    /// Write stored records as GeoJSON (members: CSV) to stdout or a file.
    Export {
        #[arg(value_parser = ["stations", "members", "grids", "areas"])]
        kind: String,
        /// Coordinate system to write positions in.
        #[arg(long, default_value = "wgs84", value_parser = ["wgs84", "gcj02", "bd09"])]
        crs: String,
        /// Output file (default: stdout).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Write a consistent copy of the database to a new file, also while the server runs.
    ///
    /// To restore: stop the service, copy the backup over the database file, delete the
    /// database's stale `-wal` and `-shm` files, start the service.
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Planning: coverage of the demand, and where new stations would reach the most.
    ///
    /// Files are CSV `id,x,y[,weight]` (the peers' format): UTM metres (--utm, default 51N) or,
    /// with --lonlat, longitude/latitude in --crs. Without files: the stored population, the
    /// stored stations, and H3 cells inside the district as candidates.
    ///
    /// Examples:
    ///   liaison plan coverage --radius-m 1500
    ///   liaison plan mclp -p 10 --radius-m 1500 --demand demand.csv --candidates candidates.csv
    ///   liaison plan lscp --target 0.95 --radius-m 2000 --existing stations
    #[command(verbatim_doc_comment)]
    Plan(plan::PlanArgs),
    /// Web logins for the opinion loop.
    #[command(subcommand)]
    User(UserCommand),
    /// Bearer tokens for integrations (also Open311's api_key).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write the synthetic Haishu sample (areas, stations, members, grids) into a folder.
    SampleData {
        #[arg(long, default_value = "data")]
        out: PathBuf,
        /// Also write issues.csv: this many opinions driven through the loop over two years, with
        /// rates that differ by town and category (for `liaison import issues`).
        #[arg(long)]
        issues: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a login; the password is read from standard input (10 to 200 characters).
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = ["member", "staff", "leader", "admin"])]
        role: String,
        /// The station a staff member works for (required for staff).
        #[arg(long)]
        station: Option<String>,
        /// The member this login belongs to (required for member).
        #[arg(long)]
        member: Option<String>,
        /// Read the password from standard input (the only way: it never appears in a command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Give a login a new password, read from standard input; its open sessions end.
    Passwd {
        #[arg(long)]
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Disable a login: it can no longer log in and its open sessions end at their next request.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled login again.
    Enable {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once; only its hash is kept.
    Create {
        #[arg(long, value_parser = ["staff", "leader", "admin", "integrator"])]
        role: String,
        /// The station a staff token works for (required for staff).
        #[arg(long)]
        station: Option<String>,
        /// What the token is for, e.g. the integrating system's name.
        #[arg(long)]
        name: String,
    },
    /// Revoke every token with this name; requests with them are refused at once.
    Revoke {
        #[arg(long)]
        name: String,
    },
}

fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).context("cannot read the password from standard input")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_owned())
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => serve(&cli.db, &config).await,
        Command::Import { kind, file: name, layer_file, title, crs } if kind == "layer" => {
            let Some(file) = layer_file else {
                anyhow::bail!("usage: liaison import layer NAME FILE [--title TITLE] [--crs CRS]");
            };
            let name = name.to_string_lossy().into_owned();
            let service = open_service(&cli.db).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let features = service
                .import_layer(&name, title.as_deref().unwrap_or(&name), &bytes, crs.parse()?)
                .await
                .with_context(|| format!("{} was not imported (nothing was written)", file.display()))?;
            println!("{}: layer {name} with {features} features", file.display());
            Ok(())
        }
        Command::Import { layer_file: Some(_), .. } => {
            anyhow::bail!("only `import layer NAME FILE` takes two arguments")
        }
        Command::Import { kind, file, crs, .. } if kind == "issues" => {
            let service = open_service(&cli.db).await?;
            let crs: Crs = crs.parse()?;
            let reader = std::fs::File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let bar = progress_bar(&format!("importing {}", file.display()));
            let started = std::time::Instant::now();
            let counted = ImportCounter::default();
            let report = service
                .import_opinions(std::io::BufReader::with_capacity(1 << 20, reader), crs, &|n| {
                    bar.set_position(n);
                    counted.reached(n);
                })
                .await
                .with_context(|| format!("{} was not imported (nothing was written)", file.display()))?;
            bar.finish_and_clear();
            println!(
                "{}: {} inserted, {} updated in {:.1} s",
                file.display(),
                report.inserted,
                report.updated,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Import { kind, file, crs, .. } if kind == "activities" => {
            anyhow::ensure!(crs == "wgs84", "a ledger's patrol paths are WGS84; --crs does not apply to activities");
            let service = open_service(&cli.db).await?;
            let reader = std::fs::File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let written = service
                .import_activities(std::io::BufReader::new(reader), &format!("import:{}", file.display()))
                .await
                .with_context(|| format!("{} was not imported (nothing was written)", file.display()))?;
            println!("{}: {written} activities written", file.display());
            Ok(())
        }
        Command::Import { kind, file, crs, .. } if kind == "projects" => {
            anyhow::ensure!(crs == "wgs84", "a project list's points are WGS84; --crs does not apply to projects");
            let service = open_service(&cli.db).await?;
            let reader = std::fs::File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let written = service
                .import_projects(std::io::BufReader::new(reader), &format!("import:{}", file.display()))
                .await
                .with_context(|| format!("{} was not imported (nothing was written)", file.display()))?;
            println!("{}: {written} projects published", file.display());
            Ok(())
        }
        Command::Import { kind, file, crs, .. } if kind == "demand" => {
            let service = open_service(&cli.db).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let bar = progress_bar(&format!("importing {}", file.display()));
            let points = service
                .import_demand(&bytes, crs.parse()?, &|n| bar.set_position(n))
                .await
                .with_context(|| format!("{} was not imported (nothing was written)", file.display()))?;
            bar.finish_and_clear();
            println!("{}: {points} demand points (the stored demand replaced)", file.display());
            Ok(())
        }
        Command::Import { kind, file, crs, .. } => {
            let service = open_service(&cli.db).await?;
            let kind: Kind = kind.parse().map_err(anyhow::Error::msg)?;
            let crs: Crs = crs.parse()?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let bar = progress_bar(&format!("importing {}", file.display()));
            let counted = ImportCounter::default();
            let report = service
                .import_reference(&[(kind, &bytes, crs)], &|n| {
                    bar.set_position(n);
                    counted.reached(n);
                })
                .await
                .with_context(|| format!("{} was not imported (nothing was written)", file.display()))?;
            bar.finish_and_clear();
            println!("{}: {} inserted, {} updated", file.display(), report.inserted, report.updated);
            Ok(())
        }
        Command::Export { kind, crs, out } => {
            let store = open(&cli.db).await?;
            let data = store.load().await?;
            let crs: Crs = crs.parse()?;
            let text = match kind.parse().map_err(anyhow::Error::msg)? {
                Kind::Stations => write::stations_geojson(&data.stations, crs),
                Kind::Members => write::members_csv(&data.members),
                Kind::Grids => write::grids_geojson(&data.grids, crs),
                Kind::Areas => write::areas_geojson(&data.areas, crs),
            };
            match out {
                Some(path) => std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display())),
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
        Command::Backup { out } => {
            anyhow::ensure!(
                cli.db.is_sqlite(),
                "liaison backup copies a SQLite database; back up PostgreSQL with pg_dump or continuous archiving"
            );
            anyhow::ensure!(cli.db.db.exists(), "there is no database at {}", cli.db.db.display());
            let store = open(&cli.db).await?;
            let service = Service::open(store.clone()).await?;
            let started = std::time::Instant::now();
            service.backup(&out).await.with_context(|| format!("cannot back up into {}", out.display()))?;
            store.close().await;
            let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            println!(
                "backed up {} to {} ({bytes} bytes in {:.1} s)",
                cli.db.db.display(),
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::User(command) => {
            let service = open_service(&cli.db).await?;
            match command {
                UserCommand::Add { username, role, station, member, password_stdin: _ } => {
                    let request = AccountRequest {
                        name: &username,
                        role: &role,
                        station: station.as_deref(),
                        member: member.as_deref(),
                    };
                    let user = service.add_user(&request, &read_password()?).await?;
                    println!("added {} ({})", user.name, user.role);
                }
                UserCommand::Passwd { username, password_stdin: _ } => {
                    service.set_password(&username, &read_password()?).await?;
                    println!("changed the password of {username}; its sessions have ended");
                }
                UserCommand::Disable { username } => {
                    service.set_user_disabled(&username, true).await?;
                    println!("disabled {username}; its sessions have ended");
                }
                UserCommand::Enable { username } => {
                    service.set_user_disabled(&username, false).await?;
                    println!("enabled {username}");
                }
            }
            Ok(())
        }
        Command::Token(TokenCommand::Create { role, station, name }) => {
            let service = open_service(&cli.db).await?;
            let request = AccountRequest { name: &name, role: &role, station: station.as_deref(), member: None };
            let (principal, token) = service.create_token(&request).await?;
            eprintln!("token for {} ({}); it is shown only this once:", principal.name, principal.role);
            println!("{token}");
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { name }) => {
            let service = open_service(&cli.db).await?;
            let n = service.revoke_tokens(&name).await?;
            println!("revoked {n} token{} named {name}", if n == 1 { "" } else { "s" });
            Ok(())
        }
        Command::Plan(args) => plan::run(&cli.db, args).await,
        Command::SampleData { out, issues } => {
            std::fs::create_dir_all(&out)?;
            for (name, text) in sample_files() {
                let path = out.join(name);
                std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
                println!("wrote {}", path.display());
            }
            if let Some(n) = issues {
                let path = out.join("issues.csv");
                write_sample_issues(&path, n).with_context(|| format!("cannot write {}", path.display()))?;
                println!("wrote {} ({n} opinions)", path.display());
            }
            Ok(())
        }
    }
}

/// Turns the progress callback's running totals into increments of the import metric.
#[derive(Default)]
struct ImportCounter(std::sync::atomic::AtomicU64);

impl ImportCounter {
    fn reached(&self, total: u64) {
        let before = self.0.swap(total, std::sync::atomic::Ordering::Relaxed);
        crate::metrics::import_progress(total.saturating_sub(before));
    }
}

fn progress_bar(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message.to_owned());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}: {pos} records ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Opens the store `db` names: a SQLite file or a PostgreSQL database.
async fn open(db: &DbConfig) -> anyhow::Result<Arc<dyn Store>> {
    let location = db.location();
    // A URL may hold a password: say only which database it is.
    let shown = match url::Url::parse(&location) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => location.clone(),
    };
    crate::store::open(&location).await.with_context(|| format!("cannot open database {shown}"))
}

async fn open_service(db: &DbConfig) -> anyhow::Result<Service> {
    Ok(Service::open(open(db).await?).await?)
}

/// Writes `n` sample opinions as an issues CSV, with a progress bar.
fn write_sample_issues(path: &std::path::Path, n: u64) -> anyhow::Result<()> {
    let catalog = Catalog::build(crate::sample::generate().into_data());
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(path)?));
    w.write_record(issues::ISSUE_HEADER)?;
    let bar = progress_bar(&format!("writing {}", path.display()));
    for (id, (opinion, _)) in (1..=n).zip(crate::sample::history::histories(&catalog)) {
        w.write_record(issues::issue_row(id, &opinion))?;
        if id % 10_000 == 0 {
            bar.set_position(id);
        }
    }
    w.flush()?;
    bar.finish_and_clear();
    Ok(())
}

/// The sample as the files `liaison sample-data` writes (and `data/` holds).
pub fn sample_files() -> Vec<(&'static str, String)> {
    let s = crate::sample::generate();
    vec![
        ("areas.geojson", write::areas_geojson(&s.areas, Crs::Wgs84)),
        ("stations.geojson", write::stations_geojson(&s.stations, Crs::Wgs84)),
        ("members.csv", write::members_csv(&s.members)),
        ("grids.geojson", write::grids_geojson(&s.grids, Crs::Wgs84)),
        ("population.csv", write::demand_csv(&s.population)),
    ]
}

async fn serve(db: &DbConfig, config: &ServeConfig) -> anyhow::Result<()> {
    // Before anything else: a SIGTERM from now on starts a graceful shutdown instead of killing.
    let shutdown = shutdown_signal()?;
    match crate::server::raise_open_files_limit() {
        Ok((soft, hard)) => {
            tracing::info!(soft, hard, max_connections = config.max_connections, "open files limit");
            if (soft as usize) < config.max_connections + 64 {
                tracing::warn!(soft, "the open files limit is below --max-connections (plus the database's files)");
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot raise the open files limit"),
    }
    crate::metrics::install();
    let duty_rule = match &config.duty_rule {
        None => Default::default(),
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the duty rule {}", path.display()))?
            .parse()
            .with_context(|| format!("the duty rule {} is not valid", path.display()))?,
    };
    let store = open(db).await?;
    let service = Service::open(store.clone())
        .await?
        .with_submission_limit(config.submissions_per_hour)
        .with_duty_rule(duty_rule)
        .with_photo_files(crate::store::PhotoFiles::new(config.photo_dir_beside(&db.db)))
        .with_private_webhooks(config.allow_private_webhooks);
    // Bad sender configuration stops the start, before the sample loads or anyone connects.
    let senders = crate::senders::Senders::from_config(&config.notices)?;
    let service = match senders {
        Some(s) => {
            tracing::info!(senders = %s.description, "notices to citizens who follow their opinion");
            // Notices link to pages: the public address, else the one bound to.
            let base = config.public_url.clone().unwrap_or_else(|| format!("http://{}", config.bind));
            if config.public_url.is_none() {
                tracing::warn!(%base, "notices link to the bind address; set --public-url to the address citizens reach");
            }
            service.with_notices(Arc::new(s), &base)
        }
        None => {
            tracing::info!(
                "no notice sender configured (--smtp-url, --sms-url-template, --notice-dir): citizens cannot follow their opinion and no notices are queued"
            );
            service
        }
    };
    if config.allow_private_webhooks {
        tracing::warn!("webhooks may point at private, loopback and link-local addresses (--allow-private-webhooks)");
    }
    if !config.no_sample && service.load_sample_if_empty(config.sample_opinions).await? {
        tracing::info!("empty database: loaded the Haishu sample");
    }
    crate::metrics::catalog_version(service.catalog_version());
    let catalog = service.catalog();
    tracing::info!(
        stations = catalog.stations().len(),
        members = catalog.members().len(),
        grids = catalog.grids().len(),
        "catalog built"
    );
    let started = std::time::Instant::now();
    let opinions = service.refresh().await?;
    tracing::info!(opinions, ms = started.elapsed().as_millis() as u64, "analytics loaded");
    let service = Arc::new(service);
    let mut chores = tokio::task::JoinSet::new();
    if config.reload_secs > 0 {
        chores.spawn(reload_on_change(service.clone(), Duration::from_secs(config.reload_secs)));
    }
    // Other replicas' writes, as the database announces them (PostgreSQL; nothing on SQLite).
    let follower = service.clone();
    chores.spawn(async move { follower.follow_changes().await });
    chores.spawn(auto_close(service.clone(), config.auto_close_days));
    if config.outbox_poll_ms > 0 {
        let sender = crate::outbound::HttpSender::new(Duration::from_secs(config.webhook_timeout_secs.max(1)))?;
        let mut policy = crate::service::webhooks::OutboxPolicy::default();
        policy.retry.base = Duration::from_millis(config.outbox_backoff_ms.max(1));
        chores.spawn(deliver_outbox(service.clone(), sender, policy, Duration::from_millis(config.outbox_poll_ms)));
    }
    // A basemap that cannot be drawn stops the start, before anyone is told where to connect.
    let basemap = config.basemap.as_deref().map(crate::http::basemap::Basemap::open).transpose()?;
    if let Some(b) = &basemap {
        tracing::info!(path = %b.path.display(), kind = b.kind, "basemap");
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let local = listener.local_addr()?;
    println!("liaison listening on http://{local}");
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
    // The session layer creates its table: sweep only once it exists.
    let sessions = crate::http::session::layer(store.pool_handle(), !config.insecure_cookies).await?;
    if config.session_sweep_secs > 0 {
        let every = Duration::from_secs(config.session_sweep_secs);
        chores.spawn(crate::http::session::sweep_expired(store.pool_handle(), every));
    }
    let mut state = AppState::new(service, &public_url);
    state.basemap = basemap.map(Arc::new);
    state.trusted_proxies = crate::http::client_ip::TrustedProxies::new(config.trusted_proxies.clone());
    if !config.trusted_proxies.is_empty() {
        tracing::info!(proxies = ?config.trusted_proxies, "X-Forwarded-For is believed from these proxies");
    }
    let options = crate::server::ServeOptions {
        max_connections: config.max_connections,
        header_timeout: Duration::from_secs(config.header_timeout_secs.max(1)),
        idle_timeout: Duration::from_secs(config.idle_timeout_secs.max(1)),
        shutdown_deadline: Duration::from_secs(config.shutdown_secs),
    };
    crate::server::serve(listener, app(state, sessions), options, shutdown).await?;
    chores.shutdown().await;
    store.close().await;
    tracing::info!("database closed; bye");
    Ok(())
}

/// Rebuilds the catalog whenever another process changed the data, and brings the analytics up
/// to date with opinions other processes wrote (imports).
pub async fn reload_on_change(service: Arc<Service>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match service.reload_if_changed().await {
            Ok(Some(version)) => {
                crate::metrics::catalog_version(version);
                tracing::info!(version, "catalog reloaded");
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot reload the catalog"),
        }
    }
}

/// Closes unrated replies after `days`, checking every ten minutes.
async fn auto_close(service: Arc<Service>, days: u32) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match service.close_unrated_replies(days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(closed = n, days, "closed unrated replies"),
            Err(e) => tracing::warn!(error = %e, "auto-close failed"),
        }
    }
}

/// Delivers due webhook events (the transactional outbox), looking every `every`; a round that
/// found work looks again at once.
pub async fn deliver_outbox(
    service: Arc<Service>,
    sender: impl crate::service::webhooks::WebhookSender,
    policy: crate::service::webhooks::OutboxPolicy,
    every: Duration,
) {
    loop {
        match service.deliver_due(&sender, &policy).await {
            Ok(round) if round.delivered + round.failed > 0 => {
                tracing::debug!(delivered = round.delivered, failed = round.failed, "outbox round");
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "outbox delivery failed"),
        }
        tokio::time::sleep(every).await;
    }
}

fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "shutting down");
    })
}
