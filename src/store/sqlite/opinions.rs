//! Opinions and their history in SQLite. Times are stored as RFC 3339 text with their offset.

use chrono::{DateTime, FixedOffset};
use sqlx::{QueryBuilder, Sqlite};

use super::SqliteStore;
use crate::domain::{AuditEntry, NewOpinion, Opinion, OpinionFact, Routing, TrackingCode};
use crate::store::rows::{
    corrupt, entry_from_row, fact_from_columns, members_text, opinion_from_row, rederived, FACT_COLUMNS,
};
use crate::store::{FactSink, OpinionFilter, OpinionRecord, Progress, RecordSource, StoreError, WriteReport};

const T: &str = "opinions";

pub(super) async fn insert_entry(
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

/// Takes the next `n` change numbers (see migration 0003) and returns the first. As the first
/// write of a transaction it also makes the transaction the one writer.
async fn take_seq(tx: &mut sqlx::Transaction<'_, Sqlite>, n: i64) -> Result<i64, StoreError> {
    let last: i64 = sqlx::query_scalar("UPDATE counters SET value = value + ? WHERE name = 'opinions' RETURNING value")
        .bind(n)
        .fetch_one(&mut **tx)
        .await?;
    Ok(last - n + 1)
}

/// Inserts `o` whole (status, version, times and all) with change number `seq` and returns its
/// new id; `o.id` is ignored.
async fn insert_row(tx: &mut sqlx::Transaction<'_, Sqlite>, o: &Opinion, seq: i64) -> Result<i64, StoreError> {
    let new = &o.submission;
    let id = sqlx::query_scalar(
        "INSERT INTO opinions (tracking_code, category, title, body, lon, lat, channel, anonymous, contact_name,
             contact_phone, status, version, town_code, grid_id, station_id, members, department, due_date,
             reply_route, reply, rating, rating_comment, created_at, registered_at, replied_at, closed_at, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
    .bind(members_text(&o.routing))
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
    .bind(seq)
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
        followers: Option<&crate::store::Followers>,
    ) -> Result<Opinion, StoreError> {
        let (mut opinion, entry) = Opinion::submitted(code.clone(), new.clone(), routing.clone(), at, actor);
        let mut tx = self.pool().begin().await?;
        let seq = take_seq(&mut tx, 1).await?;
        opinion.id = insert_row(&mut tx, &opinion, seq).await?;
        insert_entry(&mut tx, opinion.id, &entry).await?;
        super::outbox::write_events(&mut tx, &crate::domain::outbox::on_created(&opinion)).await?;
        if let Some(f) = followers {
            super::follow::insert_followers(&mut tx, opinion.id, f).await?;
        }
        tx.commit().await?;
        Ok(opinion)
    }

    pub(super) async fn insert_history_impl(&self, items: &[(Opinion, Vec<AuditEntry>)]) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        let first = take_seq(&mut tx, items.len() as i64).await?;
        for (seq, (opinion, entries)) in (first..).zip(items) {
            let id = insert_row(&mut tx, opinion, seq).await?;
            for e in entries {
                insert_entry(&mut tx, id, e).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn save_change_impl(
        &self,
        o: &Opinion,
        entry: &AuditEntry,
        notice: Option<&crate::store::NoticeOrder>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let seq = take_seq(&mut tx, 1).await?;
        let updated = sqlx::query(
            "UPDATE opinions SET status = ?, version = ?, department = ?, due_date = ?, reply_route = ?, reply = ?,
                 rating = ?, rating_comment = ?, registered_at = ?, replied_at = ?, closed_at = ?, seq = ?
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
        .bind(seq)
        .bind(o.id)
        .bind(o.version - 1)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        insert_entry(&mut tx, o.id, entry).await?;
        super::outbox::write_events(&mut tx, &crate::domain::outbox::on_change(o, entry)).await?;
        if let Some(n) = notice {
            super::follow::queue_notice(&mut tx, o.id, n).await?;
        }
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
        if let Some(t) = &f.town {
            q.push(" AND town_code = ").push_bind(t.as_str().to_owned());
        }
        match &f.member {
            None => push_in(&mut q, "grid_id", f.grids.iter().map(|g| g.as_str().to_owned())),
            Some(m) => {
                q.push(" AND (");
                if !f.grids.is_empty() {
                    q.push("grid_id IN (");
                    let mut sep = q.separated(", ");
                    for g in &f.grids {
                        sep.push_bind(g.as_str().to_owned());
                    }
                    q.push(") OR ");
                }
                q.push("EXISTS (SELECT 1 FROM json_each(opinions.members) WHERE value = ")
                    .push_bind(m.as_str().to_owned());
                q.push("))");
            }
        }
        if let Some(day) = f.overdue_on {
            q.push(" AND due_date < ").push_bind(day.to_string());
            q.push(" AND status IN ('registered', 'assigned', 'in_progress')");
        }
        if let Some(b) = &f.bbox {
            q.push(" AND lon BETWEEN ").push_bind(b.min_lon).push(" AND ").push_bind(b.max_lon);
            q.push(" AND lat BETWEEN ").push_bind(b.min_lat).push(" AND ").push_bind(b.max_lat);
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::try_from(f.limit).unwrap_or(i64::MAX));
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(opinion_from_row).collect()
    }
}

/// One row of `FACT_COLUMNS` as a fact, borrowing its texts from the row.
fn fact_from_row<'r>(row: &'r rusqlite::Row<'_>) -> Result<OpinionFact<'r>, StoreError> {
    let id: i64 = row.get(0)?;
    let text = |i: usize| -> Result<Option<&'r str>, StoreError> {
        row.get_ref(i)?.as_str_or_null().map_err(|e| {
            corrupt(T, &id.to_string(), format!("{}: {e}", FACT_COLUMNS.split(", ").nth(i).unwrap_or("?")))
        })
    };
    fact_from_columns(id, row.get(1)?, row.get(2)?, row.get(5)?, text)
}

/// Rows per INSERT of a bulk import. One statement for many rows matters: SQLite builds a small
/// lookup table for each `IN (…)` CHECK constraint every time a statement runs.
const ROWS_PER_INSERT: usize = 400;

/// An upsert by external id of `rows` records, 18 parameters each.
fn upsert_sql(rows: usize) -> String {
    let row = "(?, ?, ?, '', ?, ?, 'online', 1, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    format!(
        "INSERT INTO opinions (tracking_code, category, title, body, lon, lat, channel, anonymous, status, version,
             town_code, grid_id, station_id, members, due_date, rating, created_at, registered_at, replied_at,
             closed_at, seq, external_id)
         VALUES {}
         ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO UPDATE SET
             category = excluded.category, lon = excluded.lon, lat = excluded.lat, status = excluded.status,
             version = opinions.version + 1, town_code = excluded.town_code, grid_id = excluded.grid_id,
             station_id = excluded.station_id, members = excluded.members, due_date = excluded.due_date,
             rating = excluded.rating, created_at = excluded.created_at, registered_at = excluded.registered_at,
             replied_at = excluded.replied_at, closed_at = excluded.closed_at, seq = excluded.seq",
        vec![row; rows].join(", ")
    )
}

/// Upserts `records`, numbered from change number `seq`; on the `attempt`-th retry after a
/// tracking-code collision, with codes derived afresh.
fn upsert(tx: &rusqlite::Transaction<'_>, records: &[OpinionRecord], seq: i64, attempt: u32) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(&upsert_sql(records.len()))?;
    let time = |t: Option<DateTime<FixedOffset>>| t.map(|t| t.to_rfc3339());
    let mut i = 0;
    let mut bind = |v: &dyn rusqlite::ToSql| {
        i += 1;
        stmt.raw_bind_parameter(i, v)
    };
    for (r, seq) in records.iter().zip(seq..) {
        let code = if attempt == 0 { r.code.clone() } else { rederived(&r.code, attempt) };
        bind(&code.as_str())?;
        bind(&r.category.code())?;
        bind(&r.category.label_zh())?;
        bind(&r.location.lon())?;
        bind(&r.location.lat())?;
        bind(&r.status.code())?;
        bind(&r.routing.town_code.as_ref().map(|c| c.as_str()))?;
        bind(&r.routing.grid.as_ref().map(|g| g.as_str()))?;
        bind(&r.routing.station.as_ref().map(|s| s.as_str()))?;
        bind(&members_text(&r.routing))?;
        bind(&r.due.map(|d| d.to_string()))?;
        bind(&r.rating.map(|s| i64::from(s.get())))?;
        bind(&r.created_at.to_rfc3339())?;
        bind(&time(r.registered_at))?;
        bind(&time(r.replied_at))?;
        bind(&time(r.closed_at))?;
        bind(&seq)?;
        bind(&r.external_id)?;
    }
    stmt.raw_execute()?;
    Ok(())
}

fn is_code_collision(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, Some(m))
        if f.code == rusqlite::ErrorCode::ConstraintViolation && m.contains("tracking_code"))
}

