//! Reception calendars: when a station receives citizens, and who is on duty.
//!
//! A station publishes rules such as "2nd and 4th Thursday of each month, 14:00–17:00", "every
//! Monday morning", "first Monday of the month (study day)" or "on the 15th of each month", each
//! with the member(s) on duty, an optional months restriction (a theme on school enrolment only in
//! May and June) and an optional theme. Rules are stored and exchanged as one line of canonical
//! text (CSV cells, GeoJSON properties, API output):
//!
//! ```text
//! weekly mon,thu 09:00-11:30
//! monthly 2,4 thu 14:00-17:00              nth weekday of the month: 1..=5 or last
//! monthly last fri 14:00-16:00
//! monthly day 1,15 09:00-11:00             day of month 1..=31
//! monthly 1 mon 09:00-12:00 months=5,6 members=HS-M-001,HS-M-002 theme=学习日
//! ```
//!
//! Options follow the time range in the order `months=`, `members=`, `theme=`; `theme=` takes the
//! rest of the line. Parsing is case-insensitive for keywords and weekdays, tolerant of extra
//! whitespace (also around `,`, `-` and `=`) and of full-width punctuation typed with a Chinese
//! input method (`，` `：` `＝`, and `–` `—` `－` `~` `～` for the time range dash); lists are
//! deduplicated and sorted. [`ReceptionRule`]'s `Display` writes the canonical form, so
//! `parse(display(r)) == r` for every parsed rule.
//!
//! All times are Asia/Shanghai local wall time. China has used UTC+08:00 with no daylight saving
//! time since 1991, so the fixed offset [`shanghai`] is exact for any current or future date and
//! no time zone database is needed. This module is plain Rust with no I/O.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike, Weekday};

use crate::domain::ids::{IdError, MemberId};

/// How far ahead [`next_sessions`] looks: two years, so a rule that never occurs cannot loop.
const SEARCH_DAYS: u32 = 2 * 366;

/// The Asia/Shanghai offset, UTC+08:00 (exact: no daylight saving time since 1991).
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// Which days of the calendar a rule falls on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recurrence {
    /// Every week on these weekdays (`weekly mon,thu`), sorted Monday first.
    Weekly { weekdays: Vec<Weekday> },
    /// The nth `weekday` of each month (`monthly 2,4 thu`, `monthly last fri`), sorted 1..5 then
    /// last. A month without a 5th such weekday has no session for `Fifth`.
    MonthlyNth { nths: Vec<Nth>, weekday: Weekday },
    /// These days of each month (`monthly day 1,15`), sorted. A month without that day (the 31st
    /// of April) has no session for it.
    MonthlyDays { days: Vec<u32> },
}

/// Which occurrence of a weekday within its month; ordered `First` .. `Fifth`, then `Last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Nth {
    First,
    Second,
    Third,
    Fourth,
    Fifth,
    Last,
}

impl Nth {
    /// The occurrence as a number 1..=5, or `None` for `Last`.
    pub fn number(self) -> Option<u32> {
        match self {
            Nth::First => Some(1),
            Nth::Second => Some(2),
            Nth::Third => Some(3),
            Nth::Fourth => Some(4),
            Nth::Fifth => Some(5),
            Nth::Last => None,
        }
    }

    /// Whether day-of-month `day` is this occurrence of its weekday, in a month of `month_len` days.
    fn matches(self, day: u32, month_len: u32) -> bool {
        match self.number() {
            Some(n) => (day - 1) / 7 + 1 == n,
            None => day + 7 > month_len,
        }
    }
}

impl fmt::Display for Nth {
    /// The canonical token: `1` .. `5` or `last`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.number() {
            Some(n) => write!(f, "{n}"),
            None => f.write_str("last"),
        }
    }
}

/// One line of a station's reception calendar; see the [module documentation](self) for the text
/// form.
///
/// Build it by parsing; the fields are public for reading, and a rule built by hand should respect
/// what parsing guarantees (non-empty sorted lists, `start < end`, a trimmed one-line theme) for
/// its text form to parse back to it.
///
/// # Examples
///
/// ```
/// use liaison::domain::schedule::ReceptionRule;
///
/// let rule: ReceptionRule = "Monthly 4,2  THU 14:00 - 17:00 theme=就业".parse().unwrap();
/// assert_eq!(rule.to_string(), "monthly 2,4 thu 14:00-17:00 theme=就业");
/// assert_eq!(
///     "weekly mon,thr 09:00-11:30".parse::<ReceptionRule>().unwrap_err().to_string(),
///     "unknown weekday \"thr\": expected mon, tue, wed, thu, fri, sat or sun",
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceptionRule {
    pub recurrence: Recurrence,
    /// Local Shanghai time the session starts, before `end` on the same day.
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// Months (1..=12, sorted) the rule applies in; empty means every month.
    pub months: Vec<u32>,
    /// Members on duty, sorted; may be empty (staff only, or not yet assigned).
    pub members: Vec<MemberId>,
    pub theme: Option<String>,
}

