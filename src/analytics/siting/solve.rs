//! The three siting questions on an [`Instance`], answered by the [`assignment`](super::assignment)
//! engine: greedy, then interchange, then a Lagrangian bound; the chosen sites come back in the
//! order a planner should build them.
//!
//! Positions are WGS84 lon/lat degrees (x = lon, y = lat); distances are WGS84 geodesic metres.

use std::time::Instant;

use crate::domain::LonLat;
use crate::spatial::PointIndex;

use super::assignment::{Model, ModelBuilder, SwapReport};
use super::instance::MAX_COVER_PAIRS;
use super::{Instance, SitingError};

/// Which question a [`Plan`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Mclp,
    Lscp,
    PMedian,
}

/// Limits on the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchOptions {
    /// The most 1-for-1 swaps the local search applies (each is the best of a full pass).
    pub max_swaps: usize,
    /// Subgradient iterations for the Lagrangian bound, at most; on large instances fewer, see
    /// [`SearchOptions::iterations_for`].
    pub bound_iterations: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self { max_swaps: 200, bound_iterations: 500 }
    }
}

/// Entry visits the Lagrangian may spend (each iteration visits every entry about twice): on the
/// national-scale instance (1,000,000 × 50,000) 500 iterations took 57 of 97 seconds.
const BOUND_WORK: usize = 2_000_000_000;

impl SearchOptions {
    /// The subgradient iterations for a model of `entries` (demand, site) entries: the cap, or
    /// fewer (at least 50) when the cap would take more than [`BOUND_WORK`] entry visits. Fewer
    /// iterations give a weaker bound, never a wrong one: every iterate is a valid bound.
    pub fn iterations_for(&self, entries: usize, demand: usize) -> usize {
        let per_iteration = 2 * entries + demand;
        self.bound_iterations.min((BOUND_WORK / per_iteration.max(1)).max(50))
    }
}

/// Options of [`solve_p_median`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PMedianOptions {
    /// How many nearest candidates each demand point keeps distances to (K).
    pub nearest: usize,
    pub search: SearchOptions,
}

impl Default for PMedianOptions {
    fn default() -> Self {
        Self { nearest: 50, search: SearchOptions::default() }
    }
}

impl PMedianOptions {
    /// K = max(50, 2 ⌈m / p⌉) for `m` candidates and `p` sites: with few sites a point's nearest
    /// open site is typically beyond its 50 nearest candidates, and the approximation then drifts.
    /// On the peers' 10,000 × 1,000 instance with p = 10, K = 50 ended 7.6 % above the K = 200
    /// answer with an 18.7 % gap; K = 200 matched K = 1,000 (gap 0.10 %) in a quarter of the time.
    pub fn for_instance(p: usize, candidates: usize) -> Self {
        let nearest = 50.max(2 * candidates.div_ceil(p.max(1)));
        Self { nearest, search: SearchOptions::default() }
    }
}

/// A site to build, in building order.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenSite {
    /// Position in the instance's candidates.
    pub candidate: usize,
    pub position: LonLat,
    /// Demand weight newly within the radius given the existing facilities and the sites before.
    pub added_weight: f64,
    /// p-median only: weighted metres saved given the sites before (in the sparse model, see
    /// [`solve_p_median`]).
    pub saved_weighted_m: Option<f64>,
}

/// An answer: sites in building order, coverage, objective, bound and gap.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub problem: Problem,
    pub sites: Vec<ChosenSite>,
    /// Weight within the radius of an existing facility or a chosen site.
    pub covered_weight: f64,
    pub total_weight: f64,
    /// `covered_weight / total_weight` (0 when the total is 0).
    pub coverage_share: f64,
    /// MCLP: covered weight; LSCP: number of sites added; p-median: total weighted geodesic
    /// distance (weight × metres) to the nearest facility.
    pub objective: f64,
    /// MCLP: an upper bound on the covered weight; LSCP and p-median: a lower bound.
    pub bound: f64,
    /// Relative distance between objective and bound, see the [module docs](super).
    pub gap: f64,
    /// Whether the interchange stopped at a local optimum rather than at its cap.
    pub converged: bool,
    /// Solving time, excluding building the instance.
    pub seconds: f64,
}

