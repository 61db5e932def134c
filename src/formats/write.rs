//! Writing files: GeoJSON FeatureCollections (one feature per line, so files diff well) and CSV.

use super::geojson::{Feature, Shape};
use super::records::{self, AreaProperties, GridProperties, MemberProperties, StationProperties};
use crate::domain::{AdminArea, DemandPoint, GridArea, Member, Station};
use crate::spatial::Crs;

/// A FeatureCollection written one feature per line.
fn feature_collection_text<'a, P: serde::Serialize>(features: impl IntoIterator<Item = Feature<'a, P>>) -> String {
    // Serializing borrowed records into a String cannot fail.
    let lines: Vec<String> = features.into_iter().map(|f| serde_json::to_string(&f).unwrap_or_default()).collect();
    if lines.is_empty() {
        return "{\"type\":\"FeatureCollection\",\"features\":[]}\n".to_owned();
    }
    format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", lines.join(",\n"))
}

pub fn stations_geojson(stations: &[Station], crs: Crs) -> String {
    feature_collection_text(
        stations.iter().map(|s| Feature::new(StationProperties::from(s), Shape::Point(s.location), crs)),
    )
}

pub fn grids_geojson(grids: &[GridArea], crs: Crs) -> String {
    feature_collection_text(grids.iter().map(|g| Feature::new(GridProperties::from(g), Shape::Area(&g.geometry), crs)))
}

pub fn areas_geojson(areas: &[AdminArea], crs: Crs) -> String {
    feature_collection_text(areas.iter().map(|a| Feature::new(AreaProperties::from(a), Shape::Area(&a.geometry), crs)))
}

/// Members as CSV, one column per property.
pub fn members_csv(members: &[Member]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    for m in members {
        // Writing plain fields to a Vec cannot fail.
        let _ = out.serialize(MemberProperties::from(m));
    }
    let bytes = out.into_inner().unwrap_or_default();
    if members.is_empty() {
        return "id,name,body,level,sector,occupation,station,term_start,term_end\n".to_owned();
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// Demand points as CSV `id,lon,lat,weight` (WGS84), as `liaison import demand` reads it.
pub fn demand_csv(points: &[DemandPoint]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    // Writing plain fields to a Vec cannot fail.
    let _ = out.write_record(records::DEMAND_HEADER);
    for d in points {
        let _ = out.write_record(records::demand_row(d));
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}
