//! Persistence. `Store` is the one interface the rest of the service sees; each backend has its
//! own implementation and migrations folder, applied at start-up. SQL lives only in this module.

pub mod photo_files;
pub mod postgres;
pub(crate) mod rows;
pub mod sqlite;

use async_trait::async_trait;

use crate::domain::activity::ActivityFilter;
use crate::domain::follow::{NoticeChannel, NoticeKind};
use crate::domain::notice::NoticeFilter;
use crate::domain::project::ProjectFilter;
use crate::domain::rota::AcceptedRota;
use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::catalog::CatalogData;
use crate::domain::photo::{Photo, PhotoHash, PhotoStatus};
use crate::domain::OpinionFact;
use crate::domain::{
    Activity, AdminArea, AuditEntry, Category, DemandPoint, GridArea, GridId, LonLat, MapLayer, Member, NewOpinion,
    Notice, Opinion, Principal, Project, Routing, Stars, Station, StationId, Status, TrackingCode,
};
use crate::spatial::BBox;

pub use photo_files::PhotoFiles;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// The connection pool under a store, for what keeps its own tables in the same database (the
/// web sessions).
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Opens the store at `location`: a `postgres://` (or `postgresql://`) URL opens [`PgStore`] on
/// that (existing) database; anything else is a SQLite file, optionally written `sqlite:PATH`,
/// opened with [`SqliteStore`] (created if missing). Pending migrations are applied.
///
/// # Examples
/// ```
/// use liaison::store::Location;
/// assert_eq!(Location::parse("postgres://db.internal/liaison"), Location::Postgres("postgres://db.internal/liaison"));
/// assert_eq!(Location::parse("sqlite:/srv/haishu.db"), Location::Sqlite("/srv/haishu.db".as_ref()));
/// assert_eq!(Location::parse("liaison.db"), Location::Sqlite("liaison.db".as_ref()));
/// ```
pub async fn open(location: &str) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    Ok(match Location::parse(location) {
        Location::Postgres(url) => std::sync::Arc::new(PgStore::open(url).await?),
        Location::Sqlite(path) => std::sync::Arc::new(SqliteStore::open(path).await?),
    })
}

/// Which backend a store location names (see [`open`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location<'a> {
    Postgres(&'a str),
    Sqlite(&'a std::path::Path),
}

impl<'a> Location<'a> {
    pub fn parse(location: &'a str) -> Self {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            Location::Postgres(location)
        } else {
            let path =
                location.strip_prefix("sqlite://").or_else(|| location.strip_prefix("sqlite:")).unwrap_or(location);
            Location::Sqlite(std::path::Path::new(path))
        }
    }
}

/// A failure of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Scan(#[from] rusqlite::Error),
    #[error("could not apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("stored {table} row {id:?} is unreadable: {message}")]
    Corrupt { table: &'static str, id: String, message: String },
    /// The caller stopped a bulk write because its input was bad; nothing was written.
    #[error("{0}")]
    Refused(String),
}

/// An opinion from another system (`liaison import issues`): its states and times, without
/// texts, contacts or a step-by-step history.
#[derive(Debug, Clone, PartialEq)]
pub struct OpinionRecord {
    /// The id in the system it came from; importing the same id again updates the opinion.
    pub external_id: String,
    /// Used only when the opinion is new.
    pub code: TrackingCode,
    pub category: Category,
    pub status: Status,
    pub location: LonLat,
    pub routing: Routing,
    pub rating: Option<Stars>,
    pub due: Option<NaiveDate>,
    pub created_at: DateTime<FixedOffset>,
    pub registered_at: Option<DateTime<FixedOffset>>,
    pub replied_at: Option<DateTime<FixedOffset>>,
    pub closed_at: Option<DateTime<FixedOffset>>,
}

/// Hands a bulk import its records a batch at a time: `Ok(None)` when done, `Err` (a message
/// for the user) to stop and write nothing.
pub type RecordSource<'a> = &'a mut (dyn FnMut() -> Result<Option<Vec<OpinionRecord>>, String> + Send);

