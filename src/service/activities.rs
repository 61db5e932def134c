//! Members' duty activities (履职活动): staff and admins record them one at a time, old paper
//! ledgers come in as CSV (every row checked first, all or nothing), and anyone lists them, as
//! they are published duty information. Patrol paths are WGS84 lon/lat degrees (x = lon,
//! y = lat); their lengths are geodesic metres.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::opinions::Submitter;
use super::staff::scope_of;
use super::{Result, Service, ServiceError};
use crate::catalog::Catalog;
use crate::domain::activity::{parse_time, ActivityFilter};
use crate::domain::AreaLevel;
use crate::domain::{
    Activity, ActivityKind, LonLat, MemberId, NewOpinion, Patrol, Principal, Role, StationId, WaterClass,
};

/// The CSV header of a ledger file, in this order (`observations`, `opinions` and `photos` may follow).
pub const LEDGER_HEADER: [&str; 12] = [
    "kind",
    "station",
    "date",
    "start",
    "end",
    "members",
    "visitors",
    "title",
    "notes",
    "river",
    "path",
    "water_class",
];
/// Columns a ledger file may add after the required ones.
const LEDGER_OPTIONAL: [&str; 3] = ["observations", "opinions", "photos"];

/// An activity to record, as the API's JSON body carries it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    #[schema(value_type = ActivityKind)]
    pub kind: String,
    /// The station it was held at (staff: their own station or one of its liaison points).
    #[schema(value_type = StationId)]
    pub station: String,
    /// The day it was held, YYYY-MM-DD (Asia/Shanghai), not after today.
    #[schema(value_type = NaiveDate, example = "2026-11-05")]
    pub date: String,
    /// Start time, HH:MM.
    #[schema(example = "14:00")]
    pub start: Option<String>,
    /// End time, HH:MM, not before the start (needs a start).
    #[schema(example = "17:00")]
    pub end: Option<String>,
    /// The members present (at least one, each once).
    #[schema(value_type = Vec<MemberId>, min_items = 1)]
    pub members: Vec<String>,
    /// How many citizens came.
    #[serde(default)]
    pub visitors: u32,
    /// One line, 1 to 200 characters.
    pub title: String,
    /// At most 5,000 characters.
    #[serde(default)]
    pub notes: String,
    /// Ids of opinions taken down at it.
    #[serde(default)]
    pub opinions: Vec<i64>,
    /// Required for a river_patrol, refused for any other kind.
    pub patrol: Option<PatrolInput>,
}

/// A river patrol as the API's JSON body carries it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatrolInput {
    pub river: String,
    /// The way walked: a GeoJSON LineString of at least two distinct WGS84 positions.
    pub path: Option<LineStringGeometry>,
    #[serde(default)]
    pub observations: String,
    #[schema(value_type = Option<WaterClass>)]
    pub water_class: Option<String>,
    /// References to the photos taken: http(s):// URLs or paths on this server (at most 20).
    #[serde(default)]
    pub photos: Vec<String>,
}

/// A GeoJSON LineString, WGS84 `[lon, lat]` degrees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineStringGeometry {
    /// Always `LineString`.
    #[serde(rename = "type")]
    #[schema(example = "LineString")]
    pub kind: String,
    /// `[lon, lat]` positions, WGS84 degrees.
    pub coordinates: Vec<[f64; 2]>,
}

/// A station or member by id, named from the catalog (no name when it no longer has it).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: String,
    pub name: Option<String>,
}

/// A river patrol as answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatrolView {
    pub river: String,
    pub path: LineStringGeometry,
    /// The path's geodesic length in metres (WGS84).
    pub length_m: f64,
    pub observations: String,
    pub water_class: Option<WaterClass>,
    /// References to the photos taken.
    pub photos: Vec<String>,
}

/// An activity as answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    pub id: i64,
    pub kind: ActivityKind,
    /// The kind's Chinese name.
    pub kind_label: &'static str,
    pub station: Named,
    #[schema(value_type = NaiveDate)]
    pub date: NaiveDate,
    /// HH:MM.
    pub start: Option<String>,
    /// HH:MM.
    pub end: Option<String>,
    pub members: Vec<Named>,
    pub visitors: u32,
    pub title: String,
    pub notes: String,
    pub opinions: Vec<i64>,
    pub patrol: Option<PatrolView>,
}

/// A list of activities, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityList {
    pub count: usize,
    pub activities: Vec<ActivityView>,
}

