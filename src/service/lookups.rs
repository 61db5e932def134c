//! Reading the reference data: stations (listed, within a radius, nearest), grid areas (listed,
//! one, "who is my member" at a point), administrative areas and members. Answers borrow from one
//! catalog snapshot, [`Lookups`], which a reader keeps even if a new catalog is swapped in.
//! Positions are WGS84 lon/lat degrees; distances are geodesic metres on the WGS84 ellipsoid.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use super::views::{self, AreaView, GridAtView, GridRef, MemberDetail, SearchAnswer, StationDetail, StationFeature};
use super::{Result, Service, ServiceError};
use crate::catalog::{Catalog, GridMiss, StationFilter};
use crate::domain::names::NameQuery;
use crate::domain::schedule::Session;
use crate::domain::{AreaLevel, GridId, LonLat, Member, MemberId, Station, StationId};
use crate::formats::geojson::{Feature, FeatureCollection};
use crate::formats::ical::{Calendar, Event};
use crate::formats::records::GridProperties;
use crate::i18n::{t, t_args, Lang};
use crate::spatial::{BBox, Crs};

/// The longest search query, characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// The largest radius a within-radius query may ask for, metres.
pub const MAX_RADIUS_M: f64 = 100_000.0;

/// How far ahead a reception calendar feed lists sessions, days (about six months).
pub const CALENDAR_DAYS: i64 = 183;
/// The most events one calendar feed lists.
pub const CALENDAR_MAX_EVENTS: usize = 500;
/// How many coming sessions of a station a notice may be asked for.
pub const NOTICE_SESSIONS: usize = 100;

/// One coming reception session as its printed notice shows it.
pub struct ReceptionNotice<'a> {
    pub station: &'a Station,
    pub town: Option<&'a str>,
    pub session: Session,
    /// The members receiving: those the rule names, else the station's members.
    pub on_duty: Vec<&'a Member>,
    /// Whether the calendar rule named the members on duty.
    pub members_named: bool,
}

/// Who receives citizens at a station today.
pub struct OnDuty<'a> {
    pub station: &'a Station,
    /// Today's session, if the station has one.
    pub session: Option<Session>,
    /// Its members on duty (in term today); empty without a session.
    pub members: Vec<&'a Member>,
    /// The next session, when there is none today.
    pub next: Option<Session>,
}

/// One catalog snapshot and the time, to answer lookups from.
pub struct Lookups {
    catalog: Arc<Catalog>,
    now: DateTime<FixedOffset>,
    /// The language of readable labels and reception texts (zh-CN unless [`Lookups::speaking`]).
    lang: Lang,
}

/// Which stations a listing wants.
#[derive(Debug, Default)]
pub struct StationQuery {
    pub filter: StationFilter,
    pub bbox: Option<BBox>,
    /// Only stations within this many metres of the point, nearest first.
    pub within: Option<(LonLat, f64)>,
    /// At most this many (the answer says whether more matched).
    pub limit: usize,
}

/// Status and counts of the reference data.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` when the service answers.
    pub status: &'static str,
    /// Grows with every change of the reference data (read from the store: it proves the database
    /// answers).
    pub catalog_version: i64,
    pub stations: usize,
    pub members: usize,
    pub grids: usize,
    pub areas: usize,
}

impl Service {
    /// Whether the service and its database answer, with the catalog's counts.
    pub async fn health(&self) -> Result<Health> {
        let catalog_version = self.store.catalog_version().await?;
        let catalog = self.catalog();
        Ok(Health {
            status: "ok",
            catalog_version,
            stations: catalog.stations().len(),
            members: catalog.members().len(),
            grids: catalog.grids().len(),
            areas: catalog.areas().len(),
        })
    }

    /// A snapshot of the reference data to answer lookups from.
    pub fn lookups(&self) -> Lookups {
        Lookups { catalog: self.catalog(), now: self.now(), lang: Lang::default() }
    }
}

impl Lookups {
    /// The station `id`, or a 404 naming it.
    fn station_by_id(&self, id: &str) -> Result<&Station> {
        StationId::new(id)
            .ok()
            .and_then(|id| self.catalog.station(&id))
            .ok_or_else(|| ServiceError::not_found("station", id))
    }

