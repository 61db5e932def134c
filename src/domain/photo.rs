//! Citizens' photos of an opinion: how an upload becomes a stored photo, and how staff decide
//! whether the public may see it.
//!
//! Every upload is decoded and encoded anew from its pixels ([`process`]): only JPEG, PNG and WebP
//! are read, a picture claiming more than [`MAX_SOURCE_PIXELS`] is refused before its pixels are
//! decoded (a "decompression bomb"), the EXIF orientation is applied, the long side is brought
//! down to at most [`MAX_SIDE_PX`], a thumbnail of at most [`THUMB_SIDE_PX`] is made, and both are
//! written as baseline JPEG without any metadata. That last step matters: a phone's EXIF GPS tags
//! would give away the exact place that the public view of an opinion rounds to ~100 m.
//!
//! A photo is `pending` until staff approve or reject it ([`decide`]); only approved photos are
//! public. This module has no I/O: the caller stores the bytes.

use std::fmt;
use std::io::Cursor;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset};
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use sha2::{Digest, Sha256};

/// The most bytes an uploaded file may have.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// The most photos one opinion may have (whatever their status: a rejected one still counts).
pub const MAX_PHOTOS_PER_OPINION: usize = 3;
/// The longest side of a stored photo, in pixels.
pub const MAX_SIDE_PX: u32 = 2048;
/// The longest side of a thumbnail, in pixels.
pub const THUMB_SIDE_PX: u32 = 320;
/// The most pixels an upload may claim (a 48-megapixel phone photo fits; a 100-megapixel
/// all-black PNG of a few kilobytes does not).
pub const MAX_SOURCE_PIXELS: u64 = 50_000_000;
/// The longest side an upload may claim, checked by the decoder before it allocates anything.
pub const MAX_SOURCE_SIDE_PX: u32 = 16_384;
/// What a decoder may allocate for one upload.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// The JPEG quality of stored photos and thumbnails.
pub const JPEG_QUALITY: u8 = 85;

/// Why an upload or a decision was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("a photo may have at most {max} bytes (10 MB), got {got}", max = MAX_UPLOAD_BYTES)]
    TooLarge { got: usize },
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("{width}×{height} pixels is more than the {MAX_SOURCE_PIXELS} a photo may have")]
    TooManyPixels { width: u32, height: u32 },
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
    #[error("the photo is already {0}")]
    AlreadyDecided(PhotoStatus),
}

/// Where a photo stands with the staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PhotoStatus {
    /// Uploaded; seen by staff only.
    Pending,
    /// Shown to the public.
    Approved,
    /// Never shown to the public.
    Rejected,
}

impl PhotoStatus {
    pub fn code(self) -> &'static str {
        match self {
            PhotoStatus::Pending => "pending",
            PhotoStatus::Approved => "approved",
            PhotoStatus::Rejected => "rejected",
        }
    }
}

impl fmt::Display for PhotoStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for PhotoStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(PhotoStatus::Pending),
            "approved" => Ok(PhotoStatus::Approved),
            "rejected" => Ok(PhotoStatus::Rejected),
            other => Err(format!("unknown photo status {other:?}: expected pending, approved or rejected")),
        }
    }
}

/// What staff decide about a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PhotoDecision {
    Approve,
    Reject,
}

impl PhotoDecision {
    /// The event code of the decision in the opinion's history.
    pub fn event(self) -> &'static str {
        match self {
            PhotoDecision::Approve => "photo_approve",
            PhotoDecision::Reject => "photo_reject",
        }
    }
}

impl FromStr for PhotoDecision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "approve" => Ok(PhotoDecision::Approve),
            "reject" => Ok(PhotoDecision::Reject),
            other => Err(format!("decision must be approve or reject, got {other:?}")),
        }
    }
}

