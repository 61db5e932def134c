//! Exact answers for small instances by enumerating every subset of candidates, from a dense
//! table of geodesic distances computed here (not from the instance's coverage lists), so that the
//! heuristics can be tested against an independent oracle.
//!
//! Positions are WGS84 lon/lat degrees (x = lon, y = lat); distances are WGS84 geodesic metres.

use crate::spatial::geodesic_distance_m;

use super::{Instance, SitingError};

/// The most subsets the exact solvers enumerate.
pub const MAX_EXACT_SUBSETS: u128 = 2_000_000;
/// The most demand × (candidates + existing) distances the exact solvers tabulate.
const MAX_EXACT_PAIRS: usize = 1_000_000;

/// An optimal choice of sites and its objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Exact {
    /// Candidate positions, ascending.
    pub sites: Vec<usize>,
    /// MCLP: covered weight; LSCP: number of sites; p-median: weighted metres.
    pub objective: f64,
}

/// Distances from every demand point to every candidate, and to the nearest existing facility.
struct Table {
    to_site: Vec<Vec<f64>>,
    to_existing: Vec<f64>,
}

fn table(instance: &Instance) -> Result<Table, SitingError> {
    let pairs = instance.demand().len() * (instance.candidates().len() + instance.existing().len());
    if pairs > MAX_EXACT_PAIRS {
        return Err(SitingError::TooLarge {
            what: "distances for the exact solver",
            count: pairs,
            limit: MAX_EXACT_PAIRS,
        });
    }
    let to_site = instance
        .demand()
        .iter()
        .map(|&q| instance.candidates().iter().map(|&c| geodesic_distance_m(q, c)).collect())
        .collect();
    let to_existing = instance
        .demand()
        .iter()
        .map(|&q| instance.existing().iter().map(|&f| geodesic_distance_m(q, f)).fold(f64::INFINITY, f64::min))
        .collect();
    Ok(Table { to_site, to_existing })
}

fn binomial(n: usize, k: usize) -> u128 {
    (0..k.min(n)).fold(1u128, |acc, i| acc.saturating_mul((n - i) as u128) / (i as u128 + 1))
}

/// Calls `visit` with every `k`-subset of `0..n` in lexicographic order.
fn for_each_subset(n: usize, k: usize, mut visit: impl FnMut(&[usize])) {
    if k > n {
        return;
    }
    let mut s: Vec<usize> = (0..k).collect();
    loop {
        visit(&s);
        // The rightmost index that can still move right.
        let Some(at) = (0..k).rev().find(|&a| s[a] < n - k + a) else { return };
        s[at] += 1;
        for b in at + 1..k {
            s[b] = s[b - 1] + 1;
        }
    }
}

fn check_subsets(count: u128) -> Result<(), SitingError> {
    if count > MAX_EXACT_SUBSETS {
        return Err(SitingError::ExactTooLarge { subsets: count, limit: MAX_EXACT_SUBSETS });
    }
    Ok(())
}

fn covered_weight(instance: &Instance, t: &Table, sites: &[usize]) -> f64 {
    let r = instance.radius_m();
    (0..instance.demand().len())
        .filter(|&i| t.to_existing[i] <= r || sites.iter().any(|&j| t.to_site[i][j] <= r))
        .map(|i| instance.weights()[i])
        .sum()
}

fn best_cover(instance: &Instance, t: &Table, p: usize) -> Exact {
    let mut best = Exact { sites: Vec::new(), objective: f64::NEG_INFINITY };
    for_each_subset(instance.candidates().len(), p, |s| {
        let w = covered_weight(instance, t, s);
        if w > best.objective {
            best = Exact { sites: s.to_vec(), objective: w };
        }
    });
    best
}

/// The largest weight within the radius of the existing facilities and `p` added sites.
pub fn exact_mclp(instance: &Instance, p: usize) -> Result<Exact, SitingError> {
    instance.check_site_count(p)?;
    check_subsets(binomial(instance.candidates().len(), p))?;
    let t = table(instance)?;
    Ok(best_cover(instance, &t, p))
}

/// The fewest added sites whose coverage (with the existing facilities) reaches `target_share`
/// of the total weight, with the same rounding slack as [`super::solve_lscp`].
pub fn exact_lscp(instance: &Instance, target_share: f64) -> Result<Exact, SitingError> {
    if !(target_share.is_finite() && target_share > 0.0 && target_share <= 1.0) {
        return Err(SitingError::BadTarget(target_share));
    }
    let m = instance.candidates().len();
    let t = table(instance)?;
    let total = instance.total_weight();
    let need = target_share * total - 1e-9 * total.max(1.0);
    let mut enumerated = 0u128;
    for k in 0..=m {
        enumerated += binomial(m, k);
        check_subsets(enumerated)?;
        let best = if k == 0 {
            Exact { sites: Vec::new(), objective: covered_weight(instance, &t, &[]) }
        } else {
            best_cover(instance, &t, k)
        };
        if best.objective >= need {
            return Ok(Exact { sites: best.sites, objective: k as f64 });
        }
    }
    let reachable = covered_weight(instance, &t, &(0..m).collect::<Vec<_>>());
    Err(SitingError::Unreachable { target: target_share, reachable: reachable / total.max(f64::MIN_POSITIVE) })
}

/// The smallest total weighted distance to the nearest facility (existing or one of `p` added).
pub fn exact_p_median(instance: &Instance, p: usize) -> Result<Exact, SitingError> {
    instance.check_site_count(p)?;
    check_subsets(binomial(instance.candidates().len(), p))?;
    let t = table(instance)?;
    let mut best = Exact { sites: Vec::new(), objective: f64::INFINITY };
    for_each_subset(instance.candidates().len(), p, |s| {
        let cost: f64 = (0..instance.demand().len())
            .map(|i| {
                let d = s.iter().map(|&j| t.to_site[i][j]).fold(t.to_existing[i], f64::min);
                instance.weights()[i] * d
            })
            .sum();
        if cost < best.objective {
            best = Exact { sites: s.to_vec(), objective: cost };
        }
    });
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_are_all_visited_once_in_order() {
        let mut seen = Vec::new();
        for_each_subset(5, 3, |s| seen.push(s.to_vec()));
        assert_eq!(seen.len() as u128, binomial(5, 3));
        assert_eq!(seen.first(), Some(&vec![0, 1, 2]));
        assert_eq!(seen.last(), Some(&vec![2, 3, 4]));
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(binomial(40, 20), 137_846_528_820);
    }

    #[test]
    fn large_enumerations_are_refused() {
        let p = |x, y| crate::domain::LonLat::new(x, y).unwrap();
        let candidates: Vec<_> = (0..40).map(|k| p(121.5 + 0.001 * k as f64, 29.87)).collect();
        let inst = Instance::new(&[(p(121.5, 29.87), 1.0)], &candidates, &[], 500.0).unwrap();
        assert_eq!(
            exact_mclp(&inst, 20).err(),
            Some(SitingError::ExactTooLarge { subsets: 137_846_528_820, limit: MAX_EXACT_SUBSETS })
        );
        assert!(matches!(exact_p_median(&inst, 20), Err(SitingError::ExactTooLarge { .. })));
        assert!(exact_mclp(&inst, 2).is_ok());
    }
}
