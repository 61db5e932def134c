//! Members' duty records per calendar year (Asia/Shanghai): the activities each attended, from the
//! ledger, and the opinions routed to them, from the live analytics, scored by the configured
//! [`ScoringRule`]. Computed on every request, never stored or typed in.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, TimeZone};

use super::{Result, Service, ServiceError};
use crate::analytics::duty::{score, DutyCounts, DutyScore, ScoringRule};
use crate::analytics::query::stats;
use crate::analytics::{local_day, Filter, GroupBy, Window};
use crate::domain::activity::{Activity, ActivityFilter};
use crate::domain::schedule::shanghai;
use crate::domain::{ActivityKind, Body, Member, MemberId};

/// The first year a duty record may be asked for.
pub const FIRST_YEAR: i32 = 2000;

/// One member's year.
#[derive(Debug, Clone)]
pub struct DutyRow {
    pub member: Member,
    pub station_name: Option<String>,
    pub counts: DutyCounts,
    pub score: DutyScore,
    /// 1 for the highest score among the table's members; equal scores share a rank.
    pub rank: usize,
}

/// Every member of a body (or all) in term during a year, best score first.
#[derive(Debug, Clone)]
pub struct DutyTable {
    pub year: i32,
    pub body: Option<Body>,
    pub rule: ScoringRule,
    pub rows: Vec<DutyRow>,
}

/// One member's report card: their row, ranked within their body, and the year's activities.
#[derive(Debug, Clone)]
pub struct DutyCard {
    pub year: i32,
    pub rule: ScoringRule,
    pub row: DutyRow,
    /// How many members of the same body were ranked.
    pub of: usize,
    /// The activities the member attended in the year, newest first.
    pub activities: Vec<Activity>,
}

impl Service {
    /// The scoring rule duty records use.
    pub fn duty_rule(&self) -> &ScoringRule {
        &self.duty_rule
    }

    /// Checks a year given by a client: from [`FIRST_YEAR`] to this year; `None` is this year.
    pub fn duty_year(&self, year: Option<i32>) -> Result<i32> {
        let this = self.now().year();
        match year {
            None => Ok(this),
            Some(y) if (FIRST_YEAR..=this).contains(&y) => Ok(y),
            Some(y) => Err(ServiceError::invalid(
                "invalid_year",
                format!("year must be from {FIRST_YEAR} to {this} (duty records are kept for past and current years), got {y}"),
            )),
        }
    }

    /// The duty records of every member of `body` (all members without it) whose term touches
    /// `year`, best score first.
    pub async fn duty_table(&self, year: Option<i32>, body: Option<Body>) -> Result<DutyTable> {
        let year = self.duty_year(year)?;
        let (first, last) = year_bounds(year);
        let catalog = self.catalog();
        let members: Vec<&Member> = catalog
            .members()
            .iter()
            .filter(|m| body.is_none_or(|b| m.body == b))
            .filter(|m| m.term_start.is_none_or(|s| s <= last) && m.term_end.is_none_or(|e| first <= e))
            .collect();

        let mut activities = HashMap::<&MemberId, [u32; ActivityKind::ALL.len()]>::new();
        let ledger = self
            .store
            .activities(&ActivityFilter { from: Some(first), to: Some(last), limit: usize::MAX, ..Default::default() })
            .await?;
        for a in &ledger {
            let k = ActivityKind::ALL.iter().position(|&k| k == a.kind).unwrap_or(0);
            for m in &a.members {
                if let Some(member) = catalog.member(m) {
                    activities.entry(&member.id).or_default()[k] += 1;
                }
            }
        }

        let filter = Filter {
            window: Window { from: Some(start_of(first)), to: Some(start_of(year_bounds(year + 1).0)) },
            today: local_day(self.now().timestamp()),
            ..Default::default()
        };
        let by_member = self
            .compute(move |f| {
                stats(f, &filter, Some(GroupBy::Member), None)
                    .into_iter()
                    .filter_map(|r| Some((r.group?, r.summary.counts)))
                    .collect::<HashMap<_, _>>()
            })
            .await?;

        let mut rows: Vec<DutyRow> = members
            .into_iter()
            .map(|m| {
                let tally = by_member.get(m.id.as_str());
                let counts = DutyCounts {
                    activities: activities.get(&m.id).copied().unwrap_or_default(),
                    opinions: tally.map_or(0, |t| t.count),
                    due: tally.map_or(0, |t| t.due),
                    replied_on_time: tally.map_or(0, |t| t.replied_on_time),
                    rated: tally.map_or(0, |t| t.rated),
                    rating_sum: tally.map_or(0, |t| t.rating_sum),
                };
                let score = score(&counts, &self.duty_rule);
                let station_name = m.station.as_ref().and_then(|s| catalog.station(s)).map(|s| s.name.clone());
                DutyRow { member: m.clone(), station_name, counts, score, rank: 0 }
            })
            .collect();
        // Ranked by the score as published (to hundredths), so that equal scores shown share a rank.
        let shown = |r: &DutyRow| hundredths(r.score.total);
        rows.sort_by(|a, b| shown(b).total_cmp(&shown(a)).then_with(|| a.member.id.cmp(&b.member.id)));
        for i in 0..rows.len() {
            rows[i].rank = if i > 0 && shown(&rows[i]) == shown(&rows[i - 1]) { rows[i - 1].rank } else { i + 1 };
        }
        Ok(DutyTable { year, body, rule: self.duty_rule.clone(), rows })
    }