impl ActivityView {
    pub fn new(a: &Activity, catalog: &Catalog) -> Self {
        let hh_mm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
        Self {
            id: a.id,
            kind: a.kind,
            kind_label: a.kind.label_zh(),
            station: Named { id: a.station.to_string(), name: catalog.station(&a.station).map(|s| s.name.clone()) },
            date: a.date,
            start: a.start.map(hh_mm),
            end: a.end.map(hh_mm),
            members: a
                .members
                .iter()
                .map(|m| Named { id: m.to_string(), name: catalog.member(m).map(|m| m.name.clone()) })
                .collect(),
            visitors: a.visitors,
            title: a.title.clone(),
            notes: a.notes.clone(),
            opinions: a.opinions.clone(),
            patrol: a.patrol.as_ref().map(|p| PatrolView {
                river: p.river.clone(),
                path: LineStringGeometry {
                    kind: "LineString".into(),
                    coordinates: p.path.0.iter().map(|c| [c.x, c.y]).collect(),
                },
                length_m: path_length_m(&p.path),
                observations: p.observations.clone(),
                photos: p.photos.clone(),
                water_class: p.water_class,
            }),
        }
    }
}

/// The geodesic length of a checked path, in metres.
fn path_length_m(path: &geo::LineString<f64>) -> f64 {
    let points: Vec<LonLat> = path.0.iter().filter_map(|c| LonLat::new(c.x, c.y).ok()).collect();
    (crate::spatial::geodesic::path_length_m(&points) * 10.0).round() / 10.0
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::Unprocessable { code: "invalid_activity", message: message.into() }
}

fn unknown(code: &'static str, message: String) -> ServiceError {
    ServiceError::Unprocessable { code, message }
}

impl From<crate::domain::ActivityError> for ServiceError {
    fn from(e: crate::domain::ActivityError) -> Self {
        invalid(e.to_string())
    }
}

/// The fields of one activity as text, from a JSON body or a ledger row.
struct Draft<'a> {
    kind: &'a str,
    station: &'a str,
    date: &'a str,
    start: Option<&'a str>,
    end: Option<&'a str>,
    members: Vec<&'a str>,
    visitors: u32,
    title: &'a str,
    notes: &'a str,
    opinions: Vec<i64>,
    patrol: Option<PatrolDraft<'a>>,
}

/// The fields of a patrol as text; the path as `[lon, lat]` pairs (WGS84 degrees), if given.
struct PatrolDraft<'a> {
    river: &'a str,
    path: Option<Vec<[f64; 2]>>,
    observations: &'a str,
    water_class: Option<&'a str>,
    photos: Vec<&'a str>,
}

/// `Some` of the trimmed text when it is not blank.
fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

impl Draft<'_> {
    /// Parses and checks the fields against the catalog and the domain's rules (opinions are
    /// checked against the store separately).
    fn activity(&self, catalog: &Catalog, today: NaiveDate) -> Result<Activity> {
        let kind: ActivityKind = self.kind.parse().map_err(|e| invalid(format!("kind: {e}")))?;
        let station = StationId::new(self.station).map_err(|e| invalid(format!("station: {e}")))?;
        if catalog.station(&station).is_none() {
            return Err(unknown("unknown_station", format!("unknown station {station}")));
        }
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
            .map_err(|_| invalid(format!("date must be YYYY-MM-DD, got {:?}", self.date)))?;
        let time = |name: &str, v: Option<&str>| {
            given(v)
                .map(|t| parse_time(t).ok_or_else(|| invalid(format!("{name} must be a time HH:MM, got {t:?}"))))
                .transpose()
        };
        let mut members = Vec::with_capacity(self.members.len());
        for m in &self.members {
            let id = MemberId::new(m).map_err(|e| invalid(format!("member {m:?}: {e}")))?;
            if catalog.member(&id).is_none() {
                return Err(unknown("unknown_member", format!("unknown member {id}")));
            }
            members.push(id);
        }
        let patrol = match &self.patrol {
            None => None,
            Some(PatrolDraft { river, path, observations, water_class, photos }) => {
                let path = path.as_ref().ok_or_else(|| invalid("a patrol needs a path"))?;
                let water_class = given(*water_class)
                    .map(|c| c.parse::<WaterClass>().map_err(|e| invalid(format!("water_class: {e}"))))
                    .transpose()?;
                Some(Patrol {
                    river: river.trim().to_owned(),
                    path: path.iter().map(|&[x, y]| (x, y)).collect::<Vec<_>>().into(),
                    observations: observations.trim().to_owned(),
                    photos: photos.iter().map(|p| p.trim().to_owned()).collect(),
                    water_class,
                })
            }
        };
        let activity = Activity {
            id: 0,
            kind,
            station,
            date,
            start: time("start", self.start)?,
            end: time("end", self.end)?,
            members,
            visitors: self.visitors,
            title: self.title.trim().to_owned(),
            notes: self.notes.trim().to_owned(),
            opinions: self.opinions.clone(),
            patrol,
        };
        Ok(activity.checked(today)?)
    }
}

