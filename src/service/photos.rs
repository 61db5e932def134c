//! Photos of an opinion: the citizen who holds the tracking code adds up to three, staff who may
//! read the opinion see them at once and approve or reject them, and the public sees approved ones
//! only. Uploads are made safe by [`crate::domain::photo::process`] (re-encoded, no metadata:
//! EXIF GPS would undo the public view's position rounding) before anything is stored; the file
//! is written before the row that names it.

use serde::Serialize;

use super::opinions::{Submitter, Tracked};
use super::{Result, Service, ServiceError};
use crate::domain::photo::{self, Photo, PhotoDecision, PhotoError, PhotoHash, PhotoStatus};
use crate::domain::Principal;
use crate::store::photo_files::PhotoVariant;
use crate::store::{NewPhoto, StoreError};

/// Uploads processed at once: decoding a large photo takes a few hundred megabytes for a moment.
static PHOTO_WORK: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// The event codes of photo decisions in an opinion's history, which public views leave out.
pub const PHOTO_EVENT_PREFIX: &str = "photo_";

/// The address of a photo's file (`thumb`: its thumbnail), relative to the service's root.
///
/// # Examples
///
/// ```
/// use liaison::domain::photo::PhotoHash;
/// use liaison::service::photos::photo_url;
///
/// let hash = PhotoHash::of(b"x");
/// assert_eq!(photo_url(&hash, false), format!("/photos/{hash}.jpg"));
/// assert_eq!(photo_url(&hash, true), format!("/photos/{hash}/thumb.jpg"));
/// ```
pub fn photo_url(hash: &PhotoHash, thumb: bool) -> String {
    if thumb {
        format!("/photos/{hash}/thumb.jpg")
    } else {
        format!("/photos/{hash}.jpg")
    }
}

/// A photo of an opinion as an audience sees it; `id`, `status` and the decision only for staff.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PhotoView {
    /// staff: the id to approve or reject it by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The photo (JPEG, at most 2,048 px on the long side, no metadata).
    pub url: String,
    /// Its thumbnail (JPEG, at most 320 px on the long side).
    pub thumb_url: String,
    pub width: u32,
    pub height: u32,
    pub uploaded_at: String,
    /// staff
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<PhotoStatus>,
    /// staff: who decided last.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub decided_by: Option<Option<String>>,
}

impl PhotoView {
    /// The view of `p`; `staff` adds what only staff see.
    pub fn new(p: &Photo, staff: bool) -> Self {
        PhotoView {
            id: staff.then_some(p.id),
            url: photo_url(&p.hash, false),
            thumb_url: photo_url(&p.hash, true),
            width: p.width,
            height: p.height,
            uploaded_at: p.uploaded_at.to_rfc3339(),
            status: staff.then_some(p.status),
            decided_by: staff.then(|| p.decided_by.clone()),
        }
    }
}

/// The answer to an upload.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadedPhoto {
    pub id: i64,
    /// The processed photo; staff who may read the opinion can open it at once, the public once
    /// staff approve it.
    pub url: String,
    pub thumb_url: String,
    pub width: u32,
    pub height: u32,
    pub status: PhotoStatus,
}

impl From<&Photo> for UploadedPhoto {
    fn from(p: &Photo) -> Self {
        UploadedPhoto {
            id: p.id,
            url: photo_url(&p.hash, false),
            thumb_url: photo_url(&p.hash, true),
            width: p.width,
            height: p.height,
            status: p.status,
        }
    }
}

/// A photo file to send, and whether anyone may see it (cacheable) or only the staff asking.
#[derive(Debug)]
pub struct PhotoFile {
    pub jpeg: Vec<u8>,
    pub public: bool,
}

impl From<PhotoError> for ServiceError {
    fn from(e: PhotoError) -> Self {
        let message = e.to_string();
        match e {
            PhotoError::TooLarge { .. } => ServiceError::TooLarge { code: "photo_too_large", message },
            PhotoError::NotAnImage => ServiceError::Unprocessable { code: "not_an_image", message },
            PhotoError::TooManyPixels { .. } => ServiceError::Unprocessable { code: "image_too_large", message },
            PhotoError::Unreadable(_) => ServiceError::Unprocessable { code: "unreadable_image", message },
            PhotoError::AlreadyDecided(_) => ServiceError::Conflict { code: "already_decided", message },
        }
    }
}

