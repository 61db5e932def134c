//! The PostgreSQL backend, for deployments beyond one machine. Same columns and encodings as the
//! SQLite backend (see migrations/postgres and `store::rows`): geometries are GeoJSON geometry text
//! in WGS84 lon/lat degrees, times RFC 3339 text.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};

mod activities;
mod changes;
mod follow;
mod opinions;
mod outbox;
mod photos;
mod published;
mod rotas;

use chrono::{DateTime, FixedOffset};

use super::rows::{
    area_from_row, demand_from_row, geometry_text, grid_from_row, layer_features_text, layer_from_row, member_from_row,
    principal_from_row, reception_text, scenario_from_row, station_from_row, table_of, unique_as_duplicate, Columns,
};
use super::{
    Batch, FactSink, NewPhoto, OpinionFilter, Progress, RecordSource, ScenarioRecord, Store, StoreError, UserRecord,
    WriteReport,
};
use crate::catalog::CatalogData;
use crate::domain::photo::{Photo, PhotoHash, PhotoStatus};
use crate::domain::{Activity, AuditEntry, NewOpinion, Opinion, Principal, Routing, TrackingCode};

/// PostgreSQL store over a pool of connections to one database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) and
    /// applies pending migrations. The database must exist.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            // A write waits this long for a connection within the 30 s every request may take.
            .acquire_timeout(Duration::from_secs(25))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

async fn count(tx: &mut Transaction<'_, Postgres>, table: &str) -> Result<usize, StoreError> {
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut **tx).await?;
    Ok(n as usize)
}

async fn write_batch(
    tx: &mut Transaction<'_, Postgres>,
    batch: &Batch,
    done: &mut u64,
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    let mut tick = || {
        *done += 1;
        if *done % 256 == 0 {
            progress(*done);
        }
    };
    match batch {
        Batch::Demand(points) => {
            sqlx::query("DELETE FROM demand_points").execute(&mut **tx).await?;
            // 500 rows of 4 values a statement, below SQLite's 32,766 bound parameters.
            for chunk in points.chunks(500) {
                let mut insert = sqlx::QueryBuilder::new("INSERT INTO demand_points (id, lon, lat, weight) ");
                insert.push_values(chunk, |mut row, d| {
                    row.push_bind(&d.id).push_bind(d.position.lon()).push_bind(d.position.lat()).push_bind(d.weight);
                });
                insert.build().execute(&mut **tx).await?;
                for _ in chunk {
                    tick();
                }
            }
        }
        Batch::Layer(layer) => {
            sqlx::query(
                "INSERT INTO map_layers (name, title, features) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET title = excluded.title, features = excluded.features",
            )
            .bind(layer.name.as_str())
            .bind(&layer.title)
            .bind(layer_features_text(layer))
            .execute(&mut **tx)
            .await?;
            tick();
        }
        Batch::Areas(areas) => {
            for a in areas {
                sqlx::query(
                    "INSERT INTO admin_areas (code, name, level, parent_code, geometry) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
                       parent_code = excluded.parent_code, geometry = excluded.geometry",
                )
                .bind(a.code.as_str())
                .bind(&a.name)
                .bind(a.level.code())
                .bind(a.parent.as_ref().map(|p| p.as_str()))
                .bind(geometry_text(&a.geometry))
                .execute(&mut **tx)
                .await?;
                tick();
            }
        }
        Batch::Stations(stations) => {
            for s in stations {
                sqlx::query(
                    "INSERT INTO stations (id, name, kind, level, town_code, address, phone, opening_hours, parent_id, lon, lat, url, reception)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, level = excluded.level,
                       town_code = excluded.town_code, address = excluded.address, phone = excluded.phone,
                       opening_hours = excluded.opening_hours, parent_id = excluded.parent_id, lon = excluded.lon,
                       lat = excluded.lat, url = excluded.url, reception = excluded.reception",
                )
                .bind(s.id.as_str())
                .bind(&s.name)
                .bind(s.kind.code())
                .bind(s.level.code())
                .bind(s.town_code.as_ref().map(|c| c.as_str()))
                .bind(&s.address)
                .bind(&s.phone)
                .bind(&s.opening_hours)
                .bind(s.parent.as_ref().map(|p| p.as_str()))
                .bind(s.location.lon())
                .bind(s.location.lat())
                .bind(&s.url)
                .bind(reception_text(s))
                .execute(&mut **tx)
                .await?;
                tick();
            }
        }
        Batch::Members(members) => {
            for m in members {
                sqlx::query(
                    "INSERT INTO members (id, name, body, level, sector, occupation, station_id, term_start, term_end)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body, level = excluded.level,
                       sector = excluded.sector, occupation = excluded.occupation, station_id = excluded.station_id,
                       term_start = excluded.term_start, term_end = excluded.term_end",
                )
                .bind(m.id.as_str())
                .bind(&m.name)
                .bind(m.body.code())
                .bind(m.level.code())
                .bind(&m.sector)
                .bind(&m.occupation)
                .bind(m.station.as_ref().map(|s| s.as_str()))
                .bind(m.term_start.map(|d| d.to_string()))
                .bind(m.term_end.map(|d| d.to_string()))
                .execute(&mut **tx)
                .await?;
                tick();
            }
        }
        Batch::Grids(grids) => {
            for g in grids {
                sqlx::query(
                    "INSERT INTO grids (id, code, name, station_id, town_code, geometry) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name,
                       station_id = excluded.station_id, town_code = excluded.town_code, geometry = excluded.geometry",
                )
                .bind(g.id.as_str())
                .bind(&g.code)
                .bind(&g.name)
                .bind(g.station.as_ref().map(|s| s.as_str()))
                .bind(g.town_code.as_ref().map(|c| c.as_str()))
                .bind(geometry_text(&g.geometry))
                .execute(&mut **tx)
                .await?;
                sqlx::query("DELETE FROM grid_members WHERE grid_id = $1")
                    .bind(g.id.as_str())
                    .execute(&mut **tx)
                    .await?;
                for (position, member) in g.members.iter().enumerate() {
                    sqlx::query("INSERT INTO grid_members (grid_id, member_id, position) VALUES ($1, $2, $3)")
                        .bind(g.id.as_str())
                        .bind(member.as_str())
                        .bind(position as i64)
                        .execute(&mut **tx)
                        .await?;
                }
                tick();
            }
        }
    }
    Ok(())
}

