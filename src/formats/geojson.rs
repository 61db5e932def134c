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

/// Degrees as every answer writes them: 7 decimals (about 1 cm).
pub fn round7(v: f64) -> f64 {
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

/// The geometry a kind of feature carries, for its OpenAPI schema.
#[derive(Debug, Clone, Copy)]
pub enum GeometryKind {
    Point,
    Polygon,
    MultiPolygon,
    /// Any geometry but a collection (an imported layer's).
    Any,
}

/// OpenAPI schemas of the GeoJSON written here (RFC 7946), one per concrete kind of feature: see
/// [`feature_schema!`](crate::feature_schema) and [`collection_schema!`](crate::collection_schema).
pub mod schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
    use utoipa::openapi::{Ref, RefOr};

    use super::GeometryKind;

    fn constant(value: &str) -> ObjectBuilder {
        ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).enum_values(Some([value]))
    }

    fn array_of(items: impl Into<RefOr<Schema>>, min: Option<usize>, max: Option<usize>) -> ArrayBuilder {
        ArrayBuilder::new().items(items.into()).min_items(min).max_items(max)
    }

    /// `[x, y]` in the request's CRS (WGS84 lon/lat unless `crs` says otherwise).
    pub fn position() -> ArrayBuilder {
        array_of(ObjectBuilder::new().schema_type(SchemaType::new(Type::Number)), Some(2), Some(2))
            .description(Some("[x, y]: lon, lat in the request's crs"))
    }

    fn ring() -> ArrayBuilder {
        array_of(position(), Some(4), None)
    }

    /// A GeoJSON geometry object of `kind`.
    pub fn geometry(kind: GeometryKind) -> RefOr<Schema> {
        let (name, coordinates): (&str, ArrayBuilder) = match kind {
            GeometryKind::Point => ("Point", position()),
            GeometryKind::Polygon => ("Polygon", array_of(ring(), Some(1), None)),
            GeometryKind::MultiPolygon => ("MultiPolygon", array_of(array_of(ring(), Some(1), None), None, None)),
            GeometryKind::Any => {
                let kinds = ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"];
                return ObjectBuilder::new()
                    .property(
                        "type",
                        ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).enum_values(Some(kinds)),
                    )
                    .required("type")
                    .property("coordinates", ArrayBuilder::new().description(Some("positions nested as `type` says")))
                    .required("coordinates")
                    .into();
            }
        };
        ObjectBuilder::new()
            .property("type", constant(name))
            .required("type")
            .property("coordinates", coordinates)
            .required("coordinates")
            .into()
    }

    /// A Feature whose `properties` are the schema named `properties`.
    pub fn feature(properties: &str, kind: GeometryKind, description: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(description))
            .property("type", constant("Feature"))
            .required("type")
            .property("properties", Ref::from_schema_name(properties))
            .required("properties")
            .property("geometry", geometry(kind))
            .required("geometry")
            .into()
    }

    /// A FeatureCollection of the feature schema named `feature`; `numberReturned` and `truncated`
    /// appear when a limit applied.
    pub fn collection(feature: &str, description: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(description))
            .property("type", constant("FeatureCollection"))
            .required("type")
            .property(
                "numberReturned",
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Integer))
                    .minimum(Some(0))
                    .description(Some("How many features the answer holds (when a limit applied)")),
            )
            .property(
                "truncated",
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Boolean))
                    .description(Some("Whether the limit cut the list (when a limit applied)")),
            )
            .property("features", ArrayBuilder::new().items(Ref::from_schema_name(feature)))
            .required("features")
            .into()
    }
}

/// Declares a schema-only type `$name` for GeoJSON Features with properties `$props` (a
/// `ToSchema`) and a geometry of kind `$kind` (`Point`, `Polygon`, `MultiPolygon`).
#[macro_export]
macro_rules! feature_schema {
    ($name:ident: $props:ty, $kind:ident, $description:literal) => {
        #[doc = $description]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::formats::geojson::schema::feature(
                    &<$props as utoipa::ToSchema>::name(),
                    $crate::formats::geojson::GeometryKind::$kind,
                    $description,
                )
            }
        }

        impl utoipa::ToSchema for $name {
            fn schemas(s: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
                s.push((<$props as utoipa::ToSchema>::name().into(), <$props as utoipa::PartialSchema>::schema()));
                <$props as utoipa::ToSchema>::schemas(s);
            }
        }
    };
}

/// Declares a schema-only type `$name` for FeatureCollections of `$feature` (a type declared with
/// [`feature_schema!`](crate::feature_schema)).
#[macro_export]
macro_rules! collection_schema {
    ($name:ident: $feature:ty, $description:literal) => {
        #[doc = $description]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::formats::geojson::schema::collection(&<$feature as utoipa::ToSchema>::name(), $description)
            }
        }

        impl utoipa::ToSchema for $name {
            fn schemas(s: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
                s.push((<$feature as utoipa::ToSchema>::name().into(), <$feature as utoipa::PartialSchema>::schema()));
                <$feature as utoipa::ToSchema>::schemas(s);
            }
        }
    };
}
