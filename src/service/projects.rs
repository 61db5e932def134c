//! Livelihood projects (民生实事): published once by an administrator or leader for the whole
//! district (a CSV list comes in all or nothing), updated with public progress reports, and listed
//! for anyone — by town, by station (its town, or supervised by its members), status and year —
//! as GeoJSON: a project's point, else its grid area, else its town. Positions are WGS84 lon/lat
//! degrees (x = lon, y = lat) unless an answer is asked in another `crs`.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize, Serializer};

use super::activities::Named;
use super::staff::scope_of;
use super::{Result, Service, ServiceError};
use crate::catalog::Catalog;
use crate::domain::project::{status_for, ProjectFilter, ProjectPlace};
use crate::domain::{
    AreaCode, AreaLevel, GridId, LonLat, MemberId, Principal, Project, ProjectStatus, ProjectUpdate, Reach, StationId,
};
use crate::formats::geojson::{Feature, FeatureCollection, Shape};
use crate::spatial::Crs;

/// The CSV header of a project list, in any order (`description` may be left out).
pub const PROJECTS_HEADER: [&str; 11] =
    ["title", "department", "budget_yuan", "progress", "status", "year", "lon", "lat", "town", "grid", "supervisors"];
/// Columns a project list may add.
const PROJECTS_OPTIONAL: [&str; 1] = ["description"];

/// A project to publish, as the API's JSON body carries it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// One line, 1 to 200 characters.
    pub title: String,
    /// The department responsible (责任单位), 1 to 100 characters.
    pub department: String,
    /// What is built or done, at most 2,000 characters.
    #[serde(default)]
    pub description: String,
    /// Whole yuan.
    #[schema(maximum = 1_000_000_000_000_u64)]
    pub budget_yuan: Option<u64>,
    /// Percent done, 0 to 100 (default 0; with updates, the latest update's).
    #[serde(default)]
    #[schema(maximum = 100)]
    pub progress: u8,
    /// Derived from progress when left out (0 planned, 1–99 under_way, 100 completed); under_way
    /// may also be given at 0.
    #[schema(value_type = Option<ProjectStatus>)]
    pub status: Option<String>,
    /// The year's list it belongs to, 2000 to 2100 (default: this year).
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// Longitude of the project's point, WGS84 (with `lat`).
    #[schema(minimum = -180, maximum = 180)]
    pub lon: Option<f64>,
    /// Latitude of the project's point, WGS84 (with `lon`).
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    /// The town's area code; derived from the grid or the point when left out.
    #[schema(value_type = Option<AreaCode>)]
    pub town: Option<String>,
    /// The grid area's id.
    #[schema(value_type = Option<GridId>)]
    pub grid: Option<String>,
    /// The members supervising it (each once, at most 50).
    #[serde(default)]
    #[schema(value_type = Vec<MemberId>)]
    pub supervisors: Vec<String>,
    /// Updates so far, oldest first.
    #[serde(default)]
    pub updates: Vec<UpdateInput>,
}

/// A progress update, as the API's JSON body carries it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInput {
    /// The day, YYYY-MM-DD, not after today and not before the latest update.
    #[schema(value_type = NaiveDate, example = "2026-11-10")]
    pub date: String,
    /// What was done, 1 to 2,000 characters.
    pub text: String,
    /// Percent done that day, 0 to 100, not less than before.
    #[schema(maximum = 100)]
    pub progress: u8,
}

/// A progress update as answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UpdateView {
    #[schema(value_type = NaiveDate)]
    pub date: NaiveDate,
    pub text: String,
    pub progress: u8,
}

/// What a project's geometry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DrawnAs {
    /// The project's own point.
    Point,
    /// Its grid area (no point given).
    Grid,
    /// Its town (neither point nor grid given).
    Town,
}

/// A project's properties as answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub id: i64,
    pub title: String,
    pub department: String,
    pub description: String,
    /// Whole yuan.
    pub budget_yuan: Option<u64>,
    /// Percent done.
    pub progress: u8,
    pub status: ProjectStatus,
    /// The status's Chinese name.
    pub status_label: &'static str,
    pub year: i32,
    /// What the feature's geometry is: the point, the grid area or the town.
    pub drawn_as: DrawnAs,
    pub town: Option<Named>,
    pub grid: Option<Named>,
    pub supervisors: Vec<Named>,
    /// Oldest first.
    pub updates: Vec<UpdateView>,
}

