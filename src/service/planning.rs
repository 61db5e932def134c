//! Planning: how much of the demand the stations reach within a radius (coverage), and where new
//! sites would reach the most (siting: MCLP, LSCP, p-median over [`crate::analytics::siting`]).
//!
//! Positions are WGS84 lon/lat degrees; every distance and radius is WGS84 geodesic metres. Demand
//! is the stored population (residents by community), the opinions counted in H3 cells, or the
//! caller's weighted points; existing facilities are the stored physical stations (online stations
//! reach no one by distance), the caller's points, or none.

use std::collections::BTreeMap;
use std::time::Instant;

use geo::BoundingRect;
use h3o::CellIndex;
use serde::{Deserialize, Serialize};

use super::analytics::Selection;
use super::{Result, Service, ServiceError};
use crate::analytics::query::heatmap;
use crate::analytics::siting::{
    solve_lscp, solve_mclp, solve_p_median, Instance, PMedianOptions, Plan, SearchOptions, SitingError,
};
use crate::catalog::Catalog;
use crate::domain::{AreaLevel, DemandPoint, LonLat, StationKind};
use crate::spatial::hexagons::{cell_of, cells_with_centres_in, centre, HexResolution};
use crate::spatial::{BBox, PointIndex};

/// The resolution of the opinion cells used as demand (≈ 0.1 km² each).
pub const OPINION_CELL_RES: u8 = 9;
/// The resolutions a caller may ask generated candidates at (res 7 ≈ 5 km², res 10 ≈ 0.015 km²).
pub const CANDIDATE_RES: std::ops::RangeInclusive<u8> = 7..=10;
/// The most candidate sites one question may weigh (given or generated).
pub const MAX_CANDIDATES: usize = 50_000;
/// The most demand points a caller may send with one question (larger sets: import them).
pub const MAX_GIVEN_DEMAND: usize = 200_000;
/// The most existing facilities a caller may send.
pub const MAX_GIVEN_EXISTING: usize = 50_000;

static SOLVES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// A place by the caller's id: a candidate site or an existing facility.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub position: LonLat,
}

/// Where demand comes from.
#[derive(Debug, Clone)]
pub enum Demand {
    /// The stored population ([`Catalog::demand`]).
    Population,
    /// Every opinion, counted in H3 cells of [`OPINION_CELL_RES`] (weight = opinions).
    Opinions,
    Points(Vec<DemandPoint>),
}

/// Where candidate sites come from.
#[derive(Debug, Clone)]
pub enum Candidates {
    /// The centres of the H3 cells of this resolution whose centre lies inside the district.
    Cells(u8),
    Points(Vec<Site>),
}

/// The facilities already there: they cover and serve demand but do not count toward `p`.
#[derive(Debug, Clone)]
pub enum Existing {
    /// The stored stations with a place (every kind but online stations).
    Stations,
    Points(Vec<Site>),
    None,
}

/// Which siting question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Maximal covering: `p` new sites covering the most demand within the radius.
    Mclp,
    /// Set covering: the fewest new sites bringing coverage to the target share.
    Lscp,
    /// p-median: `p` new sites minimising the weighted distance to the nearest facility.
    Pmedian,
}

impl std::str::FromStr for Model {
    type Err = ServiceError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "mclp" => Ok(Model::Mclp),
            "lscp" => Ok(Model::Lscp),
            "pmedian" | "p-median" | "p_median" => Ok(Model::Pmedian),
            other => Err(ServiceError::invalid(
                "unknown_model",
                format!("unknown model {other:?}: expected mclp, lscp or pmedian"),
            )),
        }
    }
}

/// A coverage question.
#[derive(Debug, Clone)]
pub struct CoverageRequest {
    pub radius_m: f64,
    pub demand: Demand,
    pub stations: Existing,
    /// The resolution of the uncovered cells in the answer.
    pub cells_res: u8,
}

/// A siting question.
#[derive(Debug, Clone)]
pub struct SitingRequest {
    pub model: Model,
    /// Sites to add (MCLP, p-median).
    pub p: Option<usize>,
    pub radius_m: f64,
    /// The share of the demand to cover (LSCP).
    pub target_coverage: Option<f64>,
    pub demand: Demand,
    pub candidates: Candidates,
    pub existing: Existing,
}

