//! Reading stored rows into domain values and writing domain values as stored text, shared by
//! the SQLite and PostgreSQL backends: both keep the same columns with the same encodings (times
//! as RFC 3339 text, dates `YYYY-MM-DD`, lists as JSON arrays, geometries as GeoJSON geometry text
//! in WGS84 lon/lat degrees), so only the SQL differs between them.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, Utc};
use geo::{LineString, MultiPolygon};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, Sqlite};

use super::{Batch, ScenarioRecord, StoreError};
use crate::domain::outbox::EventType;
use crate::domain::photo::{Photo, PhotoHash, PhotoStatus};
use crate::domain::project::ProjectPlace;
use crate::domain::rota::AcceptedRota;
use crate::domain::{
    Activity, AdminArea, AuditEntry, Contact, DemandPoint, GridArea, LayerFeature, LonLat, MapLayer, Member, MemberId,
    NewOpinion, Notice, NoticeScope, Opinion, OpinionFact, Patrol, Principal, Project, ProjectUpdate, ReceptionRule,
    Routing, Stars, Station, TrackingCode,
};
use crate::store::{AttemptRecord, WebhookRecord};

/// A value a column of either backend decodes into (text, integers, reals, and their options).
pub(crate) trait ColumnValue:
    for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite> + for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>
{
}

impl<T> ColumnValue for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
{
}

/// A result row of either backend, read by column name.
pub(crate) trait Columns {
    fn col<T: ColumnValue>(&self, name: &str) -> Result<T, sqlx::Error>;
}

impl Columns for SqliteRow {
    fn col<T: ColumnValue>(&self, name: &str) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
}

impl Columns for PgRow {
    fn col<T: ColumnValue>(&self, name: &str) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
}

pub(crate) fn corrupt(table: &'static str, id: &str, message: impl ToString) -> StoreError {
    StoreError::Corrupt { table, id: id.to_owned(), message: message.to_string() }
}

/// Parses a column that was written by this module from a domain value, so failure means the
/// database was edited by hand or by another program.
pub(crate) fn parse_col<T: FromStr>(
    row: &impl Columns,
    table: &'static str,
    id: &str,
    col: &str,
) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    let text: String = row.col(col)?;
    text.parse().map_err(|e: T::Err| corrupt(table, id, format!("{col}: {e}")))
}

pub(crate) fn parse_opt<T: FromStr>(
    row: &impl Columns,
    table: &'static str,
    id: &str,
    col: &str,
) -> Result<Option<T>, StoreError>
where
    T::Err: std::fmt::Display,
{
    let text: Option<String> = row.col(col)?;
    text.map(|t| t.parse().map_err(|e: T::Err| corrupt(table, id, format!("{col}: {e}")))).transpose()
}

/// A unique-constraint violation as [`StoreError::Duplicate`] of `what`.
pub(crate) fn unique_as_duplicate(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
        StoreError::Duplicate(what())
    } else {
        StoreError::Database(e)
    }
}

/// The table a batch writes.
pub(crate) fn table_of(batch: &Batch) -> &'static str {
    match batch {
        Batch::Areas(_) => "admin_areas",
        Batch::Stations(_) => "stations",
        Batch::Members(_) => "members",
        Batch::Grids(_) => "grids",
        Batch::Layer(_) => "map_layers",
        Batch::Demand(_) => "demand_points",
    }
}

// ---- reference data ----

pub(crate) fn geometry_text(mp: &MultiPolygon<f64>) -> String {
    geojson::Geometry::from(mp).to_string()
}

fn parse_geometry(text: &str, table: &'static str, id: &str) -> Result<MultiPolygon<f64>, StoreError> {
    let g = geojson::Geometry::from_str(text).map_err(|e| corrupt(table, id, e))?;
    MultiPolygon::try_from(g.value).map_err(|e| corrupt(table, id, e))
}

