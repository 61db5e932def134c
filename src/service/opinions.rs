//! The citizens' side of the loop: submit an opinion (routed by place and category, with hints of
//! possible duplicates nearby), track it by code, rate the reply; and the system's auto-close of
//! unrated replies. Views are built for an [`Audience`] (see [`super::privacy`]). Positions are
//! WGS84 lon/lat degrees; distances metres.

use std::net::IpAddr;

use chrono::NaiveDate;
use serde::Serialize;

use super::privacy::{public_distance_m, Audience};
use super::{Result, Service, ServiceError};
use crate::catalog::{Catalog, StationFilter};
use crate::domain::{
    AreaCode, AuditEntry, Body, Category, Channel, Event, GridId, LonLat, Member, MemberId, NewOpinion, Opinion,
    ReplyRoute, Routing, Stars, StationId, Status, TrackingCode,
};
use crate::spatial::{BBox, Crs, LocalPlane};
use crate::store::{OpinionFilter, StoreError};

/// How far apart two open opinions of one category may be to count as possible duplicates
/// (measured to the other's public position).
pub const DUPLICATE_RADIUS_M: f64 = 200.0;

/// How far from every grid, area and station a submission may be and still be accepted: beyond
/// it nobody here is responsible for the place.
pub const SERVICE_AREA_MARGIN_M: f64 = 5_000.0;

/// Who sent a submission: a citizen from an address (rate limited), or a system acting for one.
#[derive(Debug, Clone)]
pub enum Submitter {
    Citizen(IpAddr),
    /// An integration or staff member entering it, by [`crate::domain::Principal::actor`].
    On(String),
}

/// A town, grid, station or member an opinion went to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TownRef<'a> {
    pub code: &'a AreaCode,
    pub name: &'a str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GridName<'a> {
    pub id: &'a GridId,
    pub name: &'a str,
}

/// The station an opinion went to, with how to reach it (public data of the station).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationContact<'a> {
    pub id: &'a StationId,
    pub name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberName<'a> {
    pub id: &'a MemberId,
    pub name: &'a str,
    pub body: Body,
}

/// Where an opinion was routed, named from the catalog.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoutingView<'a> {
    pub town: Option<TownRef<'a>>,
    pub grid: Option<GridName<'a>>,
    pub station: Option<StationContact<'a>>,
    pub members: Vec<MemberName<'a>>,
}

impl<'a> RoutingView<'a> {
    pub fn new(catalog: &'a Catalog, r: &Routing) -> Self {
        RoutingView {
            town: r.town_code.as_ref().and_then(|c| catalog.area(c)).map(|a| TownRef { code: &a.code, name: &a.name }),
            grid: r.grid.as_ref().and_then(|g| catalog.grid(g)).map(|g| GridName { id: &g.id, name: &g.name }),
            station: r.station.as_ref().and_then(|s| catalog.station(s)).map(|s| StationContact {
                id: &s.id,
                name: &s.name,
                address: &s.address,
                phone: &s.phone,
            }),
            members: r
                .members
                .iter()
                .filter_map(|m| catalog.member(m))
                .map(|m| MemberName { id: &m.id, name: &m.name, body: m.body })
                .collect(),
        }
    }
}

/// A GeoJSON point in the requested CRS; `rounded_m` says how coarse it is, when it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PointView {
    #[serde(rename = "type")]
    #[schema(value_type = String, pattern = "^Point$")]
    pub kind: &'static str,
    pub coordinates: [f64; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounded_m: Option<u32>,
}

impl PointView {
    pub fn new(p: LonLat, rounded_m: Option<u32>, crs: Crs) -> Self {
        let (x, y) = crs.from_wgs84(p.lon(), p.lat());
        // A rounded position keeps 5 decimals (1 m) after conversion; an exact one 7 (1 cm).
        let scale = if rounded_m.is_some() { 1e5 } else { 1e7 };
        PointView { kind: "Point", coordinates: [(x * scale).round() / scale, (y * scale).round() / scale], rounded_m }
    }
}

/// One line of an opinion's history; `actor`, `from` and `note` only for those who may see them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Step<'a> {
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Status>,
    pub to: Status,
    pub event: &'a str,
    /// The same as `to` (kept for clients of the first version of the API).
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
}

