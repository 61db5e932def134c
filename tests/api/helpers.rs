//! Test harness: a fresh database per test, the real router on a real socket (port 0), and a
//! fixed clock so that reception sessions are reproducible. The database is a SQLite file, or,
//! when `LIAISON_TEST_PG_URL` names a PostgreSQL server (`postgres://user@host:port`), a fresh
//! database `liaison_test_…` on it, dropped after the test: the same tests run on both backends.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use liaison::http::{app, AppState};
use liaison::service::{Clock, Service};
use liaison::store::Store;
use serde_json::Value;

/// Thursday 12 November 2026, 10:00 in Shanghai.
pub fn fixed_now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-12T10:00:00+08:00").unwrap()
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    /// The SQLite file (also the directory for photos on PostgreSQL, where the file is unused).
    pub db_path: PathBuf,
    /// The PostgreSQL database, when the tests run on PostgreSQL.
    pub pg: Option<Arc<PgDatabase>>,
    /// Another pool on the same database, for tests to look at rows (SQL both backends accept;
    /// binds as `$1`).
    pool: sqlx::AnyPool,
    _dir: tempfile::TempDir,
}

/// A database of its own on the PostgreSQL server of `LIAISON_TEST_PG_URL`, dropped when the
/// last test app on it goes.
pub struct PgDatabase {
    server: String,
    name: String,
}

