//! Questions asked of the [`Facts`]: hexagon heatmaps, grouped statistics with trends, and point
//! clusters for map tiles. Every answer is one scan over the columns. Positions are WGS84 lon/lat
//! degrees; times Unix seconds; days Asia/Shanghai calendar days.

use std::collections::HashMap;
use std::hash::Hash;

use chrono::NaiveDate;
use h3o::CellIndex;

use super::facts::{category_at, status_at, Facts, NONE, NO_DAY, NO_TIME};
use super::tally::{Summary, Tally};
use super::{date_of, day_start, local_day};
use crate::domain::location::public_grid;
use crate::domain::{Category, Status};
use crate::spatial::hexagons::{centre, grown_for_cells, HexResolution};
use crate::spatial::BBox;

/// Cells with fewer opinions than this show their count only: rates over a handful of opinions
/// are noise, and could point at the few citizens who live there.
pub const MIN_COUNT_FOR_RATES: u32 = 5;

/// A time window `[from, to)` in Unix seconds; `None` leaves that side open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Window {
    pub fn contains(&self, t: i64) -> bool {
        self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t < e)
    }
}

/// Which opinions to count.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub window: Window,
    pub category: Option<Category>,
    /// A station id.
    pub station: Option<String>,
    /// A town's area code.
    pub town: Option<String>,
    /// Only opinions inside (heatmaps: only hexagons whose centre is inside, with all their
    /// opinions).
    pub bbox: Option<BBox>,
    /// Today (days since 1970-01-01, Asia/Shanghai): due dates before it have passed.
    pub today: i32,
}

/// A filter turned into the facts' column values, and the rules of [`super`]'s definitions.
struct Judge<'a> {
    facts: &'a Facts,
    window: Window,
    today: i32,
    category: Option<u8>,
    station: Option<u32>,
    town: Option<u32>,
    /// The filter names a station or town no opinion has.
    nothing: bool,
}

const REJECTED: u8 = Status::Rejected as u8;
const SUBMITTED: u8 = Status::Submitted as u8;

impl<'a> Judge<'a> {
    fn new(facts: &'a Facts, f: &Filter) -> Self {
        let station = f.station.as_deref().map(|s| facts.stations.get(s));
        let town = f.town.as_deref().map(|t| facts.towns.get(t));
        Judge {
            facts,
            window: f.window,
            today: f.today,
            category: f.category.map(|c| c as u8),
            station: station.flatten(),
            town: town.flatten(),
            nothing: station == Some(None) || town == Some(None),
        }
    }

    /// Whether row `r` passes the category, station and town filters.
    fn passes(&self, r: usize) -> bool {
        let f = self.facts;
        self.category.is_none_or(|c| f.category[r] == c)
            && self.station.is_none_or(|s| f.station[r] == s)
            && self.town.is_none_or(|t| f.town[r] == t)
    }

    fn submitted(&self, r: usize) -> bool {
        self.window.contains(self.facts.created[r])
    }

    fn due(&self, r: usize) -> bool {
        let f = self.facts;
        let (due, status) = (f.due[r], f.status[r]);
        due != NO_DAY
            && due < self.today
            && status != REJECTED
            && status != SUBMITTED
            && self.window.contains(day_start(due))
    }

    /// Adds row `r` to `t` as a member of the submitted and/or due group; returns its reply
    /// time in hours when it counts for the reply-time quantiles.
    fn add(&self, t: &mut Tally, r: usize, submitted: bool, due: bool) -> Option<f64> {
        let f = self.facts;
        let (registered, replied) = (f.registered[r], f.replied[r]);
        let has_reply = registered != NO_TIME && replied != NO_TIME;
        if due {
            t.add_due(replied != NO_TIME && local_day(replied) <= f.due[r]);
        }
        if !submitted {
            return None;
        }
        let overdue = f.due[r] != NO_DAY && f.due[r] < self.today;
        t.add_submitted(status_at(f.status[r]), f.category[r], f.rating[r], overdue, has_reply);
        has_reply.then(|| (replied - registered) as f64 / 3600.0)
    }
}

/// A fast hash for the small integer keys of a scan (cells, group and period numbers): multiply
/// and rotate, as rustc's FxHash. Not for keys an attacker picks; these come from the data.
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

impl KeyHasher {
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }
}

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.add(u64::from(x));
    }
    fn write_i32(&mut self, x: i32) {
        self.add(u64::from(x as u32));
    }
    fn write_u64(&mut self, x: u64) {
        self.add(x);
    }
    fn write_i64(&mut self, x: i64) {
        self.add(x as u64);
    }
    fn finish(&self) -> u64 {
        // The multiplication carries low bits up only: bring the well-mixed high bits down.
        self.0.rotate_left(26)
    }
}

type KeyMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// Tallies by key, with the reply times of each.
struct Groups<K> {
    slots: KeyMap<K, u32>,
    keys: Vec<K>,
    tallies: Vec<Tally>,
    hours: Vec<Vec<f64>>,
    last: Option<(K, u32)>,
}

impl<K: Copy + Eq + Hash> Groups<K> {
    fn new() -> Self {
        Groups { slots: KeyMap::default(), keys: Vec::new(), tallies: Vec::new(), hours: Vec::new(), last: None }
    }

    fn add(&mut self, judge: &Judge<'_>, r: usize, key: K, submitted: bool, due: bool) {
        let slot = match self.last {
            // Rows come sorted by cell, so the key is usually the one before.
            Some((k, s)) if k == key => s,
            _ => {
                let s = self.slot(key) as u32;
                self.last = Some((key, s));
                s
            }
        } as usize;
        if let Some(h) = judge.add(&mut self.tallies[slot], r, submitted, due) {
            self.hours[slot].push(h);
        }
    }

    fn slot(&mut self, key: K) -> usize {
        let next = self.keys.len() as u32;
        let s = *self.slots.entry(key).or_insert(next);
        if s == next {
            self.keys.push(key);
            self.tallies.push(Tally::default());
            self.hours.push(Vec::new());
        }
        s as usize
    }

    /// Adds another scan's groups to these.
    fn merge(&mut self, other: Groups<K>) {
        for ((key, tally), hours) in other.keys.into_iter().zip(&other.tallies).zip(other.hours) {
            let s = self.slot(key);
            self.tallies[s].merge(tally);
            self.hours[s].extend(hours);
        }
    }

    /// Each key with its summary, in order of first sight.
    fn finish(self) -> Vec<(K, Summary)> {
        self.keys
            .into_iter()
            .zip(self.tallies.iter().zip(self.hours))
            .map(|(k, (t, mut hours))| (k, Summary::new(t, &mut hours)))
            .collect()
    }
}

/// Scans rows `0..n` with `visit`, split over the machine's cores for big scans, and merges the
/// groups each part found.
fn scan<K, F>(n: usize, visit: F) -> Groups<K>
where
    K: Copy + Eq + Hash + Send,
    F: Fn(&mut Groups<K>, usize) + Sync,
{
    let parts = if n < 200_000 { 1 } else { std::thread::available_parallelism().map_or(1, |p| p.get()).min(8) };
    #[cfg(test)]
    let parts = tests::PARTS.with(|p| p.get()).unwrap_or(parts);
    let run = |rows: std::ops::Range<usize>| {
        let mut g = Groups::new();
        for r in rows {
            visit(&mut g, r);
        }
        g
    };
    if parts == 1 {
        return run(0..n);
    }
    let size = n.div_ceil(parts);
    let mut results = std::thread::scope(|s| {
        let handles: Vec<_> = (0..parts).map(|i| s.spawn(move || run(i * size..((i + 1) * size).min(n)))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect::<Vec<_>>()
    });
    let mut all = results.remove(0);
    for g in results {
        all.merge(g);
    }
    all
}

/// One hexagon of a heatmap.
#[derive(Debug, Clone, PartialEq)]
pub struct Hexagon {
    pub cell: CellIndex,
    /// Opinions submitted in the window.
    pub count: u32,
    /// Every number, for cells with at least [`MIN_COUNT_FOR_RATES`] opinions.
    pub summary: Option<Summary>,
}

/// The hexagons at `res` holding opinions submitted in the window, ordered by cell id. With a
/// bbox: the hexagons whose centre lies in it, each with all its opinions (so a cell's numbers do
/// not change as the map pans).
pub fn heatmap(facts: &Facts, filter: &Filter, res: HexResolution) -> Vec<Hexagon> {
    let judge = Judge::new(facts, filter);
    if judge.nothing {
        return Vec::new();
    }
    let grown = filter.bbox.map(|b| grown_for_cells(&b, res));
    let column = &facts.cells[usize::from(res.get() - HexResolution::coarsest().get())];
    let groups = scan(column.len(), |groups, r| {
        if !judge.passes(r) || grown.is_some_and(|g| !g.contains(facts.lon[r], facts.lat[r])) {
            return;
        }
        let (submitted, due) = (judge.submitted(r), judge.due(r));
        if submitted || due {
            groups.add(&judge, r, column[r], submitted, due);
        }
    });
    let mut cells: Vec<Hexagon> = groups
        .finish()
        .into_iter()
        .filter(|(_, s)| s.counts.count > 0)
        .filter_map(|(bits, s)| {
            let cell = CellIndex::try_from(bits).ok()?;
            if let Some(b) = &filter.bbox {
                let (lon, lat) = centre(cell);
                if !b.contains(lon, lat) {
                    return None;
                }
            }
            let count = s.counts.count;
            Some(Hexagon { cell, count, summary: (count >= MIN_COUNT_FOR_RATES).then_some(s) })
        })
        .collect();
    cells.sort_unstable_by_key(|h| u64::from(h.cell));
    cells
}

/// What statistics are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Town,
    Station,
    Member,
    Grid,
    Category,
}