/// Distances from demand to its nearest facility, weighted by the demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DistanceSummary {
    pub mean_m: f64,
    pub p90_m: f64,
    pub max_m: f64,
}

/// One town's demand and how much of it is covered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TownCoverage {
    /// The town's area code; null for demand outside every town.
    pub code: Option<String>,
    pub name: Option<String>,
    pub total_weight: f64,
    pub covered_weight: f64,
    pub coverage: f64,
}

/// Uncovered demand gathered in one H3 cell.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UncoveredCell {
    /// The H3 cell index (hex).
    #[schema(value_type = String)]
    #[serde(serialize_with = "as_text")]
    pub cell: CellIndex,
    pub weight: f64,
    /// Demand points in it.
    pub points: usize,
}

fn as_text<S: serde::Serializer>(cell: &CellIndex, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(cell)
}

/// The answer to a coverage question.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageAnswer {
    pub radius_m: f64,
    pub demand_points: usize,
    pub stations: usize,
    pub total_weight: f64,
    pub covered_weight: f64,
    pub coverage: f64,
    /// Null without demand weight or without stations.
    pub distance: Option<DistanceSummary>,
    pub by_town: Vec<TownCoverage>,
    /// Uncovered demand by H3 cell, heaviest first.
    pub uncovered: Vec<UncoveredCell>,
    pub cells_res: u8,
}

/// A site the plan adds, in building order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChosenView {
    pub id: String,
    pub lon: f64,
    pub lat: f64,
    /// Demand newly within the radius, given the existing facilities and the sites before it.
    pub added_weight: f64,
    /// p-median: weighted metres saved given the sites before it.
    pub saved_weighted_m: Option<f64>,
    /// The code of the town it lies in, if any.
    pub town: Option<String>,
}

/// What a plan was computed from (echoed so that a saved scenario says what it answers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanInputs {
    pub model: Model,
    pub p: Option<usize>,
    pub radius_m: f64,
    pub target_coverage: Option<f64>,
    /// population, opinions or points.
    pub demand: String,
    pub demand_points: usize,
    /// h3:RES or points.
    pub candidates: String,
    pub candidate_sites: usize,
    /// stations, points or none.
    pub existing: String,
    pub existing_sites: usize,
}

/// The answer to a siting question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SitingAnswer {
    pub model: Model,
    pub chosen: Vec<ChosenView>,
    /// Demand within the radius of an existing facility or a chosen site.
    pub covered_weight: f64,
    /// Demand within the radius of an existing facility.
    pub existing_covered_weight: f64,
    pub total_weight: f64,
    pub coverage: f64,
    /// MCLP: covered weight; LSCP: sites added; p-median: weighted metres to the nearest facility.
    pub objective: f64,
    /// MCLP: no plan of `p` sites covers more than this.
    pub upper_bound: Option<f64>,
    /// LSCP: no plan needs fewer sites; p-median: no plan has less weighted distance.
    pub lower_bound: Option<f64>,
    /// How far from optimal the answer can be, as a share (0: proven optimal).
    pub gap: f64,
    /// Whether the local search ended at a local optimum (not at its cap on swaps).
    pub converged: bool,
    /// Seconds to answer, including building the coverage lists.
    pub seconds: f64,
    pub by_town: Vec<TownChange>,
    pub inputs: PlanInputs,
}

/// A town's coverage before (existing facilities) and after the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TownChange {
    pub code: Option<String>,
    pub name: Option<String>,
    pub total_weight: f64,
    pub covered_before: f64,
    pub covered_after: f64,
}

/// Siting inputs with every source resolved to points.
pub struct SitingInputs {
    pub model: Model,
    pub p: Option<usize>,
    pub radius_m: f64,
    pub target_coverage: Option<f64>,
    pub demand: Vec<DemandPoint>,
    pub candidates: Vec<Site>,
    pub existing: Vec<Site>,
    /// How the sources were named, for [`PlanInputs`].
    pub sources: [String; 3],
}