/// A station's reception rules as stored: a JSON array of their canonical texts.
pub(crate) fn reception_text(s: &Station) -> String {
    let rules: Vec<String> = s.reception.iter().map(ToString::to_string).collect();
    serde_json::Value::from(rules).to_string()
}

pub(crate) fn station_from_row(row: &impl Columns) -> Result<Station, StoreError> {
    let id: String = row.col("id")?;
    let t = "stations";
    let rules: Vec<String> = serde_json::from_str(&row.col::<String>("reception")?).map_err(|e| corrupt(t, &id, e))?;
    let reception =
        rules.iter().map(|r| r.parse::<ReceptionRule>()).collect::<Result<_, _>>().map_err(|e| corrupt(t, &id, e))?;
    let location = LonLat::new(row.col("lon")?, row.col("lat")?).map_err(|e| corrupt(t, &id, e))?;
    Ok(Station {
        id: parse_col(row, t, &id, "id")?,
        name: row.col("name")?,
        kind: parse_col(row, t, &id, "kind")?,
        level: parse_col(row, t, &id, "level")?,
        town_code: parse_opt(row, t, &id, "town_code")?,
        address: row.col("address")?,
        phone: row.col("phone")?,
        opening_hours: row.col("opening_hours")?,
        parent: parse_opt(row, t, &id, "parent_id")?,
        location,
        url: row.col("url")?,
        reception,
    })
}

pub(crate) fn member_from_row(row: &impl Columns) -> Result<Member, StoreError> {
    let id: String = row.col("id")?;
    let t = "members";
    Ok(Member {
        id: parse_col(row, t, &id, "id")?,
        name: row.col("name")?,
        body: parse_col(row, t, &id, "body")?,
        level: parse_col(row, t, &id, "level")?,
        sector: row.col("sector")?,
        occupation: row.col("occupation")?,
        station: parse_opt(row, t, &id, "station_id")?,
        term_start: parse_opt(row, t, &id, "term_start")?,
        term_end: parse_opt(row, t, &id, "term_end")?,
    })
}

pub(crate) fn area_from_row(row: &impl Columns) -> Result<AdminArea, StoreError> {
    let code: String = row.col("code")?;
    let t = "admin_areas";
    Ok(AdminArea {
        code: parse_col(row, t, &code, "code")?,
        name: row.col("name")?,
        level: parse_col(row, t, &code, "level")?,
        parent: parse_opt(row, t, &code, "parent_code")?,
        geometry: parse_geometry(&row.col::<String>("geometry")?, t, &code)?,
    })
}

/// A layer's features as stored: a JSON array of GeoJSON Features (WGS84).
pub(crate) fn layer_features_text(layer: &MapLayer) -> String {
    let features: Vec<serde_json::Value> = layer
        .features
        .iter()
        .map(|f| {
            serde_json::json!({
                "type": "Feature",
                "properties": f.properties,
                "geometry": geojson::Geometry::from(&f.geometry),
            })
        })
        .collect();
    serde_json::Value::Array(features).to_string()
}

pub(crate) fn layer_from_row(row: &impl Columns) -> Result<MapLayer, StoreError> {
    let name: String = row.col("name")?;
    let t = "map_layers";
    let features: Vec<serde_json::Value> =
        serde_json::from_str(&row.col::<String>("features")?).map_err(|e| corrupt(t, &name, e))?;
    let features = features
        .into_iter()
        .map(|mut f| {
            let properties = match f.get_mut("properties").map(serde_json::Value::take) {
                Some(serde_json::Value::Object(p)) => p,
                _ => serde_json::Map::new(),
            };
            let geometry =
                geojson::Geometry::from_json_value(f["geometry"].take()).map_err(|e| corrupt(t, &name, e))?;
            let geometry = geo::Geometry::try_from(geometry.value).map_err(|e| corrupt(t, &name, e))?;
            Ok(LayerFeature { geometry, properties })
        })
        .collect::<Result<_, StoreError>>()?;
    MapLayer::new(parse_col(row, t, &name, "name")?, &row.col::<String>("title")?, features)
        .map_err(|e| corrupt(t, &name, e))
}

