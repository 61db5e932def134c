//! Typed views of catalog records, as every adapter answers them: the import/export properties
//! plus what a reader needs (labels, members, next sessions, distances), borrowed from the catalog
//! snapshot they were built from. Geometry goes out in the requested CRS (WGS84 lon/lat degrees
//! inside); distances are metres rounded to the centimetre.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::catalog::{Catalog, GridHit, StationSession, NEAR_BOUNDARY_M};
use crate::domain::schedule::Session;
use crate::domain::{
    AdminArea, AreaCode, AreaLevel, Body, GridArea, GridId, Level, Member, MemberId, Station, StationId, StationKind,
};
use crate::formats::geojson::{Feature, FeatureCollection, Shape};
use crate::formats::records::{AreaProperties, GridProperties, MemberProperties, StationProperties};
use crate::i18n::{self, Lang};
use crate::spatial::Crs;

/// How many upcoming sessions a detail view lists unless asked otherwise.
pub const DEFAULT_SESSIONS: usize = 5;

/// Metres to the centimetre, as answers give them.
pub fn round_m(m: f64) -> f64 {
    (m * 100.0).round() / 100.0
}

/// A station's own properties plus labels, readable reception rules and, from a distance query,
/// its distance.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationView<'a> {
    #[serde(flatten)]
    pub base: StationProperties<'a>,
    pub kind_label: String,
    pub level_label: String,
    pub reception_text: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
}

impl<'a> StationView<'a> {
    /// The station with labels and reception texts in `lang`.
    pub fn new(s: &'a Station, distance_m: Option<f64>, lang: Lang) -> Self {
        StationView {
            base: StationProperties::from(s),
            kind_label: i18n::label(lang, "kind", s.kind.code()),
            level_label: i18n::label(lang, "level", s.level.code()),
            reception_text: i18n::reception(lang, &s.reception),
            distance_m: distance_m.map(round_m),
        }
    }
}

pub type StationFeature<'a> = Feature<'a, StationView<'a>>;

pub fn station_feature(s: &Station, distance_m: Option<f64>, crs: Crs, lang: Lang) -> StationFeature<'_> {
    Feature::new(StationView::new(s, distance_m, lang), Shape::Point(s.location), crs)
}

/// A short reference to a member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberRef<'a> {
    pub id: &'a MemberId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_label: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level_label: Option<&'static str>,
    /// Sector (界别) of a CPPCC member, constituency of a deputy; empty when not recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector: Option<&'a str>,
}

impl<'a> MemberRef<'a> {
    pub fn new(m: &'a Member) -> Self {
        Self {
            id: &m.id,
            name: Some(&m.name),
            body: Some(m.body),
            body_label: Some(m.body.label_zh()),
            level: Some(m.level),
            level_label: Some(m.level.label_zh()),
            sector: Some(&m.sector),
        }
    }

    /// The member by id, or only the id when the catalog no longer has them.
    fn lookup(catalog: &'a Catalog, id: &'a MemberId) -> Self {
        catalog.member(id).map_or(
            Self { id, name: None, body: None, body_label: None, level: None, level_label: None, sector: None },
            Self::new,
        )
    }
}

/// A reception session with its members named.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView<'a> {
    pub start: String,
    pub end: String,
    pub theme: Option<&'a str>,
    pub members: Vec<MemberRef<'a>>,
}

impl<'a> SessionView<'a> {
    pub fn new(catalog: &'a Catalog, s: &'a Session) -> Self {
        SessionView {
            start: s.start.to_rfc3339(),
            end: s.end.to_rfc3339(),
            theme: s.theme.as_deref(),
            members: s.members.iter().map(|id| MemberRef::lookup(catalog, id)).collect(),
        }
    }
}

/// An administrative area by code, name and level.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AreaRef<'a> {
    pub code: &'a AreaCode,
    pub name: &'a str,
    pub level: AreaLevel,
}

impl<'a> AreaRef<'a> {
    pub fn new(a: &'a AdminArea) -> Self {
        Self { code: &a.code, name: &a.name, level: a.level }
    }
}

