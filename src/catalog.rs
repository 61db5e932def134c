//! The read model: every station, member, grid area and admin area in memory with their spatial
//! indexes. It is built once from the store and replaced whole after writes, so readers never
//! wait. Positions are WGS84 lon/lat degrees; distances are metres.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::domain::names::{NameKey, NameMatch, NameQuery};
use crate::domain::rota::AcceptedRota;
use crate::domain::schedule::{self, Session};
use crate::domain::{
    AdminArea, AreaCode, AreaLevel, Body, Category, DemandPoint, GridArea, GridId, Level, LonLat, MapLayer, Member,
    MemberId, Routing, Station, StationId, StationKind,
};
use crate::spatial::{BBox, PointIndex, PolygonIndex};

/// Everything the catalog is built from, as the store holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogData {
    pub stations: Vec<Station>,
    pub members: Vec<Member>,
    pub grids: Vec<GridArea>,
    pub areas: Vec<AdminArea>,
    /// Imported map layers (rivers, public services, …), by name.
    pub layers: Vec<MapLayer>,
    /// The planning demand (residents by community), by id.
    pub demand: Vec<DemandPoint>,
    /// The members staff accepted for single sessions, replacing the rule's members there.
    pub rotas: Vec<AcceptedRota>,
}

/// How close to a grid edge (metres) a point must be for the answer to name the neighbour too.
pub const NEAR_BOUNDARY_M: f64 = 50.0;

/// Which stations a query wants. Empty lists accept everything.
#[derive(Debug, Clone, Default)]
pub struct StationFilter {
    pub kinds: Vec<StationKind>,
    pub levels: Vec<Level>,
    /// Stations where at least one member of this body receives.
    pub body: Option<Body>,
    /// Stations with a reception session on this Shanghai date.
    pub receives_on: Option<NaiveDate>,
    /// Substring of the name or address (case-insensitive for Latin letters).
    pub text: Option<String>,
}

impl StationFilter {
    /// Every kind of station a citizen can walk into: all but online stations.
    pub fn physical() -> Self {
        let kinds = StationKind::ALL.iter().copied().filter(|k| *k != StationKind::OnlineStation).collect();
        Self { kinds, ..Default::default() }
    }
}

/// A station and its geodesic distance from the query point.
#[derive(Debug, Clone, Copy)]
pub struct StationHit<'a> {
    pub station: &'a Station,
    pub distance_m: f64,
}

/// The grid area holding a point, with what a citizen needs to know about it.
#[derive(Debug, Clone, Copy)]
pub struct GridHit<'a> {
    pub grid: &'a GridArea,
    pub town: Option<&'a AdminArea>,
    /// Distance from the point to the grid's edge, metres.
    pub edge_distance_m: f64,
    /// The other grid within [`NEAR_BOUNDARY_M`] of the point, when the point is that close to an edge.
    pub neighbour: Option<(&'a GridArea, f64)>,
}

impl GridHit<'_> {
    pub fn near_boundary(&self) -> bool {
        self.edge_distance_m <= NEAR_BOUNDARY_M
    }
}

/// Why no grid holds a point.
#[derive(Debug, Clone, Copy)]
pub enum GridMiss<'a> {
    NoGrids,
    Outside { nearest: &'a GridArea, distance_m: f64 },
}

/// A reception session and the station that holds it.
#[derive(Debug, Clone)]
pub struct StationSession<'a> {
    pub station: &'a Station,
    pub session: Session,
}

const BODY_NPC: u8 = 1;
const BODY_CPPCC: u8 = 2;

fn body_bit(body: Body) -> u8 {
    match body {
        Body::NpcDeputy => BODY_NPC,
        Body::CppccMember => BODY_CPPCC,
    }
}

