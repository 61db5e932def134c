//! Photos of opinions: the citizen's upload `POST /api/v1/issues/{code}/photos` (multipart, one
//! file a request), staff's decision `POST /api/v1/staff/issues/{id}/photos/{photo_id}`, and the
//! processed files at `/photos/{hash}.jpg` and `/photos/{hash}/thumb.jpg`. Parsing and rendering
//! only; what is stored and who sees what is the service's.

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::auth::Authenticated;
use super::client_ip::ClientIp;
use super::error::{body_timed_out, ApiJson, ApiPath, AppError, ErrorBody};
use super::AppState;
use crate::domain::photo::{PhotoDecision, MAX_UPLOAD_BYTES};
use crate::service::opinions::{OpinionView, Submitter};
use crate::service::photos::UploadedPhoto;
use crate::store::photo_files::PhotoVariant;

/// The body limit of an upload: one photo and the multipart framing around it.
pub const MAX_UPLOAD_BODY_BYTES: usize = MAX_UPLOAD_BYTES + 64 * 1024;

/// How long a browser may keep an approved photo: its address names its bytes, so for ever.
const PUBLIC_CACHE: &str = "public, max-age=31536000, immutable";

/// The citizen's upload (no login: the tracking code is the key).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/issues/{code}/photos", post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY_BYTES)))
}

/// The files and the staff's decision, which read the login cookie.
pub fn session_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff/issues/{id}/photos/{photo_id}", post(decide))
        .route("/photos/{file}", get(full))
        .route("/photos/{hash}/thumb.jpg", get(thumb))
}

/// A multipart error as the API answers it: 413 past the body limit, 408 for a stalled body,
/// else 400.
pub fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(format!("a photo may have at most {MAX_UPLOAD_BYTES} bytes (10 MB)"))
    } else if body_timed_out(&e) {
        AppError::SlowBody
    } else {
        AppError::bad("invalid_body", format!("the multipart body cannot be read: {}", e.body_text()))
    }
}

/// A file field's bytes, refused with a 413 as soon as it passes [`MAX_UPLOAD_BYTES`].
pub async fn read_file(mut field: Field<'_>) -> Result<Vec<u8>, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
            return Err(AppError::TooLarge(format!("a photo may have at most {MAX_UPLOAD_BYTES} bytes (10 MB)")));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A photo of the opinion, as `multipart/form-data`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct PhotoUpload {
    /// A JPEG, PNG or WebP file of at most 10 MB (10,485,760 bytes) and 50 megapixels.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    photo: Vec<u8>,
}

/// Add a photo to an opinion (at most 3 an opinion). It is decoded and encoded anew as JPEG, at
/// most 2,048 px on the long side, without EXIF or any other metadata (the orientation is applied
/// first); staff of the station see it at once, the public once staff approve it. Counts against
/// the address's hourly submission allowance.
#[utoipa::path(
    post,
    path = "/api/v1/issues/{code}/photos",
    tag = "opinions",
    params(("code" = String, Path, description = "The tracking code, with or without dashes")),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored, pending approval; `url` serves the processed photo", body = UploadedPhoto),
        (status = 400, description = "A malformed tracking code, not multipart/form-data, or no field named photo", body = ErrorBody),
        (status = 404, description = "No opinion has this tracking code", body = ErrorBody),
        (status = 409, description = "The opinion has 3 photos already (too_many_photos), or this one (duplicate_photo)", body = ErrorBody),
        (status = 413, description = "The photo is larger than 10 MB", body = ErrorBody),
        (status = 422, description = "Not a JPEG, PNG or WebP image (not_an_image, unreadable_image), or more than 50 megapixels (image_too_large)", body = ErrorBody),
        (status = 429, description = "Too many submissions and photos from this address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until another upload may succeed"))),
    )
)]
async fn upload(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiPath(code): ApiPath<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let mut multipart = multipart
        .map_err(|_| AppError::bad("invalid_body", "send the photo as multipart/form-data, in a field named photo"))?;
    let mut photo = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("photo") {
            continue;
        }
        if photo.is_some() {
            return Err(AppError::bad("invalid_body", "send one photo a request"));
        }
        photo = Some(read_file(field).await?);
    }
    let photo = photo.ok_or_else(|| AppError::bad("missing_photo", "the form has no field named photo"))?;
    let stored = state.service.add_photo(Submitter::Citizen(client), &code, photo).await?;
    Ok((StatusCode::CREATED, Json(UploadedPhoto::from(&stored))).into_response())
}