/// A liaison point of a station.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PointRef<'a> {
    pub id: &'a StationId,
    pub name: &'a str,
}

/// A station with its members, liaison points, town and next sessions.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StationDetail<'a> {
    #[serde(flatten)]
    pub station: StationView<'a>,
    pub members: Vec<MemberRef<'a>>,
    pub points: Vec<PointRef<'a>>,
    pub parent_name: Option<&'a str>,
    pub town: Option<AreaRef<'a>>,
    #[schema(value_type = Vec<SessionView>)]
    pub next_sessions: Vec<OwnedSession<'a>>,
    /// Links that open the station in the citizen's own map app.
    pub map_links: MapLinks,
}

/// A station in the map apps Chinese citizens use, each in its own coordinate system: AMap
/// (高德) in GCJ-02, Baidu Maps in BD-09. Links a person follows; the service fetches nothing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapLinks {
    /// `https://uri.amap.com/marker?position=lon,lat` with GCJ-02 coordinates.
    pub amap: String,
    /// `https://api.map.baidu.com/marker?location=lat,lon` with BD-09 coordinates.
    pub baidu: String,
}

impl MapLinks {
    /// Links to `s`, whose location is WGS84 (converted here; outside China GCJ-02 is WGS84).
    ///
    /// # Examples
    ///
    /// ```
    /// use liaison::service::views::MapLinks;
    /// let links = MapLinks::at(121.55, 29.87, "白云 1号", "");
    /// // GCJ-02 is shifted from WGS84 by a few hundred metres around Ningbo.
    /// assert!(links.amap.starts_with("https://uri.amap.com/marker?position=121.55"));
    /// assert!(!links.amap.contains("position=121.550000,29.870000"));
    /// assert!(links.amap.contains("name=%E7%99%BD%E4%BA%91%201%E5%8F%B7"));
    /// assert!(links.baidu.contains("coord_type=bd09ll"));
    /// ```
    pub fn at(lon: f64, lat: f64, name: &str, address: &str) -> Self {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        let (glon, glat) = crate::spatial::Crs::Gcj02.from_wgs84(lon, lat);
        let (blon, blat) = crate::spatial::Crs::Bd09.from_wgs84(lon, lat);
        MapLinks {
            amap: format!(
                "https://uri.amap.com/marker?position={glon:.6},{glat:.6}&name={}&src=liaison&coordinate=gaode&callnative=1",
                enc(name)
            ),
            baidu: format!(
                "https://api.map.baidu.com/marker?location={blat:.6},{blon:.6}&title={}&content={}&output=html&coord_type=bd09ll&src=webapp.liaison",
                enc(name),
                enc(address)
            ),
        }
    }
}

/// A session computed on demand, kept with the catalog it names members from.
pub struct OwnedSession<'a> {
    catalog: &'a Catalog,
    session: Session,
}

impl Serialize for OwnedSession<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SessionView::new(self.catalog, &self.session).serialize(s)
    }
}

pub fn station_detail<'a>(
    catalog: &'a Catalog,
    s: &'a Station,
    now: DateTime<FixedOffset>,
    sessions: usize,
    crs: Crs,
    lang: Lang,
) -> Feature<'a, StationDetail<'a>> {
    let detail = StationDetail {
        station: StationView::new(s, None, lang),
        members: catalog.members_of_station(&s.id).into_iter().map(MemberRef::new).collect(),
        points: catalog
            .points_of_station(&s.id)
            .into_iter()
            .map(|pt| PointRef { id: &pt.id, name: &pt.name })
            .collect(),
        parent_name: s.parent.as_ref().and_then(|id| catalog.station(id)).map(|x| x.name.as_str()),
        town: s.town_code.as_ref().and_then(|c| catalog.area(c)).map(AreaRef::new),
        next_sessions: catalog
            .station_sessions(s, now, sessions)
            .into_iter()
            .map(|session| OwnedSession { catalog, session })
            .collect(),
        map_links: MapLinks::at(s.location.lon(), s.location.lat(), &s.name, &s.address),
    };
    Feature::new(detail, Shape::Point(s.location), crs)
}

