//! Livelihood projects (民生实事) the district publishes once for every station and the map:
//! what is built, by which department, for how much, how far along, where, which deputies
//! supervise it, and its public progress updates. A project's point is WGS84, x = longitude,
//! y = latitude, in degrees (EPSG:4326); budgets are whole yuan; progress is a percentage 0–100;
//! lengths of text are in characters.

use chrono::NaiveDate;

use super::ids::{AreaCode, GridId, MemberId};
use super::location::LonLat;
use super::vocab::ProjectStatus;

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest department name, in characters.
pub const MAX_DEPARTMENT_CHARS: usize = 100;
/// The longest description or update text, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// The most supervising members one project may list.
pub const MAX_SUPERVISORS: usize = 50;
/// The most updates one project keeps.
pub const MAX_UPDATES: usize = 500;
/// The largest budget, yuan (a trillion: well inside JSON's exact integers).
pub const MAX_BUDGET_YUAN: u64 = 1_000_000_000_000;
/// The years a project may be of.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Where a project is: a point, a town, a grid area, or several of them (at least one). The map
/// draws the point if there is one, else the grid area, else the town.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectPlace {
    pub point: Option<LonLat>,
    pub town: Option<AreaCode>,
    pub grid: Option<GridId>,
}

/// A public progress update: what was done by a day, and the progress then.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectUpdate {
    pub date: NaiveDate,
    pub text: String,
    /// Percent, 0 to 100.
    pub progress: u8,
}

/// A livelihood project as published.
///
/// Build it with its fields and [`Project::checked`]; `id` is the store's (ignored when adding).
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: i64,
    /// One line, not empty.
    pub title: String,
    /// The department responsible (责任单位), not empty.
    pub department: String,
    pub description: String,
    /// Whole yuan, when published.
    pub budget_yuan: Option<u64>,
    /// Percent, 0 to 100: the latest update's when there are updates.
    pub progress: u8,
    /// Agrees with `progress` (see [`status_for`]).
    pub status: ProjectStatus,
    /// The year's list of livelihood projects it belongs to.
    pub year: i32,
    pub place: ProjectPlace,
    /// The deputies and members supervising it, each once.
    pub supervisors: Vec<MemberId>,
    /// Oldest first, progress never going back.
    pub updates: Vec<ProjectUpdate>,
}

/// Why a project or an update was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProjectError {
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("{0} must be one line")]
    Multiline(&'static str),
    #[error("{field} must be at most {max} characters, got {len}")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("progress is a percentage from 0 to 100, got {0}")]
    BadProgress(u8),
    #[error("a {status} project cannot be {progress}% done: planned is 0%, under_way 0–99%, completed 100%")]
    StatusAgainstProgress { status: ProjectStatus, progress: u8 },
    #[error("budget_yuan must be at most {MAX_BUDGET_YUAN}, got {0}")]
    BadBudget(u64),
    #[error("year must be from 2000 to 2100, got {0}")]
    BadYear(i32),
    #[error("a project needs a place: a point (lon, lat), a town or a grid area")]
    NoPlace,
    #[error("a project lists at most {MAX_SUPERVISORS} supervising members, got {0}")]
    TooManySupervisors(usize),
    #[error("member {0} is listed twice")]
    DuplicateSupervisor(MemberId),
    #[error("a project keeps at most {MAX_UPDATES} updates")]
    TooManyUpdates,
    #[error("update of {date} is after today ({today})")]
    UpdateInFuture { date: NaiveDate, today: NaiveDate },
    #[error("update of {date} comes before the update of {before}: updates are added in date order")]
    UpdateOutOfOrder { date: NaiveDate, before: NaiveDate },
    #[error("progress cannot go back from {before}% to {after}%")]
    ProgressBack { before: u8, after: u8 },
    #[error("progress {progress}% differs from the latest update's {latest}%")]
    ProgressNotLatest { progress: u8, latest: u8 },
}