/// A grid with its members from the comma-separated `member_ids` column, in order.
pub(crate) fn grid_from_row(row: &impl Columns) -> Result<GridArea, StoreError> {
    let id: String = row.col("id")?;
    let t = "grids";
    Ok(GridArea {
        id: parse_col(row, t, &id, "id")?,
        code: row.col("code")?,
        name: row.col("name")?,
        geometry: parse_geometry(&row.col::<String>("geometry")?, t, &id)?,
        members: ids(&row.col::<String>("member_ids")?, t, &id)?,
        station: parse_opt(row, t, &id, "station_id")?,
        town_code: parse_opt(row, t, &id, "town_code")?,
    })
}

pub(crate) fn demand_from_row(row: &impl Columns) -> Result<DemandPoint, StoreError> {
    let id: String = row.col("id")?;
    let bad = |e: &dyn std::fmt::Display| corrupt("demand_points", &id, e);
    let position = LonLat::new(row.col("lon")?, row.col("lat")?).map_err(|e| bad(&e))?;
    DemandPoint::new(id.clone(), position, row.col("weight")?).map_err(|e| bad(&e))
}

/// Splits a comma-separated list of ids (a `group_concat` or `string_agg`), parsing each.
pub(crate) fn ids<T: FromStr>(text: &str, table: &'static str, key: &str) -> Result<Vec<T>, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.split(',').filter(|s| !s.is_empty()).map(|s| s.parse().map_err(|e: T::Err| corrupt(table, key, e))).collect()
}

// ---- accounts and planning ----

pub(crate) fn scenario_from_row(row: &impl Columns) -> Result<ScenarioRecord, StoreError> {
    Ok(ScenarioRecord {
        name: row.col("name")?,
        created_at: row.col("created_at")?,
        created_by: row.col("created_by")?,
        plan: row.col("plan")?,
    })
}

pub(crate) fn principal_from_row(
    row: &impl Columns,
    table: &'static str,
    name_col: &str,
) -> Result<Principal, StoreError> {
    let name: String = row.col(name_col)?;
    Ok(Principal {
        role: parse_col(row, table, &name, "role")?,
        station: parse_opt(row, table, &name, "station_id")?,
        member: parse_opt(row, table, &name, "member_id")?,
        name,
    })
}

// ---- opinions ----

const OPINIONS: &str = "opinions";

fn opinion_time(row: &impl Columns, id: &str, col: &str) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
    let text: Option<String> = row.col(col)?;
    text.map(|t| DateTime::parse_from_rfc3339(&t).map_err(|e| corrupt(OPINIONS, id, format!("{col}: {e}")))).transpose()
}

/// The responsible members of a routing as stored: a JSON array of ids.
pub(crate) fn members_text(routing: &Routing) -> String {
    let members: Vec<&str> = routing.members.iter().map(|m| m.as_str()).collect();
    serde_json::Value::from(members).to_string()
}