/// From a first batch this big, an import drops the opinions' plain indexes and builds them again
/// at the end, in the same transaction: building an index once is much cheaper than updating it
/// row by row. Unique indexes stay, since they decide conflicts.
const BULK_ROWS: usize = 10_000;

/// Drops the non-unique indexes of `opinions` and returns the statements that create them again.
fn drop_plain_indexes(tx: &rusqlite::Transaction<'_>) -> Result<Vec<String>, StoreError> {
    let indexes: Vec<(String, String)> = tx
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'opinions' AND sql IS NOT NULL
                 AND sql NOT LIKE 'CREATE UNIQUE%'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, _) in &indexes {
        tx.execute(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")), [])?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

impl SqliteStore {
    /// A bulk import on a plain SQLite connection of its own, one prepared statement a row: sqlx
    /// hands every statement to a worker thread, which costs more than SQLite's work here.
    pub(super) fn import_opinions_impl(
        &self,
        source: RecordSource<'_>,
        progress: Progress<'_>,
    ) -> Result<WriteReport, StoreError> {
        let mut conn = rusqlite::Connection::open(&self.path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // A bigger page cache (1 GiB) for this connection: the indexes of millions of rows. Statement
        // journals (each INSERT of many rows keeps one, to undo itself alone) in memory, not in
        // temporary files.
        conn.execute_batch("PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY")?;
        // IMMEDIATE: the one writer from the start, so the change numbers taken below stay ours.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut seq: i64 = tx.query_row("SELECT value FROM counters WHERE name = 'opinions'", [], |r| r.get(0))?;
        let before: i64 = tx.query_row("SELECT count(*) FROM opinions", [], |r| r.get(0))?;
        let mut total = 0usize;
        let mut rebuild = Vec::new();
        while let Some(batch) = source().map_err(StoreError::Refused)? {
            if total == 0 && batch.len() >= BULK_ROWS {
                rebuild = drop_plain_indexes(&tx)?;
            }
            for chunk in batch.chunks(ROWS_PER_INSERT) {
                let mut attempt = 0;
                // A failed statement is undone alone; the transaction goes on.
                while let Err(e) = upsert(&tx, chunk, seq + 1, attempt) {
                    if !is_code_collision(&e) || attempt >= 5 {
                        return Err(e.into());
                    }
                    attempt += 1;
                }
                seq += chunk.len() as i64;
            }
            total += batch.len();
            progress(total as u64);
        }
        for sql in rebuild {
            tx.execute(&sql, [])?;
        }
        tx.execute("UPDATE counters SET value = ?1 WHERE name = 'opinions'", [seq])?;
        let after: i64 = tx.query_row("SELECT count(*) FROM opinions", [], |r| r.get(0))?;
        tx.commit()?;
        let inserted = (after - before) as usize;
        Ok(WriteReport { inserted, updated: total - inserted })
    }

    pub(super) async fn opinion_seq_impl(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM counters WHERE name = 'opinions'").fetch_one(self.pool()).await?)
    }

    /// Reads facts on a plain SQLite connection of its own: sqlx hands rows one by one across
    /// threads, which makes reading millions of rows several times slower.
    pub(super) fn opinion_facts_impl(&self, after: i64, sink: FactSink<'_>) -> Result<i64, StoreError> {
        let mut reader = self.reader.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if reader.is_none() {
            let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = rusqlite::Connection::open_with_flags(&self.path, flags)?;
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            *reader = Some(conn);
        }
        let Some(conn) = reader.as_mut() else { unreachable!("opened above") };
        // One read transaction: the counter and the rows come from the same snapshot.
        let tx = conn.transaction()?;
        let upto: i64 = tx.query_row("SELECT value FROM counters WHERE name = 'opinions'", [], |r| r.get(0))?;
        // Everything: scan the table in order (`+seq` keeps SQLite off the seq index); a few
        // changes: look them up by the index.
        let seq = if after == 0 { "+seq" } else { "seq" };
        let mut stmt =
            tx.prepare_cached(&format!("SELECT {FACT_COLUMNS} FROM opinions WHERE {seq} > ?1 AND {seq} <= ?2"))?;
        let mut rows = stmt.query([after, upto])?;
        while let Some(row) = rows.next()? {
            sink(fact_from_row(row)?);
        }
        Ok(upto)
    }
}
