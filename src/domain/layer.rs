//! Map layers an operator imports from a file: rivers, public services, livelihood projects
//! (民生实事), anything the map should show beside the stations. A layer is a named set of
//! features, each a geometry with the file's properties kept as they were.
//!
//! Geometries are WGS84 lon/lat degrees (x = lon, y = lat).

use std::fmt;

use geo::{CoordsIter, Geometry};
use serde_json::{Map, Value};

/// The most features one layer may hold (a district's rivers or services are a few thousand).
pub const MAX_FEATURES: usize = 100_000;

/// The most characters of a layer's title.
pub const MAX_TITLE_CHARS: usize = 60;

/// A layer's name as URLs and the command line use it: 1–40 of `a-z`, `0-9`, `_` and `-`,
/// starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct LayerName(String);

impl LayerName {
    /// # Examples
    ///
    /// ```
    /// use liaison::domain::layer::LayerName;
    /// assert_eq!(LayerName::new("rivers").unwrap().as_str(), "rivers");
    /// assert!(LayerName::new("Rivers").is_err());
    /// assert!(LayerName::new("-x").is_err());
    /// assert!(LayerName::new("").is_err());
    /// ```
    pub fn new(s: &str) -> Result<Self, LayerError> {
        let ok = (1..=40).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            && s.as_bytes()[0].is_ascii_alphanumeric();
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(LayerError::Name(s.chars().take(60).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for LayerName {
    type Err = LayerError;

    fn from_str(s: &str) -> Result<Self, LayerError> {
        Self::new(s)
    }
}

impl fmt::Display for LayerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One feature of a layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerFeature {
    pub geometry: Geometry<f64>,
    pub properties: Map<String, Value>,
}

/// What a layer draws, which decides how the map draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    Points,
    Lines,
    Areas,
    /// Features of more than one of the above.
    Mixed,
}

/// A named layer of features.
#[derive(Debug, Clone, PartialEq)]
pub struct MapLayer {
    pub name: LayerName,
    pub title: String,
    pub features: Vec<LayerFeature>,
}

/// A layer that cannot be drawn as given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayerError {
    #[error("layer name {0:?} must be 1-40 of a-z, 0-9, _ and -, starting with a letter or digit")]
    Name(String),
    #[error("the title must be 1-{MAX_TITLE_CHARS} characters")]
    Title,
    #[error("a layer needs at least one feature")]
    Empty,
    #[error("a layer holds at most {MAX_FEATURES} features, this one {0}")]
    TooMany(usize),
    #[error("feature {0}: a geometry collection cannot be drawn as one layer; split it into features")]
    Collection(usize),
    #[error("feature {0}: the geometry has no position")]
    NoPosition(usize),
    #[error("feature {feature}: position ({lon}, {lat}) is not a WGS84 longitude and latitude")]
    Position { feature: usize, lon: f64, lat: f64 },
}

impl MapLayer {
    /// Checks a layer: a name, a title, 1 to [`MAX_FEATURES`] features, each a point, line or
    /// polygon (or several) with every position a valid lon/lat. Features count from 1.
    pub fn new(name: LayerName, title: &str, features: Vec<LayerFeature>) -> Result<Self, LayerError> {
        let title = title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(LayerError::Title);
        }
        if features.is_empty() {
            return Err(LayerError::Empty);
        }
        if features.len() > MAX_FEATURES {
            return Err(LayerError::TooMany(features.len()));
        }
        for (i, f) in features.iter().enumerate() {
            let n = i + 1;
            if matches!(f.geometry, Geometry::GeometryCollection(_)) {
                return Err(LayerError::Collection(n));
            }
            let mut any = false;
            for c in f.geometry.coords_iter() {
                any = true;
                if !(c.x.is_finite()
                    && c.y.is_finite()
                    && (-180.0..=180.0).contains(&c.x)
                    && (-90.0..=90.0).contains(&c.y))
                {
                    return Err(LayerError::Position { feature: n, lon: c.x, lat: c.y });
                }
            }
            if !any {
                return Err(LayerError::NoPosition(n));
            }
        }
        Ok(Self { name, title: title.to_owned(), features })
    }

    /// Points, lines, areas or a mix, by the features' geometries.
    pub fn kind(&self) -> LayerKind {
        let of = |g: &Geometry<f64>| match g {
            Geometry::Point(_) | Geometry::MultiPoint(_) => LayerKind::Points,
            Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => LayerKind::Lines,
            _ => LayerKind::Areas,
        };
        let mut kinds = self.features.iter().map(|f| of(&f.geometry));
        let first = kinds.next().unwrap_or(LayerKind::Mixed);
        if kinds.all(|k| k == first) {
            first
        } else {
            LayerKind::Mixed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, polygon};

    fn feature(geometry: Geometry<f64>) -> LayerFeature {
        LayerFeature { geometry, properties: Map::new() }
    }

    fn name() -> LayerName {
        LayerName::new("rivers").unwrap()
    }

    #[test]
    fn a_layer_knows_what_it_draws() {
        let line = || feature(line_string![(x: 121.5, y: 29.8), (x: 121.6, y: 29.9)].into());
        let layer = MapLayer::new(name(), " 河道 ", vec![line(), line()]).unwrap();
        assert_eq!((layer.kind(), layer.title.as_str()), (LayerKind::Lines, "河道"));
        let area = feature(polygon![(x: 121.5, y: 29.8), (x: 121.6, y: 29.8), (x: 121.6, y: 29.9)].into());
        let mixed = MapLayer::new(name(), "x", vec![line(), area]).unwrap();
        assert_eq!(mixed.kind(), LayerKind::Mixed);
        let points = MapLayer::new(name(), "x", vec![feature(point!(x: 121.5, y: 29.8).into())]).unwrap();
        assert_eq!(points.kind(), LayerKind::Points);
    }

    #[test]
    fn bad_layers_say_which_feature_is_wrong() {
        let good = feature(point!(x: 121.5, y: 29.8).into());
        assert_eq!(MapLayer::new(name(), "x", vec![]), Err(LayerError::Empty));
        assert_eq!(MapLayer::new(name(), "  ", vec![good.clone()]), Err(LayerError::Title));
        let far = feature(point!(x: 221.5, y: 29.8).into());
        assert!(matches!(
            MapLayer::new(name(), "x", vec![good.clone(), far]),
            Err(LayerError::Position { feature: 2, .. })
        ));
        let nan = feature(point!(x: f64::NAN, y: 29.8).into());
        assert!(matches!(MapLayer::new(name(), "x", vec![nan]), Err(LayerError::Position { feature: 1, .. })));
        let empty = feature(Geometry::MultiPoint(geo::MultiPoint(vec![])));
        assert_eq!(MapLayer::new(name(), "x", vec![good.clone(), empty]), Err(LayerError::NoPosition(2)));
        let collection = feature(Geometry::GeometryCollection(geo::GeometryCollection(vec![good.geometry.clone()])));
        assert_eq!(MapLayer::new(name(), "x", vec![collection]), Err(LayerError::Collection(1)));
    }
}