pub(crate) fn opinion_from_row(row: &impl Columns) -> Result<Opinion, StoreError> {
    const T: &str = OPINIONS;
    let id: i64 = row.col("id")?;
    let key = id.to_string();
    let k = key.as_str();
    let location = LonLat::new(row.col("lon")?, row.col("lat")?).map_err(|e| corrupt(T, k, e))?;
    let members: Vec<String> = serde_json::from_str(&row.col::<String>("members")?).map_err(|e| corrupt(T, k, e))?;
    let members = members.iter().map(|m| m.parse()).collect::<Result<_, _>>().map_err(|e| corrupt(T, k, e))?;
    let rating: Option<i64> = row.col("rating")?;
    let rating = rating.map(|r| Stars::new(r as u8)).transpose().map_err(|e| corrupt(T, k, e))?;
    let due: Option<String> = row.col("due_date")?;
    let due = due.map(|d| NaiveDate::from_str(&d)).transpose().map_err(|e| corrupt(T, k, e))?;
    let anonymous: i64 = row.col("anonymous")?;
    Ok(Opinion {
        id,
        code: parse_col(row, T, k, "tracking_code")?,
        submission: NewOpinion {
            category: parse_col(row, T, k, "category")?,
            title: row.col("title")?,
            text: row.col("body")?,
            location,
            channel: parse_col(row, T, k, "channel")?,
            anonymous: anonymous != 0,
            contact: Contact { name: row.col("contact_name")?, phone: row.col("contact_phone")? },
        },
        routing: Routing {
            town_code: parse_opt(row, T, k, "town_code")?,
            grid: parse_opt(row, T, k, "grid_id")?,
            station: parse_opt(row, T, k, "station_id")?,
            members,
        },
        status: parse_col(row, T, k, "status")?,
        version: row.col("version")?,
        department: row.col("department")?,
        due,
        reply_route: parse_opt(row, T, k, "reply_route")?,
        reply: row.col("reply")?,
        rating,
        rating_comment: row.col("rating_comment")?,
        created_at: opinion_time(row, k, "created_at")?.ok_or_else(|| corrupt(T, k, "created_at is missing"))?,
        registered_at: opinion_time(row, k, "registered_at")?,
        replied_at: opinion_time(row, k, "replied_at")?,
        closed_at: opinion_time(row, k, "closed_at")?,
    })
}

pub(crate) fn entry_from_row(row: &impl Columns) -> Result<AuditEntry, StoreError> {
    let id: i64 = row.col("id")?;
    let k = id.to_string();
    let at: String = row.col("at")?;
    Ok(AuditEntry {
        at: DateTime::parse_from_rfc3339(&at).map_err(|e| corrupt("opinion_events", &k, e))?,
        actor: row.col("actor")?,
        from: parse_col(row, "opinion_events", &k, "from_status")?,
        to: parse_col(row, "opinion_events", &k, "to_status")?,
        event: row.col("event")?,
        note: row.col("note")?,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The number in ASCII digits `b`, if they are all digits.
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
}

/// Unix seconds of a stored time. The form the stores write, `2026-11-22T09:30:00+08:00`, is
/// read directly (loading millions of opinions); anything else goes through chrono.
fn unix_seconds(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() == 25 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':' && b[22] == b':'
    {
        let sign = match b[19] {
            b'+' => 1,
            b'-' => -1,
            _ => return DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp()),
        };
        let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
        let (h, mi, s) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
        let offset = sign * (digits(&b[20..22])? * 3600 + digits(&b[23..25])? * 60);
        if (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s < 61 {
            return Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset);
        }
    }
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp())
}

/// Days since 1970-01-01 of a stored `YYYY-MM-DD` date.
fn day_of(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some(days_from_civil(digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?) as i32)
}

/// The columns an opinion fact is read from, in this order.
pub(crate) const FACT_COLUMNS: &str =
    "id, lon, lat, category, status, rating, town_code, grid_id, station_id, members, \
                                       created_at, registered_at, replied_at, due_date";

/// An opinion fact from a row of [`FACT_COLUMNS`]: its id, lon, lat and rating, and `text(i)`
/// the text of the `i`-th column (`None` for NULL), borrowed from the row.
pub(crate) fn fact_from_columns<'r>(
    id: i64,
    lon: f64,
    lat: f64,
    rating: Option<i64>,
    text: impl Fn(usize) -> Result<Option<&'r str>, StoreError>,
) -> Result<OpinionFact<'r>, StoreError> {
    let bad = |col: &str, e: &dyn std::fmt::Display| corrupt(OPINIONS, &id.to_string(), format!("{col}: {e}"));
    let time = |i: usize, col: &str| -> Result<Option<i64>, StoreError> {
        text(i)?.map(|t| unix_seconds(t).ok_or_else(|| bad(col, &"not an RFC 3339 time"))).transpose()
    };
    let category = text(3)?.unwrap_or_default();
    let status = text(4)?.unwrap_or_default();
    let members = text(9)?.unwrap_or("[]");
    Ok(OpinionFact {
        id,
        lon,
        lat,
        category: category.parse().map_err(|e| bad("category", &e))?,
        status: status.parse().map_err(|e| bad("status", &e))?,
        rating: rating.map(|r| r as u8),
        town: text(6)?,
        grid: text(7)?,
        station: text(8)?,
        members: serde_json::from_str(members).map_err(|e| bad("members", &e))?,
        created: time(10, "created_at")?.ok_or_else(|| bad("created_at", &"missing"))?,
        registered: time(11, "registered_at")?,
        replied: time(12, "replied_at")?,
        due: text(13)?.map(|d| day_of(d).ok_or_else(|| bad("due_date", &d))).transpose()?,
    })
}