/// All reference data with its indexes.
pub struct Catalog {
    stations: Vec<Station>,
    station_pos: HashMap<StationId, usize>,
    station_points: PointIndex,
    station_bodies: Vec<u8>,
    members_at_station: Vec<Vec<usize>>,
    points_of_station: Vec<Vec<usize>>,
    members: Vec<Member>,
    member_pos: HashMap<MemberId, usize>,
    grids_of_member: Vec<Vec<usize>>,
    duty_of_member: Vec<Vec<usize>>,
    grids: Vec<GridArea>,
    grid_pos: HashMap<GridId, usize>,
    grid_index: PolygonIndex,
    areas: Vec<AdminArea>,
    area_pos: HashMap<AreaCode, usize>,
    towns: Vec<usize>,
    town_index: PolygonIndex,
    /// Every searchable name (stations by name and address, towns, grids, members) with what it names.
    names: Vec<(NameKey, Named)>,
    layers: Vec<MapLayer>,
    demand: Vec<DemandPoint>,
    /// Accepted rotas by station and session start.
    rotas: HashMap<(StationId, DateTime<FixedOffset>), AcceptedRota>,
}

/// What a searchable name belongs to, by position in the catalog's slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Named {
    Station(usize),
    Town(usize),
    Grid(usize),
    Member(usize),
    StationAddress(usize),
}

/// A record whose name (or, for a station, address) a search query met.
#[derive(Debug, Clone, Copy)]
pub enum Found<'a> {
    Station(&'a Station),
    Town(&'a AdminArea),
    Grid(&'a GridArea),
    Member(&'a Member),
}

/// One answer of [`Catalog::search`]: the record and how the query met it.
#[derive(Debug, Clone, Copy)]
pub struct SearchHit<'a> {
    pub found: Found<'a>,
    pub matched: NameMatch,
    /// Whether the query met a station's address rather than its name.
    pub by_address: bool,
}

/// The searchable names of the catalog's records, in the order ties are broken. A member is
/// found only with a home station in the catalog: that is where the map takes the citizen.
fn search_names(
    stations: &[Station],
    station_pos: &HashMap<StationId, usize>,
    towns: &[usize],
    areas: &[AdminArea],
    grids: &[GridArea],
    members: &[Member],
) -> Vec<(NameKey, Named)> {
    let mut names = Vec::with_capacity(2 * stations.len() + towns.len() + grids.len() + members.len());
    names.extend(stations.iter().enumerate().map(|(i, s)| (NameKey::new(&s.name), Named::Station(i))));
    names.extend(towns.iter().map(|&i| (NameKey::new(&areas[i].name), Named::Town(i))));
    names.extend(grids.iter().enumerate().map(|(i, g)| (NameKey::new(&g.name), Named::Grid(i))));
    names.extend(
        members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.station.as_ref().is_some_and(|s| station_pos.contains_key(s)))
            .map(|(i, m)| (NameKey::new(&m.name), Named::Member(i))),
    );
    names.extend(
        stations
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.address.is_empty())
            .map(|(i, s)| (NameKey::new(&s.address), Named::StationAddress(i))),
    );
    names
}

fn positions<K: std::hash::Hash + Eq + Clone, T>(items: &[T], key: impl Fn(&T) -> &K) -> HashMap<K, usize> {
    items.iter().enumerate().map(|(i, t)| (key(t).clone(), i)).collect()
}