/// How to reach the citizen, for those who may.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactView<'a> {
    pub name: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// An opinion as an audience may see it. Public views leave out every field marked "staff".
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpinionView<'a> {
    /// staff: the numeric id (public answers name opinions by tracking code only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub tracking_code: &'a TrackingCode,
    pub category: Category,
    pub category_label: &'static str,
    pub title: &'a str,
    pub text: &'a str,
    pub status: Status,
    pub status_label: &'static str,
    pub version: i64,
    pub location: PointView,
    pub routing: RoutingView<'a>,
    pub department: Option<&'a str>,
    pub due: Option<NaiveDate>,
    pub reply_route: Option<ReplyRoute>,
    pub reply: Option<&'a str>,
    pub rating: Option<Stars>,
    pub created_at: String,
    pub replied_at: Option<String>,
    pub closed_at: Option<String>,
    /// staff
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// staff
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous: Option<bool>,
    /// staff: null for leaders, who oversee but do not contact citizens.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ContactView>)]
    pub contact: Option<Option<ContactView<'a>>>,
    /// staff
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub rating_comment: Option<Option<&'a str>>,
    /// staff
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub registered_at: Option<Option<String>>,
    pub history: Vec<Step<'a>>,
    /// Photos the citizen added: for the public the approved ones only; for staff all of them,
    /// with their status.
    pub photos: Vec<super::photos::PhotoView>,
    /// staff: the statuses the caller may move it to now ([`super::Service::next_statuses`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Vec<Status>>,
}

/// An opinion with its history, as one audience sees it; serialize with [`Tracked::view`].
#[derive(Debug)]
pub struct Tracked {
    pub opinion: Opinion,
    pub history: Vec<AuditEntry>,
    /// Every photo of the opinion; [`Tracked::public`] keeps the approved ones.
    pub photos: Vec<crate::domain::photo::Photo>,
}

impl Tracked {
    /// The view of this opinion for `audience`, positions in `crs`.
    pub fn view<'a>(&'a self, catalog: &'a Catalog, audience: Audience, crs: Crs) -> OpinionView<'a> {
        let o = &self.opinion;
        let (position, rounded_m) = audience.position(o);
        let staff = audience != Audience::Public;
        let contact =
            (audience == Audience::Handler).then(|| ContactView { name: audience.name(o), phone: audience.phone(o) });
        OpinionView {
            id: staff.then_some(o.id),
            tracking_code: &o.code,
            category: o.submission.category,
            category_label: o.submission.category.label_zh(),
            title: &o.submission.title,
            text: &o.submission.text,
            status: o.status,
            status_label: o.status.label_zh(),
            version: o.version,
            location: PointView::new(position, rounded_m, crs),
            routing: RoutingView::new(catalog, &o.routing),
            department: o.department.as_deref(),
            due: o.due,
            reply_route: o.reply_route,
            reply: o.reply.as_deref(),
            rating: o.rating,
            created_at: o.created_at.to_rfc3339(),
            replied_at: o.replied_at.map(|t| t.to_rfc3339()),
            closed_at: o.closed_at.map(|t| t.to_rfc3339()),
            channel: staff.then_some(o.submission.channel),
            anonymous: staff.then_some(o.submission.anonymous),
            contact: staff.then_some(contact),
            rating_comment: staff.then_some(o.rating_comment.as_deref()),
            registered_at: staff.then_some(o.registered_at.map(|t| t.to_rfc3339())),
            history: self
                .history
                .iter()
                .map(|e| {
                    let detail = audience.sees_actors();
                    Step {
                        at: e.at.to_rfc3339(),
                        actor: detail.then_some(e.actor.as_str()),
                        from: detail.then_some(e.from),
                        to: e.to,
                        event: &e.event,
                        status: e.to,
                        note: detail.then_some(e.note.as_str()),
                    }
                })
                .collect(),
            photos: self
                .photos
                .iter()
                .filter(|p| staff || p.status == crate::domain::photo::PhotoStatus::Approved)
                .map(|p| super::photos::PhotoView::new(p, staff))
                .collect(),
            next: None,
        }
    }
}

