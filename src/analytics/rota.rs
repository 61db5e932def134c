//! Reception rota suggestions (接待排班建议): who should receive citizens at a station's coming
//! sessions, so that members whose occupation or sector speaks for what the station's residents
//! raise more and more receive them, and the duty goes round.
//!
//! # The rule
//!
//! 1. **Trends.** For each [`Category`], the opinions of the station's area (routed to the station
//!    or to a grid area it serves) in the last [`RECENT_DAYS`] days up to today are compared with
//!    the [`BASELINE_BLOCKS`] blocks of as many days before them, as the early warnings compare a
//!    week with its baseline ([`crate::analytics::warnings::surprise`]: a Poisson tail with the
//!    blocks' mean, at least 0.5, as expectation). A category is **rising** when it has at least
//!    [`MIN_RECENT`] recent opinions and a count that high would come by chance less than
//!    [`RISING_P`] of the time.
//! 2. **Who speaks for a category.** [`KEYWORDS`] lists, for each category, words of occupations
//!    and sectors (界别); a member speaks for the category when their occupation (first) or sector
//!    contains one. A session's theme names categories too: their Chinese label or a keyword in it.
//! 3. **Score.** For one session, each eligible member (in term on that day) scores
//!    `MATCH_WEIGHT × (rising categories they speak for + theme categories they speak for) − load`,
//!    where `load` is the receptions they attended lately (the activities ledger) plus the
//!    sessions earlier in the same list they receive at (accepted, else suggested). A match is
//!    worth [`MATCH_WEIGHT`] receptions: a teacher who received twice lately still comes before
//!    a member who never did when education opinions rise, but not one who received three times.
//! 4. **Order.** Higher score first; then more matching categories; then more recent opinions in
//!    the rising categories they speak for; then lower load; then member id. The first `k` are
//!    suggested.
//!
//! Plain Rust over [`Facts`]; times are Unix seconds and days Asia/Shanghai calendar days
//! (days since 1970-01-01).

use std::cmp::Reverse;
use std::collections::HashSet;

use super::day_start;
use super::facts::{category_at, Facts, NONE};
use super::warnings::surprise;
use crate::domain::{Category, MemberId};

/// Days of the recent window, today included (four weeks).
pub const RECENT_DAYS: i32 = 28;
/// Blocks of [`RECENT_DAYS`] days before the recent window whose mean is its expected count
/// (eight weeks, as the early warnings' baseline).
pub const BASELINE_BLOCKS: usize = 2;
/// The fewest recent opinions of a rising category: fewer are a handful of people, not a trend.
pub const MIN_RECENT: u32 = 3;
/// The largest chance of the recent count under the baseline for a category to be rising.
pub const RISING_P: f64 = 0.05;
/// How many receptions lately one matching category is worth.
pub const MATCH_WEIGHT: i64 = 2;

/// Words of occupations and sectors (界别) that speak for each category, tried in this order.
/// They are matched as substrings of the member's occupation, then sector, so `医` meets 医生,
/// 乡村医生, 医院院长 and 医药卫生界. `Other` has none.
pub const KEYWORDS: &[(Category, &[&str])] = &[
    (Category::Education, &["教育", "学校", "教师", "校长", "教授", "幼儿园"]),
    (Category::Health, &["医", "卫生", "药", "护士"]),
    (Category::Elderly, &["养老", "社会福利", "社会保障", "社会工作", "社会组织"]),
    (Category::Business, &["企业", "经济", "工商", "银行", "会计"]),
    (Category::Property, &["物业", "住建", "房地产", "社区"]),
    (Category::Garbage, &["环卫", "城管", "社区", "村委会"]),
    (Category::Parking, &["交通", "城管", "街道办事处"]),
    (Category::Roads, &["交通", "工程师", "建设", "街道办事处"]),
    (Category::Noise, &["环保", "城管", "街道办事处"]),
    (Category::Water, &["水利", "水务", "工程师", "村委会"]),
    (Category::Safety, &["律师", "法律", "公安", "警"]),
    (Category::Environment, &["环保", "环境", "生态", "水利", "农业", "农民", "农场"]),
    (Category::Other, &[]),
];

