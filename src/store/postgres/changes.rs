//! Announcing commits to the other replicas on one database, and hearing theirs. A transaction
//! that writes opinions or reference data sends `NOTIFY liaison, 'opinions:SEQ'` or
//! `'catalog:VERSION'` (with `pg_notify`, so that PostgreSQL delivers it only if and when the
//! transaction commits); each replica keeps one connection listening on the channel.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::watch;

use crate::store::{Announced, StoreError};

/// The channel every replica listens on.
const CHANNEL: &str = "liaison";

/// The first wait before connecting again after the listening connection failed; it doubles up
/// to [`RETRY_MAX`].
const RETRY_MIN: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(10);

/// What changed, as the payload names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    /// The opinions, up to a change number (`counters.opinions`).
    Opinions,
    /// The reference data, now at a version (`catalog_version`).
    Catalog,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Opinions => "opinions",
            Table::Catalog => "catalog",
        }
    }
}

/// Tells the listeners, when `tx` commits, that `table` is now at `number`.
pub(super) async fn announce(tx: &mut Transaction<'_, Postgres>, table: Table, number: i64) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(format!("{}:{number}", table.name()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Bumps the catalog version within `tx` and announces it.
pub(super) async fn bump_catalog_version(tx: &mut Transaction<'_, Postgres>) -> Result<i64, StoreError> {
    let version: i64 =
        sqlx::query_scalar("UPDATE catalog_version SET version = version + 1 WHERE id = 1 RETURNING version")
            .fetch_one(&mut **tx)
            .await?;
    announce(tx, Table::Catalog, version).await?;
    Ok(version)
}

/// Reads a payload written by [`announce`].
///
/// ```text
/// "opinions:42" -> (Opinions, 42); "catalog:7" -> (Catalog, 7); anything else -> None
/// ```
fn parse(payload: &str) -> Option<(Table, i64)> {
    let (table, number) = payload.split_once(':')?;
    let table = match table {
        "opinions" => Table::Opinions,
        "catalog" => Table::Catalog,
        _ => return None,
    };
    Some((table, number.parse().ok()?))
}

/// Starts a task that listens on a connection of its own (with `pool`'s options) and tells the
/// receiver what it hears; it ends when the receiver is dropped or `pool` closes.
pub(super) fn listen(pool: PgPool) -> watch::Receiver<Announced> {
    let (tx, rx) = watch::channel(Announced::default());
    tokio::spawn(async move {
        tokio::select! {
            _ = tx.closed() => {}
            _ = pool.close_event() => {}
            _ = keep_listening(&pool, &tx) => {}
        }
    });
    rx
}

/// Listens, connecting again whenever the connection fails; counts every connection made
/// (the receiver then catches up on what it missed).
async fn keep_listening(pool: &PgPool, out: &watch::Sender<Announced>) {
    let mut wait = RETRY_MIN;
    loop {
        match connect(pool).await {
            Ok(mut listener) => {
                wait = RETRY_MIN;
                out.send_modify(|a| a.connections += 1);
                let lost = loop {
                    match listener.try_recv().await {
                        Ok(Some(n)) => match parse(n.payload()) {
                            Some((Table::Opinions, seq)) => {
                                out.send_if_modified(|a| raise(&mut a.opinion_seq, seq));
                            }
                            Some((Table::Catalog, version)) => {
                                out.send_if_modified(|a| raise(&mut a.catalog_version, version));
                            }
                            None => tracing::warn!(payload = n.payload(), "unknown announcement"),
                        },
                        Ok(None) => break "the connection closed".to_owned(),
                        Err(e) => break e.to_string(),
                    }
                };
                tracing::warn!(error = %lost, "stopped hearing other replicas' writes; connecting again");
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for other replicas' writes; trying again"),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(RETRY_MAX);
    }
}

/// Sets `to` to `number` if that is higher; whether it was.
fn raise(to: &mut i64, number: i64) -> bool {
    let higher = number > *to;
    if higher {
        *to = number;
    }
    higher
}

/// A connection listening on [`CHANNEL`], outside the store's pool (it is held for good).
async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let own = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with((*pool.connect_options()).clone())
        .await?;
    let mut listener = PgListener::connect_with(&own).await?;
    // A lost connection ends `try_recv` without connecting again, so that the loop above counts
    // the new connection only once it listens.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_a_table_and_a_number() {
        assert_eq!(parse("opinions:42"), Some((Table::Opinions, 42)));
        assert_eq!(parse("catalog:7"), Some((Table::Catalog, 7)));
        for bad in ["opinions", "opinions:", "opinions:x", "stations:3", ":3", ""] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn announced_numbers_only_rise() {
        let mut at = 5;
        assert!(!raise(&mut at, 4));
        assert!(!raise(&mut at, 5));
        assert!(raise(&mut at, 9));
        assert_eq!(at, 9);
    }
}
