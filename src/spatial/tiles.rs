//! Web map tiles (the XYZ scheme of OSM, MapLibre and AMap): a tile's bounds in WGS84 lon/lat
//! degrees (x = lon, y = lat), and positions inside a tile in its own integer grid (0..extent,
//! y down), as Mapbox Vector Tiles want them. Tiles are squares in Web Mercator (EPSG:3857).

use std::f64::consts::PI;

use crate::spatial::BBox;

/// The deepest zoom a tile may have.
pub const MAX_ZOOM: u8 = 22;

/// Why a tile address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("zoom must be 0 to {MAX_ZOOM}, got {0}")]
    Zoom(u8),
    #[error("tile {x}/{y} does not exist at zoom {z} (x and y must be below {})", 1u64 << z)]
    Outside { z: u8, x: u32, y: u32 },
}

/// One tile, `z/x/y`.
///
/// # Examples
///
/// ```
/// use liaison::spatial::tiles::Tile;
///
/// let tile = Tile::new(12, 3430, 1691)?; // Ningbo, Haishu
/// let b = tile.bounds();
/// assert!(b.contains(121.5, 29.85));
/// assert!(Tile::new(2, 4, 0).is_err());
/// # Ok::<(), liaison::spatial::tiles::TileError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

fn lon_of(x: f64, n: f64) -> f64 {
    x / n * 360.0 - 180.0
}

fn lat_of(y: f64, n: f64) -> f64 {
    (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees()
}

/// A position in Web Mercator's unit square: x east from 180°W, y south from 85.0511°N, both 0 to
/// 1 (a whole-world tile at zoom 0). Latitudes beyond ±85.0511° are clamped.
///
/// # Examples
/// ```
/// use liaison::spatial::tiles::mercator_unit;
/// assert_eq!(mercator_unit(0.0, 0.0), (0.5, 0.5));
/// let (x, y) = mercator_unit(121.5, 29.85);
/// assert!(x > 0.5 && y < 0.5);
/// ```
pub fn mercator_unit(lon: f64, lat: f64) -> (f64, f64) {
    let x = (lon + 180.0) / 360.0;
    let lat = lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0;
    (x, y)
}

impl Tile {
    pub fn new(z: u8, x: u32, y: u32) -> Result<Self, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::Zoom(z));
        }
        let n = 1u64 << z;
        if u64::from(x) >= n || u64::from(y) >= n {
            return Err(TileError::Outside { z, x, y });
        }
        Ok(Tile { z, x, y })
    }

    fn n(self) -> f64 {
        (1u64 << self.z) as f64
    }

    /// The tile's bounds; latitudes stop at Web Mercator's ±85.0511°.
    pub fn bounds(self) -> BBox {
        let n = self.n();
        BBox {
            min_lon: lon_of(f64::from(self.x), n),
            max_lon: lon_of(f64::from(self.x) + 1.0, n),
            max_lat: lat_of(f64::from(self.y), n),
            min_lat: lat_of(f64::from(self.y) + 1.0, n),
        }
    }

    /// Whether a position belongs to this tile: west and north edges in, east and south edges out,
    /// so that every position belongs to exactly one tile of a zoom.
    pub fn holds(self, lon: f64, lat: f64) -> bool {
        let b = self.bounds();
        lon >= b.min_lon && lon < b.max_lon && lat <= b.max_lat && lat > b.min_lat
    }

    /// A position in the tile's grid of `extent` × `extent` units, x east and y south from the
    /// tile's north-west corner.
    pub fn grid_position(self, lon: f64, lat: f64, extent: u32) -> (i32, i32) {
        let n = self.n();
        let (x, y) = mercator_unit(lon, lat);
        let (x, y) = (x * n, y * n);
        let e = f64::from(extent);
        (((x - f64::from(self.x)) * e).round() as i32, ((y - f64::from(self.y)) * e).round() as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_children_tile_their_parent() {
        let parent = Tile::new(11, 1715, 853).unwrap();
        let p = parent.bounds();
        let kids: Vec<BBox> =
            (0..4).map(|i| Tile::new(12, 2 * 1715 + (i % 2), 2 * 853 + i / 2).unwrap().bounds()).collect();
        assert_eq!(kids[0].min_lon, p.min_lon);
        assert_eq!(kids[0].max_lat, p.max_lat);
        assert!((kids[3].max_lon - p.max_lon).abs() < 1e-12 && (kids[3].min_lat - p.min_lat).abs() < 1e-12);
    }

    #[test]
    fn corners_map_to_the_grid_corners() {
        let t = Tile::new(12, 3430, 1707).unwrap();
        let b = t.bounds();
        assert_eq!(t.grid_position(b.min_lon, b.max_lat, 4096), (0, 0));
        assert_eq!(t.grid_position(b.max_lon, b.min_lat, 4096), (4096, 4096));
    }

    #[test]
    fn every_position_belongs_to_one_tile_of_a_zoom() {
        for (lon, lat) in [(121.5, 29.85), (121.5, 29.85 + 1e-9), (-0.0, 0.0), (179.999, -60.0)] {
            let z = 14u8;
            let home = Tile::new(z, 0, 0).unwrap();
            let (gx, gy) = home.grid_position(lon, lat, 1);
            let holders: Vec<Tile> = (gx - 2..=gx + 1)
                .flat_map(|x| (gy - 2..=gy + 1).map(move |y| (x, y)))
                .filter_map(|(x, y)| Tile::new(z, u32::try_from(x).ok()?, u32::try_from(y).ok()?).ok())
                .filter(|t| t.holds(lon, lat))
                .collect();
            assert_eq!(holders.len(), 1, "{lon},{lat}: {holders:?}");
        }
        assert!(Tile::new(23, 0, 0).is_err() && Tile::new(1, 2, 0).is_err());
    }
}
