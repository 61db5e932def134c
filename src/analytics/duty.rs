//! Members' duty records (履职档案) and their quantitative score (综合量化积分), as Xi'an's
//! Xincheng district keeps them: counts computed from the ledger and the opinion loop, never typed
//! in, weighed by a rule the district writes in a small TOML file. Plain arithmetic, no I/O.
//!
//! The rule gives each item points per unit and optional bounds on what the item adds in a year:
//!
//! | item | one unit is |
//! |------|-------------|
//! | `reception`, `consultation`, `research`, `inspection`, `river_patrol` | an activity of that kind the member attended |
//! | `opinion_received` | an opinion routed to the member (submitted in the year) |
//! | `replied_on_time` | one of those, due in the year, replied by its due date |
//! | `replied_late` | one of those, due in the year and past it, not replied by its due date |
//! | `rating` | a star of the mean rating of those replies above 3 (below 3 counts negative); nothing before a first rating |
//!
//! An item's points are `points × units`, then raised to `min` and lowered to `max` when given;
//! the score is the sum over the items. An item the rule leaves out gives nothing.

use std::str::FromStr;

use serde::Deserialize;

use crate::domain::ActivityKind;

/// What a duty score is made of, in the order the report card lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DutyItem {
    Activity(ActivityKind),
    OpinionReceived,
    RepliedOnTime,
    RepliedLate,
    Rating,
}

impl DutyItem {
    /// Every item, the activities first (in [`ActivityKind::ALL`] order).
    pub fn all() -> impl Iterator<Item = DutyItem> {
        ActivityKind::ALL.iter().map(|&k| DutyItem::Activity(k)).chain([
            DutyItem::OpinionReceived,
            DutyItem::RepliedOnTime,
            DutyItem::RepliedLate,
            DutyItem::Rating,
        ])
    }

    /// The item's key in the rule file, the API and the CSV header.
    pub fn code(self) -> &'static str {
        match self {
            DutyItem::Activity(k) => k.code(),
            DutyItem::OpinionReceived => "opinion_received",
            DutyItem::RepliedOnTime => "replied_on_time",
            DutyItem::RepliedLate => "replied_late",
            DutyItem::Rating => "rating",
        }
    }
}

/// A member's year in numbers: what the score is computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DutyCounts {
    /// Activities attended, by kind, indexed as [`ActivityKind::ALL`].
    pub activities: [u32; ActivityKind::ALL.len()],
    /// Opinions routed to the member, submitted in the year.
    pub opinions: u32,
    /// Of those, due in the year with the due date passed.
    pub due: u32,
    /// Of the due ones, replied by the due date.
    pub replied_on_time: u32,
    /// Ratings of replies to the member's opinions and their sum of stars.
    pub rated: u32,
    pub rating_sum: u32,
}

impl DutyCounts {
    /// Activities of one kind attended.
    pub fn activities_of(&self, kind: ActivityKind) -> u32 {
        ActivityKind::ALL.iter().position(|&k| k == kind).map_or(0, |i| self.activities[i])
    }

    /// Mean stars of the rated replies, if any.
    pub fn mean_rating(&self) -> Option<f64> {
        (self.rated > 0).then(|| f64::from(self.rating_sum) / f64::from(self.rated))
    }

    /// How many units of `item` the year has (for `rating`: stars of mean rating above 3).
    pub fn units(&self, item: DutyItem) -> f64 {
        match item {
            DutyItem::Activity(k) => f64::from(self.activities_of(k)),
            DutyItem::OpinionReceived => f64::from(self.opinions),
            DutyItem::RepliedOnTime => f64::from(self.replied_on_time),
            DutyItem::RepliedLate => f64::from(self.due - self.replied_on_time.min(self.due)),
            DutyItem::Rating => self.mean_rating().map_or(0.0, |m| m - 3.0),
        }
    }
}

