//! GeoJSON output serialized straight from borrowed records: positions are converted from WGS84
//! lon/lat degrees to the requested CRS and rounded to 7 decimals (~1 cm) as they are written, so
//! no intermediate JSON tree is built.

use geo::{LineString, MultiPolygon, Polygon};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::domain::LonLat;
use crate::spatial::Crs;

/// What a feature's geometry is.
#[derive(Debug, Clone, Copy)]
pub enum Shape<'a> {
    Point(LonLat),
    Area(&'a MultiPolygon<f64>),
    Polygon(&'a Polygon<f64>),
}

/// A geometry written in `crs`.
#[derive(Debug, Clone, Copy)]
pub struct GeometryOut<'a> {
    pub shape: Shape<'a>,
    pub crs: Crs,
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

struct Position(f64, f64, Crs);

impl Serialize for Position {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (x, y) = self.2.from_wgs84(self.0, self.1);
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(&round7(x))?;
        seq.serialize_element(&round7(y))?;
        seq.end()
    }
}

struct Ring<'a>(&'a LineString<f64>, Crs);

impl Serialize for Ring<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0 .0.iter().map(|c| Position(c.x, c.y, self.1)))
    }
}

struct PolygonCoords<'a>(&'a Polygon<f64>, Crs);

impl Serialize for PolygonCoords<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(std::iter::once(self.0.exterior()).chain(self.0.interiors()).map(|r| Ring(r, self.1)))
    }
}

impl Serialize for GeometryOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        match self.shape {
            Shape::Point(p) => {
                map.serialize_entry("type", "Point")?;
                map.serialize_entry("coordinates", &Position(p.lon(), p.lat(), self.crs))?;
            }
            Shape::Area(mp) => {
                map.serialize_entry("type", "MultiPolygon")?;
                let polygons: Vec<PolygonCoords> = mp.0.iter().map(|p| PolygonCoords(p, self.crs)).collect();
                map.serialize_entry("coordinates", &polygons)?;
            }
            Shape::Polygon(p) => {
                map.serialize_entry("type", "Polygon")?;
                map.serialize_entry("coordinates", &PolygonCoords(p, self.crs))?;
            }
        }
        map.end()
    }
}

/// A GeoJSON Feature.
#[derive(Debug, Serialize)]
pub struct Feature<'a, P> {
    #[serde(rename = "type")]
    kind: &'static str,
    pub properties: P,
    pub geometry: GeometryOut<'a>,
}

impl<'a, P: Serialize> Feature<'a, P> {
    pub fn new(properties: P, shape: Shape<'a>, crs: Crs) -> Self {
        Self { kind: "Feature", properties, geometry: GeometryOut { shape, crs } }
    }
}

/// A GeoJSON FeatureCollection; `numberReturned` and `truncated` appear when a limit applied.
#[derive(Debug, Serialize)]
pub struct FeatureCollection<F> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "numberReturned", skip_serializing_if = "Option::is_none")]
    number_returned: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated: Option<bool>,
    pub features: Vec<F>,
}

impl<F> FeatureCollection<F> {
    pub fn new(features: Vec<F>) -> Self {
        Self { kind: "FeatureCollection", number_returned: None, truncated: None, features }
    }

    /// At most `limit` of `features` (pass one more than `limit` to learn that there were more).
    pub fn limited(mut features: Vec<F>, limit: usize) -> Self {
        let truncated = features.len() > limit;
        features.truncate(limit);
        Self { kind: "FeatureCollection", number_returned: Some(features.len()), truncated: Some(truncated), features }
    }
}