pub fn grid_feature(g: &GridArea, crs: Crs) -> Feature<'_, GridProperties<'_>> {
    Feature::new(GridProperties::from(g), Shape::Area(&g.geometry), crs)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
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

/// The station a member is based at, briefly.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationRef<'a> {
    pub id: &'a StationId,
    pub name: &'a str,
    pub kind: StationKind,
    pub address: &'a str,
    pub phone: &'a str,
}

/// A grid area, briefly.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GridBrief<'a> {
    pub id: &'a GridId,
    pub code: &'a str,
    pub name: &'a str,
}

/// A session of a member's, with the station that holds it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberSessionView<'a> {
    #[serde(flatten)]
    pub session: SessionView<'a>,
    pub station: StationBrief<'a>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationBrief<'a> {
    pub id: &'a StationId,
    pub name: &'a str,
    pub address: &'a str,
}

/// A member with their station, grid areas and next sessions.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberDetail<'a> {
    #[serde(flatten)]
    pub base: MemberProperties<'a>,
    pub body_label: &'static str,
    pub level_label: &'static str,
    pub in_term: bool,
    pub station_detail: Option<StationRef<'a>>,
    pub grids: Vec<GridBrief<'a>>,
    #[schema(value_type = Vec<MemberSessionView>)]
    pub next_sessions: Vec<MemberSessions<'a>>,
}

/// A member's session kept with its station (computed on demand).
pub struct MemberSessions<'a> {
    catalog: &'a Catalog,
    session: StationSession<'a>,
}

impl Serialize for MemberSessions<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let st = self.session.station;
        MemberSessionView {
            session: SessionView::new(self.catalog, &self.session.session),
            station: StationBrief { id: &st.id, name: &st.name, address: &st.address },
        }
        .serialize(s)
    }
}

pub fn member_detail<'a>(
    catalog: &'a Catalog,
    m: &'a Member,
    now: DateTime<FixedOffset>,
    sessions: usize,
) -> MemberDetail<'a> {
    MemberDetail {
        base: MemberProperties::from(m),
        body_label: m.body.label_zh(),
        level_label: m.level.label_zh(),
        in_term: m.in_term_on(now.date_naive()),
        station_detail: m.station.as_ref().and_then(|id| catalog.station(id)).map(|s| StationRef {
            id: &s.id,
            name: &s.name,
            kind: s.kind,
            address: &s.address,
            phone: &s.phone,
        }),
        grids: catalog
            .grids_of_member(&m.id)
            .into_iter()
            .map(|g| GridBrief { id: &g.id, code: &g.code, name: &g.name })
            .collect(),
        next_sessions: catalog
            .member_sessions(&m.id, now, sessions)
            .into_iter()
            .map(|session| MemberSessions { catalog, session })
            .collect(),
    }
}

/// A grid named with its distance from a point (metres).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridRef {
    pub id: GridId,
    pub code: String,
    pub name: String,
    pub distance_m: f64,
}

impl GridRef {
    pub fn new(g: &GridArea, distance_m: f64) -> Self {
        Self { id: g.id.clone(), code: g.code.clone(), name: g.name.clone(), distance_m: round_m(distance_m) }
    }
}

/// A grid answered to "who is my member": members with their sessions, the station, the town,
/// and how close the point is to the grid's edge. The grid's own properties but for `members` and
/// `station`, which come as details here (not flattened: that would write those keys twice).
#[derive(Serialize, utoipa::ToSchema)]
pub struct GridAtView<'a> {
    pub id: &'a GridId,
    pub code: &'a str,
    pub name: &'a str,
    pub town_code: Option<&'a AreaCode>,
    #[serde(rename = "members")]
    pub member_details: Vec<MemberDetail<'a>>,
    #[serde(rename = "station")]
    #[schema(value_type = Option<schema::StationDetailFeature>)]
    pub station_detail: Option<Feature<'a, StationDetail<'a>>>,
    pub town: Option<AreaRef<'a>>,
    pub near_boundary: bool,
    pub edge_distance_m: f64,
    pub near_boundary_m: f64,
    pub neighbour: Option<GridRef>,
}