#[async_trait]
impl Store for PgStore {
    fn pool_handle(&self) -> super::Pool {
        super::Pool::Postgres(self.pool.clone())
    }

    fn changes(&self) -> Option<tokio::sync::watch::Receiver<super::Announced>> {
        Some(changes::listen(self.pool.clone()))
    }

    async fn close(&self) {
        PgStore::close(self).await
    }

    async fn load(&self) -> Result<CatalogData, StoreError> {
        let stations = sqlx::query("SELECT * FROM stations ORDER BY id").fetch_all(&self.pool).await?;
        let members = sqlx::query("SELECT * FROM members ORDER BY id").fetch_all(&self.pool).await?;
        let areas = sqlx::query("SELECT * FROM admin_areas ORDER BY code").fetch_all(&self.pool).await?;
        let grids = sqlx::query(
            "SELECT g.*, COALESCE((SELECT string_agg(member_id, ',' ORDER BY position) FROM grid_members
                 WHERE grid_id = g.id), '') AS member_ids
             FROM grids g ORDER BY g.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let layers = sqlx::query("SELECT * FROM map_layers ORDER BY name").fetch_all(&self.pool).await?;
        let demand =
            sqlx::query("SELECT id, lon, lat, weight FROM demand_points ORDER BY id").fetch_all(&self.pool).await?;
        Ok(CatalogData {
            demand: demand.iter().map(demand_from_row).collect::<Result<_, _>>()?,
            layers: layers.iter().map(layer_from_row).collect::<Result<_, _>>()?,
            stations: stations.iter().map(station_from_row).collect::<Result<_, _>>()?,
            members: members.iter().map(member_from_row).collect::<Result<_, _>>()?,
            grids: grids.iter().map(grid_from_row).collect::<Result<_, _>>()?,
            areas: areas.iter().map(area_from_row).collect::<Result<_, _>>()?,
            rotas: self.rotas_impl().await?,
        })
    }

    async fn catalog_version(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT version FROM catalog_version WHERE id = 1").fetch_one(&self.pool).await?)
    }

    async fn station_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM stations").fetch_one(&self.pool).await?)
    }

    async fn write(&self, batches: &[Batch], progress: Progress<'_>) -> Result<WriteReport, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut report = WriteReport::default();
        let mut done = 0u64;
        for batch in batches {
            // The demand is replaced whole: every point of it counts as inserted.
            let before = match batch {
                Batch::Demand(_) => 0,
                _ => count(&mut tx, table_of(batch)).await?,
            };
            write_batch(&mut tx, batch, &mut done, progress).await?;
            let inserted = count(&mut tx, table_of(batch)).await? - before;
            report.inserted += inserted;
            report.updated += batch.len() - inserted;
        }
        changes::bump_catalog_version(&mut tx).await?;
        tx.commit().await?;
        progress(done);
        Ok(report)
    }

    async fn insert_opinion(
        &self,
        new: &NewOpinion,
        code: &TrackingCode,
        routing: &Routing,
        at: DateTime<FixedOffset>,
        actor: &str,
        followers: Option<&crate::store::Followers>,
    ) -> Result<Opinion, StoreError> {
        self.insert_opinion_impl(new, code, routing, at, actor, followers).await.map_err(|e| match e {
            StoreError::Database(db) => unique_as_duplicate(db, || format!("tracking code {code}")),
            other => other,
        })
    }

    async fn insert_history(&self, items: &[(Opinion, Vec<AuditEntry>)]) -> Result<(), StoreError> {
        self.insert_history_impl(items).await.map_err(|e| match e {
            StoreError::Database(db) => unique_as_duplicate(db, || "a tracking code".to_owned()),
            other => other,
        })
    }

    async fn opinion_by_code(&self, code: &TrackingCode) -> Result<Option<Opinion>, StoreError> {
        self.opinion_where("tracking_code", code.as_str()).await
    }

    async fn opinion_by_id(&self, id: i64) -> Result<Option<Opinion>, StoreError> {
        let row = sqlx::query("SELECT * FROM opinions WHERE id = $1").bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(super::rows::opinion_from_row).transpose()
    }

    async fn save_change(
        &self,
        opinion: &Opinion,
        entry: &AuditEntry,
        notice: Option<&crate::store::NoticeOrder>,
    ) -> Result<bool, StoreError> {
        self.save_change_impl(opinion, entry, notice).await
    }

    async fn history(&self, id: i64) -> Result<Vec<AuditEntry>, StoreError> {
        self.history_impl(id).await
    }

    async fn list_opinions(&self, filter: &OpinionFilter) -> Result<Vec<Opinion>, StoreError> {
        self.list_opinions_impl(filter).await
    }

    async fn import_opinions(
        &self,
        source: RecordSource<'_>,
        progress: Progress<'_>,
    ) -> Result<WriteReport, StoreError> {
        self.import_opinions_impl(source, progress).await
    }

    async fn opinion_seq(&self) -> Result<i64, StoreError> {
        self.opinion_seq_impl().await
    }

    async fn opinion_facts(&self, after: i64, sink: FactSink<'_>) -> Result<i64, StoreError> {
        self.opinion_facts_impl(after, sink).await
    }

    async fn add_user(&self, user: &Principal, password_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO users (username, password_hash, role, station_id, member_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&user.name)
        .bind(password_hash)
        .bind(user.role.code())
        .bind(user.station.as_ref().map(|s| s.as_str()))
        .bind(user.member.as_ref().map(|m| m.as_str()))
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(self.pool())
        .await
        .map_err(|e| unique_as_duplicate(e, || format!("user {:?}", user.name)))?;
        Ok(())
    }

    async fn user(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let row =
            sqlx::query("SELECT * FROM users WHERE username = $1").bind(username).fetch_optional(self.pool()).await?;
        row.map(|r| {
            Ok(UserRecord {
                principal: principal_from_row(&r, "users", "username")?,
                password_hash: r.col("password_hash")?,
                disabled: r.col::<Option<String>>("disabled_at")?.is_some(),
                credential_version: r.col("credential_version")?,
            })
        })
        .transpose()
    }

    async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, credential_version = credential_version + 1 WHERE username = $2",
        )
        .bind(password_hash)
        .bind(username)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<bool, StoreError> {
        let at = disabled.then(|| chrono::Utc::now().to_rfc3339());
        let done = sqlx::query(
            "UPDATE users SET disabled_at = $1, credential_version = credential_version + 1 WHERE username = $2",
        )
        .bind(at)
        .bind(username)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke_tokens(&self, name: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
            .bind(chrono::Utc::now().to_rfc3339())
            .bind(name)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    async fn add_scenario(&self, s: &ScenarioRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO planning_scenarios (name, created_at, created_by, plan) VALUES ($1, $2, $3, $4)")
            .bind(&s.name)
            .bind(&s.created_at)
            .bind(&s.created_by)
            .bind(&s.plan)
            .execute(self.pool())
            .await
            .map_err(|e| unique_as_duplicate(e, || format!("scenario {:?}", s.name)))?;
        Ok(())
    }

    async fn scenarios(&self) -> Result<Vec<ScenarioRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM planning_scenarios ORDER BY created_at DESC, name")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(scenario_from_row).collect()
    }

    async fn scenario(&self, name: &str) -> Result<Option<ScenarioRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM planning_scenarios WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(scenario_from_row).transpose()
    }

    async fn delete_scenario(&self, name: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("DELETE FROM planning_scenarios WHERE name = $1").bind(name).execute(self.pool()).await?;
        Ok(done.rows_affected() > 0)
    }

    async fn add_token(&self, token: &Principal, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (name, token_hash, role, station_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&token.name)
        .bind(token_hash)
        .bind(token.role.code())
        .bind(token.station.as_ref().map(|s| s.as_str()))
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(self.pool())
        .await
        .map_err(|e| unique_as_duplicate(e, || "token".to_owned()))?;
        Ok(())
    }

    async fn token_principal(&self, token_hash: &str) -> Result<Option<Principal>, StoreError> {
        let row =
            sqlx::query("SELECT *, NULL AS member_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?;
        row.map(|r| principal_from_row(&r, "api_tokens", "name")).transpose()
    }

    async fn add_activities(
        &self,
        activities: &[Activity],
        recorded_by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<i64>, StoreError> {
        self.add_activities_impl(activities, recorded_by, at).await
    }

    async fn activities(&self, filter: &crate::domain::activity::ActivityFilter) -> Result<Vec<Activity>, StoreError> {
        self.activities_impl(filter).await
    }

    async fn existing_opinions(&self, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        self.existing_opinions_impl(ids).await
    }

    async fn add_projects(
        &self,
        projects: &[crate::domain::Project],
        published_by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<i64>, StoreError> {
        self.add_projects_impl(projects, published_by, at).await
    }

    async fn projects(
        &self,
        filter: &crate::domain::project::ProjectFilter,
    ) -> Result<Vec<crate::domain::Project>, StoreError> {
        self.projects_impl(filter).await
    }

    async fn project(&self, id: i64) -> Result<Option<crate::domain::Project>, StoreError> {
        self.project_impl(id).await
    }

    async fn add_project_update(
        &self,
        project: &crate::domain::Project,
        recorded_by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<bool, StoreError> {
        self.add_project_update_impl(project, recorded_by, at).await
    }

    async fn add_notices(
        &self,
        notices: &[crate::domain::Notice],
        recorded_by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<i64>, StoreError> {
        self.add_notices_impl(notices, recorded_by, at).await
    }

    async fn notices(
        &self,
        filter: &crate::domain::notice::NoticeFilter,
    ) -> Result<Vec<crate::domain::Notice>, StoreError> {
        self.notices_impl(filter).await
    }

    async fn set_rota(&self, rota: &crate::domain::rota::AcceptedRota) -> Result<(), StoreError> {
        self.set_rota_impl(rota).await
    }

    async fn delete_rota(
        &self,
        station: &crate::domain::StationId,
        start: DateTime<FixedOffset>,
    ) -> Result<bool, StoreError> {
        self.delete_rota_impl(station, start).await
    }

    async fn insert_photo(&self, photo: &NewPhoto<'_>, max: usize) -> Result<Option<Photo>, StoreError> {
        self.insert_photo_impl(photo, max).await.map_err(|e| match e {
            StoreError::Database(db) => unique_as_duplicate(db, || format!("photo {} of this opinion", photo.hash)),
            other => other,
        })
    }

    async fn photos(&self, opinion_id: i64) -> Result<Vec<Photo>, StoreError> {
        self.photos_impl(opinion_id).await
    }

    async fn photos_by_hash(&self, hash: &PhotoHash) -> Result<Vec<Photo>, StoreError> {
        self.photos_by_hash_impl(hash).await
    }

    async fn first_approved_photos(&self, opinion_ids: &[i64]) -> Result<Vec<(i64, PhotoHash)>, StoreError> {
        self.first_approved_photos_impl(opinion_ids).await
    }

    async fn decide_photo(&self, photo: &Photo, to: PhotoStatus, entry: &AuditEntry) -> Result<bool, StoreError> {
        self.decide_photo_impl(photo, to, entry).await
    }

    async fn backup(&self, _dest: &Path) -> Result<(), StoreError> {
        // A file copy is SQLite's kind of backup; PostgreSQL has its own tools (pg_dump, or
        // continuous archiving for point-in-time recovery).
        Err(StoreError::Refused(
            "a PostgreSQL database is backed up with pg_dump or continuous archiving, not by liaison backup".to_owned(),
        ))
    }

    async fn add_webhook(
        &self,
        url: &str,
        events: &[crate::domain::outbox::EventType],
        secret: &str,
        by: &str,
    ) -> Result<crate::store::WebhookRecord, StoreError> {
        self.add_webhook_impl(url, events, secret, by).await
    }

    async fn webhooks(&self) -> Result<Vec<crate::store::WebhookRecord>, StoreError> {
        self.webhooks_impl().await
    }

    async fn delete_webhook(&self, id: i64) -> Result<bool, StoreError> {
        self.delete_webhook_impl(id).await
    }

    async fn claim_outbox(
        &self,
        now: DateTime<chrono::Utc>,
        lease_until: DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<crate::store::DueDelivery>, StoreError> {
        self.claim_outbox_impl(now, lease_until, limit).await
    }

    async fn finish_attempt(
        &self,
        id: i64,
        attempt: &crate::store::AttemptRecord,
        outcome: crate::store::AttemptOutcome,
    ) -> Result<(), StoreError> {
        self.finish_attempt_impl(id, attempt, outcome).await
    }

    async fn deliveries(&self, webhook_id: i64, limit: usize) -> Result<Vec<crate::store::DeliveryRecord>, StoreError> {
        self.deliveries_impl(webhook_id, limit).await
    }

    async fn replay_delivery(&self, webhook_id: i64, id: i64, now: DateTime<chrono::Utc>) -> Result<bool, StoreError> {
        self.replay_delivery_impl(webhook_id, id, now).await
    }

    async fn claim_notices(
        &self,
        now: DateTime<chrono::Utc>,
        lease_until: DateTime<chrono::Utc>,
        limit: usize,
        channels: &[crate::domain::follow::NoticeChannel],
    ) -> Result<Vec<crate::store::DueNotice>, StoreError> {
        self.claim_notices_impl(now, lease_until, limit, channels).await
    }

    async fn stop_following(&self, token: &str, at: DateTime<chrono::Utc>) -> Result<bool, StoreError> {
        self.stop_following_impl(token, at).await
    }
}