impl From<SitingError> for ServiceError {
    fn from(e: SitingError) -> Self {
        let code = match e {
            SitingError::EmptyDemand => "empty_demand",
            SitingError::NoCandidates => "no_candidates",
            SitingError::BadRadius(_) => "invalid_radius",
            SitingError::BadWeight { .. } => "invalid_weight",
            SitingError::BadSiteCount { .. } => "invalid_p",
            SitingError::TooLarge { .. } | SitingError::ExactTooLarge { .. } => "too_large",
            SitingError::BadTarget(_) => "invalid_target",
            SitingError::Unreachable { .. } => "unreachable_target",
            SitingError::NoNeighbours => "invalid_options",
        };
        ServiceError::Unprocessable { code, message: e.to_string() }
    }
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Unprocessable { code, message: message.into() }
}

fn check_radius(radius_m: f64) -> Result<()> {
    if radius_m.is_finite() && radius_m > 0.0 && radius_m <= 100_000.0 {
        Ok(())
    } else {
        Err(unprocessable("invalid_radius", format!("radius_m must be above 0 and at most 100,000 m, not {radius_m}")))
    }
}

impl Service {
    /// Coverage of the demand by the stations within `radius_m`: overall, by town, distances, and
    /// the uncovered demand by H3 cell.
    pub async fn coverage(&self, request: CoverageRequest) -> Result<CoverageAnswer> {
        check_radius(request.radius_m)?;
        let cells_res = HexResolution::new(request.cells_res)
            .map_err(|e| ServiceError::invalid("invalid_resolution", e.to_string()))?;
        let demand = self.demand_points(&request.demand)?;
        let stations = self.existing_sites(&request.stations)?;
        let catalog = self.catalog();
        let radius_m = request.radius_m;
        off_thread(move || Ok(coverage(&catalog, &demand, &stations, radius_m, cells_res))).await
    }

    /// Resolves a siting question's sources against the catalog and the live opinions.
    pub fn siting_inputs(&self, request: SitingRequest) -> Result<SitingInputs> {
        check_radius(request.radius_m)?;
        let demand = self.demand_points(&request.demand)?;
        let candidates = match &request.candidates {
            Candidates::Points(points) => points.clone(),
            Candidates::Cells(res) => self.candidate_cells(*res)?,
        };
        let existing = self.existing_sites(&request.existing)?;
        let sources = [
            match request.demand {
                Demand::Population => "population",
                Demand::Opinions => "opinions",
                Demand::Points(_) => "points",
            }
            .to_owned(),
            match request.candidates {
                Candidates::Cells(res) => format!("h3:{res}"),
                Candidates::Points(_) => "points".to_owned(),
            },
            match request.existing {
                Existing::Stations => "stations",
                Existing::Points(_) => "points",
                Existing::None => "none",
            }
            .to_owned(),
        ];
        Ok(SitingInputs {
            model: request.model,
            p: request.p,
            radius_m: request.radius_m,
            target_coverage: request.target_coverage,
            demand,
            candidates,
            existing,
            sources,
        })
    }

    /// Answers a siting question off the async threads (it may take seconds).
    pub async fn plan_sites(&self, request: SitingRequest) -> Result<SitingAnswer> {
        let inputs = self.siting_inputs(request)?;
        let catalog = self.catalog();
        // One solve at a time: each may use a core for seconds, and the map must stay responsive.
        let _turn = SOLVES.acquire().await.map_err(|e| ServiceError::Internal(e.to_string()))?;
        off_thread(move || solve_sites(&inputs, Some(&catalog), &|_| {})).await
    }

    fn demand_points(&self, demand: &Demand) -> Result<Vec<DemandPoint>> {
        let points = match demand {
            Demand::Points(points) => {
                if points.len() > MAX_GIVEN_DEMAND {
                    return Err(unprocessable(
                        "too_large",
                        format!("{} demand points given; at most {MAX_GIVEN_DEMAND} (import larger demand with `liaison import demand`)", points.len()),
                    ));
                }
                points.clone()
            }
            Demand::Population => self.catalog().demand().to_vec(),
            Demand::Opinions => self.opinion_demand()?,
        };
        if points.is_empty() {
            let hint = match demand {
                Demand::Population => ": no population is stored (liaison import demand FILE)",
                Demand::Opinions => ": there are no opinions yet",
                Demand::Points(_) => "",
            };
            return Err(unprocessable("empty_demand", format!("there are no demand points{hint}")));
        }
        Ok(points)
    }