impl Catalog {
    /// Builds every index; records are sorted by id so that ties go to the lower id.
    pub fn build(mut data: CatalogData) -> Self {
        data.stations.sort_by(|a, b| a.id.cmp(&b.id));
        data.members.sort_by(|a, b| a.id.cmp(&b.id));
        data.grids.sort_by(|a, b| a.id.cmp(&b.id));
        data.areas.sort_by(|a, b| a.code.cmp(&b.code));
        data.layers.sort_by(|a, b| a.name.cmp(&b.name));
        data.demand.sort_by(|a, b| a.id.cmp(&b.id));
        let CatalogData { stations, members, grids, areas, layers, demand, rotas } = data;

        let station_pos = positions(&stations, |s| &s.id);
        let member_pos = positions(&members, |m| &m.id);
        let station_points = PointIndex::build(&stations.iter().map(|s| s.location).collect::<Vec<_>>());

        let mut members_at_station = vec![Vec::new(); stations.len()];
        let mut station_bodies = vec![0u8; stations.len()];
        for (mi, m) in members.iter().enumerate() {
            if let Some(&si) = m.station.as_ref().and_then(|s| station_pos.get(s)) {
                members_at_station[si].push(mi);
                station_bodies[si] |= body_bit(m.body);
            }
        }
        let mut points_of_station = vec![Vec::new(); stations.len()];
        let mut duty_of_member = vec![Vec::new(); members.len()];
        for (si, s) in stations.iter().enumerate() {
            if let Some(&pi) = s.parent.as_ref().and_then(|p| station_pos.get(p)) {
                points_of_station[pi].push(si);
            }
            for id in s.reception.iter().flat_map(|r| &r.members) {
                if let Some(&mi) = member_pos.get(id) {
                    station_bodies[si] |= body_bit(members[mi].body);
                    if duty_of_member[mi].last() != Some(&si) {
                        duty_of_member[mi].push(si);
                    }
                }
            }
        }
        let mut grids_of_member = vec![Vec::new(); members.len()];
        for (gi, g) in grids.iter().enumerate() {
            for &mi in g.members.iter().filter_map(|m| member_pos.get(m)) {
                grids_of_member[mi].push(gi);
            }
        }

        let grid_pos = positions(&grids, |g| &g.id);
        let grid_index = PolygonIndex::build(grids.iter().map(|g| g.geometry.clone()).collect());
        let area_pos = positions(&areas, |a| &a.code);
        let towns: Vec<usize> = (0..areas.len()).filter(|&i| areas[i].level == AreaLevel::Town).collect();
        let town_index = PolygonIndex::build(towns.iter().map(|&i| areas[i].geometry.clone()).collect());
        let names = search_names(&stations, &station_pos, &towns, &areas, &grids, &members);
        let rotas = rotas.into_iter().map(|r| ((r.station.clone(), r.start), r)).collect();

        Self {
            stations,
            station_pos,
            station_points,
            station_bodies,
            members_at_station,
            points_of_station,
            members,
            member_pos,
            grids_of_member,
            duty_of_member,
            grids,
            grid_pos,
            grid_index,
            areas,
            area_pos,
            towns,
            town_index,
            names,
            layers,
            demand,
            rotas,
        }
    }

    /// Imported map layers, by name.
    pub fn layers(&self) -> &[MapLayer] {
        &self.layers
    }

    /// The stored planning demand (residents by community), by id.
    pub fn demand(&self) -> &[DemandPoint] {
        &self.demand
    }

    pub fn layer(&self, name: &str) -> Option<&MapLayer> {
        self.layers.binary_search_by(|l| l.name.as_str().cmp(name)).ok().map(|i| &self.layers[i])
    }