    /// A member's report card for `year` (this year by default), ranked among their body.
    pub async fn duty_card(&self, member: &str, year: Option<i32>) -> Result<DutyCard> {
        let year = Some(self.duty_year(year)?);
        let id = MemberId::new(member)
            .ok()
            .filter(|id| self.catalog().member(id).is_some())
            .ok_or_else(|| ServiceError::not_found("member", member))?;
        let body = self.catalog().member(&id).map(|m| m.body);
        let table = self.duty_table(year, body).await?;
        let (first, last) = year_bounds(table.year);
        let of = table.rows.len();
        let Some(row) = table.rows.into_iter().find(|r| r.member.id == id) else {
            return Err(ServiceError::NotFound {
                code: "not_in_term",
                message: format!("member {member:?} was not in term in {}", table.year),
            });
        };
        let activities = self
            .store
            .activities(&ActivityFilter {
                member: Some(id),
                from: Some(first),
                to: Some(last),
                limit: usize::MAX,
                ..Default::default()
            })
            .await?;
        Ok(DutyCard { year: table.year, rule: table.rule, row, of, activities })
    }
}

/// The first and last day of a year.
fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    (first, last)
}

/// Midnight at the start of a day in Shanghai, as Unix seconds.
fn start_of(day: NaiveDate) -> i64 {
    shanghai().from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default()).single().map_or(0, |t| t.timestamp())
}

/// Points rounded to hundredths, as answers show them.
fn hundredths(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One item of the scoring rule.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RuleItemView {
    /// `reception`, `consultation`, `research`, `inspection`, `river_patrol`, `opinion_received`,
    /// `replied_on_time`, `replied_late` or `rating`.
    pub item: &'static str,
    /// Points per unit.
    pub points: f64,
    /// The most the item adds in a year.
    pub max: Option<f64>,
    /// The most it takes away (negative).
    pub min: Option<f64>,
}

/// The rule as answers list it.
pub fn rule_view(rule: &ScoringRule) -> Vec<RuleItemView> {
    rule.weights
        .iter()
        .map(|(i, w)| RuleItemView { item: i.code(), points: w.points, max: w.max, min: w.min })
        .collect()
}

/// What a member's year counts.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DutyCountsView {
    /// Activities attended, by kind.
    pub reception: u32,
    pub consultation: u32,
    pub research: u32,
    pub inspection: u32,
    pub river_patrol: u32,
    /// Opinions routed to the member, submitted in the year.
    pub opinion_received: u32,
    /// Of those, due in the year with the due date passed.
    pub due: u32,
    pub replied_on_time: u32,
    pub replied_late: u32,
    /// Rated replies and their mean stars (null without ratings).
    pub rated: u32,
    pub mean_rating: Option<f64>,
}