/// The status a project at `progress` percent has, unless it was published as started: 0 is
/// planned, 100 completed, anything between under way.
///
/// | progress | derived     | also allowed |
/// |----------|-------------|--------------|
/// | 0        | planned     | under_way    |
/// | 1–99     | under_way   | —            |
/// | 100      | completed   | —            |
///
/// ```
/// use liaison::domain::project::status_for;
/// use liaison::domain::ProjectStatus;
/// assert_eq!(status_for(0), ProjectStatus::Planned);
/// assert_eq!(status_for(40), ProjectStatus::UnderWay);
/// assert_eq!(status_for(100), ProjectStatus::Completed);
/// ```
pub fn status_for(progress: u8) -> ProjectStatus {
    match progress {
        0 => ProjectStatus::Planned,
        100.. => ProjectStatus::Completed,
        _ => ProjectStatus::UnderWay,
    }
}

/// Whether `status` may go with `progress` (the table of [`status_for`]).
fn agrees(status: ProjectStatus, progress: u8) -> bool {
    status == status_for(progress) || (status == ProjectStatus::UnderWay && progress == 0)
}

fn check_text(field: &'static str, text: &str, max: usize, one_line: bool) -> Result<(), ProjectError> {
    if text.trim().is_empty() {
        return Err(ProjectError::Empty(field));
    }
    if one_line && text.contains(['\n', '\r']) {
        return Err(ProjectError::Multiline(field));
    }
    let len = text.chars().count();
    if len > max {
        return Err(ProjectError::TooLong { field, len, max });
    }
    Ok(())
}

impl ProjectUpdate {
    /// Checks the update alone: text, progress 0–100 and a day not after `today`.
    pub fn checked(self, today: NaiveDate) -> Result<Self, ProjectError> {
        check_text("update text", &self.text, MAX_TEXT_CHARS, false)?;
        if self.progress > 100 {
            return Err(ProjectError::BadProgress(self.progress));
        }
        if self.date > today {
            return Err(ProjectError::UpdateInFuture { date: self.date, today });
        }
        Ok(self)
    }
}

impl Project {
    /// Checks every rule and returns the project unchanged when they hold: a one-line title, a
    /// department, progress 0–100 agreeing with the status, a budget and year in range, a place,
    /// distinct supervisors, and updates (each checked) in date order with progress never going
    /// back, the latest giving the project's progress.
    ///
    /// # Examples
    /// ```
    /// use chrono::NaiveDate;
    /// use liaison::domain::project::{Project, ProjectPlace};
    /// use liaison::domain::{AreaCode, ProjectStatus};
    /// let today = NaiveDate::from_ymd_opt(2026, 11, 12).unwrap();
    /// let project = Project {
    ///     id: 0, title: "老旧小区加装电梯".into(), department: "区住建局".into(), description: String::new(),
    ///     budget_yuan: Some(3_600_000), progress: 40, status: ProjectStatus::UnderWay, year: 2026,
    ///     place: ProjectPlace { town: Some(AreaCode::new("330203003").unwrap()), ..Default::default() },
    ///     supervisors: vec![], updates: vec![],
    /// };
    /// assert!(project.clone().checked(today).is_ok());
    /// assert!(Project { status: ProjectStatus::Completed, ..project.clone() }.checked(today).is_err());
    /// assert!(Project { place: ProjectPlace::default(), ..project }.checked(today).is_err());
    /// ```
    pub fn checked(self, today: NaiveDate) -> Result<Self, ProjectError> {
        check_text("title", &self.title, MAX_TITLE_CHARS, true)?;
        check_text("department", &self.department, MAX_DEPARTMENT_CHARS, true)?;
        let len = self.description.chars().count();
        if len > MAX_TEXT_CHARS {
            return Err(ProjectError::TooLong { field: "description", len, max: MAX_TEXT_CHARS });
        }
        if self.progress > 100 {
            return Err(ProjectError::BadProgress(self.progress));
        }
        if !agrees(self.status, self.progress) {
            return Err(ProjectError::StatusAgainstProgress { status: self.status, progress: self.progress });
        }
        if let Some(b) = self.budget_yuan.filter(|&b| b > MAX_BUDGET_YUAN) {
            return Err(ProjectError::BadBudget(b));
        }
        if !YEARS.contains(&self.year) {
            return Err(ProjectError::BadYear(self.year));
        }
        let ProjectPlace { point, town, grid } = &self.place;
        if point.is_none() && town.is_none() && grid.is_none() {
            return Err(ProjectError::NoPlace);
        }
        if self.supervisors.len() > MAX_SUPERVISORS {
            return Err(ProjectError::TooManySupervisors(self.supervisors.len()));
        }
        for (i, m) in self.supervisors.iter().enumerate() {
            if self.supervisors[..i].contains(m) {
                return Err(ProjectError::DuplicateSupervisor(m.clone()));
            }
        }
        if self.updates.len() > MAX_UPDATES {
            return Err(ProjectError::TooManyUpdates);
        }
        let mut previous: Option<&ProjectUpdate> = None;
        for u in &self.updates {
            u.clone().checked(today)?;
            if let Some(p) = previous {
                if u.date < p.date {
                    return Err(ProjectError::UpdateOutOfOrder { date: u.date, before: p.date });
                }
                if u.progress < p.progress {
                    return Err(ProjectError::ProgressBack { before: p.progress, after: u.progress });
                }
            }
            previous = Some(u);
        }
        if let Some(latest) = previous.filter(|l| l.progress != self.progress) {
            return Err(ProjectError::ProgressNotLatest { progress: self.progress, latest: latest.progress });
        }
        Ok(self)
    }

