//! A validated siting instance: demand points with weights, candidate sites, existing facilities
//! and a service radius, with its sparse coverage lists (demand → candidates within the radius and
//! candidate → demand) built from [`PointIndex::within`], never as a dense matrix.
//!
//! Positions are WGS84 lon/lat degrees (x = lon, y = lat); the radius and every distance are WGS84
//! geodesic metres.

use crate::domain::LonLat;
use crate::spatial::PointIndex;

use super::SitingError;

/// The most demand points an instance may hold.
pub const MAX_DEMAND: usize = 2_000_000;
/// The most candidate sites an instance may hold (positions are stored as `u32`).
pub const MAX_CANDIDATES: usize = 200_000;
/// The most (demand, candidate) pairs within the radius: the coverage lists take 8 bytes a pair.
pub const MAX_COVER_PAIRS: usize = 50_000_000;

/// Demand, candidates, existing facilities and radius, checked, with coverage lists.
pub struct Instance {
    demand: Vec<LonLat>,
    weight: Vec<f64>,
    candidates: Vec<LonLat>,
    existing: Vec<LonLat>,
    radius_m: f64,
    candidate_index: PointIndex,
    existing_index: PointIndex,
    /// Whether an existing facility lies within the radius of each demand point.
    covered_by_existing: Vec<bool>,
    /// CSR: the candidates within the radius of demand point `i` are
    /// `demand_sites[demand_start[i]..demand_start[i + 1]]`, nearest first.
    demand_start: Vec<usize>,
    demand_sites: Vec<u32>,
    /// CSR: the demand points within the radius of candidate `j`, ascending.
    site_start: Vec<usize>,
    site_demand: Vec<u32>,
    total_weight: f64,
}

impl Instance {
    /// Checks the inputs and builds the coverage lists: one `within` query per demand point on an
    /// index of the candidates, O(n log m + pairs).
    ///
    /// # Examples
    /// ```
    /// use liaison::analytics::siting::Instance;
    /// use liaison::domain::LonLat;
    /// let p = |x, y| LonLat::new(x, y).unwrap();
    /// let demand = [(p(121.550, 29.870), 3.0), (p(121.560, 29.870), 1.0)];
    /// let candidates = [p(121.551, 29.870), p(121.600, 29.900)];
    /// let instance = Instance::new(&demand, &candidates, &[], 500.0).unwrap();
    /// assert_eq!(instance.candidates_covering(0), &[0]);
    /// assert!(instance.candidates_covering(1).is_empty());
    /// assert_eq!(instance.demand_covered_by(0), &[0]);
    /// ```
    pub fn new(
        demand: &[(LonLat, f64)],
        candidates: &[LonLat],
        existing: &[LonLat],
        radius_m: f64,
    ) -> Result<Self, SitingError> {
        Self::with_pair_limit(demand, candidates, existing, radius_m, MAX_COVER_PAIRS)
    }

    fn with_pair_limit(
        demand: &[(LonLat, f64)],
        candidates: &[LonLat],
        existing: &[LonLat],
        radius_m: f64,
        max_pairs: usize,
    ) -> Result<Self, SitingError> {
        if demand.is_empty() {
            return Err(SitingError::EmptyDemand);
        }
        if candidates.is_empty() {
            return Err(SitingError::NoCandidates);
        }
        if !(radius_m.is_finite() && radius_m > 0.0) {
            return Err(SitingError::BadRadius(radius_m));
        }
        limit("demand points", demand.len(), MAX_DEMAND)?;
        limit("candidate sites", candidates.len(), MAX_CANDIDATES)?;
        limit("existing facilities", existing.len(), MAX_CANDIDATES)?;
        if let Some((index, &(_, weight))) = demand.iter().enumerate().find(|(_, (_, w))| !(w.is_finite() && *w >= 0.0))
        {
            return Err(SitingError::BadWeight { index, weight });
        }

        let positions: Vec<LonLat> = demand.iter().map(|d| d.0).collect();
        let weight: Vec<f64> = demand.iter().map(|d| d.1).collect();
        let candidate_index = PointIndex::build(candidates);
        let existing_index = PointIndex::build(existing);

        let mut demand_start = Vec::with_capacity(positions.len() + 1);
        let mut demand_sites: Vec<u32> = Vec::new();
        let mut covered_by_existing = Vec::with_capacity(positions.len());
        let mut per_site = vec![0usize; candidates.len()];
        demand_start.push(0);
        for &q in &positions {
            // Site positions fit in u32: MAX_CANDIDATES is far below u32::MAX.
            for n in candidate_index.within(q, radius_m, |_| true) {
                demand_sites.push(n.index as u32);
                per_site[n.index] += 1;
            }
            limit("demand-candidate pairs within the radius", demand_sites.len(), max_pairs)?;
            demand_start.push(demand_sites.len());
            covered_by_existing.push(!existing.is_empty() && !existing_index.within(q, radius_m, |_| true).is_empty());
        }

        // Transpose by counting sort: demand comes out ascending within each site.
        let mut site_start = Vec::with_capacity(candidates.len() + 1);
        site_start.push(0);
        for &count in &per_site {
            site_start.push(site_start[site_start.len() - 1] + count);
        }
        let mut fill = site_start.clone();
        let mut site_demand = vec![0u32; demand_sites.len()];
        for i in 0..positions.len() {
            for &j in &demand_sites[demand_start[i]..demand_start[i + 1]] {
                site_demand[fill[j as usize]] = i as u32;
                fill[j as usize] += 1;
            }
        }

        let total_weight = weight.iter().sum();
        Ok(Self {
            demand: positions,
            weight,
            candidates: candidates.to_vec(),
            existing: existing.to_vec(),
            radius_m,
            candidate_index,
            existing_index,
            covered_by_existing,
            demand_start,
            demand_sites,
            site_start,
            site_demand,
            total_weight,
        })
    }