/// Points one item gave.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ScorePartView {
    pub item: &'static str,
    /// Units in the year (for `rating`: stars of mean rating above 3).
    pub units: f64,
    pub points: f64,
}

/// One member's duty record for a year.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DutyRowView {
    pub rank: usize,
    pub member_id: String,
    pub name: String,
    #[schema(value_type = String, example = "npc_deputy")]
    pub body: Body,
    #[schema(value_type = String, example = "district")]
    pub level: crate::domain::Level,
    pub sector: String,
    pub station_id: Option<String>,
    pub station_name: Option<String>,
    pub counts: DutyCountsView,
    pub parts: Vec<ScorePartView>,
    /// The duty score, rounded to hundredths.
    pub score: f64,
}

impl DutyRow {
    pub fn view(&self) -> DutyRowView {
        let c = &self.counts;
        let of = |k| c.activities_of(k);
        DutyRowView {
            rank: self.rank,
            member_id: self.member.id.to_string(),
            name: self.member.name.clone(),
            body: self.member.body,
            level: self.member.level,
            sector: self.member.sector.clone(),
            station_id: self.member.station.as_ref().map(|s| s.to_string()),
            station_name: self.station_name.clone(),
            counts: DutyCountsView {
                reception: of(ActivityKind::Reception),
                consultation: of(ActivityKind::Consultation),
                research: of(ActivityKind::Research),
                inspection: of(ActivityKind::Inspection),
                river_patrol: of(ActivityKind::RiverPatrol),
                opinion_received: c.opinions,
                due: c.due,
                replied_on_time: c.replied_on_time,
                replied_late: c.due - c.replied_on_time.min(c.due),
                rated: c.rated,
                mean_rating: c.mean_rating(),
            },
            parts: self
                .score
                .parts
                .iter()
                .map(|p| ScorePartView {
                    item: p.item.code(),
                    units: hundredths(p.units),
                    points: hundredths(p.points),
                })
                .collect(),
            score: hundredths(self.score.total),
        }
    }
}

/// Every member's duty record for a year, best score first.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DutyTableView {
    pub year: i32,
    /// The body asked for; null for all members.
    #[schema(value_type = Option<String>, example = "npc_deputy")]
    pub body: Option<Body>,
    pub rule: Vec<RuleItemView>,
    pub members: Vec<DutyRowView>,
}

impl DutyTable {
    pub fn view(&self) -> DutyTableView {
        DutyTableView {
            year: self.year,
            body: self.body,
            rule: rule_view(&self.rule),
            members: self.rows.iter().map(DutyRow::view).collect(),
        }
    }
}

/// One activity on a report card.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CardActivityView {
    pub id: i64,
    #[schema(value_type = String, example = "reception")]
    pub kind: ActivityKind,
    pub date: NaiveDate,
    pub station_id: String,
    pub title: String,
    pub visitors: u32,
}

/// A member's report card: their record, ranked among their body, and the year's activities.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DutyCardView {
    pub year: i32,
    pub rule: Vec<RuleItemView>,
    pub record: DutyRowView,
    /// How many members of the same body were ranked.
    pub of: usize,
    pub activities: Vec<CardActivityView>,
}

impl DutyCard {
    pub fn view(&self) -> DutyCardView {
        DutyCardView {
            year: self.year,
            rule: rule_view(&self.rule),
            record: self.row.view(),
            of: self.of,
            activities: self
                .activities
                .iter()
                .map(|a| CardActivityView {
                    id: a.id,
                    kind: a.kind,
                    date: a.date,
                    station_id: a.station.to_string(),
                    title: a.title.clone(),
                    visitors: a.visitors,
                })
                .collect(),
        }
    }
}