/// The length of the periods of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    Day,
    /// Weeks begin on Monday.
    Week,
    Month,
}

impl Interval {
    /// The first day of the period holding `day`.
    pub fn start(self, day: i32) -> i32 {
        match self {
            Interval::Day => day,
            // 1970-01-01 was a Thursday, three days after a Monday.
            Interval::Week => day - (day + 3).rem_euclid(7),
            Interval::Month => day - (day_of_month(day) - 1),
        }
    }
}

/// The day of the month (1–31) of a day number (Howard Hinnant's `civil_from_days`, without
/// building a date: this runs for every opinion of a monthly trend).
fn day_of_month(day: i32) -> i32 {
    let z = i64::from(day) + 719_468;
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    (doy - (153 * mp + 2) / 5 + 1) as i32
}

/// One row of grouped statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsRow {
    /// The town code, station, member or grid id, or category code; `None` for opinions outside
    /// every group of that kind (and for the single row without grouping).
    pub group: Option<String>,
    /// The first day of the period, with an interval.
    pub period: Option<NaiveDate>,
    pub summary: Summary,
}

/// Statistics by group and, with an interval, by period: opinions count in the period of their
/// submission, and for the reply rate in the period of their due date. Rows come ordered by
/// group then period; a member's opinions count for each of the members they were routed to.
pub fn stats(facts: &Facts, filter: &Filter, by: Option<GroupBy>, interval: Option<Interval>) -> Vec<StatsRow> {
    let judge = Judge::new(facts, filter);
    let period = |day: i32| interval.map_or(i32::MIN, |i| i.start(day));
    let groups: Groups<(u32, i32)> = scan(facts.len(), |groups, r| {
        if judge.nothing || !judge.passes(r) || filter.bbox.is_some_and(|b| !b.contains(facts.lon[r], facts.lat[r])) {
            return;
        }
        let (submitted, due) = (judge.submitted(r), judge.due(r));
        if !(submitted || due) {
            return;
        }
        let single;
        let keys: &[u32] = match by {
            None => &[0],
            Some(GroupBy::Town) => std::slice::from_ref(&facts.town[r]),
            Some(GroupBy::Station) => std::slice::from_ref(&facts.station[r]),
            Some(GroupBy::Grid) => std::slice::from_ref(&facts.grid[r]),
            Some(GroupBy::Category) => {
                single = [u32::from(facts.category[r])];
                &single
            }
            Some(GroupBy::Member) if facts.members_at(r).is_empty() => &[NONE],
            Some(GroupBy::Member) => facts.members_at(r),
        };
        let submitted_in = if submitted { period(local_day(facts.created[r])) } else { 0 };
        let due_in = if due { period(facts.due[r]) } else { 0 };
        for &g in keys {
            if submitted && due && submitted_in == due_in {
                groups.add(&judge, r, (g, submitted_in), true, true);
                continue;
            }
            if submitted {
                groups.add(&judge, r, (g, submitted_in), true, false);
            }
            if due {
                groups.add(&judge, r, (g, due_in), false, true);
            }
        }
    });
    let name = |g: u32| -> Option<String> {
        let names = match by? {
            GroupBy::Town => &facts.towns,
            GroupBy::Station => &facts.stations,
            GroupBy::Grid => &facts.grids,
            GroupBy::Member => &facts.members,
            GroupBy::Category => return Some(category_at(g as u8).code().to_owned()),
        };
        names.name(g).map(str::to_owned)
    };
    let mut rows: Vec<StatsRow> = groups
        .finish()
        .into_iter()
        .map(|((g, p), summary)| StatsRow { group: name(g), period: (p != i32::MIN).then(|| date_of(p)), summary })
        .collect();
    rows.sort_by(|a, b| (&a.group, a.period).cmp(&(&b.group, b.period)));
    rows
}