    /// Stations, towns, grid areas and members whose name `query` meets (as written, in full
    /// pinyin or in initials: see [`crate::domain::names`]), and stations whose address it meets;
    /// best first: by how it matched, then shorter names (the town 白云街道 before the stations
    /// named after it), then stations, towns, grids, members, then id. At most `limit`.
    pub fn search(&self, query: &NameQuery, limit: usize) -> Vec<SearchHit<'_>> {
        let mut hits: Vec<(NameMatch, usize, Named)> =
            self.names.iter().filter_map(|(key, named)| key.matches(query).map(|m| (m, key.len(), *named))).collect();
        hits.sort_unstable();
        // A station met by both its name and its address is answered once, by its name.
        let mut seen = std::collections::HashSet::new();
        hits.into_iter()
            .filter(|(_, _, named)| {
                seen.insert(match *named {
                    Named::StationAddress(i) => Named::Station(i),
                    other => other,
                })
            })
            .take(limit)
            .map(|(matched, _, named)| SearchHit {
                found: match named {
                    Named::Station(i) | Named::StationAddress(i) => Found::Station(&self.stations[i]),
                    Named::Town(i) => Found::Town(&self.areas[i]),
                    Named::Grid(i) => Found::Grid(&self.grids[i]),
                    Named::Member(i) => Found::Member(&self.members[i]),
                },
                matched,
                by_address: matches!(named, Named::StationAddress(_)),
            })
            .collect()
    }

    pub fn stations(&self) -> &[Station] {
        &self.stations
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }

    pub fn grids(&self) -> &[GridArea] {
        &self.grids
    }

    pub fn areas(&self) -> &[AdminArea] {
        &self.areas
    }

    pub fn station(&self, id: &StationId) -> Option<&Station> {
        self.station_pos.get(id).map(|&i| &self.stations[i])
    }

    pub fn member(&self, id: &MemberId) -> Option<&Member> {
        self.member_pos.get(id).map(|&i| &self.members[i])
    }

    pub fn grid(&self, id: &GridId) -> Option<&GridArea> {
        self.grid_pos.get(id).map(|&i| &self.grids[i])
    }

    pub fn area(&self, code: &AreaCode) -> Option<&AdminArea> {
        self.area_pos.get(code).map(|&i| &self.areas[i])
    }

    /// Members whose station is `id`, by id.
    pub fn members_of_station(&self, id: &StationId) -> Vec<&Member> {
        self.station_pos
            .get(id)
            .map_or_else(Vec::new, |&si| self.members_at_station[si].iter().map(|&mi| &self.members[mi]).collect())
    }

    /// Liaison points that belong to station `id`, by id.
    pub fn points_of_station(&self, id: &StationId) -> Vec<&Station> {
        self.station_pos
            .get(id)
            .map_or_else(Vec::new, |&si| self.points_of_station[si].iter().map(|&i| &self.stations[i]).collect())
    }

    /// Grid areas member `id` is responsible for, by id.
    pub fn grids_of_member(&self, id: &MemberId) -> Vec<&GridArea> {
        self.member_pos
            .get(id)
            .map_or_else(Vec::new, |&mi| self.grids_of_member[mi].iter().map(|&gi| &self.grids[gi]).collect())
    }

    fn accepts(&self, index: usize, filter: &StationFilter) -> bool {
        let s = &self.stations[index];
        (filter.kinds.is_empty() || filter.kinds.contains(&s.kind))
            && (filter.levels.is_empty() || filter.levels.contains(&s.level))
            && filter.body.is_none_or(|b| self.station_bodies[index] & body_bit(b) != 0)
            && filter.receives_on.is_none_or(|d| schedule::has_session_on(&s.reception, d))
            && filter.text.as_deref().is_none_or(|t| contains_text(&s.name, t) || contains_text(&s.address, t))
    }

    /// The `k` accepted stations nearest to `q`, nearest first (exact WGS84 geodesic order; ties
    /// go to the lower id).
    pub fn nearest_stations(&self, q: LonLat, k: usize, filter: &StationFilter) -> Vec<StationHit<'_>> {
        self.station_points
            .nearest(q, k, |i| self.accepts(i, filter))
            .into_iter()
            .map(|n| StationHit { station: &self.stations[n.index], distance_m: n.distance_m })
            .collect()
    }

    /// Accepted stations within `radius_m` metres of `q`, nearest first.
    pub fn stations_within(&self, q: LonLat, radius_m: f64, filter: &StationFilter) -> Vec<StationHit<'_>> {
        self.station_points
            .within(q, radius_m, |i| self.accepts(i, filter))
            .into_iter()
            .map(|n| StationHit { station: &self.stations[n.index], distance_m: n.distance_m })
            .collect()
    }

    /// Accepted stations, optionally only those inside `bbox`, by id.
    pub fn stations_matching(&self, bbox: Option<&BBox>, filter: &StationFilter) -> Vec<&Station> {
        let candidates: Box<dyn Iterator<Item = usize>> = match bbox {
            Some(b) => Box::new(self.station_points.in_bbox(b).into_iter()),
            None => Box::new(0..self.stations.len()),
        };
        candidates.filter(|&i| self.accepts(i, filter)).map(|i| &self.stations[i]).collect()
    }

    /// Grid areas whose envelope meets `bbox` (all of them without one), by id.
    pub fn grids_in(&self, bbox: Option<&BBox>) -> Vec<&GridArea> {
        match bbox {
            Some(b) => self.grid_index.envelopes_meeting(b).into_iter().map(|i| &self.grids[i]).collect(),
            None => self.grids.iter().collect(),
        }
    }

    /// The town-level admin area that holds `q`.
    pub fn town_at(&self, q: LonLat) -> Option<&AdminArea> {
        self.town_index.containing(q).map(|i| &self.areas[self.towns[i]])
    }

    /// The town of `grid` at `q`: the grid's own town if the catalog has it, else the town there.
    fn town_of(&self, grid: &GridArea, q: LonLat) -> Option<&AdminArea> {
        grid.town_code.as_ref().and_then(|c| self.area(c)).or_else(|| self.town_at(q))
    }

    /// The grid area holding `q`, its town, and its neighbour when `q` is near an edge.
    pub fn grid_at(&self, q: LonLat) -> Result<GridHit<'_>, GridMiss<'_>> {
        let Some(gi) = self.grid_index.containing(q) else {
            return Err(match self.grid_index.nearest(q) {
                Some(n) => GridMiss::Outside { nearest: &self.grids[n.index], distance_m: n.distance_m },
                None => GridMiss::NoGrids,
            });
        };
        let grid = &self.grids[gi];
        let edge_distance_m = self.grid_index.boundary_distance_m(gi, q);
        let neighbour = if edge_distance_m <= NEAR_BOUNDARY_M {
            self.grid_index
                .within(q, NEAR_BOUNDARY_M)
                .into_iter()
                .find(|n| n.index != gi)
                .map(|n| (&self.grids[n.index], n.distance_m))
        } else {
            None
        };
        Ok(GridHit { grid, town: self.town_of(grid, q), edge_distance_m, neighbour })
    }

    /// Routes an opinion by its location and category: the grid holding it, that grid's members
    /// and station, and its town (outside every grid, the nearest physical station and the town);
    /// a category that a CPPCC sector (界别) speaks for adds a member of that sector, one based in
    /// the same town if there is one.
    pub fn route(&self, q: LonLat, category: Category) -> Routing {
        let mut routing = self.route_by_place(q);
        if let Some(sector) = sector_of(category) {
            let in_town = |m: &&&Member| {
                m.station.as_ref().and_then(|s| self.station(s)).and_then(|s| s.town_code.as_ref())
                    == routing.town_code.as_ref()
            };
            let speaks_for: Vec<&Member> =
                self.members.iter().filter(|m| m.body == Body::CppccMember && m.sector.contains(sector)).collect();
            let chosen = speaks_for.iter().find(in_town).or(speaks_for.first());
            if let Some(m) = chosen.filter(|m| !routing.members.contains(&m.id)) {
                routing.members.push(m.id.clone());
            }
        }
        routing
    }

    /// Routes an opinion a citizen addressed to one member (from the member's QR code or the
    /// station's "on duty today" one): the place still gives the town and grid area; the member
    /// alone receives it, at their station (the place's station when they have none).
    pub fn route_to(&self, q: LonLat, member: &Member) -> Routing {
        let mut routing = self.route_by_place(q);
        if member.station.is_some() {
            routing.station = member.station.clone();
        }
        routing.members = vec![member.id.clone()];
        routing
    }

    fn route_by_place(&self, q: LonLat) -> Routing {
        // Only the containing grid matters here: no nearest grid (slow far away) nor neighbour.
        match self.grid_index.containing(q).map(|gi| &self.grids[gi]) {
            Some(grid) => Routing {
                town_code: self.town_of(grid, q).map(|t| t.code.clone()).or_else(|| grid.town_code.clone()),
                grid: Some(grid.id.clone()),
                station: grid.station.clone(),
                members: grid.members.clone(),
            },
            None => {
                let nearest = self.nearest_stations(q, 1, &StationFilter::physical());
                Routing {
                    town_code: self.town_at(q).map(|t| t.code.clone()),
                    grid: None,
                    station: nearest.first().map(|h| h.station.id.clone()),
                    members: Vec::new(),
                }
            }
        }
    }

    /// The next `n` reception sessions of a station, with the members staff accepted for a
    /// session in place of the rule's ([`Catalog::rota`]).
    pub fn station_sessions(&self, station: &Station, now: DateTime<FixedOffset>, n: usize) -> Vec<Session> {
        let mut sessions = self.rule_sessions(station, now, n);
        for s in &mut sessions {
            if let Some(rota) = self.rota(&station.id, s.start) {
                s.members.clone_from(&rota.members);
            }
        }
        sessions
    }

    /// The next `n` reception sessions of a station as its calendar rules give them, accepted
    /// rotas left out.
    pub fn rule_sessions(&self, station: &Station, now: DateTime<FixedOffset>, n: usize) -> Vec<Session> {
        schedule::next_sessions(&station.reception, now, n)
    }

    /// The members staff accepted for the session of station `id` starting at `start`, if any.
    pub fn rota(&self, id: &StationId, start: DateTime<FixedOffset>) -> Option<&AcceptedRota> {
        self.rotas.get(&(id.clone(), start))
    }

    /// Every accepted rota naming member `id`, in no order.
    fn rotas_naming<'a>(&'a self, id: &'a MemberId) -> impl Iterator<Item = &'a AcceptedRota> + 'a {
        self.rotas.values().filter(move |r| r.members.contains(id))
    }

    /// The next `n` sessions where member `id` is on duty, over all stations, soonest first;
    /// none outside the member's term. Accepted rotas decide who is on duty at their sessions:
    /// they add the member to sessions of rules that do not name them, and take them off
    /// sessions whose rota leaves them out.
    pub fn member_sessions(&self, id: &MemberId, now: DateTime<FixedOffset>, n: usize) -> Vec<StationSession<'_>> {
        let Some(&mi) = self.member_pos.get(id) else { return Vec::new() };
        let member = &self.members[mi];
        // A term that has not begun yet: count from its first day.
        let from = member
            .term_start
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| t.and_local_timezone(schedule::shanghai()).single())
            .map_or(now, |start| start.max(now));
        let mut all: Vec<StationSession<'_>> = self.duty_of_member[mi]
            .iter()
            .flat_map(|&si| {
                let station = &self.stations[si];
                let rules: Vec<_> = station.reception.iter().filter(|r| r.members.contains(id)).cloned().collect();
                // Rotas may take the member off some of these sessions: look that much further.
                let off = self.rotas.values().filter(|r| r.station == station.id && !r.members.contains(id)).count();
                schedule::next_sessions(&rules, from, n.saturating_add(off))
                    .into_iter()
                    .map(move |session| StationSession { station, session })
            })
            .collect();
        // Sessions staff gave the member by an accepted rota (the rule's session, rota members).
        // (A session lies within one day: older rotas are over.)
        for rota in self.rotas_naming(id).filter(|r| r.start + chrono::Duration::days(1) > from) {
            let Some(&si) = self.station_pos.get(&rota.station) else { continue };
            let station = &self.stations[si];
            let day_start = rota
                .start
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(schedule::shanghai()).single());
            let Some(day_start) = day_start else { continue };
            let same_day = schedule::next_sessions(&station.reception, day_start.max(from), 64);
            if let Some(session) =
                same_day.into_iter().take_while(|s| s.start <= rota.start).find(|s| s.start == rota.start)
            {
                if !all.iter().any(|x| x.station.id == station.id && x.session.start == session.start) {
                    all.push(StationSession { station, session });
                }
            }
        }
        // An accepted rota decides who receives at its session, for the rule's members too.
        for x in &mut all {
            if let Some(rota) = self.rota(&x.station.id, x.session.start) {
                x.session.members.clone_from(&rota.members);
            }
        }
        all.retain(|x| x.session.members.contains(id) && member.in_term_on(x.session.start.date_naive()));
        all.sort_by(|a, b| a.session.start.cmp(&b.session.start).then(a.station.id.cmp(&b.station.id)));
        all.truncate(n);
        all
    }
}

