//! Early warnings (预警): the (area, category) cells whose opinions of one week surge above that
//! cell's own baseline, the mean of the [`BASELINE_WEEKS`] weeks before it. A cell warns when its
//! week holds at least [`MIN_COUNT`] opinions and a Poisson count with the baseline's mean would
//! reach that many with probability below [`ALPHA`]; see `docs/analytics.md` for why.
//!
//! No positions here: areas are the towns and grid areas opinions were routed to. Times are Unix
//! seconds; weeks run from Monday 00:00 to the next Monday 00:00 in Asia/Shanghai (UTC+8) and are
//! named by their Monday's day number (days since 1970-01-01).

use std::collections::HashMap;

use super::day_start;
use super::facts::{category_at, Facts, NONE};
use crate::domain::Category;

/// Weeks before the judged one whose mean is its expected count.
pub const BASELINE_WEEKS: usize = 8;
/// The least expected count: a cell without history still expects half an opinion a week, so a
/// single opinion there is no surprise.
pub const MIN_EXPECTED: f64 = 0.5;
/// The fewest opinions a warning is about: fewer are a handful of people, not a surge.
pub const MIN_COUNT: u32 = 5;
/// The largest one-sided Poisson p-value that warns. Each district week tests a few hundred
/// cells, so a larger α would warn every week on steady data.
pub const ALPHA: f64 = 0.001;
/// The most opinion ids a warning lists (its `count` is always the whole week's).
pub const MAX_IDS: usize = 200;

/// What a warning's area is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    /// Towns and streets (街道/镇), by area code.
    Town,
    /// Grid areas (网格), by grid id.
    Grid,
}

/// How surprising a week's count is against its baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Surprise {
    /// The baseline's mean, at least [`MIN_EXPECTED`].
    pub expected: f64,
    /// P(X ≥ count) for X ~ Poisson(expected).
    pub p_value: f64,
    /// −log10 of the p-value, computed in log space so that it stays finite when the p-value
    /// underflows.
    pub score: f64,
}

/// The surprise of `count` opinions in a week after weeks of `baseline` counts, whether it warns
/// or not.
pub fn surprise(count: u32, baseline: &[u32]) -> Surprise {
    let mean = if baseline.is_empty() {
        0.0
    } else {
        baseline.iter().map(|&c| f64::from(c)).sum::<f64>() / baseline.len() as f64
    };
    let expected = mean.max(MIN_EXPECTED);
    let ln_p = poisson_ln_tail(count, expected);
    Surprise { expected, p_value: ln_p.exp(), score: -ln_p / std::f64::consts::LN_10 }
}

/// The surprise of `count` after `baseline`, if it warns: at least [`MIN_COUNT`] opinions and a
/// p-value below [`ALPHA`].
///
/// # Examples
///
/// ```
/// use liaison::analytics::warnings::warns;
/// assert!(warns(3, &[0; 8]).is_none(), "too few to be a surge");
/// assert!(warns(12, &[3; 8]).is_some_and(|s| s.score > 3.0));
/// assert!(warns(7, &[3; 8]).is_none(), "7 after a steady 3 happens about one week in 30");
/// ```
pub fn warns(count: u32, baseline: &[u32]) -> Option<Surprise> {
    if count < MIN_COUNT {
        return None;
    }
    let s = surprise(count, baseline);
    (s.p_value < ALPHA).then_some(s)
}

/// ln P(X ≥ k) for X ~ Poisson(λ): a sum of the probability mass in log space, from its largest
/// term, so that tiny tails keep their digits (no `1 − cdf` when the tail is small). λ must be
/// finite and non-negative; anything else is treated as "no information" (ln 1 = 0).
///
/// # Examples
///
/// ```
/// use liaison::analytics::warnings::poisson_ln_tail;
/// let p = poisson_ln_tail(2, 1.0).exp();
/// assert!((p - (1.0 - 2.0 / std::f64::consts::E)).abs() < 1e-15);
/// assert!(poisson_ln_tail(1_000, 1.0) < -5_000.0, "far below f64's smallest number, still finite");
/// ```
pub fn poisson_ln_tail(k: u32, lambda: f64) -> f64 {
    if k == 0 || !lambda.is_finite() || lambda < 0.0 {
        return 0.0;
    }
    if lambda == 0.0 {
        return f64::NEG_INFINITY;
    }
    let ln_pmf = |j: f64| j * lambda.ln() - lambda - ln_factorial(j);
    let k = f64::from(k);
    if k > lambda {
        // Terms fall from j = k on (each is the one before times λ / j < 1): sum them relative
        // to the first until they no longer change the sum.
        let (mut term, mut sum, mut j) = (1.0_f64, 1.0_f64, k);
        loop {
            j += 1.0;
            term *= lambda / j;
            sum += term;
            if term <= sum * 1e-17 {
                break;
            }
        }
        ln_pmf(k) + sum.ln()
    } else {
        // The tail holds the mode, so it is large (above ~0.4): 1 − P(X ≤ k − 1) loses nothing.
        // The lower sum's terms fall from j = k − 1 down.
        let (mut term, mut sum, mut j) = (1.0_f64, 1.0_f64, k - 1.0);
        while j > 0.0 {
            term *= j / lambda;
            sum += term;
            if term <= sum * 1e-17 {
                break;
            }
            j -= 1.0;
        }
        let lower = (ln_pmf(k - 1.0) + sum.ln()).exp();
        (-lower).ln_1p()
    }
}