fn too_many() -> ServiceError {
    ServiceError::Conflict {
        code: "too_many_photos",
        message: format!("an opinion may have at most {} photos", photo::MAX_PHOTOS_PER_OPINION),
    }
}

impl Service {
    /// Keeps photos in `files` (without it, uploads are refused as an internal error).
    pub fn with_photo_files(mut self, files: crate::store::PhotoFiles) -> Self {
        self.photo_files = Some(files);
        self
    }

    fn files(&self) -> Result<&crate::store::PhotoFiles> {
        self.photo_files.as_ref().ok_or_else(|| ServiceError::Internal("no photo directory is configured".into()))
    }

    /// Adds a photo to the opinion with this tracking code: checked, processed, written to the
    /// photo directory and recorded as pending. A citizen's upload counts against their address's
    /// submission allowance. Nothing is stored when the file is refused.
    pub async fn add_photo(&self, from: Submitter, raw_code: &str, upload: Vec<u8>) -> Result<Photo> {
        let opinion = self.opinion_by_code(raw_code).await?;
        if upload.len() > photo::MAX_UPLOAD_BYTES {
            return Err(PhotoError::TooLarge { got: upload.len() }.into());
        }
        if self.store.photos(opinion.id).await?.len() >= photo::MAX_PHOTOS_PER_OPINION {
            return Err(too_many());
        }
        if let Submitter::Citizen(client) = from {
            self.submissions.check(client)?;
        }
        let processed = process(upload).await?;
        self.store_photo(opinion.id, &processed).await
    }