/// A tracking code derived from `code` for the `attempt`-th retry after a collision: as
/// unguessable as the original, which was random.
pub(crate) fn rederived(code: &TrackingCode, attempt: u32) -> TrackingCode {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{}:{attempt}", code.as_str()));
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    TrackingCode::from_random(u64::from_le_bytes(first))
}

// ---- activities ----

/// How activities store times of day.
pub(crate) const TIME_OF_DAY: &str = "%H:%M:%S";

/// A patrol's photo references as stored: a JSON array (`[]` for other activities).
pub(crate) fn patrol_photos_text(a: &Activity) -> String {
    serde_json::to_string(&a.patrol.as_ref().map_or(&[][..], |p| &p.photos[..])).unwrap_or_else(|_| "[]".to_owned())
}

/// An activity with its members and opinions from the comma-separated `member_ids` and
/// `opinion_ids` columns, in order.
pub(crate) fn activity_from_row(row: &impl Columns) -> Result<Activity, StoreError> {
    const T: &str = "activities";
    let id: i64 = row.col("id")?;
    let key = id.to_string();
    let k = key.as_str();
    let bad = |e: &dyn std::fmt::Display| corrupt(T, k, e);
    let time = |col: &str| -> Result<Option<NaiveTime>, StoreError> {
        let text: Option<String> = row.col(col)?;
        text.map(|t| NaiveTime::parse_from_str(&t, TIME_OF_DAY).map_err(|e| bad(&format!("{col}: {e}")))).transpose()
    };
    let river: Option<String> = row.col("river")?;
    let path: Option<String> = row.col("path")?;
    let patrol = match (river, path) {
        (Some(river), Some(path)) => {
            let g = geojson::Geometry::from_str(&path).map_err(|e| bad(&e))?;
            let path = LineString::try_from(g.value).map_err(|e| bad(&e))?;
            Some(Patrol {
                river,
                path,
                observations: row.col::<Option<String>>("observations")?.unwrap_or_default(),
                water_class: parse_opt(row, T, k, "water_class")?,
                photos: serde_json::from_str(&row.col::<String>("photos")?).map_err(|e| bad(&e))?,
            })
        }
        _ => None,
    };
    let visitors: i64 = row.col("visitors")?;
    Ok(Activity {
        id,
        kind: parse_col(row, T, k, "kind")?,
        station: parse_col(row, T, k, "station_id")?,
        date: parse_col::<NaiveDate>(row, T, k, "date")?,
        start: time("start_time")?,
        end: time("end_time")?,
        members: ids(&row.col::<String>("member_ids")?, T, k)?,
        visitors: u32::try_from(visitors).map_err(|e| bad(&e))?,
        title: row.col("title")?,
        notes: row.col("notes")?,
        opinions: ids(&row.col::<String>("opinion_ids")?, T, k)?,
        patrol,
    })
}

// ---- published information ----

const PROJECTS: &str = "projects";
const NOTICES: &str = "notices";

pub(crate) fn percent(row: &impl Columns, table: &'static str, key: &str, col: &str) -> Result<u8, StoreError> {
    let v: i64 = row.col(col)?;
    u8::try_from(v).ok().filter(|p| *p <= 100).ok_or_else(|| corrupt(table, key, format!("{col}: {v}")))
}

