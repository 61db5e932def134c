//! Accepted reception rotas: which members receive at one coming session of a station, as staff
//! decided it (taking the suggestion of [`crate::analytics::rota`] or choosing others). An
//! acceptance replaces the members the calendar rule names for that one session; removing it
//! returns the session to the rule. Times are Asia/Shanghai.

use chrono::{DateTime, FixedOffset};

use super::ids::{MemberId, StationId};
use super::vocab::Role;

/// The most members one session's rota may name.
pub const MAX_ROTA_MEMBERS: usize = 20;

/// The members staff chose for one session of a station, and who chose them when.
///
/// Build it with [`AcceptedRota::checked`]; the session is named by its station and start, as
/// [`crate::domain::schedule::next_sessions`] gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedRota {
    pub station: StationId,
    /// The session's start (Asia/Shanghai).
    pub start: DateTime<FixedOffset>,
    /// At least one, at most [`MAX_ROTA_MEMBERS`], each once, in the order chosen.
    pub members: Vec<MemberId>,
    /// The login that decided (`staff:li.hua`).
    pub decided_by: String,
    pub decided_at: DateTime<FixedOffset>,
}

/// Why a rota was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotaError {
    #[error("choose at least one member for the session (to return to the calendar's members, remove the acceptance)")]
    NoMembers,
    #[error("a session's rota names at most {MAX_ROTA_MEMBERS} members, got {0}")]
    TooManyMembers(usize),
    #[error("member {0} is listed twice")]
    DuplicateMember(MemberId),
}

impl AcceptedRota {
    /// Checks the member list; returns the rota unchanged when it holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::DateTime;
    /// use liaison::domain::rota::{AcceptedRota, RotaError};
    /// use liaison::domain::{MemberId, StationId};
    ///
    /// let at = DateTime::parse_from_rfc3339("2026-11-16T09:00:00+08:00").unwrap();
    /// let rota = |ids: &[&str]| AcceptedRota {
    ///     station: StationId::new("HS-ST-001").unwrap(),
    ///     start: at,
    ///     members: ids.iter().map(|i| MemberId::new(i).unwrap()).collect(),
    ///     decided_by: "staff:li".into(),
    ///     decided_at: at,
    /// }
    /// .checked();
    /// assert!(rota(&["M1", "M2"]).is_ok());
    /// assert_eq!(rota(&[]), Err(RotaError::NoMembers));
    /// assert!(matches!(rota(&["M1", "M1"]), Err(RotaError::DuplicateMember(_))));
    /// ```
    pub fn checked(self) -> Result<Self, RotaError> {
        if self.members.is_empty() {
            return Err(RotaError::NoMembers);
        }
        if self.members.len() > MAX_ROTA_MEMBERS {
            return Err(RotaError::TooManyMembers(self.members.len()));
        }
        for (i, m) in self.members.iter().enumerate() {
            if self.members[..i].contains(m) {
                return Err(RotaError::DuplicateMember(m.clone()));
            }
        }
        Ok(self)
    }
}

/// What a principal may do with a station's rota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RotaAccess {
    None,
    /// See the suggestions and what is accepted.
    Read,
    /// Also accept, change or remove a session's rota.
    Decide,
}

/// Who may see and decide a station's rota; `own` says whether the station is the principal's
/// (a staff member's station or one of its liaison points).
///
/// | role | own station | another station |
/// |------|-------------|-----------------|
/// | admin | decide | decide |
/// | staff | decide | none |
/// | leader | read | read |
/// | member, integrator | none | none |
///
/// # Examples
///
/// ```
/// use liaison::domain::rota::{rota_access, RotaAccess};
/// use liaison::domain::Role;
/// assert_eq!(rota_access(Role::Staff, true), RotaAccess::Decide);
/// assert_eq!(rota_access(Role::Staff, false), RotaAccess::None);
/// ```
pub fn rota_access(role: Role, own: bool) -> RotaAccess {
    match (role, own) {
        (Role::Admin, _) | (Role::Staff, true) => RotaAccess::Decide,
        (Role::Leader, _) => RotaAccess::Read,
        (Role::Staff, false) | (Role::Member | Role::Integrator, _) => RotaAccess::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_its_rota_access() {
        let want = |role: Role, own: bool| match role {
            Role::Admin => RotaAccess::Decide,
            Role::Staff if own => RotaAccess::Decide,
            Role::Leader => RotaAccess::Read,
            _ => RotaAccess::None,
        };
        for &role in Role::ALL {
            for own in [true, false] {
                assert_eq!(rota_access(role, own), want(role, own), "{role:?}, own {own}");
            }
        }
        assert!(RotaAccess::Decide > RotaAccess::Read && RotaAccess::Read > RotaAccess::None);
    }
}