impl ActivityInput {
    fn draft(&self) -> Result<Draft<'_>> {
        let patrol = match &self.patrol {
            None => None,
            Some(p) => {
                let path = match &p.path {
                    Some(g) if g.kind != "LineString" => {
                        return Err(invalid(format!("patrol.path must be a GeoJSON LineString, got {:?}", g.kind)))
                    }
                    Some(g) => Some(g.coordinates.clone()),
                    None => None,
                };
                Some(PatrolDraft {
                    river: &p.river,
                    path,
                    observations: &p.observations,
                    water_class: p.water_class.as_deref(),
                    photos: p.photos.iter().map(String::as_str).collect(),
                })
            }
        };
        Ok(Draft {
            kind: &self.kind,
            station: &self.station,
            date: &self.date,
            start: self.start.as_deref(),
            end: self.end.as_deref(),
            members: self.members.iter().map(String::as_str).collect(),
            visitors: self.visitors,
            title: &self.title,
            notes: &self.notes,
            opinions: self.opinions.clone(),
            patrol,
        })
    }
}

/// One ledger row by column name.
struct LedgerRow<'a> {
    record: &'a csv::StringRecord,
    columns: &'a [Option<usize>],
}

impl<'a> LedgerRow<'a> {
    /// The cell of column `i` of [`LEDGER_HEADER`] followed by [`LEDGER_OPTIONAL`].
    fn cell(&self, i: usize) -> &'a str {
        self.columns[i].and_then(|c| self.record.get(c)).unwrap_or("").trim()
    }

    fn draft(&self) -> Result<Draft<'a>, String> {
        let list = |s: &'a str| s.split(';').map(str::trim).filter(|m| !m.is_empty()).collect::<Vec<_>>();
        let visitors = match self.cell(6) {
            "" => 0,
            v => v.parse().map_err(|_| format!("visitors must be a whole number >= 0, got {v:?}"))?,
        };
        let opinions = list(self.cell(13))
            .into_iter()
            .map(|o| o.parse::<i64>().map_err(|_| format!("opinion id must be a number, got {o:?}")))
            .collect::<Result<_, _>>()?;
        let (river, path) = (self.cell(9), self.cell(10));
        let (class, observations, photos) = (self.cell(11), self.cell(12), self.cell(14));
        let patrol = if [river, path, class, observations, photos].iter().all(|c| c.is_empty()) {
            None
        } else {
            let points = if path.is_empty() { None } else { Some(parse_path(path)?) };
            Some(PatrolDraft { river, path: points, observations, water_class: Some(class), photos: list(photos) })
        };
        Ok(Draft {
            kind: self.cell(0),
            station: self.cell(1),
            date: self.cell(2),
            start: Some(self.cell(3)),
            end: Some(self.cell(4)),
            members: list(self.cell(5)),
            visitors,
            title: self.cell(7),
            notes: self.cell(8),
            opinions,
            patrol,
        })
    }
}

/// A ledger's path: `lon lat;lon lat;…`, WGS84 degrees.
pub fn parse_path(text: &str) -> Result<Vec<[f64; 2]>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut xy = p.split_whitespace().map(str::parse::<f64>);
            match (xy.next(), xy.next(), xy.next()) {
                (Some(Ok(x)), Some(Ok(y)), None) => Ok([x, y]),
                _ => Err(format!("path positions are \"lon lat\" separated by ';', got {p:?}")),
            }
        })
        .collect()
}

impl Service {
    /// Records one activity for `who`: admins anywhere, staff at their own station and its
    /// liaison points (anywhere when their login names no station); members, leaders and
    /// integrations may not. Members, station and opinions must exist.
    pub async fn record_activity(&self, who: &Principal, input: &ActivityInput) -> Result<ActivityView> {
        self.record_activity_taking(who, input, Vec::new()).await
    }

