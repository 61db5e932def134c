//! Rates and counts of opinions for leaders: by hexagon, town, station, member, grid area and
//! category, over any time window. Plain Rust over an in-memory columnar copy of the opinions
//! ([`Facts`]), which the server loads at start and brings up to date after every write.
//!
//! Positions are WGS84 lon/lat degrees (x = lon, y = lat); times are Unix seconds, and days are
//! calendar days in Asia/Shanghai (UTC+8).
//!
//! # Definitions
//!
//! Two groups of opinions are counted for a window `[from, to)`:
//!
//! - the **submitted** group: opinions submitted (created) inside the window, whatever happened to
//!   them since. Every count and rate but the reply rate is over this group.
//! - the **due** group: registered opinions, not rejected, whose due date starts inside the window
//!   and has passed (the day is over), so that an opinion is never judged late before it is.
//!
//! Numbers describe the opinions' state now: an opinion submitted in March and resolved in May
//! counts as resolved in March's numbers.
//!
//! | name | definition |
//! |------|------------|
//! | `count` | opinions in the submitted group, in every status |
//! | `open` | not yet answered: submitted, registered, assigned or in progress |
//! | `overdue` | open, registered, and past its due date (the day is over) |
//! | `rejected` | refused (不予受理); rejected opinions leave the loop and count nowhere else |
//! | `registered` | accepted and not rejected: `count − rejected −` the ones still waiting to be registered |
//! | `resolved` | replied or closed |
//! | `resolution_rate` 办结率 | `resolved / registered` |
//! | `rated`, `satisfied` | opinions with a rating; of those, rated 4 or 5 stars |
//! | `satisfaction_rate` 满意率 | `satisfied / rated` |
//! | `mean_rating` | mean of the ratings (1–5) |
//! | `due`, `replied_on_time` | the due group; of it, replied on or before the due date |
//! | `reply_rate` 答复率 | `replied_on_time / due` |
//! | `replied` | opinions with both a registration and a reply time |
//! | `reply_hours_median`, `reply_hours_p90` | of `replied`: hours from registration to reply; quantiles interpolate linearly between order statistics (as numpy's default and PostgreSQL's `percentile_cont`) |
//! | `concentration` 意见集中率 | the share of `count` in the most frequent category, `top_category` (ties go to the category listed first in [`Category`]) |
//!
//! A rate whose denominator is zero is `None` (JSON `null`), never 0. A reopened opinion (rated 1–2
//! stars) is open again until the next reply, and its earlier reply no longer counts. Its latest
//! rating is the one counted. An opinion's due date is the one staff set when assigning it, or
//! [`DEFAULT_DUE_DAYS`](crate::domain::opinion::DEFAULT_DUE_DAYS) after registration.
//!
//! `count = open + resolved + rejected` always holds.

pub mod duty;
pub mod facts;
pub mod query;
pub mod rota;
pub mod siting;
pub mod tally;
pub mod warnings;

pub use facts::{Facts, FactsBuilder};
pub use query::{Filter, GroupBy, Interval, Window};
pub use tally::{Summary, Tally};

/// Seconds east of UTC of Asia/Shanghai, where days begin and end.
pub const UTC_OFFSET_S: i64 = 8 * 3600;

/// The Asia/Shanghai calendar day of a Unix time, as days since 1970-01-01.
pub fn local_day(unix_s: i64) -> i32 {
    (unix_s + UTC_OFFSET_S).div_euclid(86_400) as i32
}

/// The Unix time at which a local day (days since 1970-01-01) begins.
pub fn day_start(day: i32) -> i64 {
    i64::from(day) * 86_400 - UTC_OFFSET_S
}

/// Days since 1970-01-01 of a calendar date.
pub fn day_number(date: chrono::NaiveDate) -> i32 {
    (date - chrono::NaiveDate::default()).num_days() as i32
}

/// The calendar date of a day number.
pub fn date_of(day: i32) -> chrono::NaiveDate {
    chrono::NaiveDate::default() + chrono::Duration::days(i64::from(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_turn_at_shanghai_midnight() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-22T00:00:00+08:00").unwrap().timestamp();
        assert_eq!(date_of(local_day(t)).to_string(), "2026-11-22");
        assert_eq!(date_of(local_day(t - 1)).to_string(), "2026-11-21");
        assert_eq!(day_start(local_day(t)), t);
        assert_eq!(day_number(date_of(12345)), 12345);
    }
}
