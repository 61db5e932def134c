//! Members' duty activities (履职活动) as the stations' ledgers record them: receptions,
//! consultations, research visits, inspections and river patrols, with who was there, how many
//! citizens came and which opinions were taken down. A river patrol's path is WGS84,
//! x = longitude, y = latitude, in degrees (EPSG:4326); lengths of text are in characters.

use chrono::{NaiveDate, NaiveTime};
use geo::LineString;

use super::ids::{AreaCode, MemberId, StationId};
use super::location::{LocationError, LonLat};
use super::vocab::{ActivityKind, WaterClass};

/// Which activities a listing wants; `None` accepts everything. Dates are inclusive.
#[derive(Debug, Clone)]
pub struct ActivityFilter {
    pub station: Option<StationId>,
    /// Activities at the stations of this town (its area code).
    pub town: Option<AreaCode>,
    /// Activities this member was present at.
    pub member: Option<MemberId>,
    pub kind: Option<ActivityKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Newest first (by date, start time, then id), at most this many.
    pub limit: usize,
}

impl Default for ActivityFilter {
    fn default() -> Self {
        Self { station: None, town: None, member: None, kind: None, from: None, to: None, limit: 1_000 }
    }
}

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest notes or observations, in characters.
pub const MAX_TEXT_CHARS: usize = 5_000;
/// The longest river name, in characters.
pub const MAX_RIVER_CHARS: usize = 100;
/// The most members one activity may list.
pub const MAX_MEMBERS: usize = 100;
/// The most points a patrol path may have.
pub const MAX_PATH_POINTS: usize = 10_000;
/// The most photo references one patrol may keep.
pub const MAX_PATROL_PHOTOS: usize = 20;
/// The longest photo reference, in characters.
pub const MAX_PHOTO_REF_CHARS: usize = 500;

/// A river patrol (巡河): which river, the way walked, what was seen and the water class judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Patrol {
    pub river: String,
    /// The way walked, WGS84 lon/lat degrees, at least two distinct points.
    pub path: LineString<f64>,
    pub observations: String,
    pub water_class: Option<WaterClass>,
    /// References to the photos taken (the river chief's app, this server's `/photos/…`): absolute
    /// `http(s)://` URLs or paths on this server, at most [`MAX_PATROL_PHOTOS`].
    pub photos: Vec<String>,
}

/// One duty activity at a station on a day.
///
/// Build it with its fields and [`Activity::checked`], which returns it unchanged when every
/// rule holds; `id` is the store's (ignored when adding).
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: i64,
    pub kind: ActivityKind,
    pub station: StationId,
    /// The day it was held (Asia/Shanghai).
    pub date: NaiveDate,
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    /// The members present, at least one, each once, in the ledger's order.
    pub members: Vec<MemberId>,
    /// How many citizens came.
    pub visitors: u32,
    /// One line, not empty.
    pub title: String,
    pub notes: String,
    /// Ids of the opinions taken down at it, each once.
    pub opinions: Vec<i64>,
    /// Present exactly when `kind` is `river_patrol`.
    pub patrol: Option<Patrol>,
}

