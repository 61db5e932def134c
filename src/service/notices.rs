//! Service notices (服务信息): published once — by an administrator or leader for the district, a
//! town or any stations, by staff for their own station and its liaison points — and shown on
//! every station they reach. Also what one station shows: its notices in force and the
//! livelihood projects of its town or its members.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::activities::Named;
use super::projects::{ProjectQuery, ProjectView};
use super::staff::scope_of;
use super::{Result, Service, ServiceError};
use crate::catalog::Catalog;
use crate::domain::notice::{NoticeFilter, Seen};
use crate::domain::{AreaCode, AreaLevel, Notice, NoticeScope, Principal, Reach, Station, StationId};
use crate::spatial::Crs;

/// A notice to publish, as the API's JSON body carries it. Neither `town` nor `stations`: the
/// whole district.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    /// One line, 1 to 200 characters.
    pub title: String,
    /// 1 to 5,000 characters.
    pub body: String,
    /// The first day it is shown, YYYY-MM-DD (default: today).
    #[schema(value_type = Option<NaiveDate>, example = "2026-11-12")]
    pub published: Option<String>,
    /// The last day it is shown, YYYY-MM-DD, not before `published` (default: no end).
    #[schema(value_type = Option<NaiveDate>, example = "2026-12-31")]
    pub expires: Option<String>,
    /// Only the stations of this town (its area code).
    #[schema(value_type = Option<AreaCode>)]
    pub town: Option<String>,
    /// Only these stations and their liaison points (1 to 500, each once).
    #[schema(value_type = Option<Vec<StationId>>)]
    pub stations: Option<Vec<String>>,
}

/// Where a notice is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    District,
    Town,
    Stations,
}

/// A notice as answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    pub id: i64,
    pub title: String,
    pub body: String,
    #[schema(value_type = NaiveDate)]
    pub published: NaiveDate,
    #[schema(value_type = Option<NaiveDate>)]
    pub expires: Option<NaiveDate>,
    /// Whether it is shown today.
    pub in_force: bool,
    pub scope: ScopeKind,
    /// The town, for scope `town`.
    pub town: Option<Named>,
    /// The stations, for scope `stations`.
    pub stations: Vec<Named>,
}

impl NoticeView {
    pub fn new(n: &Notice, catalog: &Catalog, today: NaiveDate) -> Self {
        let (scope, town, stations) = match &n.scope {
            NoticeScope::District => (ScopeKind::District, None, Vec::new()),
            NoticeScope::Town(t) => (
                ScopeKind::Town,
                Some(Named { id: t.to_string(), name: catalog.area(t).map(|a| a.name.clone()) }),
                vec![],
            ),
            NoticeScope::Stations(list) => (
                ScopeKind::Stations,
                None,
                list.iter()
                    .map(|s| Named { id: s.to_string(), name: catalog.station(s).map(|s| s.name.clone()) })
                    .collect(),
            ),
        };
        Self {
            id: n.id,
            title: n.title.clone(),
            body: n.body.clone(),
            published: n.published,
            expires: n.expires,
            in_force: n.in_force(today),
            scope,
            town,
            stations,
        }
    }
}

/// A list of notices, newest publication first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeList {
    pub count: usize,
    pub notices: Vec<NoticeView>,
}

/// Which notices a listing wants.
#[derive(Debug, Clone, Default)]
pub struct NoticeQuery {
    /// Those shown at this station.
    pub station: Option<StationId>,
    /// Those shown at some station of this town (district-wide, for the town, or listing one of
    /// its stations).
    pub town: Option<AreaCode>,
    /// `true`: only those in force today; `false`: only those not (expired or not yet shown).
    pub active: Option<bool>,
    pub limit: usize,
}

/// What a station shows of the published information.
pub struct StationPublished {
    /// Its notices in force today, newest first.
    pub notices: Vec<NoticeView>,
    /// The projects of its town or supervised by its members.
    pub projects: Vec<ProjectView>,
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::Unprocessable { code: "invalid_notice", message: message.into() }
}

impl From<crate::domain::NoticeError> for ServiceError {
    fn from(e: crate::domain::NoticeError) -> Self {
        invalid(e.to_string())
    }
}

/// Where a station sees notices: itself and the station it is a point of, and its town.
fn seen_at(s: &Station) -> Seen {
    Seen {
        stations: std::iter::once(s.id.clone()).chain(s.parent.clone()).collect(),
        towns: s.town_code.iter().cloned().collect(),
    }
}

