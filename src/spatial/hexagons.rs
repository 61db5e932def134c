//! H3 hexagons for heatmaps: the cell of a point, its parents, centre and outline. Positions are
//! WGS84 lon/lat degrees (x = lon, y = lat); sizes are metres. Cells are H3 v4 (h3o, a port of
//! Uber's reference library that gives the same ids), written as the usual 15 hex digits.

use geo::{Coord, LineString, Polygon};
use h3o::{CellIndex, LatLng, Resolution};

use crate::spatial::BBox;

/// The resolutions a heatmap may ask for: 6 (about 36 km² a cell) to 10 (about 0.015 km²).
pub const HEATMAP_RESOLUTIONS: std::ops::RangeInclusive<u8> = 6..=10;

/// Why a hexagon could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HexagonError {
    #[error("res must be an H3 resolution from 6 to 10, got {0}")]
    Resolution(u8),
    #[error("not a position: lon {0}, lat {1}")]
    Position(f64, f64),
}

/// A checked heatmap resolution.
///
/// # Examples
///
/// ```
/// use liaison::spatial::hexagons::{cell_of, HexResolution};
///
/// let res = HexResolution::new(9)?;
/// let cell = cell_of(-122.418307270836, 37.7752702151959, res)?;
/// assert_eq!(cell.to_string(), "8928308280fffff"); // the H3 documentation's example
/// assert!(HexResolution::new(11).is_err());
/// # Ok::<(), liaison::spatial::hexagons::HexagonError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HexResolution(Resolution);

impl HexResolution {
    pub fn new(res: u8) -> Result<Self, HexagonError> {
        if !HEATMAP_RESOLUTIONS.contains(&res) {
            return Err(HexagonError::Resolution(res));
        }
        Resolution::try_from(res).map(HexResolution).map_err(|_| HexagonError::Resolution(res))
    }

    pub fn finest() -> Self {
        HexResolution(Resolution::Ten)
    }

    pub fn coarsest() -> Self {
        HexResolution(Resolution::Six)
    }

    pub fn get(self) -> u8 {
        u8::from(self.0)
    }

    /// The average edge length of a cell, in metres.
    pub fn edge_length_m(self) -> f64 {
        self.0.edge_length_m()
    }
}

/// The cell holding a WGS84 position at `res`.
pub fn cell_of(lon: f64, lat: f64, res: HexResolution) -> Result<CellIndex, HexagonError> {
    if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
        return Err(HexagonError::Position(lon, lat));
    }
    LatLng::new(lat, lon).map(|ll| ll.to_cell(res.0)).map_err(|_| HexagonError::Position(lon, lat))
}

/// The centre of a cell as (lon, lat).
pub fn centre(cell: CellIndex) -> (f64, f64) {
    let ll = LatLng::from(cell);
    (ll.lng(), ll.lat())
}

/// The outline of a cell, closed, counter-clockwise as GeoJSON wants.
pub fn outline(cell: CellIndex) -> Polygon<f64> {
    let mut ring: Vec<Coord<f64>> = cell.boundary().iter().map(|ll| Coord { x: ll.lng(), y: ll.lat() }).collect();
    if let Some(&first) = ring.first() {
        ring.push(first);
    }
    Polygon::new(LineString::new(ring), Vec::new())
}

/// `bbox` grown on every side by a margin that holds any cell of `res` whose centre lies in
/// `bbox`: three average edge lengths (a cell's far corner is at most about 1.3 edges from its
/// centre, even where the projection stretches cells most).
pub fn grown_for_cells(bbox: &BBox, res: HexResolution) -> BBox {
    let margin_m = 3.0 * res.edge_length_m();
    let dlat = margin_m / 111_000.0;
    let widest = bbox.min_lat.abs().max(bbox.max_lat.abs()).min(89.0).to_radians().cos();
    let dlon = (margin_m / (111_000.0 * widest)).min(360.0);
    BBox {
        min_lon: (bbox.min_lon - dlon).max(-180.0),
        min_lat: (bbox.min_lat - dlat).max(-90.0),
        max_lon: (bbox.max_lon + dlon).min(180.0),
        max_lat: (bbox.max_lat + dlat).min(90.0),
    }
}

