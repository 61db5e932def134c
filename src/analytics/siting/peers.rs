//! The peers' MCLP instance (`/work/shared/peers/spopt_mclp.py`: 10,000 demand points × 1,000
//! candidates, p = 10, R = 1,500 m), timed. Its CSVs are in UTM zone 51N metres (EPSG:32651, x =
//! easting, y = northing); they are converted here to WGS84 lon/lat degrees by the inverse
//! transverse Mercator (Krüger's series to n³, sub-millimetre), and the radius becomes 1,500
//! geodesic metres. spopt measures Euclidean grid distance instead, which is the geodesic scaled by
//! the UTM point scale k ≈ 0.9998 here, so the chosen sites are also scored on the grid for a like
//! for like figure.
//!
//! Run: `python3` with the generator of spopt_mclp.py writing `demand.csv` and `candidates.csv` to
//! `$LIAISON_SITING_PEERS` (default `/tmp/siting-peers/mclp`), then
//! `cargo test --release --lib analytics::siting::peers -- --ignored --nocapture`.

use std::time::Instant;

use super::{solve_mclp, solve_p_median, Instance, PMedianOptions, SearchOptions};
use crate::domain::LonLat;
use crate::spatial::geodesic::{WGS84_A, WGS84_F};

/// UTM zone 51N (central meridian 123°E, k0 = 0.9996, false easting 500 km) to WGS84 lon/lat.
fn utm51n_to_lonlat(easting: f64, northing: f64) -> LonLat {
    let n = WGS84_F / (2.0 - WGS84_F);
    let (n2, n3) = (n * n, n * n * n);
    let big_a = WGS84_A / (1.0 + n) * (1.0 + n2 / 4.0 + n2 * n2 / 64.0);
    let beta = [n / 2.0 - 2.0 * n2 / 3.0 + 37.0 * n3 / 96.0, n2 / 48.0 + n3 / 15.0, 17.0 * n3 / 480.0];
    let delta = [2.0 * n - 2.0 * n2 / 3.0 - 2.0 * n3, 7.0 * n2 / 3.0 - 8.0 * n3 / 5.0, 56.0 * n3 / 15.0];
    let k0 = 0.9996;
    let xi = northing / (k0 * big_a);
    let eta = (easting - 500_000.0) / (k0 * big_a);
    let (mut xi1, mut eta1) = (xi, eta);
    for (j, b) in beta.iter().enumerate() {
        let m = 2.0 * (j + 1) as f64;
        xi1 -= b * (m * xi).sin() * (m * eta).cosh();
        eta1 -= b * (m * xi).cos() * (m * eta).sinh();
    }
    let chi = (xi1.sin() / eta1.cosh()).asin();
    let mut phi = chi;
    for (j, d) in delta.iter().enumerate() {
        phi += d * (2.0 * (j + 1) as f64 * chi).sin();
    }
    let lon = 123.0 + eta1.sinh().atan2(xi1.cos()).to_degrees();
    LonLat::new(lon, phi.to_degrees()).expect("UTM 51N points inside the zone")
}

fn read(path: &str, columns: usize) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e} (see this module's docs)"));
    text.lines()
        .skip(1)
        .map(|line| line.split(',').skip(1).take(columns).map(|x| x.parse().unwrap()).collect())
        .collect()
}

#[test]
fn utm_inverse_keeps_meridian_lengths_and_the_point_scale() {
    use crate::spatial::geodesic_distance_m;
    let origin = utm51n_to_lonlat(500_000.0, 0.0);
    assert!((origin.lon() - 123.0).abs() < 1e-12 && origin.lat().abs() < 1e-12);
    // The central meridian is a geodesic mapped at scale k0: northing = k0 × arc length.
    let north = utm51n_to_lonlat(500_000.0, 3_300_000.0);
    assert!((north.lon() - 123.0).abs() < 1e-12);
    assert!((geodesic_distance_m(origin, north) - 3_300_000.0 / 0.9996).abs() < 1e-3);
    // 140 km west of it a short grid distance is the geodesic times k = k0 (1 + x² / 2ρν).
    let (a, b) = (utm51n_to_lonlat(360_000.0, 3_300_000.0), utm51n_to_lonlat(361_000.0, 3_300_000.0));
    let lat = a.lat().to_radians();
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let w2 = 1.0 - e2 * lat.sin().powi(2);
    let rho_nu = WGS84_A * WGS84_A * (1.0 - e2) / (w2 * w2);
    let x: f64 = -139_500.0;
    let k = 0.9996 * (1.0 + x * x / (2.0 * rho_nu));
    let s = geodesic_distance_m(a, b);
    assert!((s * k - 1_000.0).abs() < 2e-3, "grid 1000 m, geodesic {s}, k {k}");
}

#[test]
#[ignore = "needs the peers' CSVs; a timing run, not a check"]
fn mclp_on_the_peers_instance() {
    let dir = std::env::var("LIAISON_SITING_PEERS").unwrap_or_else(|_| "/tmp/siting-peers/mclp".into());
    let demand_xy = read(&format!("{dir}/demand.csv"), 3);
    let candidate_xy = read(&format!("{dir}/candidates.csv"), 2);
    let demand: Vec<(LonLat, f64)> = demand_xy.iter().map(|r| (utm51n_to_lonlat(r[0], r[1]), r[2])).collect();
    let candidates: Vec<LonLat> = candidate_xy.iter().map(|r| utm51n_to_lonlat(r[0], r[1])).collect();

    let started = Instant::now();
    let instance = Instance::new(&demand, &candidates, &[], 1_500.0).unwrap();
    let built = started.elapsed().as_secs_f64();
    let plan = solve_mclp(&instance, 10, SearchOptions::default()).unwrap();
    let sites: Vec<usize> = plan.sites.iter().map(|s| s.candidate).collect();
    let grid_covered: f64 = demand_xy
        .iter()
        .filter(|d| sites.iter().any(|&j| (d[0] - candidate_xy[j][0]).hypot(d[1] - candidate_xy[j][1]) <= 1_500.0))
        .map(|d| d[2])
        .sum();
    eprintln!(
        "instance {built:.3} s, solve {:.3} s; covered {} of {} ({:.3} %), bound {:.1}, gap {:.4} %, \
         converged {}; the same sites on the UTM grid cover {grid_covered}; ids {:?}",
        plan.seconds,
        plan.objective,
        plan.total_weight,
        100.0 * plan.coverage_share,
        plan.bound,
        100.0 * plan.gap,
        plan.converged,
        sites.iter().map(|j| j + 1).collect::<Vec<_>>(),
    );
    assert!(plan.bound >= plan.objective);

    let nearest = std::env::var("LIAISON_SITING_K").ok().and_then(|k| k.parse().ok());
    let nearest = nearest.unwrap_or(PMedianOptions::for_instance(10, candidates.len()).nearest);
    let median = solve_p_median(&instance, 10, PMedianOptions { nearest, ..PMedianOptions::default() }).unwrap();
    eprintln!(
        "p-median p = 10, K = {nearest}: {:.3} s; {:.0} weighted m (mean {:.1} m), lower bound {:.0}, gap {:.3} %",
        median.seconds,
        median.objective,
        median.objective / median.total_weight,
        median.bound,
        100.0 * median.gap,
    );
    assert!(median.bound <= median.objective);
}