    /// Every opinion counted in H3 cells, as demand at the cells' centres.
    fn opinion_demand(&self) -> Result<Vec<DemandPoint>> {
        let filter = self.analytics_filter(&Selection::default())?;
        let res = HexResolution::new(OPINION_CELL_RES).expect("a valid resolution");
        let cells = heatmap(&self.facts.read(), &filter, res);
        cells
            .iter()
            .map(|h| {
                let (lon, lat) = centre(h.cell);
                let position = LonLat::new(lon, lat).map_err(|e| ServiceError::Internal(e.to_string()))?;
                DemandPoint::new(h.cell.to_string(), position, h.count as f64)
                    .map_err(|e| ServiceError::Internal(e.to_string()))
            })
            .collect()
    }

    fn existing_sites(&self, existing: &Existing) -> Result<Vec<Site>> {
        match existing {
            Existing::Points(points) if points.len() > MAX_GIVEN_EXISTING => Err(unprocessable(
                "too_large",
                format!("{} existing sites given; at most {MAX_GIVEN_EXISTING}", points.len()),
            )),
            Existing::Points(points) => Ok(points.clone()),
            Existing::None => Ok(Vec::new()),
            Existing::Stations => Ok(physical_stations(&self.catalog())),
        }
    }

    /// The centres of the H3 cells of `res` inside the district (the union of its towns).
    fn candidate_cells(&self, res: u8) -> Result<Vec<Site>> {
        if !CANDIDATE_RES.contains(&res) {
            return Err(ServiceError::invalid(
                "invalid_resolution",
                format!("h3_res must be {} to {}, not {res}", CANDIDATE_RES.start(), CANDIDATE_RES.end()),
            ));
        }
        let catalog = self.catalog();
        let towns: Vec<_> = catalog.areas().iter().filter(|a| a.level == AreaLevel::Town).collect();
        let Some(rect) = towns.iter().filter_map(|a| a.geometry.bounding_rect()).reduce(|a, b| {
            geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        }) else {
            return Err(unprocessable(
                "no_candidates",
                "no towns are stored to generate candidates inside: give candidates",
            ));
        };
        let bbox = BBox { min_lon: rect.min().x, min_lat: rect.min().y, max_lon: rect.max().x, max_lat: rect.max().y };
        let res = HexResolution::new(res).expect("checked above");
        // Estimate before enumerating: a res-10 grid over a province would be millions of cells.
        let cell_m2 = 2.598 * res.edge_length_m().powi(2);
        let mid_lat = (0.5 * (bbox.min_lat + bbox.max_lat)).to_radians();
        let box_m2 =
            (bbox.max_lon - bbox.min_lon) * 111_320.0 * mid_lat.cos() * (bbox.max_lat - bbox.min_lat) * 111_320.0;
        let estimate = box_m2 / cell_m2;
        if estimate > 4.0 * MAX_CANDIDATES as f64 {
            return Err(unprocessable(
                "too_large",
                format!("about {estimate:.0} cells of resolution {} in the district; at most {MAX_CANDIDATES}: choose a coarser h3_res", res.get()),
            ));
        }
        let cells = cells_with_centres_in(&bbox, res, |lon, lat| {
            LonLat::new(lon, lat).is_ok_and(|q| catalog.town_at(q).is_some())
        });
        if cells.len() > MAX_CANDIDATES {
            return Err(unprocessable(
                "too_large",
                format!(
                    "{} cells of resolution {} in the district; at most {MAX_CANDIDATES}: choose a coarser h3_res",
                    cells.len(),
                    res.get()
                ),
            ));
        }
        Ok(cells
            .into_iter()
            .map(|c| {
                let (lon, lat) = centre(c);
                Site { id: c.to_string(), position: LonLat::new(lon, lat).expect("a cell centre is a position") }
            })
            .collect())
    }
}

