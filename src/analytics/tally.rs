//! Counting opinions into the numbers of [`super`]'s definitions: a [`Tally`] adds opinions up,
//! a [`Summary`] turns a tally (and its reply times) into counts and rates.

use crate::domain::{Category, Status};

/// The number of categories.
pub const CATEGORIES: usize = Category::ALL.len();

/// Running counts for one group of opinions. Add opinions with [`Tally::add_submitted`] and
/// [`Tally::add_due`]; reply times are kept by the caller (see [`Summary::new`]). A [`Summary`]
/// shows the counts as they are (the rating sum and the categories only through rates).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Tally {
    pub count: u32,
    pub open: u32,
    pub overdue: u32,
    pub rejected: u32,
    pub registered: u32,
    pub resolved: u32,
    pub rated: u32,
    pub satisfied: u32,
    #[serde(skip)]
    pub rating_sum: u32,
    pub due: u32,
    pub replied_on_time: u32,
    pub replied: u32,
    #[serde(skip)]
    pub by_category: [u32; CATEGORIES],
}

impl Tally {
    /// Adds an opinion of the submitted group. `rating` is 0 for none; `overdue` and `replied`
    /// are the caller's judgement of [`super`]'s definitions.
    pub fn add_submitted(&mut self, status: Status, category: u8, rating: u8, overdue: bool, replied: bool) {
        self.count += 1;
        self.by_category[usize::from(category)] += 1;
        match status {
            Status::Submitted => self.open += 1,
            Status::Registered | Status::Assigned | Status::InProgress => {
                self.open += 1;
                self.registered += 1;
                self.overdue += u32::from(overdue);
            }
            Status::Replied | Status::Closed => {
                self.resolved += 1;
                self.registered += 1;
            }
            Status::Rejected => self.rejected += 1,
        }
        if rating > 0 {
            self.rated += 1;
            self.rating_sum += u32::from(rating);
            self.satisfied += u32::from(rating >= 4);
        }
        self.replied += u32::from(replied);
    }

    /// Adds another tally's counts to this one.
    pub fn merge(&mut self, o: &Tally) {
        self.count += o.count;
        self.open += o.open;
        self.overdue += o.overdue;
        self.rejected += o.rejected;
        self.registered += o.registered;
        self.resolved += o.resolved;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
        self.rating_sum += o.rating_sum;
        self.due += o.due;
        self.replied_on_time += o.replied_on_time;
        self.replied += o.replied;
        for (a, b) in self.by_category.iter_mut().zip(&o.by_category) {
            *a += b;
        }
    }

    /// Adds an opinion of the due group.
    pub fn add_due(&mut self, on_time: bool) {
        self.due += 1;
        self.replied_on_time += u32::from(on_time);
    }
}

/// Which number a map colours by (`metric=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Count,
    Open,
    Overdue,
    ResolutionRate,
    ReplyRate,
    SatisfactionRate,
    MeanRating,
    ReplyHours,
    Concentration,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::Count,
        Metric::Open,
        Metric::Overdue,
        Metric::ResolutionRate,
        Metric::ReplyRate,
        Metric::SatisfactionRate,
        Metric::MeanRating,
        Metric::ReplyHours,
        Metric::Concentration,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Metric::Count => "count",
            Metric::Open => "open",
            Metric::Overdue => "overdue",
            Metric::ResolutionRate => "resolution_rate",
            Metric::ReplyRate => "reply_rate",
            Metric::SatisfactionRate => "satisfaction_rate",
            Metric::MeanRating => "mean_rating",
            Metric::ReplyHours => "reply_hours",
            Metric::Concentration => "concentration",
        }
    }

    /// The metric's value in a summary (`reply_hours`: the median).
    pub fn value(self, s: &Summary) -> Option<f64> {
        match self {
            Metric::Count => Some(f64::from(s.counts.count)),
            Metric::Open => Some(f64::from(s.counts.open)),
            Metric::Overdue => Some(f64::from(s.counts.overdue)),
            Metric::ResolutionRate => s.resolution_rate,
            Metric::ReplyRate => s.reply_rate,
            Metric::SatisfactionRate => s.satisfaction_rate,
            Metric::MeanRating => s.mean_rating,
            Metric::ReplyHours => s.reply_hours_median,
            Metric::Concentration => s.concentration,
        }
    }
}

impl std::str::FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Metric::ALL.into_iter().find(|m| m.code() == s.trim()).ok_or_else(|| {
            let all: Vec<_> = Metric::ALL.iter().map(|m| m.code()).collect();
            format!("unknown metric {s:?}: expected one of {}", all.join(", "))
        })
    }
}

/// Every number of a group of opinions, as the API shows it: the counts, then the rates.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Summary {
    #[serde(flatten)]
    pub counts: Tally,
    pub resolution_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    pub mean_rating: Option<f64>,
    pub reply_rate: Option<f64>,
    pub reply_hours_median: Option<f64>,
    pub reply_hours_p90: Option<f64>,
    pub concentration: Option<f64>,
    pub top_category: Option<Category>,
}