/// MCLP: adds up to `p` sites maximising the covered weight (demand within the radius of an
/// existing facility counts as covered). Lazy greedy, best-improvement swaps, swaps again from the
/// best relaxed solution of the Lagrangian (when that is better), and the smaller of
/// two upper bounds: the Lagrangian one and the greedy's `f(∅) + (f(G) - f(∅)) / (1 - 1/e)`.
/// Stops adding sites early when none covers anything more.
///
/// # Examples
/// ```
/// use liaison::analytics::siting::{solve_mclp, Instance, SearchOptions};
/// use liaison::domain::LonLat;
/// let p = |x, y| LonLat::new(x, y).unwrap();
/// let demand = [(p(121.550, 29.870), 3.0), (p(121.551, 29.870), 1.0), (p(121.600, 29.900), 2.0)];
/// let candidates = [p(121.5505, 29.870), p(121.600, 29.9001), p(121.700, 29.950)];
/// let instance = Instance::new(&demand, &candidates, &[], 300.0).unwrap();
/// let plan = solve_mclp(&instance, 1, SearchOptions::default()).unwrap();
/// assert_eq!(plan.sites[0].candidate, 0);
/// assert_eq!(plan.objective, 4.0);
/// assert!(plan.bound >= plan.objective && plan.gap.abs() < 1e-9);
/// ```
pub fn solve_mclp(instance: &Instance, p: usize, options: SearchOptions) -> Result<Plan, SitingError> {
    instance.check_site_count(p)?;
    let started = Instant::now();
    let model = coverage_model(instance);
    let total = instance.total_weight();
    let greedy = model.lazy_greedy(p, 0, f64::NEG_INFINITY);
    let mut sites: Vec<usize> = greedy.iter().map(|g| g.0).collect();
    let mut report = model.swap_search(&mut sites, options.max_swaps);
    let iterations = options.iterations_for(model.entries(), instance.demand().len());
    let lagrangian = model.lagrangian_bound(p, model.cost(&sites), iterations);
    improve_from(&model, &mut sites, &mut report, lagrangian.cheaper, options.max_swaps);

    // f(S) = total - cost(S) is monotone submodular, so the greedy G has
    // f(G) - f(∅) >= (1 - 1/e) (f(OPT) - f(∅)).
    let existing = total - model.default_cost();
    let greedy_gain: f64 = greedy.iter().map(|g| g.1).sum();
    let greedy_bound = existing + greedy_gain / (1.0 - (-1.0f64).exp());
    let lagrangian_bound = total - lagrangian.bound;
    let coverable = total - model.cost(&(0..instance.candidates().len()).collect::<Vec<_>>());
    let bound = greedy_bound.min(lagrangian_bound).min(coverable);

    let order = model.build_order(&sites);
    let chosen = chosen_sites(instance, &order, false);
    let covered = instance.covered_weight(&sites);
    Ok(plan(
        Problem::Mclp,
        instance,
        chosen,
        covered,
        covered,
        bound,
        relative(bound - covered, bound),
        report,
        started,
    ))
}

/// LSCP-style: adds the fewest sites (greedy by marginal covered weight) such that the covered
/// weight reaches `target_share` of the total, then drops any site the target does not need.
/// The bound is a lower bound on the number of sites: the fewest `k` whose `k` largest
/// single-site gains could reach the target.
pub fn solve_lscp(instance: &Instance, target_share: f64) -> Result<Plan, SitingError> {
    if !(target_share.is_finite() && target_share > 0.0 && target_share <= 1.0) {
        return Err(SitingError::BadTarget(target_share));
    }
    let started = Instant::now();
    let model = coverage_model(instance);
    let total = instance.total_weight();
    let every: Vec<usize> = (0..instance.candidates().len()).collect();
    let reachable = total - model.cost(&every);
    // Sums of integer-like weights are exact; the slack absorbs rounding of fractional ones.
    let slack = 1e-9 * total.max(1.0);
    let allowed_uncovered = total - target_share * total + slack;
    if model.cost(&every) > allowed_uncovered {
        return Err(SitingError::Unreachable { target: target_share, reachable: share(reachable, total) });
    }
    let greedy = model.lazy_greedy(every.len(), 0, allowed_uncovered);
    let mut sites: Vec<usize> = greedy.iter().map(|g| g.0).collect();
    // The greedy's early picks may be made redundant by later ones: drop the last-needed first.
    let mut at = sites.len();
    while at > 0 {
        at -= 1;
        let mut without = sites.clone();
        without.remove(at);
        if model.cost(&without) <= allowed_uncovered {
            sites = without;
        }
    }
    let mut singles: Vec<f64> = every.iter().map(|&j| model.cost(&[]) - model.cost(&[j])).collect();
    singles.sort_by(|a, b| b.total_cmp(a));
    let mut need = model.default_cost() - allowed_uncovered;
    let mut bound = 0usize;
    while need > 0.0 && bound < singles.len() {
        need -= singles[bound];
        bound += 1;
    }
    let order = model.build_order(&sites);
    let chosen = chosen_sites(instance, &order, false);
    let covered = instance.covered_weight(&sites);
    let objective = sites.len() as f64;
    let gap = relative(objective - bound as f64, objective);
    let report = SwapReport { swaps: 0, converged: true };
    Ok(plan(Problem::Lscp, instance, chosen, covered, objective, bound as f64, gap, report, started))
}