    /// Submits an opinion (to member `to`, if given: see [`Service::submit_to`]) with the photos
    /// of the citizen's form, followed by the addresses the form left (if any). Every photo is processed first: if one is refused, so is the whole
    /// submission, and nothing is stored.
    pub async fn submit_with_photos(
        &self,
        from: Submitter,
        new: crate::domain::NewOpinion,
        to: Option<&str>,
        following: &super::follow::Following,
        uploads: Vec<Vec<u8>>,
    ) -> Result<super::opinions::Submitted> {
        if uploads.len() > photo::MAX_PHOTOS_PER_OPINION {
            return Err(ServiceError::Unprocessable { code: "too_many_photos", message: too_many().to_string() });
        }
        if !uploads.is_empty() {
            self.files()?;
        }
        let mut processed = Vec::with_capacity(uploads.len());
        for upload in uploads {
            processed.push(process(upload).await?);
        }
        let submitted = self.submit_following(from, new, to, following).await?;
        for p in &processed {
            match self.store_photo(submitted.opinion.id, p).await {
                // The same picture chosen twice is stored once.
                Ok(_) | Err(ServiceError::Conflict { code: "duplicate_photo", .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(submitted)
    }

    /// Writes a processed photo's files, then its row.
    async fn store_photo(&self, opinion_id: i64, processed: &photo::ProcessedPhoto) -> Result<Photo> {
        let files = self.files()?;
        files
            .write(processed)
            .await
            .map_err(|e| ServiceError::Internal(format!("cannot write photo into {}: {e}", files.dir().display())))?;
        let row = NewPhoto {
            opinion_id,
            hash: &processed.hash,
            width: processed.width,
            height: processed.height,
            bytes: processed.jpeg.len() as u64,
            at: self.now(),
        };
        match self.store.insert_photo(&row, photo::MAX_PHOTOS_PER_OPINION).await {
            Ok(Some(photo)) => Ok(photo),
            Ok(None) => Err(too_many()),
            Err(StoreError::Duplicate(_)) => Err(ServiceError::Conflict {
                code: "duplicate_photo",
                message: "this opinion has this photo already".into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Approves or rejects photo `photo_id` of opinion `id`, as staff of its station or an admin;
    /// the decision goes into the opinion's history (its status stays).
    pub async fn decide_photo(
        &self,
        who: &Principal,
        id: &str,
        photo_id: &str,
        decision: PhotoDecision,
    ) -> Result<Tracked> {
        let (opinion, scope) = self.readable(who, id).await?;
        if !who.may_moderate_photos(&opinion, &scope) {
            return Err(ServiceError::Forbidden(format!("a {} may not approve or reject photos", who.role.code())));
        }
        let not_found = || ServiceError::NotFound {
            code: "not_found",
            message: format!("opinion {} has no photo {photo_id:?}", opinion.id),
        };
        let photo_id: i64 = photo_id.trim().parse().map_err(|_| not_found())?;
        let photo =
            self.store.photos(opinion.id).await?.into_iter().find(|p| p.id == photo_id).ok_or_else(not_found)?;
        let to = photo::decide(photo.status, decision)?;
        let entry = opinion.remark(decision.event(), format!("photo {}", photo.id), &who.actor(), self.now());
        if !self.store.decide_photo(&photo, to, &entry).await? {
            return Err(ServiceError::Conflict {
                code: "photo_changed",
                message: "someone decided about this photo meanwhile; reload and try again".into(),
            });
        }
        self.tracked(opinion).await
    }

    /// Whether `who` may approve or reject the photos of `opinion` (for the staff page's buttons).
    pub fn may_moderate_photos(&self, who: &Principal, opinion: &crate::domain::Opinion) -> bool {
        who.may_moderate_photos(opinion, &super::staff::scope_of(&self.catalog(), who))
    }

    /// The file of the photo named `hash`: to anyone once approved (on any opinion that has
    /// it), before that only to someone who may read an opinion that has it. Anything else is
    /// not found, so that the public cannot tell a pending photo from none.
    pub async fn photo_file(&self, who: Option<&Principal>, hash: &str, variant: PhotoVariant) -> Result<PhotoFile> {
        let not_found = || ServiceError::NotFound { code: "not_found", message: "no such photo".into() };
        let hash: PhotoHash = hash.parse().map_err(|_| not_found())?;
        let rows = self.store.photos_by_hash(&hash).await?;
        let public = rows.iter().any(|p| p.status == PhotoStatus::Approved);
        if !public {
            let Some(who) = who else { return Err(not_found()) };
            let scope = super::staff::scope_of(&self.catalog(), who);
            let mut readable = false;
            for p in &rows {
                if let Some(o) = self.store.opinion_by_id(p.opinion_id).await? {
                    if who.may_read(&o, &scope) {
                        readable = true;
                        break;
                    }
                }
            }
            if !readable {
                return Err(not_found());
            }
        }
        if rows.is_empty() {
            return Err(not_found());
        }
        let files = self.files()?;
        match files.read(&hash, variant).await {
            Ok(Some(jpeg)) => Ok(PhotoFile { jpeg, public }),
            Ok(None) => {
                tracing::warn!(%hash, dir = %files.dir().display(), "a photo row names a file that is missing");
                Err(not_found())
            }
            Err(e) => Err(ServiceError::Internal(format!("cannot read photo {hash}: {e}"))),
        }
    }
}

/// Processes an upload off the async threads, a few at a time.
async fn process(upload: Vec<u8>) -> Result<photo::ProcessedPhoto> {
    let _permit = PHOTO_WORK.acquire().await.map_err(|e| ServiceError::Internal(format!("photo work: {e}")))?;
    tokio::task::spawn_blocking(move || photo::process(&upload))
        .await
        .map_err(|e| ServiceError::Internal(format!("photo processing: {e}")))?
        .map_err(ServiceError::from)
}

impl Tracked {
    /// What the public may see of it: approved photos only, and no history lines about photos.
    pub fn public(mut self) -> Self {
        self.photos.retain(|p| p.status == PhotoStatus::Approved);
        self.history.retain(|e| !e.event.starts_with(PHOTO_EVENT_PREFIX));
        self
    }
}
