//! `liaison plan coverage|mclp|lscp|pmedian`: the planning questions over files in the peers' CSV
//! format (`id,x,y[,weight]`, UTM metres by default, WGS84 or GCJ-02/BD-09 lon/lat with
//! `--lonlat`), or over the stored population and stations. Parsing and printing only: the
//! questions are [`crate::service::planning`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};

use crate::catalog::{Catalog, CatalogData};
use crate::config::DbConfig;
use crate::domain::{DemandPoint, LonLat};
use crate::service::planning::{
    coverage, physical_stations, solve_sites, Candidates, Demand, Existing, Model, Site, SitingAnswer, SitingInputs,
    SitingRequest,
};
use crate::spatial::hexagons::HexResolution;
use crate::spatial::{Crs, Utm};

/// The options of `liaison plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The question: coverage (share of demand within the radius of the existing facilities),
    /// mclp (p sites covering the most), lscp (fewest sites reaching --target), pmedian (p sites
    /// nearest to the demand).
    #[arg(value_parser = ["coverage", "mclp", "lscp", "pmedian"])]
    pub question: String,
    /// Demand CSV `id,x,y,weight` (default: the stored population).
    #[arg(long)]
    pub demand: Option<PathBuf>,
    /// Candidate sites CSV `id,x,y` (default: the centres of the H3 cells of --h3-res inside the
    /// stored district).
    #[arg(long)]
    pub candidates: Option<PathBuf>,
    /// Facilities already there: `stations` (the stored ones but online stations), `none`, or a
    /// CSV `id,x,y`. Default: none (for coverage: stations).
    #[arg(long)]
    pub existing: Option<String>,
    /// Covered means within this many metres (WGS84 geodesic).
    #[arg(long)]
    pub radius_m: f64,
    /// Sites to add (mclp, pmedian).
    #[arg(short)]
    pub p: Option<usize>,
    /// lscp: the share of the demand weight to cover, in (0, 1].
    #[arg(long)]
    pub target: Option<f64>,
    /// Generated candidates' H3 resolution, 7-10.
    #[arg(long, default_value_t = 9)]
    pub h3_res: u8,
    /// The files' x,y are UTM easting/northing metres in this zone (e.g. 51N, EPSG:32651).
    #[arg(long, default_value = "51N")]
    pub utm: String,
    /// The files' x,y (or lon,lat columns) are longitude/latitude degrees in --crs instead.
    #[arg(long)]
    pub lonlat: bool,
    /// With --lonlat: the files' coordinate system.
    #[arg(long, default_value = "wgs84", value_parser = ["wgs84", "gcj02", "bd09"])]
    pub crs: String,
    /// Write the whole answer as JSON to this file.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

/// How positions in the files are written.
#[derive(Clone, Copy)]
enum Coords {
    Utm(Utm),
    LonLat(Crs),
}

impl Coords {
    fn position(self, x: f64, y: f64) -> anyhow::Result<LonLat> {
        match self {
            Coords::Utm(zone) => Ok(zone.to_lonlat(x, y)?),
            Coords::LonLat(crs) => {
                let given = LonLat::new(x, y)?;
                let (lon, lat) = crs.to_wgs84(given.lon(), given.lat());
                Ok(LonLat::new(lon, lat)?)
            }
        }
    }
}

/// Rows of a CSV with an id, a position and, when `weighted`, a weight (columns by name: `id`;
/// `x`/`lon`/`easting`; `y`/`lat`/`northing`; `weight`/`population`).
fn read_points(path: &Path, coords: Coords, weighted: bool) -> anyhow::Result<Vec<(String, LonLat, f64)>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(std::io::BufReader::new(file));
    let headers: Vec<String> =
        reader.headers()?.iter().map(|h| h.trim_start_matches('\u{feff}').to_lowercase()).collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (Some(x), Some(y)) = (column(&["x", "lon", "lng", "easting"]), column(&["y", "lat", "northing"])) else {
        bail!("{}: the header needs x and y (or lon and lat) columns, got {headers:?}", path.display());
    };
    let id = column(&["id"]);
    let weight = column(&["weight", "population", "residents"]);
    if weighted && weight.is_none() {
        bail!("{}: the header needs a weight column, got {headers:?}", path.display());
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: line {}", path.display(), n + 2))?;
        let line = n + 2;
        let number = |i: usize, what: &str| -> anyhow::Result<f64> {
            let text = record.get(i).unwrap_or("");
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .with_context(|| format!("{}: line {line}: {what} {text:?} is not a number", path.display()))
        };
        let position = coords
            .position(number(x, "x")?, number(y, "y")?)
            .with_context(|| format!("{}: line {line}", path.display()))?;
        let w = match weight {
            Some(i) if weighted => number(i, "weight")?,
            _ => 0.0,
        };
        let id = id.and_then(|i| record.get(i)).map_or_else(|| (n + 1).to_string(), str::to_owned);
        rows.push((id, position, w));
    }
    Ok(rows)
}

fn sites(rows: Vec<(String, LonLat, f64)>) -> Vec<Site> {
    rows.into_iter().map(|(id, position, _)| Site { id, position }).collect()
}

