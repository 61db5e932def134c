//! Grid areas (网格) and administrative areas (district, town/street, community).
//! Geometries are WGS84 lon/lat degrees (x = lon, y = lat).

use geo::{Coord, MultiPolygon};

use super::ids::{AreaCode, GridId, MemberId, StationId};
use super::vocab::AreaLevel;

/// A grid area: the unit a member is responsible for.
#[derive(Debug, Clone, PartialEq)]
pub struct GridArea {
    pub id: GridId,
    /// The grid's own code as used by the district, e.g. `330203006-03`.
    pub code: String,
    pub name: String,
    pub geometry: MultiPolygon<f64>,
    pub members: Vec<MemberId>,
    pub station: Option<StationId>,
    pub town_code: Option<AreaCode>,
}

/// An administrative area.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminArea {
    pub code: AreaCode,
    pub name: String,
    pub level: AreaLevel,
    pub parent: Option<AreaCode>,
    pub geometry: MultiPolygon<f64>,
}

/// A polygon that cannot describe a piece of the earth's surface.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    #[error("geometry has no polygon")]
    Empty,
    #[error(
        "polygon {polygon}, ring {ring}: a ring needs at least 4 positions (3 corners and the closing one), got {got}"
    )]
    ShortRing { polygon: usize, ring: usize, got: usize },
    #[error("polygon {polygon}, ring {ring}: the ring is not closed (first and last positions differ)")]
    OpenRing { polygon: usize, ring: usize },
    #[error("polygon {polygon}, ring {ring}: position ({x}, {y}) is not a longitude/latitude in degrees")]
    BadPosition { polygon: usize, ring: usize, x: f64, y: f64 },
    #[error("polygon {polygon} has zero area")]
    ZeroArea { polygon: usize },
}

/// Checks that every ring is closed, has at least three corners and lies within lon/lat range.
pub fn check_multipolygon(mp: &MultiPolygon<f64>) -> Result<(), GeometryError> {
    use geo::Area;
    if mp.0.is_empty() {
        return Err(GeometryError::Empty);
    }
    for (pi, poly) in mp.0.iter().enumerate() {
        let rings = std::iter::once(poly.exterior()).chain(poly.interiors());
        for (ri, ring) in rings.enumerate() {
            let coords = &ring.0;
            if coords.len() < 4 {
                return Err(GeometryError::ShortRing { polygon: pi, ring: ri, got: coords.len() });
            }
            if coords.first() != coords.last() {
                return Err(GeometryError::OpenRing { polygon: pi, ring: ri });
            }
            if let Some(c) = coords.iter().find(|c| !is_lon_lat(**c)) {
                return Err(GeometryError::BadPosition { polygon: pi, ring: ri, x: c.x, y: c.y });
            }
        }
        if poly.unsigned_area() == 0.0 {
            return Err(GeometryError::ZeroArea { polygon: pi });
        }
    }
    Ok(())
}

fn is_lon_lat(c: Coord<f64>) -> bool {
    c.x.is_finite() && c.y.is_finite() && (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    #[test]
    fn a_closed_square_is_accepted() {
        let sq = polygon![(x: 121.0, y: 29.0), (x: 121.1, y: 29.0), (x: 121.1, y: 29.1), (x: 121.0, y: 29.0)];
        assert_eq!(check_multipolygon(&MultiPolygon(vec![sq])), Ok(()));
    }

    #[test]
    fn degenerate_and_out_of_range_rings_are_refused() {
        assert_eq!(check_multipolygon(&MultiPolygon(vec![])), Err(GeometryError::Empty));
        let flat = polygon![(x: 121.0, y: 29.0), (x: 121.1, y: 29.0), (x: 121.2, y: 29.0)];
        assert_eq!(check_multipolygon(&MultiPolygon(vec![flat])), Err(GeometryError::ZeroArea { polygon: 0 }));
        let far = polygon![(x: 121.0, y: 29.0), (x: 191.0, y: 29.0), (x: 121.0, y: 30.0)];
        assert!(matches!(
            check_multipolygon(&MultiPolygon(vec![far])),
            Err(GeometryError::BadPosition { x, .. }) if x == 191.0
        ));
    }
}
