//! Citizens following their opinion, in PostgreSQL (migrations/postgres/0002), and their notices, queued in the outbox of
//! migration 0011 as rows of kind `notice` whose target is the follower's id. Times are UTC
//! RFC 3339 text with milliseconds and a Z, as the outbox's.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};

use super::PgStore;
use crate::domain::follow::NoticeChannel;
use crate::store::rows::{due_notice_from_row, stamp};
use crate::store::{DueNotice, Followers, NoticeOrder, StoreError};

/// Records the addresses `f` follows opinion `opinion_id` by, inside `tx`.
pub(super) async fn insert_followers(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    opinion_id: i64,
    f: &Followers,
) -> Result<(), StoreError> {
    let now = stamp(Utc::now());
    for (channel, address) in &f.addresses {
        sqlx::query(
            "INSERT INTO opinion_followers (opinion_id, channel, address, lang, token, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(opinion_id)
        .bind(channel.code())
        .bind(address)
        .bind(&f.lang)
        .bind(&f.token)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Queues notice `n` of opinion `opinion_id` inside `tx`: one outbox row, due at once, per
/// follower still following by one of its channels, each with an event id of its own.
pub(super) async fn queue_notice(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    opinion_id: i64,
    n: &NoticeOrder,
) -> Result<(), StoreError> {
    if n.channels.is_empty() {
        return Ok(());
    }
    let now = stamp(Utc::now());
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "INSERT INTO outbox (kind, event_id, event_type, payload, target, created_at, next_attempt_at)
         SELECT 'notice', replace(gen_random_uuid()::text, '-', ''), ",
    );
    q.push_bind(n.kind.event_type())
        .push(", jsonb_build_object('notice', ")
        .push_bind(n.kind.code())
        .push("::text, 'opinion_id', f.opinion_id)::text, f.id::text, ")
        .push_bind(now.clone())
        .push(", ")
        .push_bind(now)
        .push(" FROM opinion_followers f WHERE f.stopped_at IS NULL AND f.opinion_id = ")
        .push_bind(opinion_id)
        .push(" AND f.channel IN (");
    let mut sep = q.separated(", ");
    for c in &n.channels {
        sep.push_bind(c.code());
    }
    q.push(") ORDER BY f.id");
    q.build().execute(&mut **tx).await?;
    Ok(())
}

impl PgStore {
    pub(super) async fn claim_notices_impl(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
        channels: &[NoticeChannel],
    ) -> Result<Vec<DueNotice>, StoreError> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool().begin().await?;
        // Rows another worker is claiming are skipped, never taken twice (see claim_outbox).
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new("UPDATE outbox SET next_attempt_at = ");
        q.push_bind(stamp(lease_until))
            .push(
                " WHERE id IN (SELECT o.id FROM outbox o JOIN opinion_followers f ON f.id::text = o.target
                  WHERE o.kind = 'notice' AND o.delivered_at IS NULL AND o.next_attempt_at IS NOT NULL
                    AND o.next_attempt_at <= ",
            )
            .push_bind(stamp(now))
            .push(" AND f.stopped_at IS NULL AND f.channel IN (");
        let mut sep = q.separated(", ");
        for c in channels {
            sep.push_bind(c.code());
        }
        q.push(") ORDER BY o.next_attempt_at, o.id LIMIT ")
            .push_bind(limit.min(i64::MAX as usize) as i64)
            .push(" FOR UPDATE OF o SKIP LOCKED) RETURNING id");
        let ids: Vec<i64> = q.build_query_scalar().fetch_all(&mut *tx).await?;
        let mut due = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(
                "SELECT o.event_id, o.event_type, o.attempts, o.created_at, f.channel, f.address, f.lang, f.token,
                        f.opinion_id, p.tracking_code
                 FROM outbox o JOIN opinion_followers f ON f.id::text = o.target
                      JOIN opinions p ON p.id = f.opinion_id
                 WHERE o.id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            due.push(due_notice_from_row(&row, id)?);
        }
        tx.commit().await?;
        due.sort_by_key(|d| d.id);
        Ok(due)
    }

    pub(super) async fn stop_following_impl(&self, token: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        // It matches every address of the token, stopped or not.
        let known = sqlx::query("UPDATE opinion_followers SET stopped_at = coalesce(stopped_at, $1) WHERE token = $2")
            .bind(stamp(at))
            .bind(token)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if known == 0 {
            return Ok(false);
        }
        // What is queued and not sent is given up, so that the outbox shows nothing waiting.
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = NULL, last_error = 'unsubscribed'
             WHERE kind = 'notice' AND delivered_at IS NULL AND next_attempt_at IS NOT NULL
               AND target IN (SELECT id::text FROM opinion_followers WHERE token = $1)",
        )
        .bind(token)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
