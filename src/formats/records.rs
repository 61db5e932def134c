//! Rows ↔ domain records. Property names are the API's: `id`, `name`, `kind`, `level`, `code`,
//! `members`, … Geometries are WGS84 lon/lat degrees by the time they reach this module.

use std::fmt::Display;
use std::str::FromStr;

use chrono::NaiveDate;
use geo::orient::{Direction, Orient};
use geo::{Geometry, MultiPolygon};
use serde::Serialize;
use serde_json::Value;

use super::{FormatError, Row};
use crate::domain::{
    check_multipolygon, AdminArea, AreaCode, AreaLevel, Body, DemandError, DemandPoint, GridArea, GridId, Level,
    LonLat, Member, MemberError, MemberId, ReceptionRule, Station, StationError, StationId, StationKind,
};

/// The four kinds of reference data a file can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Stations,
    Members,
    Grids,
    Areas,
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "stations" => Ok(Kind::Stations),
            "members" => Ok(Kind::Members),
            "grids" => Ok(Kind::Grids),
            "areas" => Ok(Kind::Areas),
            other => Err(format!("unknown kind {other:?}: expected stations, members, grids or areas")),
        }
    }
}

/// Typed access to a row's fields, with errors that name the place and the field.
struct Fields<'a>(&'a Row);

impl Fields<'_> {
    fn err(&self, field: &str, message: impl ToString) -> FormatError {
        FormatError::record(self.0.place, Some(field), message)
    }

    fn opt_text(&self, key: &str) -> Result<Option<String>, FormatError> {
        match self.0.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.err(key, format!("must be text, got {other}"))),
        }
    }

    fn text_or_empty(&self, key: &str) -> Result<String, FormatError> {
        Ok(self.opt_text(key)?.unwrap_or_default())
    }

    fn text(&self, key: &str) -> Result<String, FormatError> {
        self.opt_text(key)?.ok_or_else(|| self.err(key, "is required"))
    }

    fn parse_opt<T: FromStr>(&self, key: &str) -> Result<Option<T>, FormatError>
    where
        T::Err: Display,
    {
        self.opt_text(key)?.map(|t| t.parse::<T>().map_err(|e| self.err(key, e))).transpose()
    }

    fn parse<T: FromStr>(&self, key: &str) -> Result<T, FormatError>
    where
        T::Err: Display,
    {
        self.parse_opt(key)?.ok_or_else(|| self.err(key, "is required"))
    }

    /// A JSON array of strings, or one string with items separated by `sep`.
    fn list<T: FromStr>(&self, key: &str, sep: char) -> Result<Vec<T>, FormatError>
    where
        T::Err: Display,
    {
        let items: Vec<String> = match self.0.fields.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => {
                s.split(sep).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
            }
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.trim().to_owned()),
                    Value::Number(n) => Ok(n.to_string()),
                    other => Err(self.err(key, format!("items must be text, got {other}"))),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => Err(self.err(key, format!("must be a list, got {other}")))?,
        };
        items
            .iter()
            .enumerate()
            .map(|(i, t)| t.parse::<T>().map_err(|e| self.err(key, format!("item {}: {e}", i + 1))))
            .collect()
    }

    fn point(&self) -> Result<LonLat, FormatError> {
        match &self.0.geometry {
            Some(Geometry::Point(p)) => LonLat::new(p.x(), p.y()).map_err(|e| self.err("geometry", e)),
            Some(_) => Err(self.err("geometry", "must be a Point")),
            None => Err(self.err("geometry", "is required (a Point, or lon and lat columns)")),
        }
    }

    fn area(&self) -> Result<MultiPolygon<f64>, FormatError> {
        let mp = match &self.0.geometry {
            Some(Geometry::Polygon(p)) => MultiPolygon(vec![p.clone()]),
            Some(Geometry::MultiPolygon(mp)) => mp.clone(),
            Some(_) => return Err(self.err("geometry", "must be a Polygon or MultiPolygon")),
            None => return Err(self.err("geometry", "is required (a Polygon or MultiPolygon; in CSV a wkt column)")),
        };
        check_multipolygon(&mp).map_err(|e| self.err("geometry", e))?;
        // RFC 7946's right-hand rule: exterior rings counter-clockwise. DataV files wind the other
        // way, which geodesic area would read as the rest of the globe.
        Ok(mp.orient(Direction::Default))
    }
}

/// A station from a row: a Point geometry and the station properties.
pub fn parse_station(row: &Row) -> Result<Station, FormatError> {
    let f = Fields(row);
    let station = Station {
        id: f.parse("id")?,
        name: f.text("name")?,
        kind: f.parse("kind")?,
        level: f.parse("level")?,
        town_code: f.parse_opt("town_code")?,
        address: f.text_or_empty("address")?,
        phone: f.text_or_empty("phone")?,
        opening_hours: f.text_or_empty("opening_hours")?,
        parent: f.parse_opt("parent")?,
        location: f.point()?,
        url: f.text_or_empty("url")?,
        reception: f.list::<ReceptionRule>("reception", ';')?,
    };
    station.checked().map_err(|e| {
        let field = match e {
            StationError::EmptyName => "name",
            StationError::PointWithoutParent | StationError::ParentOnNonPoint(_) | StationError::OwnParent => "parent",
        };
        f.err(field, e)
    })
}