/// Staff's decision about a photo.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PhotoDecisionRequest)]
struct DecisionBody {
    /// approve: the public sees it; reject: it stays hidden. Either can be changed later.
    decision: PhotoDecision,
}

/// Approve or reject a photo of an opinion (staff of its station, admins); the decision goes into
/// the opinion's history, its status stays.
#[utoipa::path(
    post,
    path = "/api/v1/staff/issues/{id}/photos/{photo_id}",
    tag = "staff",
    params(
        ("id" = String, Path, description = "The opinion's numeric id"),
        ("photo_id" = String, Path, description = "The photo's id, as the opinion lists it"),
    ),
    request_body = DecisionBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The opinion after the decision", body = OpinionView),
        (status = 400, description = "A body that is not JSON sent as application/json", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "The role may not decide about photos here", body = ErrorBody),
        (status = 404, description = "No such opinion, or no such photo of it", body = ErrorBody),
        (status = 409, description = "The photo is already so (already_decided), or someone decided first (photo_changed)", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "decision is not approve or reject", body = ErrorBody),
    )
)]
async fn decide(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath((id, photo_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Response, AppError> {
    let tracked = state.service.decide_photo(&who, &id, &photo_id, body.decision).await?;
    Ok(super::staff::staff_view(&state, &who, &tracked))
}

/// A photo (JPEG, at most 2,048 px on the long side, no metadata). Approved photos are public and
/// cached for good; a pending or rejected one only reaches staff who may read its opinion, never
/// cached, and is a 404 to everyone else.
#[utoipa::path(
    get,
    path = "/photos/{file}",
    tag = "opinions",
    params(("file" = String, Path, description = "The photo's SHA-256 (64 lowercase hex digits) and .jpg")),
    responses(
        (status = 200, description = "The photo", content_type = "image/jpeg", body = Vec<u8>,
            headers(("Cache-Control" = String, description = "public, immutable when approved; private, no-store for staff"))),
        (status = 400, description = "Not a photo's file name", body = ErrorBody),
        (status = 404, description = "No such photo, or not approved and the caller may not see it", body = ErrorBody),
    )
)]
async fn full(
    State(state): State<AppState>,
    who: Result<Authenticated, AppError>,
    ApiPath(file): ApiPath<String>,
) -> Result<Response, AppError> {
    let hash = file.strip_suffix(".jpg").filter(|h| h.len() == 64).ok_or_else(|| bad_name(&file))?;
    serve(&state, who, hash, PhotoVariant::Full).await
}

/// A photo's thumbnail (JPEG, at most 320 px on the long side); seen as the photo is.
#[utoipa::path(
    get,
    path = "/photos/{hash}/thumb.jpg",
    tag = "opinions",
    params(("hash" = String, Path, description = "The photo's SHA-256 (64 lowercase hex digits)")),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/jpeg", body = Vec<u8>,
            headers(("Cache-Control" = String, description = "public, immutable when approved; private, no-store for staff"))),
        (status = 400, description = "Not a photo's hash", body = ErrorBody),
        (status = 404, description = "No such photo, or not approved and the caller may not see it", body = ErrorBody),
    )
)]
async fn thumb(
    State(state): State<AppState>,
    who: Result<Authenticated, AppError>,
    ApiPath(hash): ApiPath<String>,
) -> Result<Response, AppError> {
    serve(&state, who, &hash, PhotoVariant::Thumb).await
}

fn bad_name(file: &str) -> AppError {
    AppError::bad(
        "invalid_path",
        format!("{:?} is not a photo's file name (64 hex digits and .jpg)", file.escape_debug().to_string()),
    )
}

async fn serve(
    state: &AppState,
    who: Result<Authenticated, AppError>,
    hash: &str,
    variant: PhotoVariant,
) -> Result<Response, AppError> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(bad_name(hash));
    }
    // Credentials that are missing or wrong only mean: the public is asking.
    let who = who.ok().map(|Authenticated(p)| p);
    let file = state.service.photo_file(who.as_ref(), hash, variant).await?;
    let cache = if file.public { PUBLIC_CACHE } else { "private, no-store" };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg")),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    Ok((headers, file.jpeg).into_response())
}
