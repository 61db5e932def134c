//! `liaison import issues`: opinions exported by another system, as CSV with a header row and at
//! least the columns `id,lon,lat,category,status,satisfaction,created_at,resolved_at` (those of
//! the peers' `issues.csv`). Positions are lon/lat degrees in the file's CRS, stored as WGS84.
//!
//! - `category`: a category code or Chinese label; `status`: a status code or label, or `open`
//!   (= registered) or `resolved` (= closed); `satisfaction` (or `rating`): 1–5 stars or empty.
//! - times: RFC 3339 (`2024-03-01T09:30:00+08:00`) or `YYYY-MM-DD HH:MM:SS` in Asia/Shanghai.
//!   `created_at` is required; `resolved_at` (or `closed_at`) is required for closed opinions.
//! - optional columns: `registered_at` (default: `created_at`, for every status past submitted),
//!   `replied_at` (default: `resolved_at` for replied and closed ones), `due_date` (YYYY-MM-DD;
//!   default: the standard time limit after registration).
//!
//! Each opinion is routed by its position like a new one. The same `id` imported again updates the
//! opinion; a bad row stops the import with its line and column, and nothing is written.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};

use crate::catalog::Catalog;
use crate::domain::opinion::DEFAULT_DUE_DAYS;
use crate::domain::schedule::shanghai;
use crate::domain::{Category, LonLat, Stars, Status, TrackingCode};
use crate::spatial::Crs;
use crate::store::OpinionRecord;

/// Records per batch handed to the store.
pub const BATCH: usize = 20_000;

/// Where each known column is in the file.
struct Columns {
    id: usize,
    lon: usize,
    lat: usize,
    category: usize,
    status: usize,
    created_at: usize,
    rating: Option<usize>,
    resolved_at: Option<usize>,
    registered_at: Option<usize>,
    replied_at: Option<usize>,
    due_date: Option<usize>,
}

/// Reads an issues CSV a batch at a time.
pub struct IssueReader<R> {
    csv: csv::Reader<R>,
    columns: Columns,
    crs: Crs,
    catalog: Arc<Catalog>,
    seen: HashSet<String>,
    record: csv::StringRecord,
}

/// A message naming the line and column of a bad value.
fn at(line: u64, column: &str, message: impl std::fmt::Display) -> String {
    format!("line {line}, column {column:?}: {message}")
}

fn time(line: u64, column: &str, text: &str) -> Result<Option<DateTime<FixedOffset>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(t.with_timezone(&shanghai())));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .and_then(|t| t.and_local_timezone(shanghai()).single())
        .map(Some)
        .ok_or_else(|| at(line, column, format!("{text:?} is not an RFC 3339 time (2024-03-01T09:30:00+08:00)")))
}

impl<R: Read> IssueReader<R> {
    /// Checks the header; every required column must be there.
    pub fn new(reader: R, crs: Crs, catalog: Arc<Catalog>) -> Result<Self, String> {
        let mut csv = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(reader);
        let header = csv.headers().map_err(|e| format!("cannot read the header row: {e}"))?;
        let index: HashMap<String, usize> =
            header.iter().enumerate().map(|(i, h)| (h.trim_start_matches('\u{feff}').to_lowercase(), i)).collect();
        let find = |names: &[&str]| names.iter().find_map(|n| index.get(*n).copied());
        let need = |name: &str| {
            find(&[name]).ok_or_else(|| {
                format!("the header has no {name:?} column (need id, lon, lat, category, status, created_at)")
            })
        };
        let columns = Columns {
            id: need("id")?,
            lon: need("lon")?,
            lat: need("lat")?,
            category: need("category")?,
            status: need("status")?,
            created_at: need("created_at")?,
            rating: find(&["satisfaction", "rating"]),
            resolved_at: find(&["resolved_at", "closed_at"]),
            registered_at: find(&["registered_at"]),
            replied_at: find(&["replied_at"]),
            due_date: find(&["due_date", "due"]),
        };
        Ok(Self { csv, columns, crs, catalog, seen: HashSet::new(), record: csv::StringRecord::new() })
    }