fn spinner() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Runs `liaison plan`.
pub async fn run(db: &DbConfig, args: PlanArgs) -> anyhow::Result<()> {
    let coords = if args.lonlat { Coords::LonLat(args.crs.parse()?) } else { Coords::Utm(args.utm.parse()?) };
    let bar = spinner();
    bar.set_message("reading the inputs");
    let demand = match &args.demand {
        Some(path) => {
            let rows = read_points(path, coords, true)?;
            let points = rows
                .into_iter()
                .enumerate()
                .map(|(i, (id, position, weight))| {
                    DemandPoint::new(id, position, weight).with_context(|| format!("{}: row {}", path.display(), i + 1))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            Demand::Points(points)
        }
        None => Demand::Population,
    };
    let candidates = match &args.candidates {
        Some(path) => Candidates::Points(sites(read_points(path, coords, false)?)),
        None => Candidates::Cells(args.h3_res),
    };
    let default_existing = if args.question == "coverage" { "stations" } else { "none" };
    let existing = match args.existing.as_deref().unwrap_or(default_existing) {
        "stations" => Existing::Stations,
        "none" => Existing::None,
        file => Existing::Points(sites(read_points(Path::new(file), coords, false)?)),
    };
    let needs_store = matches!(demand, Demand::Population)
        || matches!(existing, Existing::Stations)
        || (args.question != "coverage" && matches!(candidates, Candidates::Cells(_)));
    let service = match needs_store {
        true => Some(super::open_service(db).await?),
        false => None,
    };
    let catalog =
        service.as_ref().map_or_else(|| std::sync::Arc::new(Catalog::build(CatalogData::default())), |s| s.catalog());

    if args.question == "coverage" {
        let stations = match existing {
            Existing::Points(points) => points,
            Existing::None => Vec::new(),
            Existing::Stations => physical_stations(&catalog),
        };
        let demand = match demand {
            Demand::Points(points) => points,
            _ => catalog.demand().to_vec(),
        };
        if demand.is_empty() {
            bail!("there are no demand points: give --demand FILE or import the population (liaison import demand)");
        }
        bar.set_message("measuring coverage");
        let res = HexResolution::new(8).expect("a valid resolution");
        let answer = coverage(&catalog, &demand, &stations, args.radius_m, res);
        bar.finish_and_clear();
        println!(
            "{} demand points, weight {}; {} stations; within {} m: {} ({:.3} %)",
            answer.demand_points,
            answer.total_weight,
            answer.stations,
            answer.radius_m,
            answer.covered_weight,
            100.0 * answer.coverage
        );
        if let Some(d) = &answer.distance {
            println!(
                "distance to the nearest station: mean {:.0} m, p90 {:.0} m, max {:.0} m",
                d.mean_m, d.p90_m, d.max_m
            );
        }
        for t in &answer.by_town {
            println!(
                "  {} {}: {:.1} % of {}",
                t.code.as_deref().unwrap_or("-"),
                t.name.as_deref().unwrap_or("(outside every town)"),
                100.0 * t.coverage,
                t.total_weight
            );
        }
        return write_json(&args.out, &answer);
    }

    let model: Model = args.question.parse()?;
    let request = SitingRequest {
        model,
        p: args.p,
        radius_m: args.radius_m,
        target_coverage: args.target,
        demand,
        candidates,
        existing,
    };
    let inputs = match &service {
        Some(service) => service.siting_inputs(request)?,
        None => file_inputs(request),
    };
    let catalog = service.as_ref().map(|_| catalog.as_ref());
    let answer = solve_sites(&inputs, catalog, &|stage| bar.set_message(stage.to_owned()))?;
    bar.finish_and_clear();
    print_plan(&answer);
    write_json(&args.out, &answer)
}

/// A request whose every source is a file.
fn file_inputs(request: SitingRequest) -> SitingInputs {
    let points = |e: Existing| match e {
        Existing::Points(p) => p,
        Existing::None | Existing::Stations => Vec::new(),
    };
    let existing_name = match &request.existing {
        Existing::Points(_) => "points",
        _ => "none",
    };
    SitingInputs {
        model: request.model,
        p: request.p,
        radius_m: request.radius_m,
        target_coverage: request.target_coverage,
        demand: match request.demand {
            Demand::Points(p) => p,
            _ => Vec::new(),
        },
        candidates: match request.candidates {
            Candidates::Points(p) => p,
            Candidates::Cells(_) => Vec::new(),
        },
        existing: points(request.existing),
        sources: ["points".into(), "points".into(), existing_name.into()],
    }
}

fn print_plan(a: &SitingAnswer) {
    let bound = match (a.upper_bound, a.lower_bound) {
        (Some(u), _) => format!("upper bound {u:.1}"),
        (_, Some(l)) => format!("lower bound {l:.1}"),
        _ => String::new(),
    };
    println!(
        "{:?}: {} sites; objective {:.1}, {bound}, gap {:.3} %; covered {} of {} ({:.3} %); {:.3} s",
        a.model,
        a.chosen.len(),
        a.objective,
        100.0 * a.gap,
        a.covered_weight,
        a.total_weight,
        100.0 * a.coverage,
        a.seconds
    );
    const SHOWN: usize = 20;
    for (n, c) in a.chosen.iter().take(SHOWN).enumerate() {
        println!("  {:>3}. {} ({:.6}, {:.6}) adds {}", n + 1, c.id, c.lon, c.lat, c.added_weight);
    }
    if a.chosen.len() > SHOWN {
        println!("  … {} more (--out FILE writes them all)", a.chosen.len() - SHOWN);
    }
}

fn write_json<T: serde::Serialize>(out: &Option<PathBuf>, answer: &T) -> anyhow::Result<()> {
    if let Some(path) = out {
        let text = serde_json::to_string_pretty(answer)?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
