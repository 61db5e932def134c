//! Published information in SQLite (migration 0008): livelihood projects with their supervising
//! members and updates, and service notices with the stations they list. Dates are `YYYY-MM-DD`;
//! a project's point is WGS84 lon/lat degrees.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::SqliteStore;
use crate::domain::notice::NoticeFilter;
use crate::domain::project::ProjectFilter;
use crate::domain::{Notice, NoticeScope, Project, ProjectUpdate};
use crate::store::rows::{notice_from_row, project_from_row, project_update_from_row};
use crate::store::StoreError;

async fn insert_update(
    conn: &mut SqliteConnection,
    project: i64,
    u: &ProjectUpdate,
    by: &str,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO project_updates (project_id, date, text, progress, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(project)
    .bind(u.date.to_string())
    .bind(&u.text)
    .bind(i64::from(u.progress))
    .bind(at)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

const PROJECT_SELECT: &str = "SELECT p.*,
     COALESCE((SELECT group_concat(member_id, ',') FROM
         (SELECT member_id FROM project_members WHERE project_id = p.id ORDER BY position)), '') AS member_ids
 FROM projects p WHERE 1 = 1";

impl SqliteStore {
    pub(super) async fn add_projects_impl(
        &self,
        projects: &[Project],
        by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<i64>, StoreError> {
        let at = at.to_rfc3339();
        let mut tx = self.pool().begin().await?;
        let mut out = Vec::with_capacity(projects.len());
        for p in projects {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO projects (title, department, description, budget_yuan, progress, status, year, lon, lat,
                     town_code, grid_id, published_at, published_by)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(&p.title)
            .bind(&p.department)
            .bind(&p.description)
            .bind(p.budget_yuan.map(|b| b as i64))
            .bind(i64::from(p.progress))
            .bind(p.status.code())
            .bind(i64::from(p.year))
            .bind(p.place.point.map(|x| x.lon()))
            .bind(p.place.point.map(|x| x.lat()))
            .bind(p.place.town.as_ref().map(|t| t.as_str()))
            .bind(p.place.grid.as_ref().map(|g| g.as_str()))
            .bind(&at)
            .bind(by)
            .fetch_one(&mut *tx)
            .await?;
            for (position, m) in p.supervisors.iter().enumerate() {
                sqlx::query("INSERT INTO project_members (project_id, member_id, position) VALUES (?, ?, ?)")
                    .bind(id)
                    .bind(m.as_str())
                    .bind(position as i64)
                    .execute(&mut *tx)
                    .await?;
            }
            for u in &p.updates {
                insert_update(&mut tx, id, u, by, &at).await?;
            }
            out.push(id);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The updates of these projects, oldest first, by project.
    async fn updates_of(&self, projects: &[i64]) -> Result<HashMap<i64, Vec<ProjectUpdate>>, StoreError> {
        let mut by_project: HashMap<i64, Vec<ProjectUpdate>> = HashMap::new();
        for chunk in projects.chunks(500) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT id, project_id, date, text, progress FROM project_updates WHERE project_id IN (",
            );
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(") ORDER BY project_id, date, id");
            for row in q.build().fetch_all(self.pool()).await? {
                let (project, update) = project_update_from_row(&row)?;
                by_project.entry(project).or_default().push(update);
            }
        }
        Ok(by_project)
    }

    pub(super) async fn projects_impl(&self, f: &ProjectFilter) -> Result<Vec<Project>, StoreError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(PROJECT_SELECT);
        if let Some(t) = &f.town {
            q.push(" AND p.town_code = ").push_bind(t.as_str().to_owned());
        }
        if let Some((town, members)) = &f.near {
            q.push(" AND (p.town_code = ").push_bind(town.as_ref().map(|t| t.as_str().to_owned()));
            if !members.is_empty() {
                q.push(" OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.member_id IN (");
                let mut sep = q.separated(", ");
                for m in members {
                    sep.push_bind(m.as_str().to_owned());
                }
                q.push("))");
            }
            q.push(")");
        }
        if let Some(s) = f.status {
            q.push(" AND p.status = ").push_bind(s.code());
        }
        if let Some(y) = f.year {
            q.push(" AND p.year = ").push_bind(i64::from(y));
        }
        q.push(" ORDER BY p.year DESC, p.id LIMIT ").push_bind(i64::try_from(f.limit).unwrap_or(i64::MAX));
        let rows = q.build().fetch_all(self.pool()).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?;
        let mut updates = self.updates_of(&ids).await?;
        rows.iter().zip(ids).map(|(row, id)| project_from_row(row, updates.remove(&id).unwrap_or_default())).collect()
    }

    pub(super) async fn project_impl(&self, id: i64) -> Result<Option<Project>, StoreError> {
        let row = sqlx::query(&format!("{PROJECT_SELECT} AND p.id = ?")).bind(id).fetch_optional(self.pool()).await?;
        let Some(row) = row else { return Ok(None) };
        let updates = self.updates_of(&[id]).await?.remove(&id).unwrap_or_default();
        project_from_row(&row, updates).map(Some)
    }

    pub(super) async fn add_project_update_impl(
        &self,
        project: &Project,
        by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<bool, StoreError> {
        let Some(update) = project.updates.last() else {
            return Err(StoreError::Refused("a project update needs the update".into()));
        };
        let mut tx = self.pool().begin().await?;
        // The stored count must be one less: otherwise someone else added an update meanwhile.
        let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM project_updates WHERE project_id = ?")
            .bind(project.id)
            .fetch_one(&mut *tx)
            .await?;
        if stored + 1 != project.updates.len() as i64 {
            return Ok(false);
        }
        let changed = sqlx::query("UPDATE projects SET progress = ?, status = ? WHERE id = ?")
            .bind(i64::from(project.progress))
            .bind(project.status.code())
            .bind(project.id)
            .execute(&mut *tx)
            .await?;
        if changed.rows_affected() != 1 {
            return Ok(false);
        }
        insert_update(&mut tx, project.id, update, by, &at.to_rfc3339()).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn add_notices_impl(
        &self,
        notices: &[Notice],
        by: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<i64>, StoreError> {
        let at = at.to_rfc3339();
        let mut tx = self.pool().begin().await?;
        let mut out = Vec::with_capacity(notices.len());
        for n in notices {
            let town = match &n.scope {
                NoticeScope::Town(t) => Some(t.as_str()),
                _ => None,
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO notices (title, body, published, expires, scope, town_code, recorded_at, recorded_by)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(&n.title)
            .bind(&n.body)
            .bind(n.published.to_string())
            .bind(n.expires.map(|d| d.to_string()))
            .bind(n.scope.code())
            .bind(town)
            .bind(&at)
            .bind(by)
            .fetch_one(&mut *tx)
            .await?;
            if let NoticeScope::Stations(list) = &n.scope {
                for (position, s) in list.iter().enumerate() {
                    sqlx::query("INSERT INTO notice_stations (notice_id, station_id, position) VALUES (?, ?, ?)")
                        .bind(id)
                        .bind(s.as_str())
                        .bind(position as i64)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            out.push(id);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(super) async fn notices_impl(&self, f: &NoticeFilter) -> Result<Vec<Notice>, StoreError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT n.*,
                 COALESCE((SELECT group_concat(station_id, ',') FROM
                     (SELECT station_id FROM notice_stations WHERE notice_id = n.id ORDER BY position)), '') AS station_ids
             FROM notices n WHERE 1 = 1",
        );
        for seen in &f.seen {
            q.push(" AND (n.scope = 'district'");
            if !seen.towns.is_empty() {
                q.push(" OR (n.scope = 'town' AND n.town_code IN (");
                let mut sep = q.separated(", ");
                for t in &seen.towns {
                    sep.push_bind(t.as_str().to_owned());
                }
                q.push("))");
            }
            for chunk in seen.stations.chunks(500) {
                q.push(" OR EXISTS (SELECT 1 FROM notice_stations ns WHERE ns.notice_id = n.id AND ns.station_id IN (");
                let mut sep = q.separated(", ");
                for s in chunk {
                    sep.push_bind(s.as_str().to_owned());
                }
                q.push("))");
            }
            q.push(")");
        }
        if let Some((today, wanted)) = f.in_force {
            let today = today.to_string();
            q.push(if wanted { " AND " } else { " AND NOT " });
            q.push("(n.published <= ").push_bind(today.clone());
            q.push(" AND (n.expires IS NULL OR n.expires >= ").push_bind(today).push("))");
        }
        q.push(" ORDER BY n.published DESC, n.id DESC LIMIT ").push_bind(i64::try_from(f.limit).unwrap_or(i64::MAX));
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(notice_from_row).collect()
    }
}
