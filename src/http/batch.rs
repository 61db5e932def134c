//! `POST /api/v1/grids/at` and `POST /api/v1/stations/nearest`: batch lookups of up to 10,000
//! points for integrators, answered one row per point in input order and streamed as the points
//! are answered.
//!
//! Input is JSON (`{"crs","points":[{"id","lon","lat"}…],"k","kind","level","body"}`) or CSV
//! (`Content-Type: text/csv`, a header naming `lon`, `lat` and optionally `id`; `crs`, `k` and the
//! filters as query parameters). Answers are JSON for JSON, CSV for CSV, unless `Accept` asks for
//! the other. Positions are in the request's `crs` (x = lon, y = lat, degrees) and WGS84 inside;
//! distances are metres rounded to the centimetre. The per-point work is
//! [`crate::service::batch`]; this module parses, calls it off the async threads a chunk at a time
//! (`spawn_blocking`), and streams the rendered chunks through a channel.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};
use tokio_stream::wrappers::ReceiverStream;

use super::error::{ApiQuery, AppError, ErrorBody};
use super::params::{self, FilterParams};
use super::AppState;
use crate::catalog::Catalog;
use crate::domain::{AdminArea, GridArea};
use crate::service::batch::{
    self, BatchError, BatchPoint, GridAnswer, NearestQuery, PointError, DEFAULT_K, GRID_CHUNK_POINTS, MAX_K,
    MAX_POINTS, NEAREST_CHUNK_POINTS,
};
use crate::service::views::round_m;
use crate::spatial::Crs;

/// The largest batch body: 10,000 points with ids and full-precision coordinates fit in ~1 MB.
pub const MAX_BATCH_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The longest caller's id a point may carry, characters.
const MAX_ID_CHARS: usize = 200;

/// Chunks being answered at once: one per core of the box this runs on.
const CHUNKS_IN_FLIGHT: usize = 2;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/grids/at", post(grids_at))
        .route("/api/v1/stations/nearest", post(nearest))
        .layer(DefaultBodyLimit::max(MAX_BATCH_BODY_BYTES))
}

/// Options given as query parameters (CSV input; JSON input may give them in the body instead).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct BatchParams {
    /// The coordinate system of the points (default wgs84).
    #[param(value_type = Option<crate::spatial::Crs>)]
    crs: Option<String>,
    /// Nearest only: how many stations a point (1 to 100, default 1).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    k: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    filter: FilterParams,
}

/// The query parameters of a grid batch (it has no `k` or station filters).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the parameters for the OpenAPI document only
struct GridBatchParams {
    /// The coordinate system of the points (default wgs84).
    crs: Option<crate::spatial::Crs>,
}

/// A JSON grid batch as the request body describes it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the body for the OpenAPI document only
struct GridBatchBody {
    /// 1 to 10,000 points, answered in this order, each an object `{"id": "a1", "lon": 121.55,
    /// "lat": 29.87}` (`id` optional, echoed in its row; `lon`, `lat` in `crs`). A point that is
    /// not such an object, or whose numbers are missing or out of range, gets an error row; the
    /// others are answered.
    points: Vec<serde_json::Value>,
    /// The coordinate system of the points (default wgs84).
    crs: Option<crate::spatial::Crs>,
}

/// A JSON batch as the request body describes it (read by [`JsonBatch`], point by point).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the body for the OpenAPI document only
struct BatchBody {
    /// 1 to 10,000 points, answered in this order, each an object `{"id": "a1", "lon": 121.55,
    /// "lat": 29.87}` (`id` optional, echoed in its row; `lon`, `lat` in `crs`). A point that is
    /// not such an object, or whose numbers are missing or out of range, gets an error row; the
    /// others are answered.
    points: Vec<serde_json::Value>,
    /// The coordinate system of the points (default wgs84).
    crs: Option<crate::spatial::Crs>,
    /// Nearest only: how many stations a point (1 to 100, default 1).
    #[schema(minimum = 1, maximum = 100)]
    k: Option<u32>,
    /// Nearest only: station kinds, comma-separated or an array.
    kind: Option<String>,
    /// Nearest only: levels, comma-separated or an array.
    level: Option<String>,
    /// Nearest only: stations where members of this body receive.
    body: Option<crate::domain::Body>,
    /// Nearest only: stations with a reception session on this date.
    reception_date: Option<chrono::NaiveDate>,
}

/// A comma-separated list of codes, or a JSON array of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Codes {
    One(String),
    Many(Vec<String>),
}

impl Codes {
    fn joined(self) -> String {
        match self {
            Codes::One(s) => s,
            Codes::Many(v) => v.join(","),
        }
    }
}