/// Why an activity record was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ActivityError {
    #[error("title must not be empty")]
    EmptyTitle,
    #[error("title must be one line")]
    MultilineTitle,
    #[error("{field} must be at most {max} characters, got {len}")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("an activity needs at least one member present")]
    NoMembers,
    #[error("an activity lists at most {MAX_MEMBERS} members, got {0}")]
    TooManyMembers(usize),
    #[error("member {0} is listed twice")]
    DuplicateMember(MemberId),
    #[error("opinion {0} is listed twice")]
    DuplicateOpinion(i64),
    #[error("opinion ids are positive, got {0}")]
    BadOpinionId(i64),
    #[error("an end time needs a start time")]
    EndWithoutStart,
    #[error("end {end} is before start {start}")]
    EndBeforeStart { start: NaiveTime, end: NaiveTime },
    #[error("date {date} is after today ({today}); a ledger records what was held")]
    InFuture { date: NaiveDate, today: NaiveDate },
    #[error("a river_patrol needs a patrol: river, path and observations")]
    PatrolMissing,
    #[error("only a river_patrol has a patrol, this is a {0}")]
    PatrolOnOtherKind(ActivityKind),
    #[error("a patrol needs the river's name")]
    NoRiver,
    #[error("a patrol path needs at least two distinct points, got {0}")]
    ShortPath(usize),
    #[error("a patrol path has at most {MAX_PATH_POINTS} points, got {0}")]
    LongPath(usize),
    #[error("patrol path point {index}: {error}")]
    BadPoint { index: usize, error: LocationError },
    #[error("a patrol keeps at most {MAX_PATROL_PHOTOS} photo references, got {0}")]
    TooManyPhotos(usize),
    #[error("photo reference {index} must be an http(s):// URL or a path on this server (/…) of at most {MAX_PHOTO_REF_CHARS} characters without spaces, got {got:?}")]
    BadPhotoRef { index: usize, got: String },
}

fn check_len(field: &'static str, text: &str, max: usize) -> Result<(), ActivityError> {
    let len = text.chars().count();
    if len > max {
        return Err(ActivityError::TooLong { field, len, max });
    }
    Ok(())
}

impl Patrol {
    /// Checks the river's name, the path (2 to [`MAX_PATH_POINTS`] valid WGS84 points, not all at
    /// one place) and the photo references.
    ///
    /// # Examples
    /// ```
    /// use liaison::domain::Patrol;
    /// let patrol = |path: Vec<(f64, f64)>| Patrol {
    ///     river: "南塘河".into(), path: path.into(), observations: String::new(), water_class: None,
    ///     photos: vec!["https://hz.example.cn/p/1.jpg".into()],
    /// }.checked();
    /// assert!(patrol(vec![(121.53, 29.86), (121.54, 29.87)]).is_ok());
    /// assert!(patrol(vec![(121.53, 29.86)]).is_err());
    /// assert!(patrol(vec![(121.53, 29.86), (221.0, 29.87)]).is_err());
    /// ```
    pub fn checked(self) -> Result<Self, ActivityError> {
        if self.river.trim().is_empty() {
            return Err(ActivityError::NoRiver);
        }
        check_len("river", &self.river, MAX_RIVER_CHARS)?;
        check_len("observations", &self.observations, MAX_TEXT_CHARS)?;
        let n = self.path.0.len();
        if n > MAX_PATH_POINTS {
            return Err(ActivityError::LongPath(n));
        }
        for (index, c) in self.path.0.iter().enumerate() {
            LonLat::new(c.x, c.y).map_err(|error| ActivityError::BadPoint { index, error })?;
        }
        let first = self.path.0.first();
        if n < 2 || self.path.0.iter().all(|c| Some(c) == first) {
            return Err(ActivityError::ShortPath(n));
        }
        if self.photos.len() > MAX_PATROL_PHOTOS {
            return Err(ActivityError::TooManyPhotos(self.photos.len()));
        }
        for (index, r) in self.photos.iter().enumerate() {
            let scheme =
                r.starts_with("https://") || r.starts_with("http://") || (r.starts_with('/') && !r.starts_with("//"));
            let clean = !r.chars().any(|c| c.is_whitespace() || c.is_control());
            if !scheme || !clean || r.chars().count() > MAX_PHOTO_REF_CHARS {
                return Err(ActivityError::BadPhotoRef { index, got: r.clone() });
            }
        }
        Ok(self)
    }
}