    /// Records one activity as [`Service::record_activity`] does, with the opinions citizens
    /// gave at it (`taken_down`, e.g. at a reception): each enters the loop as a submission by
    /// `who` and is listed with the activity. The activity is checked before any opinion is
    /// filed, so a refused record files none.
    pub async fn record_activity_taking(
        &self,
        who: &Principal,
        input: &ActivityInput,
        taken_down: Vec<NewOpinion>,
    ) -> Result<ActivityView> {
        match who.role {
            Role::Admin | Role::Staff => {}
            other => {
                return Err(ServiceError::Forbidden(format!(
                    "a {} may not record activities; staff and admins do",
                    other.code()
                )))
            }
        }
        let catalog = self.catalog();
        let mut activity = input.draft()?.activity(&catalog, self.now().date_naive())?;
        if who.role == Role::Staff && who.station.is_some() {
            let scope = scope_of(&catalog, who);
            if !scope.stations.contains(&activity.station) {
                return Err(ServiceError::Forbidden(format!("station {} is not one of yours", activity.station)));
            }
        }
        if let Some(missing) = self.missing_opinions(&activity.opinions).await?.first() {
            return Err(unknown("unknown_opinion", format!("unknown opinion {missing}")));
        }
        for new in taken_down {
            let filed = self.submit(Submitter::On(who.actor()), new).await?;
            if !activity.opinions.contains(&filed.opinion.id) {
                activity.opinions.push(filed.opinion.id);
            }
        }
        let ids = self.store.add_activities(std::slice::from_ref(&activity), &who.actor(), self.now()).await?;
        activity.id = ids.first().copied().ok_or_else(|| ServiceError::Internal("no id for the activity".into()))?;
        Ok(ActivityView::new(&activity, &catalog))
    }

    /// The ids among `ids` that no opinion has.
    async fn missing_opinions(&self, ids: &[i64]) -> Result<Vec<i64>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found: HashSet<i64> = self.store.existing_opinions(ids).await?.into_iter().collect();
        Ok(ids.iter().copied().filter(|id| !found.contains(id)).collect())
    }

    /// Imports a paper ledger as CSV (see [`LEDGER_HEADER`]; members, opinions and path
    /// positions separated by `;`, a path's positions as `lon lat` in WGS84 degrees). Every row
    /// is checked first; if any is bad, nothing is written and the error names the first bad
    /// rows by line. Answers how many activities were written, in one transaction.
    pub async fn import_activities<R: std::io::Read>(&self, reader: R, recorded_by: &str) -> Result<usize> {
        let catalog = self.catalog();
        let today = self.now().date_naive();
        let (rows, mut problems) =
            super::imports::csv_rows(reader, &LEDGER_HEADER, &LEDGER_OPTIONAL, |record, columns| {
                LedgerRow { record, columns }
                    .draft()
                    .and_then(|d| d.activity(&catalog, today).map_err(|e| e.to_string()))
            })?;
        let wanted: Vec<i64> = rows.iter().flat_map(|(_, a)| a.opinions.iter().copied()).collect();
        let missing: HashSet<i64> = self.missing_opinions(&wanted).await?.into_iter().collect();
        for (line, a) in &rows {
            if let Some(o) = a.opinions.iter().find(|o| missing.contains(o)) {
                problems.push(format!("line {line}: unknown opinion {o}"));
            }
        }
        if !problems.is_empty() {
            return Err(super::imports::bad_rows(problems));
        }
        let activities: Vec<Activity> = rows.into_iter().map(|(_, a)| a).collect();
        let ids = self.store.add_activities(&activities, recorded_by, self.now()).await?;
        Ok(ids.len())
    }

    /// The activities matching `q`, newest first; an unknown station or member is a 400.
    pub async fn activities(&self, q: &ActivityFilter) -> Result<ActivityList> {
        let catalog = self.catalog();
        if let Some(s) = q.station.as_ref().filter(|s| catalog.station(s).is_none()) {
            return Err(ServiceError::invalid("unknown_station", format!("no station has id {:?}", s.as_str())));
        }
        if let Some(m) = q.member.as_ref().filter(|m| catalog.member(m).is_none()) {
            return Err(ServiceError::invalid("unknown_member", format!("no member has id {:?}", m.as_str())));
        }
        if let Some(t) = q.town.as_ref().filter(|t| catalog.area(t).is_none_or(|a| a.level != AreaLevel::Town)) {
            return Err(ServiceError::invalid("unknown_town", format!("no town has area code {:?}", t.as_str())));
        }
        if let (Some(from), Some(to)) = (q.from, q.to) {
            if from > to {
                return Err(ServiceError::invalid("invalid_window", format!("from {from} is after to {to}")));
            }
        }
        let found = self.store.activities(q).await?;
        let activities: Vec<ActivityView> = found.iter().map(|a| ActivityView::new(a, &catalog)).collect();
        Ok(ActivityList { count: activities.len(), activities })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_paths_read_lon_lat_pairs() {
        assert_eq!(parse_path("121.5 29.8; 121.6 29.9").unwrap(), vec![[121.5, 29.8], [121.6, 29.9]]);
        assert!(parse_path("121.5,29.8").is_err());
        assert!(parse_path("121.5 29.8 3").is_err());
    }
}