/// A project with its supervisors from the comma-separated `member_ids` column, in order.
pub(crate) fn project_from_row(row: &impl Columns, updates: Vec<ProjectUpdate>) -> Result<Project, StoreError> {
    let id: i64 = row.col("id")?;
    let key = id.to_string();
    let k = key.as_str();
    let point = match (row.col::<Option<f64>>("lon")?, row.col::<Option<f64>>("lat")?) {
        (Some(lon), Some(lat)) => Some(LonLat::new(lon, lat).map_err(|e| corrupt(PROJECTS, k, e))?),
        _ => None,
    };
    let budget: Option<i64> = row.col("budget_yuan")?;
    let year: i64 = row.col("year")?;
    Ok(Project {
        id,
        title: row.col("title")?,
        department: row.col("department")?,
        description: row.col("description")?,
        budget_yuan: budget.map(|b| u64::try_from(b).map_err(|e| corrupt(PROJECTS, k, e))).transpose()?,
        progress: percent(row, PROJECTS, k, "progress")?,
        status: parse_col(row, PROJECTS, k, "status")?,
        year: i32::try_from(year).map_err(|e| corrupt(PROJECTS, k, e))?,
        place: ProjectPlace {
            point,
            town: parse_opt(row, PROJECTS, k, "town_code")?,
            grid: parse_opt(row, PROJECTS, k, "grid_id")?,
        },
        supervisors: ids(&row.col::<String>("member_ids")?, PROJECTS, k)?,
        updates,
    })
}

/// A project update and the project it belongs to.
pub(crate) fn project_update_from_row(row: &impl Columns) -> Result<(i64, ProjectUpdate), StoreError> {
    let key: i64 = row.col("id")?;
    let k = key.to_string();
    let update = ProjectUpdate {
        date: parse_col(row, "project_updates", &k, "date")?,
        text: row.col("text")?,
        progress: percent(row, "project_updates", &k, "progress")?,
    };
    Ok((row.col("project_id")?, update))
}

/// A notice with its stations from the comma-separated `station_ids` column, in order.
pub(crate) fn notice_from_row(row: &impl Columns) -> Result<Notice, StoreError> {
    let id: i64 = row.col("id")?;
    let key = id.to_string();
    let k = key.as_str();
    let scope = match row.col::<String>("scope")?.as_str() {
        "district" => NoticeScope::District,
        "town" => NoticeScope::Town(parse_col(row, NOTICES, k, "town_code")?),
        "stations" => NoticeScope::Stations(ids(&row.col::<String>("station_ids")?, NOTICES, k)?),
        other => return Err(corrupt(NOTICES, k, format!("scope: {other:?}"))),
    };
    Ok(Notice {
        id,
        title: row.col("title")?,
        body: row.col("body")?,
        published: parse_col::<NaiveDate>(row, NOTICES, k, "published")?,
        expires: parse_opt(row, NOTICES, k, "expires")?,
        scope,
    })
}

// ---- rotas ----

/// A session start as stored: RFC 3339 in Shanghai time, so that equal instants are equal text.
pub(crate) fn start_text(start: DateTime<FixedOffset>) -> String {
    start.with_timezone(&crate::domain::schedule::shanghai()).to_rfc3339()
}

/// The members of a rota as stored: a JSON array of ids in the order chosen.
pub(crate) fn rota_members_text(rota: &AcceptedRota) -> String {
    let members: Vec<&str> = rota.members.iter().map(MemberId::as_str).collect();
    serde_json::Value::from(members).to_string()
}