pub fn grid_at_view<'a>(
    catalog: &'a Catalog,
    hit: GridHit<'a>,
    now: DateTime<FixedOffset>,
    sessions: usize,
    crs: Crs,
    lang: Lang,
) -> Feature<'a, GridAtView<'a>> {
    let grid = hit.grid;
    let view = GridAtView {
        id: &grid.id,
        code: &grid.code,
        name: &grid.name,
        town_code: grid.town_code.as_ref(),
        member_details: grid
            .members
            .iter()
            .filter_map(|id| catalog.member(id))
            .map(|m| member_detail(catalog, m, now, sessions))
            .collect(),
        station_detail: grid
            .station
            .as_ref()
            .and_then(|id| catalog.station(id))
            .map(|s| station_detail(catalog, s, now, sessions, crs, lang)),
        town: hit.town.map(AreaRef::new),
        near_boundary: hit.near_boundary(),
        edge_distance_m: round_m(hit.edge_distance_m),
        near_boundary_m: NEAR_BOUNDARY_M,
        neighbour: hit.neighbour.map(|(g, d)| GridRef::new(g, d)),
    };
    Feature::new(view, Shape::Area(&grid.geometry), crs)
}

/// An imported map layer, as the map's layer switcher lists it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LayerSummary<'a> {
    #[schema(value_type = String)]
    pub name: &'a crate::domain::LayerName,
    pub title: &'a str,
    pub kind: crate::domain::LayerKind,
    pub features: usize,
}

/// Every imported map layer, by name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LayerList<'a> {
    pub layers: Vec<LayerSummary<'a>>,
}

pub fn layer_summary(l: &crate::domain::MapLayer) -> LayerSummary<'_> {
    LayerSummary { name: &l.name, title: &l.title, kind: l.kind(), features: l.features.len() }
}

/// A feature of an imported layer: the file's properties as they were, the geometry in the
/// answer's CRS (7 decimals).
#[derive(Debug, Serialize)]
pub struct LayerFeatureOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    pub properties: &'a serde_json::Map<String, serde_json::Value>,
    pub geometry: geojson::Geometry,
}

/// The features of `layer`, positions in `crs`.
pub fn layer_features(layer: &crate::domain::MapLayer, crs: Crs) -> FeatureCollection<LayerFeatureOut<'_>> {
    use crate::formats::geojson::round7;
    use geo::MapCoords;
    FeatureCollection::new(
        layer
            .features
            .iter()
            .map(|f| {
                let g = f.geometry.map_coords(|c| {
                    let (x, y) = crs.from_wgs84(c.x, c.y);
                    geo::Coord { x: round7(x), y: round7(y) }
                });
                LayerFeatureOut { kind: "Feature", properties: &f.properties, geometry: geojson::Geometry::from(&g) }
            })
            .collect(),
    )
}

/// Schema-only types for the GeoJSON these views are answered in (see [`crate::feature_schema`]).
pub mod schema {
    use super::{AreaView, GridAtView, StationDetail, StationView};
    use crate::formats::records::GridProperties;

    crate::feature_schema!(StationFeature: StationView, Point, "A station");
    crate::collection_schema!(
        StationCollection: StationFeature,
        "Stations; numberReturned and truncated tell whether the limit cut the list"
    );
    crate::feature_schema!(
        StationDetailFeature: StationDetail,
        Point,
        "A station with its members, liaison points, town and next reception sessions"
    );
    crate::feature_schema!(GridFeature: GridProperties, MultiPolygon, "A grid area (网格)");
    crate::collection_schema!(GridCollection: GridFeature, "Grid areas");
    crate::feature_schema!(
        GridAtFeature: GridAtView,
        MultiPolygon,
        "The grid holding a point, with its members, station, town and how near its edge the point is"
    );
    crate::feature_schema!(AreaFeature: AreaView, MultiPolygon, "An administrative area");
    crate::feature_schema!(LayerFeature: LayerProperties, Any, "A feature of an imported map layer");
    crate::collection_schema!(LayerCollection: LayerFeature, "The features of an imported map layer");

    /// An imported feature's properties: the file's own, as they were.
    pub struct LayerProperties;