/// One category's opinions in the station's area: recent and before.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub category: Category,
    /// Opinions of the last [`RECENT_DAYS`] days, today included.
    pub recent: u32,
    /// Opinions of each baseline block, oldest first.
    pub baseline: [u32; BASELINE_BLOCKS],
    /// The baseline blocks' mean, at least 0.5.
    pub expected: f64,
    /// P(X ≥ recent) for X ~ Poisson(expected).
    pub p_value: f64,
}

impl Trend {
    /// Whether the category is rising: at least [`MIN_RECENT`] recent opinions, p below [`RISING_P`].
    pub fn rising(&self) -> bool {
        self.recent >= MIN_RECENT && self.p_value < RISING_P
    }
}

/// Every category's trend (in [`Category::ALL`] order) among the opinions routed to one of
/// `stations` or to one of `grids` (ids), for the recent window ending with day `today`.
pub fn trends(facts: &Facts, stations: &[&str], grids: &[&str], today: i32) -> Vec<Trend> {
    let station_set: HashSet<u32> = stations.iter().filter_map(|s| facts.stations.get(s)).collect();
    let grid_set: HashSet<u32> = grids.iter().filter_map(|g| facts.grids.get(g)).collect();
    let blocks = BASELINE_BLOCKS as i32 + 1;
    let first_day = today + 1 - blocks * RECENT_DAYS;
    let (from, to) = (day_start(first_day), day_start(today + 1));
    let mut counts = vec![[0u32; BASELINE_BLOCKS + 1]; Category::ALL.len()];
    let block_s = i64::from(RECENT_DAYS) * 86_400;
    for (r, &t) in facts.created.iter().enumerate() {
        if t < from || t >= to {
            continue;
        }
        let here = (facts.station[r] != NONE && station_set.contains(&facts.station[r]))
            || (facts.grid[r] != NONE && grid_set.contains(&facts.grid[r]));
        if here {
            // from ≤ t < from + 3 blocks, so this is 0..=BASELINE_BLOCKS.
            counts[usize::from(facts.category[r])][((t - from) / block_s) as usize] += 1;
        }
    }
    counts
        .iter()
        .enumerate()
        .map(|(c, blocks)| {
            let recent = blocks[BASELINE_BLOCKS];
            let mut baseline = [0; BASELINE_BLOCKS];
            baseline.copy_from_slice(&blocks[..BASELINE_BLOCKS]);
            let s = surprise(recent, &baseline);
            Trend { category: category_at(c as u8), recent, baseline, expected: s.expected, p_value: s.p_value }
        })
        .collect()
}

/// Where a member's matching word was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Occupation,
    Sector,
}

/// The word that makes a member speak for a category, and where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub word: &'static str,
    pub field: Field,
}

/// The keywords of `category` in [`KEYWORDS`].
pub fn keywords(category: Category) -> &'static [&'static str] {
    KEYWORDS.iter().find(|(c, _)| *c == category).map_or(&[], |(_, words)| words)
}

/// Whether a member of this occupation and sector speaks for `category`: the first keyword met in
/// the occupation, else in the sector.
///
/// # Examples
///
/// ```
/// use liaison::analytics::rota::{speaks_for, Field};
/// use liaison::domain::Category;
///
/// let m = speaks_for("中学教师", "海曙区第3选区", Category::Education).unwrap();
/// assert_eq!((m.word, m.field), ("教师", Field::Occupation));
/// assert_eq!(speaks_for("作家", "医药卫生界", Category::Health).unwrap().field, Field::Sector);
/// assert!(speaks_for("律师", "", Category::Education).is_none());
/// ```
pub fn speaks_for(occupation: &str, sector: &str, category: Category) -> Option<Match> {
    let words = keywords(category);
    let find = |text: &str, field| words.iter().find(|w| text.contains(*w)).map(|&word| Match { word, field });
    find(occupation, Field::Occupation).or_else(|| find(sector, Field::Sector))
}

