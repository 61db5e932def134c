//! Persistence. `Store` is the one interface the rest of the service sees; each backend has its
//! own implementation and migrations folder, applied at start-up. SQL lives only in this module.

pub mod sqlite;

use async_trait::async_trait;

use crate::catalog::CatalogData;
use crate::domain::{AdminArea, GridArea, Member, Station};

pub use sqlite::SqliteStore;

/// A failure of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored {table} row {id:?} is unreadable: {message}")]
    Corrupt { table: &'static str, id: String, message: String },
}

/// Records of one kind to insert or update by id (code for areas).
#[derive(Debug, Clone)]
pub enum Batch {
    Areas(Vec<AdminArea>),
    Stations(Vec<Station>),
    Members(Vec<Member>),
    Grids(Vec<GridArea>),
}

impl Batch {
    pub fn len(&self) -> usize {
        match self {
            Batch::Areas(v) => v.len(),
            Batch::Stations(v) => v.len(),
            Batch::Members(v) => v.len(),
            Batch::Grids(v) => v.len(),
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

/// Called with the number of records written so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Send + Sync);

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Every record of reference data.
    async fn load(&self) -> Result<CatalogData, StoreError>;

    /// A number that changes whenever reference data changes.
    async fn catalog_version(&self) -> Result<i64, StoreError>;

    async fn station_count(&self) -> Result<i64, StoreError>;

    /// Upserts all batches in one transaction: either every record is written or none is.
    async fn write(&self, batches: &[Batch], progress: Progress<'_>) -> Result<WriteReport, StoreError>;
}