/// Another citizen's open opinion near a new one: enough to recognise it, nothing to act on it
/// with, and nothing finer than the public grid (see [`super::privacy`]).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Duplicate {
    pub title: String,
    pub category: Category,
    pub status: Status,
    pub status_label: &'static str,
    /// To the other opinion's public position, in 10 m steps.
    pub distance_m: f64,
    /// The day it was submitted (Asia/Shanghai).
    pub created_on: NaiveDate,
}

/// What a submitter learns: the tracking code, where it went, and possible duplicates.
#[derive(Debug)]
pub struct Submitted {
    pub opinion: Opinion,
    pub duplicates: Vec<Duplicate>,
}

/// The answer to a submission.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmittedView<'a> {
    pub id: i64,
    pub tracking_code: &'a TrackingCode,
    pub status: Status,
    pub version: i64,
    pub routing: RoutingView<'a>,
    pub duplicates: &'a [Duplicate],
}

impl Submitted {
    pub fn view<'a>(&'a self, catalog: &'a Catalog) -> SubmittedView<'a> {
        SubmittedView {
            id: self.opinion.id,
            tracking_code: &self.opinion.code,
            status: self.opinion.status,
            version: self.opinion.version,
            routing: RoutingView::new(catalog, &self.opinion.routing),
            duplicates: &self.duplicates,
        }
    }
}

impl Service {
    /// Checks that the place is one this service answers for, routes the opinion by place and
    /// category, and stores it under a fresh tracking code. A citizen's submission counts against
    /// their address's allowance only once it is valid.
    pub async fn submit(&self, from: Submitter, new: NewOpinion) -> Result<Submitted> {
        self.submit_routed(from, new, None, None).await
    }

    /// As [`Service::submit`] (or [`Service::submit_to`] member `to`), and the citizen follows the
    /// opinion by the addresses of `following`: they are told when it is registered, replied to,
    /// closed or rejected. Refused when an address is for a channel this service sends nothing by.
    pub async fn submit_following(
        &self,
        from: Submitter,
        new: NewOpinion,
        to: Option<&str>,
        following: &super::follow::Following,
    ) -> Result<Submitted> {
        match to {
            Some(member) => {
                let member = self.member_in_term(member)?;
                self.submit_routed(from, new, Some(&member), Some(following)).await
            }
            None => self.submit_routed(from, new, None, Some(following)).await,
        }
    }

    /// Submits an opinion addressed to member `to` (their QR code, or the station's "on duty
    /// today" one): routed to that member alone, at their station. The member must be in term.
    pub async fn submit_to(&self, from: Submitter, new: NewOpinion, to: &str) -> Result<Submitted> {
        let member = self.member_in_term(to)?;
        self.submit_routed(from, new, Some(&member), None).await
    }

    /// The member of id `to`, if they are in term today.
    fn member_in_term(&self, to: &str) -> Result<Member> {
        let catalog = self.catalog();
        let member = MemberId::new(to).ok().and_then(|id| catalog.member(&id)).ok_or_else(|| {
            ServiceError::Unprocessable { code: "unknown_member", message: format!("no member has id {to:?}") }
        })?;
        if !member.in_term_on(self.now().date_naive()) {
            return Err(ServiceError::Unprocessable {
                code: "member_not_in_term",
                message: format!("{} ({}) is not in term today and cannot receive opinions", member.name, member.id),
            });
        }
        Ok(member.clone())
    }

    async fn submit_routed(
        &self,
        from: Submitter,
        new: NewOpinion,
        to: Option<&Member>,
        following: Option<&super::follow::Following>,
    ) -> Result<Submitted> {
        let catalog = self.catalog();
        in_service_area(&catalog, new.location)?;
        let followers = self.followers(following)?;
        let actor = match &from {
            Submitter::Citizen(client) => {
                self.submissions.check(*client)?;
                "citizen".to_owned()
            }
            Submitter::On(actor) => actor.clone(),
        };
        let duplicates = self.duplicates(new.category, new.location).await?;
        let routing = match to {
            Some(member) => catalog.route_to(new.location, member),
            None => catalog.route(new.location, new.category),
        };
        let now = self.now();
        let mut tries = 0;
        let opinion = loop {
            let random = getrandom::u64()
                .map_err(|e| ServiceError::Internal(format!("no randomness for a tracking code: {e}")))?;
            match self
                .store
                .insert_opinion(&new, &TrackingCode::from_random(random), &routing, now, &actor, followers.as_ref())
                .await
            {
                Err(StoreError::Duplicate(_)) if tries < 3 => tries += 1,
                Ok(opinion) => break opinion,
                Err(e) => return Err(e.into()),
            }
        };
        self.after_write().await;
        Ok(Submitted { opinion, duplicates })
    }