/// A JSON batch. Points are read one by one so that a bad point fails alone.
#[derive(Debug, Deserialize)]
struct JsonBatch {
    points: Vec<RawPoint>,
    crs: Option<String>,
    k: Option<usize>,
    kind: Option<Codes>,
    level: Option<Codes>,
    body: Option<String>,
    reception_date: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Json,
    Csv,
}

impl Format {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
        })
    }
}

/// A parsed batch: its points (already WGS84; the answers carry no coordinates), options, and
/// the answer's format.
struct Batch {
    points: Vec<BatchPoint>,
    k: usize,
    filter: FilterParams,
    format: Format,
}

fn batch_error(e: BatchError) -> AppError {
    match e {
        BatchError::Empty => AppError::Unprocessable { code: "no_points", message: e.to_string() },
        BatchError::TooMany(_) => AppError::TooLarge(e.to_string()),
        BatchError::KOutOfRange(_) => AppError::bad("out_of_range", e.to_string()),
    }
}

fn body_error(e: BytesRejection) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(format!(
            "the body is larger than {MAX_BATCH_BODY_BYTES} bytes; a batch holds at most {MAX_POINTS} points"
        ))
    } else {
        AppError::bad("invalid_body", e.body_text())
    }
}

/// Reads the whole body into a batch, off the async threads (10,000 points take milliseconds).
async fn read(headers: &HeaderMap, query: BatchParams, body: Result<Bytes, BytesRejection>) -> Result<Batch, AppError> {
    let body = body.map_err(body_error)?;
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let input = if media.starts_with("application/json") {
        Format::Json
    } else if media.starts_with("text/csv") {
        Format::Csv
    } else {
        return Err(AppError::bad(
            "invalid_body",
            "send the points as JSON (Content-Type: application/json) or CSV (Content-Type: text/csv)",
        ));
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad("invalid_body", "the body is empty; send up to 10,000 points"));
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = if accept.contains("text/csv") {
        Format::Csv
    } else if accept.contains("application/json") {
        Format::Json
    } else {
        input
    };
    tokio::task::spawn_blocking(move || match input {
        Format::Json => read_json(&body, query, format),
        Format::Csv => read_csv(&body, query, format),
    })
    .await
    .map_err(AppError::internal)?
}

/// The body with the bare `NaN`, `Infinity` and `-Infinity` that Python's `json.dumps` writes for
/// missing numbers quoted as strings, so that such a point fails alone; `None` when it has none.
fn quote_non_finite(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() + 64);
    let (mut in_string, mut escaped, mut changed) = (false, false, false);
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if in_string {
            (escaped, in_string) = (!escaped && b == b'\\', escaped || b != b'"');
        } else if b == b'"' {
            in_string = true;
        } else if let Some(word) =
            [&b"-Infinity"[..], b"Infinity", b"NaN"].into_iter().find(|w| body[i..].starts_with(w))
        {
            out.push(b'"');
            out.extend_from_slice(word);
            out.push(b'"');
            (i, changed) = (i + word.len(), true);
            continue;
        }
        out.push(b);
        i += 1;
    }
    changed.then_some(out)
}

fn read_json(body: &[u8], query: BatchParams, format: Format) -> Result<Batch, AppError> {
    let parsed = serde_json::from_slice::<JsonBatch>(body).or_else(|e| match quote_non_finite(body) {
        Some(quoted) if e.is_syntax() => serde_json::from_slice(&quoted),
        _ => Err(e),
    });
    let parsed = parsed.map_err(|e| {
        if e.is_data() {
            AppError::Unprocessable { code: "invalid_body", message: e.to_string() }
        } else {
            AppError::bad("invalid_body", format!("the body is not JSON: {e}"))
        }
    })?;
    batch::check_size(parsed.points.len()).map_err(batch_error)?;
    // The query's own values are checked even where the body overrides them: a bad parameter is
    // an error, never silently ignored.
    let query_crs = params::crs(&query.crs)?;
    let query_k = params::integer("k", &query.k, DEFAULT_K, 1..=MAX_K)?;
    query.filter.filter()?;
    let crs = if parsed.crs.is_some() { params::crs(&parsed.crs)? } else { query_crs };
    let k = parsed.k.unwrap_or(query_k);
    let q = query.filter;
    let filter = FilterParams {
        kind: parsed.kind.map(Codes::joined).or(q.kind),
        level: parsed.level.map(Codes::joined).or(q.level),
        body: parsed.body.or(q.body),
        reception_date: parsed.reception_date.or(q.reception_date),
        q: q.q,
    };
    let points = parsed.points.into_iter().enumerate().map(|(i, p)| json_point(i, p, crs)).collect();
    Ok(Batch { points, k, filter, format })
}

