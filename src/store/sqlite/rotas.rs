//! Accepted reception rotas: one row per station and session start, members as a JSON array.

use chrono::{DateTime, FixedOffset};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::{corrupt, parse_col, SqliteStore};
use crate::domain::rota::AcceptedRota;
use crate::domain::{MemberId, StationId};
use crate::store::StoreError;

/// A session start as stored: RFC 3339 in Shanghai time, so that equal instants are equal text.
fn start_text(start: DateTime<FixedOffset>) -> String {
    start.with_timezone(&crate::domain::schedule::shanghai()).to_rfc3339()
}

fn rota_from_row(row: &SqliteRow) -> Result<AcceptedRota, StoreError> {
    let station: String = row.try_get("station_id")?;
    let t = "rota_acceptances";
    let members: Vec<String> =
        serde_json::from_str(row.try_get::<&str, _>("members")?).map_err(|e| corrupt(t, &station, e))?;
    let members = members
        .iter()
        .map(|m| MemberId::new(m))
        .collect::<Result<_, _>>()
        .map_err(|e| corrupt(t, &station, format!("members: {e}")))?;
    let time = |col: &str| -> Result<DateTime<FixedOffset>, StoreError> {
        let text: String = row.try_get(col)?;
        DateTime::parse_from_rfc3339(&text).map_err(|e| corrupt(t, &station, format!("{col}: {e}")))
    };
    Ok(AcceptedRota {
        station: parse_col(row, t, &station, "station_id")?,
        start: time("session_start")?.with_timezone(&crate::domain::schedule::shanghai()),
        members,
        decided_by: row.try_get("decided_by")?,
        decided_at: time("decided_at")?,
    })
}

impl SqliteStore {
    pub(super) async fn rotas_impl(&self) -> Result<Vec<AcceptedRota>, StoreError> {
        let rows = sqlx::query("SELECT * FROM rota_acceptances ORDER BY station_id, session_start")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(rota_from_row).collect()
    }

    pub(super) async fn set_rota_impl(&self, rota: &AcceptedRota) -> Result<(), StoreError> {
        let members: Vec<&str> = rota.members.iter().map(MemberId::as_str).collect();
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO rota_acceptances (station_id, session_start, members, decided_by, decided_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (station_id, session_start) DO UPDATE SET members = excluded.members,
               decided_by = excluded.decided_by, decided_at = excluded.decided_at",
        )
        .bind(rota.station.as_str())
        .bind(start_text(rota.start))
        .bind(serde_json::Value::from(members).to_string())
        .bind(&rota.decided_by)
        .bind(rota.decided_at.to_rfc3339())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE catalog_version SET version = version + 1 WHERE id = 1").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn delete_rota_impl(
        &self,
        station: &StationId,
        start: DateTime<FixedOffset>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query("DELETE FROM rota_acceptances WHERE station_id = ? AND session_start = ?")
            .bind(station.as_str())
            .bind(start_text(start))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE catalog_version SET version = version + 1 WHERE id = 1").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }
}