/// Points per unit of one item, and the bounds on what it adds in a year.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weight {
    pub points: f64,
    /// The most the item adds (≥ 0).
    pub max: Option<f64>,
    /// The most the item takes away, as a negative number (≤ 0).
    pub min: Option<f64>,
}

impl Weight {
    /// The points `units` of the item give under this weight.
    pub fn points_for(&self, units: f64) -> f64 {
        let raw = self.points * units;
        let raised = self.min.map_or(raw, |lo| raw.max(lo));
        self.max.map_or(raised, |hi| raised.min(hi))
    }
}

/// The file's shape: one optional table per item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    reception: Option<Weight>,
    consultation: Option<Weight>,
    research: Option<Weight>,
    inspection: Option<Weight>,
    river_patrol: Option<Weight>,
    opinion_received: Option<Weight>,
    replied_on_time: Option<Weight>,
    replied_late: Option<Weight>,
    rating: Option<Weight>,
}

/// Why a rule file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    #[error("the duty rule is not valid TOML for it: {0}")]
    Syntax(String),
    #[error("{item}: {what} must be a finite number")]
    NotFinite { item: &'static str, what: &'static str },
    #[error("{item}: max must not be negative (it bounds what the item adds)")]
    NegativeMax { item: &'static str },
    #[error("{item}: min must not be positive (it bounds what the item takes away)")]
    PositiveMin { item: &'static str },
    #[error("the duty rule gives no item any points")]
    Empty,
}

/// How a duty score is computed: a weight for each item the rule names, in [`DutyItem::all`] order.
///
/// # Examples
/// ```
/// use liaison::analytics::duty::{score, DutyCounts, ScoringRule};
/// let rule: ScoringRule = "[reception]\npoints = 2\nmax = 5\n[opinion_received]\npoints = 0.5".parse().unwrap();
/// let year = DutyCounts { activities: [4, 0, 0, 0, 0], opinions: 3, ..Default::default() };
/// assert_eq!(score(&year, &rule).total, 5.0 + 1.5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScoringRule {
    pub weights: Vec<(DutyItem, Weight)>,
}

/// The rule liaison ships with (`src/analytics/duty-rule.toml`), used when none is configured.
pub const DEFAULT_RULE: &str = include_str!("duty-rule.toml");

impl Default for ScoringRule {
    fn default() -> Self {
        DEFAULT_RULE.parse().expect("the shipped duty rule parses")
    }
}

impl FromStr for ScoringRule {
    type Err = RuleError;

    fn from_str(text: &str) -> Result<Self, RuleError> {
        let file: RuleFile = toml::from_str(text).map_err(|e| RuleError::Syntax(e.message().to_owned()))?;
        let given = [
            file.reception,
            file.consultation,
            file.research,
            file.inspection,
            file.river_patrol,
            file.opinion_received,
            file.replied_on_time,
            file.replied_late,
            file.rating,
        ];
        let mut weights = Vec::new();
        for (item, weight) in DutyItem::all().zip(given) {
            let Some(w) = weight else { continue };
            let item_code = item.code();
            for (what, v) in [("points", Some(w.points)), ("max", w.max), ("min", w.min)] {
                if v.is_some_and(|v| !v.is_finite()) {
                    return Err(RuleError::NotFinite { item: item_code, what });
                }
            }
            if w.max.is_some_and(|m| m < 0.0) {
                return Err(RuleError::NegativeMax { item: item_code });
            }
            if w.min.is_some_and(|m| m > 0.0) {
                return Err(RuleError::PositiveMin { item: item_code });
            }
            weights.push((item, w));
        }
        if weights.iter().all(|(_, w)| w.points == 0.0) {
            return Err(RuleError::Empty);
        }
        Ok(Self { weights })
    }
}

/// One line of a score: the item, its units in the year and the points they gave.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorePart {
    pub item: DutyItem,
    pub units: f64,
    pub points: f64,
}

/// A member's score and how it was reached.
#[derive(Debug, Clone, PartialEq)]
pub struct DutyScore {
    pub total: f64,
    /// One part per item the rule weighs, in the rule's order.
    pub parts: Vec<ScorePart>,
}