/// Why a reception rule's text was refused; each message quotes the offending token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("empty reception rule: expected e.g. \"weekly mon,thu 09:00-11:30\" or \"monthly 2,4 thu 14:00-17:00\"")]
    Empty,
    #[error("unknown recurrence {0:?}: expected weekly or monthly")]
    UnknownRecurrence(String),
    #[error("missing {what} after {after:?}")]
    Missing { what: &'static str, after: String },
    #[error("unknown weekday {0:?}: expected mon, tue, wed, thu, fri, sat or sun")]
    UnknownWeekday(String),
    #[error("a monthly rule by week takes exactly one weekday, got {0:?}: write one rule per weekday")]
    SeveralWeekdays(String),
    #[error("invalid week of the month {0:?}: expected 1, 2, 3, 4, 5 or last (as in \"monthly 2,4 thu\"), or day (as in \"monthly day 1,15\")")]
    BadNth(String),
    #[error("invalid day of the month {0:?}: expected a number from 1 to 31")]
    BadDay(String),
    #[error("invalid month {0:?} in months=: expected a number from 1 to 12")]
    BadMonth(String),
    #[error("invalid time range {0:?}: expected HH:MM-HH:MM, e.g. 09:00-11:30")]
    BadTimeRange(String),
    #[error("invalid time {0:?}: expected HH:MM from 00:00 to 23:59")]
    BadTime(String),
    #[error("time range {0:?} must start before it ends, on the same day")]
    StartNotBeforeEnd(String),
    #[error("empty item in list {0:?}: remove the extra comma")]
    EmptyListItem(String),
    #[error("unknown option {0:?}: expected months=, members= or theme= after the time range")]
    UnknownOption(String),
    #[error("option {0}= is given twice")]
    DuplicateOption(&'static str),
    #[error("option {0}= needs at least one value, e.g. months=5,6 or members=M001,M002")]
    EmptyOption(&'static str),
    #[error("invalid member id {id:?} in members=: {reason}")]
    BadMember { id: String, reason: IdError },
    #[error("theme= must be followed by the theme text")]
    EmptyTheme,
    #[error("theme {0:?} must fit on one line")]
    MultilineTheme(String),
}

/// One reception session, in Shanghai time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Session {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub members: Vec<MemberId>,
    pub theme: Option<String>,
}

/// Weekday and canonical token.
const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "mon"),
    (Weekday::Tue, "tue"),
    (Weekday::Wed, "wed"),
    (Weekday::Thu, "thu"),
    (Weekday::Fri, "fri"),
    (Weekday::Sat, "sat"),
    (Weekday::Sun, "sun"),
];

fn weekday_token(day: Weekday) -> &'static str {
    WEEKDAYS[day.num_days_from_monday() as usize].1
}

/// Number of days in `month` of `year`.
fn month_len(year: i32, month: u32) -> u32 {
    let (y, m) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt()).map_or(31, |d| d.day())
}

