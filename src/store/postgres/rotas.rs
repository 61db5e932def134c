//! Accepted reception rotas: one row per station and session start, members as a JSON array.

use chrono::{DateTime, FixedOffset};

use super::PgStore;
use crate::domain::rota::AcceptedRota;
use crate::domain::StationId;
use crate::store::rows::{rota_from_row, rota_members_text, start_text};
use crate::store::StoreError;

impl PgStore {
    pub(super) async fn rotas_impl(&self) -> Result<Vec<AcceptedRota>, StoreError> {
        let rows = sqlx::query("SELECT * FROM rota_acceptances ORDER BY station_id, session_start")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(rota_from_row).collect()
    }

    pub(super) async fn set_rota_impl(&self, rota: &AcceptedRota) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO rota_acceptances (station_id, session_start, members, decided_by, decided_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (station_id, session_start) DO UPDATE SET members = excluded.members,
               decided_by = excluded.decided_by, decided_at = excluded.decided_at",
        )
        .bind(rota.station.as_str())
        .bind(start_text(rota.start))
        .bind(rota_members_text(rota))
        .bind(&rota.decided_by)
        .bind(rota.decided_at.to_rfc3339())
        .execute(&mut *tx)
        .await?;
        super::changes::bump_catalog_version(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn delete_rota_impl(
        &self,
        station: &StationId,
        start: DateTime<FixedOffset>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query("DELETE FROM rota_acceptances WHERE station_id = $1 AND session_start = $2")
            .bind(station.as_str())
            .bind(start_text(start))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        super::changes::bump_catalog_version(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }
}
