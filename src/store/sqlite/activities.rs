//! Members' activities in SQLite (migration 0007): one row per activity, its members and opinions
//! in link tables. Dates are `YYYY-MM-DD`, times `HH:MM:SS`; a patrol's path is GeoJSON LineString
//! text in WGS84 lon/lat degrees.

use chrono::{DateTime, FixedOffset};
use sqlx::{QueryBuilder, Sqlite};

use super::SqliteStore;
use crate::domain::activity::ActivityFilter;
use crate::domain::Activity;
use crate::store::rows::{activity_from_row, patrol_photos_text, TIME_OF_DAY as TIME};
use crate::store::StoreError;

impl SqliteStore {
    pub(super) async fn add_activities_impl(
        &self,
        activities: &[Activity],
        recorded_by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool().begin().await?;
        let mut ids = Vec::with_capacity(activities.len());
        for a in activities {
            let patrol = a.patrol.as_ref();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO activities (kind, station_id, date, start_time, end_time, visitors, title, notes, river,
                     path, observations, water_class, photos, recorded_at, recorded_by)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(a.kind.code())
            .bind(a.station.as_str())
            .bind(a.date.to_string())
            .bind(a.start.map(|t| t.format(TIME).to_string()))
            .bind(a.end.map(|t| t.format(TIME).to_string()))
            .bind(i64::from(a.visitors))
            .bind(&a.title)
            .bind(&a.notes)
            .bind(patrol.map(|p| &p.river))
            .bind(patrol.map(|p| geojson::Geometry::from(&p.path).to_string()))
            .bind(patrol.map(|p| &p.observations))
            .bind(patrol.and_then(|p| p.water_class).map(|w| w.code()))
            .bind(patrol_photos_text(a))
            .bind(at.to_rfc3339())
            .bind(recorded_by)
            .fetch_one(&mut *tx)
            .await?;
            for (position, m) in a.members.iter().enumerate() {
                sqlx::query("INSERT INTO activity_members (activity_id, member_id, position) VALUES (?, ?, ?)")
                    .bind(id)
                    .bind(m.as_str())
                    .bind(position as i64)
                    .execute(&mut *tx)
                    .await?;
            }
            for (position, o) in a.opinions.iter().enumerate() {
                sqlx::query("INSERT INTO activity_opinions (activity_id, opinion_id, position) VALUES (?, ?, ?)")
                    .bind(id)
                    .bind(o)
                    .bind(position as i64)
                    .execute(&mut *tx)
                    .await?;
            }
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    pub(super) async fn activities_impl(&self, f: &ActivityFilter) -> Result<Vec<Activity>, StoreError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT a.*,
                 COALESCE((SELECT group_concat(member_id, ',') FROM
                     (SELECT member_id FROM activity_members WHERE activity_id = a.id ORDER BY position)), '') AS member_ids,
                 COALESCE((SELECT group_concat(opinion_id, ',') FROM
                     (SELECT opinion_id FROM activity_opinions WHERE activity_id = a.id ORDER BY position)), '') AS opinion_ids
             FROM activities a WHERE 1 = 1",
        );
        if let Some(s) = &f.station {
            q.push(" AND a.station_id = ").push_bind(s.as_str().to_owned());
        }
        if let Some(t) = &f.town {
            q.push(" AND a.station_id IN (SELECT id FROM stations WHERE town_code = ").push_bind(t.as_str().to_owned());
            q.push(")");
        }
        if let Some(m) = &f.member {
            q.push(" AND EXISTS (SELECT 1 FROM activity_members am WHERE am.activity_id = a.id AND am.member_id = ")
                .push_bind(m.as_str().to_owned())
                .push(")");
        }
        if let Some(k) = f.kind {
            q.push(" AND a.kind = ").push_bind(k.code());
        }
        if let Some(d) = f.from {
            q.push(" AND a.date >= ").push_bind(d.to_string());
        }
        if let Some(d) = f.to {
            q.push(" AND a.date <= ").push_bind(d.to_string());
        }
        q.push(" ORDER BY a.date DESC, a.start_time DESC, a.id DESC LIMIT ")
            .push_bind(i64::try_from(f.limit).unwrap_or(i64::MAX));
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(activity_from_row).collect()
    }

    pub(super) async fn existing_opinions_impl(&self, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(500) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT id FROM opinions WHERE id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(")");
            let rows: Vec<i64> = q.build_query_scalar().fetch_all(self.pool()).await?;
            found.extend(rows);
        }
        Ok(found)
    }
}
