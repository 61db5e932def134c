//! What each audience may see of an opinion, in one place. Positions are WGS84 lon/lat degrees.
//!
//! | field | public (anyone; the code holder; Open311; duplicate hints) | overseer (leader) | handler (staff, member, admin) |
//! |---|---|---|---|
//! | position | rounded to the ~100 m public grid | exact | exact |
//! | distances to it | measured to the rounded position only | exact | exact |
//! | citizen's name | never | never | unless the citizen asked to be anonymous |
//! | citizen's phone | never | never | yes: the reply has to reach them |
//! | history | when and what, not who or the notes | everything | everything |
//! | another citizen's opinion nearby | title, category, status, day submitted, distance to the rounded position in 10 m steps; never its code | — | — |
//!
//! Anything public is computed from the rounded position alone, never from the exact one, so no
//! number of queries from chosen points can recover more than the ~100 m cell (trilateration
//! needs exact distances, and even a yes/no "within 200 m" answered on the exact position would
//! give it away by bisection).

use crate::domain::{LonLat, Opinion, Role};

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Overseer,
    Handler,
}

impl Audience {
    /// The audience a role belongs to when it reads an opinion through the staff side.
    pub fn of(role: Role) -> Self {
        match role {
            Role::Staff | Role::Member | Role::Admin => Audience::Handler,
            Role::Leader => Audience::Overseer,
            Role::Integrator => Audience::Public,
        }
    }

    /// The position this audience may see, and the rounding applied (metres), if any.
    pub fn position(self, o: &Opinion) -> (LonLat, Option<u32>) {
        match self {
            Audience::Public => (o.submission.location.public(), Some(PUBLIC_ROUNDING_M)),
            Audience::Overseer | Audience::Handler => (o.submission.location, None),
        }
    }

    /// The citizen's name, if this audience may see it.
    pub fn name(self, o: &Opinion) -> Option<&str> {
        match self {
            Audience::Handler if !o.submission.anonymous => o.submission.contact.name.as_deref(),
            _ => None,
        }
    }

    /// The citizen's phone number, if this audience may see it.
    pub fn phone(self, o: &Opinion) -> Option<&str> {
        match self {
            Audience::Handler => o.submission.contact.phone.as_deref(),
            _ => None,
        }
    }

    /// Whether history lines name who acted and carry their notes.
    pub fn sees_actors(self) -> bool {
        self != Audience::Public
    }
}

/// The size of the public grid's cells, about: 0.001° of latitude is 111 m.
pub const PUBLIC_ROUNDING_M: u32 = 100;

/// A distance as public answers give it: in steps of this many metres.
pub const PUBLIC_DISTANCE_STEP_M: f64 = 10.0;

/// A public distance from a chosen point to an opinion: measured to its rounded position, in
/// [`PUBLIC_DISTANCE_STEP_M`] steps.
pub fn public_distance_m(from: LonLat, o: &Opinion) -> f64 {
    let d = crate::spatial::geodesic_distance_m(from, o.submission.location.public());
    (d / PUBLIC_DISTANCE_STEP_M).round() * PUBLIC_DISTANCE_STEP_M
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::opinion::tests::opinion;
    use crate::domain::Contact;

    fn with_contact(anonymous: bool) -> Opinion {
        let mut o = opinion();
        o.submission.anonymous = anonymous;
        o.submission.contact = Contact { name: Some("张小明".into()), phone: Some("13812345678".into()) };
        o.submission.location = LonLat::new(121.543_512_3, 29.865_498_7).unwrap();
        o
    }

    #[test]
    fn each_audience_sees_what_the_table_says() {
        let o = with_contact(false);
        let anon = with_contact(true);
        let p = Audience::Public;
        assert_eq!((p.name(&o), p.phone(&o), p.sees_actors()), (None, None, false));
        assert_eq!(p.position(&o), (LonLat::new(121.544, 29.865).unwrap(), Some(100)));
        let leader = Audience::of(Role::Leader);
        assert_eq!((leader.name(&o), leader.phone(&o), leader.sees_actors()), (None, None, true));
        assert_eq!(leader.position(&o).0, o.submission.location);
        for role in [Role::Staff, Role::Member, Role::Admin] {
            let h = Audience::of(role);
            assert_eq!((h.name(&o), h.phone(&o)), (Some("张小明"), Some("13812345678")));
            assert_eq!(
                (h.name(&anon), h.phone(&anon)),
                (None, Some("13812345678")),
                "anonymous: no name, even to staff"
            );
        }
        assert_eq!(Audience::of(Role::Integrator), Audience::Public);
    }

    #[test]
    fn public_distances_depend_on_the_rounded_position_only() {
        let mut rng = crate::sample::SplitMix64::new(7);
        let mut a = opinion();
        let mut b = opinion();
        for _ in 0..2_000 {
            // Two exact positions in the same public cell; any probe point sees the same distance.
            let (cx, cy) = (121.4 + (rng.next_u64() % 300) as f64 * 1e-3, 29.8 + (rng.next_u64() % 200) as f64 * 1e-3);
            let jitter = |r: &mut crate::sample::SplitMix64| ((r.next_u64() % 999) as f64 - 499.0) * 1e-6;
            a.submission.location = LonLat::new(cx + jitter(&mut rng), cy + jitter(&mut rng)).unwrap();
            b.submission.location = LonLat::new(cx + jitter(&mut rng), cy + jitter(&mut rng)).unwrap();
            assert_eq!(a.submission.location.public(), b.submission.location.public());
            let probe = LonLat::new(cx + jitter(&mut rng) * 3.0, cy + jitter(&mut rng) * 3.0).unwrap();
            assert_eq!(public_distance_m(probe, &a), public_distance_m(probe, &b));
            assert_eq!(public_distance_m(probe, &a) % PUBLIC_DISTANCE_STEP_M, 0.0);
        }
    }
}