/// The CPPCC sector (界别) that speaks for a category, where one clearly does.
fn sector_of(category: Category) -> Option<&'static str> {
    match category {
        Category::Education => Some("教育"),
        Category::Health => Some("医药卫生"),
        Category::Business => Some("经济"),
        Category::Elderly => Some("社会福利"),
        _ => None,
    }
}

fn contains_text(haystack: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        haystack.to_ascii_lowercase().contains(&needle.to_ascii_lowercase())
    } else {
        haystack.contains(needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Member, Station};

    fn member(id: &str, start: (i32, u32, u32), end: (i32, u32, u32)) -> Member {
        Member {
            id: MemberId::new(id).unwrap(),
            name: id.into(),
            body: Body::NpcDeputy,
            level: Level::District,
            sector: String::new(),
            occupation: String::new(),
            station: Some(StationId::new("S1").unwrap()),
            term_start: NaiveDate::from_ymd_opt(start.0, start.1, start.2),
            term_end: NaiveDate::from_ymd_opt(end.0, end.1, end.2),
        }
    }

    #[test]
    fn members_receive_only_within_their_term() {
        let station = Station {
            reception: vec!["weekly mon 09:00-11:00 members=ENDED,LATER,NOW".parse().unwrap()],
            ..crate::domain::station::tests::station("S1", StationKind::DeputyLiaisonStation)
        };
        let members = vec![
            member("ENDED", (2021, 1, 1), (2026, 6, 30)),
            member("LATER", (2027, 1, 1), (2031, 12, 31)),
            member("NOW", (2022, 1, 1), (2026, 11, 23)),
        ];
        let catalog = Catalog::build(CatalogData { stations: vec![station], members, ..Default::default() });
        let now = DateTime::parse_from_rfc3339("2026-11-12T10:00:00+08:00").unwrap();
        let dates = |id: &str| -> Vec<String> {
            catalog
                .member_sessions(&MemberId::new(id).unwrap(), now, 3)
                .iter()
                .map(|x| x.session.start.date_naive().to_string())
                .collect()
        };
        assert!(dates("ENDED").is_empty());
        assert_eq!(dates("LATER"), ["2027-01-04", "2027-01-11", "2027-01-18"]);
        assert_eq!(dates("NOW"), ["2026-11-16", "2026-11-23"], "the last day of a term counts");
    }

    #[test]
    fn an_accepted_rota_decides_who_receives_at_its_session_only() {
        let station = Station {
            reception: vec!["weekly mon 09:00-11:00 members=A".parse().unwrap()],
            ..crate::domain::station::tests::station("S1", StationKind::DeputyLiaisonStation)
        };
        let members = vec![member("A", (2022, 1, 1), (2027, 1, 1)), member("B", (2022, 1, 1), (2027, 1, 1))];
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        let rota = AcceptedRota {
            station: StationId::new("S1").unwrap(),
            start: at("2026-11-23T09:00:00+08:00"),
            members: vec![MemberId::new("B").unwrap()],
            decided_by: "staff:x".into(),
            decided_at: at("2026-11-12T10:00:00+08:00"),
        };
        let catalog =
            Catalog::build(CatalogData { stations: vec![station], members, rotas: vec![rota], ..Default::default() });
        let now = at("2026-11-12T10:00:00+08:00");
        let s1 = catalog.station(&StationId::new("S1").unwrap()).unwrap();
        let on_duty: Vec<String> = catalog
            .station_sessions(s1, now, 3)
            .iter()
            .map(|s| format!("{} {}", s.start.date_naive(), s.members.iter().map(|m| m.as_str()).collect::<String>()))
            .collect();
        assert_eq!(on_duty, ["2026-11-16 A", "2026-11-23 B", "2026-11-30 A"]);
        assert!(catalog.rule_sessions(s1, now, 3).iter().all(|s| s.members == [MemberId::new("A").unwrap()]));
        let dates = |id: &str| -> Vec<String> {
            catalog
                .member_sessions(&MemberId::new(id).unwrap(), now, 3)
                .iter()
                .map(|x| x.session.start.date_naive().to_string())
                .collect()
        };
        assert_eq!(dates("A"), ["2026-11-16", "2026-11-30", "2026-12-07"], "A is off the accepted session");
        assert_eq!(dates("B"), ["2026-11-23"], "B receives at the accepted session only");
    }
}