    impl utoipa::PartialSchema for LayerProperties {
        fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
            utoipa::openapi::schema::ObjectBuilder::new()
                .description(Some("The imported file's properties of the feature, as they were"))
                .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(true)))
                .into()
        }
    }

    impl utoipa::ToSchema for LayerProperties {}
    crate::collection_schema!(AreaCollection: AreaFeature, "Administrative areas");
}

/// What a search result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    Station,
    Town,
    Grid,
    Member,
}

/// One record a search box query found: where to fly to and what to open.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResult {
    #[serde(rename = "type")]
    pub kind: SearchKind,
    /// The station's, grid's or member's id, or the town's code.
    pub id: String,
    pub name: String,
    /// The station's kind code, for a station.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station_kind: Option<crate::domain::StationKind>,
    /// The station to open: the station itself, a member's home station, a grid's station.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    /// A line that tells results of the same name apart: a station's address, the town of a grid,
    /// a member's station.
    pub detail: String,
    /// Where to centre the map: the station, a point inside the area, the member's station (in `crs`).
    pub lon: f64,
    pub lat: f64,
    /// The area's bounding box `[minLon, minLat, maxLon, maxLat]` in `crs`, for towns and grids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
    /// How the query met the name.
    pub matched: crate::domain::names::NameMatch,
    /// Whether it met a station's address rather than its name.
    pub by_address: bool,
}

/// The answer to a search box query, best first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchAnswer {
    pub query: String,
    pub results: Vec<SearchResult>,
}

/// The search result for `hit`, positions in `crs` (rounded as GeoJSON positions are); `None`
/// only for a record with no place to show (an area without a polygon, a member without a station).
pub fn search_result(catalog: &Catalog, hit: crate::catalog::SearchHit<'_>, crs: Crs) -> Option<SearchResult> {
    use crate::catalog::Found;
    use crate::formats::geojson::round7;
    use geo::{BoundingRect, InteriorPoint};
    let at = |p: crate::domain::LonLat| crs.from_wgs84(p.lon(), p.lat());
    let area = |mp: &geo::MultiPolygon<f64>| {
        let inside = mp.interior_point()?;
        let r = mp.bounding_rect()?;
        let (x0, y0) = crs.from_wgs84(r.min().x, r.min().y);
        let (x1, y1) = crs.from_wgs84(r.max().x, r.max().y);
        Some((crs.from_wgs84(inside.x(), inside.y()), Some([x0, y0, x1, y1])))
    };
    let (kind, id, name, station_kind, station, detail, ((lon, lat), bbox)) = match hit.found {
        Found::Station(s) => (
            SearchKind::Station,
            s.id.to_string(),
            s.name.clone(),
            Some(s.kind),
            Some(s.id.to_string()),
            s.address.clone(),
            (at(s.location), None),
        ),
        Found::Town(t) => {
            let parent = t.parent.as_ref().and_then(|p| catalog.area(p)).map(|p| p.name.clone()).unwrap_or_default();
            (SearchKind::Town, t.code.to_string(), t.name.clone(), None, None, parent, area(&t.geometry)?)
        }
        Found::Grid(g) => {
            let town = g.town_code.as_ref().and_then(|c| catalog.area(c)).map(|t| t.name.clone()).unwrap_or_default();
            let station = g.station.as_ref().map(|s| s.to_string());
            (SearchKind::Grid, g.id.to_string(), g.name.clone(), None, station, town, area(&g.geometry)?)
        }
        Found::Member(m) => {
            let home = m.station.as_ref().and_then(|s| catalog.station(s))?;
            (
                SearchKind::Member,
                m.id.to_string(),
                m.name.clone(),
                None,
                Some(home.id.to_string()),
                home.name.clone(),
                (at(home.location), None),
            )
        }
    };
    Some(SearchResult {
        kind,
        id,
        name,
        station_kind,
        station,
        detail,
        lon: round7(lon),
        lat: round7(lat),
        bbox: bbox.map(|b| b.map(round7)),
        matched: hit.matched,
        by_address: hit.by_address,
    })
}