/// p-median: adds `p` sites minimising the total weighted geodesic distance from each demand
/// point to its nearest facility, existing ones included.
///
/// # The sparse approximation
/// Each demand point keeps the distances to its `K = options.nearest` nearest candidates; every
/// other candidate is taken to be as far as the K-th nearest (`d_K`), which is never farther than
/// it really is. With `d_e` the distance to the nearest existing facility, the point's default is
/// `min(d_e, d_K)`. The search runs on this model, whose cost is at most the true cost of the same
/// sites (equal when each point's nearest facility is an existing one or among its K), so the
/// Lagrangian lower bound of the model bounds the true optimum too. The reported objective is the
/// true weighted distance of the chosen sites, recomputed with geodesic nearest-facility queries.
/// With `K` at least the number of candidates the model is exact.
pub fn solve_p_median(instance: &Instance, p: usize, options: PMedianOptions) -> Result<Plan, SitingError> {
    instance.check_site_count(p)?;
    if options.nearest == 0 {
        return Err(SitingError::NoNeighbours);
    }
    let started = Instant::now();
    let k = options.nearest.min(instance.candidates().len());
    let pairs = instance.demand().len().saturating_mul(k);
    if pairs > MAX_COVER_PAIRS {
        return Err(SitingError::TooLarge { what: "demand-candidate distances", count: pairs, limit: MAX_COVER_PAIRS });
    }
    let mut builder = ModelBuilder::new(instance.candidates().len());
    for (i, &q) in instance.demand().iter().enumerate() {
        let near = instance.candidate_index().nearest(q, k, |_| true);
        let existing = nearest_existing_m(instance, q);
        // `near` has k >= 1 entries, nearest first; the last is d_K.
        let far = near.last().map_or(f64::INFINITY, |n| n.distance_m);
        builder.push(instance.weights()[i], existing.min(far), near.iter().map(|n| (n.index as u32, n.distance_m)));
    }
    let model = builder.finish();
    let greedy = model.lazy_greedy(p, 1, f64::NEG_INFINITY);
    let mut sites: Vec<usize> = greedy.iter().map(|g| g.0).collect();
    let mut report = model.swap_search(&mut sites, options.search.max_swaps);
    let iterations = options.search.iterations_for(model.entries(), instance.demand().len());
    let lagrangian = model.lagrangian_bound(p, model.cost(&sites), iterations);
    improve_from(&model, &mut sites, &mut report, lagrangian.cheaper, options.search.max_swaps);
    let bound = lagrangian.bound.max(0.0);
    let objective = true_weighted_distance(instance, &sites);

    let order = model.build_order(&sites);
    let chosen = chosen_sites(instance, &order, true);
    let covered = instance.covered_weight(&sites);
    Ok(plan(
        Problem::PMedian,
        instance,
        chosen,
        covered,
        objective,
        bound,
        relative(objective - bound, objective),
        report,
        started,
    ))
}

/// If the Lagrangian heuristic found cheaper sites than the greedy and swaps, swaps from those
/// too and keeps them when still cheaper.
fn improve_from(
    model: &Model,
    sites: &mut Vec<usize>,
    report: &mut SwapReport,
    cheaper: Option<(Vec<usize>, f64)>,
    max_swaps: usize,
) {
    let Some((mut other, _)) = cheaper else { return };
    let other_report = model.swap_search(&mut other, max_swaps);
    if model.cost(&other) < model.cost(sites) {
        *sites = other;
        *report = other_report;
    }
}

