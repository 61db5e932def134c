//! Reception rotas (接待排班): for a station's coming sessions, the members suggested to receive
//! citizens ([`crate::analytics::rota`] has the rule) with their reasons, and what staff accepted.
//! An acceptance replaces the rule's members for that one session in the catalog, so the printed
//! notice, the calendar feeds and every other reader of sessions follow it; removing it returns
//! the session to the rule. Times are Asia/Shanghai.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::staff::scope_of;
use super::{Result, Service, ServiceError};
use crate::analytics::rota::{self as rule, Candidate, Reason, Slot, Trend};
use crate::analytics::{date_of, local_day};
use crate::catalog::Catalog;
use crate::domain::activity::ActivityFilter;
use crate::domain::rota::{rota_access, AcceptedRota, RotaAccess, RotaError};
use crate::domain::schedule::Session;
use crate::domain::{ActivityKind, Body, Member, MemberId, Principal, Station, StationId};

/// How many coming sessions a rota lists by default, and at most.
pub const DEFAULT_SESSIONS: usize = 6;
pub const MAX_SESSIONS: usize = 26;
/// How many members are suggested for a session whose rule names none; at most [`MAX_K`].
pub const DEFAULT_K: usize = 2;
pub const MAX_K: usize = 10;
/// How far back receptions attended count for fairness, days.
pub const FAIRNESS_DAYS: i64 = 90;
/// How many coming sessions an acceptance may be for (as far ahead as a notice can be printed).
pub const HORIZON_SESSIONS: usize = super::lookups::NOTICE_SESSIONS;

/// A member as a rota names them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RotaMember {
    #[schema(value_type = MemberId)]
    pub id: MemberId,
    pub name: String,
    pub body: Body,
    pub occupation: String,
    /// Sector (界别) or constituency.
    pub sector: String,
}

impl RotaMember {
    fn new(m: &Member) -> Self {
        Self {
            id: m.id.clone(),
            name: m.name.clone(),
            body: m.body,
            occupation: m.occupation.clone(),
            sector: m.sector.clone(),
        }
    }
}

/// A member who may receive at the station, with their receptions lately.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RotaCandidate {
    #[serde(flatten)]
    pub member: RotaMember,
    /// Receptions attended in the last 90 days (the activities ledger).
    pub receptions: u32,
}

/// One category's opinions in the station's area, recent and expected.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendView {
    pub category: crate::domain::Category,
    /// Opinions of the last 28 days, today included.
    pub recent: u32,
    /// Opinions of the two 28-day blocks before, oldest first.
    pub baseline: Vec<u32>,
    /// The blocks' mean, at least 0.5.
    pub expected: f64,
    /// P(X ≥ recent) for X ~ Poisson(expected).
    pub p_value: f64,
    /// At least 3 recent opinions and a p-value below 0.05.
    pub rising: bool,
}

impl TrendView {
    fn new(t: &Trend) -> Self {
        Self {
            category: t.category,
            recent: t.recent,
            baseline: t.baseline.to_vec(),
            expected: t.expected,
            p_value: t.p_value,
            rising: t.rising(),
        }
    }
}

/// A suggested member and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub member: RotaMember,
    /// 2 × matching categories − load.
    pub score: i64,
    /// Receptions lately plus earlier sessions of this list they receive at.
    pub load: u32,
    pub reasons: Vec<Reason>,
}

/// What staff accepted for a session.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AcceptedView {
    pub members: Vec<RotaMember>,
    /// The login that decided.
    pub decided_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub decided_at: DateTime<FixedOffset>,
}

/// One coming session with its suggestion and what is accepted.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RotaSession {
    #[schema(value_type = String, format = DateTime)]
    pub start: DateTime<FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub end: DateTime<FixedOffset>,
    pub theme: Option<String>,
    /// The members the calendar rule names (none: the station's members receive).
    pub rule_members: Vec<RotaMember>,
    /// How many members are suggested.
    pub k: usize,
    pub suggested: Vec<Suggestion>,
    /// What staff accepted, if anything: it replaces the rule's members.
    pub accepted: Option<AcceptedView>,
    /// Who receives as things stand: the accepted members, else the rule's.
    pub on_duty: Vec<RotaMember>,
    /// The candidates in term that day, by id.
    #[schema(value_type = Vec<MemberId>)]
    pub eligible: Vec<MemberId>,
}

