//! Batch lookups for integrators: many points at once, answered one by one in input order — the
//! grid holding each point ("who is my member") and each point's nearest stations.
//!
//! Points arrive in the caller's CRS (WGS84, GCJ-02 or BD-09; x = lon, y = lat, degrees) and are
//! checked and converted to WGS84 here; every lookup and distance is WGS84 (geodesic metres for
//! stations, the local tangent plane for grid edges, as [`Catalog`] measures them). A point that
//! cannot be read fails alone: its answer is a [`PointError`], and the other points are answered.

use crate::catalog::{Catalog, GridHit, GridMiss, StationFilter, StationHit};
use crate::domain::{GridArea, LonLat};
use crate::spatial::Crs;

/// The most points one batch may hold.
pub const MAX_POINTS: usize = 10_000;

/// How many nearest stations a point gets unless the batch says otherwise: the one a record is
/// routed to.
pub const DEFAULT_K: usize = 1;

/// The most nearest stations a point may ask for.
pub const MAX_K: usize = 100;

/// How many points of a nearest-stations batch one unit of work answers: big enough to amortise
/// a thread hand-off, small enough that the first answers leave early and that the two cores
/// finish together (a point costs 5–15 µs).
pub const NEAREST_CHUNK_POINTS: usize = 256;

/// The same for a grid batch, whose points cost about 0.5 µs each: in chunks of 256 the hand-offs
/// cost more than the work (10,000 points took ~12.5 ms in chunks of 256, ~10.5 ms in 1,024,
/// medians over HTTP on the 2-core box).
pub const GRID_CHUNK_POINTS: usize = 1024;

/// Why one point of a batch could not be answered. The row names the point in the caller's terms
/// (`point 3` of a JSON array, `line 5` of a CSV file).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PointError {
    /// A coordinate is absent.
    #[error("{row}: {field} is missing")]
    Missing { row: String, field: &'static str },
    /// A coordinate is not a finite number.
    #[error("{row}: {field} must be a finite number, got {got}")]
    NotANumber { row: String, field: &'static str, got: String },
    /// The coordinates are numbers outside lon −180..180, lat −90..90 (before or after conversion).
    #[error("{row}: {message}")]
    OutOfRange { row: String, message: String },
    /// The record itself is malformed (a CSV row with the wrong number of fields, a JSON point that
    /// is not an object, a bad id).
    #[error("{row}: {message}")]
    BadRecord { row: String, message: String },
}

impl PointError {
    /// The stable error code of the row, as the single-point endpoints name the same faults.
    pub fn code(&self) -> &'static str {
        match self {
            PointError::Missing { .. } => "missing_parameter",
            PointError::NotANumber { .. } => "invalid_number",
            PointError::OutOfRange { .. } => "invalid_coordinates",
            PointError::BadRecord { .. } => "invalid_record",
        }
    }
}

/// One point of a batch as the adapter read it: the caller's optional id and its WGS84 position,
/// or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchPoint {
    pub id: Option<String>,
    pub position: Result<LonLat, PointError>,
}

/// The checked WGS84 position of `lon`, `lat` given in `crs`; `row` names the point in errors.
/// The coordinates are checked before conversion (the GCJ-02 inverse of NaN is NaN) and after.
///
/// # Examples
/// ```
/// use liaison::service::batch::locate;
/// use liaison::spatial::Crs;
/// let p = locate("point 0", 121.55, 29.87, Crs::Wgs84).unwrap();
/// assert_eq!((p.lon(), p.lat()), (121.55, 29.87));
/// assert_eq!(locate("point 1", f64::NAN, 29.87, Crs::Wgs84).unwrap_err().code(), "invalid_number");
/// assert_eq!(locate("point 2", 121.55, 95.0, Crs::Gcj02).unwrap_err().code(), "invalid_coordinates");
/// ```
pub fn locate(row: impl std::fmt::Display, lon: f64, lat: f64, crs: Crs) -> Result<LonLat, PointError> {
    // The row is only written out for an error: most points have none.
    for (field, v) in [("lon", lon), ("lat", lat)] {
        if !v.is_finite() {
            return Err(PointError::NotANumber { row: row.to_string(), field, got: v.to_string() });
        }
    }
    let out_of_range =
        |e: crate::domain::LocationError| PointError::OutOfRange { row: row.to_string(), message: e.to_string() };
    LonLat::new(lon, lat).map_err(out_of_range)?;
    let (x, y) = crs.to_wgs84(lon, lat);
    LonLat::new(x, y).map_err(out_of_range)
}

/// Why a batch as a whole is refused (before any point is answered).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BatchError {
    #[error("the batch holds no points")]
    Empty,
    #[error("a batch holds at most {MAX_POINTS} points, got {0}")]
    TooMany(usize),
    #[error("k must be an integer from 1 to {MAX_K}, got {0}")]
    KOutOfRange(usize),
}