/// The stored stations with a place: every kind but online stations, which reach no one by
/// distance.
pub fn physical_stations(catalog: &Catalog) -> Vec<Site> {
    catalog
        .stations()
        .iter()
        .filter(|s| s.kind != StationKind::OnlineStation)
        .map(|s| Site { id: s.id.to_string(), position: s.location })
        .collect()
}

async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ServiceError::Internal(format!("planning: {e}")))?
}

/// Coverage of `demand` by `stations` (see [`Service::coverage`]).
pub fn coverage(
    catalog: &Catalog,
    demand: &[DemandPoint],
    stations: &[Site],
    radius_m: f64,
    cells_res: HexResolution,
) -> CoverageAnswer {
    let index = PointIndex::build(&stations.iter().map(|s| s.position).collect::<Vec<_>>());
    let nearest: Vec<f64> = demand
        .iter()
        .map(|d| index.nearest(d.position, 1, |_| true).first().map_or(f64::INFINITY, |n| n.distance_m))
        .collect();
    let covered: Vec<bool> = nearest.iter().map(|&m| m <= radius_m).collect();
    let total_weight: f64 = demand.iter().map(|d| d.weight).sum();
    let covered_weight: f64 = demand.iter().zip(&covered).filter(|(_, &c)| c).map(|(d, _)| d.weight).sum();

    let mut uncovered: BTreeMap<CellIndex, (f64, usize)> = BTreeMap::new();
    for (d, _) in demand.iter().zip(&covered).filter(|(_, &c)| !c) {
        if let Ok(cell) = cell_of(d.position.lon(), d.position.lat(), cells_res) {
            let entry = uncovered.entry(cell).or_default();
            entry.0 += d.weight;
            entry.1 += 1;
        }
    }
    let mut uncovered: Vec<UncoveredCell> =
        uncovered.into_iter().map(|(cell, (weight, points))| UncoveredCell { cell, weight, points }).collect();
    uncovered.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.cell.cmp(&b.cell)));

    let by_town = town_totals(catalog, demand, &[&covered])
        .into_iter()
        .map(|t| TownCoverage {
            coverage: share(t.flagged[0], t.total),
            code: t.code,
            name: t.name,
            total_weight: t.total,
            covered_weight: t.flagged[0],
        })
        .collect();
    CoverageAnswer {
        radius_m,
        demand_points: demand.len(),
        stations: stations.len(),
        total_weight,
        covered_weight,
        coverage: share(covered_weight, total_weight),
        distance: distance_summary(demand, &nearest),
        by_town,
        uncovered,
        cells_res: cells_res.get(),
    }
}

/// Weighted mean, weighted 90th percentile (the smallest distance within which 90 % of the weight
/// lies) and maximum of the distances; `None` without weight or facilities.
fn distance_summary(demand: &[DemandPoint], nearest: &[f64]) -> Option<DistanceSummary> {
    let total: f64 = demand.iter().map(|d| d.weight).sum();
    if total <= 0.0 || nearest.iter().any(|m| !m.is_finite()) {
        return None;
    }
    let mut pairs: Vec<(f64, f64)> = nearest.iter().zip(demand).map(|(&m, d)| (m, d.weight)).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mean_m = pairs.iter().map(|(m, w)| m * w).sum::<f64>() / total;
    let mut running = 0.0;
    let mut p90_m = pairs.last().map_or(0.0, |p| p.0);
    for &(m, w) in &pairs {
        running += w;
        if running >= 0.9 * total * (1.0 - 1e-12) {
            p90_m = m;
            break;
        }
    }
    let max_m = pairs.iter().filter(|p| p.1 > 0.0).map(|p| p.0).fold(0.0, f64::max);
    Some(DistanceSummary { mean_m, p90_m, max_m })
}

/// A town's total demand weight and the weight of the points each flag vector flags.
struct TownSums {
    code: Option<String>,
    name: Option<String>,
    total: f64,
    flagged: Vec<f64>,
}