    pub fn demand(&self) -> &[LonLat] {
        &self.demand
    }

    pub fn weights(&self) -> &[f64] {
        &self.weight
    }

    pub fn candidates(&self) -> &[LonLat] {
        &self.candidates
    }

    pub fn existing(&self) -> &[LonLat] {
        &self.existing
    }

    pub fn radius_m(&self) -> f64 {
        self.radius_m
    }

    pub fn total_weight(&self) -> f64 {
        self.total_weight
    }

    pub fn candidate_index(&self) -> &PointIndex {
        &self.candidate_index
    }

    pub fn existing_index(&self) -> &PointIndex {
        &self.existing_index
    }

    /// Whether an existing facility lies within the radius of demand point `i`.
    pub fn covered_by_existing(&self, i: usize) -> bool {
        self.covered_by_existing[i]
    }

    /// The candidates within the radius of demand point `i`, nearest first.
    pub fn candidates_covering(&self, i: usize) -> &[u32] {
        &self.demand_sites[self.demand_start[i]..self.demand_start[i + 1]]
    }

    /// The demand points within the radius of candidate `j`, ascending.
    pub fn demand_covered_by(&self, j: usize) -> &[u32] {
        &self.site_demand[self.site_start[j]..self.site_start[j + 1]]
    }

    /// The weight covered by the existing facilities alone.
    pub fn existing_covered_weight(&self) -> f64 {
        (0..self.demand.len()).filter(|&i| self.covered_by_existing[i]).map(|i| self.weight[i]).sum()
    }

    /// The weight covered by the existing facilities and the candidates `sites` together.
    pub fn covered_weight(&self, sites: &[usize]) -> f64 {
        let mut open = vec![false; self.candidates.len()];
        for &j in sites {
            open[j] = true;
        }
        (0..self.demand.len())
            .filter(|&i| self.covered_by_existing[i] || self.candidates_covering(i).iter().any(|&j| open[j as usize]))
            .map(|i| self.weight[i])
            .sum()
    }

    /// Checks that `p` sites can be added: at least one, at most every candidate.
    pub(crate) fn check_site_count(&self, p: usize) -> Result<(), SitingError> {
        if p == 0 || p > self.candidates.len() {
            return Err(SitingError::BadSiteCount { p, candidates: self.candidates.len() });
        }
        Ok(())
    }
}