    /// Open opinions of `category` whose public position lies within [`DUPLICATE_RADIUS_M`] of
    /// `at`, nearest first, at most 10.
    async fn duplicates(&self, category: Category, at: LonLat) -> Result<Vec<Duplicate>> {
        // Exact positions lie within ~80 m of their public ones: widen the search box by that.
        let (dlon, dlat) = LocalPlane::at(at).degrees_for(DUPLICATE_RADIUS_M + 100.0);
        let bbox = BBox::new(at.lon() - dlon, at.lat() - dlat, at.lon() + dlon, at.lat() + dlat).ok();
        let open = vec![Status::Submitted, Status::Registered, Status::Assigned, Status::InProgress, Status::Replied];
        let filter = OpinionFilter { statuses: open, category: Some(category), bbox, limit: 500, ..Default::default() };
        let mut near: Vec<(f64, Opinion)> = self
            .store
            .list_opinions(&filter)
            .await?
            .into_iter()
            .map(|o| (public_distance_m(at, &o), o))
            .filter(|(d, _)| *d <= DUPLICATE_RADIUS_M)
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
        Ok(near
            .into_iter()
            .take(10)
            .map(|(d, o)| Duplicate {
                status_label: o.status.label_zh(),
                title: o.submission.title,
                category: o.submission.category,
                status: o.status,
                distance_m: d,
                created_on: o.created_at.date_naive(),
            })
            .collect())
    }

    /// An opinion by its tracking code, as the citizen typed it (dashes and spaces optional).
    pub async fn opinion_by_code(&self, raw: &str) -> Result<Opinion> {
        let code = TrackingCode::parse(raw).map_err(|e| {
            ServiceError::invalid(
                "invalid_tracking_code",
                format!("tracking code {:?}: {e}", raw.escape_debug().to_string()),
            )
        })?;
        self.store.opinion_by_code(&code).await?.ok_or_else(|| ServiceError::NotFound {
            code: "not_found",
            message: format!("no opinion with tracking code {code}"),
        })
    }

    /// The opinion with this tracking code, its history and its approved photos, as the public
    /// may see them ([`Tracked::public`]).
    pub async fn track(&self, raw_code: &str) -> Result<Tracked> {
        let opinion = self.opinion_by_code(raw_code).await?;
        Ok(self.tracked(opinion).await?.public())
    }

    pub(super) async fn tracked(&self, opinion: Opinion) -> Result<Tracked> {
        let history = self.store.history(opinion.id).await?;
        let photos = self.store.photos(opinion.id).await?;
        Ok(Tracked { opinion, history, photos })
    }

    /// The citizen rates the reply (1–2 stars reopen it). `version`, when given, is the one the
    /// citizen saw: a stale one is a conflict.
    pub async fn rate(
        &self,
        raw_code: &str,
        stars: u8,
        comment: Option<&str>,
        version: Option<i64>,
    ) -> Result<Tracked> {
        let opinion = self.opinion_by_code(raw_code).await?;
        if version.is_some_and(|v| v != opinion.version) {
            return Err(ServiceError::stale(opinion.version));
        }
        let event = Event::Rate { stars: Stars::new(stars)?, comment: comment.unwrap_or_default().to_owned() };
        let opinion = self.change(opinion, &event, "citizen").await?;
        Ok(self.tracked(opinion).await?.public())
    }

    /// Applies `event` to `opinion` and saves it, unless someone changed it since it was read:
    /// then a conflict naming the version it is at now, and nothing is written.
    pub(super) async fn change(&self, mut opinion: Opinion, event: &Event, actor: &str) -> Result<Opinion> {
        let entry = opinion.apply(event, actor, self.now())?;
        if !self.store.save_change(&opinion, &entry, self.notice_order(&entry).as_ref()).await? {
            let now_at = self.store.opinion_by_id(opinion.id).await?;
            return Err(ServiceError::stale(now_at.map_or(opinion.version, |o| o.version)));
        }
        self.after_write().await;
        Ok(opinion)
    }