pub(crate) fn rota_from_row(row: &impl Columns) -> Result<AcceptedRota, StoreError> {
    let station: String = row.col("station_id")?;
    let t = "rota_acceptances";
    let members: Vec<String> =
        serde_json::from_str(&row.col::<String>("members")?).map_err(|e| corrupt(t, &station, e))?;
    let members = members
        .iter()
        .map(|m| MemberId::new(m))
        .collect::<Result<_, _>>()
        .map_err(|e| corrupt(t, &station, format!("members: {e}")))?;
    let time = |col: &str| -> Result<DateTime<FixedOffset>, StoreError> {
        let text: String = row.col(col)?;
        DateTime::parse_from_rfc3339(&text).map_err(|e| corrupt(t, &station, format!("{col}: {e}")))
    };
    Ok(AcceptedRota {
        station: parse_col(row, t, &station, "station_id")?,
        start: time("session_start")?.with_timezone(&crate::domain::schedule::shanghai()),
        members,
        decided_by: row.col("decided_by")?,
        decided_at: time("decided_at")?,
    })
}

// ---- photos ----

pub(crate) fn photo_from_row(row: &impl Columns) -> Result<Photo, StoreError> {
    const T: &str = "photos";
    let id: i64 = row.col("id")?;
    let k = id.to_string();
    let time = |col: &str| -> Result<Option<DateTime<FixedOffset>>, StoreError> {
        let text: Option<String> = row.col(col)?;
        text.map(|t| DateTime::parse_from_rfc3339(&t).map_err(|e| corrupt(T, &k, format!("{col}: {e}")))).transpose()
    };
    let dimension = |col: &str| -> Result<u32, StoreError> {
        let v: i64 = row.col(col)?;
        u32::try_from(v).map_err(|e| corrupt(T, &k, format!("{col}: {e}")))
    };
    let bytes: i64 = row.col("bytes")?;
    Ok(Photo {
        id,
        opinion_id: row.col("opinion_id")?,
        hash: parse_col::<PhotoHash>(row, T, &k, "hash")?,
        width: dimension("width")?,
        height: dimension("height")?,
        bytes: u64::try_from(bytes).map_err(|e| corrupt(T, &k, format!("bytes: {e}")))?,
        uploaded_at: time("uploaded_at")?.ok_or_else(|| corrupt(T, &k, "uploaded_at is missing"))?,
        status: parse_col::<PhotoStatus>(row, T, &k, "status")?,
        decided_by: row.col("decided_by")?,
        decided_at: time("decided_at")?,
    })
}

// ---- webhooks and the outbox ----

/// A time as the outbox stores it: UTC with milliseconds and a Z, so that text order is time order.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_time(table: &'static str, id: i64, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()).map_err(|e| corrupt(table, &id.to_string(), e))
}

pub(crate) fn opt_time(
    row: &impl Columns,
    table: &'static str,
    id: i64,
    col: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let text: Option<String> = row.col(col)?;
    text.map(|t| parse_time(table, id, &t)).transpose()
}

/// A fresh event id: 32 random hex digits.
pub(crate) fn event_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| corrupt("outbox", "-", e))?;
    Ok(hex::encode(bytes))
}

/// A webhook's event types as stored: a JSON array of codes.
pub(crate) fn events_text(events: &[EventType]) -> String {
    let codes: Vec<&str> = events.iter().map(|e| e.code()).collect();
    serde_json::Value::from(codes).to_string()
}

pub(crate) fn webhook_from_row(row: &impl Columns) -> Result<WebhookRecord, StoreError> {
    let id: i64 = row.col("id")?;
    let events: Vec<String> =
        serde_json::from_str(&row.col::<String>("events")?).map_err(|e| corrupt("webhooks", &id.to_string(), e))?;
    let events = events
        .iter()
        .map(|e| e.parse::<EventType>())
        .collect::<Result<_, _>>()
        .map_err(|e| corrupt("webhooks", &id.to_string(), e))?;
    Ok(WebhookRecord {
        id,
        url: row.col("url")?,
        events,
        secret: row.col("secret")?,
        created_at: parse_time("webhooks", id, &row.col::<String>("created_at")?)?,
        created_by: row.col("created_by")?,
    })
}

