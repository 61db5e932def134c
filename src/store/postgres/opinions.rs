//! Opinions and their history in PostgreSQL. Times are stored as RFC 3339 text with their offset.

use chrono::{DateTime, FixedOffset};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};

use super::PgStore;
use crate::domain::{AuditEntry, NewOpinion, Opinion, OpinionFact, Routing, TrackingCode};
use crate::store::rows::{entry_from_row, fact_from_columns, members_text, opinion_from_row, rederived, FACT_COLUMNS};
use crate::store::{FactSink, OpinionFilter, OpinionRecord, Progress, RecordSource, StoreError, WriteReport};

pub(super) async fn insert_entry(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    opinion_id: i64,
    e: &AuditEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO opinion_events (opinion_id, at, actor, from_status, to_status, event, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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

/// Takes the next `n` change numbers and returns the first; the other replicas hear of them
/// when the transaction commits. The counter's row lock, held until commit, makes this
/// transaction the one writer of opinions until then.
async fn take_seq(tx: &mut sqlx::Transaction<'_, Postgres>, n: i64) -> Result<i64, StoreError> {
    let last: i64 =
        sqlx::query_scalar("UPDATE counters SET value = value + $1 WHERE name = 'opinions' RETURNING value")
            .bind(n)
            .fetch_one(&mut **tx)
            .await?;
    super::changes::announce(tx, super::changes::Table::Opinions, last).await?;
    Ok(last - n + 1)
}

/// Inserts `o` whole (status, version, times and all) with change number `seq` and returns its
/// new id; `o.id` is ignored.
async fn insert_row(tx: &mut sqlx::Transaction<'_, Postgres>, o: &Opinion, seq: i64) -> Result<i64, StoreError> {
    let new = &o.submission;
    let id = sqlx::query_scalar(
        "INSERT INTO opinions (tracking_code, category, title, body, lon, lat, channel, anonymous, contact_name,
             contact_phone, status, version, town_code, grid_id, station_id, members, department, due_date,
             reply_route, reply, rating, rating_comment, created_at, registered_at, replied_at, closed_at, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27) RETURNING id",
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
fn push_in(q: &mut QueryBuilder<'_, Postgres>, column: &str, values: impl Iterator<Item = String>) {
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

impl PgStore {
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

    /// Copies the opinions and their histories in (`COPY … FROM STDIN`), with ids taken from
    /// the opinions' sequence beforehand, in order.
    pub(super) async fn insert_history_impl(&self, items: &[(Opinion, Vec<AuditEntry>)]) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool().begin().await?;
        let first = take_seq(&mut tx, items.len() as i64).await?;
        let mut ids: Vec<i64> =
            sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('opinions', 'id')) FROM generate_series(1, $1)")
                .bind(items.len() as i64)
                .fetch_all(&mut *tx)
                .await?;
        ids.sort_unstable();
        let (mut opinions, mut events) = (CopyText::default(), CopyText::default());
        let time = |t: Option<DateTime<FixedOffset>>| t.map(|t| t.to_rfc3339());
        for ((seq, id), (o, entries)) in (first..).zip(&ids).zip(items) {
            let new = &o.submission;
            opinions
                .field(Some(&id.to_string()))
                .field(Some(o.code.as_str()))
                .field(Some(new.category.code()))
                .field(Some(&new.title))
                .field(Some(&new.text))
                .field(Some(&new.location.lon().to_string()))
                .field(Some(&new.location.lat().to_string()))
                .field(Some(new.channel.code()))
                .field(Some(if new.anonymous { "1" } else { "0" }))
                .field(new.contact.name.as_deref())
                .field(new.contact.phone.as_deref())
                .field(Some(o.status.code()))
                .field(Some(&o.version.to_string()))
                .field(o.routing.town_code.as_ref().map(|c| c.as_str()))
                .field(o.routing.grid.as_ref().map(|g| g.as_str()))
                .field(o.routing.station.as_ref().map(|s| s.as_str()))
                .field(Some(&members_text(&o.routing)))
                .field(o.department.as_deref())
                .field(o.due.map(|d| d.to_string()).as_deref())
                .field(o.reply_route.map(|r| r.code()))
                .field(o.reply.as_deref())
                .field(o.rating.map(|r| r.get().to_string()).as_deref())
                .field(o.rating_comment.as_deref())
                .field(Some(&o.created_at.to_rfc3339()))
                .field(time(o.registered_at).as_deref())
                .field(time(o.replied_at).as_deref())
                .field(time(o.closed_at).as_deref())
                .field(Some(&seq.to_string()))
                .end_row();
            for e in entries {
                events
                    .field(Some(&id.to_string()))
                    .field(Some(&e.at.to_rfc3339()))
                    .field(Some(&e.actor))
                    .field(Some(e.from.code()))
                    .field(Some(e.to.code()))
                    .field(Some(&e.event))
                    .field(Some(&e.note))
                    .end_row();
            }
        }
        copy_in(
            &mut tx,
            "opinions (id, tracking_code, category, title, body, lon, lat, channel, anonymous, contact_name,
                 contact_phone, status, version, town_code, grid_id, station_id, members, department, due_date,
                 reply_route, reply, rating, rating_comment, created_at, registered_at, replied_at, closed_at, seq)",
            opinions,
        )
        .await?;
        copy_in(&mut tx, "opinion_events (opinion_id, at, actor, from_status, to_status, event, note)", events).await?;
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
            "UPDATE opinions SET status = $1, version = $2, department = $3, due_date = $4, reply_route = $5, reply = $6,
                 rating = $7, rating_comment = $8, registered_at = $9, replied_at = $10, closed_at = $11, seq = $12
             WHERE id = $13 AND version = $14",
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
        let row = sqlx::query(&format!("SELECT * FROM opinions WHERE {column} = $1"))
            .bind(value)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(opinion_from_row).transpose()
    }

    pub(super) async fn history_impl(&self, id: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query("SELECT * FROM opinion_events WHERE opinion_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    pub(super) async fn list_opinions_impl(&self, f: &OpinionFilter) -> Result<Vec<Opinion>, StoreError> {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new("SELECT * FROM opinions WHERE 1 = 1");
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
                q.push("opinions.members::jsonb @> jsonb_build_array(").push_bind(m.as_str().to_owned());
                q.push("::text))");
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

/// Opinions per COPY of a bulk import: each is one round trip, and one savepoint to undo alone.
const ROWS_PER_COPY: usize = 20_000;

/// The columns of the import table, in COPY order.
const IMPORT_COLUMNS: &str = "n, tracking_code, category, title, lon, lat, status, town_code, grid_id, station_id, \
                              members, due_date, rating, created_at, registered_at, replied_at, closed_at, seq, \
                              external_id";

/// Rows in COPY's text format: fields separated by tabs, `\N` for NULL, and backslash, tab,
/// newline and carriage return escaped.
#[derive(Default)]
struct CopyText {
    out: String,
    in_row: bool,
}

impl CopyText {
    fn field(&mut self, value: Option<&str>) -> &mut Self {
        if self.in_row {
            self.out.push('\t');
        }
        self.in_row = true;
        let Some(v) = value else {
            self.out.push_str("\\N");
            return self;
        };
        for c in v.chars() {
            match c {
                '\\' => self.out.push_str("\\\\"),
                '\t' => self.out.push_str("\\t"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                c => self.out.push(c),
            }
        }
        self
    }

    fn end_row(&mut self) {
        self.out.push('\n');
        self.in_row = false;
    }
}

/// Sends `rows` to `COPY {target} FROM STDIN` (text format).
async fn copy_in(conn: &mut sqlx::PgConnection, target: &str, rows: CopyText) -> Result<(), sqlx::Error> {
    let mut copy = conn.copy_in_raw(&format!("COPY {target} FROM STDIN")).await?;
    copy.send(rows.out.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

/// `records` in COPY's text format for the import table, numbered from change number `seq`;
/// on the `attempt`-th retry after a tracking-code collision, with codes derived afresh.
fn copy_rows(records: &[OpinionRecord], seq: i64, attempt: u32) -> CopyText {
    let mut rows = CopyText::default();
    let time = |t: Option<DateTime<FixedOffset>>| t.map(|t| t.to_rfc3339());
    for (n, (r, seq)) in records.iter().zip(seq..).enumerate() {
        let code = if attempt == 0 { r.code.clone() } else { rederived(&r.code, attempt) };
        rows.field(Some(&n.to_string()))
            .field(Some(code.as_str()))
            .field(Some(r.category.code()))
            .field(Some(r.category.label_zh()))
            .field(Some(&r.location.lon().to_string()))
            .field(Some(&r.location.lat().to_string()))
            .field(Some(r.status.code()))
            .field(r.routing.town_code.as_ref().map(|c| c.as_str()))
            .field(r.routing.grid.as_ref().map(|g| g.as_str()))
            .field(r.routing.station.as_ref().map(|s| s.as_str()))
            .field(Some(&members_text(&r.routing)))
            .field(r.due.map(|d| d.to_string()).as_deref())
            .field(r.rating.map(|s| s.get().to_string()).as_deref())
            .field(Some(&r.created_at.to_rfc3339()))
            .field(time(r.registered_at).as_deref())
            .field(time(r.replied_at).as_deref())
            .field(time(r.closed_at).as_deref())
            .field(Some(&seq.to_string()))
            .field(Some(&r.external_id))
            .end_row();
    }
    rows
}

/// Splits `records` into runs of at most `max` in which no external id repeats: an upsert of
/// many rows may change each row once only, while a file may list an opinion twice (then the
/// later line wins, as in a row-by-row import).
fn runs(records: &[OpinionRecord], max: usize) -> Vec<&[OpinionRecord]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut seen = std::collections::HashSet::new();
    for (i, r) in records.iter().enumerate() {
        if i - start == max || !seen.insert(r.external_id.as_str()) {
            out.push(&records[start..i]);
            start = i;
            seen.clear();
            seen.insert(r.external_id.as_str());
        }
    }
    if start < records.len() {
        out.push(&records[start..]);
    }
    out
}

fn is_code_collision(e: &sqlx::Error) -> bool {
    e.as_database_error().and_then(|d| d.constraint()) == Some("opinions_tracking_code_key")
}

impl PgStore {
    /// A bulk import: each run of records is copied (`COPY … FROM STDIN`) into a temporary table
    /// and upserted from there by external id, all in one transaction.
    pub(super) async fn import_opinions_impl(
        &self,
        source: RecordSource<'_>,
        progress: Progress<'_>,
    ) -> Result<WriteReport, StoreError> {
        let mut tx = self.pool().begin().await?;
        // The counter's row lock: the one writer of opinions until commit, so the change numbers
        // taken below stay ours.
        let mut seq: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'opinions' FOR UPDATE")
            .fetch_one(&mut *tx)
            .await?;
        let before: i64 = sqlx::query_scalar("SELECT count(*) FROM opinions").fetch_one(&mut *tx).await?;
        sqlx::query(
            "CREATE TEMPORARY TABLE import_opinions (n bigint, tracking_code text, category text, title text,
                 lon double precision, lat double precision, status text, town_code text, grid_id text,
                 station_id text, members text, due_date text, rating bigint, created_at text, registered_at text,
                 replied_at text, closed_at text, seq bigint, external_id text) ON COMMIT DROP",
        )
        .execute(&mut *tx)
        .await?;
        let mut total = 0usize;
        while let Some(batch) = source().map_err(StoreError::Refused)? {
            for run in runs(&batch, ROWS_PER_COPY) {
                let mut attempt = 0;
                loop {
                    // A savepoint: a collision undoes this run alone; the transaction goes on.
                    let mut run_tx = sqlx::Connection::begin(&mut *tx).await?;
                    match upsert_run(&mut run_tx, run, seq + 1, attempt).await {
                        Ok(()) => {
                            run_tx.commit().await?;
                            break;
                        }
                        Err(e) if is_code_collision(&e) && attempt < 5 => {
                            run_tx.rollback().await?;
                            attempt += 1;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                seq += run.len() as i64;
            }
            total += batch.len();
            progress(total as u64);
        }
        sqlx::query("UPDATE counters SET value = $1 WHERE name = 'opinions'").bind(seq).execute(&mut *tx).await?;
        super::changes::announce(&mut tx, super::changes::Table::Opinions, seq).await?;
        let after: i64 = sqlx::query_scalar("SELECT count(*) FROM opinions").fetch_one(&mut *tx).await?;
        tx.commit().await?;
        let inserted = (after - before) as usize;
        Ok(WriteReport { inserted, updated: total - inserted })
    }

    pub(super) async fn opinion_seq_impl(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM counters WHERE name = 'opinions'").fetch_one(self.pool()).await?)
    }

    pub(super) async fn opinion_facts_impl(&self, after: i64, sink: FactSink<'_>) -> Result<i64, StoreError> {
        use tokio_stream::StreamExt;
        // One snapshot for the counter and the rows. Writers hold the counter's row lock until
        // they commit, so every change number up to the counter read here is committed.
        let mut tx = self.pool().begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        let upto: i64 =
            sqlx::query_scalar("SELECT value FROM counters WHERE name = 'opinions'").fetch_one(&mut *tx).await?;
        {
            let sql = format!("SELECT {FACT_COLUMNS} FROM opinions WHERE seq > $1 AND seq <= $2");
            let mut rows = sqlx::query(&sql).bind(after).bind(upto).fetch(&mut *tx);
            while let Some(row) = rows.next().await {
                let row = row?;
                sink(fact_from_row(&row)?);
            }
        }
        tx.commit().await?;
        Ok(upto)
    }
}

/// Copies `run` into the (emptied) import table and upserts it into `opinions` in order.
async fn upsert_run(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    run: &[OpinionRecord],
    seq: i64,
    attempt: u32,
) -> Result<(), sqlx::Error> {
    sqlx::query("TRUNCATE import_opinions").execute(&mut **tx).await?;
    copy_in(tx, &format!("import_opinions ({IMPORT_COLUMNS})"), copy_rows(run, seq, attempt)).await?;
    sqlx::query(
        "INSERT INTO opinions (tracking_code, category, title, body, lon, lat, channel, anonymous, status, version,
             town_code, grid_id, station_id, members, due_date, rating, created_at, registered_at, replied_at,
             closed_at, seq, external_id)
         SELECT tracking_code, category, title, '', lon, lat, 'online', 1, status, 1, town_code, grid_id, station_id,
             members, due_date, rating, created_at, registered_at, replied_at, closed_at, seq, external_id
         FROM import_opinions ORDER BY n
         ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO UPDATE SET
             category = excluded.category, lon = excluded.lon, lat = excluded.lat, status = excluded.status,
             version = opinions.version + 1, town_code = excluded.town_code, grid_id = excluded.grid_id,
             station_id = excluded.station_id, members = excluded.members, due_date = excluded.due_date,
             rating = excluded.rating, created_at = excluded.created_at, registered_at = excluded.registered_at,
             replied_at = excluded.replied_at, closed_at = excluded.closed_at, seq = excluded.seq",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One row of `FACT_COLUMNS` as a fact, borrowing its texts from the row.
fn fact_from_row(row: &PgRow) -> Result<OpinionFact<'_>, StoreError> {
    let id: i64 = row.try_get(0)?;
    let text = |i: usize| -> Result<Option<&str>, StoreError> { Ok(row.try_get::<Option<&str>, _>(i)?) };
    fact_from_columns(id, row.try_get(1)?, row.try_get(2)?, row.try_get(5)?, text)
}
