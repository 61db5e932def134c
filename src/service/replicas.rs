//! Several replicas on one database: each keeps its own catalog and analytics, and follows what
//! the others write as the store announces it (PostgreSQL's NOTIFY), within moments instead of at
//! the next `--reload-secs` check.

use std::time::Duration;

use super::Service;

/// How long to let a burst of announcements gather before reading what they announced.
const SETTLE: Duration = Duration::from_millis(50);

impl Service {
    /// Follows the store's announcements until the store closes: reads the opinions written
    /// since the last refresh when a higher change number is announced, rebuilds the catalog
    /// when a higher version is, and after each (re)connection of the store's listener does
    /// both (what was announced while it was away is lost). Announcements of this replica's own
    /// writes, already read, cost nothing. Returns at once on a store that announces nothing
    /// (SQLite).
    pub async fn follow_changes(&self) {
        let Some(mut heard) = self.store.changes() else { return };
        let mut connections = 0;
        while heard.changed().await.is_ok() {
            tokio::time::sleep(SETTLE).await;
            let now = *heard.borrow_and_update();
            let resumed = now.connections != connections;
            connections = now.connections;
            if resumed || now.catalog_version > self.catalog_version() {
                // Brings the analytics up to date first, then the catalog if its version moved.
                match self.reload_if_changed().await {
                    Ok(Some(version)) => {
                        crate::metrics::catalog_version(version);
                        tracing::info!(version, "catalog reloaded: another replica changed it");
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot follow other replicas' writes"),
                }
            } else if now.opinion_seq > self.facts.read().seq {
                if let Err(e) = self.refresh().await {
                    tracing::warn!(error = %e, "cannot follow other replicas' writes");
                }
            }
        }
    }
}
