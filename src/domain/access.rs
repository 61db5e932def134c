//! Who may see and change which opinions. One place for every access rule of the loop; the HTTP
//! layer asks, the domain answers.

use super::ids::{GridId, MemberId, StationId};
use super::opinion::{Event, Opinion};
use super::vocab::Role;

/// Someone acting through a login or a token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Principal {
    /// The username or token name, for the history.
    pub name: String,
    pub role: Role,
    /// The station a staff member works for.
    pub station: Option<StationId>,
    /// The member a member's login belongs to.
    pub member: Option<MemberId>,
}

/// What the rules need to know about where an opinion sits, beyond the opinion itself.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Stations whose opinions the principal's station handles: itself and its liaison points.
    pub stations: Vec<StationId>,
    /// Grid areas the principal (a member) is responsible for.
    pub grids: Vec<GridId>,
}

impl Principal {
    /// How the principal appears in an opinion's history.
    ///
    /// # Examples
    /// ```
    /// use liaison::domain::{access::Principal, Role};
    /// let p = Principal { name: "li.hua".into(), role: Role::Staff, station: None, member: None };
    /// assert_eq!(p.actor(), "staff:li.hua");
    /// ```
    pub fn actor(&self) -> String {
        format!("{}:{}", self.role.code(), self.name)
    }

    /// Whether the principal may read this opinion, contact details included.
    pub fn may_read(&self, opinion: &Opinion, scope: &Scope) -> bool {
        match self.role {
            Role::Admin | Role::Leader => true,
            Role::Staff => opinion.routing.station.as_ref().is_some_and(|s| scope.stations.contains(s)),
            Role::Member => {
                opinion.routing.grid.as_ref().is_some_and(|g| scope.grids.contains(g))
                    || self.member.as_ref().is_some_and(|m| opinion.routing.members.contains(m))
            }
            Role::Integrator => false,
        }
    }

    /// Whether the principal may approve or reject the opinion's photos: staff of its station and
    /// admins, who also move it along the loop.
    pub fn may_moderate_photos(&self, opinion: &Opinion, scope: &Scope) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Staff => self.may_read(opinion, scope),
            Role::Leader | Role::Member | Role::Integrator => false,
        }
    }

    /// Whether the principal may cause `event` on this opinion (the workflow decides separately
    /// whether the event may happen now). Citizens rate and the system auto-closes; nobody else.
    pub fn may_change(&self, opinion: &Opinion, scope: &Scope, event: &Event) -> bool {
        match (self.role, event) {
            (_, Event::Rate { .. } | Event::AutoClose) => false,
            (Role::Admin, _) => true,
            (Role::Staff, _) => self.may_read(opinion, scope),
            (Role::Member, Event::Start | Event::Reply { .. }) => self.may_read(opinion, scope),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::opinion::tests::opinion;
    use crate::domain::{ReplyRoute, Stars};

    fn who(role: Role, station: Option<&str>, member: Option<&str>) -> Principal {
        Principal {
            name: "x".into(),
            role,
            station: station.map(|s| StationId::new(s).unwrap()),
            member: member.map(|m| MemberId::new(m).unwrap()),
        }
    }

    #[test]
    fn each_role_reads_and_changes_what_it_should() {
        let mut o = opinion();
        o.routing.station = Some(StationId::new("S1").unwrap());
        o.routing.grid = Some(GridId::new("G1").unwrap());
        o.routing.members = vec![MemberId::new("M1").unwrap()];
        let own = Scope { stations: vec![StationId::new("S1").unwrap()], grids: vec![GridId::new("G1").unwrap()] };
        let other = Scope { stations: vec![StationId::new("S2").unwrap()], grids: vec![GridId::new("G2").unwrap()] };
        let reply = Event::Reply { route: ReplyRoute::DirectAnswer, text: "已处理".into() };
        let rate = Event::Rate { stars: Stars::new(5).unwrap(), comment: String::new() };

        let admin = who(Role::Admin, None, None);
        assert!(admin.may_read(&o, &other) && admin.may_change(&o, &other, &Event::Register));
        assert!(!admin.may_change(&o, &other, &rate), "only the citizen rates");

        let leader = who(Role::Leader, None, None);
        assert!(leader.may_read(&o, &other));
        assert!(!leader.may_change(&o, &own, &Event::Register) && !leader.may_change(&o, &own, &reply));

        let staff = who(Role::Staff, Some("S1"), None);
        assert!(staff.may_read(&o, &own) && staff.may_change(&o, &own, &Event::Register));
        assert!(!staff.may_read(&o, &other) && !staff.may_change(&o, &other, &Event::Register));

        let member = who(Role::Member, None, Some("M1"));
        assert!(member.may_read(&o, &own) && member.may_change(&o, &own, &reply));
        assert!(!member.may_change(&o, &own, &Event::Register), "members reply; staff register");
        assert!(member.may_read(&o, &other), "a member named on the opinion reads it even outside their grids");
        let stranger = who(Role::Member, None, Some("M9"));
        assert!(!stranger.may_read(&o, &other));

        let integrator = who(Role::Integrator, None, None);
        assert!(!integrator.may_read(&o, &own) && !integrator.may_change(&o, &own, &Event::Register));
    }

    #[test]
    fn staff_of_the_station_and_admins_moderate_photos() {
        let mut o = opinion();
        o.routing.station = Some(StationId::new("S1").unwrap());
        o.routing.members = vec![MemberId::new("M1").unwrap()];
        let own = Scope { stations: vec![StationId::new("S1").unwrap()], grids: Vec::new() };
        let other = Scope { stations: vec![StationId::new("S2").unwrap()], grids: Vec::new() };
        assert!(who(Role::Staff, Some("S1"), None).may_moderate_photos(&o, &own));
        assert!(!who(Role::Staff, Some("S2"), None).may_moderate_photos(&o, &other));
        assert!(who(Role::Admin, None, None).may_moderate_photos(&o, &other));
        assert!(!who(Role::Leader, None, None).may_moderate_photos(&o, &own), "leaders oversee");
        assert!(!who(Role::Member, None, Some("M1")).may_moderate_photos(&o, &own), "members read but do not moderate");
        assert!(!who(Role::Integrator, None, None).may_moderate_photos(&o, &own));
    }
}
