//! The sample's residents: community-level weighted points adding up to 海曙区's 1,041,285
//! residents at the 2020 census (the one real figure here), for planning. Each town gets a share
//! (synthetic, dense old-city streets and sparse hill towns), split over 1–3 communities in each of
//! its grid areas, at random interior points of the grids, with integer weights.
//!
//! Positions are WGS84 lon/lat degrees. Drawn from its own [`SplitMix64`] stream, so adding it
//! changed nothing else in the sample.

use geo::Coord;

use super::{lon_lat, random_point_in, SplitMix64, TOWNS};
use crate::domain::{DemandPoint, GridArea};

/// 海曙区's residents at the seventh national census (2020).
pub const RESIDENTS_2020: u64 = 1_041_285;

const SEED: u64 = 0x0330_2031_0412_8500;

/// Relative residents per town, in the order of [`TOWNS`] (synthetic).
const TOWN_SHARES: [f64; 17] =
    [66.0, 38.0, 70.0, 40.0, 38.0, 90.0, 110.0, 110.0, 110.0, 75.0, 55.0, 85.0, 85.0, 35.0, 30.0, 28.0, 18.0];

/// The community points of `grids` (the sample's), by id `{town code}-{n}`.
pub fn population(grids: &[GridArea]) -> Vec<DemandPoint> {
    let mut rng = SplitMix64::new(SEED);
    let quotas = largest_remainder(RESIDENTS_2020, &TOWN_SHARES);
    let mut points = Vec::new();
    for (spec, quota) in TOWNS.iter().zip(quotas) {
        let mut places: Vec<(Coord<f64>, f64)> = Vec::new();
        let street = spec.code.as_bytes()[6] == b'0';
        for grid in grids.iter().filter(|g| g.town_code.as_ref().is_some_and(|c| c.as_str() == spec.code)) {
            let ring = &grid.geometry.0[0].exterior().0;
            let open = &ring[..ring.len() - 1];
            let communities = if street { 2 + rng.below(2) } else { 1 + rng.below(2) };
            for _ in 0..communities {
                places.push((random_point_in(&mut rng, open), rng.between(0.4, 1.6)));
            }
        }
        let shares: Vec<f64> = places.iter().map(|p| p.1).collect();
        for (n, ((at, _), weight)) in places.iter().zip(largest_remainder(quota, &shares)).enumerate() {
            let point = DemandPoint::new(format!("{}-{:03}", spec.code, n + 1), lon_lat(*at), weight as f64);
            points.push(point.expect("ids are short and weights >= 0"));
        }
    }
    points
}

/// `total` split in proportion to `shares` into integers that add up to it exactly (Hamilton's
/// largest remainder method).
fn largest_remainder(total: u64, shares: &[f64]) -> Vec<u64> {
    let sum: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares.iter().map(|s| total as f64 * s / sum).collect();
    let mut parts: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let short = total - parts.iter().sum::<u64>();
    for &i in order.iter().take(short as usize) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::PolygonIndex;

    #[test]
    fn the_residents_add_up_to_the_census_and_live_in_their_grids() {
        let sample = super::super::generate();
        let people = &sample.population;
        assert_eq!(people.iter().map(|p| p.weight).sum::<f64>(), RESIDENTS_2020 as f64);
        assert!((500..=1_200).contains(&people.len()), "{} communities", people.len());
        assert!(people.iter().all(|p| p.weight >= 1.0 && p.weight.fract() == 0.0));
        let grids = PolygonIndex::build(sample.grids.iter().map(|g| g.geometry.clone()).collect());
        for p in people {
            let grid = &sample.grids[grids.containing(p.position).expect("inside a grid")];
            assert!(p.id.starts_with(grid.town_code.as_ref().unwrap().as_str()), "{} in {}", p.id, grid.id);
        }
        let mut ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), people.len());
    }

    #[test]
    fn largest_remainder_adds_up_and_stays_within_one_of_the_exact_share() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..500 {
            let shares: Vec<f64> = (0..1 + rng.below(30)).map(|_| rng.between(0.01, 5.0)).collect();
            let total = rng.below(2_000_000) as u64;
            let parts = largest_remainder(total, &shares);
            assert_eq!(parts.iter().sum::<u64>(), total);
            let sum: f64 = shares.iter().sum();
            for (part, share) in parts.iter().zip(&shares) {
                assert!((*part as f64 - total as f64 * share / sum).abs() < 1.0 + 1e-6);
            }
        }
    }
}