/// A demand point from a row: `id`, a Point (or lon/lat), and `weight` (also `population`,
/// `residents` or `人口`).
pub fn parse_demand(row: &Row) -> Result<DemandPoint, FormatError> {
    let f = Fields(row);
    let id = f.text("id")?;
    let position = f.point()?;
    let key = ["weight", "population", "residents", "人口"].into_iter().find(|k| row.fields.contains_key(*k));
    let weight: f64 = f.parse(key.unwrap_or("weight"))?;
    DemandPoint::new(id, position, weight).map_err(|e| match e {
        DemandError::Id => f.err("id", e),
        DemandError::Weight(_) => f.err(key.unwrap_or("weight"), e),
    })
}

/// The CSV header of [`demand_row`].
pub const DEMAND_HEADER: [&str; 4] = ["id", "lon", "lat", "weight"];

/// A demand point as a CSV row (`id,lon,lat,weight`, WGS84).
pub fn demand_row(d: &DemandPoint) -> [String; 4] {
    let round7 = super::geojson::round7;
    [d.id.clone(), round7(d.position.lon()).to_string(), round7(d.position.lat()).to_string(), d.weight.to_string()]
}

/// A member from a row (no geometry).
pub fn parse_member(row: &Row) -> Result<Member, FormatError> {
    let f = Fields(row);
    let date = |key: &str| -> Result<Option<NaiveDate>, FormatError> {
        f.opt_text(key)?
            .map(|t| {
                NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                    .map_err(|_| f.err(key, format!("not a date YYYY-MM-DD: {t:?}")))
            })
            .transpose()
    };
    let member = Member {
        id: f.parse("id")?,
        name: f.text("name")?,
        body: f.parse("body")?,
        level: f.parse("level")?,
        sector: f.text_or_empty("sector")?,
        occupation: f.text_or_empty("occupation")?,
        station: f.parse_opt("station")?,
        term_start: date("term_start")?,
        term_end: date("term_end")?,
    };
    member.checked().map_err(|e| {
        let field = match e {
            MemberError::EmptyName => "name",
            MemberError::CppccAtTownship => "level",
            MemberError::TermEndsBeforeStart { .. } => "term_end",
        };
        f.err(field, e)
    })
}

/// A grid area from a row: a (Multi)Polygon and the grid properties.
pub fn parse_grid(row: &Row) -> Result<GridArea, FormatError> {
    let f = Fields(row);
    let id: GridId = f.parse("id")?;
    let mut members = f.list("members", ',')?;
    members.dedup();
    let code = f.opt_text("code")?.unwrap_or_else(|| id.to_string());
    Ok(GridArea {
        name: f.opt_text("name")?.unwrap_or_else(|| code.clone()),
        code,
        id,
        geometry: f.area()?,
        members,
        station: f.parse_opt("station")?,
        town_code: f.parse_opt("town_code")?,
    })
}

/// An admin area from a row. DataV/AMap boundary files are read as they are: `adcode` stands for
/// `code`, `street` for the town level, and `parent` may be an object with an `adcode`.
pub fn parse_area(row: &Row) -> Result<AdminArea, FormatError> {
    let f = Fields(row);
    let code_key = if row.fields.contains_key("code") { "code" } else { "adcode" };
    let level_text = f.text("level")?;
    let level = match level_text.as_str() {
        "street" | "township" => AreaLevel::Town,
        "village" => AreaLevel::Community,
        other => other.parse().map_err(|e| f.err("level", e))?,
    };
    let parent = match row.fields.get("parent") {
        Some(Value::Object(p)) => p
            .get("adcode")
            .map(|v| v.to_string().trim_matches('"').parse::<AreaCode>())
            .transpose()
            .map_err(|e| f.err("parent", e))?,
        _ => f.parse_opt("parent")?,
    };
    Ok(AdminArea { code: f.parse(code_key)?, name: f.text("name")?, level, parent, geometry: f.area()? })
}

/// The properties a station is written with (and read back from), borrowed from the record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationProperties<'a> {
    pub id: &'a StationId,
    pub name: &'a str,
    pub kind: StationKind,
    pub level: Level,
    pub town_code: Option<&'a AreaCode>,
    pub address: &'a str,
    pub phone: &'a str,
    pub opening_hours: &'a str,
    pub parent: Option<&'a StationId>,
    pub url: &'a str,
    pub reception: &'a [ReceptionRule],
}