/// Receives opinions one at a time, reduced to what counting needs.
pub type FactSink<'a> = &'a mut (dyn FnMut(OpinionFact<'_>) + Send);

/// Records of one kind to insert or update by id (code for areas).
#[derive(Debug, Clone)]
pub enum Batch {
    Areas(Vec<AdminArea>),
    Stations(Vec<Station>),
    Members(Vec<Member>),
    Grids(Vec<GridArea>),
    /// One map layer, replacing the stored layer of its name.
    Layer(MapLayer),
    /// The planning demand, replacing all of the stored demand.
    Demand(Vec<DemandPoint>),
}

impl Batch {
    pub fn len(&self) -> usize {
        match self {
            Batch::Areas(v) => v.len(),
            Batch::Stations(v) => v.len(),
            Batch::Members(v) => v.len(),
            Batch::Grids(v) => v.len(),
            Batch::Layer(_) => 1,
            Batch::Demand(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub inserted: usize,
    pub updated: usize,
}

/// Which opinions a listing wants; empty lists and `None` accept everything.
#[derive(Debug, Clone)]
pub struct OpinionFilter {
    pub statuses: Vec<Status>,
    pub category: Option<Category>,
    pub stations: Vec<StationId>,
    /// Only opinions routed to this town (township or subdistrict).
    pub town: Option<crate::domain::AreaCode>,
    pub grids: Vec<GridId>,
    /// Also (or, without `grids`, only) the opinions routed to this member.
    pub member: Option<crate::domain::MemberId>,
    /// Open opinions whose due date is before this day.
    pub overdue_on: Option<NaiveDate>,
    pub bbox: Option<BBox>,
    /// Newest first, at most this many.
    pub limit: usize,
}

impl Default for OpinionFilter {
    fn default() -> Self {
        Self {
            statuses: Vec::new(),
            category: None,
            stations: Vec::new(),
            town: None,
            grids: Vec::new(),
            member: None,
            overdue_on: None,
            bbox: None,
            limit: 1_000,
        }
    }
}

/// A saved planning scenario: the plan is the siting answer as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRecord {
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    pub created_by: String,
    pub plan: String,
}

/// A web login as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub principal: Principal,
    pub password_hash: String,
    pub disabled: bool,
    /// Grows whenever the password changes or the login is disabled.
    pub credential_version: i64,
}

/// A photo to record for an opinion, its file already written.
#[derive(Debug, Clone)]
pub struct NewPhoto<'a> {
    pub opinion_id: i64,
    pub hash: &'a crate::domain::photo::PhotoHash,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub at: DateTime<FixedOffset>,
}

/// Called with the number of records written so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Send + Sync);

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The connection pool, for the web sessions kept in the same database.
    fn pool_handle(&self) -> Pool;

    /// Closes every connection once the work in flight is done (SQLite also folds its
    /// write-ahead log into the database file first).
    async fn close(&self);

    /// What other writers commit, as the database announces it: each call starts a listener
    /// that runs while the receiver is kept (or until the store closes). `None` when the backend
    /// announces nothing (SQLite, where one server writes and `--reload-secs` sees imports).
    fn changes(&self) -> Option<tokio::sync::watch::Receiver<Announced>>;

    /// Every record of reference data.
    async fn load(&self) -> Result<CatalogData, StoreError>;

    /// A number that changes whenever reference data changes.
    async fn catalog_version(&self) -> Result<i64, StoreError>;

    async fn station_count(&self) -> Result<i64, StoreError>;

    /// Upserts all batches in one transaction: either every record is written or none is.
    async fn write(&self, batches: &[Batch], progress: Progress<'_>) -> Result<WriteReport, StoreError>;

    /// Stores a new opinion as `submitted` (version 1) with its first history line, its webhook
    /// events and the addresses it is followed by, in one transaction.
    /// [`StoreError::Duplicate`] when the tracking code is taken.
    async fn insert_opinion(
        &self,
        new: &NewOpinion,
        code: &TrackingCode,
        routing: &Routing,
        at: DateTime<FixedOffset>,
        actor: &str,
        followers: Option<&Followers>,
    ) -> Result<Opinion, StoreError>;

    /// Stores opinions whole with their histories (a sample or an import), in one transaction;
    /// ids are assigned in order.
    async fn insert_history(&self, items: &[(Opinion, Vec<AuditEntry>)]) -> Result<(), StoreError>;

    async fn opinion_by_code(&self, code: &TrackingCode) -> Result<Option<Opinion>, StoreError>;

    async fn opinion_by_id(&self, id: i64) -> Result<Option<Opinion>, StoreError>;

    /// Saves an opinion changed by [`Opinion::apply`] together with its history line, its webhook
    /// events and `notice` (one outbox row per follower of the opinion still following by one of
    /// its channels), if nobody else changed it since it was read (the stored version is one less
    /// than its own). Returns false, writing nothing, when someone did.
    async fn save_change(
        &self,
        opinion: &Opinion,
        entry: &AuditEntry,
        notice: Option<&NoticeOrder>,
    ) -> Result<bool, StoreError>;

    /// An opinion's history, oldest first.
    async fn history(&self, id: i64) -> Result<Vec<AuditEntry>, StoreError>;

    async fn list_opinions(&self, filter: &OpinionFilter) -> Result<Vec<Opinion>, StoreError>;

    /// Upserts imported opinions by external id, all in one transaction; nothing is written when
    /// the source stops with an error ([`StoreError::Refused`]).
    async fn import_opinions(
        &self,
        source: RecordSource<'_>,
        progress: Progress<'_>,
    ) -> Result<WriteReport, StoreError>;

    /// The opinions' change number: it grows with every write to an opinion.
    async fn opinion_seq(&self) -> Result<i64, StoreError>;

    /// Gives `sink` every opinion written after change number `after` (0: all of them) and
    /// returns the change number they are up to date with.
    async fn opinion_facts(&self, after: i64, sink: FactSink<'_>) -> Result<i64, StoreError>;

    /// Adds a web login; [`StoreError::Duplicate`] when the username is taken.
    async fn add_user(&self, user: &Principal, password_hash: &str) -> Result<(), StoreError>;

    /// A login with its password hash and state.
    async fn user(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;

    /// Replaces a login's password hash and bumps its credential version (open sessions end);
    /// false when there is no such login.
    async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool, StoreError>;

    /// Disables or re-enables a login and bumps its credential version; false when there is no
    /// such login.
    async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<bool, StoreError>;

    /// Revokes every token with this name and returns how many were still active.
    async fn revoke_tokens(&self, name: &str) -> Result<u64, StoreError>;

    /// Adds a bearer token, stored by its hash.
    async fn add_token(&self, token: &Principal, token_hash: &str) -> Result<(), StoreError>;

    /// Who a (not revoked) token's hash belongs to.
    async fn token_principal(&self, token_hash: &str) -> Result<Option<Principal>, StoreError>;

    /// Saves a planning scenario; [`StoreError::Duplicate`] when the name is taken.
    async fn add_scenario(&self, scenario: &ScenarioRecord) -> Result<(), StoreError>;

    /// Every saved scenario, newest first.
    async fn scenarios(&self) -> Result<Vec<ScenarioRecord>, StoreError>;

    /// The scenario of this name.
    async fn scenario(&self, name: &str) -> Result<Option<ScenarioRecord>, StoreError>;

    /// Deletes the scenario of this name; false when there was none.
    async fn delete_scenario(&self, name: &str) -> Result<bool, StoreError>;

    /// Adds checked activities (their `id` ignored) in one transaction, stamped with who recorded
    /// them and when; returns their new ids in order. Either all are written or none is.
    async fn add_activities(
        &self,
        activities: &[Activity],
        recorded_by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<i64>, StoreError>;

    /// The activities matching `filter`, newest first.
    async fn activities(&self, filter: &ActivityFilter) -> Result<Vec<Activity>, StoreError>;

    /// Which of these opinion ids exist.
    async fn existing_opinions(&self, ids: &[i64]) -> Result<Vec<i64>, StoreError>;

    /// Adds checked livelihood projects (their `id` ignored) with their supervisors and updates,
    /// in one transaction, stamped with who published them and when; returns their new ids in
    /// order. Either all are written or none is.
    async fn add_projects(
        &self,
        projects: &[Project],
        published_by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<i64>, StoreError>;

    /// The projects matching `filter` with their updates, newest year first.
    async fn projects(&self, filter: &ProjectFilter) -> Result<Vec<Project>, StoreError>;

    /// One project with its updates.
    async fn project(&self, id: i64) -> Result<Option<Project>, StoreError>;

    /// Saves `project`'s last update with its new progress and status, if nobody added an update
    /// since it was read (the stored updates are one fewer). Returns false, writing nothing, when
    /// someone did or the project is gone.
    async fn add_project_update(
        &self,
        project: &Project,
        recorded_by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<bool, StoreError>;

    /// Adds checked notices (their `id` ignored) in one transaction; returns their new ids in order.
    async fn add_notices(
        &self,
        notices: &[Notice],
        recorded_by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<i64>, StoreError>;

    /// The notices matching `filter`, newest publication first.
    async fn notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>, StoreError>;

    /// Stores the members accepted for one session of a station (replacing an earlier acceptance
    /// of that session) and bumps the catalog version, in one transaction.
    async fn set_rota(&self, rota: &AcceptedRota) -> Result<(), StoreError>;

    /// Removes the acceptance of one session of a station and bumps the catalog version; false,
    /// writing nothing, when there was none.
    async fn delete_rota(&self, station: &StationId, start: DateTime<FixedOffset>) -> Result<bool, StoreError>;

    /// Records a pending photo of an opinion, unless the opinion has `max` photos already (then
    /// `None`, writing nothing); [`StoreError::Duplicate`] when it has this very photo.
    async fn insert_photo(&self, photo: &NewPhoto<'_>, max: usize) -> Result<Option<Photo>, StoreError>;

    /// An opinion's photos, oldest first, whatever their status.
    async fn photos(&self, opinion_id: i64) -> Result<Vec<Photo>, StoreError>;

    /// Every photo row naming this file (one file can belong to several opinions).
    async fn photos_by_hash(&self, hash: &PhotoHash) -> Result<Vec<Photo>, StoreError>;

    /// For those of these opinions that have an approved photo: the oldest approved one's hash.
    async fn first_approved_photos(&self, opinion_ids: &[i64]) -> Result<Vec<(i64, PhotoHash)>, StoreError>;

    /// Moves `photo` to `to` and adds `entry` to its opinion's history, in one transaction, if its
    /// status is still `photo.status`; false, writing nothing, when someone decided first.
    async fn decide_photo(&self, photo: &Photo, to: PhotoStatus, entry: &AuditEntry) -> Result<bool, StoreError>;

    /// Writes a consistent copy of the whole database to the new file `dest`, while other
    /// connections keep reading and writing; [`StoreError::Refused`] when `dest` exists.
    async fn backup(&self, dest: &std::path::Path) -> Result<(), StoreError>;

    /// Registers a webhook.
    async fn add_webhook(
        &self,
        url: &str,
        events: &[crate::domain::outbox::EventType],
        secret: &str,
        by: &str,
    ) -> Result<WebhookRecord, StoreError>;

    /// The webhooks not deleted, oldest first.
    async fn webhooks(&self) -> Result<Vec<WebhookRecord>, StoreError>;

    /// Deletes a webhook (its undelivered events are no longer attempted); false if there is none.
    async fn delete_webhook(&self, id: i64) -> Result<bool, StoreError>;

    /// Takes up to `limit` outbox rows due at `now` for delivery, oldest first, and leases them
    /// until `lease_until` (a worker that dies mid-delivery leaves them due again then).
    async fn claim_outbox(
        &self,
        now: DateTime<chrono::Utc>,
        lease_until: DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<DueDelivery>, StoreError>;

    /// Logs one delivery attempt of outbox row `id` and what follows from it, in one transaction.
    async fn finish_attempt(&self, id: i64, attempt: &AttemptRecord, outcome: AttemptOutcome)
        -> Result<(), StoreError>;

    /// A webhook's deliveries, newest first, each with its attempts.
    async fn deliveries(&self, webhook_id: i64, limit: usize) -> Result<Vec<DeliveryRecord>, StoreError>;

    /// Makes delivery `id` of the webhook due again at `now` (delivered or not); false if the
    /// webhook has no such delivery.
    async fn replay_delivery(&self, webhook_id: i64, id: i64, now: DateTime<chrono::Utc>) -> Result<bool, StoreError>;

    /// Takes up to `limit` notices due at `now` to followers still following by one of
    /// `channels`, oldest first, and leases them until `lease_until` (as [`Store::claim_outbox`]);
    /// [`Store::finish_attempt`] records how each went.
    async fn claim_notices(
        &self,
        now: DateTime<chrono::Utc>,
        lease_until: DateTime<chrono::Utc>,
        limit: usize,
        channels: &[NoticeChannel],
    ) -> Result<Vec<DueNotice>, StoreError>;

    /// Stops the notices of every address left with unsubscribe token `token`, the ones queued
    /// but not sent too; false when no address has this token.
    async fn stop_following(&self, token: &str, at: DateTime<chrono::Utc>) -> Result<bool, StoreError>;
}

/// What a store's listener has heard so far (see [`Store::changes`]): the latest numbers the
/// database announced, and how often the listener has (re)connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Announced {
    /// The highest opinion change number announced (see [`Store::opinion_seq`]).
    pub opinion_seq: i64,
    /// The highest catalog version announced (see [`Store::catalog_version`]).
    pub catalog_version: i64,
    /// How many times the listener has connected. Announcements made while it was away are
    /// lost: after each (re)connection, whatever changed meanwhile must be read from the store.
    pub connections: u64,
}

/// The addresses one submission left to follow its opinion by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followers {
    pub addresses: Vec<(NoticeChannel, String)>,
    /// The language of the notices: `zh-CN` or `en`.
    pub lang: String,
    /// The unsubscribe token of every notice to these addresses.
    pub token: String,
}

/// A notice to queue with a change, for the followers reached by these channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeOrder {
    pub kind: NoticeKind,
    pub channels: Vec<NoticeChannel>,
}

/// A notice claimed for sending, with its follower and opinion.
#[derive(Debug, Clone)]
pub struct DueNotice {
    /// The outbox row.
    pub id: i64,
    /// The same on every attempt (the e-mail's Message-ID).
    pub event_id: String,
    pub kind: NoticeKind,
    /// Attempts made so far.
    pub attempts: u32,
    pub created_at: DateTime<chrono::Utc>,
    pub channel: NoticeChannel,
    pub address: String,
    pub lang: String,
    pub token: String,
    pub opinion_id: i64,
    pub code: TrackingCode,
}

/// A registered webhook.
#[derive(Debug, Clone)]
pub struct WebhookRecord {
    pub id: i64,
    pub url: String,
    pub events: Vec<crate::domain::outbox::EventType>,
    pub secret: String,
    pub created_at: DateTime<chrono::Utc>,
    pub created_by: String,
}

/// An outbox row claimed for delivery, with where it goes.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: String,
    pub event_type: String,
    /// The JSON body, exactly as it is sent and signed.
    pub payload: String,
    /// Attempts made so far.
    pub attempts: u32,
    pub created_at: DateTime<chrono::Utc>,
    pub url: String,
    pub secret: String,
}

/// One delivery attempt as the log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    pub at: DateTime<chrono::Utc>,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// What an attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    RetryAt(DateTime<chrono::Utc>),
    GiveUp,
}

/// One outbox row of a webhook, with its attempts.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub created_at: DateTime<chrono::Utc>,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<chrono::Utc>>,
    pub delivered_at: Option<DateTime<chrono::Utc>>,
    pub last_error: Option<String>,
    pub log: Vec<AttemptRecord>,
}
