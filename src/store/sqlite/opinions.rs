//! Opinions and their history in SQLite. Times are stored as RFC 3339 text with their offset.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{corrupt, parse_col, parse_opt, SqliteStore};
use crate::domain::{AuditEntry, Contact, LonLat, NewOpinion, Opinion, Routing, Stars, TrackingCode};
use crate::store::{OpinionFilter, StoreError};

const T: &str = "opinions";

fn time(row: &SqliteRow, id: &str, col: &str) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
    let text: Option<String> = row.try_get(col)?;
    text.map(|t| DateTime::parse_from_rfc3339(&t).map_err(|e| corrupt(T, id, format!("{col}: {e}")))).transpose()
}

pub(super) fn opinion_from_row(row: &SqliteRow) -> Result<Opinion, StoreError> {
    let id: i64 = row.try_get("id")?;
    let key = id.to_string();
    let k = key.as_str();
    let location = LonLat::new(row.try_get("lon")?, row.try_get("lat")?).map_err(|e| corrupt(T, k, e))?;
    let members: Vec<String> =
        serde_json::from_str(row.try_get::<&str, _>("members")?).map_err(|e| corrupt(T, k, e))?;
    let members = members.iter().map(|m| m.parse()).collect::<Result<_, _>>().map_err(|e| corrupt(T, k, e))?;
    let rating: Option<i64> = row.try_get("rating")?;
    let rating = rating.map(|r| Stars::new(r as u8)).transpose().map_err(|e| corrupt(T, k, e))?;
    let due: Option<String> = row.try_get("due_date")?;
    let due = due.map(|d| NaiveDate::from_str(&d)).transpose().map_err(|e| corrupt(T, k, e))?;
    let anonymous: i64 = row.try_get("anonymous")?;
    Ok(Opinion {
        id,
        code: parse_col(row, T, k, "tracking_code")?,
        submission: NewOpinion {
            category: parse_col(row, T, k, "category")?,
            title: row.try_get("title")?,
            text: row.try_get("body")?,
            location,
            channel: parse_col(row, T, k, "channel")?,
            anonymous: anonymous != 0,
            contact: Contact { name: row.try_get("contact_name")?, phone: row.try_get("contact_phone")? },
        },
        routing: Routing {
            town_code: parse_opt(row, T, k, "town_code")?,
            grid: parse_opt(row, T, k, "grid_id")?,
            station: parse_opt(row, T, k, "station_id")?,
            members,
        },
        status: parse_col(row, T, k, "status")?,
        version: row.try_get("version")?,
        department: row.try_get("department")?,
        due,
        reply_route: parse_opt(row, T, k, "reply_route")?,
        reply: row.try_get("reply")?,
        rating,
        rating_comment: row.try_get("rating_comment")?,
        created_at: time(row, k, "created_at")?.ok_or_else(|| corrupt(T, k, "created_at is missing"))?,
        registered_at: time(row, k, "registered_at")?,
        replied_at: time(row, k, "replied_at")?,
        closed_at: time(row, k, "closed_at")?,
    })
}

fn entry_from_row(row: &SqliteRow) -> Result<AuditEntry, StoreError> {
    let id: i64 = row.try_get("id")?;
    let k = id.to_string();
    let at: String = row.try_get("at")?;
    Ok(AuditEntry {
        at: DateTime::parse_from_rfc3339(&at).map_err(|e| corrupt("opinion_events", &k, e))?,
        actor: row.try_get("actor")?,
        from: parse_col(row, "opinion_events", &k, "from_status")?,
        to: parse_col(row, "opinion_events", &k, "to_status")?,
        event: row.try_get("event")?,
        note: row.try_get("note")?,
    })
}