impl Activity {
    /// Checks every rule of a ledger line and returns the activity unchanged when they hold:
    /// a one-line title, at least one member (each once), an end only after a start, a day not
    /// after `today`, distinct positive opinion ids, and a checked [`Patrol`] exactly when the
    /// kind is `river_patrol`.
    ///
    /// # Examples
    /// ```
    /// use chrono::NaiveDate;
    /// use liaison::domain::{Activity, ActivityKind, MemberId, StationId};
    /// let day = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
    /// let reception = Activity {
    ///     id: 0, kind: ActivityKind::Reception, station: StationId::new("HS-ST-001").unwrap(), date: day,
    ///     start: None, end: None, members: vec![MemberId::new("HS-M-0001").unwrap()], visitors: 12,
    ///     title: "11月代表接待日".into(), notes: String::new(), opinions: vec![], patrol: None,
    /// };
    /// assert!(reception.clone().checked(day).is_ok());
    /// assert!(Activity { members: vec![], ..reception }.checked(day).is_err());
    /// ```
    pub fn checked(self, today: NaiveDate) -> Result<Self, ActivityError> {
        if self.title.trim().is_empty() {
            return Err(ActivityError::EmptyTitle);
        }
        if self.title.contains(['\n', '\r']) {
            return Err(ActivityError::MultilineTitle);
        }
        check_len("title", &self.title, MAX_TITLE_CHARS)?;
        check_len("notes", &self.notes, MAX_TEXT_CHARS)?;
        if self.members.is_empty() {
            return Err(ActivityError::NoMembers);
        }
        if self.members.len() > MAX_MEMBERS {
            return Err(ActivityError::TooManyMembers(self.members.len()));
        }
        for (i, m) in self.members.iter().enumerate() {
            if self.members[..i].contains(m) {
                return Err(ActivityError::DuplicateMember(m.clone()));
            }
        }
        for (i, &o) in self.opinions.iter().enumerate() {
            if o <= 0 {
                return Err(ActivityError::BadOpinionId(o));
            }
            if self.opinions[..i].contains(&o) {
                return Err(ActivityError::DuplicateOpinion(o));
            }
        }
        match (self.start, self.end) {
            (None, Some(_)) => return Err(ActivityError::EndWithoutStart),
            (Some(start), Some(end)) if end < start => return Err(ActivityError::EndBeforeStart { start, end }),
            _ => {}
        }
        if self.date > today {
            return Err(ActivityError::InFuture { date: self.date, today });
        }
        let patrol = match (self.kind, self.patrol) {
            (ActivityKind::RiverPatrol, None) => return Err(ActivityError::PatrolMissing),
            (ActivityKind::RiverPatrol, Some(p)) => Some(p.checked()?),
            (kind, Some(_)) => return Err(ActivityError::PatrolOnOtherKind(kind)),
            (_, None) => None,
        };
        Ok(Self { patrol, ..self })
    }
}

