//! The application layer: one [`Service`] holding the catalog, the store, the live analytics and
//! the clock, with one method per use case (submit, change, rate, close unrated, inbox, lookups,
//! imports, refresh). The JSON API, pages, Open311, the CLI and the background jobs are adapters
//! that parse, call one method and render; none of them calls another. No axum, maud or sqlx here.
//!
//! Every write goes through this layer and brings the analytics up to date before it returns, so
//! no adapter has to remember to. Answers are typed views ([`views`], [`opinions`]) whose privacy
//! rules live in [`privacy`].

pub mod accounts;
pub mod activities;
pub mod analytics;
pub mod batch;
pub mod dashboard;
pub mod duty;
pub mod error;
pub mod feeds;
pub mod follow;
pub mod imports;
pub mod limits;
pub mod live;
pub mod lookups;
pub mod notices;
pub mod opinions;
pub mod photos;
pub mod planning;
pub mod privacy;
pub mod projects;
pub mod replicas;
pub mod rota;
pub mod staff;
pub mod views;
pub mod warnings;
pub mod webhooks;

use std::sync::{Arc, PoisonError, RwLock};

use arc_swap::ArcSwap;
use chrono::{DateTime, FixedOffset, Utc};

use crate::catalog::Catalog;
use crate::domain::schedule::shanghai;
use crate::store::Store;

pub use error::ServiceError;
pub use limits::{LoginLimit, SubmissionLimit};
pub use live::LiveFacts;

/// What tells the time: the system clock, or a fixed instant for reproducible answers.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(DateTime<FixedOffset>),
}

/// The results of a use case.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// The application: everything a use case needs, shared by every adapter (behind an `Arc`).
pub struct Service {
    catalog: ArcSwap<Catalog>,
    /// The catalog version the current catalog was built from.
    catalog_version: std::sync::atomic::AtomicI64,
    /// Held while the catalog is rebuilt, so that an older rebuild never replaces a newer one.
    reloading: tokio::sync::Mutex<()>,
    store: Arc<dyn Store>,
    facts: Arc<LiveFacts>,
    /// Recent analytics answers, while the facts stay the same.
    answers: Arc<analytics::Answers>,
    clock: RwLock<Clock>,
    submissions: SubmissionLimit,
    logins: LoginLimit,
    /// How duty records are scored.
    duty_rule: crate::analytics::duty::ScoringRule,
    /// Where photos of opinions are kept (`--photo-dir`).
    photo_files: Option<crate::store::PhotoFiles>,
    /// How notices reach citizens who follow their opinion; none without a sender.
    notices: Option<follow::Notices>,
    /// Whether webhooks may point at private, loopback or link-local addresses.
    private_webhooks: bool,
}

impl Service {
    /// A service over `store` with its reference data loaded; the analytics start empty until
    /// [`Service::refresh`] (the server calls it before it listens).
    pub async fn open(store: Arc<dyn Store>) -> Result<Self> {
        let version = store.catalog_version().await?;
        let data = store.load().await?;
        let catalog = Catalog::build(data);
        Ok(Self {
            catalog: ArcSwap::from_pointee(catalog),
            catalog_version: version.into(),
            reloading: tokio::sync::Mutex::default(),
            store,
            facts: Arc::default(),
            answers: Arc::default(),
            clock: RwLock::new(Clock::System),
            submissions: SubmissionLimit::per_hour(30),
            logins: LoginLimit::default(),
            duty_rule: Default::default(),
            photo_files: None,
            notices: None,
            private_webhooks: false,
        })
    }

    /// Limits submissions to `per_hour` per client (0: no limit).
    pub fn with_submission_limit(mut self, per_hour: u32) -> Self {
        self.submissions = SubmissionLimit::per_hour(per_hour);
        self
    }

    /// Scores duty records by `rule` instead of the shipped one.
    pub fn with_duty_rule(mut self, rule: crate::analytics::duty::ScoringRule) -> Self {
        self.duty_rule = rule;
        self
    }

    /// Lets webhooks point at private, loopback and link-local addresses (refused by default,
    /// so that an administrator's token cannot reach the server's own network).
    pub fn with_private_webhooks(mut self, allow: bool) -> Self {
        self.private_webhooks = allow;
        self
    }

    /// Sets what tells the time (tests fix it).
    pub fn set_clock(&self, clock: Clock) {
        *self.clock.write().unwrap_or_else(PoisonError::into_inner) = clock;
    }

    /// Now, in Asia/Shanghai time.
    pub fn now(&self) -> DateTime<FixedOffset> {
        match *self.clock.read().unwrap_or_else(PoisonError::into_inner) {
            Clock::System => Utc::now().with_timezone(&shanghai()),
            Clock::Fixed(t) => t.with_timezone(&shanghai()),
        }
    }

    /// The current catalog; a reader keeps its snapshot even if a new one is swapped in.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// The analytics' copy of the opinions.
    pub fn facts(&self) -> &Arc<LiveFacts> {
        &self.facts
    }

    /// Brings the analytics up to date with the store (other processes' writes too) and returns
    /// how many opinions changed.
    pub async fn refresh(&self) -> Result<usize> {
        Ok(self.facts.refresh(self.store.as_ref()).await?)
    }

    /// After a write: the analytics follow it; a failure is logged (the next refresh repairs it).
    async fn after_write(&self) {
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "cannot refresh the analytics");
        }
    }

    /// Rebuilds the catalog when another process changed the reference data, and swaps it in whole
    /// (readers never wait); then brings the analytics up to date. Returns the new version, if any.
    pub async fn reload_if_changed(&self) -> Result<Option<i64>> {
        self.after_write().await;
        let _one_at_a_time = self.reloading.lock().await;
        let seen = self.catalog_version.load(std::sync::atomic::Ordering::Acquire);
        let version = self.store.catalog_version().await?;
        if version == seen {
            return Ok(None);
        }
        let data = self.store.load().await?;
        let catalog = tokio::task::spawn_blocking(move || Catalog::build(data))
            .await
            .map_err(|e| ServiceError::Internal(format!("catalog build: {e}")))?;
        self.catalog.store(Arc::new(catalog));
        self.catalog_version.store(version, std::sync::atomic::Ordering::Release);
        Ok(Some(version))
    }

    /// The catalog version the current catalog was built from.
    pub fn catalog_version(&self) -> i64 {
        self.catalog_version.load(std::sync::atomic::Ordering::Acquire)
    }
}
