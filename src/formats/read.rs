//! Reading files into rows: a GeoJSON FeatureCollection, a bare JSON array of Features (as DataV
//! and AMap files are), a single Feature, or CSV with `lon`/`lat` columns or a `wkt` column (as
//! PostGIS and QGIS export). Geometries are
//! converted from the file's CRS to WGS84 lon/lat degrees here.

use geo::{Coord, Geometry, MapCoords, Point};
use serde_json::{Map, Value};
use wkt::TryFromWkt;

use super::{FormatError, Place};
use crate::spatial::Crs;

/// One record of a file: its place, its properties and its geometry (WGS84).
#[derive(Debug, Clone)]
pub struct Row {
    pub place: Place,
    pub fields: Map<String, Value>,
    pub geometry: Option<Geometry<f64>>,
}

/// Reads every row of `bytes`, sniffing JSON (`{` or `[`) or CSV.
pub fn read_rows(bytes: &[u8], crs: Crs) -> Result<Vec<Row>, FormatError> {
    let text = std::str::from_utf8(bytes).map_err(|e| FormatError::NotGeoJson(format!("file is not UTF-8: {e}")))?;
    let text = text.trim_start_matches('\u{feff}');
    match text.trim_start().chars().next() {
        Some('{') | Some('[') => read_geojson(text, crs),
        Some(_) => read_csv(text, crs),
        None => Ok(Vec::new()),
    }
}

fn to_wgs84(g: Geometry<f64>, crs: Crs) -> Geometry<f64> {
    if crs == Crs::Wgs84 {
        return g;
    }
    g.map_coords(|c| {
        let (x, y) = crs.to_wgs84(c.x, c.y);
        Coord { x, y }
    })
}

fn read_geojson(text: &str, crs: Crs) -> Result<Vec<Row>, FormatError> {
    let value: Value = serde_json::from_str(text)?;
    let features = match value {
        Value::Array(items) => items,
        Value::Object(mut obj) => match obj.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => match obj.remove("features") {
                Some(Value::Array(items)) => items,
                _ => return Err(FormatError::NotGeoJson("a FeatureCollection needs a \"features\" array".into())),
            },
            Some("Feature") => vec![Value::Object(obj)],
            other => {
                return Err(FormatError::NotGeoJson(format!(
                    "expected a FeatureCollection, a Feature or an array of Features, got type {}",
                    other.map_or("(none)".to_owned(), |t| format!("{t:?}"))
                )))
            }
        },
        _ => return Err(FormatError::NotGeoJson("expected a JSON object or array".into())),
    };
    features.into_iter().enumerate().map(|(i, f)| feature_row(f, Place::Feature(i + 1), crs)).collect()
}

fn feature_row(value: Value, place: Place, crs: Crs) -> Result<Row, FormatError> {
    let Value::Object(mut obj) = value else {
        return Err(FormatError::record(place, None, "not a JSON object"));
    };
    if obj.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(FormatError::record(place, Some("type"), "must be \"Feature\""));
    }
    let mut fields = match obj.remove("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(FormatError::record(place, Some("properties"), "must be an object")),
    };
    // A Feature's top-level id counts as the `id` property when that is absent.
    if let Some(id) = obj.remove("id") {
        fields.entry("id").or_insert(id);
    }
    let geometry = match obj.remove("geometry") {
        None | Some(Value::Null) => None,
        Some(g) => {
            let g =
                geojson::Geometry::from_json_value(g).map_err(|e| FormatError::record(place, Some("geometry"), e))?;
            let g = Geometry::<f64>::try_from(g).map_err(|e| FormatError::record(place, Some("geometry"), e))?;
            Some(to_wgs84(g, crs))
        }
    };
    Ok(Row { place, fields, geometry })
}

fn read_csv(text: &str, crs: Crs) -> Result<Vec<Row>, FormatError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers()?.iter().map(|h| h.to_ascii_lowercase()).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let place = Place::Line(record.position().map_or(0, |p| p.line()));
        let mut fields = Map::new();
        for (h, v) in headers.iter().zip(record.iter()) {
            if !v.is_empty() {
                fields.insert(h.clone(), Value::String(v.to_owned()));
            }
        }
        let wkt = fields.remove("wkt");
        let geometry = match (fields.remove("lon"), fields.remove("lat")) {
            (None, None) => match wkt {
                Some(Value::String(text)) => {
                    let g = Geometry::<f64>::try_from_wkt_str(&text)
                        .map_err(|e| FormatError::record(place, Some("wkt"), e))?;
                    Some(to_wgs84(g, crs))
                }
                _ => None,
            },
            (Some(lon), Some(lat)) => {
                let num = |v: &Value, name: &str| {
                    v.as_str()
                        .and_then(|s| s.parse::<f64>().ok())
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| FormatError::record(place, Some(name), format!("not a number: {v}")))
                };
                Some(to_wgs84(Point::new(num(&lon, "lon")?, num(&lat, "lat")?).into(), crs))
            }
            (None, Some(_)) => return Err(FormatError::record(place, Some("lon"), "missing (lat is given)")),
            (Some(_), None) => return Err(FormatError::record(place, Some("lat"), "missing (lon is given)")),
        };
        rows.push(Row { place, fields, geometry });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_array_of_features_is_read_like_a_collection() {
        let text = r#"[{"type":"Feature","properties":{"adcode":330203},"geometry":{"type":"Point","coordinates":[121.5,29.8]}}]"#;
        let rows = read_rows(text.as_bytes(), Crs::Wgs84).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].fields["adcode"], 330203);
        assert_eq!(rows[0].place, Place::Feature(1));
    }

    #[test]
    fn csv_rows_carry_their_line_numbers_and_points() {
        let text = "id,name,lon,lat\nA,甲,121.5,29.8\nB,乙,oops,29.9\n";
        let err = read_rows(text.as_bytes(), Crs::Wgs84).unwrap_err();
        assert_eq!(err.to_string(), "line 3, field \"lon\": not a number: \"oops\"");
    }

    #[test]
    fn geometries_are_converted_from_gcj02() {
        let text = "id,lon,lat\nA,121.5,29.8\n";
        let rows = read_rows(text.as_bytes(), Crs::Gcj02).unwrap();
        let Some(Geometry::Point(p)) = rows[0].geometry else { panic!("no point") };
        assert!(p.x() < 121.5 && p.y() > 29.8, "GCJ-02 is shifted east and south of WGS84 here: {p:?}");
    }

    #[test]
    fn csv_geometry_may_be_wkt() {
        let text = "id,wkt\nG1,\"POLYGON((121 29,122 29,122 30,121 29))\"\nG2,POLYGON((1 2\n";
        let err = read_rows(text.as_bytes(), Crs::Wgs84).unwrap_err();
        assert!(err.to_string().starts_with("line 3, field \"wkt\""), "{err}");
        let rows = read_rows(text.lines().take(2).collect::<Vec<_>>().join("\n").as_bytes(), Crs::Wgs84).unwrap();
        assert!(matches!(rows[0].geometry, Some(Geometry::Polygon(_))));
    }

    #[test]
    fn other_json_is_refused_with_a_reason() {
        let err = read_rows(br#"{"type":"Topology"}"#, Crs::Wgs84).unwrap_err();
        assert!(err.to_string().contains("\"Topology\""), "{err}");
    }
}