/// Checks the number of points of a batch.
pub fn check_size(points: usize) -> Result<(), BatchError> {
    match points {
        0 => Err(BatchError::Empty),
        n if n > MAX_POINTS => Err(BatchError::TooMany(n)),
        _ => Ok(()),
    }
}

/// What a nearest-stations batch asks of every point.
#[derive(Debug, Clone)]
pub struct NearestQuery {
    k: usize,
    filter: StationFilter,
}

impl NearestQuery {
    /// `k` stations a point, among those `filter` accepts. As for a single point, a filter that
    /// names no kind answers physical places only: an online station is not somewhere to walk to.
    pub fn new(k: usize, mut filter: StationFilter) -> Result<Self, BatchError> {
        if !(1..=MAX_K).contains(&k) {
            return Err(BatchError::KOutOfRange(k));
        }
        if filter.kinds.is_empty() {
            filter.kinds = StationFilter::physical().kinds;
        }
        Ok(Self { k, filter })
    }

    pub fn k(&self) -> usize {
        self.k
    }
}

/// The answer for one point of a grid batch.
#[derive(Debug, Clone, Copy)]
pub enum GridAnswer<'a> {
    /// The grid holding the point, with its town, edge distance and neighbour.
    Found(GridHit<'a>),
    /// No grid holds the point; the nearest one and its distance, metres.
    Outside { nearest: &'a GridArea, distance_m: f64 },
    /// The catalog has no grid areas at all.
    NoGrids,
    /// The point could not be read.
    Invalid(&'a PointError),
}

/// The grid answer for one point (see [`Catalog::grid_at`]).
pub fn grid_at<'a>(catalog: &'a Catalog, point: &'a BatchPoint) -> GridAnswer<'a> {
    match &point.position {
        Err(e) => GridAnswer::Invalid(e),
        Ok(q) => match catalog.grid_at(*q) {
            Ok(hit) => GridAnswer::Found(hit),
            Err(GridMiss::Outside { nearest, distance_m }) => GridAnswer::Outside { nearest, distance_m },
            Err(GridMiss::NoGrids) => GridAnswer::NoGrids,
        },
    }
}

/// The answers for a run of points, in their order.
pub fn grids_at<'a>(catalog: &'a Catalog, points: &'a [BatchPoint]) -> Vec<GridAnswer<'a>> {
    points.iter().map(|p| grid_at(catalog, p)).collect()
}

/// The nearest stations of one point, nearest first (exact WGS84 geodesic order, metres; see
/// [`Catalog::nearest_stations`]); fewer than k when the filter accepts fewer.
pub fn nearest<'a>(
    catalog: &'a Catalog,
    query: &NearestQuery,
    point: &'a BatchPoint,
) -> Result<Vec<StationHit<'a>>, &'a PointError> {
    match &point.position {
        Err(e) => Err(e),
        Ok(q) => Ok(catalog.nearest_stations(*q, query.k, &query.filter)),
    }
}

/// The nearest-station answers for a run of points, in their order.
pub fn nearest_all<'a>(
    catalog: &'a Catalog,
    query: &NearestQuery,
    points: &'a [BatchPoint],
) -> Vec<Result<Vec<StationHit<'a>>, &'a PointError>> {
    points.iter().map(|p| nearest(catalog, query, p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CatalogData;

    fn point(lon: f64, lat: f64) -> BatchPoint {
        BatchPoint { id: None, position: locate("point", lon, lat, Crs::Wgs84) }
    }

    #[test]
    fn a_bad_point_fails_alone() {
        let catalog = Catalog::build(CatalogData::default());
        let points = vec![point(121.5, 29.8), point(f64::NAN, 29.8), point(121.5, 100.0)];
        let answers = grids_at(&catalog, &points);
        assert!(matches!(answers[0], GridAnswer::NoGrids));
        assert!(matches!(answers[1], GridAnswer::Invalid(PointError::NotANumber { field: "lon", .. })));
        assert!(matches!(answers[2], GridAnswer::Invalid(PointError::OutOfRange { .. })));
    }

    #[test]
    fn batch_sizes_and_k_are_bounded() {
        assert_eq!(check_size(0), Err(BatchError::Empty));
        assert_eq!(check_size(MAX_POINTS), Ok(()));
        assert_eq!(check_size(MAX_POINTS + 1), Err(BatchError::TooMany(MAX_POINTS + 1)));
        assert!(NearestQuery::new(0, StationFilter::default()).is_err());
        assert!(NearestQuery::new(MAX_K + 1, StationFilter::default()).is_err());
        let q = NearestQuery::new(DEFAULT_K, StationFilter::default()).unwrap();
        assert_eq!(q.k(), 1);
        assert_eq!(q.filter.kinds, StationFilter::physical().kinds);
    }
}
