//! Service notices (服务信息) published once and shown on every station they reach: the whole
//! district, one town, or a list of stations (a listed station's liaison points show it too).
//! Days are Asia/Shanghai dates; lengths of text are in characters.

use chrono::NaiveDate;

use super::ids::{AreaCode, StationId};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 5_000;
/// The most stations one notice may list.
pub const MAX_STATIONS: usize = 500;

/// Where a notice is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeScope {
    /// Every station of the district.
    District,
    /// Every station of this town.
    Town(AreaCode),
    /// These stations (and their liaison points), at least one, each once.
    Stations(Vec<StationId>),
}

impl NoticeScope {
    /// `district`, `town` or `stations`.
    pub fn code(&self) -> &'static str {
        match self {
            NoticeScope::District => "district",
            NoticeScope::Town(_) => "town",
            NoticeScope::Stations(_) => "stations",
        }
    }
}

/// A notice as published.
///
/// Build it with its fields and [`Notice::checked`]; `id` is the store's (ignored when adding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    /// One line, not empty.
    pub title: String,
    /// Not empty.
    pub body: String,
    /// The first day it is shown.
    pub published: NaiveDate,
    /// The last day it is shown, if it ends.
    pub expires: Option<NaiveDate>,
    pub scope: NoticeScope,
}

/// Why a notice was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("title must be one line")]
    MultilineTitle,
    #[error("{field} must be at most {max} characters, got {len}")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("expires {expires} is before published {published}")]
    ExpiresBeforePublished { published: NaiveDate, expires: NaiveDate },
    #[error("a notice for stations lists at least one")]
    NoStations,
    #[error("a notice lists at most {MAX_STATIONS} stations, got {0}")]
    TooManyStations(usize),
    #[error("station {0} is listed twice")]
    DuplicateStation(StationId),
}

/// Where a station is, as a notice's scope sees it.
#[derive(Debug, Clone, Copy)]
pub struct StationPlace<'a> {
    pub station: &'a StationId,
    /// The station a liaison point belongs to.
    pub parent: Option<&'a StationId>,
    pub town: Option<&'a AreaCode>,
}

impl Notice {
    /// Checks every rule and returns the notice unchanged when they hold: a one-line title, a
    /// body, an expiry not before publication, and a station list of distinct stations.
    ///
    /// # Examples
    /// ```
    /// use chrono::NaiveDate;
    /// use liaison::domain::notice::{Notice, NoticeScope};
    /// let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    /// let notice = Notice {
    ///     id: 0, title: "医保参保缴费提醒".into(), body: "2027年度城乡居民医保开始缴费。".into(),
    ///     published: day(1), expires: Some(day(30)), scope: NoticeScope::District,
    /// };
    /// assert!(notice.clone().checked().is_ok());
    /// assert!(Notice { expires: Some(day(1).pred_opt().unwrap()), ..notice.clone() }.checked().is_err());
    /// assert!(Notice { scope: NoticeScope::Stations(vec![]), ..notice }.checked().is_err());
    /// ```
    pub fn checked(self) -> Result<Self, NoticeError> {
        if self.title.trim().is_empty() {
            return Err(NoticeError::Empty("title"));
        }
        if self.title.contains(['\n', '\r']) {
            return Err(NoticeError::MultilineTitle);
        }
        for (field, text, max) in [("title", &self.title, MAX_TITLE_CHARS), ("body", &self.body, MAX_BODY_CHARS)] {
            let len = text.chars().count();
            if len > max {
                return Err(NoticeError::TooLong { field, len, max });
            }
        }
        if self.body.trim().is_empty() {
            return Err(NoticeError::Empty("body"));
        }
        if let Some(expires) = self.expires.filter(|&e| e < self.published) {
            return Err(NoticeError::ExpiresBeforePublished { published: self.published, expires });
        }
        if let NoticeScope::Stations(stations) = &self.scope {
            if stations.is_empty() {
                return Err(NoticeError::NoStations);
            }
            if stations.len() > MAX_STATIONS {
                return Err(NoticeError::TooManyStations(stations.len()));
            }
            for (i, s) in stations.iter().enumerate() {
                if stations[..i].contains(s) {
                    return Err(NoticeError::DuplicateStation(s.clone()));
                }
            }
        }
        Ok(self)
    }