/// Per town (by [`Catalog::town_at`], towns in code order, then demand outside every town).
fn town_totals(catalog: &Catalog, demand: &[DemandPoint], flags: &[&[bool]]) -> Vec<TownSums> {
    let mut towns: BTreeMap<Option<String>, TownSums> = BTreeMap::new();
    for (i, d) in demand.iter().enumerate() {
        let town = catalog.town_at(d.position);
        let code = town.map(|t| t.code.to_string());
        let entry = towns.entry(code.clone()).or_insert_with(|| TownSums {
            code,
            name: town.map(|t| t.name.clone()),
            total: 0.0,
            flagged: vec![0.0; flags.len()],
        });
        entry.total += d.weight;
        for (sum, f) in entry.flagged.iter_mut().zip(flags) {
            if f[i] {
                *sum += d.weight;
            }
        }
    }
    outside_last(towns.into_values().collect(), |t| t.code.is_none())
}

/// Rows taken from a map keyed by `Option<town code>`, where `None` (demand outside every town)
/// sorts first: with that row moved last.
fn outside_last<T>(mut rows: Vec<T>, outside: impl Fn(&T) -> bool) -> Vec<T> {
    let first_is_outside = usize::from(rows.first().is_some_and(outside));
    rows.rotate_left(first_is_outside);
    rows
}

fn share(part: f64, total: f64) -> f64 {
    if total > 0.0 {
        part / total
    } else {
        0.0
    }
}

/// Solves a resolved siting question; `stage` hears what it is doing (for a progress display).
/// Without a catalog the answer has no towns.
pub fn solve_sites(inputs: &SitingInputs, catalog: Option<&Catalog>, stage: &dyn Fn(&str)) -> Result<SitingAnswer> {
    let started = Instant::now();
    check_radius(inputs.radius_m)?;
    if inputs.candidates.len() > MAX_CANDIDATES {
        return Err(unprocessable(
            "too_large",
            format!("{} candidate sites; at most {MAX_CANDIDATES}", inputs.candidates.len()),
        ));
    }
    let p = match (inputs.model, inputs.p, inputs.target_coverage) {
        (Model::Lscp, _, None) => {
            return Err(unprocessable("invalid_target", "lscp needs target_coverage, a share in (0, 1]"))
        }
        (Model::Lscp, _, Some(_)) => 0,
        (_, None, _) => return Err(unprocessable("invalid_p", "mclp and pmedian need p, the number of sites to add")),
        (_, Some(p), _) => p,
    };
    stage("building the coverage lists");
    let demand: Vec<(LonLat, f64)> = inputs.demand.iter().map(|d| (d.position, d.weight)).collect();
    let candidates: Vec<LonLat> = inputs.candidates.iter().map(|c| c.position).collect();
    let existing: Vec<LonLat> = inputs.existing.iter().map(|c| c.position).collect();
    let instance = Instance::new(&demand, &candidates, &existing, inputs.radius_m)?;
    stage("choosing sites");
    let plan: Plan = match inputs.model {
        Model::Mclp => solve_mclp(&instance, p, SearchOptions::default())?,
        Model::Lscp => solve_lscp(&instance, inputs.target_coverage.unwrap_or(1.0))?,
        Model::Pmedian => solve_p_median(&instance, p, PMedianOptions::for_instance(p, candidates.len()))?,
    };
    stage("summing up");
    let chosen: Vec<ChosenView> = plan
        .sites
        .iter()
        .map(|s| ChosenView {
            id: inputs.candidates[s.candidate].id.clone(),
            // Degrees as every answer writes them (about 1 cm), also when saved.
            lon: crate::formats::geojson::round7(s.position.lon()),
            lat: crate::formats::geojson::round7(s.position.lat()),
            added_weight: s.added_weight,
            saved_weighted_m: s.saved_weighted_m,
            town: catalog.and_then(|c| c.town_at(s.position)).map(|t| t.code.to_string()),
        })
        .collect();
    let by_town = match catalog {
        Some(catalog) => {
            let before: Vec<bool> = (0..demand.len()).map(|i| instance.covered_by_existing(i)).collect();
            let mut after = before.clone();
            for s in &plan.sites {
                for &i in instance.demand_covered_by(s.candidate) {
                    after[i as usize] = true;
                }
            }
            town_totals(catalog, &inputs.demand, &[&before, &after])
                .into_iter()
                .map(|t| TownChange {
                    code: t.code,
                    name: t.name,
                    total_weight: t.total,
                    covered_before: t.flagged[0],
                    covered_after: t.flagged[1],
                })
                .collect()
        }
        None => Vec::new(),
    };
    let (upper_bound, lower_bound) = match inputs.model {
        Model::Mclp => (Some(plan.bound), None),
        Model::Lscp | Model::Pmedian => (None, Some(plan.bound)),
    };
    Ok(SitingAnswer {
        model: inputs.model,
        chosen,
        covered_weight: plan.covered_weight,
        existing_covered_weight: instance.existing_covered_weight(),
        total_weight: plan.total_weight,
        coverage: plan.coverage_share,
        objective: plan.objective,
        upper_bound,
        lower_bound,
        gap: plan.gap,
        converged: plan.converged,
        seconds: started.elapsed().as_secs_f64(),
        by_town,
        inputs: PlanInputs {
            model: inputs.model,
            p: inputs.p,
            radius_m: inputs.radius_m,
            target_coverage: inputs.target_coverage,
            demand: inputs.sources[0].clone(),
            demand_points: inputs.demand.len(),
            candidates: inputs.sources[1].clone(),
            candidate_sites: inputs.candidates.len(),
            existing: inputs.sources[2].clone(),
            existing_sites: inputs.existing.len(),
        },
    })
}

