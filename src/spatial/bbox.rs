//! Bounding boxes in WGS84 lon/lat degrees (x = lon, y = lat), as given in `bbox=` parameters.

use std::str::FromStr;

/// Why a `minLon,minLat,maxLon,maxLat` box was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BBoxError {
    #[error("bbox must be four comma-separated numbers minLon,minLat,maxLon,maxLat, got {0:?}")]
    Shape(String),
    #[error("bbox longitudes must lie in -180..180 and latitudes in -90..90, got {0:?}")]
    Range(String),
    #[error("bbox minimum must not exceed maximum (minLon,minLat,maxLon,maxLat), got {0:?}")]
    Inverted(String),
}

/// A lon/lat box with `min <= max` on both axes (boxes across the antimeridian are not supported).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    pub fn new(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Result<Self, BBoxError> {
        let text = format!("{min_lon},{min_lat},{max_lon},{max_lat}");
        let lon_ok = |v: f64| v.is_finite() && (-180.0..=180.0).contains(&v);
        let lat_ok = |v: f64| v.is_finite() && (-90.0..=90.0).contains(&v);
        if !(lon_ok(min_lon) && lon_ok(max_lon) && lat_ok(min_lat) && lat_ok(max_lat)) {
            return Err(BBoxError::Range(text));
        }
        if min_lon > max_lon || min_lat > max_lat {
            return Err(BBoxError::Inverted(text));
        }
        Ok(Self { min_lon, min_lat, max_lon, max_lat })
    }

    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.min_lon..=self.max_lon).contains(&lon) && (self.min_lat..=self.max_lat).contains(&lat)
    }

    /// Whether this box and the box `[min, max]` share any point.
    pub fn intersects(&self, min: [f64; 2], max: [f64; 2]) -> bool {
        min[0] <= self.max_lon && max[0] >= self.min_lon && min[1] <= self.max_lat && max[1] >= self.min_lat
    }
}

impl FromStr for BBox {
    type Err = BBoxError;

    /// # Examples
    /// ```
    /// use liaison::spatial::BBox;
    /// let b: BBox = "121.1,29.7,121.6,30.0".parse().unwrap();
    /// assert!(b.contains(121.5, 29.8));
    /// assert!("121.6,29.7,121.1,30.0".parse::<BBox>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, BBoxError> {
        let parts: Vec<f64> = s
            .split(',')
            .map(|t| t.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| BBoxError::Shape(s.to_owned()))?;
        match parts[..] {
            [a, b, c, d] => BBox::new(a, b, c, d),
            _ => Err(BBoxError::Shape(s.to_owned())),
        }
    }
}
