//! JSON views of catalog records for the API: the import/export properties plus what a reader
//! needs (labels, members, next sessions, distances). Geometry goes out in the request's CRS.

use chrono::{DateTime, FixedOffset};
use geo::{Geometry, Point};
use serde_json::{json, Map, Value};

use crate::catalog::{Catalog, StationSession};
use crate::domain::schedule::Session;
use crate::domain::{AdminArea, GridArea, Member, Station};
use crate::formats::records::{area_properties, grid_properties, member_properties, station_properties};
use crate::formats::write::feature;
use crate::spatial::Crs;

/// How many upcoming sessions a detail view lists unless asked otherwise.
pub const DEFAULT_SESSIONS: usize = 5;

pub fn feature_collection(features: Vec<Value>) -> Value {
    json!({ "type": "FeatureCollection", "features": features })
}

/// A FeatureCollection of at most `limit` of `features` (pass one more than `limit` to learn that
/// there were more): `numberReturned` and `truncated` tell a client to narrow its query.
pub fn limited_collection(mut features: Vec<Value>, limit: usize) -> Value {
    let truncated = features.len() > limit;
    features.truncate(limit);
    json!({ "type": "FeatureCollection", "numberReturned": features.len(), "truncated": truncated, "features": features })
}

fn round_m(m: f64) -> f64 {
    (m * 100.0).round() / 100.0
}

/// A station's own properties plus labels and the readable reception rules.
pub fn station_properties_view(s: &Station) -> Map<String, Value> {
    let mut p = station_properties(s);
    p.insert("kind_label".into(), s.kind.label_zh().into());
    p.insert("level_label".into(), s.level.label_zh().into());
    p.insert("reception_text".into(), s.reception.iter().map(|r| r.describe_zh()).collect::<Vec<_>>().into());
    p
}

pub fn station_feature(s: &Station, props: Map<String, Value>, crs: Crs) -> Value {
    feature(props, Some(&Geometry::Point(Point::from(s.location))), crs)
}

/// A station as found by a distance query.
pub fn station_hit(s: &Station, distance_m: f64, crs: Crs) -> Value {
    let mut p = station_properties_view(s);
    p.insert("distance_m".into(), round_m(distance_m).into());
    station_feature(s, p, crs)
}

/// A short reference to a member.
pub fn member_ref(m: &Member) -> Value {
    json!({ "id": m.id, "name": m.name, "body": m.body, "body_label": m.body.label_zh(), "level": m.level })
}

fn member_refs(catalog: &Catalog, ids: &[crate::domain::MemberId]) -> Vec<Value> {
    ids.iter().map(|id| catalog.member(id).map_or_else(|| json!({ "id": id }), member_ref)).collect()
}

/// A session with its members named.
pub fn session_view(catalog: &Catalog, s: &Session) -> Value {
    json!({ "start": s.start.to_rfc3339(), "end": s.end.to_rfc3339(), "theme": s.theme, "members": member_refs(catalog, &s.members) })
}

/// A station with its members, liaison points and next sessions.
pub fn station_detail(catalog: &Catalog, s: &Station, now: DateTime<FixedOffset>, sessions: usize, crs: Crs) -> Value {
    let mut p = station_properties_view(s);
    let members: Vec<Value> = catalog.members_of_station(&s.id).into_iter().map(member_ref).collect();
    let points: Vec<Value> =
        catalog.points_of_station(&s.id).into_iter().map(|pt| json!({ "id": pt.id, "name": pt.name })).collect();
    let next: Vec<Value> =
        catalog.station_sessions(s, now, sessions).iter().map(|x| session_view(catalog, x)).collect();
    p.insert("members".into(), members.into());
    p.insert("points".into(), points.into());
    p.insert("parent_name".into(), s.parent.as_ref().and_then(|id| catalog.station(id)).map(|x| x.name.clone()).into());
    p.insert("town".into(), s.town_code.as_ref().and_then(|c| catalog.area(c)).map(area_ref).unwrap_or(Value::Null));
    p.insert("next_sessions".into(), next.into());
    station_feature(s, p, crs)
}

pub fn area_ref(a: &AdminArea) -> Value {
    json!({ "code": a.code, "name": a.name, "level": a.level })
}

pub fn grid_feature(g: &GridArea, props: Map<String, Value>, crs: Crs) -> Value {
    feature(props, Some(&Geometry::MultiPolygon(g.geometry.clone())), crs)
}

pub fn grid_plain(g: &GridArea, crs: Crs) -> Value {
    grid_feature(g, grid_properties(g), crs)
}

pub fn area_feature(a: &AdminArea, crs: Crs) -> Value {
    let mut p = area_properties(a);
    p.insert("level_label".into(), a.level.label_zh().into());
    feature(p, Some(&Geometry::MultiPolygon(a.geometry.clone())), crs)
}

/// A member with their station, grid areas and next sessions.
pub fn member_detail(catalog: &Catalog, m: &Member, now: DateTime<FixedOffset>, sessions: usize) -> Value {
    let mut p = member_properties(m);
    p.insert("body_label".into(), m.body.label_zh().into());
    p.insert("level_label".into(), m.level.label_zh().into());
    p.insert("in_term".into(), m.in_term_on(now.date_naive()).into());
    let station = m.station.as_ref().and_then(|id| catalog.station(id));
    p.insert(
        "station_detail".into(),
        station.map_or(
            Value::Null,
            |s| json!({ "id": s.id, "name": s.name, "kind": s.kind, "address": s.address, "phone": s.phone }),
        ),
    );
    let grids: Vec<Value> = catalog
        .grids_of_member(&m.id)
        .into_iter()
        .map(|g| json!({ "id": g.id, "code": g.code, "name": g.name }))
        .collect();
    p.insert("grids".into(), grids.into());
    let next: Vec<Value> =
        catalog.member_sessions(&m.id, now, sessions).iter().map(|x| station_session_view(catalog, x)).collect();
    p.insert("next_sessions".into(), next.into());
    Value::Object(p)
}

fn station_session_view(catalog: &Catalog, x: &StationSession<'_>) -> Value {
    let mut v = session_view(catalog, &x.session);
    v["station"] = json!({ "id": x.station.id, "name": x.station.name, "address": x.station.address });
    v
}