/// Every cell of `res` whose centre lies in `bbox` and passes `keep(lon, lat)`, ascending. Found
/// by sampling `bbox` grown by [`grown_for_cells`] on a square grid of half an edge: each cell
/// holds a disk of 0.86 edges around its centre, which always contains a grid point.
pub fn cells_with_centres_in(bbox: &BBox, res: HexResolution, keep: impl Fn(f64, f64) -> bool) -> Vec<CellIndex> {
    let grown = grown_for_cells(bbox, res);
    let step_m = 0.5 * res.edge_length_m();
    let dlat = step_m / 111_320.0;
    let widest = grown.min_lat.abs().max(grown.max_lat.abs()).min(89.0).to_radians().cos();
    let dlon = step_m / (111_320.0 * widest);
    let mut cells = Vec::new();
    let mut lat = grown.min_lat;
    while lat <= grown.max_lat {
        let mut lon = grown.min_lon;
        while lon <= grown.max_lon {
            if let Ok(cell) = cell_of(lon, lat, res) {
                cells.push(cell);
            }
            lon += dlon;
        }
        lat += dlat;
    }
    cells.sort_unstable();
    cells.dedup();
    cells.retain(|&c| {
        let (lon, lat) = centre(c);
        bbox.contains(lon, lat) && keep(lon, lat)
    });
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampled_cells_are_every_cell_whose_centre_is_in_the_box() {
        // Brute force: every cell within a wide disk around the box's cells, filtered by centre.
        let bbox = BBox { min_lon: 121.50, min_lat: 29.85, max_lon: 121.53, max_lat: 29.87 };
        for res in [7, 8, 9] {
            let res = HexResolution::new(res).unwrap();
            let got = cells_with_centres_in(&bbox, res, |_, _| true);
            let seed = cell_of(121.515, 29.86, res).unwrap();
            let mut want: Vec<CellIndex> = seed
                .grid_disk::<Vec<_>>(40)
                .into_iter()
                .filter(|&c| {
                    let (lon, lat) = centre(c);
                    bbox.contains(lon, lat)
                })
                .collect();
            want.sort_unstable();
            assert!(!want.is_empty());
            assert_eq!(got, want, "res {res:?}");
        }
        let west = cells_with_centres_in(&bbox, HexResolution::new(9).unwrap(), |lon, _| lon < 121.515);
        assert!(west.iter().all(|&c| centre(c).0 < 121.515) && !west.is_empty());
    }

    #[test]
    fn cells_do_not_nest_exactly_so_each_resolution_is_computed_from_the_point() {
        // Somewhere near Haishu a point's resolution-7 cell is not the parent of its
        // resolution-10 cell: why analytics keeps a cell per resolution.
        let (r7, r10) = (HexResolution::new(7).unwrap(), HexResolution::finest());
        let mismatch =
            (0..4000).map(|i| (121.4 + (i % 63) as f64 * 0.003, 29.75 + (i / 63) as f64 * 0.003)).any(|(lon, lat)| {
                let fine = cell_of(lon, lat, r10).unwrap();
                fine.parent(r7.0) != Some(cell_of(lon, lat, r7).unwrap())
            });
        assert!(mismatch);
    }

    #[test]
    fn outlines_are_closed_rings_around_the_centre() {
        let cell = cell_of(121.55, 29.87, HexResolution::new(8).unwrap()).unwrap();
        let ring = outline(cell).exterior().0.clone();
        assert_eq!(ring.len(), 7);
        assert_eq!(ring.first(), ring.last());
        let (lon, lat) = centre(cell);
        assert!(ring.iter().all(|c| (c.x - lon).abs() < 0.01 && (c.y - lat).abs() < 0.01));
    }

    #[test]
    fn resolutions_outside_the_heatmap_range_are_refused() {
        assert_eq!(HexResolution::new(5), Err(HexagonError::Resolution(5)));
        assert!(HexResolution::new(6).is_ok() && HexResolution::new(10).is_ok());
        assert!(cell_of(200.0, 0.0, HexResolution::finest()).is_err());
    }
}
