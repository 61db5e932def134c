//! The analytics' live copy of the opinions: [`Facts`] kept equal to the store by reading only
//! what changed since the last refresh (the store stamps every write with a change number).

use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use crate::analytics::{Facts, FactsBuilder};
use crate::store::{Store, StoreError};

/// The analytics' copy of the opinions, brought up to date with the store by [`LiveFacts::refresh`]
/// after every write and on a timer (for writes by other processes).
#[derive(Debug, Default)]
pub struct LiveFacts {
    facts: RwLock<Facts>,
    syncing: tokio::sync::Mutex<()>,
    /// Whether the metrics have been given the counts once.
    reported: std::sync::atomic::AtomicBool,
}

impl LiveFacts {
    /// The facts as they are now; hold the guard only while computing.
    pub fn read(&self) -> RwLockReadGuard<'_, Facts> {
        self.facts.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads what changed in the store since the last refresh (the first time: everything) and
    /// returns how many opinions that was.
    pub async fn refresh(&self, store: &dyn Store) -> Result<usize, StoreError> {
        let _one_at_a_time = self.syncing.lock().await;
        let started = std::time::Instant::now();
        let n = self.refresh_locked(store).await?;
        // Report real refreshes (and the first, even of nothing), not the checks that found no change.
        if n > 0 || !self.reported.swap(true, std::sync::atomic::Ordering::Relaxed) {
            crate::metrics::analytics_refreshed(started.elapsed().as_secs_f64());
            // Counting a byte column: about a millisecond for a million opinions.
            for (status, count) in self.read().count_by_status() {
                crate::metrics::opinions_in_status(status.code(), count);
            }
        }
        Ok(n)
    }

    async fn refresh_locked(&self, store: &dyn Store) -> Result<usize, StoreError> {
        let (after, rows) = {
            let facts = self.read();
            (facts.seq, facts.len())
        };
        let upto = store.opinion_seq().await?;
        if upto == after {
            return Ok(0);
        }
        let mut n = 0usize;
        // At most `upto - after` rows changed: when that may be most of them (the first load, a
        // big import by another process), build afresh, sorted, while readers keep the old copy.
        if after == 0 || (upto - after) as usize > rows / 2 {
            let mut builder = FactsBuilder::default();
            let seq = store
                .opinion_facts(0, &mut |f| {
                    builder.add(&f);
                    n += 1;
                })
                .await?;
            let fresh = builder.finish(seq);
            *self.facts.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        } else {
            let facts = &self.facts;
            let seq = store
                .opinion_facts(after, &mut |f| {
                    facts.write().unwrap_or_else(PoisonError::into_inner).upsert(&f);
                    n += 1;
                })
                .await?;
            facts.write().unwrap_or_else(PoisonError::into_inner).seq = seq;
        }
        Ok(n)
    }
}