    /// The project after `update`: its progress becomes the update's and its status follows (a
    /// planned project with a 0% update stays planned; 100% completes it). The update must be
    /// checked, not before the latest one and not going back.
    pub fn with_update(mut self, update: ProjectUpdate, today: NaiveDate) -> Result<Self, ProjectError> {
        let update = update.checked(today)?;
        if update.progress < self.progress {
            return Err(ProjectError::ProgressBack { before: self.progress, after: update.progress });
        }
        self.status = match status_for(update.progress) {
            ProjectStatus::Planned => self.status,
            other => other,
        };
        self.progress = update.progress;
        self.updates.push(update);
        self.checked(today)
    }
}

/// Which projects a listing wants; `None` accepts everything.
#[derive(Debug, Clone)]
pub struct ProjectFilter {
    /// Projects in this town.
    pub town: Option<AreaCode>,
    /// Projects a station shows: in its town, or supervised by one of its members.
    pub near: Option<(Option<AreaCode>, Vec<MemberId>)>,
    pub status: Option<ProjectStatus>,
    pub year: Option<i32>,
    /// Newest year first, then by id, at most this many.
    pub limit: usize,
}

impl Default for ProjectFilter {
    fn default() -> Self {
        Self { town: None, near: None, status: None, year: None, limit: 1_000 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn member(id: &str) -> MemberId {
        MemberId::new(id).unwrap()
    }

    fn update(m: u32, d: u32, progress: u8) -> ProjectUpdate {
        ProjectUpdate { date: day(m, d), text: "完成主体施工".into(), progress }
    }

    fn project() -> Project {
        Project {
            id: 0,
            title: "南塘河滨水步道提升".into(),
            department: "区水利局".into(),
            description: "新建步道2.4公里".into(),
            budget_yuan: Some(12_000_000),
            progress: 60,
            status: ProjectStatus::UnderWay,
            year: 2026,
            place: ProjectPlace { point: Some(LonLat::new(121.53, 29.86).unwrap()), ..Default::default() },
            supervisors: vec![member("M1"), member("M2")],
            updates: vec![update(3, 1, 10), update(6, 30, 60)],
        }
    }

    fn today() -> NaiveDate {
        day(11, 12)
    }

    #[test]
    fn a_complete_project_passes_unchanged() {
        assert_eq!(project().checked(today()), Ok(project()));
    }

    #[test]
    fn title_and_department_are_one_nonempty_line() {
        let with = |title: &str| Project { title: title.into(), ..project() }.checked(today());
        assert_eq!(with(" "), Err(ProjectError::Empty("title")));
        assert_eq!(with("a\nb"), Err(ProjectError::Multiline("title")));
        assert!(matches!(with(&"长".repeat(201)), Err(ProjectError::TooLong { field: "title", .. })));
        let dept = Project { department: String::new(), ..project() }.checked(today());
        assert_eq!(dept, Err(ProjectError::Empty("department")));
        let long = Project { description: "字".repeat(MAX_TEXT_CHARS + 1), ..project() }.checked(today());
        assert!(matches!(long, Err(ProjectError::TooLong { field: "description", .. })));
    }

    #[test]
    fn status_agrees_with_progress_by_the_table() {
        use ProjectStatus::*;
        for progress in [0u8, 1, 50, 99, 100] {
            for status in [Planned, UnderWay, Completed] {
                let p = Project { progress, status, updates: vec![], ..project() }.checked(today());
                let allowed = match progress {
                    0 => status != Completed,
                    100 => status == Completed,
                    _ => status == UnderWay,
                };
                assert_eq!(p.is_ok(), allowed, "{status} at {progress}%: {p:?}");
            }
        }
        let over = Project { progress: 101, status: Completed, updates: vec![], ..project() }.checked(today());
        assert_eq!(over, Err(ProjectError::BadProgress(101)));
    }

    #[test]
    fn budget_and_year_are_in_range() {
        let rich = Project { budget_yuan: Some(MAX_BUDGET_YUAN + 1), ..project() }.checked(today());
        assert_eq!(rich, Err(ProjectError::BadBudget(MAX_BUDGET_YUAN + 1)));
        assert!(Project { budget_yuan: None, ..project() }.checked(today()).is_ok());
        assert_eq!(Project { year: 1999, ..project() }.checked(today()), Err(ProjectError::BadYear(1999)));
    }

    #[test]
    fn a_project_needs_a_point_a_town_or_a_grid() {
        let nowhere = Project { place: ProjectPlace::default(), ..project() };
        assert_eq!(nowhere.checked(today()), Err(ProjectError::NoPlace));
        let town = ProjectPlace { town: Some(AreaCode::new("330203003").unwrap()), ..Default::default() };
        assert!(Project { place: town, ..project() }.checked(today()).is_ok());
        let grid = ProjectPlace { grid: Some(GridId::new("330203003-01").unwrap()), ..Default::default() };
        assert!(Project { place: grid, ..project() }.checked(today()).is_ok());
    }

    #[test]
    fn supervisors_are_listed_once_and_may_be_none() {
        let twice = Project { supervisors: vec![member("M1"), member("M1")], ..project() };
        assert_eq!(twice.checked(today()), Err(ProjectError::DuplicateSupervisor(member("M1"))));
        assert!(Project { supervisors: vec![], ..project() }.checked(today()).is_ok());
        let crowd = (0..=MAX_SUPERVISORS).map(|i| member(&format!("M{i}"))).collect();
        let crowd = Project { supervisors: crowd, ..project() }.checked(today());
        assert_eq!(crowd, Err(ProjectError::TooManySupervisors(MAX_SUPERVISORS + 1)));
    }

    #[test]
    fn updates_run_in_date_order_forward_and_end_at_the_projects_progress() {
        let with = |updates: Vec<ProjectUpdate>| Project { updates, ..project() }.checked(today());
        assert!(matches!(with(vec![update(6, 30, 60), update(3, 1, 10)]), Err(ProjectError::UpdateOutOfOrder { .. })));
        assert!(matches!(
            with(vec![update(3, 1, 70), update(6, 30, 60)]),
            Err(ProjectError::ProgressBack { before: 70, after: 60 })
        ));
        assert_eq!(with(vec![update(3, 1, 10)]), Err(ProjectError::ProgressNotLatest { progress: 60, latest: 10 }));
        assert!(matches!(with(vec![update(12, 1, 60)]), Err(ProjectError::UpdateInFuture { .. })));
        let blank = ProjectUpdate { text: " ".into(), ..update(6, 30, 60) };
        assert_eq!(with(vec![blank]), Err(ProjectError::Empty("update text")));
    }

    #[test]
    fn an_update_moves_progress_and_status_along() {
        let done = project().with_update(update(11, 1, 100), today()).unwrap();
        assert_eq!((done.progress, done.status, done.updates.len()), (100, ProjectStatus::Completed, 3));
        let planned = Project { progress: 0, status: ProjectStatus::Planned, updates: vec![], ..project() };
        let still = planned.clone().with_update(update(11, 1, 0), today()).unwrap();
        assert_eq!(still.status, ProjectStatus::Planned, "a 0% update does not start it");
        let started = planned.with_update(update(11, 1, 5), today()).unwrap();
        assert_eq!((started.progress, started.status), (5, ProjectStatus::UnderWay));
        assert!(matches!(
            project().with_update(update(11, 1, 30), today()),
            Err(ProjectError::ProgressBack { before: 60, after: 30 })
        ));
        assert!(matches!(project().with_update(update(6, 1, 70), today()), Err(ProjectError::UpdateOutOfOrder { .. })));
    }
}