/// Opinions at one position of the public ~100 m grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub lon: f64,
    pub lat: f64,
    pub count: u32,
    pub open: u32,
    pub resolved: u32,
}

/// The opinions submitted in the window whose public position (see
/// [`crate::domain::LonLat::public`]) `keep` accepts, one cluster per position, ordered by
/// position. `filter.bbox`, if any, should hold every exact position that rounds into `keep`.
pub fn clusters(facts: &Facts, filter: &Filter, keep: impl Fn(f64, f64) -> bool) -> Vec<Cluster> {
    let judge = Judge::new(facts, filter);
    let mut by_place: KeyMap<(i64, i64), Tally> = KeyMap::default();
    for r in 0..facts.len() {
        if judge.nothing || !judge.passes(r) || !judge.submitted(r) {
            continue;
        }
        let (lon, lat) = (facts.lon[r], facts.lat[r]);
        if filter.bbox.is_some_and(|b| !b.contains(lon, lat)) {
            continue;
        }
        let (plon, plat) = public_grid(lon, lat);
        if keep(plon, plat) {
            let key = ((plon * 1000.0).round() as i64, (plat * 1000.0).round() as i64);
            judge.add(by_place.entry(key).or_default(), r, true, false);
        }
    }
    let mut out: Vec<Cluster> = by_place
        .into_iter()
        .map(|((x, y), t)| Cluster {
            lon: x as f64 / 1000.0,
            lat: y as f64 / 1000.0,
            count: t.count,
            open: t.open,
            resolved: t.resolved,
        })
        .collect();
    out.sort_by(|a, b| (a.lon, a.lat).partial_cmp(&(b.lon, b.lat)).unwrap_or(std::cmp::Ordering::Equal));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::day_number;
    use crate::domain::OpinionFact;
    use chrono::Datelike;

    thread_local! {
        /// Forces how many parts a scan is split into.
        pub(super) static PARTS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
    }

    #[test]
    fn scans_split_over_threads_give_the_same_answers() {
        let mut rng = crate::sample::SplitMix64::new(9);
        let towns = ["T1", "T2", "T3"];
        let members = ["M1", "M2", "M3", "M4"];
        let facts = Facts::build(
            (0..5000).map(|id| {
                let created = 1_700_000_000 + rng.below(40_000_000) as i64;
                let status = Status::ALL[rng.below(Status::ALL.len())];
                let registered = (status != Status::Submitted).then_some(created + 3600);
                OpinionFact {
                    id,
                    lon: rng.between(121.4, 121.7),
                    lat: rng.between(29.7, 29.95),
                    category: Category::ALL[rng.below(Category::ALL.len())],
                    status,
                    rating: rng.chance(0.4).then(|| 1 + rng.below(5) as u8),
                    town: Some(towns[rng.below(3)]),
                    grid: None,
                    station: None,
                    members: vec![members[rng.below(4)], members[rng.below(4)]],
                    created,
                    registered,
                    replied: registered.filter(|_| rng.chance(0.7)).map(|t| t + rng.below(900_000) as i64),
                    due: registered.map(|t| local_day(t) + 15),
                }
            }),
            5000,
        );
        let filter = Filter { today: local_day(1_745_000_000), ..Filter::default() };
        let res = HexResolution::new(8).unwrap();
        let run = |parts| {
            PARTS.with(|p| p.set(Some(parts)));
            let hex = heatmap(&facts, &filter, res);
            let by_member = stats(&facts, &filter, Some(GroupBy::Member), Some(Interval::Month));
            let by_town = stats(&facts, &filter, Some(GroupBy::Town), None);
            (hex, by_member, by_town)
        };
        let (one, three) = (run(1), run(3));
        assert!(one.0.len() > 50 && one.1.len() > 20 && one.2.len() == 3);
        assert_eq!(one, three);
    }

    #[test]
    fn periods_start_on_mondays_and_first_days() {
        let start = day_number(NaiveDate::from_ymd_opt(1969, 12, 1).unwrap());
        for day in start..start + 25 * 366 {
            let d = date_of(day);
            assert_eq!(date_of(Interval::Month.start(day)), d.with_day(1).unwrap(), "{d}");
            let week = date_of(Interval::Week.start(day));
            assert_eq!(week.weekday(), chrono::Weekday::Mon, "{d}");
            assert!((0..7).contains(&(d - week).num_days()), "{d}");
            assert_eq!(Interval::Day.start(day), day);
        }
    }
}