fn hh_mm(t: NaiveTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn join<T>(items: &[T], sep: &str, show: impl Fn(&T) -> String) -> String {
    items.iter().map(show).collect::<Vec<_>>().join(sep)
}

impl ReceptionRule {
    /// Whether the rule has a session on `date` (a local Shanghai date), months restriction
    /// included.
    pub fn occurs_on(&self, date: NaiveDate) -> bool {
        if !self.months.is_empty() && !self.months.contains(&date.month()) {
            return false;
        }
        match &self.recurrence {
            Recurrence::Weekly { weekdays } => weekdays.contains(&date.weekday()),
            Recurrence::MonthlyNth { nths, weekday } => {
                date.weekday() == *weekday && {
                    let len = month_len(date.year(), date.month());
                    nths.iter().any(|nth| nth.matches(date.day(), len))
                }
            }
            Recurrence::MonthlyDays { days } => days.contains(&date.day()),
        }
    }

    /// The rule's session on `date`, if it has one.
    fn session_on(&self, date: NaiveDate) -> Option<Session> {
        if !self.occurs_on(date) {
            return None;
        }
        let tz = shanghai();
        Some(Session {
            start: date.and_time(self.start).and_local_timezone(tz).single()?,
            end: date.and_time(self.end).and_local_timezone(tz).single()?,
            members: self.members.clone(),
            theme: self.theme.clone(),
        })
    }
}

/// The next `n` sessions over all `rules` that have not ended at `now` (a session under way
/// counts), ordered by start (ties: rule order); searches at most ~2 years ahead so rules that
/// never occur cannot loop.
///
/// `now` may be in any offset; it is converted to Shanghai time first, and the sessions are in
/// Shanghai time. A rule rarer than the horizon (`monthly day 29 months=2`) may yield nothing.
///
/// # Examples
///
/// ```
/// use chrono::DateTime;
/// use liaison::domain::schedule::{next_sessions, ReceptionRule};
///
/// let rules: Vec<ReceptionRule> = ["monthly 2,4 thu 14:00-17:00", "monthly day 15 09:00-11:00"]
///     .iter()
///     .map(|s| s.parse().unwrap())
///     .collect();
/// // 05:30 UTC is 13:30 in Shanghai, before that afternoon's session.
/// let now = DateTime::parse_from_rfc3339("2026-11-12T05:30:00Z").unwrap();
/// let starts: Vec<String> = next_sessions(&rules, now, 3)
///     .iter()
///     .map(|s| s.start.to_rfc3339())
///     .collect();
/// assert_eq!(
///     starts,
///     [
///         "2026-11-12T14:00:00+08:00",
///         "2026-11-15T09:00:00+08:00",
///         "2026-11-26T14:00:00+08:00",
///     ]
/// );
/// ```
pub fn next_sessions(rules: &[ReceptionRule], now: DateTime<FixedOffset>, n: usize) -> Vec<Session> {
    let mut found = Vec::new();
    if n == 0 || rules.is_empty() {
        return found;
    }
    let now = now.with_timezone(&shanghai());
    let mut date = now.date_naive();
    for _ in 0..=SEARCH_DAYS {
        let mut today: Vec<Session> =
            rules.iter().filter_map(|rule| rule.session_on(date)).filter(|session| session.end > now).collect();
        // Stable: sessions starting together stay in rule order.
        today.sort_by_key(|session| session.start);
        found.extend(today);
        if found.len() >= n {
            found.truncate(n);
            break;
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    found
}

/// True when any rule has a session on `date` (a local Shanghai date).
pub fn has_session_on(rules: &[ReceptionRule], date: NaiveDate) -> bool {
    rules.iter().any(|rule| rule.occurs_on(date))
}

/// The rules a calendar shows the public: members left out, and rules alike but for their
/// months merged into one (all twelve months: no months restriction), in first-seen order.
pub fn merge_for_summary(rules: &[ReceptionRule]) -> Vec<ReceptionRule> {
    let mut merged: Vec<ReceptionRule> = Vec::new();
    for rule in rules {
        let same = |m: &&mut ReceptionRule| {
            m.recurrence == rule.recurrence && m.start == rule.start && m.end == rule.end && m.theme == rule.theme
        };
        match merged.iter_mut().find(same) {
            Some(m) if m.months.is_empty() || rule.months.is_empty() => m.months.clear(),
            Some(m) => {
                m.months.extend(&rule.months);
                m.months.sort_unstable();
                m.months.dedup();
                if m.months.len() == 12 {
                    m.months.clear();
                }
            }
            None => merged.push(ReceptionRule { members: Vec::new(), ..rule.clone() }),
        }
    }
    merged
}

// ---------------------------------------------------------------------------------------------
// Text form

impl fmt::Display for ReceptionRule {
    /// The canonical one-line form, e.g. `monthly 2,4 thu 14:00-17:00 months=5,6 theme=招生`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.recurrence {
            Recurrence::Weekly { weekdays } => {
                let days = join(weekdays, ",", |d| weekday_token(*d).to_owned());
                write!(f, "weekly {days}")?;
            }
            Recurrence::MonthlyNth { nths, weekday } => {
                let nths = join(nths, ",", Nth::to_string);
                write!(f, "monthly {nths} {}", weekday_token(*weekday))?;
            }
            Recurrence::MonthlyDays { days } => {
                write!(f, "monthly day {}", join(days, ",", u32::to_string))?;
            }
        }
        write!(f, " {}-{}", hh_mm(self.start), hh_mm(self.end))?;
        if !self.months.is_empty() {
            write!(f, " months={}", join(&self.months, ",", u32::to_string))?;
        }
        if !self.members.is_empty() {
            write!(f, " members={}", join(&self.members, ",", MemberId::to_string))?;
        }
        if let Some(theme) = &self.theme {
            write!(f, " theme={theme}")?;
        }
        Ok(())
    }
}

impl FromStr for ReceptionRule {
    type Err = ScheduleError;

    /// Parses one rule; see the [module documentation](self) for the grammar.
    fn from_str(line: &str) -> Result<Self, ScheduleError> {
        let (head, theme) = split_theme(line);
        let theme = match theme.map(str::trim) {
            None => None,
            Some("") => return Err(ScheduleError::EmptyTheme),
            Some(t) if t.contains(['\n', '\r']) => return Err(ScheduleError::MultilineTheme(t.to_owned())),
            Some(t) => Some(t.to_owned()),
        };
        let head = normalize(head);
        let mut tokens = head.split_whitespace().peekable();

        let kind = tokens.next().ok_or(ScheduleError::Empty)?;
        let missing = |what, after: &str| ScheduleError::Missing { what, after: after.to_owned() };
        // A time range or option where a list was expected means the list was left out.
        let looks_misplaced = |tok: &str| tok.contains([':', '=']);
        let (recurrence, last) = match kind.to_ascii_lowercase().as_str() {
            "weekly" => {
                let what = "weekdays (e.g. mon,thu)";
                let days = tokens.next_if(|t| !looks_misplaced(t)).ok_or_else(|| missing(what, kind))?;
                let mut weekdays = parse_list(days, parse_weekday)?;
                weekdays.sort_by_key(|d| d.num_days_from_monday());
                weekdays.dedup();
                (Recurrence::Weekly { weekdays }, days)
            }
            "monthly" => {
                let what = "week numbers and weekday (e.g. 2,4 thu) or days (e.g. day 1,15)";
                let first = tokens.next_if(|t| !looks_misplaced(t)).ok_or_else(|| missing(what, kind))?;
                if first.eq_ignore_ascii_case("day") {
                    let what = "days of the month (e.g. 1,15)";
                    let list = tokens.next_if(|t| !looks_misplaced(t)).ok_or_else(|| missing(what, first))?;
                    let mut days = parse_list(list, |s| {
                        parse_number(s)
                            .filter(|d| (1..=31).contains(d))
                            .ok_or_else(|| ScheduleError::BadDay(s.to_owned()))
                    })?;
                    days.sort_unstable();
                    days.dedup();
                    (Recurrence::MonthlyDays { days }, list)
                } else {
                    let mut nths = parse_list(first, parse_nth)?;
                    nths.sort_unstable();
                    nths.dedup();
                    let what = "weekday (e.g. thu)";
                    let day = tokens.next_if(|t| !looks_misplaced(t)).ok_or_else(|| missing(what, first))?;
                    if day.contains(',') {
                        return Err(ScheduleError::SeveralWeekdays(day.to_owned()));
                    }
                    let weekday = parse_weekday(day)?;
                    (Recurrence::MonthlyNth { nths, weekday }, day)
                }
            }
            _ => return Err(ScheduleError::UnknownRecurrence(kind.to_owned())),
        };

        let range = tokens.next_if(|t| !t.contains('=')).ok_or_else(|| missing("time range (HH:MM-HH:MM)", last))?;
        let (start, end) = parse_time_range(range)?;

        let mut months = None;
        let mut members = None;
        for token in tokens {
            let Some((key, value)) = token.split_once('=') else {
                return Err(ScheduleError::UnknownOption(token.to_owned()));
            };
            let (name, slot) = match key.to_ascii_lowercase().as_str() {
                "months" => ("months", &mut months),
                "members" => ("members", &mut members),
                _ => return Err(ScheduleError::UnknownOption(token.to_owned())),
            };
            if slot.is_some() {
                return Err(ScheduleError::DuplicateOption(name));
            }
            if value.is_empty() {
                return Err(ScheduleError::EmptyOption(name));
            }
            *slot = Some(value);
        }
        let months = match months {
            None => Vec::new(),
            Some(list) => {
                let mut months = parse_list(list, |s| {
                    parse_number(s)
                        .filter(|m| (1..=12).contains(m))
                        .ok_or_else(|| ScheduleError::BadMonth(s.to_owned()))
                })?;
                months.sort_unstable();
                months.dedup();
                months
            }
        };
        let members = match members {
            None => Vec::new(),
            Some(list) => {
                let mut members = parse_list(list, |s| {
                    MemberId::new(s).map_err(|reason| ScheduleError::BadMember { id: s.to_owned(), reason })
                })?;
                members.sort_unstable();
                members.dedup();
                members
            }
        };

        Ok(ReceptionRule { recurrence, start, end, months, members, theme })
    }
}

/// Splits off `theme=…` (a word starting at a token boundary, `=` or `＝`, possibly spaced) and
/// returns the text before it and the raw theme after it.
fn split_theme(line: &str) -> (&str, Option<&str>) {
    let mut at_boundary = true;
    for (i, c) in line.char_indices() {
        if at_boundary && line.get(i..i + 5).is_some_and(|w| w.eq_ignore_ascii_case("theme")) {
            let rest = line[i + 5..].trim_start();
            if let Some(theme) = rest.strip_prefix(['=', '＝']) {
                return (&line[..i], Some(theme));
            }
        }
        at_boundary = c.is_whitespace();
    }
    (line, None)
}

/// Maps full-width punctuation to ASCII and drops whitespace around `,`, `-` and `=`, so that
/// tokens are separated by single spaces.
fn normalize(head: &str) -> String {
    let is_joiner = |c: char| matches!(c, ',' | '-' | '=');
    let mut out = String::with_capacity(head.len());
    let mut space_pending = false;
    for c in head.chars() {
        let c = match c {
            '，' => ',',
            '：' => ':',
            '＝' => '=',
            '–' | '—' | '－' | '~' | '～' => '-',
            c => c,
        };
        if c.is_whitespace() {
            space_pending = true;
            continue;
        }
        if space_pending && !out.is_empty() && !is_joiner(c) && !out.ends_with(is_joiner) {
            out.push(' ');
        }
        space_pending = false;
        out.push(c);
    }
    out
}

/// Parses each comma-separated item of `list`, refusing empty items.
fn parse_list<T>(list: &str, item: impl Fn(&str) -> Result<T, ScheduleError>) -> Result<Vec<T>, ScheduleError> {
    list.split(',')
        .map(|s| if s.is_empty() { Err(ScheduleError::EmptyListItem(list.to_owned())) } else { item(s) })
        .collect()
}

/// A plain decimal number (ASCII digits only, no sign).
fn parse_number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_weekday(s: &str) -> Result<Weekday, ScheduleError> {
    WEEKDAYS
        .iter()
        .find(|(_, token)| s.eq_ignore_ascii_case(token))
        .map(|(day, _)| *day)
        .ok_or_else(|| ScheduleError::UnknownWeekday(s.to_owned()))
}

fn parse_nth(s: &str) -> Result<Nth, ScheduleError> {
    if s.eq_ignore_ascii_case("last") {
        return Ok(Nth::Last);
    }
    match parse_number(s) {
        Some(1) => Ok(Nth::First),
        Some(2) => Ok(Nth::Second),
        Some(3) => Ok(Nth::Third),
        Some(4) => Ok(Nth::Fourth),
        Some(5) => Ok(Nth::Fifth),
        _ => Err(ScheduleError::BadNth(s.to_owned())),
    }
}

/// `H:MM` or `HH:MM`, 00:00 to 23:59.
fn parse_time(s: &str) -> Result<NaiveTime, ScheduleError> {
    let bad = || ScheduleError::BadTime(s.to_owned());
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if !(1..=2).contains(&h.len()) || m.len() != 2 {
        return Err(bad());
    }
    let (h, m) = (parse_number(h).ok_or_else(bad)?, parse_number(m).ok_or_else(bad)?);
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(bad)
}

fn parse_time_range(s: &str) -> Result<(NaiveTime, NaiveTime), ScheduleError> {
    let mut parts = s.split('-');
    let (Some(start), Some(end), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ScheduleError::BadTimeRange(s.to_owned()));
    };
    let (start, end) = (parse_time(start)?, parse_time(end)?);
    if start >= end {
        return Err(ScheduleError::StartNotBeforeEnd(s.to_owned()));
    }
    Ok((start, end))
}