/// P(X ≥ k) for X ~ Poisson(λ) (0 where it underflows; see [`poisson_ln_tail`]).
pub fn poisson_tail(k: u32, lambda: f64) -> f64 {
    poisson_ln_tail(k, lambda).exp()
}

/// ln(n!) for a whole n ≥ 0: summed below 64, Stirling's series with three corrections above
/// (its error there is below 1/(1680 n⁷), far under f64's resolution).
fn ln_factorial(n: f64) -> f64 {
    if n < 64.0 {
        return (2..n as u32 + 1).map(|i| f64::from(i).ln()).sum();
    }
    let (n2, n3) = (n * n, n * n * n);
    n * n.ln() - n + 0.5 * (std::f64::consts::TAU * n).ln() + 1.0 / (12.0 * n) - 1.0 / (360.0 * n3)
        + 1.0 / (1260.0 * n3 * n2)
}

/// The Monday (day number) of the week holding a day.
pub fn monday_of(day: i32) -> i32 {
    // 1970-01-01 was a Thursday, three days after a Monday.
    day - (day + 3).rem_euclid(7)
}

/// A cell that warns in the judged week.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// The town's area code or the grid's id.
    pub area: String,
    pub category: Category,
    /// Opinions created in the judged week.
    pub count: u32,
    pub surprise: Surprise,
    /// Ids of the week's opinions in the cell, ascending, at most [`MAX_IDS`].
    pub opinion_ids: Vec<i64>,
}

/// One cell's counts: the baseline weeks, oldest first, then the judged week.
#[derive(Default)]
struct CellWeeks {
    counts: [u32; BASELINE_WEEKS + 1],
    ids: Vec<i64>,
}