/// The score of a year under a rule.
pub fn score(counts: &DutyCounts, rule: &ScoringRule) -> DutyScore {
    let parts: Vec<ScorePart> = rule
        .weights
        .iter()
        .map(|&(item, w)| {
            let units = counts.units(item);
            ScorePart { item, units, points: w.points_for(units) }
        })
        .collect();
    DutyScore { total: parts.iter().map(|p| p.points).sum(), parts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year() -> DutyCounts {
        DutyCounts {
            activities: [10, 2, 1, 0, 6],
            opinions: 30,
            due: 20,
            replied_on_time: 17,
            rated: 8,
            rating_sum: 34,
        }
    }

    #[test]
    fn the_shipped_rule_weighs_every_item() {
        let rule = ScoringRule::default();
        let named: Vec<DutyItem> = rule.weights.iter().map(|(i, _)| *i).collect();
        assert_eq!(named, DutyItem::all().collect::<Vec<_>>());
    }

    #[test]
    fn a_score_is_the_sum_of_each_items_bounded_points() {
        let rule: ScoringRule = "
            [reception]
            points = 2
            max = 15
            [consultation]
            points = 3
            [river_patrol]
            points = 1.5
            [opinion_received]
            points = 0.5
            max = 10
            [replied_on_time]
            points = 1
            [replied_late]
            points = -2
            min = -4
            [rating]
            points = 10
        "
        .parse()
        .unwrap();
        let s = score(&year(), &rule);
        // reception 2×10 = 20 → 15; consultation 6; patrol 9; opinions 15 → 10; on time 17;
        // late 3 × −2 = −6 → −4; rating (34/8 − 3) × 10 = 12.5.
        let points: Vec<f64> = s.parts.iter().map(|p| p.points).collect();
        assert_eq!(points, [15.0, 6.0, 9.0, 10.0, 17.0, -4.0, 12.5]);
        assert_eq!(s.total, 65.5);
        assert_eq!(s.parts[5].units, 3.0);
    }

    #[test]
    fn no_ratings_give_no_rating_points_and_a_low_mean_takes_some() {
        let rule: ScoringRule = "[rating]\npoints = 4".parse().unwrap();
        assert_eq!(score(&DutyCounts::default(), &rule).total, 0.0);
        let poor = DutyCounts { rated: 2, rating_sum: 3, ..Default::default() };
        assert_eq!(score(&poor, &rule).total, -6.0);
    }

    #[test]
    fn the_score_grows_with_every_item_of_positive_points() {
        let rule = ScoringRule::default();
        let base = score(&year(), &rule).total;
        for k in 0..ActivityKind::ALL.len() {
            let mut more = year();
            more.activities[k] += 1;
            assert!(score(&more, &rule).total >= base, "{:?}", ActivityKind::ALL[k]);
        }
    }

    #[test]
    fn bad_rules_are_refused_with_the_reason() {
        let err = |t: &str| t.parse::<ScoringRule>().unwrap_err().to_string();
        assert!(
            err("[receptions]\npoints = 1").contains("unknown field `receptions`"),
            "{}",
            err("[receptions]\npoints = 1")
        );
        assert!(err("[reception]\npoint = 1").contains("unknown field `point`"));
        assert!(err("[reception]\nmax = 1").contains("missing field `points`"));
        assert_eq!(err("[reception]\npoints = nan"), "reception: points must be a finite number");
        assert_eq!(err("[reception]\npoints = 1\nmax = -1"), RuleError::NegativeMax { item: "reception" }.to_string());
        assert_eq!(
            err("[replied_late]\npoints = -1\nmin = 2"),
            RuleError::PositiveMin { item: "replied_late" }.to_string()
        );
        assert_eq!(err(""), RuleError::Empty.to_string());
        assert!(err("[reception\npoints = 1").starts_with("the duty rule is not valid TOML"));
    }
}
