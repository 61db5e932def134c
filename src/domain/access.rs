//! Who may see and change which opinions, and who may publish information to which stations. One
//! place for every access rule; the HTTP layer asks, the domain answers.

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

/// Where published information (一次发布、全区同步) reaches: a livelihood project or its update
/// reaches the whole district; a service notice the district, one town, or some stations.
#[derive(Debug, Clone, Copy)]
pub enum Reach<'a> {
    District,
    Town,
    Stations(&'a [StationId]),
}

impl Principal {
    /// Whether the principal may publish to `reach`; `scope` is theirs (see `Scope`).
    ///
    /// | role               | district | a town | stations                                        |
    /// |--------------------|----------|--------|-------------------------------------------------|
    /// | admin, leader      | yes      | yes    | yes                                             |
    /// | staff              | no       | no     | when every one is theirs (station and points)   |
    /// | member, integrator | no       | no     | no                                              |
    ///
    /// # Examples
    /// ```
    /// use liaison::domain::access::{Principal, Reach, Scope};
    /// use liaison::domain::{Role, StationId};
    /// let own = StationId::new("HS-ST-001").unwrap();
    /// let staff = Principal { name: "li".into(), role: Role::Staff, station: Some(own.clone()), member: None };
    /// let scope = Scope { stations: vec![own.clone()], grids: vec![] };
    /// assert!(staff.may_publish(Reach::Stations(&[own]), &scope));
    /// assert!(!staff.may_publish(Reach::District, &scope));
    /// ```
    pub fn may_publish(&self, reach: Reach<'_>, scope: &Scope) -> bool {
        match (self.role, reach) {
            (Role::Admin | Role::Leader, _) => true,
            (Role::Staff, Reach::Stations(list)) => !list.is_empty() && list.iter().all(|s| scope.stations.contains(s)),
            (Role::Staff, Reach::District | Reach::Town) => false,
            (Role::Member | Role::Integrator, _) => false,
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
    fn each_role_publishes_where_the_table_says() {
        let (s1, s2) = (StationId::new("S1").unwrap(), StationId::new("S2").unwrap());
        let own = Scope { stations: vec![s1.clone()], grids: vec![] };
        let reaches = [Reach::District, Reach::Town, Reach::Stations(std::slice::from_ref(&s1))];
        for role in Role::ALL {
            let p = who(*role, Some("S1"), Some("M1"));
            let allowed: Vec<bool> = reaches.iter().map(|r| p.may_publish(*r, &own)).collect();
            let expected = match role {
                Role::Admin | Role::Leader => [true, true, true],
                Role::Staff => [false, false, true],
                Role::Member | Role::Integrator => [false, false, false],
            };
            assert_eq!(allowed, expected, "{role}");
        }
        let staff = who(Role::Staff, Some("S1"), None);
        assert!(!staff.may_publish(Reach::Stations(&[s1.clone(), s2]), &own), "one station not theirs");
        assert!(!staff.may_publish(Reach::Stations(&[]), &own));
        assert!(!staff.may_publish(Reach::Stations(&[s1]), &Scope::default()), "a staff login without a station");
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
