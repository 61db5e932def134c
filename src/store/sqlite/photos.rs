//! Photos of opinions in SQLite: one row per photo of an opinion, naming its file by hash. Times
//! are stored as RFC 3339 text with their offset.

use sqlx::{QueryBuilder, Sqlite};

use super::SqliteStore;
use crate::domain::photo::{Photo, PhotoHash, PhotoStatus};
use crate::domain::AuditEntry;
use crate::store::rows::{parse_col, photo_from_row, Columns};
use crate::store::{NewPhoto, StoreError};

const T: &str = "photos";

impl SqliteStore {
    pub(super) async fn insert_photo_impl(&self, p: &NewPhoto<'_>, max: usize) -> Result<Option<Photo>, StoreError> {
        // The count and the insert in one statement: two uploads at once cannot both be the last.
        let row = sqlx::query(
            "INSERT INTO photos (opinion_id, hash, width, height, bytes, uploaded_at, status)
             SELECT ?, ?, ?, ?, ?, ?, 'pending'
             WHERE (SELECT count(*) FROM photos WHERE opinion_id = ?) < ?
             RETURNING *",
        )
        .bind(p.opinion_id)
        .bind(p.hash.as_str())
        .bind(i64::from(p.width))
        .bind(i64::from(p.height))
        .bind(p.bytes as i64)
        .bind(p.at.to_rfc3339())
        .bind(p.opinion_id)
        .bind(max as i64)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(photo_from_row).transpose()
    }

    pub(super) async fn photos_impl(&self, opinion_id: i64) -> Result<Vec<Photo>, StoreError> {
        let rows = sqlx::query("SELECT * FROM photos WHERE opinion_id = ? ORDER BY id")
            .bind(opinion_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(photo_from_row).collect()
    }

    pub(super) async fn photos_by_hash_impl(&self, hash: &PhotoHash) -> Result<Vec<Photo>, StoreError> {
        let rows = sqlx::query("SELECT * FROM photos WHERE hash = ? ORDER BY id")
            .bind(hash.as_str())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(photo_from_row).collect()
    }

    pub(super) async fn first_approved_photos_impl(&self, ids: &[i64]) -> Result<Vec<(i64, PhotoHash)>, StoreError> {
        let mut found = Vec::new();
        // SQLite allows 32,766 bound values a statement; a listing has at most a few thousand.
        for chunk in ids.chunks(10_000) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT opinion_id, hash FROM photos p WHERE status = 'approved' AND id = (SELECT min(id) FROM photos
                 WHERE opinion_id = p.opinion_id AND status = 'approved') AND opinion_id IN (",
            );
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(")");
            for row in q.build().fetch_all(self.pool()).await? {
                let id: i64 = row.col("opinion_id")?;
                found.push((id, parse_col::<PhotoHash>(&row, T, &id.to_string(), "hash")?));
            }
        }
        Ok(found)
    }

    pub(super) async fn decide_photo_impl(
        &self,
        photo: &Photo,
        to: PhotoStatus,
        entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let updated = sqlx::query(
            "UPDATE photos SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND opinion_id = ? AND status = ?",
        )
        .bind(to.code())
        .bind(&entry.actor)
        .bind(entry.at.to_rfc3339())
        .bind(photo.id)
        .bind(photo.opinion_id)
        .bind(photo.status.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        super::opinions::insert_entry(&mut tx, photo.opinion_id, entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