    /// Whether the notice is shown on `today`: published by then and not expired before it.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use liaison::domain::notice::{Notice, NoticeScope};
    /// let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    /// let n = Notice { id: 1, title: "t".into(), body: "b".into(), published: day(5), expires: Some(day(9)), scope: NoticeScope::District };
    /// assert!(!n.in_force(day(4)) && n.in_force(day(5)) && n.in_force(day(9)) && !n.in_force(day(10)));
    /// ```
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.published <= today && self.expires.is_none_or(|e| today <= e)
    }

    /// Whether the notice is shown at the station: district-wide, for its town, or listing it or
    /// the station it is a liaison point of.
    pub fn reaches(&self, at: StationPlace<'_>) -> bool {
        match &self.scope {
            NoticeScope::District => true,
            NoticeScope::Town(t) => at.town == Some(t),
            NoticeScope::Stations(list) => list.iter().any(|s| s == at.station || Some(s) == at.parent),
        }
    }
}

/// Where notices are looked for: a notice matches when it is district-wide, for one of `towns`,
/// or lists one of `stations`.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub stations: Vec<StationId>,
    pub towns: Vec<AreaCode>,
}

/// Which notices a listing wants.
#[derive(Debug, Clone)]
pub struct NoticeFilter {
    /// Every one of these must see the notice.
    pub seen: Vec<Seen>,
    /// `(today, true)`: only those in force today; `(today, false)`: only those not.
    pub in_force: Option<(NaiveDate, bool)>,
    /// Newest publication first, then by id, at most this many.
    pub limit: usize,
}

impl Default for NoticeFilter {
    fn default() -> Self {
        Self { seen: Vec::new(), in_force: None, limit: 1_000 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn station(id: &str) -> StationId {
        StationId::new(id).unwrap()
    }

    fn notice() -> Notice {
        Notice {
            id: 0,
            title: "冬季供暖报修电话".into(),
            body: "如遇供暖故障请拨打…".into(),
            published: day(1),
            expires: None,
            scope: NoticeScope::Stations(vec![station("S1"), station("S2")]),
        }
    }

    #[test]
    fn a_complete_notice_passes_unchanged() {
        assert_eq!(notice().checked(), Ok(notice()));
    }

    #[test]
    fn title_and_body_are_required_and_limited() {
        assert_eq!(Notice { title: " ".into(), ..notice() }.checked(), Err(NoticeError::Empty("title")));
        assert_eq!(Notice { title: "a\rb".into(), ..notice() }.checked(), Err(NoticeError::MultilineTitle));
        assert_eq!(Notice { body: "\n".into(), ..notice() }.checked(), Err(NoticeError::Empty("body")));
        let long = Notice { body: "字".repeat(MAX_BODY_CHARS + 1), ..notice() }.checked();
        assert!(matches!(long, Err(NoticeError::TooLong { field: "body", .. })));
    }

    #[test]
    fn expiry_is_not_before_publication_and_a_one_day_notice_is_fine() {
        let before = Notice { expires: NaiveDate::from_ymd_opt(2026, 10, 31), ..notice() }.checked();
        assert!(matches!(before, Err(NoticeError::ExpiresBeforePublished { .. })));
        assert!(Notice { expires: Some(day(1)), ..notice() }.checked().is_ok());
    }

    #[test]
    fn a_station_list_is_not_empty_and_names_each_once() {
        assert_eq!(Notice { scope: NoticeScope::Stations(vec![]), ..notice() }.checked(), Err(NoticeError::NoStations));
        let twice = NoticeScope::Stations(vec![station("S1"), station("S1")]);
        assert_eq!(Notice { scope: twice, ..notice() }.checked(), Err(NoticeError::DuplicateStation(station("S1"))));
    }

    #[test]
    fn each_scope_reaches_the_stations_it_should() {
        let (s1, s9, p1) = (station("S1"), station("S9"), station("P1"));
        let (t1, t2) = (AreaCode::new("330203001").unwrap(), AreaCode::new("330203002").unwrap());
        let at = |station, parent, town| StationPlace { station, parent, town };
        let district = Notice { scope: NoticeScope::District, ..notice() };
        assert!(district.reaches(at(&s9, None, None)));
        let town = Notice { scope: NoticeScope::Town(t1.clone()), ..notice() };
        assert!(town.reaches(at(&s9, None, Some(&t1))));
        assert!(!town.reaches(at(&s9, None, Some(&t2))) && !town.reaches(at(&s9, None, None)));
        let listed = notice();
        assert!(listed.reaches(at(&s1, None, Some(&t2))));
        assert!(listed.reaches(at(&p1, Some(&s1), None)), "a liaison point shows its station's notices");
        assert!(!listed.reaches(at(&s9, None, Some(&t1))));
    }

    #[test]
    fn a_notice_is_in_force_from_publication_to_expiry_inclusive() {
        let n = Notice { published: day(5), expires: Some(day(9)), ..notice() };
        let days: Vec<u32> = (1..=12).filter(|&d| n.in_force(day(d))).collect();
        assert_eq!(days, vec![5, 6, 7, 8, 9]);
        assert!(notice().in_force(day(30)), "no expiry: in force from publication on");
    }
}
