//! A checked WGS84 position. x = longitude, y = latitude, both in degrees (EPSG:4326).

use std::fmt;

/// Why a coordinate pair was refused.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum LocationError {
    #[error("longitude must be a finite number between -180 and 180, got {0}")]
    Longitude(f64),
    #[error("latitude must be a finite number between -90 and 90, got {0}")]
    Latitude(f64),
}

/// A WGS84 longitude/latitude pair in degrees; NaN and out-of-range values cannot be built.
///
/// # Examples
/// ```
/// use liaison::domain::LonLat;
/// let p = LonLat::new(121.55, 29.87).unwrap();
/// assert_eq!((p.lon(), p.lat()), (121.55, 29.87));
/// assert!(LonLat::new(f64::NAN, 0.0).is_err());
/// assert!(LonLat::new(0.0, 91.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LonLat {
    lon: f64,
    lat: f64,
}

impl LonLat {
    pub fn new(lon: f64, lat: f64) -> Result<Self, LocationError> {
        if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
            return Err(LocationError::Longitude(lon));
        }
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            return Err(LocationError::Latitude(lat));
        }
        Ok(Self { lon, lat })
    }

    pub fn lon(self) -> f64 {
        self.lon
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    /// The position on the public ~100 m grid (3 decimals of a degree) that is all anyone but
    /// staff may see of where a citizen was.
    ///
    /// ```
    /// use liaison::domain::LonLat;
    /// let p = LonLat::new(121.55449, 29.87051).unwrap().public();
    /// assert_eq!((p.lon(), p.lat()), (121.554, 29.871));
    /// ```
    pub fn public(self) -> LonLat {
        let (lon, lat) = public_grid(self.lon, self.lat);
        LonLat { lon, lat }
    }
}

/// A lon/lat pair rounded to the public ~100 m grid; see [`LonLat::public`].
pub fn public_grid(lon: f64, lat: f64) -> (f64, f64) {
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    (round(lon), round(lat))
}

impl fmt::Display for LonLat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6},{:.6}", self.lon, self.lat)
    }
}

impl From<LonLat> for geo::Point<f64> {
    fn from(p: LonLat) -> Self {
        geo::Point::new(p.lon, p.lat)
    }
}