    /// The member `id`, or a 404 naming it.
    fn member_by_id(&self, id: &str) -> Result<&Member> {
        MemberId::new(id)
            .ok()
            .and_then(|id| self.catalog.member(&id))
            .ok_or_else(|| ServiceError::not_found("member", id))
    }

    /// The same lookups with labels and reception texts in `lang`.
    pub fn speaking(self, lang: Lang) -> Self {
        Self { lang, ..self }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Stations by filters and box, or within a radius (nearest first).
    pub fn stations(&self, q: &StationQuery, crs: Crs) -> Result<FeatureCollection<StationFeature<'_>>> {
        let features: Vec<_> = match q.within {
            Some((at, radius_m)) => {
                if !(0.0..=MAX_RADIUS_M).contains(&radius_m) {
                    return Err(ServiceError::invalid(
                        "out_of_range",
                        format!("radius_m must be between 0 and {MAX_RADIUS_M}, got {radius_m}"),
                    ));
                }
                self.catalog
                    .stations_within(at, radius_m, &q.filter)
                    .into_iter()
                    .filter(|h| q.bbox.is_none_or(|b| b.contains(h.station.location.lon(), h.station.location.lat())))
                    .take(q.limit + 1)
                    .map(|h| views::station_feature(h.station, Some(h.distance_m), crs, self.lang))
                    .collect()
            }
            None => self
                .catalog
                .stations_matching(q.bbox.as_ref(), &q.filter)
                .into_iter()
                .take(q.limit + 1)
                .map(|s| views::station_feature(s, None, crs, self.lang))
                .collect(),
        };
        Ok(FeatureCollection::limited(features, q.limit))
    }