/// The coverage model: cost 0 within the radius, default 1, points covered by an existing
/// facility at default 0 (nothing to gain).
fn coverage_model(instance: &Instance) -> Model {
    let mut builder = ModelBuilder::new(instance.candidates().len());
    for (i, &w) in instance.weights().iter().enumerate() {
        let base = if instance.covered_by_existing(i) { 0.0 } else { 1.0 };
        builder.push(w, base, instance.candidates_covering(i).iter().map(|&j| (j, 0.0)));
    }
    builder.finish()
}

fn nearest_existing_m(instance: &Instance, q: LonLat) -> f64 {
    instance.existing_index().nearest(q, 1, |_| true).first().map_or(f64::INFINITY, |n| n.distance_m)
}

/// The total weighted geodesic distance to the nearest of the existing facilities and `sites`.
fn true_weighted_distance(instance: &Instance, sites: &[usize]) -> f64 {
    let positions: Vec<LonLat> = sites.iter().map(|&j| instance.candidates()[j]).collect();
    let chosen = PointIndex::build(&positions);
    instance
        .demand()
        .iter()
        .zip(instance.weights())
        .map(|(&q, &w)| {
            let to_site = chosen.nearest(q, 1, |_| true).first().map_or(f64::INFINITY, |n| n.distance_m);
            let d = to_site.min(nearest_existing_m(instance, q));
            if w == 0.0 {
                0.0
            } else {
                w * d
            }
        })
        .sum()
}