impl serde::Serialize for ReceptionRule {
    /// As the canonical text form.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ReceptionRule {
    /// From the text form, with the parse error as the message.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> ReceptionRule {
        s.parse().unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn err(s: &str) -> String {
        match s.parse::<ReceptionRule>() {
            Ok(r) => panic!("{s:?} should not parse, got {r}"),
            Err(e) => e.to_string(),
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(rfc3339: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap()
    }

    fn dates_in(r: &ReceptionRule, year: i32, month: u32) -> Vec<u32> {
        (1..=month_len(year, month)).filter(|&d| r.occurs_on(date(year, month, d))).collect()
    }

    fn starts(sessions: &[Session]) -> Vec<String> {
        sessions.iter().map(|s| s.start.to_rfc3339()).collect()
    }

    #[test]
    fn canonical_forms_display_exactly_as_written_and_parse_back() {
        for s in [
            "weekly mon,thu 09:00-11:30",
            "monthly 2,4 thu 14:00-17:00",
            "monthly last fri 14:00-16:00",
            "monthly 1,5,last sun 08:30-09:00",
            "monthly day 1,15 09:00-11:00",
            "monthly 1 mon 09:00-12:00 members=HS-M-001 theme=学习日",
            "weekly sat 09:00-11:00 months=5,6 members=M001,M002 theme=入学政策 咨询 = 答疑",
            "monthly day 31 09:00-10:00 months=2",
        ] {
            let r = rule(s);
            assert_eq!(r.to_string(), s);
            assert_eq!(rule(&r.to_string()), r);
        }
    }

    #[test]
    fn parsing_dedupes_sorts_and_ignores_case_and_spacing() {
        let cases = [
            ("  WEEKLY  Thu,MON,thu\t09:00-11:30 ", "weekly mon,thu 09:00-11:30"),
            ("Monthly last,4,2,4 THU 14:00-17:00", "monthly 2,4,last thu 14:00-17:00"),
            ("monthly DAY 15, 1 ,15 9:00 - 11:00", "monthly day 1,15 09:00-11:00"),
            (
                "weekly mon 09:00-11:30 MONTHS = 6,5,6 Members=M2,M1,M2 THEME=  就业 ",
                "weekly mon 09:00-11:30 months=5,6 members=M1,M2 theme=就业",
            ),
            (
                "monthly 2，4 thu 14：00～17：00 months＝5 theme＝ 招生",
                "monthly 2,4 thu 14:00-17:00 months=5 theme=招生",
            ),
            ("weekly fri 14:00-16:00 members=B,A months=12", "weekly fri 14:00-16:00 months=12 members=A,B"),
        ];
        for (input, canonical) in cases {
            let r = rule(input);
            assert_eq!(r.to_string(), canonical, "from {input:?}");
            assert_eq!(rule(canonical), r);
        }
        let r = rule("monthly 2,4 thu 14:00-17:00");
        assert_eq!(
            r.recurrence,
            Recurrence::MonthlyNth { nths: vec![Nth::Second, Nth::Fourth], weekday: Weekday::Thu }
        );
        assert_eq!(r.start, NaiveTime::from_hms_opt(14, 0, 0).unwrap());
        assert_eq!(r.theme, None);
    }

    #[test]
    fn serde_uses_the_canonical_string() {
        let r = rule("monthly 1 mon 09:00-12:00 members=HS-M-001 theme=学习日");
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#""monthly 1 mon 09:00-12:00 members=HS-M-001 theme=学习日""#);
        assert_eq!(serde_json::from_str::<ReceptionRule>(&json).unwrap(), r);
        let rules: Vec<ReceptionRule> =
            serde_json::from_str(r#"["weekly MON 09:00-11:30", "monthly day 15 09:00-11:00"]"#).unwrap();
        assert_eq!(rules[0].to_string(), "weekly mon 09:00-11:30");
        let bad = serde_json::from_str::<ReceptionRule>(r#""weekly thr 09:00-11:30""#);
        assert!(bad.unwrap_err().to_string().contains("unknown weekday \"thr\""));
    }

    #[test]
    fn errors_name_the_bad_token() {
        let cases = [
            ("weekly mon,thr 09:00-11:30", "unknown weekday \"thr\": expected mon, tue"),
            ("monthly 2,4 thr 14:00-17:00", "unknown weekday \"thr\""),
            ("monthly 2,6 thu 14:00-17:00", "invalid week of the month \"6\""),
            ("monthly 0 thu 14:00-17:00", "invalid week of the month \"0\""),
            ("monthly thu 14:00-17:00", "invalid week of the month \"thu\""),
            ("monthly day 1,32 09:00-11:00", "invalid day of the month \"32\""),
            ("monthly day 0 09:00-11:00", "invalid day of the month \"0\""),
            ("weekly mon 25:00-26:00", "invalid time \"25:00\""),
            ("weekly mon 09:60-11:00", "invalid time \"09:60\""),
            ("weekly mon 0900-1100", "invalid time \"0900\""),
            ("weekly mon 09:00", "invalid time range \"09:00\""),
            ("weekly mon 09:00-10:00-11:00", "invalid time range \"09:00-10:00-11:00\""),
            ("weekly mon 17:00-14:00", "time range \"17:00-14:00\" must start before it ends"),
            ("weekly mon 14:00-14:00", "time range \"14:00-14:00\" must start before it ends"),
            ("weekly mon 09:00-11:00 months=5,13", "invalid month \"13\" in months="),
            ("weekly mon 09:00-11:00 months=", "option months= needs at least one value"),
            ("weekly mon 09:00-11:00 theme=", "theme= must be followed by the theme text"),
            ("weekly mon 09:00-11:00 theme=   ", "theme= must be followed by the theme text"),
            ("weekly mon,thu", "missing time range (HH:MM-HH:MM) after \"mon,thu\""),
            ("monthly 2 thu months=5", "missing time range (HH:MM-HH:MM) after \"thu\""),
            ("monthly 2,4 thu theme=x", "missing time range (HH:MM-HH:MM) after \"thu\""),
            ("weekly 09:00-11:00", "missing weekdays (e.g. mon,thu) after \"weekly\""),
            ("monthly day 09:00-11:00", "missing days of the month (e.g. 1,15) after \"day\""),
            ("monthly 2 09:00-11:00", "missing weekday (e.g. thu) after \"2\""),
            ("weekly mon 09:00-11:00 room=3", "unknown option \"room=3\""),
            ("weekly mon 09:00-11:00 afternoon", "unknown option \"afternoon\""),
            ("weekly mon 09:00-11:00 months=5 months=6", "option months= is given twice"),
            ("weekly mon,,thu 09:00-11:00", "empty item in list \"mon,,thu\""),
            ("daily 09:00-11:00", "unknown recurrence \"daily\": expected weekly or monthly"),
            ("monthly 2 mon,thu 09:00-11:00", "exactly one weekday, got \"mon,thu\""),
            ("weekly mon 09:00-11:00 members=M1,a#b", "invalid member id \"a#b\" in members="),
            ("   ", "empty reception rule"),
        ];
        for (input, expected) in cases {
            let message = err(input);
            assert!(message.contains(expected), "{input:?} gave {message:?}, want {expected:?}");
        }
        assert_eq!(
            "weekly mon 09:00-11:00 theme=a\nb".parse::<ReceptionRule>(),
            Err(ScheduleError::MultilineTheme("a\nb".into()))
        );
    }

    #[test]
    fn the_theme_takes_the_rest_of_the_line_verbatim() {
        let r = rule("weekly mon 09:00-11:00 theme=months=5 members=X theme=Y");
        assert_eq!(r.theme.as_deref(), Some("months=5 members=X theme=Y"));
        assert!(r.months.is_empty() && r.members.is_empty());
        assert_eq!(rule(&r.to_string()), r);
    }

    #[test]
    fn nth_weekday_rules_land_on_the_right_dates() {
        // 1 November 2026 is a Sunday.
        assert_eq!(date(2026, 11, 1).weekday(), Weekday::Sun);
        assert_eq!(dates_in(&rule("monthly 2,4 thu 14:00-17:00"), 2026, 11), [12, 26]);
        assert_eq!(dates_in(&rule("monthly last fri 14:00-16:00"), 2026, 2), [27]);
        assert_eq!(dates_in(&rule("monthly 1 mon 09:00-12:00"), 2026, 6), [1]);
        // Thursdays of 2026: October has five (1, 8, 15, 22, 29), November four.
        let fifth = rule("monthly 5 thu 14:00-17:00");
        assert_eq!(dates_in(&fifth, 2026, 10), [29]);
        assert!(dates_in(&fifth, 2026, 11).is_empty());
        assert_eq!(dates_in(&rule("monthly 5,last thu 14:00-17:00"), 2026, 10), [29]);
        assert_eq!(dates_in(&rule("monthly 4,last thu 14:00-17:00"), 2026, 11), [26]);
    }

    #[test]
    fn day_of_month_rules_skip_months_without_that_day() {
        let r = rule("monthly day 31 09:00-11:00");
        let months: Vec<u32> = (1..=12).filter(|&m| !dates_in(&r, 2026, m).is_empty()).collect();
        assert_eq!(months, [1, 3, 5, 7, 8, 10, 12]);
        assert_eq!(dates_in(&rule("monthly day 1,15 09:00-11:00"), 2026, 4), [1, 15]);
        assert_eq!(dates_in(&rule("monthly day 29 09:00-11:00"), 2028, 2), [29]);
        assert!(dates_in(&rule("monthly day 29 09:00-11:00"), 2026, 2).is_empty());
    }

    #[test]
    fn a_months_restriction_limits_the_rule_to_those_months() {
        let r = rule("weekly mon 09:00-11:00 months=5,6");
        let months: Vec<u32> = (1..=12).filter(|&m| !dates_in(&r, 2026, m).is_empty()).collect();
        assert_eq!(months, [5, 6]);
        assert!(r.occurs_on(date(2026, 5, 4)));
        assert!(!r.occurs_on(date(2026, 7, 6)));
        assert!(has_session_on(&[rule("weekly tue 09:00-10:00"), r.clone()], date(2026, 6, 1)));
        assert!(!has_session_on(&[r], date(2026, 6, 2)));
        assert!(!has_session_on(&[], date(2026, 6, 1)));
    }

    #[test]
    fn shanghai_is_eight_hours_ahead_of_utc() {
        assert_eq!(shanghai().local_minus_utc(), 8 * 3600);
        assert_eq!(shanghai().to_string(), "+08:00");
    }

    #[test]
    fn next_sessions_include_a_session_under_way() {
        let rules = [rule("monthly 2,4 thu 14:00-17:00 members=M1 theme=就业")];
        let got = next_sessions(&rules, at("2026-11-12T16:59:00+08:00"), 1);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].start, at("2026-11-12T14:00:00+08:00"));
        assert_eq!(got[0].end, at("2026-11-12T17:00:00+08:00"));
        assert_eq!(got[0].members, [MemberId::new("M1").unwrap()]);
        assert_eq!(got[0].theme.as_deref(), Some("就业"));
        // At its very end the session is over.
        let got = next_sessions(&rules, at("2026-11-12T17:00:00+08:00"), 1);
        assert_eq!(starts(&got), ["2026-11-26T14:00:00+08:00"]);
    }

    #[test]
    fn next_sessions_are_ordered_across_rules_with_ties_in_rule_order() {
        let rules = [
            rule("weekly thu 14:00-16:00 theme=a"),
            rule("monthly 2,4 thu 09:00-11:00 theme=b"),
            rule("monthly day 12 14:00-15:00 theme=c"),
        ];
        let got = next_sessions(&rules, at("2026-11-01T00:00:00+08:00"), 5);
        let seen: Vec<(String, &str)> =
            got.iter().map(|s| (s.start.to_rfc3339(), s.theme.as_deref().unwrap())).collect();
        let want = [
            ("2026-11-05T14:00:00+08:00", "a"),
            ("2026-11-12T09:00:00+08:00", "b"),
            ("2026-11-12T14:00:00+08:00", "a"),
            ("2026-11-12T14:00:00+08:00", "c"),
            ("2026-11-19T14:00:00+08:00", "a"),
        ];
        let want: Vec<(String, &str)> = want.iter().map(|(t, th)| (t.to_string(), *th)).collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn now_in_utc_is_converted_to_shanghai_time() {
        let rules = [rule("monthly 2,4 thu 14:00-17:00")];
        // 05:30 UTC is 13:30 in Shanghai, before that day's 14:00 session.
        let got = next_sessions(&rules, at("2026-11-12T05:30:00Z"), 2);
        assert_eq!(starts(&got), ["2026-11-12T14:00:00+08:00", "2026-11-26T14:00:00+08:00"]);
        assert_eq!(got[0].start.offset(), &shanghai());
        // 09:30 UTC is 17:30 in Shanghai: that session is over.
        let got = next_sessions(&rules, at("2026-11-12T09:30:00Z"), 1);
        assert_eq!(starts(&got), ["2026-11-26T14:00:00+08:00"]);
        // 20:00 UTC on the 11th is already the 12th, 04:00, in Shanghai.
        let got = next_sessions(&rules, at("2026-11-11T20:00:00Z"), 1);
        assert_eq!(starts(&got), ["2026-11-12T14:00:00+08:00"]);
        // A negative offset too: 00:30 on the 12th at -05:00 is 13:30 in Shanghai.
        let got = next_sessions(&rules, at("2026-11-12T00:30:00-05:00"), 1);
        assert_eq!(starts(&got), ["2026-11-12T14:00:00+08:00"]);
    }

    #[test]
    fn asking_for_no_sessions_or_with_no_rules_gives_none() {
        let rules = [rule("weekly mon 09:00-11:00")];
        assert!(next_sessions(&rules, at("2026-01-01T00:00:00+08:00"), 0).is_empty());
        assert!(next_sessions(&[], at("2026-01-01T00:00:00+08:00"), 3).is_empty());
    }

    #[test]
    fn a_rule_that_never_occurs_gives_nothing_without_hanging() {
        let never = [rule("monthly day 31 09:00-11:00 months=2"), rule("monthly day 30 09:00-10:00 months=2")];
        assert!(next_sessions(&never, at("2026-01-01T00:00:00Z"), 10).is_empty());
        // Alongside a rule that does occur, only that rule's sessions come back.
        let mixed = [never[0].clone(), rule("monthly day 1 09:00-11:00 months=3")];
        let got = next_sessions(&mixed, at("2026-01-01T00:00:00Z"), 5);
        assert_eq!(starts(&got), ["2026-03-01T09:00:00+08:00", "2027-03-01T09:00:00+08:00"]);
    }

    /// Independent of `occurs_on`: counts the weekday's occurrences in the month by walking it.
    fn occurs_brute(r: &ReceptionRule, d: NaiveDate) -> bool {
        if !r.months.is_empty() && !r.months.contains(&d.month()) {
            return false;
        }
        match &r.recurrence {
            Recurrence::Weekly { weekdays } => weekdays.contains(&d.weekday()),
            Recurrence::MonthlyDays { days } => days.contains(&d.day()),
            Recurrence::MonthlyNth { nths, weekday } => {
                if d.weekday() != *weekday {
                    return false;
                }
                let same: Vec<u32> = (1..=31)
                    .filter_map(|x| NaiveDate::from_ymd_opt(d.year(), d.month(), x))
                    .filter(|x| x.weekday() == *weekday)
                    .map(|x| x.day())
                    .collect();
                let index = same.iter().position(|&x| x == d.day()).unwrap() as u32 + 1;
                nths.iter().any(|nth| match nth.number() {
                    Some(n) => n == index,
                    None => index as usize == same.len(),
                })
            }
        }
    }

    #[test]
    fn next_sessions_agree_with_a_day_by_day_enumeration_over_2026() {
        let rules = [
            rule("monthly 2,4 thu 14:00-17:00 members=M1"),
            rule("weekly mon,thu 09:00-11:30 members=M2"),
            rule("monthly last fri 14:00-16:00"),
            rule("monthly 1,5 sun 08:00-09:00 months=3,8,11"),
            rule("monthly day 1,15,31 09:00-11:00 months=1,4,5,6,12"),
            rule("weekly thu 14:00-15:00 theme=tie"),
        ];
        let days: Vec<NaiveDate> = date(2026, 1, 1).iter_days().take(365).collect();
        for d in &days {
            for r in &rules {
                assert_eq!(r.occurs_on(*d), occurs_brute(r, *d), "{r} on {d}");
            }
        }
        let nows = [
            "2025-12-31T16:00:00Z",
            "2026-01-01T00:00:00+08:00",
            "2026-02-27T15:00:00+08:00",
            "2026-05-14T06:00:00Z",
            "2026-08-31T23:59:00+08:00",
            "2026-11-12T05:30:00Z",
            "2026-12-24T13:00:00-03:00",
        ];
        for subset in [&rules[..], &rules[2..3], &rules[3..5], &rules[..1]] {
            for now in nows {
                let now = at(now);
                let mut want = Vec::new();
                for d in &days {
                    let mut today = Vec::new();
                    for r in subset.iter().filter(|r| occurs_brute(r, *d)) {
                        let (start, end) = (d.and_time(r.start), d.and_time(r.end));
                        let to_utc = chrono::TimeDelta::hours(8);
                        if (end - to_utc).and_utc() > now.to_utc() {
                            today.push((start, r.members.clone(), r.theme.clone()));
                        }
                    }
                    today.sort_by_key(|t| t.0);
                    want.extend(today);
                }
                if now.date_naive() < date(2026, 12, 1) {
                    assert!(!want.is_empty(), "the enumeration should find sessions");
                }
                for n in [1, 3, 10, 40] {
                    let got: Vec<_> = next_sessions(subset, now, n)
                        .into_iter()
                        .map(|s| (s.start.naive_local(), s.members, s.theme))
                        .collect();
                    // The enumeration stops at the end of 2026; sessions after it come last.
                    let got: Vec<_> = got.into_iter().filter(|s| s.0.year() == 2026).collect();
                    let want: Vec<_> = want.iter().take(n).cloned().collect();
                    assert_eq!(got, want, "now {now}, n {n}");
                }
            }
        }
    }

    #[test]
    fn sessions_serialize_with_rfc3339_times() {
        let rules = [rule("weekly mon 09:00-11:30 members=M1 theme=接待")];
        let got = next_sessions(&rules, at("2026-11-01T00:00:00+08:00"), 1);
        let json = serde_json::to_value(&got[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "start": "2026-11-02T09:00:00+08:00",
                "end": "2026-11-02T11:30:00+08:00",
                "members": ["M1"],
                "theme": "接待",
            })
        );
    }
}
