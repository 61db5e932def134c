//! The working side of the loop for staff, members, leaders and admins: an inbox with filters,
//! one opinion with contact and full history (as [`Audience::of`] the role allows), and workflow
//! transitions guarded by role, scope and version. The rules themselves live in
//! [`crate::domain::access`] and [`crate::domain::opinion::transition`].

use chrono::NaiveDate;
use serde::Serialize;

use super::privacy::Audience;
use super::{Result, Service, ServiceError};
use crate::catalog::Catalog;
use crate::domain::opinion::transition;
use crate::domain::{
    Category, Event, GridId, Opinion, Principal, ReplyRoute, Role, Scope, StationId, Status, TrackingCode,
};
use crate::store::OpinionFilter;

/// What part of the catalog a principal works on: a staff member's station and its liaison
/// points, a member's grid areas.
pub fn scope_of(catalog: &Catalog, p: &Principal) -> Scope {
    let stations = match (&p.role, &p.station) {
        (Role::Staff, Some(s)) => {
            std::iter::once(s.clone()).chain(catalog.points_of_station(s).iter().map(|pt| pt.id.clone())).collect()
        }
        _ => Vec::new(),
    };
    let grids = match (&p.role, &p.member) {
        (Role::Member, Some(m)) => catalog.grids_of_member(m).iter().map(|g| g.id.clone()).collect(),
        _ => Vec::new(),
    };
    Scope { stations, grids }
}

/// Which opinions an inbox lists.
#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    pub statuses: Vec<Status>,
    pub category: Option<Category>,
    pub stations: Vec<StationId>,
    pub overdue: bool,
    pub limit: usize,
}

/// One line of an inbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: i64,
    pub tracking_code: TrackingCode,
    pub category: Category,
    pub title: String,
    pub status: Status,
    pub version: i64,
    pub station: Option<StationId>,
    pub grid: Option<GridId>,
    pub due: Option<NaiveDate>,
    pub created_at: String,
    pub overdue: bool,
    /// Where it was submitted, WGS84 degrees, as the caller's role may see it (exact for staff,
    /// members, leaders and admins).
    pub lon: f64,
    pub lat: f64,
}

/// An inbox: the opinions, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub count: usize,
    pub issues: Vec<InboxItem>,
}

/// A requested workflow change, as the API's JSON body and the staff page's form carry it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The status to move to (not `submitted`).
    #[schema(value_type = Status)]
    pub to: String,
    /// The version read: a stale one is a conflict.
    pub version: i64,
    /// The reason (closed) or the explanation (rejected).
    #[serde(default)]
    pub note: String,
    /// Needed to move to `assigned`.
    pub department: Option<String>,
    /// The due date, needed to move to `assigned`.
    pub due: Option<NaiveDate>,
    /// Needed to move to `replied`.
    #[schema(value_type = Option<ReplyRoute>)]
    pub reply_route: Option<String>,
    /// The reply's text, needed to move to `replied`.
    pub reply: Option<String>,
}

fn invalid_transition(message: String) -> ServiceError {
    ServiceError::Unprocessable { code: "invalid_transition", message }
}

fn missing(field: &str, to: &str) -> ServiceError {
    invalid_transition(format!("{field} is required to move to {to}"))
}

impl TransitionRequest {
    /// The event the requested target status stands for.
    pub fn event(&self) -> Result<Event> {
        let to: Status = self.to.parse().map_err(|e| invalid_transition(format!("to: {e}")))?;
        Ok(match to {
            Status::Registered => Event::Register,
            Status::Assigned => Event::Assign {
                department: self.department.clone().ok_or_else(|| missing("department", "assigned"))?,
                due: self.due.ok_or_else(|| missing("due", "assigned"))?,
            },
            Status::InProgress => Event::Start,
            Status::Replied => Event::Reply {
                route: self
                    .reply_route
                    .as_deref()
                    .ok_or_else(|| missing("reply_route", "replied"))?
                    .parse::<ReplyRoute>()
                    .map_err(|e| invalid_transition(format!("reply_route: {e}")))?,
                text: self.reply.clone().ok_or_else(|| missing("reply", "replied"))?,
            },
            Status::Closed => Event::Close { reason: self.note.clone() },
            Status::Rejected => Event::Reject { explanation: self.note.clone() },
            Status::Submitted => return Err(invalid_transition("nothing moves back to submitted".into())),
        })
    }
}

fn require_loop_role(p: &Principal) -> Result<()> {
    if p.role == Role::Integrator {
        return Err(ServiceError::Forbidden("integrator tokens reach Open311 only, not the staff side".into()));
    }
    Ok(())
}