/// The status a photo in `from` moves to on `decision`: staff approve or reject a pending photo,
/// and may change their mind later (withdraw an approved one, approve a rejected one); deciding
/// what already holds is refused.
///
/// | from | approve | reject |
/// |------|---------|--------|
/// | pending | approved | rejected |
/// | approved | refused | rejected |
/// | rejected | approved | refused |
///
/// # Examples
///
/// ```
/// use liaison::domain::photo::{decide, PhotoDecision, PhotoError, PhotoStatus};
///
/// assert_eq!(decide(PhotoStatus::Pending, PhotoDecision::Approve), Ok(PhotoStatus::Approved));
/// assert_eq!(decide(PhotoStatus::Approved, PhotoDecision::Reject), Ok(PhotoStatus::Rejected));
/// assert_eq!(
///     decide(PhotoStatus::Rejected, PhotoDecision::Reject),
///     Err(PhotoError::AlreadyDecided(PhotoStatus::Rejected))
/// );
/// ```
pub fn decide(from: PhotoStatus, decision: PhotoDecision) -> Result<PhotoStatus, PhotoError> {
    let to = match decision {
        PhotoDecision::Approve => PhotoStatus::Approved,
        PhotoDecision::Reject => PhotoStatus::Rejected,
    };
    if from == to {
        return Err(PhotoError::AlreadyDecided(from));
    }
    Ok(to)
}

/// The SHA-256 of a stored photo's bytes, as 64 lowercase hex digits: its name on disk and in
/// its URL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhotoHash(String);

impl PhotoHash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        PhotoHash(hex::encode(Sha256::digest(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PhotoHash {
    type Err = String;
    /// Exactly 64 lowercase hex digits (nothing else can name a file).
    fn from_str(s: &str) -> Result<Self, String> {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            Ok(PhotoHash(s.to_owned()))
        } else {
            Err(format!("{:?} is not a photo hash (64 lowercase hex digits)", s.escape_debug().to_string()))
        }
    }
}

impl fmt::Display for PhotoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored photo of an opinion. `bytes`, `width` and `height` are those of the stored JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub id: i64,
    pub opinion_id: i64,
    pub hash: PhotoHash,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub uploaded_at: DateTime<FixedOffset>,
    pub status: PhotoStatus,
    /// The actor (see [`crate::domain::Principal::actor`]) of the last decision.
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<FixedOffset>>,
}

/// An upload made safe to store: JPEG bytes without metadata, and a thumbnail.
#[derive(Debug, Clone)]
pub struct ProcessedPhoto {
    pub hash: PhotoHash,
    pub width: u32,
    pub height: u32,
    /// The photo as JPEG.
    pub jpeg: Vec<u8>,
    /// The thumbnail as JPEG.
    pub thumb: Vec<u8>,
}

fn unreadable(e: image::ImageError) -> PhotoError {
    match e {
        image::ImageError::Limits(_) => PhotoError::Unreadable("it is larger than a photo may be".into()),
        other => PhotoError::Unreadable(other.to_string()),
    }
}

/// Decodes an upload within limits, turns it upright, shrinks it and encodes it again as JPEG
/// without metadata (see the module doc). CPU-bound: call it off the async threads.
///
/// # Examples
///
/// ```
/// use liaison::domain::photo::{process, PhotoError};
///
/// let mut png = Vec::new();
/// image::RgbImage::new(4000, 1000)
///     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
///     .unwrap();
/// let photo = process(&png)?;
/// assert_eq!((photo.width, photo.height), (2048, 512));
/// assert_eq!(&photo.jpeg[..2], &[0xFF, 0xD8], "a JPEG");
///
/// assert_eq!(process(b"GIF89a, or anything else").unwrap_err(), PhotoError::NotAnImage);
/// # Ok::<(), PhotoError>(())
/// ```
pub fn process(upload: &[u8]) -> Result<ProcessedPhoto, PhotoError> {
    if upload.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge { got: upload.len() });
    }
    let format = image::guess_format(upload).map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) {
        return Err(PhotoError::NotAnImage);
    }
    let mut reader = ImageReader::with_format(Cursor::new(upload), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE_PX);
    limits.max_image_height = Some(MAX_SOURCE_SIDE_PX);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    // The decoder reads the header only; the pixels are decoded below, after the size check.
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_SOURCE_PIXELS {
        return Err(PhotoError::TooManyPixels { width, height });
    }
    // A photo whose orientation tag cannot be read is kept as it was taken.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    if picture.width().max(picture.height()) > MAX_SIDE_PX {
        picture = picture.resize(MAX_SIDE_PX, MAX_SIDE_PX, FilterType::CatmullRom);
    }
    let rgb = on_white(&picture);
    let thumb = DynamicImage::ImageRgb8(rgb.clone()).thumbnail(THUMB_SIDE_PX, THUMB_SIDE_PX).to_rgb8();
    let jpeg = jpeg(&rgb)?;
    Ok(ProcessedPhoto {
        hash: PhotoHash::of(&jpeg),
        width: rgb.width(),
        height: rgb.height(),
        thumb: self::jpeg(&thumb)?,
        jpeg,
    })
}