/// A time of day as ledgers write it: `HH:MM` or `HH:MM:SS`.
///
/// ```
/// use liaison::domain::activity::parse_time;
/// assert_eq!(parse_time("9:30").unwrap().to_string(), "09:30:00");
/// assert!(parse_time("25:00").is_none());
/// ```
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let t = text.trim();
    NaiveTime::parse_from_str(t, "%H:%M").or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S")).ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn member(id: &str) -> MemberId {
        MemberId::new(id).unwrap()
    }

    fn time(t: &str) -> NaiveTime {
        parse_time(t).unwrap()
    }

    pub(crate) fn reception() -> Activity {
        Activity {
            id: 0,
            kind: ActivityKind::Reception,
            station: StationId::new("S1").unwrap(),
            date: day(5),
            start: Some(time("14:00")),
            end: Some(time("17:00")),
            members: vec![member("M1"), member("M2")],
            visitors: 8,
            title: "代表接待日".into(),
            notes: "群众反映停车难".into(),
            opinions: vec![3, 7],
            patrol: None,
        }
    }

    fn patrol() -> Patrol {
        Patrol {
            river: "南塘河".into(),
            path: vec![(121.53, 29.86), (121.535, 29.862), (121.54, 29.865)].into(),
            observations: "河面有漂浮物".into(),
            water_class: Some(WaterClass::III),
            photos: vec!["https://hz.example.cn/p/1.jpg".into(), "/photos/ab.jpg".into()],
        }
    }

    #[test]
    fn photo_references_are_web_addresses_or_paths_here() {
        let with = |photos: Vec<&str>| {
            let p = Patrol { photos: photos.into_iter().map(String::from).collect(), ..patrol() };
            Activity { patrol: Some(p), ..river_patrol() }.checked(day(5))
        };
        assert!(with(vec!["http://a.cn/x.jpg", "https://a.cn/y.jpg", "/photos/z.jpg"]).is_ok());
        for bad in ["javascript:alert(1)", "//evil.example/x.jpg", "ftp://a.cn/x", "https://a.cn/x y.jpg", ""] {
            assert!(matches!(with(vec![bad]), Err(ActivityError::BadPhotoRef { index: 0, .. })), "{bad:?}");
        }
        let many = vec!["/p.jpg"; MAX_PATROL_PHOTOS + 1];
        assert_eq!(with(many), Err(ActivityError::TooManyPhotos(MAX_PATROL_PHOTOS + 1)));
    }

    fn river_patrol() -> Activity {
        Activity { kind: ActivityKind::RiverPatrol, patrol: Some(patrol()), opinions: vec![], ..reception() }
    }

    #[test]
    fn a_complete_reception_and_a_river_patrol_pass_unchanged() {
        assert_eq!(reception().checked(day(5)), Ok(reception()));
        assert_eq!(river_patrol().checked(day(12)), Ok(river_patrol()));
    }

    #[test]
    fn a_title_is_one_nonempty_line_of_limited_length() {
        let with = |title: &str| Activity { title: title.into(), ..reception() }.checked(day(5));
        assert_eq!(with("  "), Err(ActivityError::EmptyTitle));
        assert_eq!(with("接待\n第二行"), Err(ActivityError::MultilineTitle));
        assert_eq!(with("接待\r"), Err(ActivityError::MultilineTitle));
        assert!(matches!(with(&"长".repeat(201)), Err(ActivityError::TooLong { field: "title", .. })));
        assert!(with(&"长".repeat(200)).is_ok());
    }

    #[test]
    fn notes_are_limited_in_length() {
        let a = Activity { notes: "记".repeat(MAX_TEXT_CHARS + 1), ..reception() };
        assert!(matches!(a.checked(day(5)), Err(ActivityError::TooLong { field: "notes", .. })));
    }

    #[test]
    fn at_least_one_member_is_present_and_none_twice() {
        let none = Activity { members: vec![], ..reception() };
        assert_eq!(none.checked(day(5)), Err(ActivityError::NoMembers));
        let twice = Activity { members: vec![member("M1"), member("M2"), member("M1")], ..reception() };
        assert_eq!(twice.checked(day(5)), Err(ActivityError::DuplicateMember(member("M1"))));
        let crowd = Activity { members: (0..=MAX_MEMBERS).map(|i| member(&format!("M{i}"))).collect(), ..reception() };
        assert_eq!(crowd.checked(day(5)), Err(ActivityError::TooManyMembers(MAX_MEMBERS + 1)));
    }

    #[test]
    fn opinion_ids_are_positive_and_listed_once() {
        let twice = Activity { opinions: vec![3, 3], ..reception() };
        assert_eq!(twice.checked(day(5)), Err(ActivityError::DuplicateOpinion(3)));
        let zero = Activity { opinions: vec![0], ..reception() };
        assert_eq!(zero.checked(day(5)), Err(ActivityError::BadOpinionId(0)));
    }

    #[test]
    fn an_end_needs_a_start_before_it() {
        let alone = Activity { start: None, ..reception() };
        assert_eq!(alone.checked(day(5)), Err(ActivityError::EndWithoutStart));
        let backwards = Activity { start: Some(time("17:00")), end: Some(time("14:00")), ..reception() };
        assert!(matches!(backwards.checked(day(5)), Err(ActivityError::EndBeforeStart { .. })));
        let open_ended = Activity { end: None, ..reception() };
        assert!(open_ended.checked(day(5)).is_ok());
        let untimed = Activity { start: None, end: None, ..reception() };
        assert!(untimed.checked(day(5)).is_ok());
    }

    #[test]
    fn a_day_after_today_is_refused() {
        assert_eq!(reception().checked(day(4)), Err(ActivityError::InFuture { date: day(5), today: day(4) }));
    }

    #[test]
    fn a_patrol_belongs_to_a_river_patrol_and_only_to_it() {
        let missing = Activity { patrol: None, ..river_patrol() };
        assert_eq!(missing.checked(day(5)), Err(ActivityError::PatrolMissing));
        let stray = Activity { patrol: Some(patrol()), ..reception() };
        assert_eq!(stray.checked(day(5)), Err(ActivityError::PatrolOnOtherKind(ActivityKind::Reception)));
    }

    #[test]
    fn a_patrol_needs_a_river_and_a_path_of_two_distinct_valid_points() {
        let with = |p: Patrol| Activity { patrol: Some(p), ..river_patrol() }.checked(day(5));
        assert_eq!(with(Patrol { river: " ".into(), ..patrol() }), Err(ActivityError::NoRiver));
        assert_eq!(with(Patrol { path: LineString::new(vec![]), ..patrol() }), Err(ActivityError::ShortPath(0)));
        assert_eq!(with(Patrol { path: vec![(121.5, 29.8)].into(), ..patrol() }), Err(ActivityError::ShortPath(1)));
        let still = vec![(121.5, 29.8), (121.5, 29.8)].into();
        assert_eq!(with(Patrol { path: still, ..patrol() }), Err(ActivityError::ShortPath(2)));
        let off = vec![(121.5, 29.8), (121.5, 95.0)].into();
        assert!(matches!(with(Patrol { path: off, ..patrol() }), Err(ActivityError::BadPoint { index: 1, .. })));
        let nan = vec![(f64::NAN, 29.8), (121.5, 29.9)].into();
        assert!(matches!(with(Patrol { path: nan, ..patrol() }), Err(ActivityError::BadPoint { index: 0, .. })));
        let long = LineString::from((0..=MAX_PATH_POINTS).map(|i| (121.0 + i as f64 * 1e-5, 29.8)).collect::<Vec<_>>());
        assert_eq!(with(Patrol { path: long, ..patrol() }), Err(ActivityError::LongPath(MAX_PATH_POINTS + 1)));
        let river = "河".repeat(MAX_RIVER_CHARS + 1);
        assert!(matches!(with(Patrol { river, ..patrol() }), Err(ActivityError::TooLong { field: "river", .. })));
    }

    #[test]
    fn a_patrol_without_a_water_class_is_fine() {
        let p = Patrol { water_class: None, ..patrol() };
        assert!(Activity { patrol: Some(p), ..river_patrol() }.checked(day(5)).is_ok());
    }

    #[test]
    fn kinds_and_water_classes_parse_from_their_codes_and_labels() {
        for k in ActivityKind::ALL {
            assert_eq!(k.code().parse::<ActivityKind>(), Ok(*k));
        }
        assert_eq!("巡河".parse(), Ok(ActivityKind::RiverPatrol));
        assert_eq!("iii".parse(), Ok(WaterClass::III));
        assert_eq!("Ⅳ类".parse(), Ok(WaterClass::IV));
        assert!("VI".parse::<WaterClass>().is_err());
        assert!("meeting".parse::<ActivityKind>().is_err());
    }

    #[test]
    fn times_parse_with_or_without_seconds() {
        assert_eq!(parse_time("14:05"), NaiveTime::from_hms_opt(14, 5, 0));
        assert_eq!(parse_time("14:05:30"), NaiveTime::from_hms_opt(14, 5, 30));
        assert_eq!(parse_time("2pm"), None);
    }
}
