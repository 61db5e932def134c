//! The photo directory: each processed photo and its thumbnail as files named by the photo's
//! SHA-256, `ab/abcdef….jpg` and `ab/abcdef….thumb.jpg`, so one picture uploaded twice is one
//! file. A file is written under a temporary name and renamed into place, so a reader never sees
//! half of one; the database row naming a photo is written only after its files.

use std::path::{Path, PathBuf};

use crate::domain::photo::{PhotoHash, ProcessedPhoto};

/// Which file of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoVariant {
    /// At most 2,048 px on the long side.
    Full,
    /// At most 320 px on the long side.
    Thumb,
}

/// The directory photos are kept in (`--photo-dir`).
#[derive(Debug, Clone)]
pub struct PhotoFiles {
    dir: PathBuf,
}

impl PhotoFiles {
    /// Photos in `dir`, created when the first photo is written.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where a photo's file lives.
    ///
    /// # Examples
    ///
    /// ```
    /// use liaison::domain::photo::PhotoHash;
    /// use liaison::store::photo_files::{PhotoFiles, PhotoVariant};
    ///
    /// let files = PhotoFiles::new("/var/lib/liaison/liaison-photos");
    /// let hash = PhotoHash::of(b"a photo");
    /// let path = files.path(&hash, PhotoVariant::Thumb);
    /// assert!(path.starts_with(format!("/var/lib/liaison/liaison-photos/{}", &hash.as_str()[..2])));
    /// assert!(path.to_string_lossy().ends_with(".thumb.jpg"));
    /// ```
    pub fn path(&self, hash: &PhotoHash, variant: PhotoVariant) -> PathBuf {
        let h = hash.as_str();
        let name = match variant {
            PhotoVariant::Full => format!("{h}.jpg"),
            PhotoVariant::Thumb => format!("{h}.thumb.jpg"),
        };
        self.dir.join(&h[..2]).join(name)
    }

    /// Writes the photo's files unless they are there already (the same bytes have the same
    /// name): the thumbnail first, so that a photo whose full file exists has both.
    pub async fn write(&self, photo: &ProcessedPhoto) -> std::io::Result<()> {
        let full = self.path(&photo.hash, PhotoVariant::Full);
        if tokio::fs::try_exists(&full).await? {
            return Ok(());
        }
        if let Some(parent) = full.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        write_whole(&self.path(&photo.hash, PhotoVariant::Thumb), &photo.thumb).await?;
        write_whole(&full, &photo.jpeg).await
    }

    /// A photo's file, or `None` when there is none.
    pub async fn read(&self, hash: &PhotoHash, variant: PhotoVariant) -> std::io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(hash, variant)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk and renames it to `path`.
async fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let random = getrandom::u64().map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = path.with_extension(format!("tmp-{random:016x}"));
    let result = async {
        let mut file = tokio::fs::File::create(&tmp).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_photo_is_written_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let files = PhotoFiles::new(dir.path().join("photos"));
        let photo = ProcessedPhoto {
            hash: PhotoHash::of(b"full"),
            width: 1,
            height: 1,
            jpeg: b"full".to_vec(),
            thumb: b"thumb".to_vec(),
        };
        files.write(&photo).await.unwrap();
        files.write(&photo).await.unwrap();
        assert_eq!(files.read(&photo.hash, PhotoVariant::Full).await.unwrap().as_deref(), Some(&b"full"[..]));
        assert_eq!(files.read(&photo.hash, PhotoVariant::Thumb).await.unwrap().as_deref(), Some(&b"thumb"[..]));
        assert_eq!(files.read(&PhotoHash::of(b"other"), PhotoVariant::Full).await.unwrap(), None);
        let shard = std::fs::read_dir(files.path(&photo.hash, PhotoVariant::Full).parent().unwrap()).unwrap();
        assert_eq!(shard.count(), 2, "no temporary file is left behind");
    }
}