    /// Closes every reply older than `days` that the citizen has not rated (actor `system`), and
    /// returns how many. A reply changed meanwhile is left for the next round.
    pub async fn close_unrated_replies(&self, days: u32) -> Result<usize> {
        let cutoff = self.now() - chrono::Duration::days(i64::from(days));
        let replied = OpinionFilter { statuses: vec![Status::Replied], limit: 10_000, ..Default::default() };
        let mut closed = 0;
        for opinion in self.store.list_opinions(&replied).await? {
            if opinion.replied_at.is_some_and(|t| t <= cutoff)
                && self.change(opinion, &Event::AutoClose, "system").await.is_ok()
            {
                closed += 1;
            }
        }
        Ok(closed)
    }
}

/// Which opinions an Open311 listing wants; empty lists and `None` accept everything.
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    pub category: Option<Category>,
    pub statuses: Vec<Status>,
    pub ids: Option<Vec<i64>>,
    pub start: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub end: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// An opinion for a public listing, with its first approved photo, if any.
#[derive(Debug)]
pub struct PublicRequest {
    pub opinion: Opinion,
    pub photo: Option<crate::domain::photo::PhotoHash>,
}

impl Service {
    /// Opinions for a public listing, newest first, at most 1,000; render them with
    /// [`Audience::Public`].
    pub async fn public_requests(&self, q: &RequestQuery) -> Result<Vec<PublicRequest>> {
        let filter =
            OpinionFilter { statuses: q.statuses.clone(), category: q.category, limit: 1_000, ..Default::default() };
        let found: Vec<Opinion> = self
            .store
            .list_opinions(&filter)
            .await?
            .into_iter()
            .filter(|o| q.ids.as_ref().is_none_or(|ids| ids.contains(&o.id)))
            .filter(|o| q.start.is_none_or(|t| o.created_at >= t) && q.end.is_none_or(|t| o.created_at <= t))
            .collect();
        self.with_public_photos(found).await
    }

    /// One opinion by its public numeric id, for a public view.
    pub async fn public_request(&self, id: i64) -> Result<Option<PublicRequest>> {
        let found = self.store.opinion_by_id(id).await?.into_iter().collect();
        Ok(self.with_public_photos(found).await?.pop())
    }

    async fn with_public_photos(&self, opinions: Vec<Opinion>) -> Result<Vec<PublicRequest>> {
        let ids: Vec<i64> = opinions.iter().map(|o| o.id).collect();
        let mut photos: std::collections::HashMap<i64, crate::domain::photo::PhotoHash> =
            self.store.first_approved_photos(&ids).await?.into_iter().collect();
        Ok(opinions.into_iter().map(|opinion| PublicRequest { photo: photos.remove(&opinion.id), opinion }).collect())
    }
}

/// Refuses a place no grid, area or station of the catalog is near (a phone's 0,0 fallback, a
/// swapped lon/lat); an empty catalog accepts anything, having nothing to judge by.
fn in_service_area(catalog: &Catalog, at: LonLat) -> Result<()> {
    if catalog.stations().is_empty() && catalog.grids().is_empty() && catalog.areas().is_empty() {
        return Ok(());
    }
    if catalog.town_at(at).is_some()
        || catalog.areas().iter().any(|a| geo::Intersects::intersects(&a.geometry, &geo::Point::from(at)))
    {
        return Ok(());
    }
    let near_station = catalog
        .nearest_stations(at, 1, &StationFilter::physical())
        .first()
        .is_some_and(|h| h.distance_m <= SERVICE_AREA_MARGIN_M);
    // Containment only: a grid's nearest-edge search is what a far-away point must not pay for.
    if near_station || catalog.route(at, Category::Other).grid.is_some() {
        return Ok(());
    }
    Err(ServiceError::Unprocessable {
        code: "outside_service_area",
        message: format!(
            "{at} is not in this service's area (no grid, area or station within {:.0} km); check the position and that lon and lat are not swapped",
            SERVICE_AREA_MARGIN_M / 1000.0
        ),
    })
}