impl ProjectView {
    fn new(p: &Project, catalog: &Catalog, drawn_as: DrawnAs) -> Self {
        Self {
            id: p.id,
            title: p.title.clone(),
            department: p.department.clone(),
            description: p.description.clone(),
            budget_yuan: p.budget_yuan,
            progress: p.progress,
            status: p.status,
            status_label: p.status.label_zh(),
            year: p.year,
            drawn_as,
            town: p
                .place
                .town
                .as_ref()
                .map(|t| Named { id: t.to_string(), name: catalog.area(t).map(|a| a.name.clone()) }),
            grid: p
                .place
                .grid
                .as_ref()
                .map(|g| Named { id: g.to_string(), name: catalog.grid(g).map(|g| g.name.clone()) }),
            supervisors: p
                .supervisors
                .iter()
                .map(|m| Named { id: m.to_string(), name: catalog.member(m).map(|m| m.name.clone()) })
                .collect(),
            updates: p
                .updates
                .iter()
                .map(|u| UpdateView { date: u.date, text: u.text.clone(), progress: u.progress })
                .collect(),
        }
    }
}

/// Where a project is drawn: its point, else its grid area, else its town (`None` only when the
/// catalog lost the area, which the store's references prevent).
fn shape<'a>(p: &Project, catalog: &'a Catalog) -> Option<(Shape<'a>, DrawnAs)> {
    if let Some(point) = p.place.point {
        return Some((Shape::Point(point), DrawnAs::Point));
    }
    if let Some(g) = p.place.grid.as_ref().and_then(|g| catalog.grid(g)) {
        return Some((Shape::Area(&g.geometry), DrawnAs::Grid));
    }
    p.place.town.as_ref().and_then(|t| catalog.area(t)).map(|a| (Shape::Area(&a.geometry), DrawnAs::Town))
}

fn feature<'a>(p: &Project, catalog: &'a Catalog, crs: Crs) -> Option<Feature<'a, ProjectView>> {
    let (shape, drawn_as) = shape(p, catalog)?;
    Some(Feature::new(ProjectView::new(p, catalog, drawn_as), shape, crs))
}

/// Projects as a GeoJSON FeatureCollection, with the catalog that names and draws them.
pub struct Projects {
    catalog: Arc<Catalog>,
    pub projects: Vec<Project>,
    crs: Crs,
}

impl Serialize for Projects {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let features: Vec<_> = self.projects.iter().filter_map(|p| feature(p, &self.catalog, self.crs)).collect();
        FeatureCollection::new(features).serialize(s)
    }
}

impl Projects {
    /// The projects' properties, in order (for pages).
    pub fn views(&self) -> Vec<ProjectView> {
        self.projects
            .iter()
            .filter_map(|p| shape(p, &self.catalog).map(|(_, d)| ProjectView::new(p, &self.catalog, d)))
            .collect()
    }
}

/// One project as a GeoJSON Feature.
pub struct OneProject {
    catalog: Arc<Catalog>,
    pub project: Project,
    crs: Crs,
}

impl Serialize for OneProject {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        feature(&self.project, &self.catalog, self.crs)
            .ok_or_else(|| serde::ser::Error::custom(format!("project {} has no place to draw", self.project.id)))?
            .serialize(s)
    }
}

/// Which projects a listing wants.
#[derive(Debug, Clone, Default)]
pub struct ProjectQuery {
    pub town: Option<AreaCode>,
    /// Projects in the station's town or supervised by its members.
    pub station: Option<StationId>,
    pub status: Option<ProjectStatus>,
    pub year: Option<i32>,
    pub limit: usize,
    pub crs: Crs,
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::Unprocessable { code: "invalid_project", message: message.into() }
}

fn unknown(code: &'static str, message: String) -> ServiceError {
    ServiceError::Unprocessable { code, message }
}

impl From<crate::domain::ProjectError> for ServiceError {
    fn from(e: crate::domain::ProjectError) -> Self {
        invalid(e.to_string())
    }
}

fn date(name: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| invalid(format!("{name} must be YYYY-MM-DD, got {text:?}")))
}

/// The fields of one project as text and numbers, from a JSON body or a CSV row.
struct Draft<'a> {
    title: &'a str,
    department: &'a str,
    description: &'a str,
    budget_yuan: Option<u64>,
    progress: u8,
    status: Option<&'a str>,
    year: Option<i32>,
    lon: Option<f64>,
    lat: Option<f64>,
    town: Option<&'a str>,
    grid: Option<&'a str>,
    supervisors: Vec<&'a str>,
    updates: Vec<(&'a str, &'a str, u8)>,
}

