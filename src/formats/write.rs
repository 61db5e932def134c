//! Writing records: GeoJSON FeatureCollections (one feature per line, so files diff well) and CSV.
//! Geometries are converted from WGS84 to the requested CRS and rounded to 7 decimals (~1 cm).

use geo::{Coord, Geometry, MapCoords};
use serde_json::{json, Map, Value};

use super::records::{area_properties, grid_properties, member_properties, station_properties};
use crate::domain::{AdminArea, GridArea, Member, Station};
use crate::spatial::Crs;

/// A geometry as a GeoJSON value in `crs`, coordinates rounded to 7 decimals.
pub fn geometry_json(g: &Geometry<f64>, crs: Crs) -> Value {
    let round = |v: f64| (v * 1e7).round() / 1e7;
    let g = g.map_coords(|c| {
        let (x, y) = crs.from_wgs84(c.x, c.y);
        Coord { x: round(x), y: round(y) }
    });
    serde_json::to_value(geojson::Geometry::from(&g)).unwrap_or(Value::Null)
}

/// A GeoJSON Feature value.
pub fn feature(properties: Map<String, Value>, geometry: Option<&Geometry<f64>>, crs: Crs) -> Value {
    json!({ "type": "Feature", "properties": properties, "geometry": geometry.map_or(Value::Null, |g| geometry_json(g, crs)) })
}

/// A FeatureCollection written one feature per line.
pub fn feature_collection_text(features: impl IntoIterator<Item = Value>) -> String {
    let lines: Vec<String> = features.into_iter().map(|f| f.to_string()).collect();
    if lines.is_empty() {
        return "{\"type\":\"FeatureCollection\",\"features\":[]}\n".to_owned();
    }
    format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", lines.join(",\n"))
}

pub fn stations_geojson(stations: &[Station], crs: Crs) -> String {
    feature_collection_text(
        stations.iter().map(|s| feature(station_properties(s), Some(&geo::Point::from(s.location).into()), crs)),
    )
}

pub fn grids_geojson(grids: &[GridArea], crs: Crs) -> String {
    feature_collection_text(grids.iter().map(|g| feature(grid_properties(g), Some(&g.geometry.clone().into()), crs)))
}

pub fn areas_geojson(areas: &[AdminArea], crs: Crs) -> String {
    feature_collection_text(areas.iter().map(|a| feature(area_properties(a), Some(&a.geometry.clone().into()), crs)))
}

/// Members as CSV, columns in the order of their properties.
pub fn members_csv(members: &[Member]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let columns = ["id", "name", "body", "level", "sector", "occupation", "station", "term_start", "term_end"];
    let cell = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    // Writing to a Vec cannot fail; errors here would be a bug in the csv crate.
    let _ = out.write_record(columns);
    for m in members {
        let props = member_properties(m);
        let _ = out.write_record(columns.iter().map(|c| cell(&props[*c])));
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}
