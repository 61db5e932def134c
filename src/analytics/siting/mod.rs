//! Where to open new liaison stations: maximal covering (MCLP), fewest sites for a coverage target
//! (LSCP-style) and p-median, over demand points, candidate sites and existing facilities.
//! Plain Rust, no solver library: greedy and interchange heuristics, each answer reported with a
//! valid bound (Lagrangian relaxation) and its gap, plus an exact enumerator for small instances.
//!
//! Positions are WGS84 lon/lat degrees (x = lon, y = lat); every distance and the radius are WGS84
//! geodesic metres ([`crate::spatial::geodesic_distance_m`]). Weights are the demand's own unit
//! (people, opinions…), `>= 0`.
//!
//! # The three problems
//! - **MCLP** ([`solve_mclp`]): add `p` candidate sites maximising the covered weight; a demand
//!   point is covered when an existing facility or an added site lies within `radius_m`.
//! - **LSCP-style** ([`solve_lscp`]): add the fewest sites such that the covered weight reaches
//!   `target_share` of the total weight.
//! - **p-median** ([`solve_p_median`]): add `p` sites minimising the total weighted distance from
//!   each demand point to its nearest facility, existing ones included.
//!
//! All three share one engine ([`assignment`]): a *sparse assignment model* in which demand point
//! `i` pays `cost(i, j)` if served by an open site `j` of its list and a default `base(i)` if none
//! is open. MCLP is that model with cost 0 for the sites within the radius and base 1 (0 when an
//! existing facility covers the point), so the uncovered weight is minimised.
//!
//! # Gap
//! `gap = (bound - objective) / bound` for MCLP (bound above), `(objective - bound) / objective`
//! for p-median and LSCP (bound below); 0 means the answer is proven optimal.

pub mod assignment;
pub mod exact;
pub mod instance;
pub mod solve;

pub use exact::{exact_lscp, exact_mclp, exact_p_median, MAX_EXACT_SUBSETS};
pub use instance::{Instance, MAX_CANDIDATES, MAX_COVER_PAIRS, MAX_DEMAND};
pub use solve::{solve_lscp, solve_mclp, solve_p_median, ChosenSite, PMedianOptions, Plan, Problem, SearchOptions};

/// Why a siting question cannot be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SitingError {
    #[error("there are no demand points")]
    EmptyDemand,
    #[error("there are no candidate sites")]
    NoCandidates,
    #[error("the radius must be a finite number of metres above 0, not {0}")]
    BadRadius(f64),
    #[error("demand point {index} has weight {weight}: weights must be finite and >= 0")]
    BadWeight { index: usize, weight: f64 },
    #[error("cannot add {p} sites: choose between 1 and the {candidates} candidates")]
    BadSiteCount { p: usize, candidates: usize },
    #[error("too many {what}: {count} (the limit is {limit})")]
    TooLarge { what: &'static str, count: usize, limit: usize },
    #[error("the coverage target must be a share in (0, 1], not {0}")]
    BadTarget(f64),
    #[error("coverage {target} is out of reach: every candidate together covers {reachable}")]
    Unreachable { target: f64, reachable: f64 },
    #[error("the number of nearest candidates per demand point must be at least 1")]
    NoNeighbours,
    #[error("the exact solver would enumerate {subsets} subsets (the limit is {limit})")]
    ExactTooLarge { subsets: u128, limit: u128 },
}
