//! Parsing of query parameters shared by the endpoints, each with a message that says what a
//! valid value looks like. Coordinates arrive in the request's `crs` and leave as WGS84.

use std::str::FromStr;

use chrono::NaiveDate;

use super::error::AppError;
use crate::analytics::Window;
use crate::catalog::StationFilter;
use crate::domain::{AreaCode, Body, Category, Level, LonLat, StationId, StationKind};
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

/// The `lang` parameter: the language of readable labels and reception texts (default zh-CN).
pub fn lang(v: &Option<String>) -> Result<crate::i18n::Lang, AppError> {
    trimmed(v).map_or(Ok(crate::i18n::Lang::default()), |s| {
        crate::i18n::Lang::parse(s)
            .ok_or_else(|| AppError::bad("invalid_parameter", format!("lang must be zh-CN or en, got {s:?}")))
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
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
    /// Station kinds, comma-separated (any of them).
    #[param(value_type = Option<Vec<StationKind>>, style = Form, explode = false)]
    pub kind: Option<String>,
    /// Levels, comma-separated (any of them).
    #[param(value_type = Option<Vec<Level>>, style = Form, explode = false)]
    pub level: Option<String>,
    /// Stations where members of this body receive.
    #[param(value_type = Option<Body>)]
    pub body: Option<String>,
    /// Stations with a reception session on this date (Asia/Shanghai).
    #[param(value_type = Option<NaiveDate>)]
    pub reception_date: Option<String>,
    /// A substring of the station's name or address (Chinese or Latin), at most 100 characters.
    #[param(value_type = Option<String>, max_length = 100)]
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
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsParams {
    /// Window start: a date YYYY-MM-DD (Asia/Shanghai, from 00:00) or an RFC 3339 time; default:
    /// all time.
    #[param(example = "2026-01-01")]
    from: Option<String>,
    /// Window end: a date (its whole day included) or an RFC 3339 time (excluded); must be after
    /// `from`.
    #[param(example = "2026-06-30")]
    to: Option<String>,
    /// Only opinions of this category.
    #[param(value_type = Option<Category>)]
    category: Option<String>,
    /// Only opinions routed to this station id (an unknown id is a 400).
    #[param(value_type = Option<StationId>)]
    station: Option<String>,
    /// Only opinions in this town, by area code (an unknown town is a 400).
    #[param(value_type = Option<AreaCode>, example = "330203001")]
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

/// `format=json` (the default) or `format=csv`: whether CSV was asked for.
pub fn wants_csv(v: &Option<String>) -> Result<bool, AppError> {
    match trimmed(v) {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(AppError::bad("invalid_parameter", format!("format must be json or csv, got {other:?}"))),
    }
}