impl PgDatabase {
    /// A fresh, empty database if the tests run on PostgreSQL.
    pub async fn create() -> Option<Arc<Self>> {
        let server = std::env::var("LIAISON_TEST_PG_URL").ok().filter(|u| !u.is_empty())?;
        let server = server.trim_end_matches('/').to_owned();
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).unwrap();
        let name = format!("liaison_test_{}", hex::encode(bytes));
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{server}/postgres")).await.unwrap();
        // Bytewise text order and UTF-8, as SQLite has them, whatever the server's locale.
        sqlx::Executor::execute(
            &mut admin,
            format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'").as_str(),
        )
        .await
        .unwrap();
        Some(Arc::new(Self { server, name }))
    }

    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut admin =
                    <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{server}/postgres")).await?;
                sqlx::Executor::execute(&mut admin, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await
                    .map(|_| ())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// A fresh, empty store of a test's own (on PostgreSQL when the tests run there), without a
/// server; the guard keeps its database and gives a pool to look at rows.
pub async fn fresh_store() -> (FreshDb, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let pg = PgDatabase::create().await;
    let path = dir.path().join("t.db");
    let store = open_store(&path, pg.as_deref()).await;
    sqlx::any::install_default_drivers();
    let url = match &pg {
        Some(pg) => pg.url(),
        None => format!("sqlite://{}", path.display()),
    };
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    (FreshDb { pool, pg, path, _dir: dir }, store)
}

/// See [`fresh_store`].
pub struct FreshDb {
    pool: sqlx::AnyPool,
    pub pg: Option<Arc<PgDatabase>>,
    pub path: PathBuf,
    _dir: tempfile::TempDir,
}

impl FreshDb {
    pub fn pool(&self) -> &sqlx::AnyPool {
        &self.pool
    }
}

/// Opens the store of a test: on PostgreSQL if `pg`, else the SQLite file `db_path`.
pub async fn open_store(db_path: &std::path::Path, pg: Option<&PgDatabase>) -> Arc<dyn Store> {
    match pg {
        Some(pg) => liaison::store::open(&pg.url()).await.unwrap(),
        None => liaison::store::open(db_path.to_str().unwrap()).await.unwrap(),
    }
}

impl TestApp {
    /// A server on the Haishu sample.
    pub async fn with_sample() -> Self {
        Self::start(true).await
    }

    /// A server on an empty database.
    pub async fn empty() -> Self {
        Self::start(false).await
    }

    async fn start(sample: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::serve(dir, PgDatabase::create().await, sample, 0, |s| s).await
    }

    /// A server on the sample that accepts `per_hour` submissions from one address.
    pub async fn with_submission_limit(per_hour: u32) -> Self {
        Self::serve(tempfile::tempdir().unwrap(), PgDatabase::create().await, true, per_hour, |s| s).await
    }

    /// A server on the sample whose service `setup` configures further (notice senders, the
    /// webhook guard), given the test's temporary directory.
    pub async fn with_service(setup: impl FnOnce(Service, &std::path::Path) -> Service) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_owned();
        Self::serve(dir, PgDatabase::create().await, true, 0, |s| setup(s, &path)).await
    }

    /// Stops serving and starts a new server, with a new store, on the same database.
    pub async fn restart(self) -> Self {
        self.store.close().await;
        self.pool.close().await;
        Self::serve(self._dir, self.pg, false, 0, |s| s).await
    }

    /// Another server, with a store, service and catalog of its own, on this test's PostgreSQL
    /// database: a second replica. Neither follows the other's writes until
    /// [`TestApp::follow_changes`].
    pub async fn replica(&self) -> Self {
        assert!(self.pg.is_some(), "replicas share a PostgreSQL database");
        Self::serve(tempfile::tempdir().unwrap(), self.pg.clone(), false, 0, |s| s).await
    }

    /// Makes this server follow what other replicas write, as `liaison serve` does.
    pub fn follow_changes(&self) {
        let service = self.state.service.clone();
        tokio::spawn(async move { service.follow_changes().await });
    }

    /// A pool on the test's database for looking at rows directly.
    pub fn pool(&self) -> &sqlx::AnyPool {
        &self.pool
    }

    /// The command-line arguments that name this test's database to `liaison`.
    pub fn db_args(&self) -> [std::ffi::OsString; 2] {
        match &self.pg {
            Some(pg) => ["--database-url".into(), pg.url().into()],
            None => ["--db".into(), self.db_path.clone().into()],
        }
    }

    /// A bearer token for `role` (and `station`), as `liaison token create` makes it.
    pub async fn token(&self, role: &str, station: Option<&str>) -> String {
        let (token, hash) = liaison::auth::new_token().unwrap();
        let principal = liaison::domain::Principal {
            name: format!("{role}-test"),
            role: role.parse().unwrap(),
            station: station.map(|s| s.parse().unwrap()),
            member: None,
        };
        liaison::store::Store::add_token(self.store.as_ref(), &principal, &hash).await.unwrap();
        token
    }

    /// `per_hour` submissions from one address (0: no limit, as tests submit a lot). Webhooks may
    /// point at 127.0.0.1, where the tests' receivers listen, unless `setup` says otherwise.
    async fn serve(
        dir: tempfile::TempDir,
        pg: Option<Arc<PgDatabase>>,
        sample: bool,
        per_hour: u32,
        setup: impl FnOnce(Service) -> Service,
    ) -> Self {
        let db_path = dir.path().join("liaison.db");
        let store = open_store(&db_path, pg.as_deref()).await;
        let service = Service::open(store.clone())
            .await
            .unwrap()
            .with_submission_limit(per_hour)
            .with_photo_files(liaison::store::PhotoFiles::new(dir.path().join("liaison-photos")))
            .with_private_webhooks(true);
        let service = setup(service);
        if sample {
            assert!(service.load_sample_if_empty(0).await.unwrap());
        }
        service.set_clock(Clock::Fixed(fixed_now()));
        service.refresh().await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(Arc::new(service), "https://liaison.example.gov.cn");
        // The test client speaks plain HTTP, so its cookie jar needs cookies without Secure.
        let sessions = liaison::http::session::layer(store.pool_handle(), false).await.unwrap();
        let router = app(state.clone(), sessions);
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        sqlx::any::install_default_drivers();
        let url = match &pg {
            Some(pg) => pg.url(),
            None => format!("sqlite://{}", db_path.display()),
        };
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(2).connect(&url).await.unwrap();
        Self { base, client, store, state, db_path, pg, pool, _dir: dir }
    }

    /// GET `path` and return the status and the JSON body.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self.client.get(format!("{}{}", self.base, path)).send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {text}"));
        (status, body)
    }

    /// GET `path` and return the status and the text body.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.client.get(format!("{}{}", self.base, path)).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }
}

/// Asserts a 4xx answer in the API's error shape and returns its code.
pub fn error_code(status: u16, body: &Value, expected_status: u16) -> String {
    assert_eq!(status, expected_status, "body: {body}");
    let code = body["error"]["code"].as_str().unwrap_or_else(|| panic!("no error.code in {body}"));
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "no message in {body}");
    code.to_owned()
}

/// Asserts that GET of each path is a 400 with the given error code.
pub async fn expect_400s(app: &TestApp, cases: &[(&str, &str)]) {
    for &(path, want) in cases {
        let (status, body) = app.get(path).await;
        assert_eq!(error_code(status, &body, 400), want, "{path}: {body}");
    }
}

/// The deterministic generator the sample uses, for test data.
pub use liaison::sample::SplitMix64 as Rng;

/// The shared Haishu folder beside the project (`../shared/data/haishu`).
pub fn shared_haishu() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/haishu")
}