pub(crate) fn attempt_from_row(row: &impl Columns) -> Result<AttemptRecord, StoreError> {
    let id: i64 = row.col("id")?;
    let status: Option<i64> = row.col("status_code")?;
    let ms: i64 = row.col("duration_ms")?;
    Ok(AttemptRecord {
        at: parse_time("outbox_attempts", id, &row.col::<String>("at")?)?,
        status: status.map(|s| s as u16),
        error: row.col("error")?,
        duration_ms: ms.max(0) as u64,
    })
}

/// A claimed outbox row joined with its webhook (`webhook_id`, `url`, `secret`).
pub(crate) fn due_from_row(row: &impl Columns) -> Result<crate::store::DueDelivery, StoreError> {
    let id: i64 = row.col("id")?;
    let attempts: i64 = row.col("attempts")?;
    Ok(crate::store::DueDelivery {
        id,
        webhook_id: row.col("webhook_id")?,
        event_id: row.col("event_id")?,
        event_type: row.col("event_type")?,
        payload: row.col("payload")?,
        attempts: attempts.max(0) as u32,
        created_at: parse_time("outbox", id, &row.col::<String>("created_at")?)?,
        url: row.col("url")?,
        secret: row.col("secret")?,
    })
}

/// A claimed notice: an outbox row of kind `notice` joined with its follower (`channel`,
/// `address`, `lang`, `token`, `opinion_id`) and the opinion's `tracking_code`.
pub(crate) fn due_notice_from_row(row: &impl Columns, id: i64) -> Result<crate::store::DueNotice, StoreError> {
    use crate::domain::follow::NoticeKind;
    let key = id.to_string();
    let event_type: String = row.col("event_type")?;
    let attempts: i64 = row.col("attempts")?;
    Ok(crate::store::DueNotice {
        id,
        event_id: row.col("event_id")?,
        kind: NoticeKind::from_event_type(&event_type)
            .ok_or_else(|| corrupt("outbox", &key, format!("event_type {event_type:?}")))?,
        attempts: attempts.max(0) as u32,
        created_at: parse_time("outbox", id, &row.col::<String>("created_at")?)?,
        channel: parse_col(row, "opinion_followers", &key, "channel")?,
        address: row.col("address")?,
        lang: row.col("lang")?,
        token: row.col("token")?,
        opinion_id: row.col("opinion_id")?,
        code: parse_col(row, "opinions", &key, "tracking_code")?,
    })
}

/// An outbox row of a webhook with its attempt log.
pub(crate) fn delivery_from_row(
    row: &impl Columns,
    log: Vec<AttemptRecord>,
) -> Result<crate::store::DeliveryRecord, StoreError> {
    let id: i64 = row.col("id")?;
    let n: i64 = row.col("attempts")?;
    Ok(crate::store::DeliveryRecord {
        id,
        event_id: row.col("event_id")?,
        event_type: row.col("event_type")?,
        created_at: parse_time("outbox", id, &row.col::<String>("created_at")?)?,
        attempts: n.max(0) as u32,
        next_attempt_at: opt_time(row, "outbox", id, "next_attempt_at")?,
        delivered_at: opt_time(row, "outbox", id, "delivered_at")?,
        last_error: row.col("last_error")?,
        log,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_read_fast_and_right() {
        for text in ["2026-11-22T09:30:00+08:00", "1999-12-31T23:59:59-05:30", "2024-02-29T00:00:00+00:00"] {
            assert_eq!(unix_seconds(text), Some(DateTime::parse_from_rfc3339(text).unwrap().timestamp()), "{text}");
        }
        assert_eq!(unix_seconds("2026-11-22T09:30:00.250+08:00"), unix_seconds("2026-11-22T09:30:00+08:00"));
        assert_eq!(unix_seconds("2026-11-22 09:30"), None);
        assert_eq!(day_of("1970-01-02"), Some(1));
        assert_eq!(
            day_of("2026-11-22"),
            Some((NaiveDate::from_ymd_opt(2026, 11, 22).unwrap() - NaiveDate::default()).num_days() as i32)
        );
    }
}