/// The longest scenario name, characters.
pub const MAX_SCENARIO_NAME: usize = 80;

/// A saved plan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scenario {
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    pub created_by: String,
    pub plan: SitingAnswer,
}

/// A saved plan in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScenarioSummary {
    pub name: String,
    pub created_at: String,
    pub created_by: String,
    pub model: Model,
    pub radius_m: f64,
    pub sites: usize,
    pub covered_weight: f64,
    pub existing_covered_weight: f64,
    pub total_weight: f64,
    pub coverage: f64,
    pub gap: f64,
}

impl Scenario {
    pub fn summary(&self) -> ScenarioSummary {
        let p = &self.plan;
        ScenarioSummary {
            name: self.name.clone(),
            created_at: self.created_at.clone(),
            created_by: self.created_by.clone(),
            model: p.model,
            radius_m: p.inputs.radius_m,
            sites: p.chosen.len(),
            covered_weight: p.covered_weight,
            existing_covered_weight: p.existing_covered_weight,
            total_weight: p.total_weight,
            coverage: p.coverage,
            gap: p.gap,
        }
    }
}

/// One town in a comparison: its coverage by the existing facilities and under each plan.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TownComparison {
    pub code: Option<String>,
    pub name: Option<String>,
    pub total_weight: f64,
    /// Under plan a's existing facilities (the same for b when both keep the same ones).
    pub covered_before: f64,
    pub covered_a: f64,
    pub covered_b: f64,
    /// covered_a - covered_before and covered_b - covered_before.
    pub gain_a: f64,
    pub gain_b: f64,
}

/// Two saved plans side by side.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub a: ScenarioSummary,
    pub b: ScenarioSummary,
    /// Each plan's sites in building order, with the demand each adds.
    pub sites_a: Vec<ChosenView>,
    pub sites_b: Vec<ChosenView>,
    /// Every town in code order (then demand outside every town); `gain_a`/`gain_b` say which gain.
    pub towns: Vec<TownComparison>,
    /// Whether both plans answer for the same demand (the same total weight and source).
    pub same_demand: bool,
}

/// Whether `who` may plan (save, list, compare scenarios): staff, leaders and administrators.
pub fn may_plan(who: &crate::domain::Principal) -> bool {
    use crate::domain::Role;
    match who.role {
        Role::Staff | Role::Leader | Role::Admin => true,
        Role::Member | Role::Integrator => false,
    }
}

fn check_planner(who: &crate::domain::Principal) -> Result<()> {
    if may_plan(who) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden("planning scenarios are for staff, leaders and administrators".into()))
    }
}

fn scenario_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_SCENARIO_NAME || name.chars().any(|c| c.is_control() || c == '/') {
        return Err(unprocessable(
            "invalid_name",
            format!("a scenario name is 1-{MAX_SCENARIO_NAME} characters, without '/' or control characters"),
        ));
    }
    Ok(name.to_owned())
}