fn ratio(num: u32, den: u32) -> Option<f64> {
    (den > 0).then(|| f64::from(num) / f64::from(den))
}

/// The `p` quantile (0..=1) of `values`, interpolating linearly between order statistics
/// (Hyndman and Fan's type 7); reorders `values`.
///
/// # Examples
///
/// ```
/// use liaison::analytics::tally::quantile;
///
/// assert_eq!(quantile(&mut [4.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
/// assert_eq!(quantile(&mut [10.0, 0.0], 0.9), Some(9.0));
/// assert_eq!(quantile(&mut [], 0.5), None);
/// ```
pub fn quantile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let h = (values.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let (_, &mut low, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let high = above.iter().copied().min_by(f64::total_cmp).unwrap_or(low);
    Some(low + (h - lo as f64) * (high - low))
}

impl Summary {
    /// The numbers of a tally whose replied opinions took `reply_hours` (reordered here).
    pub fn new(t: &Tally, reply_hours: &mut [f64]) -> Self {
        let (top, &most) =
            t.by_category.iter().enumerate().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0))).unwrap_or((0, &0));
        Summary {
            resolution_rate: ratio(t.resolved, t.registered),
            satisfaction_rate: ratio(t.satisfied, t.rated),
            mean_rating: ratio(t.rating_sum, t.rated),
            reply_rate: ratio(t.replied_on_time, t.due),
            reply_hours_median: quantile(reply_hours, 0.5),
            reply_hours_p90: quantile(reply_hours, 0.9),
            concentration: ratio(most, t.count),
            top_category: (t.count > 0).then(|| Category::ALL[top]),
            counts: t.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_made_group_gives_the_defined_numbers() {
        let mut t = Tally::default();
        // 10 opinions: 2 waiting, 3 being worked on (1 overdue), 4 resolved, 1 rejected.
        let parking = Category::Parking as u8;
        let noise = Category::Noise as u8;
        t.add_submitted(Status::Submitted, parking, 0, false, false);
        t.add_submitted(Status::Submitted, noise, 0, false, false);
        t.add_submitted(Status::Registered, parking, 0, true, false);
        t.add_submitted(Status::Assigned, parking, 0, false, false);
        t.add_submitted(Status::InProgress, noise, 0, false, false);
        t.add_submitted(Status::Replied, parking, 0, false, true);
        t.add_submitted(Status::Closed, parking, 5, false, true);
        t.add_submitted(Status::Closed, noise, 4, false, true);
        t.add_submitted(Status::Closed, parking, 3, false, true);
        t.add_submitted(Status::Rejected, Category::Other as u8, 0, false, false);
        for on_time in [true, true, false] {
            t.add_due(on_time);
        }
        let s = Summary::new(&t, &mut [30.0, 10.0, 20.0, 40.0]);
        let c = &s.counts;
        assert_eq!((c.count, c.open, c.resolved, c.rejected), (10, 5, 4, 1));
        assert_eq!(c.count, c.open + c.resolved + c.rejected);
        assert_eq!((c.registered, c.overdue), (7, 1));
        assert_eq!(s.resolution_rate, Some(4.0 / 7.0));
        assert_eq!((c.rated, c.satisfied, s.satisfaction_rate), (3, 2, Some(2.0 / 3.0)));
        assert_eq!(s.mean_rating, Some(4.0));
        assert_eq!(s.reply_rate, Some(2.0 / 3.0));
        assert_eq!((s.reply_hours_median, s.reply_hours_p90), (Some(25.0), Some(37.0)));
        assert_eq!((s.concentration, s.top_category), (Some(0.6), Some(Category::Parking)));
    }

    #[test]
    fn empty_denominators_give_no_rate_and_ties_go_to_the_first_category() {
        let s = Summary::new(&Tally::default(), &mut []);
        assert_eq!((s.resolution_rate, s.satisfaction_rate, s.reply_rate, s.concentration), (None, None, None, None));
        assert_eq!((s.reply_hours_median, s.top_category), (None, None));
        let mut t = Tally::default();
        t.add_submitted(Status::Submitted, Category::Water as u8, 0, false, false);
        t.add_submitted(Status::Rejected, Category::Garbage as u8, 0, false, false);
        let s = Summary::new(&t, &mut []);
        assert_eq!((s.top_category, s.concentration), (Some(Category::Garbage), Some(0.5)));
        assert_eq!(s.resolution_rate, None, "nothing registered yet");
    }

    #[test]
    fn quantiles_match_a_sort() {
        let mut values: Vec<f64> = (0..101).map(|i| ((i * 37) % 101) as f64).collect();
        for p in [0.0, 0.1, 0.25, 0.5, 0.9, 0.995, 1.0] {
            let got = quantile(&mut values, p).unwrap();
            assert!((got - 100.0 * p).abs() < 1e-9, "p {p}: {got}");
        }
    }
}