impl Service {
    /// The opinions matching `q` that `who` may read: staff see their station and its liaison
    /// points (asking for another station is forbidden), members their grid areas, leaders and
    /// admins all.
    pub async fn visible(&self, who: &Principal, q: &InboxQuery) -> Result<Vec<Opinion>> {
        require_loop_role(who)?;
        let catalog = self.catalog();
        if let Some(s) = q.stations.iter().find(|s| catalog.station(s).is_none()) {
            return Err(ServiceError::invalid("unknown_station", format!("no station has id {:?}", s.as_str())));
        }
        let scope = scope_of(&catalog, who);
        let mut filter = OpinionFilter {
            statuses: q.statuses.clone(),
            category: q.category,
            stations: q.stations.clone(),
            overdue_on: q.overdue.then(|| self.now().date_naive()),
            limit: q.limit,
            ..Default::default()
        };
        match who.role {
            Role::Staff if filter.stations.is_empty() => filter.stations = scope.stations.clone(),
            Role::Staff => {
                if let Some(s) = filter.stations.iter().find(|s| !scope.stations.contains(s)) {
                    return Err(ServiceError::Forbidden(format!("station {s} is not one of yours")));
                }
            }
            Role::Member => {
                filter.grids = scope.grids.clone();
                filter.member = who.member.clone();
            }
            _ => {}
        }
        let nothing_in_scope = match who.role {
            Role::Staff => filter.stations.is_empty(),
            Role::Member => filter.grids.is_empty() && filter.member.is_none(),
            _ => false,
        };
        if nothing_in_scope {
            return Ok(Vec::new());
        }
        let found = self.store.list_opinions(&filter).await?;
        Ok(found.into_iter().filter(|o| who.may_read(o, &scope)).collect())
    }

    /// The inbox of `who`.
    pub async fn inbox(&self, who: &Principal, q: &InboxQuery) -> Result<Inbox> {
        let today = self.now().date_naive();
        let audience = audience(who);
        let issues: Vec<InboxItem> = self
            .visible(who, q)
            .await?
            .into_iter()
            .map(|o| InboxItem {
                lon: audience.position(&o).0.lon(),
                lat: audience.position(&o).0.lat(),
                overdue: o.due.is_some_and(|d| d < today) && o.status.is_open() && o.status != Status::Replied,
                id: o.id,
                tracking_code: o.code,
                category: o.submission.category,
                title: o.submission.title,
                status: o.status,
                version: o.version,
                station: o.routing.station,
                grid: o.routing.grid,
                due: o.due,
                created_at: o.created_at.to_rfc3339(),
            })
            .collect();
        Ok(Inbox { count: issues.len(), issues })
    }

    /// The opinion with this id, if `who` may read it, with the scope that decided.
    pub(super) async fn readable(&self, who: &Principal, id: &str) -> Result<(Opinion, Scope)> {
        require_loop_role(who)?;
        let not_found = || ServiceError::NotFound { code: "not_found", message: format!("no opinion with id {id:?}") };
        let id: i64 = id.trim().parse().map_err(|_| not_found())?;
        let opinion = self.store.opinion_by_id(id).await?.ok_or_else(not_found)?;
        let scope = scope_of(&self.catalog(), who);
        if !who.may_read(&opinion, &scope) {
            return Err(ServiceError::Forbidden(format!("opinion {id} is outside your stations or grid areas")));
        }
        Ok((opinion, scope))
    }

    /// One opinion with its full history, for `who`; render with [`super::opinions::Tracked::view`]
    /// and [`Audience::of`]`(who.role)`.
    pub async fn staff_opinion(&self, who: &Principal, id: &str) -> Result<super::opinions::Tracked> {
        let (opinion, _) = self.readable(who, id).await?;
        self.tracked(opinion).await
    }

    /// The statuses `who` may move `opinion` to now, in the workflow's order: each target's event
    /// is put to [`transition`] and to the access rules, with stand-in text where the event needs
    /// some (the real request must still bring its own).
    pub fn next_statuses(&self, who: &Principal, opinion: &Opinion) -> Vec<Status> {
        if require_loop_role(who).is_err() {
            return Vec::new();
        }
        let scope = scope_of(&self.catalog(), who);
        let stand_in = || "-".to_owned();
        let today = self.now().date_naive();
        let events = [
            Event::Register,
            Event::Assign { department: stand_in(), due: today },
            Event::Start,
            Event::Reply { route: ReplyRoute::ALL[0], text: stand_in() },
            Event::Close { reason: stand_in() },
            Event::Reject { explanation: stand_in() },
        ];
        events
            .iter()
            .filter(|e| who.may_change(opinion, &scope, e))
            .filter_map(|e| transition(opinion.status, e).ok())
            .collect()
    }

    /// Checks role, scope and version, then moves the opinion on.
    pub async fn transition(
        &self,
        who: &Principal,
        id: &str,
        request: &TransitionRequest,
    ) -> Result<super::opinions::Tracked> {
        let (opinion, scope) = self.readable(who, id).await?;
        let event = request.event()?;
        if !who.may_change(&opinion, &scope, &event) {
            return Err(ServiceError::Forbidden(format!(
                "a {} may not {} this opinion",
                who.role.code(),
                event.code()
            )));
        }
        if request.version != opinion.version {
            return Err(ServiceError::stale(opinion.version));
        }
        let opinion = self.change(opinion, &event, &who.actor()).await?;
        self.tracked(opinion).await
    }
}

/// The audience a principal reads staff views as.
pub fn audience(who: &Principal) -> Audience {
    Audience::of(who.role)
}