fn from_record(record: crate::store::ScenarioRecord) -> Result<Scenario> {
    let plan = serde_json::from_str(&record.plan)
        .map_err(|e| ServiceError::Internal(format!("stored scenario {:?} is unreadable: {e}", record.name)))?;
    Ok(Scenario { name: record.name, created_at: record.created_at, created_by: record.created_by, plan })
}

impl Service {
    /// Answers `request` and saves the plan as `name` (which must be new).
    pub async fn save_scenario(
        &self,
        who: &crate::domain::Principal,
        name: &str,
        request: SitingRequest,
    ) -> Result<Scenario> {
        check_planner(who)?;
        let name = scenario_name(name)?;
        if self.store.scenario(&name).await?.is_some() {
            return Err(scenario_exists(&name));
        }
        let plan = self.plan_sites(request).await?;
        let scenario = Scenario { name, created_at: self.now().to_rfc3339(), created_by: who.name.clone(), plan };
        let record = crate::store::ScenarioRecord {
            name: scenario.name.clone(),
            created_at: scenario.created_at.clone(),
            created_by: scenario.created_by.clone(),
            plan: serde_json::to_string(&scenario.plan).map_err(|e| ServiceError::Internal(e.to_string()))?,
        };
        match self.store.add_scenario(&record).await {
            Err(crate::store::StoreError::Duplicate(_)) => Err(scenario_exists(&scenario.name)),
            other => other.map(|()| scenario).map_err(Into::into),
        }
    }

    /// Every saved scenario, newest first.
    pub async fn scenarios(&self, who: &crate::domain::Principal) -> Result<Vec<ScenarioSummary>> {
        check_planner(who)?;
        let records = self.store.scenarios().await?;
        records.into_iter().map(|r| from_record(r).map(|s| s.summary())).collect()
    }

    /// The saved scenario `name`.
    pub async fn scenario(&self, who: &crate::domain::Principal, name: &str) -> Result<Scenario> {
        check_planner(who)?;
        match self.store.scenario(name.trim()).await? {
            Some(record) => from_record(record),
            None => Err(ServiceError::not_found("scenario", name)),
        }
    }

    /// Deletes the saved scenario `name`.
    pub async fn delete_scenario(&self, who: &crate::domain::Principal, name: &str) -> Result<()> {
        check_planner(who)?;
        if self.store.delete_scenario(name.trim()).await? {
            Ok(())
        } else {
            Err(ServiceError::not_found("scenario", name))
        }
    }

    /// Two saved scenarios side by side.
    pub async fn compare_scenarios(&self, who: &crate::domain::Principal, a: &str, b: &str) -> Result<Comparison> {
        let (a, b) = (self.scenario(who, a).await?, self.scenario(who, b).await?);
        let mut towns: BTreeMap<Option<String>, TownComparison> = BTreeMap::new();
        for (plan, is_a) in [(&a.plan, true), (&b.plan, false)] {
            for t in &plan.by_town {
                let row = towns.entry(t.code.clone()).or_insert_with(|| TownComparison {
                    code: t.code.clone(),
                    name: t.name.clone(),
                    total_weight: t.total_weight,
                    covered_before: t.covered_before,
                    covered_a: 0.0,
                    covered_b: 0.0,
                    gain_a: 0.0,
                    gain_b: 0.0,
                });
                if is_a {
                    row.covered_a = t.covered_after;
                    row.gain_a = t.covered_after - t.covered_before;
                } else {
                    row.covered_b = t.covered_after;
                    row.gain_b = t.covered_after - t.covered_before;
                }
            }
        }
        let towns = outside_last(towns.into_values().collect(), |t: &TownComparison| t.code.is_none());
        let same_demand = a.plan.inputs.demand == b.plan.inputs.demand && a.plan.total_weight == b.plan.total_weight;
        Ok(Comparison {
            a: a.summary(),
            b: b.summary(),
            sites_a: a.plan.chosen,
            sites_b: b.plan.chosen,
            towns,
            same_demand,
        })
    }
}

fn scenario_exists(name: &str) -> ServiceError {
    ServiceError::Conflict {
        code: "scenario_exists",
        message: format!("a scenario named {name:?} exists: choose another name or delete it first"),
    }
}