/// `Some` of the trimmed text when it is not blank.
fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The town of a place: as given (checked to be a town holding the grid and point), else the
/// grid's, else the one holding the point.
fn place(catalog: &Catalog, point: Option<LonLat>, town: Option<&str>, grid: Option<&str>) -> Result<ProjectPlace> {
    let town = given(town)
        .map(|t| {
            let code = AreaCode::new(t).map_err(|e| invalid(format!("town: {e}")))?;
            match catalog.area(&code) {
                Some(a) if a.level == AreaLevel::Town => Ok(code),
                _ => Err(unknown("unknown_town", format!("no town has area code {t:?}"))),
            }
        })
        .transpose()?;
    let grid = given(grid)
        .map(|g| {
            let id = GridId::new(g).map_err(|e| invalid(format!("grid: {e}")))?;
            catalog.grid(&id).map(|g| g.id.clone()).ok_or_else(|| unknown("unknown_grid", format!("unknown grid {id}")))
        })
        .transpose()?;
    let grid_town = grid.as_ref().and_then(|g| catalog.grid(g)).and_then(|g| g.town_code.clone());
    let point_town = point.and_then(|p| catalog.town_at(p)).map(|a| a.code.clone());
    if let (Some(t), Some(gt)) = (&town, &grid_town) {
        if t != gt {
            return Err(invalid(format!("grid {} is in town {gt}, not {t}", grid.as_ref().map_or("", |g| g.as_str()))));
        }
    }
    if let (Some(t), Some(pt)) = (town.as_ref().or(grid_town.as_ref()), &point_town) {
        if t != pt {
            return Err(invalid(format!("the point is in town {pt}, not {t}")));
        }
    }
    Ok(ProjectPlace { point, town: town.or(grid_town).or(point_town), grid })
}

impl Draft<'_> {
    /// Parses and checks the fields against the catalog and the domain's rules.
    fn project(&self, catalog: &Catalog, today: NaiveDate) -> Result<Project> {
        let point = match (self.lon, self.lat) {
            (None, None) => None,
            (Some(lon), Some(lat)) => Some(LonLat::new(lon, lat).map_err(|e| invalid(e.to_string()))?),
            _ => return Err(invalid("a point needs both lon and lat")),
        };
        let mut supervisors = Vec::with_capacity(self.supervisors.len());
        for m in &self.supervisors {
            let id = MemberId::new(m).map_err(|e| invalid(format!("supervisor {m:?}: {e}")))?;
            if catalog.member(&id).is_none() {
                return Err(unknown("unknown_member", format!("unknown member {id}")));
            }
            supervisors.push(id);
        }
        let updates = self
            .updates
            .iter()
            .map(|&(d, text, progress)| {
                Ok(ProjectUpdate { date: date("update date", d)?, text: text.trim().to_owned(), progress })
            })
            .collect::<Result<Vec<_>>>()?;
        let status = match given(self.status) {
            Some(s) => s.parse::<ProjectStatus>().map_err(|e| invalid(format!("status: {e}")))?,
            None => status_for(self.progress),
        };
        let project = Project {
            id: 0,
            title: self.title.trim().to_owned(),
            department: self.department.trim().to_owned(),
            description: self.description.trim().to_owned(),
            budget_yuan: self.budget_yuan,
            progress: self.progress,
            status,
            year: self.year.unwrap_or(today.year()),
            place: place(catalog, point, self.town, self.grid)?,
            supervisors,
            updates,
        };
        Ok(project.checked(today)?)
    }
}

impl ProjectInput {
    fn draft(&self) -> Draft<'_> {
        Draft {
            title: &self.title,
            department: &self.department,
            description: &self.description,
            budget_yuan: self.budget_yuan,
            progress: self.progress,
            status: self.status.as_deref(),
            year: self.year,
            lon: self.lon,
            lat: self.lat,
            town: self.town.as_deref(),
            grid: self.grid.as_deref(),
            supervisors: self.supervisors.iter().map(String::as_str).collect(),
            updates: self.updates.iter().map(|u| (u.date.as_str(), u.text.as_str(), u.progress)).collect(),
        }
    }
}

/// One CSV row's draft; a number that does not parse is named.
fn row_draft<'a>(cell: &dyn Fn(usize) -> &'a str) -> Result<Draft<'a>, String> {
    fn number<T: std::str::FromStr>(name: &str, v: &str) -> Result<Option<T>, String> {
        match v {
            "" => Ok(None),
            v => v.parse().map(Some).map_err(|_| format!("{name} must be a number, got {v:?}")),
        }
    }
    let progress = number::<u8>("progress", cell(3))?.unwrap_or(0);
    Ok(Draft {
        title: cell(0),
        department: cell(1),
        description: cell(11),
        budget_yuan: number("budget_yuan", cell(2))?,
        progress,
        status: Some(cell(4)),
        year: number("year", cell(5))?,
        lon: number("lon", cell(6))?,
        lat: number("lat", cell(7))?,
        town: Some(cell(8)),
        grid: Some(cell(9)),
        supervisors: cell(10).split(';').map(str::trim).filter(|m| !m.is_empty()).collect(),
        updates: Vec::new(),
    })
}