/// Sites in building order, with the weight each newly brings within the radius.
fn chosen_sites(instance: &Instance, order: &[(usize, f64)], with_savings: bool) -> Vec<ChosenSite> {
    let mut covered: Vec<bool> = (0..instance.demand().len()).map(|i| instance.covered_by_existing(i)).collect();
    order
        .iter()
        .map(|&(j, saving)| {
            let mut added_weight = 0.0;
            for &i in instance.demand_covered_by(j) {
                if !covered[i as usize] {
                    covered[i as usize] = true;
                    added_weight += instance.weights()[i as usize];
                }
            }
            ChosenSite {
                candidate: j,
                position: instance.candidates()[j],
                added_weight,
                saved_weighted_m: with_savings.then_some(saving),
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn plan(
    problem: Problem,
    instance: &Instance,
    sites: Vec<ChosenSite>,
    covered_weight: f64,
    objective: f64,
    bound: f64,
    gap: f64,
    report: SwapReport,
    started: Instant,
) -> Plan {
    let total_weight = instance.total_weight();
    Plan {
        problem,
        sites,
        covered_weight,
        total_weight,
        coverage_share: share(covered_weight, total_weight),
        objective,
        bound,
        gap,
        converged: report.converged,
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn share(part: f64, total: f64) -> f64 {
    if total > 0.0 {
        part / total
    } else {
        0.0
    }
}

/// `difference / scale`, 0 when the scale is 0 (objective and bound both 0).
fn relative(difference: f64, scale: f64) -> f64 {
    if scale.abs() > 0.0 {
        (difference / scale).max(0.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::siting::exact::{exact_lscp, exact_mclp, exact_p_median};
    use crate::analytics::siting::instance::tests::random_instance;
    use crate::spatial::geodesic_distance_m;

    const SEEDS: u64 = 150;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
    }

    /// Covered weight and weighted distance of `sites`, by brute force over all pairs.
    fn brute(inst: &Instance, sites: &[usize]) -> (f64, f64) {
        let (mut covered, mut distance) = (0.0, 0.0);
        for (&q, &w) in inst.demand().iter().zip(inst.weights()) {
            let d = sites
                .iter()
                .map(|&j| inst.candidates()[j])
                .chain(inst.existing().iter().copied())
                .map(|f| geodesic_distance_m(q, f))
                .fold(f64::INFINITY, f64::min);
            if d <= inst.radius_m() {
                covered += w;
            }
            distance += w * d;
        }
        (covered, distance)
    }

    fn site_list(plan: &Plan) -> Vec<usize> {
        plan.sites.iter().map(|s| s.candidate).collect()
    }

    fn check_sites(plan: &Plan, inst: &Instance, p: usize) {
        let mut sites = site_list(plan);
        assert!(sites.len() <= p);
        sites.sort_unstable();
        sites.dedup();
        assert_eq!(sites.len(), plan.sites.len(), "a site chosen twice");
        let added: f64 = plan.sites.iter().map(|s| s.added_weight).sum();
        assert!(close(added + inst.existing_covered_weight(), plan.covered_weight));
        assert!(close(plan.coverage_share * plan.total_weight, plan.covered_weight));
    }

    #[test]
    fn mclp_is_never_better_than_the_optimum_nor_above_its_bound() {
        let (mut runs, mut at_optimum, mut gap_sum) = (0, 0, 0.0);
        for seed in 0..SEEDS {
            let inst = random_instance(seed);
            for p in 1..=4 {
                let plan = solve_mclp(&inst, p, SearchOptions::default()).unwrap();
                let best = exact_mclp(&inst, p).unwrap().objective;
                assert!(plan.objective <= best + 1e-9, "seed {seed} p {p}: {} > optimum {best}", plan.objective);
                assert!(plan.bound >= best - 1e-6, "seed {seed} p {p}: bound {} < optimum {best}", plan.bound);
                runs += 1;
                at_optimum += usize::from(plan.objective >= 0.99 * best);
                gap_sum += (plan.bound - best) / best.max(1.0);
            }
        }
        eprintln!(
            "MCLP: {at_optimum}/{runs} within 1 % of the optimum, mean bound excess {:.4}",
            gap_sum / runs as f64
        );
        assert!(at_optimum * 10 >= runs * 9, "only {at_optimum} of {runs} within 1 %");
    }

    #[test]
    fn mclp_reports_what_its_sites_cover_by_brute_force() {
        for seed in 0..SEEDS {
            let inst = random_instance(seed);
            for p in 1..=4 {
                let plan = solve_mclp(&inst, p, SearchOptions::default()).unwrap();
                let (covered, _) = brute(&inst, &site_list(&plan));
                assert!(close(plan.covered_weight, covered), "seed {seed} p {p}");
                assert_eq!(plan.objective, plan.covered_weight);
                assert!(close(plan.total_weight, inst.weights().iter().sum()));
                check_sites(&plan, &inst, p);
                // Savings of a submodular function along its greedy order never grow.
                assert!(plan.sites.windows(2).all(|w| w[0].added_weight >= w[1].added_weight - 1e-9), "seed {seed}");
            }
        }
    }

    #[test]
    fn p_median_is_never_better_than_the_optimum_nor_below_its_bound() {
        let (mut runs, mut at_optimum, mut gap_sum) = (0, 0, 0.0);
        for seed in 0..SEEDS {
            let inst = random_instance(seed);
            for p in 1..=4 {
                let best = exact_p_median(&inst, p).unwrap().objective;
                // K = 50 keeps every candidate (exact model); K = 3 is the sparse approximation.
                for nearest in [50, 3] {
                    let options = PMedianOptions { nearest, ..PMedianOptions::default() };
                    let plan = solve_p_median(&inst, p, options).unwrap();
                    assert!(plan.objective >= best * (1.0 - 1e-9), "seed {seed} p {p} K {nearest}: below optimum");
                    assert!(plan.bound <= best * (1.0 + 1e-9), "seed {seed} p {p} K {nearest}: bound above optimum");
                    if nearest == 50 {
                        runs += 1;
                        at_optimum += usize::from(plan.objective <= 1.01 * best);
                        gap_sum += (best - plan.bound) / best;
                    }
                }
            }
        }
        eprintln!(
            "p-median: {at_optimum}/{runs} within 1 % of the optimum, mean bound shortfall {:.4}",
            gap_sum / runs as f64
        );
        assert!(at_optimum * 10 >= runs * 9, "only {at_optimum} of {runs} within 1 %");
    }

    #[test]
    fn p_median_reports_the_true_weighted_distance_of_its_sites() {
        for seed in 0..SEEDS {
            let inst = random_instance(seed);
            for (p, nearest) in [(1, 50), (2, 2), (3, 5), (4, 50)] {
                let plan = solve_p_median(&inst, p, PMedianOptions { nearest, ..PMedianOptions::default() }).unwrap();
                let (covered, distance) = brute(&inst, &site_list(&plan));
                assert!(close(plan.objective, distance), "seed {seed} p {p}: {} vs {distance}", plan.objective);
                assert!(close(plan.covered_weight, covered), "seed {seed} p {p}");
                assert!(plan.sites.iter().all(|s| s.saved_weighted_m.is_some()));
                check_sites(&plan, &inst, p);
            }
        }
    }

    #[test]
    fn lscp_needs_no_fewer_sites_than_the_optimum_and_reaches_its_target() {
        let (mut runs, mut at_optimum) = (0, 0);
        for seed in 0..SEEDS {
            let inst = random_instance(seed);
            let every: Vec<usize> = (0..inst.candidates().len()).collect();
            let reachable = inst.covered_weight(&every) / inst.total_weight();
            for target in [0.3, 0.6, 0.9, 1.0] {
                let target = target * reachable;
                let plan = solve_lscp(&inst, target).unwrap();
                let best = exact_lscp(&inst, target).unwrap().objective;
                let (covered, _) = brute(&inst, &site_list(&plan));
                assert!(covered >= target * inst.total_weight() * (1.0 - 1e-9), "seed {seed}: target missed");
                assert!(close(plan.covered_weight, covered));
                assert_eq!(plan.objective, plan.sites.len() as f64);
                assert!(plan.objective >= best, "seed {seed}: fewer sites than the optimum");
                assert!(plan.bound <= best, "seed {seed}: bound {} above optimum {best}", plan.bound);
                runs += 1;
                at_optimum += usize::from(plan.objective == best);
            }
        }
        eprintln!("LSCP: {at_optimum}/{runs} at the optimum");
        assert!(at_optimum * 10 >= runs * 8, "only {at_optimum} of {runs} optimal");
    }

    fn p(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat).unwrap()
    }

    #[test]
    fn demand_covered_by_an_existing_facility_does_not_draw_a_new_site() {
        // The heavy point is next to an existing station; the lighter one is not.
        let demand = [(p(121.550, 29.870), 10.0), (p(121.600, 29.870), 3.0)];
        let candidates = [p(121.5501, 29.870), p(121.6001, 29.870)];
        let existing = [p(121.5502, 29.870)];
        let inst = Instance::new(&demand, &candidates, &existing, 200.0).unwrap();
        let plan = solve_mclp(&inst, 1, SearchOptions::default()).unwrap();
        assert_eq!(site_list(&plan), vec![1]);
        assert_eq!((plan.objective, plan.sites[0].added_weight), (13.0, 3.0));
        let plan = solve_p_median(&inst, 1, PMedianOptions::default()).unwrap();
        assert_eq!(site_list(&plan), vec![1]);
        let lscp = solve_lscp(&inst, 10.0 / 13.0).unwrap();
        assert!(lscp.sites.is_empty() && lscp.objective == 0.0);
    }

    #[test]
    fn bad_requests_give_their_errors() {
        let inst = random_instance(1);
        let m = inst.candidates().len();
        for bad in [0, m + 1] {
            let want = Some(SitingError::BadSiteCount { p: bad, candidates: m });
            assert_eq!(solve_mclp(&inst, bad, SearchOptions::default()).err(), want);
            assert_eq!(solve_p_median(&inst, bad, PMedianOptions::default()).err(), want);
            assert_eq!(exact_mclp(&inst, bad).err(), want);
            assert_eq!(exact_p_median(&inst, bad).err(), want);
        }
        assert_eq!(PMedianOptions::for_instance(10, 1_000).nearest, 200);
        assert_eq!(PMedianOptions::for_instance(4, 12).nearest, 50);
        let no_neighbours = PMedianOptions { nearest: 0, ..PMedianOptions::default() };
        assert_eq!(solve_p_median(&inst, 1, no_neighbours).err(), Some(SitingError::NoNeighbours));
        for target in [0.0, -0.5, 1.5, f64::INFINITY] {
            assert_eq!(solve_lscp(&inst, target).err(), Some(SitingError::BadTarget(target)));
            assert_eq!(exact_lscp(&inst, target).err(), Some(SitingError::BadTarget(target)));
        }
        assert!(matches!(solve_lscp(&inst, f64::NAN), Err(SitingError::BadTarget(t)) if t.is_nan()));
        // A point no candidate reaches makes full coverage unreachable.
        let demand = [(p(121.55, 29.87), 1.0), (p(121.70, 29.95), 1.0)];
        let inst = Instance::new(&demand, &[p(121.5501, 29.87)], &[], 500.0).unwrap();
        assert_eq!(solve_lscp(&inst, 1.0).err(), Some(SitingError::Unreachable { target: 1.0, reachable: 0.5 }));
        assert_eq!(exact_lscp(&inst, 1.0).err(), Some(SitingError::Unreachable { target: 1.0, reachable: 0.5 }));
        assert_eq!(solve_lscp(&inst, 0.5).map(|plan| plan.objective), Ok(1.0));
    }
}