    /// The `k` nearest stations; without kinds in the filter, physical places only (an online
    /// station is not somewhere to walk to).
    pub fn nearest_stations(
        &self,
        at: LonLat,
        k: usize,
        filter: &StationFilter,
        crs: Crs,
    ) -> FeatureCollection<StationFeature<'_>> {
        let physical;
        let filter = if filter.kinds.is_empty() {
            physical = StationFilter { kinds: StationFilter::physical().kinds, ..filter.clone() };
            &physical
        } else {
            filter
        };
        let features = self
            .catalog
            .nearest_stations(at, k, filter)
            .into_iter()
            .map(|h| views::station_feature(h.station, Some(h.distance_m), crs, self.lang))
            .collect();
        FeatureCollection::new(features)
    }

    /// One station with its members, points, town and next `sessions` sessions.
    pub fn station(&self, id: &str, sessions: usize, crs: Crs) -> Result<Feature<'_, StationDetail<'_>>> {
        let station = self.station_by_id(id)?;
        Ok(views::station_detail(&self.catalog, station, self.now, sessions, crs, self.lang))
    }

    /// Every imported map layer, by name.
    pub fn layers(&self) -> views::LayerList<'_> {
        views::LayerList { layers: self.catalog.layers().iter().map(views::layer_summary).collect() }
    }

    /// The features of the layer `name`, positions in `crs`.
    pub fn layer(
        &self,
        name: &str,
        crs: Crs,
    ) -> Result<crate::formats::geojson::FeatureCollection<views::LayerFeatureOut<'_>>> {
        let layer = self.catalog.layer(name).ok_or_else(|| ServiceError::not_found("layer", name))?;
        Ok(views::layer_features(layer, crs))
    }

    /// Grid areas, optionally those meeting a box.
    pub fn grids(&self, bbox: Option<&BBox>, crs: Crs) -> FeatureCollection<Feature<'_, GridProperties<'_>>> {
        FeatureCollection::new(self.catalog.grids_in(bbox).into_iter().map(|g| views::grid_feature(g, crs)).collect())
    }

    pub fn grid(&self, id: &str, crs: Crs) -> Result<Feature<'_, GridProperties<'_>>> {
        let grid = GridId::new(id)
            .ok()
            .and_then(|id| self.catalog.grid(&id))
            .ok_or_else(|| ServiceError::not_found("grid", id))?;
        Ok(views::grid_feature(grid, crs))
    }

    /// Who is my member: the grid holding `at`, or [`ServiceError::NoGrid`] naming the nearest.
    pub fn grid_at(&self, at: LonLat, sessions: usize, crs: Crs) -> Result<Feature<'_, GridAtView<'_>>> {
        let hit = self.catalog.grid_at(at).map_err(no_grid)?;
        Ok(views::grid_at_view(&self.catalog, hit, self.now, sessions, crs, self.lang))
    }

    /// Administrative areas of the given levels (all when empty).
    pub fn areas(&self, levels: &[AreaLevel], crs: Crs) -> FeatureCollection<Feature<'_, AreaView<'_>>> {
        let features = self
            .catalog
            .areas()
            .iter()
            .filter(|a| levels.is_empty() || levels.contains(&a.level))
            .map(|a| views::area_feature(a, crs))
            .collect();
        FeatureCollection::new(features)
    }

    /// What a search box query finds: stations, towns, grid areas and members by name (as
    /// written, full pinyin or initials), stations also by address; best first, at most `limit`.
    pub fn search(&self, query: &str, limit: usize, crs: Crs) -> Result<SearchAnswer> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ServiceError::invalid(
                "out_of_range",
                format!("q holds at most {MAX_QUERY_CHARS} characters, got {}", query.chars().count()),
            ));
        }
        let Some(q) = NameQuery::new(query) else {
            return Err(ServiceError::invalid("missing_parameter", "q (what to search for) is empty"));
        };
        let results = self
            .catalog
            .search(&q, limit)
            .into_iter()
            .filter_map(|hit| views::search_result(&self.catalog, hit, crs))
            .collect();
        Ok(SearchAnswer { query: query.trim().to_owned(), results })
    }

    /// A station's reception sessions of the coming [`CALENDAR_DAYS`] days as an iCalendar feed,
    /// each event linking to `link` (the station's page).
    pub fn station_calendar(&self, id: &str, link: &str) -> Result<Calendar> {
        let station = self.station_by_id(id)?;
        let until = self.now + chrono::Duration::days(CALENDAR_DAYS);
        let events = self
            .catalog
            .station_sessions(station, self.now, CALENDAR_MAX_EVENTS)
            .into_iter()
            .take_while(|s| s.start < until)
            .map(|s| self.event(station, &s, link))
            .collect();
        let name = t_args(self.lang, "ical-station-calendar", &[("station", station.name.as_str().into())]);
        Ok(Calendar { name, stamp: self.now, events })
    }

    /// The sessions where member `id` is on duty in the coming [`CALENDAR_DAYS`] days, at every
    /// station, as an iCalendar feed; `link(station id)` is each event's address.
    pub fn member_calendar(&self, id: &str, link: impl Fn(&str) -> String) -> Result<Calendar> {
        let member = self.member_by_id(id)?;
        let until = self.now + chrono::Duration::days(CALENDAR_DAYS);
        let events = self
            .catalog
            .member_sessions(&member.id, self.now, CALENDAR_MAX_EVENTS)
            .into_iter()
            .take_while(|s| s.session.start < until)
            .map(|s| self.event(s.station, &s.session, &link(s.station.id.as_str())))
            .collect();
        let name = t_args(self.lang, "ical-member-calendar", &[("member", member.name.as_str().into())]);
        Ok(Calendar { name, stamp: self.now, events })
    }

    /// One session as an event: the station, the members on duty and the theme. The UID is the
    /// station and the session's times, so a station's feed and a member's name the same event
    /// alike and calendars holding both show it once.
    fn event(&self, station: &Station, session: &Session, link: &str) -> Event {
        let on_duty: Vec<&str> =
            session.members.iter().filter_map(|id| self.catalog.member(id)).map(|m| m.name.as_str()).collect();
        let mut description = Vec::new();
        if !on_duty.is_empty() {
            let names = on_duty.join(&t(self.lang, "list-sep"));
            description.push(t_args(self.lang, "ical-on-duty", &[("names", names.as_str().into())]));
        }
        if let Some(theme) = &session.theme {
            description.push(t_args(self.lang, "ical-theme", &[("theme", theme.as_str().into())]));
        }
        if !station.phone.is_empty() {
            description.push(t_args(self.lang, "ical-phone", &[("phone", station.phone.as_str().into())]));
        }
        let summary = match &session.theme {
            Some(theme) => t_args(
                self.lang,
                "ical-summary-theme",
                &[("station", station.name.as_str().into()), ("theme", theme.as_str().into())],
            ),
            None => t_args(self.lang, "ical-summary", &[("station", station.name.as_str().into())]),
        };
        Event {
            uid: format!(
                "{}-{}-{}@liaison",
                station.id,
                session.start.format("%Y%m%dT%H%M"),
                session.end.format("%H%M")
            ),
            start: session.start,
            end: session.end,
            summary,
            location: [station.name.as_str(), station.address.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            description: description.join("\n"),
            geo: Some(station.location),
            url: Some(link.to_owned()),
        }
    }

    /// The notice of one coming reception session of a station (the next one unless `start`
    /// names another among the next [`NOTICE_SESSIONS`]): who receives, when, on what theme.
    pub fn reception_notice(&self, id: &str, start: Option<DateTime<FixedOffset>>) -> Result<ReceptionNotice<'_>> {
        let station = self.station_by_id(id)?;
        let sessions = self.catalog.station_sessions(station, self.now, NOTICE_SESSIONS);
        let session = match start {
            None => sessions.into_iter().next(),
            Some(at) => sessions.into_iter().find(|s| s.start == at),
        }
        .ok_or_else(|| {
            let when = start.map(|t| format!(" at {}", t.to_rfc3339())).unwrap_or_default();
            ServiceError::not_found("coming reception session", &format!("{id}{when}"))
        })?;
        let on_duty = self.receiving(station, &session);
        let town = station.town_code.as_ref().and_then(|c| self.catalog.area(c)).map(|a| a.name.as_str());
        Ok(ReceptionNotice { station, town, members_named: !session.members.is_empty(), on_duty, session })
    }

    /// Who receives at a session: the members its rule names, else the station's own members.
    fn receiving<'s>(&'s self, station: &'s Station, session: &Session) -> Vec<&'s Member> {
        let named: Vec<&Member> = session.members.iter().filter_map(|m| self.catalog.member(m)).collect();
        if named.is_empty() {
            self.catalog.members_of_station(&station.id)
        } else {
            named
        }
    }

    /// Who is on duty at a station today, for its "on duty today" QR code: today's session (the
    /// one under way or coming, else the day's last) with its members in term; without a
    /// session today, the next one.
    pub fn on_duty_today(&self, id: &str) -> Result<OnDuty<'_>> {
        let station = self.station_by_id(id)?;
        let today = self.now.date_naive();
        let midnight = today
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(self.now.timezone()).single())
            .unwrap_or(self.now);
        let sessions = self.catalog.station_sessions(station, midnight, 20);
        let (todays, later): (Vec<Session>, Vec<Session>) =
            sessions.into_iter().partition(|s| s.start.date_naive() == today);
        let session = todays.iter().find(|s| s.end > self.now).or(todays.last()).cloned();
        let members = session.as_ref().map_or_else(Vec::new, |s| {
            self.receiving(station, s).into_iter().filter(|m| m.in_term_on(today)).collect()
        });
        let next = if session.is_some() { None } else { later.into_iter().next() };
        Ok(OnDuty { station, session, members, next })
    }

    pub fn member(&self, id: &str, sessions: usize) -> Result<MemberDetail<'_>> {
        let member = self.member_by_id(id)?;
        Ok(views::member_detail(&self.catalog, member, self.now, sessions))
    }
}

/// The error for a point outside every grid.
pub fn no_grid(miss: GridMiss<'_>) -> ServiceError {
    match miss {
        GridMiss::NoGrids => ServiceError::NoGrid { message: "no grid areas have been imported".into(), nearest: None },
        GridMiss::Outside { nearest, distance_m } => ServiceError::NoGrid {
            message: format!(
                "no grid area contains this point; the nearest is {} ({}), {:.0} m away",
                nearest.name, nearest.id, distance_m
            ),
            nearest: Some(GridRef::new(nearest, distance_m)),
        },
    }
}
