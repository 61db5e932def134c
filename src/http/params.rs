//! Parsing of query parameters shared by the endpoints, each with a message that says what a
//! valid value looks like. Coordinates arrive in the request's `crs` and leave as WGS84.

use std::str::FromStr;

use chrono::NaiveDate;

use super::error::AppError;
use crate::analytics::Window;
use crate::catalog::StationFilter;
use crate::domain::{Body, Category, Level, LonLat, StationKind};
use crate::service::analytics::Selection;
use crate::spatial::{BBox, Crs};

/// The parameter's value without surrounding spaces; `None` when absent or blank.
pub fn trimmed(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The `crs` parameter (WGS84 when absent).
pub fn crs(v: &Option<String>) -> Result<Crs, AppError> {
    trimmed(v).map_or(Ok(Crs::Wgs84), |s| {
        s.parse().map_err(|e: crate::spatial::CrsError| AppError::bad("invalid_crs", e.to_string()))
    })
}

/// A finite number parameter.
pub fn number(name: &str, v: &Option<String>) -> Result<Option<f64>, AppError> {
    trimmed(v)
        .map(|s| {
            s.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| AppError::bad("invalid_number", format!("{name} must be a finite number, got {s:?}")))
        })
        .transpose()
}

/// `lon` and `lat` in `crs`, both required, as a WGS84 position.
pub fn position(lon: &Option<String>, lat: &Option<String>, crs: Crs) -> Result<LonLat, AppError> {
    let need =
        |name: &str, v: Option<f64>| v.ok_or_else(|| AppError::bad("missing_parameter", format!("{name} is required")));
    let lon = need("lon", number("lon", lon)?)?;
    let lat = need("lat", number("lat", lat)?)?;
    lonlat(lon, lat, crs).map_err(|e| AppError::bad("invalid_coordinates", e.to_string()))
}

/// A position given in `crs`, checked once, as WGS84.
pub fn lonlat(lon: f64, lat: f64, crs: Crs) -> Result<LonLat, crate::domain::LocationError> {
    let given = LonLat::new(lon, lat)?;
    let (x, y) = crs.to_wgs84(given.lon(), given.lat());
    LonLat::new(x, y)
}

/// `true` or `false`; `None` when absent or blank.
pub fn boolean(name: &str, v: &Option<String>) -> Result<Option<bool>, AppError> {
    match trimmed(v) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(AppError::bad("invalid_parameter", format!("{name} must be true or false, got {other:?}"))),
    }
}

/// An integer parameter within `range`, `default` when absent.
pub fn integer(
    name: &str,
    v: &Option<String>,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, AppError> {
    let Some(s) = trimmed(v) else { return Ok(default) };
    s.parse::<usize>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
        AppError::bad(
            "out_of_range",
            format!("{name} must be an integer from {} to {}, got {s:?}", range.start(), range.end()),
        )
    })
}

/// `bbox=minLon,minLat,maxLon,maxLat` in `crs`, as a WGS84 box around its converted corners.
pub fn bbox(v: &Option<String>, crs: Crs) -> Result<Option<BBox>, AppError> {
    let Some(s) = trimmed(v) else { return Ok(None) };
    let b: BBox = s.parse().map_err(|e: crate::spatial::BBoxError| AppError::bad("invalid_bbox", e.to_string()))?;
    let (x0, y0) = crs.to_wgs84(b.min_lon, b.min_lat);
    let (x1, y1) = crs.to_wgs84(b.max_lon, b.max_lat);
    BBox::new(x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1))
        .map(Some)
        .map_err(|e| AppError::bad("invalid_bbox", e.to_string()))
}

/// A comma-separated list of vocabulary codes.
pub fn list<T: FromStr>(name: &str, v: &Option<String>) -> Result<Vec<T>, AppError>
where
    T::Err: std::fmt::Display,
{
    let Some(s) = trimmed(v) else { return Ok(Vec::new()) };
    s.split(',')
        .map(|t| t.parse::<T>().map_err(|e| AppError::bad("invalid_parameter", format!("{name}: {e}"))))
        .collect()
}

/// A `YYYY-MM-DD` date.
pub fn date(name: &str, v: &Option<String>) -> Result<Option<NaiveDate>, AppError> {
    trimmed(v)
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| AppError::bad("invalid_date", format!("{name} must be a date YYYY-MM-DD, got {s:?}")))
        })
        .transpose()
}

/// `from`/`to` of a time window as Unix seconds: a date (Asia/Shanghai; with `end_of_day`, the
/// moment its day ends, so that `to` includes it) or an RFC 3339 time.
pub fn instant(name: &str, v: &Option<String>, end_of_day: bool) -> Result<Option<i64>, AppError> {
    let Some(s) = trimmed(v) else { return Ok(None) };
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let day = crate::analytics::day_number(d) + i32::from(end_of_day);
        return Ok(Some(crate::analytics::day_start(day)));
    }
    chrono::DateTime::parse_from_rfc3339(s).map(|t| Some(t.timestamp())).map_err(|_| {
        AppError::bad(
            "invalid_time",
            format!(
                "{name} must be a date YYYY-MM-DD or an RFC 3339 time such as 2026-11-01T08:00:00+08:00, got {s:?}"
            ),
        )
    })
}

/// The station filter parameters common to list and nearest queries.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FilterParams {
    pub kind: Option<String>,
    pub level: Option<String>,
    pub body: Option<String>,
    pub reception_date: Option<String>,
    pub q: Option<String>,
}

impl FilterParams {
    pub fn filter(&self) -> Result<StationFilter, AppError> {
        let q = trimmed(&self.q).map(str::to_owned);
        if let Some(q) = &q {
            if q.chars().count() > 100 {
                return Err(AppError::bad("invalid_parameter", "q must be at most 100 characters"));
            }
        }
        Ok(StationFilter {
            kinds: list::<StationKind>("kind", &self.kind)?,
            levels: list::<Level>("level", &self.level)?,
            body: trimmed(&self.body)
                .map(|b| b.parse::<Body>().map_err(|e| AppError::bad("invalid_parameter", format!("body: {e}"))))
                .transpose()?,
            receives_on: date("reception_date", &self.reception_date)?,
            text: q,
        })
    }
}

/// The filter parameters every analytics endpoint takes.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AnalyticsParams {
    from: Option<String>,
    to: Option<String>,
    category: Option<String>,
    station: Option<String>,
    town: Option<String>,
}

impl AnalyticsParams {
    /// The selection they describe (ids are checked by the service).
    pub fn selection(&self) -> Result<Selection, AppError> {
        Ok(Selection {
            window: Window { from: instant("from", &self.from, false)?, to: instant("to", &self.to, true)? },
            category: trimmed(&self.category)
                .map(|c| {
                    c.parse::<Category>().map_err(|e| AppError::bad("invalid_parameter", format!("category: {e}")))
                })
                .transpose()?,
            station: trimmed(&self.station).map(str::to_owned),
            town: trimmed(&self.town).map(str::to_owned),
            bbox: None,
        })
    }
}