fn limit(what: &'static str, count: usize, limit: usize) -> Result<(), SitingError> {
    if count > limit {
        return Err(SitingError::TooLarge { what, count, limit });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sample::SplitMix64;
    use crate::spatial::geodesic_distance_m;

    /// A random instance in a ~10 km box around 121.55E 29.87N: 30–60 demand points with integer
    /// weights 0–20, 8–14 candidates, 0–3 existing facilities, radius 800–2,500 m.
    pub(crate) fn random_instance(seed: u64) -> Instance {
        let mut rng = SplitMix64::new(seed);
        let point = |rng: &mut SplitMix64| {
            LonLat::new(121.55 + rng.between(-0.05, 0.05), 29.87 + rng.between(-0.045, 0.045)).unwrap()
        };
        let n = 30 + rng.below(31);
        let m = 8 + rng.below(7);
        let e = rng.below(4);
        let demand: Vec<(LonLat, f64)> = (0..n).map(|_| (point(&mut rng), rng.below(21) as f64)).collect();
        let candidates: Vec<LonLat> = (0..m).map(|_| point(&mut rng)).collect();
        let existing: Vec<LonLat> = (0..e).map(|_| point(&mut rng)).collect();
        let radius_m = rng.between(800.0, 2_500.0);
        Instance::new(&demand, &candidates, &existing, radius_m).unwrap()
    }

    #[test]
    fn coverage_lists_equal_brute_force_over_all_pairs() {
        for seed in 0..100 {
            let inst = random_instance(seed);
            let r = inst.radius_m();
            for (i, &q) in inst.demand().iter().enumerate() {
                let mut got: Vec<u32> = inst.candidates_covering(i).to_vec();
                got.sort_unstable();
                let want: Vec<u32> = (0..inst.candidates().len() as u32)
                    .filter(|&j| geodesic_distance_m(q, inst.candidates()[j as usize]) <= r)
                    .collect();
                assert_eq!(got, want, "seed {seed} demand {i}");
                let by_existing = inst.existing().iter().any(|&f| geodesic_distance_m(q, f) <= r);
                assert_eq!(inst.covered_by_existing(i), by_existing, "seed {seed} demand {i}");
            }
            for (j, &c) in inst.candidates().iter().enumerate() {
                let want: Vec<u32> = (0..inst.demand().len() as u32)
                    .filter(|&i| geodesic_distance_m(inst.demand()[i as usize], c) <= r)
                    .collect();
                assert_eq!(inst.demand_covered_by(j), want.as_slice(), "seed {seed} candidate {j}");
            }
        }
    }

    #[test]
    fn some_random_instances_have_partial_coverage() {
        // Guards the test above against vacuous data: lists are neither all empty nor all full.
        let (mut empty, mut full, mut partial) = (0, 0, 0);
        for seed in 0..100 {
            let inst = random_instance(seed);
            for i in 0..inst.demand().len() {
                match inst.candidates_covering(i).len() {
                    0 => empty += 1,
                    k if k == inst.candidates().len() => full += 1,
                    _ => partial += 1,
                }
            }
        }
        assert!(empty > 0 && partial > full, "empty {empty} full {full} partial {partial}");
    }

    fn p(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    #[test]
    fn bad_inputs_give_their_errors() {
        let d = [(p(121.55, 29.87), 1.0)];
        let c = [p(121.56, 29.87)];
        assert_eq!(Instance::new(&[], &c, &[], 100.0).err(), Some(SitingError::EmptyDemand));
        assert_eq!(Instance::new(&d, &[], &[], 100.0).err(), Some(SitingError::NoCandidates));
        for r in [0.0, -5.0, f64::INFINITY] {
            assert_eq!(Instance::new(&d, &c, &[], r).err(), Some(SitingError::BadRadius(r)));
        }
        assert!(matches!(Instance::new(&d, &c, &[], f64::NAN), Err(SitingError::BadRadius(r)) if r.is_nan()));
        let neg = [(p(121.55, 29.87), 1.0), (p(121.55, 29.88), -1.0)];
        assert_eq!(Instance::new(&neg, &c, &[], 100.0).err(), Some(SitingError::BadWeight { index: 1, weight: -1.0 }));
        let nan = [(p(121.55, 29.87), f64::NAN)];
        assert!(matches!(Instance::new(&nan, &c, &[], 100.0), Err(SitingError::BadWeight { index: 0, .. })));
        let inf = [(p(121.55, 29.87), f64::INFINITY)];
        assert!(matches!(Instance::new(&inf, &c, &[], 100.0), Err(SitingError::BadWeight { index: 0, .. })));
    }

    #[test]
    fn too_many_pairs_within_the_radius_is_refused() {
        // 100 demand points on top of 100 candidates: 10,000 pairs, above a limit of 9,999.
        let here = p(121.55, 29.87);
        let demand = vec![(here, 1.0); 100];
        let candidates = vec![here; 100];
        let err = Instance::with_pair_limit(&demand, &candidates, &[], 10.0, 9_999).err();
        assert!(matches!(err, Some(SitingError::TooLarge { limit: 9_999, .. })), "{err:?}");
        assert!(Instance::with_pair_limit(&demand, &candidates, &[], 10.0, 10_000).is_ok());
        let many = vec![here; MAX_CANDIDATES + 1];
        assert!(matches!(
            Instance::new(&demand[..1], &many, &[], 10.0),
            Err(SitingError::TooLarge { what: "candidate sites", .. })
        ));
    }
}
