//! JSON views of catalog records for the API: the import/export properties plus what a reader
//! needs (labels, members, next sessions, distances), serialized from borrowed records.
//! Geometry goes out in the request's CRS.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::{json, Value};

use crate::catalog::{Catalog, StationSession};
use crate::domain::schedule::{summarize_zh, Session};
use crate::domain::{AdminArea, GridArea, Member, MemberId, Station};
use crate::formats::geojson::{Feature, Shape};
use crate::formats::records::{AreaProperties, GridProperties, MemberProperties, StationProperties};
use crate::spatial::Crs;

/// How many upcoming sessions a detail view lists unless asked otherwise.
pub const DEFAULT_SESSIONS: usize = 5;

/// Metres to the centimetre, as answers give them.
pub fn round_m(m: f64) -> f64 {
    (m * 100.0).round() / 100.0
}

/// A station's own properties plus labels, readable reception rules and, from a distance query,
/// its distance.
#[derive(Debug, Serialize)]
pub struct StationView<'a> {
    #[serde(flatten)]
    pub base: StationProperties<'a>,
    pub kind_label: &'static str,
    pub level_label: &'static str,
    pub reception_text: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
}

pub fn station_feature(s: &Station, distance_m: Option<f64>, crs: Crs) -> Feature<'_, StationView<'_>> {
    let view = StationView {
        base: StationProperties::from(s),
        kind_label: s.kind.label_zh(),
        level_label: s.level.label_zh(),
        reception_text: summarize_zh(&s.reception),
        distance_m: distance_m.map(round_m),
    };
    Feature::new(view, Shape::Point(s.location), crs)
}

fn to_value(v: impl Serialize) -> Value {
    // Serializing borrowed records into a JSON tree cannot fail (all map keys are strings).
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A short reference to a member.
pub fn member_ref(m: &Member) -> Value {
    json!({ "id": m.id, "name": m.name, "body": m.body, "body_label": m.body.label_zh(), "level": m.level })
}

fn member_refs(catalog: &Catalog, ids: &[MemberId]) -> Vec<Value> {
    ids.iter().map(|id| catalog.member(id).map_or_else(|| json!({ "id": id }), member_ref)).collect()
}

/// A session with its members named.
pub fn session_view(catalog: &Catalog, s: &Session) -> Value {
    json!({ "start": s.start.to_rfc3339(), "end": s.end.to_rfc3339(), "theme": s.theme, "members": member_refs(catalog, &s.members) })
}

/// A station with its members, liaison points, town and next sessions.
pub fn station_detail(catalog: &Catalog, s: &Station, now: DateTime<FixedOffset>, sessions: usize, crs: Crs) -> Value {
    let mut feature = to_value(station_feature(s, None, crs));
    let p = &mut feature["properties"];
    p["members"] = catalog.members_of_station(&s.id).into_iter().map(member_ref).collect();
    p["points"] =
        catalog.points_of_station(&s.id).into_iter().map(|pt| json!({ "id": pt.id, "name": pt.name })).collect();
    p["parent_name"] = s.parent.as_ref().and_then(|id| catalog.station(id)).map(|x| x.name.clone()).into();
    p["town"] = s.town_code.as_ref().and_then(|c| catalog.area(c)).map_or(Value::Null, area_ref);
    p["next_sessions"] = catalog.station_sessions(s, now, sessions).iter().map(|x| session_view(catalog, x)).collect();
    feature
}

pub fn area_ref(a: &AdminArea) -> Value {
    json!({ "code": a.code, "name": a.name, "level": a.level })
}

pub fn grid_feature(g: &GridArea, crs: Crs) -> Feature<'_, GridProperties<'_>> {
    Feature::new(GridProperties::from(g), Shape::Area(&g.geometry), crs)
}

#[derive(Debug, Serialize)]
pub struct AreaView<'a> {
    #[serde(flatten)]
    pub base: AreaProperties<'a>,
    pub level_label: &'static str,
}

pub fn area_feature(a: &AdminArea, crs: Crs) -> Feature<'_, AreaView<'_>> {
    Feature::new(
        AreaView { base: AreaProperties::from(a), level_label: a.level.label_zh() },
        Shape::Area(&a.geometry),
        crs,
    )
}

/// A member with their station, grid areas and next sessions.
pub fn member_detail(catalog: &Catalog, m: &Member, now: DateTime<FixedOffset>, sessions: usize) -> Value {
    let mut p = to_value(MemberProperties::from(m));
    p["body_label"] = m.body.label_zh().into();
    p["level_label"] = m.level.label_zh().into();
    p["in_term"] = m.in_term_on(now.date_naive()).into();
    let station = m.station.as_ref().and_then(|id| catalog.station(id));
    p["station_detail"] = station.map_or(
        Value::Null,
        |s| json!({ "id": s.id, "name": s.name, "kind": s.kind, "address": s.address, "phone": s.phone }),
    );
    p["grids"] = catalog
        .grids_of_member(&m.id)
        .into_iter()
        .map(|g| json!({ "id": g.id, "code": g.code, "name": g.name }))
        .collect();
    p["next_sessions"] =
        catalog.member_sessions(&m.id, now, sessions).iter().map(|x| station_session_view(catalog, x)).collect();
    p
}

fn station_session_view(catalog: &Catalog, x: &StationSession<'_>) -> Value {
    let mut v = session_view(catalog, &x.session);
    v["station"] = json!({ "id": x.station.id, "name": x.station.name, "address": x.station.address });
    v
}
