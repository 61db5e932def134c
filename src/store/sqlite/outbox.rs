//! Webhooks, the transactional outbox and its delivery log in SQLite (migration 0011). Times are
//! UTC RFC 3339 text with milliseconds and a Z, so that text order is time order.

use chrono::{DateTime, Utc};
use sqlx::Sqlite;

use super::SqliteStore;
use crate::domain::outbox::{EventType, OutboxEvent};
use crate::store::rows::{
    attempt_from_row, delivery_from_row, due_from_row, event_id, events_text, stamp, webhook_from_row, Columns,
};
use crate::store::{AttemptOutcome, AttemptRecord, DeliveryRecord, DueDelivery, StoreError, WebhookRecord};

/// Writes `events` into the outbox inside `tx`, one row per live webhook that wants each, due
/// at once.
pub(super) async fn write_events(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    events: &[OutboxEvent],
) -> Result<(), StoreError> {
    let now = stamp(Utc::now());
    for e in events {
        let id = event_id()?;
        let mut payload = e.payload.clone();
        payload["id"] = id.clone().into();
        sqlx::query(
            "INSERT INTO outbox (kind, event_id, event_type, payload, target, created_at, next_attempt_at)
             SELECT 'webhook', ?, ?, ?, CAST(w.id AS TEXT), ?, ?
             FROM webhooks w
             WHERE w.deleted_at IS NULL AND EXISTS (SELECT 1 FROM json_each(w.events) WHERE value = ?)
             ORDER BY w.id",
        )
        .bind(&id)
        .bind(e.event_type.code())
        .bind(payload.to_string())
        .bind(&now)
        .bind(&now)
        .bind(e.event_type.code())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl SqliteStore {
    pub(super) async fn add_webhook_impl(
        &self,
        url: &str,
        events: &[EventType],
        secret: &str,
        by: &str,
    ) -> Result<WebhookRecord, StoreError> {
        let row = sqlx::query(
            "INSERT INTO webhooks (url, events, secret, created_at, created_by) VALUES (?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(url)
        .bind(events_text(events))
        .bind(secret)
        .bind(stamp(Utc::now()))
        .bind(by)
        .fetch_one(self.pool())
        .await?;
        webhook_from_row(&row)
    }

    pub(super) async fn webhooks_impl(&self) -> Result<Vec<WebhookRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM webhooks WHERE deleted_at IS NULL ORDER BY id").fetch_all(self.pool()).await?;
        rows.iter().map(webhook_from_row).collect()
    }

    pub(super) async fn delete_webhook_impl(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE webhooks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL")
            .bind(stamp(Utc::now()))
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn claim_outbox_impl(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let mut tx = self.pool().begin().await?;
        // The lease first, as the transaction's first write: it makes this the one writer, so
        // that no other claim takes the same rows.
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE outbox SET next_attempt_at = ?
             WHERE id IN (SELECT o.id FROM outbox o JOIN webhooks w ON w.id = CAST(o.target AS INTEGER)
                          WHERE o.kind = 'webhook' AND o.delivered_at IS NULL AND o.next_attempt_at IS NOT NULL
                            AND o.next_attempt_at <= ? AND w.deleted_at IS NULL
                          ORDER BY o.next_attempt_at, o.id LIMIT ?)
             RETURNING id",
        )
        .bind(stamp(lease_until))
        .bind(stamp(now))
        .bind(limit as i64)
        .fetch_all(&mut *tx)
        .await?;
        let mut due = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(
                "SELECT o.id, o.event_id, o.event_type, o.payload, o.attempts, o.created_at, w.id AS webhook_id, w.url, w.secret
                 FROM outbox o JOIN webhooks w ON w.id = CAST(o.target AS INTEGER) WHERE o.id = ?",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            due.push(due_from_row(&row)?);
        }
        tx.commit().await?;
        due.sort_by_key(|d| d.id);
        Ok(due)
    }

    pub(super) async fn finish_attempt_impl(
        &self,
        id: i64,
        attempt: &AttemptRecord,
        outcome: AttemptOutcome,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        let (next, delivered) = match outcome {
            AttemptOutcome::Delivered => (None, Some(stamp(attempt.at))),
            AttemptOutcome::RetryAt(t) => (Some(stamp(t)), None),
            AttemptOutcome::GiveUp => (None, None),
        };
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, delivered_at = ?, last_error = ? WHERE id = ?",
        )
        .bind(next)
        .bind(delivered)
        .bind(&attempt.error)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO outbox_attempts (outbox_id, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(stamp(attempt.at))
        .bind(attempt.status.map(i64::from))
        .bind(&attempt.error)
        .bind(attempt.duration_ms.min(i64::MAX as u64) as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn deliveries_impl(
        &self,
        webhook_id: i64,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM outbox WHERE kind = 'webhook' AND target = CAST(? AS TEXT) ORDER BY id DESC LIMIT ?",
        )
        .bind(webhook_id)
        .bind(limit as i64)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.col("id")?;
            let attempts = sqlx::query("SELECT * FROM outbox_attempts WHERE outbox_id = ? ORDER BY id")
                .bind(id)
                .fetch_all(self.pool())
                .await?;
            out.push(delivery_from_row(&row, attempts.iter().map(attempt_from_row).collect::<Result<_, _>>()?)?);
        }
        Ok(out)
    }

    pub(super) async fn replay_delivery_impl(
        &self,
        webhook_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET next_attempt_at = ?, delivered_at = NULL, last_error = NULL
             WHERE id = ? AND kind = 'webhook' AND target = CAST(? AS TEXT)",
        )
        .bind(stamp(now))
        .bind(id)
        .bind(webhook_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