async fn insert_entry(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    opinion_id: i64,
    e: &AuditEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO opinion_events (opinion_id, at, actor, from_status, to_status, event, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(opinion_id)
    .bind(e.at.to_rfc3339())
    .bind(&e.actor)
    .bind(e.from.code())
    .bind(e.to.code())
    .bind(&e.event)
    .bind(&e.note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts `o` whole (status, version, times and all) and returns its new id; `o.id` is ignored.
async fn insert_row(tx: &mut sqlx::Transaction<'_, Sqlite>, o: &Opinion) -> Result<i64, StoreError> {
    let members: Vec<&str> = o.routing.members.iter().map(|m| m.as_str()).collect();
    let new = &o.submission;
    let id = sqlx::query_scalar(
        "INSERT INTO opinions (tracking_code, category, title, body, lon, lat, channel, anonymous, contact_name,
             contact_phone, status, version, town_code, grid_id, station_id, members, department, due_date,
             reply_route, reply, rating, rating_comment, created_at, registered_at, replied_at, closed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(o.code.as_str())
    .bind(new.category.code())
    .bind(&new.title)
    .bind(&new.text)
    .bind(new.location.lon())
    .bind(new.location.lat())
    .bind(new.channel.code())
    .bind(new.anonymous as i64)
    .bind(&new.contact.name)
    .bind(&new.contact.phone)
    .bind(o.status.code())
    .bind(o.version)
    .bind(o.routing.town_code.as_ref().map(|c| c.as_str()))
    .bind(o.routing.grid.as_ref().map(|g| g.as_str()))
    .bind(o.routing.station.as_ref().map(|s| s.as_str()))
    .bind(serde_json::Value::from(members).to_string())
    .bind(&o.department)
    .bind(o.due.map(|d| d.to_string()))
    .bind(o.reply_route.map(|r| r.code()))
    .bind(&o.reply)
    .bind(o.rating.map(|r| r.get() as i64))
    .bind(&o.rating_comment)
    .bind(o.created_at.to_rfc3339())
    .bind(o.registered_at.map(|t| t.to_rfc3339()))
    .bind(o.replied_at.map(|t| t.to_rfc3339()))
    .bind(o.closed_at.map(|t| t.to_rfc3339()))
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// ` AND column IN (?, ?, …)` for a non-empty list of values (nothing for an empty one).
fn push_in(q: &mut QueryBuilder<'_, Sqlite>, column: &str, values: impl Iterator<Item = String>) {
    let mut values = values.peekable();
    if values.peek().is_none() {
        return;
    }
    q.push(format!(" AND {column} IN ("));
    let mut sep = q.separated(", ");
    for v in values {
        sep.push_bind(v);
    }
    q.push(")");
}

impl SqliteStore {
    pub(super) async fn insert_opinion_impl(
        &self,
        new: &NewOpinion,
        code: &TrackingCode,
        routing: &Routing,
        at: DateTime<FixedOffset>,
        actor: &str,
    ) -> Result<Opinion, StoreError> {
        let (mut opinion, entry) = Opinion::submitted(code.clone(), new.clone(), routing.clone(), at, actor);
        let mut tx = self.pool().begin().await?;
        opinion.id = insert_row(&mut tx, &opinion).await?;
        insert_entry(&mut tx, opinion.id, &entry).await?;
        tx.commit().await?;
        Ok(opinion)
    }

    pub(super) async fn insert_history_impl(&self, items: &[(Opinion, Vec<AuditEntry>)]) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for (opinion, entries) in items {
            let id = insert_row(&mut tx, opinion).await?;
            for e in entries {
                insert_entry(&mut tx, id, e).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn save_change_impl(&self, o: &Opinion, entry: &AuditEntry) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let updated = sqlx::query(
            "UPDATE opinions SET status = ?, version = ?, department = ?, due_date = ?, reply_route = ?, reply = ?,
                 rating = ?, rating_comment = ?, registered_at = ?, replied_at = ?, closed_at = ?
             WHERE id = ? AND version = ?",
        )
        .bind(o.status.code())
        .bind(o.version)
        .bind(&o.department)
        .bind(o.due.map(|d| d.to_string()))
        .bind(o.reply_route.map(|r| r.code()))
        .bind(&o.reply)
        .bind(o.rating.map(|r| r.get() as i64))
        .bind(&o.rating_comment)
        .bind(o.registered_at.map(|t| t.to_rfc3339()))
        .bind(o.replied_at.map(|t| t.to_rfc3339()))
        .bind(o.closed_at.map(|t| t.to_rfc3339()))
        .bind(o.id)
        .bind(o.version - 1)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        insert_entry(&mut tx, o.id, entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn opinion_where(&self, column: &str, value: &str) -> Result<Option<Opinion>, StoreError> {
        let row = sqlx::query(&format!("SELECT * FROM opinions WHERE {column} = ?"))
            .bind(value)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(opinion_from_row).transpose()
    }

    pub(super) async fn history_impl(&self, id: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query("SELECT * FROM opinion_events WHERE opinion_id = ? ORDER BY id")
            .bind(id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    pub(super) async fn list_opinions_impl(&self, f: &OpinionFilter) -> Result<Vec<Opinion>, StoreError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT * FROM opinions WHERE 1 = 1");
        push_in(&mut q, "status", f.statuses.iter().map(|s| s.code().to_owned()));
        if let Some(c) = f.category {
            q.push(" AND category = ").push_bind(c.code());
        }
        push_in(&mut q, "station_id", f.stations.iter().map(|s| s.as_str().to_owned()));
        push_in(&mut q, "grid_id", f.grids.iter().map(|g| g.as_str().to_owned()));
        if let Some(day) = f.overdue_on {
            q.push(" AND due_date < ").push_bind(day.to_string());
            q.push(" AND status IN ('registered', 'assigned', 'in_progress')");
        }
        if let Some(b) = &f.bbox {
            q.push(" AND lon BETWEEN ").push_bind(b.min_lon).push(" AND ").push_bind(b.max_lon);
            q.push(" AND lat BETWEEN ").push_bind(b.min_lat).push(" AND ").push_bind(b.max_lat);
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(f.limit as i64);
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(opinion_from_row).collect()
    }
}