    /// Reads the rest of the file on another thread, `ahead` batches of `n` ahead of the
    /// returned source, so that parsing and routing overlap with writing.
    pub fn read_ahead(mut self, n: usize, ahead: usize) -> impl FnMut() -> Result<Option<Vec<OpinionRecord>>, String>
    where
        R: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(ahead);
        std::thread::spawn(move || loop {
            let batch = self.next_batch(n);
            let done = !matches!(batch, Ok(Some(_)));
            if tx.send(batch).is_err() || done {
                return;
            }
        });
        move || rx.recv().unwrap_or(Ok(None))
    }

    /// The next batch of at most `n` records, `None` at the end of the file.
    pub fn next_batch(&mut self, n: usize) -> Result<Option<Vec<OpinionRecord>>, String> {
        let mut random = vec![0u8; 8 * n];
        getrandom::fill(&mut random).map_err(|e| format!("no randomness for tracking codes: {e}"))?;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let more = self.csv.read_record(&mut self.record).map_err(|e| format!("cannot read the file: {e}"))?;
            if !more {
                break;
            }
            let mut seed = [0u8; 8];
            seed.copy_from_slice(&random[8 * out.len()..8 * out.len() + 8]);
            out.push(self.parse(TrackingCode::from_random(u64::from_le_bytes(seed)))?);
        }
        Ok((!out.is_empty()).then_some(out))
    }

    fn parse(&mut self, code: TrackingCode) -> Result<OpinionRecord, String> {
        let r = &self.record;
        let c = &self.columns;
        let line = r.position().map_or(0, |p| p.line());
        let get = |i: usize| r.get(i).unwrap_or("");
        let opt = |i: Option<usize>| i.map_or("", get);
        let id = get(c.id).to_owned();
        if id.is_empty() {
            return Err(at(line, "id", "is empty"));
        }
        if !self.seen.insert(id.clone()) {
            return Err(at(line, "id", format!("{id:?} appears twice in the file")));
        }
        let number = |i: usize, name: &str| {
            get(i).parse::<f64>().map_err(|_| at(line, name, format!("{:?} is not a number", get(i))))
        };
        let (x, y) = (number(c.lon, "lon")?, number(c.lat, "lat")?);
        LonLat::new(x, y).map_err(|e| at(line, "lon/lat", e))?;
        let (lon, lat) = self.crs.to_wgs84(x, y);
        let location = LonLat::new(lon, lat).map_err(|e| at(line, "lon/lat", e))?;
        let category: Category = get(c.category).parse().map_err(|e| at(line, "category", e))?;
        let status = match get(c.status) {
            "open" => Status::Registered,
            "resolved" => Status::Closed,
            other => other.parse().map_err(|e| at(line, "status", format!("{e}, open or resolved")))?,
        };
        let rating =
            match opt(c.rating) {
                "" => None,
                s => Some(s.parse::<u8>().ok().and_then(|n| Stars::new(n).ok()).ok_or_else(|| {
                    at(line, "satisfaction", format!("a rating is 1 to 5 stars or empty, got {s:?}"))
                })?),
            };
        let created_at =
            time(line, "created_at", get(c.created_at))?.ok_or_else(|| at(line, "created_at", "is empty"))?;
        let resolved_at = time(line, "resolved_at", opt(c.resolved_at))?;
        let past_submitted = status != Status::Submitted;
        let registered_at = time(line, "registered_at", opt(c.registered_at))?.or(past_submitted.then_some(created_at));
        let answered = matches!(status, Status::Replied | Status::Closed);
        let replied_at = time(line, "replied_at", opt(c.replied_at))?.or(if answered { resolved_at } else { None });
        if status == Status::Closed && resolved_at.is_none() {
            return Err(at(line, "resolved_at", "is required for a resolved (closed) opinion"));
        }
        if status == Status::Replied && replied_at.is_none() {
            return Err(at(line, "replied_at", "is required for a replied opinion"));
        }
        for (name, t) in [("resolved_at", resolved_at), ("registered_at", registered_at), ("replied_at", replied_at)] {
            if t.is_some_and(|t| t < created_at) {
                return Err(at(line, name, "is before created_at"));
            }
        }
        let due = match opt(c.due_date) {
            "" => registered_at.map(|t| t.date_naive() + chrono::Days::new(DEFAULT_DUE_DAYS)),
            s => Some(
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| at(line, "due_date", format!("{s:?} is not a date YYYY-MM-DD")))?,
            ),
        };
        Ok(OpinionRecord {
            external_id: id,
            code,
            category,
            status,
            location,
            routing: self.catalog.route(location, category),
            rating,
            due,
            created_at,
            registered_at,
            replied_at,
            closed_at: if status.is_terminal() { resolved_at.or(replied_at).or(registered_at) } else { None },
        })
    }
}

/// An opinion as a row of the import format (the extended columns included), for
/// `liaison sample-data --issues`.
pub fn issue_row(id: u64, o: &crate::domain::Opinion) -> [String; 11] {
    let t = |v: Option<DateTime<FixedOffset>>| v.map(|t| t.to_rfc3339()).unwrap_or_default();
    [
        id.to_string(),
        format!("{:.6}", o.submission.location.lon()),
        format!("{:.6}", o.submission.location.lat()),
        o.submission.category.code().to_owned(),
        o.status.code().to_owned(),
        o.rating.map(|s| s.get().to_string()).unwrap_or_default(),
        o.created_at.to_rfc3339(),
        t(o.closed_at),
        t(o.registered_at),
        t(o.replied_at),
        o.due.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

/// The header of [`issue_row`].
pub const ISSUE_HEADER: [&str; 11] = [
    "id",
    "lon",
    "lat",
    "category",
    "status",
    "satisfaction",
    "created_at",
    "resolved_at",
    "registered_at",
    "replied_at",
    "due_date",
];
