//! Stations: deputy liaison stations, member workstations, their liaison points and online
//! stations. Locations are WGS84 lon/lat degrees.

use super::ids::StationId;
use super::location::LonLat;
use super::schedule::ReceptionRule;
use super::vocab::{Level, StationKind};
use super::AreaCode;

/// A place (or website) where members receive citizens.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    pub id: StationId,
    pub name: String,
    pub kind: StationKind,
    pub level: Level,
    /// The town/street (乡镇街道) code, e.g. `330203006`.
    pub town_code: Option<AreaCode>,
    pub address: String,
    pub phone: String,
    /// Free text, e.g. "工作日 08:30–17:00".
    pub opening_hours: String,
    /// The station a liaison point belongs to ("one station, many points").
    pub parent: Option<StationId>,
    /// Where the station is; an online station is placed at the office that runs it.
    pub location: LonLat,
    /// Web address of an online station.
    pub url: String,
    pub reception: Vec<ReceptionRule>,
}

/// A station record that breaks a rule between its fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StationError {
    #[error("name must not be empty")]
    EmptyName,
    #[error("a liaison_point must name its parent station")]
    PointWithoutParent,
    #[error("only a liaison_point has a parent station, this is a {0}")]
    ParentOnNonPoint(StationKind),
    #[error("a station cannot be its own parent")]
    OwnParent,
}

impl Station {
    /// Checks the rules that tie fields together; returns the station unchanged when they hold.
    pub fn checked(self) -> Result<Self, StationError> {
        if self.name.trim().is_empty() {
            return Err(StationError::EmptyName);
        }
        match (&self.parent, self.kind) {
            (None, StationKind::LiaisonPoint) => return Err(StationError::PointWithoutParent),
            (Some(_), kind) if kind != StationKind::LiaisonPoint => return Err(StationError::ParentOnNonPoint(kind)),
            (Some(p), _) if *p == self.id => return Err(StationError::OwnParent),
            _ => {}
        }
        Ok(self)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn station(id: &str, kind: StationKind) -> Station {
        Station {
            id: StationId::new(id).unwrap(),
            name: format!("站点{id}"),
            kind,
            level: Level::District,
            town_code: None,
            address: String::new(),
            phone: String::new(),
            opening_hours: String::new(),
            parent: None,
            location: LonLat::new(121.5, 29.8).unwrap(),
            url: String::new(),
            reception: Vec::new(),
        }
    }

    #[test]
    fn a_liaison_point_needs_a_parent_and_only_it_may_have_one() {
        let point = station("P1", StationKind::LiaisonPoint);
        assert_eq!(point.clone().checked(), Err(StationError::PointWithoutParent));
        let with_parent = Station { parent: Some(StationId::new("S1").unwrap()), ..point };
        assert!(with_parent.clone().checked().is_ok());
        let bad = Station { kind: StationKind::MemberWorkstation, ..with_parent };
        assert_eq!(bad.checked(), Err(StationError::ParentOnNonPoint(StationKind::MemberWorkstation)));
    }

    #[test]
    fn a_station_needs_a_name() {
        let s = Station { name: "  ".into(), ..station("S1", StationKind::DeputyLiaisonStation) };
        assert_eq!(s.checked(), Err(StationError::EmptyName));
    }
}