impl Service {
    /// Refuses `who` unless they may publish to the whole district (admins and leaders).
    fn may_publish_district(&self, who: &Principal, what: &str) -> Result<()> {
        if who.may_publish(Reach::District, &scope_of(&self.catalog(), who)) {
            return Ok(());
        }
        Err(ServiceError::Forbidden(format!(
            "a {} may not {what}; administrators and leaders publish for the whole district",
            who.role.code()
        )))
    }

    /// Publishes one project for the whole district (administrators and leaders). Members, town
    /// and grid must exist; the town is derived from the grid or point when not given.
    pub async fn publish_project(&self, who: &Principal, input: &ProjectInput) -> Result<OneProject> {
        self.may_publish_district(who, "publish livelihood projects")?;
        let catalog = self.catalog();
        let mut project = input.draft().project(&catalog, self.now().date_naive())?;
        let ids = self.store.add_projects(std::slice::from_ref(&project), &who.actor(), self.now()).await?;
        project.id = ids.first().copied().ok_or_else(|| ServiceError::Internal("no id for the project".into()))?;
        Ok(OneProject { catalog, project, crs: Crs::Wgs84 })
    }

    /// Adds a public progress update to project `id` (administrators and leaders): its progress
    /// becomes the update's and its status follows. 409 when another update came in meanwhile.
    pub async fn add_project_update(&self, who: &Principal, id: i64, input: &UpdateInput) -> Result<OneProject> {
        self.may_publish_district(who, "publish project updates")?;
        let project =
            self.store.project(id).await?.ok_or_else(|| ServiceError::not_found("project", &id.to_string()))?;
        let today = self.now().date_naive();
        let update = ProjectUpdate {
            date: date("date", &input.date)?,
            text: input.text.trim().to_owned(),
            progress: input.progress,
        };
        let project = project.with_update(update, today)?;
        if !self.store.add_project_update(&project, &who.actor(), self.now()).await? {
            return Err(ServiceError::Conflict {
                code: "concurrent_update",
                message: format!("project {id} was updated meanwhile; reload it and try again"),
            });
        }
        Ok(OneProject { catalog: self.catalog(), project, crs: Crs::Wgs84 })
    }

    /// One project with its updates, positions in `crs`.
    pub async fn project(&self, id: i64, crs: Crs) -> Result<OneProject> {
        let project =
            self.store.project(id).await?.ok_or_else(|| ServiceError::not_found("project", &id.to_string()))?;
        Ok(OneProject { catalog: self.catalog(), project, crs })
    }

    /// The projects matching `q`; an unknown station or town is a 400.
    pub async fn projects(&self, q: &ProjectQuery) -> Result<Projects> {
        let catalog = self.catalog();
        if let Some(t) = &q.town {
            if catalog.area(t).is_none_or(|a| a.level != AreaLevel::Town) {
                return Err(ServiceError::invalid("unknown_town", format!("no town has area code {:?}", t.as_str())));
            }
        }
        let near = match &q.station {
            None => None,
            Some(id) => {
                let station = catalog.station(id).ok_or_else(|| {
                    ServiceError::invalid("unknown_station", format!("no station has id {:?}", id.as_str()))
                })?;
                let members = catalog.members_of_station(id).into_iter().map(|m| m.id.clone()).collect();
                Some((station.town_code.clone(), members))
            }
        };
        let filter = ProjectFilter { town: q.town.clone(), near, status: q.status, year: q.year, limit: q.limit };
        let projects = self.store.projects(&filter).await?;
        Ok(Projects { catalog, projects, crs: q.crs })
    }

    /// Imports a list of projects as CSV (see [`PROJECTS_HEADER`]; supervisors separated by `;`,
    /// positions WGS84). Every row is checked first; if any is bad, nothing is written and the
    /// error names the first bad rows by line. Answers how many projects were published.
    pub async fn import_projects<R: std::io::Read>(&self, reader: R, published_by: &str) -> Result<usize> {
        let catalog = self.catalog();
        let today = self.now().date_naive();
        let (rows, mut problems) =
            super::imports::csv_rows(reader, &PROJECTS_HEADER, &PROJECTS_OPTIONAL, |record, columns| {
                let cell = |i: usize| columns[i].and_then(|c| record.get(c)).unwrap_or("").trim();
                row_draft(&cell).and_then(|d| d.project(&catalog, today).map_err(|e| e.to_string()))
            })?;
        if rows.is_empty() && problems.is_empty() {
            problems.push("the file has no projects".into());
        }
        if !problems.is_empty() {
            return Err(super::imports::bad_rows(problems));
        }
        let projects: Vec<Project> = rows.into_iter().map(|(_, p)| p).collect();
        Ok(self.store.add_projects(&projects, published_by, self.now()).await?.len())
    }
}
