//! Interchange formats: GeoJSON features and CSV rows, in and out (and iCalendar feeds out), with the same property names
//! as the API so that an export re-imports unchanged. Positions in files are in the CRS the caller
//! names and are converted to WGS84 lon/lat degrees on the way in (and back on the way out).

pub mod atom;
pub mod geojson;
pub mod ical;
pub mod read;
pub mod records;
pub mod schema;
pub mod write;

use std::fmt;

pub use read::{read_rows, Row};
pub use records::Kind;

/// Where in a file a record was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// 1-based position in the FeatureCollection (or array of features).
    Feature(usize),
    /// 1-based line number of a CSV record (the header is line 1).
    Line(u64),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Feature(n) => write!(f, "feature {n}"),
            Place::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// A file that cannot be read as the records it should hold.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("not valid JSON: {0}")]
    Json(serde_json::Error),
    #[error("not GeoJSON: {0}")]
    NotGeoJson(String),
    #[error("CSV {0}")]
    Csv(csv::Error),
    #[error("{place}{}: {message}", field.as_ref().map(|f| format!(", field \"{f}\"")).unwrap_or_default())]
    Record { place: Place, field: Option<String>, message: String },
}

// Written out rather than `#[from]` so that the inner error is part of the message, not also a
// `source()` that error reports would print a second time.
impl From<serde_json::Error> for FormatError {
    fn from(e: serde_json::Error) -> Self {
        FormatError::Json(e)
    }
}

impl From<csv::Error> for FormatError {
    fn from(e: csv::Error) -> Self {
        FormatError::Csv(e)
    }
}

impl FormatError {
    pub fn record(place: Place, field: Option<&str>, message: impl ToString) -> Self {
        FormatError::Record { place, field: field.map(str::to_owned), message: message.to_string() }
    }
}