impl NoticeInput {
    fn notice(&self, catalog: &Catalog, today: NaiveDate) -> Result<Notice> {
        let day = |name: &str, v: Option<&str>| {
            v.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| invalid(format!("{name} must be YYYY-MM-DD, got {s:?}")))
                })
                .transpose()
        };
        let town = self.town.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let scope = match (town, &self.stations) {
            (Some(_), Some(_)) => return Err(invalid("give a town or stations, not both")),
            (None, None) => NoticeScope::District,
            (Some(t), None) => {
                let code = AreaCode::new(t).map_err(|e| invalid(format!("town: {e}")))?;
                if catalog.area(&code).is_none_or(|a| a.level != AreaLevel::Town) {
                    return Err(ServiceError::Unprocessable {
                        code: "unknown_town",
                        message: format!("no town has area code {t:?}"),
                    });
                }
                NoticeScope::Town(code)
            }
            (None, Some(list)) => {
                let mut stations = Vec::with_capacity(list.len());
                for s in list {
                    let id = StationId::new(s).map_err(|e| invalid(format!("station {s:?}: {e}")))?;
                    if catalog.station(&id).is_none() {
                        return Err(ServiceError::Unprocessable {
                            code: "unknown_station",
                            message: format!("unknown station {id}"),
                        });
                    }
                    stations.push(id);
                }
                NoticeScope::Stations(stations)
            }
        };
        let notice = Notice {
            id: 0,
            title: self.title.trim().to_owned(),
            body: self.body.trim().to_owned(),
            published: day("published", self.published.as_deref())?.unwrap_or(today),
            expires: day("expires", self.expires.as_deref())?,
            scope,
        };
        Ok(notice.checked()?)
    }
}

impl Service {
    /// Publishes a notice for `who`: administrators and leaders anywhere, staff for their own
    /// station and its liaison points only (the rule is [`Principal::may_publish`]).
    pub async fn publish_notice(&self, who: &Principal, input: &NoticeInput) -> Result<NoticeView> {
        let catalog = self.catalog();
        let today = self.now().date_naive();
        let mut notice = input.notice(&catalog, today)?;
        let reach = match &notice.scope {
            NoticeScope::District => Reach::District,
            NoticeScope::Town(_) => Reach::Town,
            NoticeScope::Stations(list) => Reach::Stations(list),
        };
        if !who.may_publish(reach, &scope_of(&catalog, who)) {
            return Err(ServiceError::Forbidden(match who.role {
                crate::domain::Role::Staff => {
                    "staff publish notices for their own station and its liaison points only".to_owned()
                }
                other => format!("a {} may not publish notices", other.code()),
            }));
        }
        let ids = self.store.add_notices(std::slice::from_ref(&notice), &who.actor(), self.now()).await?;
        notice.id = ids.first().copied().ok_or_else(|| ServiceError::Internal("no id for the notice".into()))?;
        Ok(NoticeView::new(&notice, &catalog, today))
    }

    /// The notices matching `q`; an unknown station or town is a 400.
    pub async fn notices(&self, q: &NoticeQuery) -> Result<NoticeList> {
        let catalog = self.catalog();
        let today = self.now().date_naive();
        let mut seen = Vec::new();
        if let Some(id) = &q.station {
            let s = catalog.station(id).ok_or_else(|| {
                ServiceError::invalid("unknown_station", format!("no station has id {:?}", id.as_str()))
            })?;
            seen.push(seen_at(s));
        }
        if let Some(t) = &q.town {
            if catalog.area(t).is_none_or(|a| a.level != AreaLevel::Town) {
                return Err(ServiceError::invalid("unknown_town", format!("no town has area code {:?}", t.as_str())));
            }
            let stations = catalog.stations().iter().filter(|s| s.town_code.as_ref() == Some(t)).map(|s| s.id.clone());
            seen.push(Seen { stations: stations.collect(), towns: vec![t.clone()] });
        }
        let filter = NoticeFilter { seen, in_force: q.active.map(|a| (today, a)), limit: q.limit };
        let notices: Vec<NoticeView> =
            self.store.notices(&filter).await?.iter().map(|n| NoticeView::new(n, &catalog, today)).collect();
        Ok(NoticeList { count: notices.len(), notices })
    }

    /// What station `id` shows: its notices in force and the projects of its town or members.
    pub async fn station_published(&self, id: &StationId) -> Result<StationPublished> {
        let notices = NoticeQuery { station: Some(id.clone()), active: Some(true), limit: 50, ..Default::default() };
        let notices = self.notices(&notices).await?;
        let projects = ProjectQuery { station: Some(id.clone()), limit: 50, crs: Crs::Wgs84, ..Default::default() };
        let projects = self.projects(&projects).await?;
        Ok(StationPublished { notices: notices.notices, projects: projects.views() })
    }
}