/// A station's rota: its coming sessions, the candidates and the trends behind the suggestions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RotaView {
    #[schema(value_type = StationId)]
    pub station: StationId,
    pub station_name: String,
    /// Whether the caller may accept or change the sessions' members.
    pub may_decide: bool,
    /// The last day of the recent window (today).
    #[schema(value_type = NaiveDate)]
    pub today: NaiveDate,
    /// Every category's opinions in the station's area, rising ones first.
    pub trends: Vec<TrendView>,
    /// Who may receive at the station: its members, those of the grid areas it serves and those
    /// its rules name; by id.
    pub candidates: Vec<RotaCandidate>,
    pub sessions: Vec<RotaSession>,
}

/// The members to accept for a session, as the API's JSON body carries them.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotaInput {
    /// Member ids, at least one, at most 20, each once, in the order to show them.
    #[schema(value_type = Vec<MemberId>)]
    pub members: Vec<String>,
}

impl From<RotaError> for ServiceError {
    fn from(e: RotaError) -> Self {
        ServiceError::Unprocessable { code: "invalid_rota", message: e.to_string() }
    }
}

/// Who may receive at a station: its members, the members of the grid areas it serves, and the
/// members its rules name; by id.
fn roster<'a>(catalog: &'a Catalog, station: &Station) -> Vec<&'a Member> {
    let mut ids: Vec<&MemberId> = catalog.members_of_station(&station.id).into_iter().map(|m| &m.id).collect();
    for g in catalog.grids().iter().filter(|g| g.station.as_ref() == Some(&station.id)) {
        ids.extend(&g.members);
    }
    ids.extend(station.reception.iter().flat_map(|r| &r.members));
    let mut members: Vec<&Member> = ids.into_iter().filter_map(|id| catalog.member(id)).collect();
    members.sort_by(|a, b| a.id.cmp(&b.id));
    members.dedup_by(|a, b| a.id == b.id);
    members
}

/// The grid areas a station serves, by id.
fn grids_of(catalog: &Catalog, station: &StationId) -> Vec<String> {
    catalog.grids().iter().filter(|g| g.station.as_ref() == Some(station)).map(|g| g.id.to_string()).collect()
}

fn parse_start(text: &str) -> Result<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text.trim()).map_err(|e| {
        ServiceError::invalid(
            "invalid_parameter",
            format!("start must be the RFC 3339 start of a session, e.g. 2026-11-16T09:00:00+08:00, got {text:?}: {e}"),
        )
    })
}