impl<'a> From<&'a Station> for StationProperties<'a> {
    fn from(s: &'a Station) -> Self {
        Self {
            id: &s.id,
            name: &s.name,
            kind: s.kind,
            level: s.level,
            town_code: s.town_code.as_ref(),
            address: &s.address,
            phone: &s.phone,
            opening_hours: &s.opening_hours,
            parent: s.parent.as_ref(),
            url: &s.url,
            reception: &s.reception,
        }
    }
}

/// The fields a member is written with (and read back from), in CSV column order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberProperties<'a> {
    pub id: &'a MemberId,
    pub name: &'a str,
    pub body: Body,
    pub level: Level,
    pub sector: &'a str,
    pub occupation: &'a str,
    pub station: Option<&'a StationId>,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
}

impl<'a> From<&'a Member> for MemberProperties<'a> {
    fn from(m: &'a Member) -> Self {
        Self {
            id: &m.id,
            name: &m.name,
            body: m.body,
            level: m.level,
            sector: &m.sector,
            occupation: &m.occupation,
            station: m.station.as_ref(),
            term_start: m.term_start,
            term_end: m.term_end,
        }
    }
}

/// The properties a grid area is written with (and read back from).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GridProperties<'a> {
    pub id: &'a GridId,
    pub code: &'a str,
    pub name: &'a str,
    pub members: &'a [MemberId],
    pub station: Option<&'a StationId>,
    pub town_code: Option<&'a AreaCode>,
}

impl<'a> From<&'a GridArea> for GridProperties<'a> {
    fn from(g: &'a GridArea) -> Self {
        Self {
            id: &g.id,
            code: &g.code,
            name: &g.name,
            members: &g.members,
            station: g.station.as_ref(),
            town_code: g.town_code.as_ref(),
        }
    }
}

/// The properties an admin area is written with (and read back from).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AreaProperties<'a> {
    pub code: &'a AreaCode,
    pub name: &'a str,
    pub level: AreaLevel,
    pub parent: Option<&'a AreaCode>,
}

impl<'a> From<&'a AdminArea> for AreaProperties<'a> {
    fn from(a: &'a AdminArea) -> Self {
        Self { code: &a.code, name: &a.name, level: a.level, parent: a.parent.as_ref() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::read_rows;
    use crate::spatial::Crs;

    fn first_error<T>(text: &str, parse: fn(&Row) -> Result<T, FormatError>) -> String {
        let rows = read_rows(text.as_bytes(), Crs::Wgs84).unwrap();
        match parse(&rows[0]) {
            Err(e) => e.to_string(),
            Ok(_) => "ok".into(),
        }
    }

    #[test]
    fn bad_station_fields_are_named() {
        let head = "id,name,kind,level,lon,lat,parent,reception\n";
        assert_eq!(
            first_error(&format!("{head}S1,甲,deputy_liaison_station,district,121.5,29.8,,\n"), parse_station),
            "ok"
        );
        let e = first_error(&format!("{head}S1,甲,museum,district,121.5,29.8,,\n"), parse_station);
        assert!(e.starts_with("line 2, field \"kind\": unknown station kind \"museum\""), "{e}");
        let e = first_error(&format!("{head}S1,甲,liaison_point,district,121.5,29.8,,\n"), parse_station);
        assert!(e.starts_with("line 2, field \"parent\""), "{e}");
        let e = first_error(&format!("{head}S1,甲,deputy_liaison_station,district,121.5,95,,\n"), parse_station);
        assert!(e.starts_with("line 2, field \"geometry\": latitude"), "{e}");
        let e = first_error(
            &format!("{head}S1,甲,deputy_liaison_station,district,121.5,29.8,,monthly 2 thr 14:00-17:00\n"),
            parse_station,
        );
        assert!(e.starts_with("line 2, field \"reception\": item 1: unknown weekday \"thr\""), "{e}");
    }

    #[test]
    fn bad_member_fields_are_named() {
        let head = "id,name,body,level,term_start,term_end\n";
        let e = first_error(&format!("{head}M1,王芳,cppcc_member,township,,\n"), parse_member);
        assert!(e.starts_with("line 2, field \"level\""), "{e}");
        let e = first_error(&format!("{head}M1,王芳,npc_deputy,city,2022-13-01,\n"), parse_member);
        assert!(e.starts_with("line 2, field \"term_start\""), "{e}");
    }

    #[test]
    fn a_datav_boundary_reads_as_an_admin_area() {
        let text = r#"[{"type":"Feature","properties":{"adcode":330203,"name":"海曙区","level":"district","parent":{"adcode":330200}},
            "geometry":{"type":"Polygon","coordinates":[[[121.2,29.8],[121.3,29.8],[121.3,29.9],[121.2,29.8]]]}}]"#;
        let rows = read_rows(text.as_bytes(), Crs::Wgs84).unwrap();
        let area = parse_area(&rows[0]).unwrap();
        assert_eq!(
            (area.code.as_str(), area.level, area.parent.unwrap().as_str()),
            ("330203", AreaLevel::District, "330200")
        );
    }
}