/// The categories a session's theme names: by their Chinese label or one of their keywords, in
/// [`Category::ALL`] order. `Other` is never named.
pub fn theme_categories(theme: &str) -> Vec<Category> {
    Category::ALL
        .iter()
        .copied()
        .filter(|&c| c != Category::Other)
        .filter(|&c| theme.contains(c.label_zh()) || keywords(c).iter().any(|w| theme.contains(w)))
        .collect()
}

/// A member who may receive at the station.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub id: &'a MemberId,
    pub occupation: &'a str,
    pub sector: &'a str,
    /// Receptions attended lately, from the activities ledger.
    pub receptions: u32,
}

/// One coming session to suggest members for.
#[derive(Debug, Clone)]
pub struct Slot<'a> {
    /// How many members to suggest.
    pub k: usize,
    /// The candidates (indexes) who may receive that day: in term.
    pub eligible: Vec<usize>,
    pub theme: Option<&'a str>,
    /// The candidates (indexes) already accepted for the session, if any: they, not the
    /// suggestion, count towards later sessions' load.
    pub accepted: Option<Vec<usize>>,
}

/// Why a member is suggested.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Opinions of a category they speak for are rising in the station's area.
    Rising {
        category: Category,
        /// Opinions of the last 28 days.
        recent: u32,
        /// The 28 days' expected count (the mean of the 8 weeks before, per 28 days, at least 0.5).
        expected: f64,
        /// The word of their occupation or sector that speaks for the category.
        word: &'static str,
        field: Field,
    },
    /// The session's theme names a category they speak for.
    Theme { category: Category, word: &'static str, field: Field },
    /// Nothing they speak for is rising: they are among those who received least lately.
    FewestReceptions {
        /// Receptions attended lately plus earlier sessions of this list.
        receptions: u32,
    },
}

/// A suggested member for one session.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    /// The candidate's index.
    pub candidate: usize,
    pub score: i64,
    /// Their load when chosen: receptions lately plus earlier sessions of the list.
    pub load: u32,
    pub reasons: Vec<Reason>,
}

/// The ordering key of a candidate: higher score, then more matches, then stronger rising match,
/// then lower load, then lower id first.
type Key<'a> = (Reverse<i64>, Reverse<usize>, Reverse<u32>, u32, &'a MemberId);