/// Where a point is in the caller's input, named only when it has an error.
#[derive(Debug, Clone, Copy)]
enum Row {
    /// The position in a JSON `points` array, from 0.
    Point(usize),
    /// The line of a CSV file (the header is line 1).
    Line(u64),
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Row::Point(i) => write!(f, "point {i}"),
            Row::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// A JSON value as a point's field holds it, read without building a JSON tree.
#[derive(Debug)]
enum Loose {
    Absent,
    Float(f64),
    Int(i128),
    Text(String),
    /// Something else (`true`, an array, an object), described.
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match d.deserialize_any(AnyValue)? {
            Ok(v) => v,
            Err(what) => Loose::Other(what),
        })
    }
}

/// A visitor of any JSON value: scalars as [`Loose`]; booleans, arrays and objects skipped and
/// described.
struct AnyValue;

/// What [`AnyValue`] read: a scalar, or a description of what it skipped.
type AnyRead = Result<Loose, &'static str>;

impl<'de> serde::de::Visitor<'de> for AnyValue {
    type Value = AnyRead;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<AnyRead, E> {
        Ok(Ok(Loose::Absent))
    }
    fn visit_none<E>(self) -> Result<AnyRead, E> {
        Ok(Ok(Loose::Absent))
    }
    fn visit_bool<E>(self, _: bool) -> Result<AnyRead, E> {
        Ok(Err("a boolean"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<AnyRead, E> {
        Ok(Ok(Loose::Float(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<AnyRead, E> {
        Ok(Ok(Loose::Int(v.into())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<AnyRead, E> {
        Ok(Ok(Loose::Int(v.into())))
    }
    fn visit_str<E>(self, v: &str) -> Result<AnyRead, E> {
        Ok(Ok(Loose::Text(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<AnyRead, E> {
        Ok(Ok(Loose::Text(v)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<AnyRead, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Err("an array"))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<AnyRead, A::Error> {
        while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
        Ok(Err("an object"))
    }
}

/// One element of a JSON `points` array: an object's `id`, `lon` and `lat`, or, for anything
/// but an object, what it was.
#[derive(Debug)]
struct RawPoint {
    id: Loose,
    lon: Loose,
    lat: Loose,
    not_an_object: Option<&'static str>,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum PointField {
    Id,
    Lon,
    Lat,
    #[serde(other)]
    Other,
}

struct PointVisitor;

impl<'de> serde::de::Visitor<'de> for PointVisitor {
    type Value = RawPoint;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a point")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawPoint, A::Error> {
        let mut p = RawPoint { id: Loose::Absent, lon: Loose::Absent, lat: Loose::Absent, not_an_object: None };
        while let Some(key) = map.next_key::<PointField>()? {
            match key {
                PointField::Id => p.id = map.next_value()?,
                PointField::Lon => p.lon = map.next_value()?,
                PointField::Lat => p.lat = map.next_value()?,
                PointField::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(p)
    }
    // Anything but an object becomes a point that fails alone.
    fn visit_unit<E>(self) -> Result<RawPoint, E> {
        Ok(RawPoint::not_an_object("null"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<RawPoint, E> {
        Ok(RawPoint::not_an_object("a boolean"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<RawPoint, E> {
        Ok(RawPoint::not_an_object("a number"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<RawPoint, E> {
        Ok(RawPoint::not_an_object("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<RawPoint, E> {
        Ok(RawPoint::not_an_object("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<RawPoint, E> {
        Ok(RawPoint::not_an_object("a string"))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawPoint, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(RawPoint::not_an_object("an array"))
    }
}

impl RawPoint {
    fn not_an_object(what: &'static str) -> Self {
        Self { id: Loose::Absent, lon: Loose::Absent, lat: Loose::Absent, not_an_object: Some(what) }
    }
}

impl<'de> Deserialize<'de> for RawPoint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PointVisitor)
    }
}

/// One JSON point: an object with `lon`, `lat` (numbers, or numbers as strings) and an optional
/// `id` (a string or a number).
fn json_point(i: usize, p: RawPoint, crs: Crs) -> BatchPoint {
    let row = Row::Point(i);
    let bad = |message: String| BatchPoint {
        id: None,
        position: Err(PointError::BadRecord { row: row.to_string(), message }),
    };
    if let Some(what) = p.not_an_object {
        return bad(format!("must be an object with lon and lat, got {what}"));
    }
    let id = match p.id {
        Loose::Absent => Ok(None),
        Loose::Text(s) => Ok(Some(s)),
        Loose::Int(n) => Ok(Some(n.to_string())),
        Loose::Float(x) => Ok(Some(x.to_string())),
        Loose::Other(what) => Err(format!("id must be a string or a number, got {what}")),
    };
    let id = match id.and_then(check_id) {
        Ok(id) => id,
        Err(message) => return bad(message),
    };
    let coordinate = |field: &'static str, v: Loose| -> Result<f64, PointError> {
        match v {
            Loose::Absent => Err(PointError::Missing { row: row.to_string(), field }),
            Loose::Float(x) => Ok(x),
            Loose::Int(n) => Ok(n as f64),
            Loose::Text(s) => number(row, field, &s),
            Loose::Other(what) => Err(PointError::NotANumber { row: row.to_string(), field, got: what.into() }),
        }
    };
    let position = coordinate("lon", p.lon)
        .and_then(|lon| Ok((lon, coordinate("lat", p.lat)?)))
        .and_then(|(lon, lat)| batch::locate(row, lon, lat, crs));
    BatchPoint { id, position }
}

fn check_id(id: Option<String>) -> Result<Option<String>, String> {
    match id {
        Some(s) if s.chars().count() > MAX_ID_CHARS => Err(format!("id must be at most {MAX_ID_CHARS} characters")),
        other => Ok(other),
    }
}

fn number(row: Row, field: &'static str, s: &str) -> Result<f64, PointError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(PointError::Missing { row: row.to_string(), field });
    }
    t.parse::<f64>().map_err(|_| PointError::NotANumber { row: row.to_string(), field, got: format!("{t:?}") })
}

fn read_csv(body: &[u8], query: BatchParams, format: Format) -> Result<Batch, AppError> {
    let crs = params::crs(&query.crs)?;
    let k = params::integer("k", &query.k, DEFAULT_K, 1..=MAX_K)?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(body);
    let header = reader.byte_headers().map_err(|e| AppError::bad("invalid_csv", format!("line 1: {e}")))?.clone();
    let column = |name: &str| header.iter().position(|h| h.trim_ascii().eq_ignore_ascii_case(name.as_bytes()));
    let (Some(lon_at), Some(lat_at)) = (column("lon"), column("lat")) else {
        return Err(AppError::bad(
            "invalid_csv",
            "line 1 must be a header naming the columns lon and lat (and optionally id)",
        ));
    };
    let id_at = column("id");
    let mut points = Vec::new();
    for record in reader.byte_records() {
        if points.len() == MAX_POINTS {
            // One more row is enough to refuse the batch; counting the rest would not change that.
            return Err(batch_error(BatchError::TooMany(MAX_POINTS + 1)));
        }
        points.push(csv_point(record, lon_at, lat_at, id_at, crs, points.len()));
    }
    batch::check_size(points.len()).map_err(batch_error)?;
    Ok(Batch { points, k, filter: query.filter, format })
}

/// One CSV row; its errors name its line in the file (the header is line 1).
fn csv_point(
    record: csv::Result<csv::ByteRecord>,
    lon_at: usize,
    lat_at: usize,
    id_at: Option<usize>,
    crs: Crs,
    index: usize,
) -> BatchPoint {
    let record = match record {
        Ok(r) => r,
        Err(e) => {
            let row = e.position().map_or_else(|| format!("row {index}"), |p| Row::Line(p.line()).to_string());
            return BatchPoint { id: None, position: Err(PointError::BadRecord { row, message: e.to_string() }) };
        }
    };
    // A record read from a reader always has a position; the index is a fallback for the message.
    let row = Row::Line(record.position().map_or(index as u64 + 2, |p| p.line()));
    let text = |at: usize| -> Result<Option<&str>, PointError> {
        record
            .get(at)
            .map(std::str::from_utf8)
            .transpose()
            .map_err(|_| PointError::BadRecord { row: row.to_string(), message: "the row is not valid UTF-8".into() })
    };
    let id = match id_at.map(text).transpose().map(Option::flatten) {
        Ok(id) => id.filter(|s| !s.is_empty()).map(str::to_owned),
        Err(e) => return BatchPoint { id: None, position: Err(e) },
    };
    let id = match check_id(id) {
        Ok(id) => id,
        Err(message) => {
            return BatchPoint { id: None, position: Err(PointError::BadRecord { row: row.to_string(), message }) }
        }
    };
    let coordinate = |field: &'static str, at: usize| -> Result<f64, PointError> {
        match text(at)? {
            None => Err(PointError::Missing { row: row.to_string(), field }),
            Some(s) => number(row, field, s),
        }
    };
    let position = coordinate("lon", lon_at)
        .and_then(|lon| Ok((lon, coordinate("lat", lat_at)?)))
        .and_then(|(lon, lat)| batch::locate(row, lon, lat, crs));
    BatchPoint { id, position }
}

/// Renders the answers of `points` (the chunk starting at `offset` of the batch) into `out`.
type Render = dyn Fn(&Catalog, &[BatchPoint], usize, &mut Vec<u8>) + Send + Sync;

/// Streams the answers: `head`, then each chunk of `chunk_points` as soon as it is answered (up to
/// [`CHUNKS_IN_FLIGHT`] answered at once on blocking threads, sent in order), then `tail`;
/// `row_bytes` is about the size of one rendered row, so that a chunk's buffer seldom grows.
fn stream(
    catalog: Arc<Catalog>,
    batch: Batch,
    chunk_points: usize,
    row_bytes: usize,
    render: Arc<Render>,
    head: Vec<u8>,
    tail: Vec<u8>,
) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS_IN_FLIGHT * 2);
    let points = Arc::new(batch.points);
    tokio::spawn(async move {
        if tx.send(Ok(Bytes::from(head))).await.is_err() {
            return;
        }
        let mut starts = (0..points.len()).step_by(chunk_points);
        let mut in_flight = VecDeque::new();
        loop {
            while in_flight.len() < CHUNKS_IN_FLIGHT {
                let Some(start) = starts.next() else { break };
                let (catalog, points, render) = (catalog.clone(), points.clone(), render.clone());
                in_flight.push_back(tokio::task::spawn_blocking(move || {
                    let chunk = &points[start..(start + chunk_points).min(points.len())];
                    let mut out = Vec::with_capacity(chunk.len() * row_bytes);
                    render(&catalog, chunk, start, &mut out);
                    out
                }));
            }
            let Some(next) = in_flight.pop_front() else { break };
            let sent = match next.await {
                Ok(bytes) => tx.send(Ok(Bytes::from(bytes))).await,
                Err(e) => {
                    // The body is cut short: the client sees an incomplete document, never a wrong one.
                    tracing::error!(cause = %e, "batch chunk failed");
                    let _ = tx.send(Err(std::io::Error::other("batch chunk failed"))).await;
                    return;
                }
            };
            if sent.is_err() {
                return; // the client went away
            }
        }
        let _ = tx.send(Ok(Bytes::from(tail))).await;
    });
    let mut res = Body::from_stream(ReceiverStream::new(rx)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, batch.format.content_type());
    res
}

/// JSON output: an array with one row a line, so that it reads as one document or line by line.
fn json_frame() -> (Vec<u8>, Vec<u8>) {
    (b"[\n".to_vec(), b"\n]\n".to_vec())
}

fn push_json(out: &mut Vec<u8>, index: usize, row: &impl Serialize) {
    if index > 0 {
        out.extend_from_slice(b",\n");
    }
    // Serializing borrowed records with string keys into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, row);
}

fn csv_writer(out: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new().has_headers(false).from_writer(out)
}

fn csv_header(fields: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = csv_writer(&mut out);
    let _ = w.write_record(fields);
    drop(w);
    out
}

// ---------------------------------------------------------------------------------------- grids

#[derive(Serialize, utoipa::ToSchema)]
struct BatchGrid<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<f64>,
}

impl<'a> BatchGrid<'a> {
    fn new(g: &'a GridArea, distance_m: Option<f64>) -> Self {
        Self { id: g.id.as_str(), code: &g.code, name: &g.name, distance_m: distance_m.map(round_m) }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct BatchTown<'a> {
    code: &'a str,
    name: &'a str,
}

impl<'a> From<&'a AdminArea> for BatchTown<'a> {
    fn from(a: &'a AdminArea) -> Self {
        Self { code: a.code.as_str(), name: &a.name }
    }
}

/// One row of a grid batch: the point's answer, or why it has none.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum GridBatchRow<'a> {
    // Written by `GridRow::write_json`; serde's form of it is the schema and that writer's reference.
    #[allow(dead_code)]
    Found(GridRow<'a>),
    Missed(ErrorRow<'a>),
}

#[derive(Serialize, utoipa::ToSchema)]
struct GridRow<'a> {
    index: usize,
    id: Option<&'a str>,
    grid: BatchGrid<'a>,
    town: Option<BatchTown<'a>>,
    station: Option<&'a str>,
    members: Vec<&'a str>,
    near_boundary: bool,
    edge_distance_m: f64,
    neighbour: Option<BatchGrid<'a>>,
}

/// JSON written by hand for the rows every point gets: byte for byte what serde_json writes for
/// the same struct (tested against it), without serde_json escaping every key and every value a
/// byte at a time. The grid batch spends more on writing its rows than on finding their grids.
mod hand_json {
    use std::io::Write;

    /// A JSON string: copied as is unless it holds a byte serde_json escapes (`"`, `\`, controls).
    pub fn str(out: &mut Vec<u8>, s: &str) {
        if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
            out.reserve(s.len() + 2);
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        } else {
            // Writing a string into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, s);
        }
    }

    pub fn opt_str(out: &mut Vec<u8>, s: Option<&str>) {
        match s {
            Some(s) => str(out, s),
            None => out.extend_from_slice(b"null"),
        }
    }

    /// A number as serde_json writes it (shortest round-trip form; `null` for NaN and infinities).
    pub fn f64(out: &mut Vec<u8>, v: f64) {
        let _ = serde_json::to_writer(&mut *out, &v);
    }

    pub fn usize(out: &mut Vec<u8>, v: usize) {
        let _ = write!(out, "{v}");
    }

    pub fn bool(out: &mut Vec<u8>, v: bool) {
        out.extend_from_slice(if v { b"true" } else { b"false" });
    }
}

impl BatchGrid<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"id":"#);
        hand_json::str(out, self.id);
        out.extend_from_slice(br#","code":"#);
        hand_json::str(out, self.code);
        out.extend_from_slice(br#","name":"#);
        hand_json::str(out, self.name);
        if let Some(d) = self.distance_m {
            out.extend_from_slice(br#","distance_m":"#);
            hand_json::f64(out, d);
        }
        out.push(b'}');
    }
}

impl GridRow<'_> {
    /// The row as `serde_json::to_writer(out, &GridBatchRow::Found(row))` writes it.
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"index":"#);
        hand_json::usize(out, self.index);
        out.extend_from_slice(br#","id":"#);
        hand_json::opt_str(out, self.id);
        out.extend_from_slice(br#","grid":"#);
        self.grid.write_json(out);
        out.extend_from_slice(br#","town":"#);
        match &self.town {
            Some(t) => {
                out.extend_from_slice(br#"{"code":"#);
                hand_json::str(out, t.code);
                out.extend_from_slice(br#","name":"#);
                hand_json::str(out, t.name);
                out.push(b'}');
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(br#","station":"#);
        hand_json::opt_str(out, self.station);
        out.extend_from_slice(br#","members":["#);
        for (i, m) in self.members.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            hand_json::str(out, m);
        }
        out.extend_from_slice(br#"],"near_boundary":"#);
        hand_json::bool(out, self.near_boundary);
        out.extend_from_slice(br#","edge_distance_m":"#);
        hand_json::f64(out, self.edge_distance_m);
        out.extend_from_slice(br#","neighbour":"#);
        match &self.neighbour {
            Some(n) => n.write_json(out),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct ErrorRow<'a> {
    index: usize,
    id: Option<&'a str>,
    error: RowError<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct RowError<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    nearest: Option<BatchGrid<'a>>,
}

impl<'a> RowError<'a> {
    fn invalid(e: &PointError) -> Self {
        Self { code: e.code(), message: e.to_string(), nearest: None }
    }

    /// The row of a point outside every grid, worded as the single-point 404 words it.
    fn grid_miss(answer: &GridAnswer<'a>) -> Option<Self> {
        match *answer {
            GridAnswer::Found(_) => None,
            GridAnswer::Invalid(e) => Some(Self::invalid(e)),
            GridAnswer::NoGrids => {
                Some(Self { code: "no_grid", message: "no grid areas have been imported".into(), nearest: None })
            }
            GridAnswer::Outside { nearest, distance_m } => Some(Self {
                code: "no_grid",
                message: format!(
                    "no grid area contains this point; the nearest is {} ({}), {:.0} m away",
                    nearest.name, nearest.id, distance_m
                ),
                nearest: Some(BatchGrid::new(nearest, Some(distance_m))),
            }),
        }
    }
}

fn grid_rows_json(catalog: &Catalog, points: &[BatchPoint], offset: usize, out: &mut Vec<u8>) {
    for (i, (p, answer)) in points.iter().zip(batch::grids_at(catalog, points)).enumerate() {
        let (index, id) = (offset + i, p.id.as_deref());
        match answer {
            GridAnswer::Found(hit) => {
                let g = hit.grid;
                let row = GridRow {
                    index,
                    id,
                    grid: BatchGrid::new(g, None),
                    town: hit.town.map(BatchTown::from),
                    station: g.station.as_ref().map(|s| s.as_str()),
                    members: g.members.iter().map(|m| m.as_str()).collect(),
                    near_boundary: hit.near_boundary(),
                    edge_distance_m: round_m(hit.edge_distance_m),
                    neighbour: hit.neighbour.map(|(n, d)| BatchGrid::new(n, Some(d))),
                };
                if index > 0 {
                    out.extend_from_slice(b",\n");
                }
                row.write_json(out);
            }
            miss => {
                if let Some(error) = RowError::grid_miss(&miss) {
                    push_json(out, index, &GridBatchRow::Missed(ErrorRow { index, id, error }));
                }
            }
        }
    }
}

const GRID_CSV_HEADER: &[&str] = &[
    "index",
    "id",
    "grid_id",
    "grid_code",
    "grid_name",
    "town_code",
    "town_name",
    "station",
    "members",
    "near_boundary",
    "edge_distance_m",
    "neighbour_id",
    "neighbour_distance_m",
    "error",
    "message",
    "nearest_id",
    "nearest_distance_m",
];

fn grid_rows_csv(catalog: &Catalog, points: &[BatchPoint], offset: usize, out: &mut Vec<u8>) {
    let mut w = csv_writer(out);
    for (i, (p, answer)) in points.iter().zip(batch::grids_at(catalog, points)).enumerate() {
        let index = (offset + i).to_string();
        let id = p.id.as_deref().unwrap_or("");
        let record: [String; 17] = match answer {
            GridAnswer::Found(hit) => {
                let g = hit.grid;
                let members: Vec<&str> = g.members.iter().map(|m| m.as_str()).collect();
                let (n_id, n_d) = hit
                    .neighbour
                    .map_or((String::new(), String::new()), |(n, d)| (n.id.to_string(), round_m(d).to_string()));
                [
                    index,
                    id.into(),
                    g.id.to_string(),
                    g.code.clone(),
                    g.name.clone(),
                    hit.town.map_or_else(String::new, |t| t.code.to_string()),
                    hit.town.map_or_else(String::new, |t| t.name.clone()),
                    g.station.as_ref().map_or_else(String::new, |s| s.to_string()),
                    members.join(";"),
                    hit.near_boundary().to_string(),
                    round_m(hit.edge_distance_m).to_string(),
                    n_id,
                    n_d,
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            }
            miss => {
                let Some(e) = RowError::grid_miss(&miss) else { continue };
                let (near_id, near_d) = e.nearest.as_ref().map_or((String::new(), String::new()), |n| {
                    (n.id.to_owned(), n.distance_m.unwrap_or(0.0).to_string())
                });
                let mut r: [String; 17] = Default::default();
                r[0] = index;
                r[1] = id.into();
                r[13] = e.code.into();
                r[14] = e.message;
                r[15] = near_id;
                r[16] = near_d;
                r
            }
        };
        let _ = w.write_record(&record);
    }
    let _ = w.flush();
}

/// Batch: the grid holding each of up to 10,000 points, one row per point in input order,
/// streamed; outside every grid an error row naming the nearest grid.
#[utoipa::path(
    post,
    path = "/api/v1/grids/at",
    tag = "grids",
    params(GridBatchParams),
    request_body(description = "JSON, or CSV with a header row naming lon, lat and optionally id", content(
        (GridBatchBody = "application/json"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "One row per point, in input order (JSON or CSV like the input, or as Accept asks)",
            content((Vec<GridBatchRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A malformed body or parameter", body = ErrorBody),
        (status = 413, description = "More than 10,000 points or 4 MiB", body = ErrorBody),
        (status = 422, description = "JSON of the wrong shape, or no points", body = ErrorBody),
    )
)]
async fn grids_at(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<BatchParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let batch = read(&headers, query, body).await?;
    let (render, head, tail): (Arc<Render>, _, _) = match batch.format {
        Format::Json => {
            let (head, tail) = json_frame();
            (Arc::new(grid_rows_json), head, tail)
        }
        Format::Csv => (Arc::new(grid_rows_csv), csv_header(GRID_CSV_HEADER), Vec::new()),
    };
    // A JSON grid row is ~190 bytes without members (CSV ~50).
    Ok(stream(state.service.catalog(), batch, GRID_CHUNK_POINTS, 256, render, head, tail))
}

// ------------------------------------------------------------------------------------- stations

#[derive(Serialize, utoipa::ToSchema)]
struct BatchStation<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'static str,
    distance_m: f64,
}

/// One row of a nearest batch: the point's stations, or why it has none.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum NearestBatchRow<'a> {
    Found(NearestRow<'a>),
    Missed(ErrorRow<'a>),
}

#[derive(Serialize, utoipa::ToSchema)]
struct NearestRow<'a> {
    index: usize,
    id: Option<&'a str>,
    stations: Vec<BatchStation<'a>>,
}

fn nearest_rows_json(catalog: &Catalog, query: &NearestQuery, points: &[BatchPoint], offset: usize, out: &mut Vec<u8>) {
    for (i, (p, answer)) in points.iter().zip(batch::nearest_all(catalog, query, points)).enumerate() {
        let (index, id) = (offset + i, p.id.as_deref());
        match answer {
            Ok(hits) => {
                let stations = hits
                    .iter()
                    .map(|h| BatchStation {
                        id: h.station.id.as_str(),
                        name: &h.station.name,
                        kind: h.station.kind.code(),
                        distance_m: round_m(h.distance_m),
                    })
                    .collect();
                push_json(out, index, &NearestBatchRow::Found(NearestRow { index, id, stations }));
            }
            Err(e) => {
                push_json(out, index, &NearestBatchRow::Missed(ErrorRow { index, id, error: RowError::invalid(e) }))
            }
        }
    }
}

const NEAREST_CSV_HEADER: &[&str] =
    &["index", "id", "rank", "station_id", "station_name", "kind", "distance_m", "error", "message"];

/// One line a station (rank 1 to k); a point without any accepted station, or with an error,
/// has one line without a station.
fn nearest_rows_csv(catalog: &Catalog, query: &NearestQuery, points: &[BatchPoint], offset: usize, out: &mut Vec<u8>) {
    let mut w = csv_writer(out);
    for (i, (p, answer)) in points.iter().zip(batch::nearest_all(catalog, query, points)).enumerate() {
        let index = (offset + i).to_string();
        let id = p.id.as_deref().unwrap_or("");
        match answer {
            Ok(hits) if hits.is_empty() => {
                let _ = w.write_record([index.as_str(), id, "", "", "", "", "", "", ""]);
            }
            Ok(hits) => {
                for (rank, h) in hits.iter().enumerate() {
                    let _ = w.write_record([
                        index.as_str(),
                        id,
                        &(rank + 1).to_string(),
                        h.station.id.as_str(),
                        &h.station.name,
                        h.station.kind.code(),
                        &round_m(h.distance_m).to_string(),
                        "",
                        "",
                    ]);
                }
            }
            Err(e) => {
                let _ = w.write_record([index.as_str(), id, "", "", "", "", "", e.code(), &e.to_string()]);
            }
        }
    }
    let _ = w.flush();
}

/// Batch: the k nearest stations of each of up to 10,000 points, one row per point in input
/// order, streamed; without a kind, physical stations only.
#[utoipa::path(
    post,
    path = "/api/v1/stations/nearest",
    tag = "stations",
    params(BatchParams, FilterParams),
    request_body(description = "JSON, or CSV with a header row naming lon, lat and optionally id", content(
        (BatchBody = "application/json"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "One row per point, in input order (JSON or CSV like the input, or as Accept asks)",
            content((Vec<NearestBatchRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A malformed body or parameter", body = ErrorBody),
        (status = 413, description = "More than 10,000 points or 4 MiB", body = ErrorBody),
        (status = 422, description = "JSON of the wrong shape, or no points", body = ErrorBody),
    )
)]
async fn nearest(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<BatchParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let batch = read(&headers, query, body).await?;
    let filter = batch.filter.filter()?;
    let query = Arc::new(NearestQuery::new(batch.k, filter).map_err(batch_error)?);
    // A JSON row is ~120 bytes for one station and ~90 more for each further one.
    let row_bytes = 60 + 90 * query.k();
    let (render, head, tail): (Arc<Render>, _, _) = match batch.format {
        Format::Json => {
            let (head, tail) = json_frame();
            (
                Arc::new(move |c: &Catalog, p: &[BatchPoint], o, out: &mut Vec<u8>| {
                    nearest_rows_json(c, &query, p, o, out)
                }),
                head,
                tail,
            )
        }
        Format::Csv => (
            Arc::new(move |c: &Catalog, p: &[BatchPoint], o, out: &mut Vec<u8>| nearest_rows_csv(c, &query, p, o, out)),
            csv_header(NEAREST_CSV_HEADER),
            Vec::new(),
        ),
    };
    Ok(stream(state.service.catalog(), batch, NEAREST_CHUNK_POINTS, row_bytes, render, head, tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_grid_rows_equal_serde_json_byte_for_byte() {
        const TEXTS: [&str; 8] =
            ["", "1738", "a\"b", "back\\slash", "tab\tnew\nline\u{1}", "海曙区", "\u{7f}\u{2028}", "x/y"];
        const NUMBERS: [f64; 10] = [0.0, -0.0, 0.01, 243.57, 49.99, 1e21, 1e-7, 123456789.12, f64::NAN, f64::INFINITY];
        let rng = std::cell::RefCell::new(crate::sample::SplitMix64::new(3));
        let pick = |n: usize| (rng.borrow_mut().unit() * n as f64) as usize % n;
        let text = || TEXTS[pick(TEXTS.len())];
        let number = || NUMBERS[pick(NUMBERS.len())];
        let grid = |d: Option<f64>| BatchGrid { id: text(), code: text(), name: text(), distance_m: d };
        for _ in 0..5_000 {
            let row = GridRow {
                index: pick(20_000),
                id: (pick(3) > 0).then(text),
                grid: grid(None),
                town: (pick(2) > 0).then(|| BatchTown { code: text(), name: text() }),
                station: (pick(2) > 0).then(text),
                members: (0..pick(4)).map(|_| text()).collect(),
                near_boundary: pick(2) > 0,
                edge_distance_m: number(),
                neighbour: (pick(2) > 0).then(|| grid(Some(number()))),
            };
            let mut hand = Vec::new();
            row.write_json(&mut hand);
            let serde = serde_json::to_vec(&GridBatchRow::Found(row)).unwrap();
            assert_eq!(String::from_utf8(hand).unwrap(), String::from_utf8(serde).unwrap());
        }
    }
}
