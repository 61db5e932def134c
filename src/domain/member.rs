//! Members: NPC deputies (人大代表) and CPPCC members (政协委员).

use chrono::NaiveDate;

use super::ids::{MemberId, StationId};
use super::vocab::{Body, Level};

/// A deputy or CPPCC member and the station where they receive citizens.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub body: Body,
    pub level: Level,
    /// Sector (界别) for CPPCC members, constituency (选区/代表团) for deputies.
    pub sector: String,
    pub occupation: String,
    pub station: Option<StationId>,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
}

/// A member record that breaks a rule between its fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberError {
    #[error("name must not be empty")]
    EmptyName,
    #[error("CPPCC committees exist from the national down to the district (county) level, not at township level")]
    CppccAtTownship,
    #[error("term_end {end} is before term_start {start}")]
    TermEndsBeforeStart { start: NaiveDate, end: NaiveDate },
}

impl Member {
    /// Checks the rules that tie fields together; returns the member unchanged when they hold.
    pub fn checked(self) -> Result<Self, MemberError> {
        if self.name.trim().is_empty() {
            return Err(MemberError::EmptyName);
        }
        if self.body == Body::CppccMember && self.level == Level::Township {
            return Err(MemberError::CppccAtTownship);
        }
        if let (Some(start), Some(end)) = (self.term_start, self.term_end) {
            if end < start {
                return Err(MemberError::TermEndsBeforeStart { start, end });
            }
        }
        Ok(self)
    }

    /// Whether the member's term covers `date` (an open end counts as covering).
    pub fn in_term_on(&self, date: NaiveDate) -> bool {
        self.term_start.is_none_or(|s| s <= date) && self.term_end.is_none_or(|e| date <= e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(body: Body, level: Level) -> Member {
        Member {
            id: MemberId::new("M1").unwrap(),
            name: "王芳".into(),
            body,
            level,
            sector: String::new(),
            occupation: String::new(),
            station: None,
            term_start: NaiveDate::from_ymd_opt(2022, 1, 1),
            term_end: NaiveDate::from_ymd_opt(2026, 12, 31),
        }
    }

    #[test]
    fn there_are_no_township_cppcc_members() {
        assert_eq!(member(Body::CppccMember, Level::Township).checked(), Err(MemberError::CppccAtTownship));
        assert!(member(Body::NpcDeputy, Level::Township).checked().is_ok());
    }

    #[test]
    fn a_term_cannot_end_before_it_starts() {
        let m = Member { term_end: NaiveDate::from_ymd_opt(2021, 1, 1), ..member(Body::NpcDeputy, Level::City) };
        assert!(matches!(m.checked(), Err(MemberError::TermEndsBeforeStart { .. })));
    }

    #[test]
    fn in_term_includes_both_ends() {
        let m = member(Body::NpcDeputy, Level::City);
        assert!(m.in_term_on(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()));
        assert!(!m.in_term_on(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
    }
}