/// The suggestions for each slot in order (see the [module documentation](self) for the rule):
/// at most `k` eligible candidates each, best first.
pub fn suggest(candidates: &[Candidate<'_>], trends: &[Trend], slots: &[Slot<'_>]) -> Vec<Vec<Pick>> {
    let rising: Vec<&Trend> = trends.iter().filter(|t| t.rising()).collect();
    let mut earlier = vec![0u32; candidates.len()];
    let mut out = Vec::with_capacity(slots.len());
    for slot in slots {
        let themes = slot.theme.map(theme_categories).unwrap_or_default();
        let mut scored: Vec<(Key<'_>, Pick)> = slot
            .eligible
            .iter()
            .filter(|&&i| i < candidates.len())
            .collect::<HashSet<_>>()
            .into_iter()
            .map(|&i| {
                let c = &candidates[i];
                let mut reasons = Vec::new();
                let mut strength = 0;
                for t in &rising {
                    if let Some(m) = speaks_for(c.occupation, c.sector, t.category) {
                        strength += t.recent;
                        reasons.push(Reason::Rising {
                            category: t.category,
                            recent: t.recent,
                            expected: t.expected,
                            word: m.word,
                            field: m.field,
                        });
                    }
                }
                // The strongest rise first, then category order (stable sort).
                reasons.sort_by_key(|r| match r {
                    Reason::Rising { recent, .. } => Reverse(*recent),
                    _ => Reverse(0),
                });
                for &category in &themes {
                    if let Some(m) = speaks_for(c.occupation, c.sector, category) {
                        reasons.push(Reason::Theme { category, word: m.word, field: m.field });
                    }
                }
                let load = c.receptions.saturating_add(earlier[i]);
                let matches = reasons.len();
                let score = MATCH_WEIGHT * matches as i64 - i64::from(load);
                if reasons.is_empty() {
                    reasons.push(Reason::FewestReceptions { receptions: load });
                }
                let key = (Reverse(score), Reverse(matches), Reverse(strength), load, c.id);
                (key, Pick { candidate: i, score, load, reasons })
            })
            .collect();
        scored.sort_by(|a, b| a.0.cmp(&b.0));
        scored.truncate(slot.k);
        let picks: Vec<Pick> = scored.into_iter().map(|(_, p)| p).collect();
        let receiving: Vec<usize> = match &slot.accepted {
            Some(accepted) => accepted.clone(),
            None => picks.iter().map(|p| p.candidate).collect(),
        };
        for i in receiving.into_iter().filter(|&i| i < candidates.len()) {
            earlier[i] += 1;
        }
        out.push(picks);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::{day_number, local_day};
    use crate::domain::{OpinionFact, Status};
    use crate::sample::SplitMix64;

    fn id(s: &str) -> MemberId {
        MemberId::new(s).unwrap()
    }

    fn trend(category: Category, recent: u32, baseline: [u32; 2]) -> Trend {
        let s = surprise(recent, &baseline);
        Trend { category, recent, baseline, expected: s.expected, p_value: s.p_value }
    }

    /// Quiet everywhere but `rising` (recent, baseline per block).
    fn quiet_but(rising: &[(Category, u32, u32)]) -> Vec<Trend> {
        Category::ALL
            .iter()
            .map(|&c| match rising.iter().find(|r| r.0 == c) {
                Some(&(_, recent, base)) => trend(c, recent, [base, base]),
                None => trend(c, 0, [0, 0]),
            })
            .collect()
    }

    fn slot(k: usize, eligible: Vec<usize>) -> Slot<'static> {
        Slot { k, eligible, theme: None, accepted: None }
    }

    fn chosen<'a>(candidates: &'a [Candidate<'a>], picks: &[Pick]) -> Vec<&'a str> {
        picks.iter().map(|p| candidates[p.candidate].id.as_str()).collect()
    }

    #[test]
    fn every_category_but_other_has_keywords_and_the_samples_occupations_meet_them() {
        for &c in Category::ALL {
            assert_eq!(keywords(c).is_empty(), c == Category::Other, "{c:?}");
        }
        // The sample's occupations (data/members.csv) that should speak for each category.
        let cases = [
            ("中学教师", Category::Education),
            ("小学校长", Category::Education),
            ("大学教授", Category::Education),
            ("小学教师", Category::Education),
            ("医生", Category::Health),
            ("乡村医生", Category::Health),
            ("医院院长", Category::Health),
            ("药剂师", Category::Health),
            ("养老机构负责人", Category::Elderly),
            ("社会工作者", Category::Elderly),
            ("企业负责人", Category::Business),
            ("银行支行行长", Category::Business),
            ("个体工商户", Category::Business),
            ("社区党委书记", Category::Property),
            ("律师", Category::Safety),
            ("律师事务所主任", Category::Safety),
            ("工程师", Category::Roads),
            ("家庭农场主", Category::Environment),
            ("街道办事处干部", Category::Parking),
        ];
        for (occupation, category) in cases {
            assert!(speaks_for(occupation, "", category).is_some(), "{occupation} speaks for {category:?}");
        }
        for (sector, category) in [
            ("教育界", Category::Education),
            ("医药卫生界", Category::Health),
            ("经济界", Category::Business),
            ("社会福利和社会保障界", Category::Elderly),
            ("农业界", Category::Environment),
        ] {
            assert_eq!(speaks_for("作家", sector, category).map(|m| m.field), Some(Field::Sector), "{sector}");
        }
        assert!(speaks_for("书画家", "海曙区第3选区", Category::Education).is_none());
        assert!(speaks_for("律师", "", Category::Health).is_none());
    }

    #[test]
    fn themes_name_categories_by_label_or_keyword() {
        assert_eq!(theme_categories("义务教育招生政策"), [Category::Education]);
        assert_eq!(theme_categories("养老服务与医疗"), [Category::Elderly, Category::Health]);
        assert_eq!(theme_categories("医疗卫生"), [Category::Health]);
        assert!(theme_categories("学习日").is_empty());
        assert!(theme_categories("网上接待").is_empty());
    }

    #[test]
    fn rising_needs_a_few_opinions_above_the_baseline() {
        assert!(trend(Category::Education, 8, [1, 1]).rising());
        assert!(trend(Category::Education, 3, [0, 0]).rising(), "3 after nothing: p ≈ 0.014");
        assert!(!trend(Category::Education, 2, [0, 0]).rising(), "fewer than MIN_RECENT");
        assert!(!trend(Category::Education, 8, [8, 7]).rising(), "the usual month");
    }

    #[test]
    fn education_opinions_rising_before_enrolment_bring_the_teachers_forward() {
        let (a, b, c, d) = (id("A"), id("B"), id("C"), id("D"));
        let candidates = [
            Candidate { id: &a, occupation: "企业负责人", sector: "海曙区第1选区", receptions: 0 },
            Candidate { id: &b, occupation: "中学教师", sector: "海曙区第1选区", receptions: 2 },
            Candidate { id: &c, occupation: "社区党委书记", sector: "海曙区第1选区", receptions: 0 },
            Candidate { id: &d, occupation: "医生", sector: "海曙区第1选区", receptions: 1 },
        ];
        let all = vec![0, 1, 2, 3];
        // Quiet: the two who received least, by id.
        let quiet = suggest(&candidates, &quiet_but(&[]), &[slot(2, all.clone())]);
        assert_eq!(chosen(&candidates, &quiet[0]), ["A", "C"]);
        assert_eq!(quiet[0][0].reasons, [Reason::FewestReceptions { receptions: 0 }]);
        // Education opinions rise: the teacher comes first despite two receptions lately.
        let trends = quiet_but(&[(Category::Education, 9, 1)]);
        let picks = suggest(&candidates, &trends, &[slot(2, all.clone())]);
        assert_eq!(chosen(&candidates, &picks[0]), ["B", "A"]);
        match &picks[0][0].reasons[..] {
            [Reason::Rising {
                category: Category::Education, recent: 9, word: "教师", field: Field::Occupation,
            ..
            }] => {}
            other => panic!("{other:?}"),
        }
        // A themed enrolment session does the same without any rise.
        let themed = Slot { theme: Some("义务教育招生政策"), ..slot(1, all.clone()) };
        let picks = suggest(&candidates, &quiet_but(&[]), &[themed]);
        assert_eq!(chosen(&candidates, &picks[0]), ["B"]);
        assert!(matches!(picks[0][0].reasons[..], [Reason::Theme { category: Category::Education, .. }]));
    }

    #[test]
    fn the_duty_goes_round_over_the_sessions_of_a_list() {
        let ids: Vec<MemberId> = ["A", "B", "C", "D"].iter().map(|s| id(s)).collect();
        let candidates: Vec<Candidate> =
            ids.iter().map(|id| Candidate { id, occupation: "农民", sector: "", receptions: 0 }).collect();
        let slots = vec![slot(2, vec![0, 1, 2, 3]); 3];
        let picks = suggest(&candidates, &quiet_but(&[]), &slots);
        let names: Vec<Vec<&str>> = picks.iter().map(|p| chosen(&candidates, p)).collect();
        assert_eq!(names, [["A", "B"], ["C", "D"], ["A", "B"]]);
        // Whoever received most lately comes last.
        let mut busy = candidates.clone();
        busy[0].receptions = 5;
        busy[2].receptions = 1;
        let picks = suggest(&busy, &quiet_but(&[]), &[slot(3, vec![0, 1, 2, 3])]);
        assert_eq!(chosen(&busy, &picks[0]), ["B", "D", "C"]);
        // An accepted rota, not the suggestion, counts for later sessions.
        let first = Slot { accepted: Some(vec![3]), ..slot(1, vec![0, 1, 2, 3]) };
        let picks = suggest(&candidates, &quiet_but(&[]), &[first, slot(2, vec![0, 1, 2, 3])]);
        assert_eq!(chosen(&candidates, &picks[0]), ["A"]);
        assert_eq!(chosen(&candidates, &picks[1]), ["A", "B"], "D received at the first session, A did not");
    }

    #[test]
    fn a_member_out_of_term_is_never_suggested() {
        let (a, b) = (id("A"), id("B"));
        let candidates = [
            Candidate { id: &a, occupation: "中学教师", sector: "教育界", receptions: 0 },
            Candidate { id: &b, occupation: "农民", sector: "", receptions: 9 },
        ];
        let trends = quiet_but(&[(Category::Education, 20, 0)]);
        // A's term has ended by the session: only B is eligible, however many are asked for.
        let picks = suggest(&candidates, &trends, &[slot(2, vec![1])]);
        assert_eq!(chosen(&candidates, &picks[0]), ["B"]);
        assert!(suggest(&candidates, &trends, &[slot(2, vec![])])[0].is_empty());
    }

    /// The same rule written plainly: scores from scratch, every k-subset of the eligible tried,
    /// the best by total score, then by the sorted keys.
    fn naive(candidates: &[Candidate<'_>], trends: &[Trend], slots: &[Slot<'_>]) -> Vec<Vec<usize>> {
        let mut load: Vec<u32> = candidates.iter().map(|c| c.receptions).collect();
        let mut out = Vec::new();
        for slot in slots {
            let key = |i: usize| {
                let c = &candidates[i];
                let mut matches = 0i64;
                let mut strength = 0u32;
                for t in trends.iter().filter(|t| t.recent >= MIN_RECENT && t.p_value < RISING_P) {
                    let words = KEYWORDS.iter().find(|k| k.0 == t.category).unwrap().1;
                    if words.iter().any(|w| c.occupation.contains(w) || c.sector.contains(w)) {
                        matches += 1;
                        strength += t.recent;
                    }
                }
                if let Some(theme) = slot.theme {
                    for &(cat, words) in KEYWORDS {
                        let named = cat != Category::Other
                            && (theme.contains(cat.label_zh()) || words.iter().any(|w| theme.contains(w)));
                        if named && words.iter().any(|w| c.occupation.contains(w) || c.sector.contains(w)) {
                            matches += 1;
                        }
                    }
                }
                let score = 2 * matches - i64::from(load[i]);
                (score, matches, strength, load[i], c.id.clone())
            };
            let mut eligible = slot.eligible.clone();
            eligible.sort_unstable();
            eligible.dedup();
            let k = slot.k.min(eligible.len());
            type NaiveKey = (Reverse<i64>, Reverse<i64>, Reverse<u32>, u32, MemberId);
            let mut best: Option<(i64, Vec<NaiveKey>, Vec<usize>)> = None;
            for mask in 0u32..(1 << eligible.len()) {
                if mask.count_ones() as usize != k {
                    continue;
                }
                let set: Vec<usize> =
                    eligible.iter().enumerate().filter(|(b, _)| mask >> b & 1 == 1).map(|(_, &i)| i).collect();
                let mut keys: Vec<_> = set
                    .iter()
                    .map(|&i| {
                        let (s, m, st, l, id) = key(i);
                        (Reverse(s), Reverse(m), Reverse(st), l, id)
                    })
                    .collect();
                keys.sort();
                let total: i64 = set.iter().map(|&i| key(i).0).sum();
                let better = match &best {
                    None => true,
                    Some((t, k, _)) => total > *t || (total == *t && keys < *k),
                };
                if better {
                    best = Some((total, keys, set));
                }
            }
            let (_, keys, _) = best.unwrap();
            let order: Vec<usize> =
                keys.iter().map(|k| candidates.iter().position(|c| *c.id == k.4).unwrap()).collect();
            let receiving = slot.accepted.clone().unwrap_or_else(|| order.clone());
            for i in receiving {
                load[i] += 1;
            }
            out.push(order);
        }
        out
    }

    #[test]
    fn suggestions_agree_with_a_brute_force_search_on_random_data() {
        let occupations = ["中学教师", "医生", "企业负责人", "社区党委书记", "律师", "农民", "工程师", "作家"];
        let sectors = ["教育界", "医药卫生界", "经济界", "海曙区第1选区", "", "农业界"];
        let themes = [None, Some("义务教育招生政策"), Some("养老"), Some("学习日")];
        let mut rng = SplitMix64::new(2026);
        let ids: Vec<MemberId> = (0..9).map(|i| id(&format!("M{i}"))).collect();
        for round in 0..400 {
            let n = 1 + rng.below(9);
            let candidates: Vec<Candidate> = ids[..n]
                .iter()
                .map(|id| Candidate {
                    id,
                    occupation: occupations[rng.below(occupations.len())],
                    sector: sectors[rng.below(sectors.len())],
                    receptions: rng.below(4) as u32,
                })
                .collect();
            let trends: Vec<Trend> = Category::ALL
                .iter()
                .map(|&c| trend(c, rng.below(10) as u32, [rng.below(5) as u32, rng.below(5) as u32]))
                .collect();
            let slots: Vec<Slot> = (0..1 + rng.below(4))
                .map(|_| {
                    let eligible: Vec<usize> = (0..n).filter(|_| rng.below(5) > 0).collect();
                    let accepted = (rng.below(4) == 0).then(|| vec![rng.below(n)]);
                    Slot { k: 1 + rng.below(3), eligible, theme: themes[rng.below(themes.len())], accepted }
                })
                .collect();
            let got: Vec<Vec<usize>> = suggest(&candidates, &trends, &slots)
                .iter()
                .map(|picks| picks.iter().map(|p| p.candidate).collect())
                .collect();
            assert_eq!(got, naive(&candidates, &trends, &slots), "round {round}");
        }
    }

    fn fact(
        id: i64,
        category: Category,
        station: Option<&'static str>,
        grid: Option<&'static str>,
        created: i64,
    ) -> OpinionFact<'static> {
        OpinionFact {
            id,
            lon: 121.5,
            lat: 29.85,
            category,
            status: Status::Submitted,
            rating: None,
            town: None,
            grid,
            station,
            members: vec![],
            created,
            registered: None,
            replied: None,
            due: None,
        }
    }

    #[test]
    fn trends_count_the_stations_and_its_grids_opinions_by_block() {
        let today = day_number(chrono::NaiveDate::from_ymd_opt(2026, 11, 12).unwrap());
        let noon = |day: i32| day_start(day) + 12 * 3600;
        let facts = Facts::build(
            [
                // Recent: today, 27 days ago (the window's first day), by station or by grid.
                fact(1, Category::Education, Some("S1"), None, noon(today)),
                fact(2, Category::Education, None, Some("G1"), noon(today - 27)),
                fact(3, Category::Education, Some("S1"), Some("G1"), noon(today - 3)),
                // Elsewhere, or too old, or in the future.
                fact(4, Category::Education, Some("S2"), Some("G2"), noon(today)),
                fact(5, Category::Education, Some("S1"), None, noon(today - 84)),
                fact(6, Category::Education, Some("S1"), None, noon(today + 1)),
                // Baseline blocks: 28..55 days ago is the later one, 56..83 the earlier.
                fact(7, Category::Health, Some("S1"), None, noon(today - 28)),
                fact(8, Category::Health, Some("S1"), None, noon(today - 83)),
                fact(9, Category::Health, None, Some("G1"), noon(today - 60)),
            ],
            0,
        );
        assert_eq!(local_day(noon(today)), today);
        let got = trends(&facts, &["S1"], &["G1"], today);
        assert_eq!(got.len(), Category::ALL.len());
        let of = |c: Category| got.iter().find(|t| t.category == c).unwrap();
        assert_eq!((of(Category::Education).recent, of(Category::Education).baseline), (3, [0, 0]));
        assert_eq!((of(Category::Health).recent, of(Category::Health).baseline), (0, [2, 1]));
        assert!(of(Category::Education).rising());
        assert!((of(Category::Health).expected - 1.5).abs() < 1e-12);
        assert!(trends(&facts, &["S9"], &[], today).iter().all(|t| t.recent == 0 && t.baseline == [0, 0]));
    }
}