/// Every cell of `level` (and of `category`, when given) that warns in the week beginning on day
/// `week` (a Monday's day number; any other day is taken as the start of a seven-day week), most
/// surprising first (then by area and category). Opinions outside every area of the level are
/// left out. One scan over the facts of the nine weeks.
pub fn weekly_warnings(facts: &Facts, week: i32, level: WarningLevel, category: Option<Category>) -> Vec<Warning> {
    let baseline_days = 7 * BASELINE_WEEKS as i32;
    let (from, judged, to) = (day_start(week - baseline_days), day_start(week), day_start(week + 7));
    let (areas, names) = match level {
        WarningLevel::Town => (&facts.town, &facts.towns),
        WarningLevel::Grid => (&facts.grid, &facts.grids),
    };
    let wanted = category.map(|c| c as u8);
    let mut cells: HashMap<(u32, u8), CellWeeks> = HashMap::new();
    for (r, &t) in facts.created.iter().enumerate() {
        if t < from || t >= to || areas[r] == NONE || wanted.is_some_and(|c| facts.category[r] != c) {
            continue;
        }
        let cell = cells.entry((areas[r], facts.category[r])).or_default();
        // from ≤ t < from + 9 weeks, so this is 0..=BASELINE_WEEKS.
        let w = ((t - from) / (7 * 86_400)) as usize;
        cell.counts[w] += 1;
        if t >= judged {
            cell.ids.push(facts.ids[r]);
        }
    }
    let mut out: Vec<Warning> = cells
        .into_iter()
        .filter_map(|((area, category), mut cell)| {
            let count = cell.counts[BASELINE_WEEKS];
            let surprise = warns(count, &cell.counts[..BASELINE_WEEKS])?;
            cell.ids.sort_unstable();
            cell.ids.truncate(MAX_IDS);
            Some(Warning {
                area: names.name(area)?.to_owned(),
                category: category_at(category),
                count,
                surprise,
                opinion_ids: cell.ids,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.surprise.score.total_cmp(&a.surprise.score).then_with(|| (&a.area, a.category).cmp(&(&b.area, b.category)))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OpinionFact, Status};
    use crate::sample::SplitMix64;

    /// P(X ≥ k) by brute force: every mass from P(X = 0) = e^−λ up by the recurrence
    /// P(j) = P(j − 1) λ / j, summed from k until the terms vanish.
    fn brute_tail(k: u32, lambda: f64) -> f64 {
        let (mut pmf, mut tail) = ((-lambda).exp(), 0.0);
        let mut j = 0u32;
        loop {
            if j >= k {
                tail += pmf;
                if f64::from(j) > lambda && pmf <= tail * 1e-18 {
                    return tail;
                }
            }
            j += 1;
            pmf *= lambda / f64::from(j);
            if pmf == 0.0 && f64::from(j) > lambda {
                return tail;
            }
        }
    }

    #[test]
    fn the_poisson_tail_matches_a_brute_force_sum_of_the_mass() {
        let mut rng = SplitMix64::new(7);
        let mut pairs: Vec<(u32, f64)> = Vec::new();
        for lambda in [0.01, 0.5, 1.0, 2.5, 3.0, 7.3, 10.0, 30.0, 99.5, 250.0, 500.0] {
            let top = (4.0 * lambda + 60.0) as u32;
            pairs.extend((0..=top).map(|k| (k, lambda)));
        }
        for _ in 0..5_000 {
            let lambda = 10f64.powf(rng.between(-2.0, 2.6));
            pairs.push((rng.below((5.0 * lambda + 40.0) as usize) as u32, lambda));
        }
        let mut checked = 0;
        for (k, lambda) in pairs {
            let want = brute_tail(k, lambda);
            // The brute force itself loses its digits among subnormal numbers.
            if want < 1e-290 {
                continue;
            }
            let got = poisson_tail(k, lambda);
            let rel = (got - want).abs() / want;
            assert!(rel < 1e-9, "P(X >= {k} | λ = {lambda}) = {got}, brute force {want} (relative error {rel:e})");
            checked += 1;
        }
        assert!(checked > 8_000, "{checked}");
    }

    #[test]
    fn the_poisson_tail_has_its_closed_forms_and_edges() {
        for lambda in [0.1_f64, 1.0, 4.0, 20.0] {
            let e = (-lambda).exp();
            assert_eq!(poisson_tail(0, lambda), 1.0);
            assert!((poisson_tail(1, lambda) - (1.0 - e)).abs() < 1e-15);
            assert!((poisson_tail(2, lambda) - (1.0 - e * (1.0 + lambda))).abs() < 1e-15);
        }
        assert_eq!(poisson_tail(1, 0.0), 0.0);
        // P(X ≥ 200 | λ = 0.5): ln p = 200 ln 0.5 − 0.5 − ln 200! + ln(1 + 0.5/201 + 0.5²/(201·202) + …), far past
        // f64's range as a number but finite as a score.
        let ln_p = poisson_ln_tail(200, 0.5);
        let want = 200.0 * 0.5f64.ln() - 0.5 - ln_factorial(200.0)
            + (1.0_f64 + 0.5 / 201.0 + 0.25 / (201.0 * 202.0) + 0.125 / (201.0 * 202.0 * 203.0)).ln();
        assert!((ln_p - want).abs() < 1e-9, "{ln_p} vs {want}");
        assert!(
            ln_factorial(200.0) > 0.0
                && (ln_factorial(64.0) - (1..=64).map(|i| f64::from(i).ln()).sum::<f64>()).abs() < 1e-12
        );
    }

    #[test]
    fn a_steady_baseline_warns_only_at_a_surge_and_not_below_min_count() {
        assert!(warns(4, &[0; 8]).is_none(), "4 opinions is not a surge, however quiet before");
        let s = warns(5, &[0; 8]).expect("5 after nothing warns");
        assert_eq!(s.expected, MIN_EXPECTED);
        assert!(warns(8, &[3; 8]).is_none());
        let s = warns(13, &[3; 8]).expect("13 after a steady 3 warns");
        assert!((s.score - -poisson_tail(13, 3.0).log10()).abs() < 1e-9);
        assert!(warns(13, &[13, 12, 14, 13, 11, 15, 13, 12]).is_none(), "a busy cell's usual week");
    }

    #[test]
    fn weeks_begin_on_monday() {
        let monday = super::super::day_number(chrono::NaiveDate::from_ymd_opt(2026, 11, 9).unwrap());
        for d in 0..7 {
            assert_eq!(monday_of(monday + d), monday);
        }
        assert_eq!(monday_of(monday - 1), monday - 7);
        assert_eq!(monday_of(0), -3, "1969-12-29 was a Monday");
    }

    const TOWNS: [&str; 17] = [
        "330203001",
        "330203002",
        "330203003",
        "330203004",
        "330203005",
        "330203006",
        "330203007",
        "330203008",
        "330203009",
        "330203010",
        "330203011",
        "330203012",
        "330203013",
        "330203101",
        "330203102",
        "330203103",
        "330203104",
    ];

    /// A Poisson draw by inversion (Knuth's product of uniforms is fine for small λ).
    fn poisson(rng: &mut SplitMix64, lambda: f64) -> u32 {
        let (limit, mut product, mut k) = ((-lambda).exp(), rng.unit(), 0);
        while product > limit {
            product *= rng.unit();
            k += 1;
        }
        k
    }

    /// Opinions of `weeks` weeks ending before day `end` (a Monday): for every town and category,
    /// a Poisson(λ) count a week, plus `surge` more in one cell's last week.
    fn steady_facts(
        rng: &mut SplitMix64,
        end: i32,
        weeks: i32,
        lambda: f64,
        surge: Option<(&str, Category, u32)>,
    ) -> Facts {
        let mut facts = Vec::new();
        for w in 0..weeks {
            let monday = end - 7 * (weeks - w);
            for town in TOWNS {
                for &category in Category::ALL {
                    let mut n = poisson(rng, lambda);
                    if w == weeks - 1 && surge.is_some_and(|(t, c, _)| t == town && c == category) {
                        n += surge.map_or(0, |s| s.2);
                    }
                    for _ in 0..n {
                        let created = day_start(monday) + (rng.unit() * 7.0 * 86_400.0) as i64;
                        facts.push((town, category, created));
                    }
                }
            }
        }
        Facts::build(
            facts.iter().enumerate().map(|(i, &(town, category, created))| OpinionFact {
                id: i as i64 + 1,
                lon: 121.5,
                lat: 29.85,
                category,
                status: Status::Submitted,
                rating: None,
                town: Some(town),
                grid: None,
                station: None,
                members: vec![],
                created,
                registered: None,
                replied: None,
                due: None,
            }),
            0,
        )
    }

    #[test]
    fn an_injected_surge_is_flagged_in_its_week_and_cell() {
        let end = monday_of(20_000) + 7;
        let mut rng = SplitMix64::new(11);
        let facts = steady_facts(&mut rng, end, 9, 2.0, Some(("330203005", Category::Noise, 15)));
        let week = end - 7;
        let found = weekly_warnings(&facts, week, WarningLevel::Town, None);
        let w = found.first().expect("the surge warns");
        assert_eq!((w.area.as_str(), w.category), ("330203005", Category::Noise));
        assert!(w.count >= 15 && w.surprise.p_value < ALPHA && w.surprise.score > 3.0, "{w:?}");
        let (from, to) = (day_start(week), day_start(week + 7));
        let mut ids: Vec<i64> = (0..facts.len())
            .filter(|&r| {
                facts.created[r] >= from
                    && facts.created[r] < to
                    && facts.towns.name(facts.town[r]) == Some("330203005")
                    && category_at(facts.category[r]) == Category::Noise
            })
            .map(|r| facts.ids[r])
            .collect();
        ids.sort_unstable();
        assert_eq!((w.count as usize, &w.opinion_ids), (ids.len(), &ids));
        assert!(found.windows(2).all(|p| p[0].surprise.score >= p[1].surprise.score));
        let only = weekly_warnings(&facts, week, WarningLevel::Town, Some(Category::Noise));
        assert_eq!(only.first().map(|w| (&w.area, w.count)), Some((&w.area, w.count)));
        assert!(only.iter().all(|w| w.category == Category::Noise));
        let week_before = weekly_warnings(&facts, week - 7, WarningLevel::Town, Some(Category::Noise));
        assert!(week_before.iter().all(|w| w.area != "330203005"), "the surge is in its own week only");
        assert!(weekly_warnings(&facts, week, WarningLevel::Grid, None).is_empty(), "no opinion has a grid");
    }

    #[test]
    fn steady_poisson_weeks_raise_few_false_alarms() {
        // λ = 3 a week for a year in 17 towns × 13 categories; every week after the first eight
        // is judged against the eight before it.
        let (weeks, lambda) = (52, 3.0);
        let end = monday_of(20_000) + 7;
        let mut rng = SplitMix64::new(2026);
        let facts = steady_facts(&mut rng, end, weeks, lambda, None);
        let judged_weeks = weeks - BASELINE_WEEKS as i32;
        let mut alarms = 0;
        for w in 0..judged_weeks {
            alarms += weekly_warnings(&facts, end - 7 * (w + 1), WarningLevel::Town, None).len();
        }
        let tests = judged_weeks as usize * TOWNS.len() * Category::ALL.len();
        let rate = alarms as f64 / tests as f64;
        println!("steady Poisson(λ = {lambda}): {alarms} warnings in {tests} cell-weeks, false-alarm rate {rate:.2e}");
        assert!(rate < ALPHA * 5.0, "{alarms} of {tests}: {rate}");
    }

    /// The warnings of every week of the sample's history (opinions spread evenly over two years,
    /// so every warning is a false alarm) after its first [`BASELINE_WEEKS`], of `n` opinions: the
    /// number of warnings and of judged (area, category, week) cells, by level.
    fn sample_alarms(n: usize) -> Vec<(WarningLevel, usize, usize)> {
        use crate::sample::history::{history, history_end, HISTORY_DAYS};
        let catalog = crate::catalog::Catalog::build(crate::sample::generate().into_data());
        let items = history(&catalog, n);
        let facts = Facts::build(
            items.iter().map(|(o, _)| OpinionFact {
                id: o.id,
                lon: o.submission.location.lon(),
                lat: o.submission.location.lat(),
                category: o.submission.category,
                status: o.status,
                rating: None,
                town: o.routing.town_code.as_ref().map(|c| c.as_str()),
                grid: o.routing.grid.as_ref().map(|g| g.as_str()),
                station: None,
                members: vec![],
                created: o.created_at.timestamp(),
                registered: None,
                replied: None,
                due: None,
            }),
            0,
        );
        let end = super::super::local_day(history_end().timestamp());
        // The first Monday with eight whole weeks of history before it, to the last whole week.
        let first = monday_of(end - HISTORY_DAYS as i32) + 7 * (BASELINE_WEEKS as i32 + 1);
        let weeks: Vec<i32> = (0..).map(|w| first + 7 * w).take_while(|&m| m + 7 <= end).collect();
        let towns = catalog.areas().iter().filter(|a| a.level == crate::domain::AreaLevel::Town).count();
        [(WarningLevel::Town, towns), (WarningLevel::Grid, catalog.grids().len())]
            .into_iter()
            .map(|(level, areas)| {
                let per_week: Vec<usize> =
                    weeks.iter().map(|&m| weekly_warnings(&facts, m, level, None).len()).collect();
                let alarms = per_week.iter().sum();
                let quiet = per_week.iter().filter(|&&a| a == 0).count();
                println!(
                    "{n} opinions, {level:?}: {} weeks judged, {quiet} without a warning, at most {} in one week",
                    weeks.len(),
                    per_week.iter().max().unwrap_or(&0)
                );
                (level, alarms, weeks.len() * areas * Category::ALL.len())
            })
            .collect()
    }

    #[test]
    fn the_samples_steady_history_raises_few_false_alarms() {
        // 6,000 opinions: the sample `liaison serve` loads by default.
        for (level, alarms, cells) in sample_alarms(6_000) {
            let rate = alarms as f64 / cells as f64;
            println!("sample of 6000 opinions, {level:?}: {alarms} warnings in {cells} cell-weeks ({rate:.2e})");
            assert!(rate < ALPHA, "{level:?}: {alarms} of {cells}");
        }
    }

    /// The same at volumes where cells see several opinions a week (minutes in a debug build).
    #[test]
    #[ignore]
    fn false_alarms_of_larger_steady_histories() {
        for n in [60_000, 300_000] {
            for (level, alarms, cells) in sample_alarms(n) {
                let rate = alarms as f64 / cells as f64;
                println!("sample of {n} opinions, {level:?}: {alarms} warnings in {cells} cell-weeks ({rate:.2e})");
            }
        }
    }
}
