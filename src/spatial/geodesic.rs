//! Distances on the WGS84 ellipsoid, in metres, and the earth-centred (ECEF) positions used to
//! index lon/lat points. Inputs are WGS84 lon/lat degrees (x = lon, y = lat).
//!
//! Why ECEF rather than unit vectors: on the ellipsoid the straight-line chord between two ECEF
//! points is a tight two-sided bound on their geodesic distance `s`:
//! `chord <= s <= 2 R asin(chord / 2R)` with `R` the smallest radius of curvature of the ellipsoid
//! (Schur's comparison theorem: a geodesic's curvature in space is at most `1/R`). At 10 km the
//! two bounds differ by about a millimetre, so chord order is geodesic order up to near-ties, and
//! only those need the exact (Karney) distance to be settled.

use std::sync::LazyLock;

use geographiclib_rs::{Geodesic, InverseGeodesic};

use crate::domain::LonLat;

/// WGS84 semi-major axis, metres.
pub const WGS84_A: f64 = 6_378_137.0;
/// WGS84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;
const WGS84_E2: f64 = WGS84_F * (2.0 - WGS84_F);
/// The smallest radius of curvature on the WGS84 ellipsoid (meridional, at the equator), metres.
pub const MIN_CURVATURE_RADIUS_M: f64 = WGS84_A * (1.0 - WGS84_E2);

static WGS84: LazyLock<Geodesic> = LazyLock::new(Geodesic::wgs84);

/// Exact geodesic distance on the WGS84 ellipsoid (Karney's algorithm), metres.
///
/// # Examples
/// ```
/// use liaison::{domain::LonLat, spatial::geodesic_distance_m};
/// let a = LonLat::new(121.0, 30.0).unwrap();
/// let b = LonLat::new(121.0, 31.0).unwrap();
/// // One degree of latitude at 30.5°N is about 110.86 km.
/// assert!((geodesic_distance_m(a, b) - 110_857.0).abs() < 100.0);
/// ```
pub fn geodesic_distance_m(a: LonLat, b: LonLat) -> f64 {
    WGS84.inverse(a.lat(), a.lon(), b.lat(), b.lon())
}

/// The length of a path through `points` (WGS84 lon/lat degrees): the sum of the geodesic
/// distances between consecutive points, in metres.
///
/// # Examples
///
/// ```
/// use liaison::domain::LonLat;
/// use liaison::spatial::geodesic::{geodesic_distance_m, path_length_m};
/// let p = |lon, lat| LonLat::new(lon, lat).unwrap();
/// let (a, b, c) = (p(121.50, 29.80), p(121.51, 29.80), p(121.51, 29.81));
/// let length = path_length_m(&[a, b, c]);
/// assert!((length - geodesic_distance_m(a, b) - geodesic_distance_m(b, c)).abs() < 1e-9);
/// assert_eq!(path_length_m(&[a]), 0.0);
/// ```
pub fn path_length_m(points: &[LonLat]) -> f64 {
    points.windows(2).map(|w| geodesic_distance_m(w[0], w[1])).sum()
}

/// Earth-centred, earth-fixed position of a point on the ellipsoid surface, metres.
pub fn ecef(p: LonLat) -> [f64; 3] {
    let (lat, lon) = (p.lat().to_radians(), p.lon().to_radians());
    let (sin_lat, cos_lat) = lat.sin_cos();
    let n = WGS84_A / (1.0 - WGS84_E2 * sin_lat * sin_lat).sqrt();
    [n * cos_lat * lon.cos(), n * cos_lat * lon.sin(), n * (1.0 - WGS84_E2) * sin_lat]
}

/// The largest geodesic distance two surface points `chord_m` apart in space can have, metres.
pub fn geodesic_upper_bound_m(chord_m: f64) -> f64 {
    let half = chord_m / (2.0 * MIN_CURVATURE_RADIUS_M);
    if half >= 1.0 {
        return f64::INFINITY;
    }
    2.0 * MIN_CURVATURE_RADIUS_M * half.asin()
}

/// A plane tangent at a point, metres east (x) and north (y), for short distances (< ~20 km):
/// scales by the meridional and prime-vertical radii of curvature at the origin's latitude.
#[derive(Debug, Clone, Copy)]
pub struct LocalPlane {
    origin: LonLat,
    m_per_deg_lon: f64,
    m_per_deg_lat: f64,
}

impl LocalPlane {
    pub fn at(origin: LonLat) -> Self {
        let lat = origin.lat().to_radians();
        let w2 = 1.0 - WGS84_E2 * lat.sin().powi(2);
        let n = WGS84_A / w2.sqrt();
        let m = WGS84_A * (1.0 - WGS84_E2) / (w2 * w2.sqrt());
        Self {
            origin,
            m_per_deg_lon: n * lat.cos() * std::f64::consts::PI / 180.0,
            m_per_deg_lat: m * std::f64::consts::PI / 180.0,
        }
    }

    /// Projects lon/lat degrees to metres east/north of the origin.
    pub fn project(&self, lon: f64, lat: f64) -> [f64; 2] {
        [(lon - self.origin.lon()) * self.m_per_deg_lon, (lat - self.origin.lat()) * self.m_per_deg_lat]
    }

    /// Degrees of longitude and latitude spanned by `metres` at the origin.
    pub fn degrees_for(&self, metres: f64) -> (f64, f64) {
        (metres / self.m_per_deg_lon.max(1e-9), metres / self.m_per_deg_lat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    #[test]
    fn chord_brackets_the_geodesic_distance() {
        let mut rng = crate::sample::SplitMix64::new(7);
        let mut next = move || rng.unit();
        for _ in 0..5_000 {
            let a = p(-180.0 + 360.0 * next(), -89.0 + 178.0 * next());
            let b = p(
                (a.lon() + (next() - 0.5) * 4.0).clamp(-180.0, 180.0),
                (a.lat() + (next() - 0.5) * 4.0).clamp(-90.0, 90.0),
            );
            let (ea, eb) = (ecef(a), ecef(b));
            let chord = ((ea[0] - eb[0]).powi(2) + (ea[1] - eb[1]).powi(2) + (ea[2] - eb[2]).powi(2)).sqrt();
            let s = geodesic_distance_m(a, b);
            assert!(chord <= s + 1e-6, "chord {chord} > s {s} for {a} {b}");
            assert!(s <= geodesic_upper_bound_m(chord) + 1e-6, "s {s} above bound for {a} {b}");
        }
    }

    #[test]
    fn local_plane_matches_geodesic_over_a_few_hundred_metres() {
        let o = p(121.5, 29.85);
        let plane = LocalPlane::at(o);
        let q = p(121.503, 29.852);
        let [x, y] = plane.project(q.lon(), q.lat());
        let planar = (x * x + y * y).sqrt();
        assert!((planar - geodesic_distance_m(o, q)).abs() < 0.01, "{planar}");
    }
}