/// The picture's pixels as 8-bit RGB, transparent parts laid on white (JPEG has no alpha).
fn on_white(picture: &DynamicImage) -> RgbImage {
    if !picture.color().has_alpha() {
        return picture.to_rgb8();
    }
    let rgba = picture.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([over(r), over(g), over(b)])
    })
}

/// Baseline JPEG at [`JPEG_QUALITY`], with no metadata segments but the JFIF header.
fn jpeg(rgb: &RgbImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(rgb)
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(picture: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Vec::new();
        picture.write_to(&mut Cursor::new(&mut out), format).unwrap();
        out
    }

    #[test]
    fn each_decision_moves_as_the_table_says() {
        use PhotoDecision::*;
        use PhotoStatus::*;
        let table = [
            (Pending, Approve, Ok(Approved)),
            (Pending, Reject, Ok(Rejected)),
            (Approved, Approve, Err(PhotoError::AlreadyDecided(Approved))),
            (Approved, Reject, Ok(Rejected)),
            (Rejected, Approve, Ok(Approved)),
            (Rejected, Reject, Err(PhotoError::AlreadyDecided(Rejected))),
        ];
        for (from, decision, want) in table {
            assert_eq!(decide(from, decision), want, "{from} {decision:?}");
        }
    }

    #[test]
    fn a_small_photo_keeps_its_size_and_gets_a_thumbnail() {
        let photo = process(&encoded(DynamicImage::new_rgb8(640, 480), ImageFormat::Jpeg)).unwrap();
        assert_eq!((photo.width, photo.height), (640, 480));
        let thumb = image::load_from_memory(&photo.thumb).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 240));
        assert_eq!(photo.hash, PhotoHash::of(&photo.jpeg));
    }

    #[test]
    fn the_exif_orientation_is_applied() {
        // A 40×20 JPEG tagged "rotate 90° clockwise" (orientation 6) is stored 20×40.
        let jpeg = encoded(DynamicImage::new_rgb8(40, 20), ImageFormat::Jpeg);
        let tiff: &[u8] = &[
            b'M', b'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF, IFD0 at 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, // Orientation SHORT 1 = 6
            0, 0, 0, 0, // no next IFD
        ];
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
        app1.extend_from_slice(b"Exif\0\0");
        app1.extend_from_slice(tiff);
        let tagged = [&jpeg[..2], &app1, &jpeg[2..]].concat();
        let photo = process(&tagged).unwrap();
        assert_eq!((photo.width, photo.height), (20, 40));
    }

    #[test]
    fn a_picture_claiming_too_many_pixels_is_refused_before_decoding() {
        let bomb = encoded(DynamicImage::new_luma8(10_000, 10_000), ImageFormat::Png);
        assert!(bomb.len() < 1_000_000, "a bomb is small: {} bytes", bomb.len());
        assert_eq!(process(&bomb).unwrap_err(), PhotoError::TooManyPixels { width: 10_000, height: 10_000 });
    }

    #[test]
    fn transparent_parts_become_white() {
        let clear = DynamicImage::ImageRgba8(image::RgbaImage::new(8, 8));
        let photo = process(&encoded(clear, ImageFormat::Png)).unwrap();
        let back = image::load_from_memory(&photo.jpeg).unwrap().to_rgb8();
        assert!(back.pixels().all(|p| p.0.iter().all(|&c| c > 245)), "{:?}", back.get_pixel(0, 0));
    }

    #[test]
    fn other_formats_and_garbage_are_not_images() {
        assert_eq!(process(b"hello, this is text").unwrap_err(), PhotoError::NotAnImage);
        let png = encoded(DynamicImage::new_rgb8(2, 2), ImageFormat::Png);
        assert!(matches!(process(&png[..40]).unwrap_err(), PhotoError::Unreadable(_)), "a cut-off PNG");
        assert_eq!(process(b"GIF89a\x01\x00\x01\x00").unwrap_err(), PhotoError::NotAnImage);
    }

    #[test]
    fn hashes_are_64_lowercase_hex_digits() {
        let h = PhotoHash::of(b"x");
        assert_eq!(h.as_str().parse::<PhotoHash>(), Ok(h.clone()));
        assert!("../etc/passwd".parse::<PhotoHash>().is_err());
        assert!(h.as_str().to_uppercase().parse::<PhotoHash>().is_err());
    }
}