impl Service {
    /// The station `id` and what `who` may do with its rota; a 404 for an unknown station, a
    /// 403 without access.
    fn rota_station<'a>(&self, catalog: &'a Catalog, who: &Principal, id: &str) -> Result<(&'a Station, RotaAccess)> {
        let station = StationId::new(id)
            .ok()
            .and_then(|id| catalog.station(&id))
            .ok_or_else(|| ServiceError::not_found("station", id))?;
        let own = scope_of(catalog, who).stations.contains(&station.id);
        match rota_access(who.role, own) {
            RotaAccess::None => Err(ServiceError::Forbidden(format!(
                "a {} may not see the rota of station {}; its staff, leaders and admins do",
                who.role.code(),
                station.id
            ))),
            access => Ok((station, access)),
        }
    }

    /// Receptions each member attended in the last [`FAIRNESS_DAYS`] days, at any station.
    async fn receptions_lately(&self, today: NaiveDate) -> Result<HashMap<MemberId, u32>> {
        let filter = ActivityFilter {
            kind: Some(ActivityKind::Reception),
            from: Some(today - chrono::Duration::days(FAIRNESS_DAYS)),
            to: Some(today),
            limit: 1_000_000,
            ..Default::default()
        };
        let mut counts = HashMap::new();
        for a in self.store.activities(&filter).await? {
            for m in a.members {
                *counts.entry(m).or_insert(0) += 1;
            }
        }
        Ok(counts)
    }

    /// The rota of station `id` for `who` (its staff, leaders, admins): the next `sessions`
    /// sessions, each with `k` suggested members (default: as many as the rule names, else 2),
    /// their reasons and what is accepted.
    pub async fn rota(&self, who: &Principal, id: &str, sessions: usize, k: Option<usize>) -> Result<RotaView> {
        let catalog = self.catalog();
        let (station, access) = self.rota_station(&catalog, who, id)?;
        let now = self.now();
        let today = local_day(now.timestamp());
        let receptions = self.receptions_lately(now.date_naive()).await?;
        let grids = grids_of(&catalog, &station.id);
        let live = self.facts().clone();
        let station_id = station.id.to_string();
        let trends = tokio::task::spawn_blocking(move || {
            let grids: Vec<&str> = grids.iter().map(String::as_str).collect();
            rule::trends(&live.read(), &[&station_id], &grids, today)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("rota trends: {e}")))?;

        let members = roster(&catalog, station);
        let candidates: Vec<Candidate> = members
            .iter()
            .map(|m| Candidate {
                id: &m.id,
                occupation: &m.occupation,
                sector: &m.sector,
                receptions: receptions.get(&m.id).copied().unwrap_or(0),
            })
            .collect();
        let index: HashMap<&MemberId, usize> = members.iter().enumerate().map(|(i, m)| (&m.id, i)).collect();
        let coming: Vec<Session> = catalog.rule_sessions(station, now, sessions);
        let slots: Vec<Slot> = coming
            .iter()
            .map(|s| {
                let day = s.start.date_naive();
                Slot {
                    k: k.unwrap_or(if s.members.is_empty() { DEFAULT_K } else { s.members.len() }),
                    eligible: (0..members.len()).filter(|&i| members[i].in_term_on(day)).collect(),
                    theme: s.theme.as_deref(),
                    accepted: catalog
                        .rota(&station.id, s.start)
                        .map(|r| r.members.iter().filter_map(|m| index.get(m).copied()).collect()),
                }
            })
            .collect();
        let picks = rule::suggest(&candidates, &trends, &slots);

        let named = |ids: &[MemberId]| -> Vec<RotaMember> {
            ids.iter().filter_map(|m| catalog.member(m)).map(RotaMember::new).collect()
        };
        let sessions = coming
            .iter()
            .zip(&slots)
            .zip(picks)
            .map(|((s, slot), picks)| {
                let accepted = catalog.rota(&station.id, s.start).map(|r| AcceptedView {
                    members: named(&r.members),
                    decided_by: r.decided_by.clone(),
                    decided_at: r.decided_at,
                });
                let on_duty = accepted.as_ref().map_or_else(|| named(&s.members), |a| a.members.clone());
                RotaSession {
                    start: s.start,
                    end: s.end,
                    theme: s.theme.clone(),
                    rule_members: named(&s.members),
                    k: slot.k,
                    suggested: picks
                        .into_iter()
                        .map(|p| Suggestion {
                            member: RotaMember::new(members[p.candidate]),
                            score: p.score,
                            load: p.load,
                            reasons: p.reasons,
                        })
                        .collect(),
                    accepted,
                    on_duty,
                    eligible: slot.eligible.iter().map(|&i| members[i].id.clone()).collect(),
                }
            })
            .collect();
        let mut trends: Vec<TrendView> = trends.iter().map(TrendView::new).collect();
        trends.sort_by_key(|t| !t.rising);
        Ok(RotaView {
            station: station.id.clone(),
            station_name: station.name.clone(),
            may_decide: access == RotaAccess::Decide,
            today: date_of(today),
            trends,
            candidates: candidates
                .iter()
                .zip(&members)
                .map(|(c, m)| RotaCandidate { member: RotaMember::new(m), receptions: c.receptions })
                .collect(),
            sessions,
        })
    }

    /// The coming session of `station` starting at `start` (among the next
    /// [`HORIZON_SESSIONS`]), or a 404.
    fn coming_session(&self, catalog: &Catalog, station: &Station, start: &str) -> Result<Session> {
        let at = parse_start(start)?;
        catalog.rule_sessions(station, self.now(), HORIZON_SESSIONS).into_iter().find(|s| s.start == at).ok_or_else(
            || ServiceError::NotFound {
                code: "not_found",
                message: format!(
                    "station {} has no coming reception session starting at {}",
                    station.id,
                    at.to_rfc3339()
                ),
            },
        )
    }

    /// Accepts `input.members` for the session of station `id` starting at `start` (staff of the
    /// station, admins): every member must receive at the station (its members, its grid areas'
    /// and its rules') and be in term that day. The catalog then gives the session these members.
    pub async fn accept_rota(&self, who: &Principal, id: &str, start: &str, input: &RotaInput) -> Result<RotaSession> {
        let catalog = self.catalog();
        let (station, access) = self.rota_station(&catalog, who, id)?;
        if access != RotaAccess::Decide {
            return Err(ServiceError::Forbidden(format!(
                "a {} may see but not change the rota; the station's staff and admins do",
                who.role.code()
            )));
        }
        let session = self.coming_session(&catalog, station, start)?;
        let day = session.start.date_naive();
        let roster = roster(&catalog, station);
        let unprocessable = |code, message| ServiceError::Unprocessable { code, message };
        let mut members = Vec::with_capacity(input.members.len());
        for raw in &input.members {
            let member = MemberId::new(raw)
                .ok()
                .and_then(|m| catalog.member(&m))
                .ok_or_else(|| unprocessable("unknown_member", format!("no member has id {raw:?}")))?;
            if !roster.iter().any(|m| m.id == member.id) {
                return Err(unprocessable(
                    "member_not_at_station",
                    format!(
                        "member {} ({}) does not receive at station {}: choose among its members, the members of the grid areas it serves and those its calendar names",
                        member.id, member.name, station.id
                    ),
                ));
            }
            if !member.in_term_on(day) {
                return Err(unprocessable(
                    "member_out_of_term",
                    format!("member {} ({}) is not in term on {day}", member.id, member.name),
                ));
            }
            members.push(member.id.clone());
        }
        let rota = AcceptedRota {
            station: station.id.clone(),
            start: session.start,
            members,
            decided_by: who.actor(),
            decided_at: self.now(),
        }
        .checked()?;
        self.store.set_rota(&rota).await?;
        self.reload_if_changed().await?;
        self.rota_session(who, id, session.start).await
    }

    /// Removes the acceptance of the session of station `id` starting at `start`, returning it to
    /// the rule's members; a 404 when nothing was accepted for it.
    pub async fn remove_rota(&self, who: &Principal, id: &str, start: &str) -> Result<()> {
        let catalog = self.catalog();
        let (station, access) = self.rota_station(&catalog, who, id)?;
        if access != RotaAccess::Decide {
            return Err(ServiceError::Forbidden(format!(
                "a {} may see but not change the rota; the station's staff and admins do",
                who.role.code()
            )));
        }
        let session = self.coming_session(&catalog, station, start)?;
        if !self.store.delete_rota(&station.id, session.start).await? {
            return Err(ServiceError::NotFound {
                code: "not_found",
                message: format!("nothing is accepted for the session at {}", session.start.to_rfc3339()),
            });
        }
        self.reload_if_changed().await?;
        Ok(())
    }

    /// One session of the rota as it stands (after a change).
    async fn rota_session(&self, who: &Principal, id: &str, start: DateTime<FixedOffset>) -> Result<RotaSession> {
        let view = self.rota(who, id, HORIZON_SESSIONS, None).await?;
        view.sessions
            .into_iter()
            .find(|s| s.start == start)
            .ok_or_else(|| ServiceError::Internal(format!("the session at {start} left the rota")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_starts_are_rfc3339() {
        assert_eq!(parse_start(" 2026-11-16T09:00:00+08:00 ").unwrap().to_rfc3339(), "2026-11-16T09:00:00+08:00");
        assert_eq!(parse_start("2026-11-16T01:00:00Z").unwrap(), parse_start("2026-11-16T09:00:00+08:00").unwrap());
        assert!(parse_start("2026-11-16 09:00").is_err());
    }
}
