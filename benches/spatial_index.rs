//! Spatial core benchmarks on deterministic data: nearest stations over 100,000 points, grid
//! lookup over 2,000 Voronoi polygons, and the cost of building each index.
//! Run: `cargo bench --bench spatial_index`. Figures go to docs/benchmarks.md.

use std::sync::LazyLock;

use divan::{black_box, Bencher};
use geo::Coord;
use liaison::domain::LonLat;
use liaison::sample::{voronoi_tiling, SplitMix64};
use liaison::spatial::{geodesic_distance_m, PointIndex, PolygonIndex};

fn main() {
    divan::main();
}

/// Points in the peers' box (lon 121.2–121.8, lat 29.6–30.1), as the PostGIS benchmark uses.
fn points(seed: u64, n: usize) -> Vec<LonLat> {
    let mut rng = SplitMix64::new(seed);
    (0..n).map(|_| LonLat::new(121.2 + 0.6 * rng.unit(), 29.6 + 0.5 * rng.unit()).unwrap()).collect()
}

static STATIONS: LazyLock<Vec<LonLat>> = LazyLock::new(|| points(1, 100_000));
static STATION_INDEX: LazyLock<PointIndex> = LazyLock::new(|| PointIndex::build(&STATIONS));
static QUERIES: LazyLock<Vec<LonLat>> = LazyLock::new(|| points(2, 4_096));
static AREAS: LazyLock<Vec<geo::MultiPolygon<f64>>> = LazyLock::new(|| {
    let seeds: Vec<Coord<f64>> = points(3, 2_000).iter().map(|p| Coord { x: p.lon(), y: p.lat() }).collect();
    voronoi_tiling(Coord { x: 121.2, y: 29.6 }, Coord { x: 121.8, y: 30.1 }, &seeds)
});
static AREA_INDEX: LazyLock<PolygonIndex> = LazyLock::new(|| PolygonIndex::build(AREAS.clone()));

fn cycling(queries: &'static [LonLat]) -> impl FnMut() -> LonLat {
    let mut i = 0;
    move || {
        i = (i + 1) % queries.len();
        queries[i]
    }
}

#[divan::bench(args = [1, 5, 100])]
fn nearest_of_100k(bencher: Bencher, k: usize) {
    let index = &*STATION_INDEX;
    bencher.with_inputs(cycling(&QUERIES)).bench_local_values(|q| index.nearest(q, k, |_| true));
}

#[divan::bench]
fn nearest_5_of_100k_one_kind_in_three(bencher: Bencher) {
    let index = &*STATION_INDEX;
    bencher.with_inputs(cycling(&QUERIES)).bench_local_values(|q| index.nearest(q, 5, |i| i % 3 == 0));
}

#[divan::bench]
fn within_1km_of_100k(bencher: Bencher) {
    let index = &*STATION_INDEX;
    bencher.with_inputs(cycling(&QUERIES)).bench_local_values(|q| index.within(q, 1_000.0, |_| true));
}

#[divan::bench]
fn karney_distance(bencher: Bencher) {
    let a = LonLat::new(121.5, 29.8).unwrap();
    bencher.with_inputs(cycling(&QUERIES)).bench_local_values(|q| geodesic_distance_m(black_box(a), q));
}

#[divan::bench]
fn grid_lookup_of_2000(bencher: Bencher) {
    let index = &*AREA_INDEX;
    bencher.with_inputs(cycling(&QUERIES)).bench_local_values(|q| index.containing(q));
}

#[divan::bench]
fn grid_lookup_with_50m_neighbour_of_2000(bencher: Bencher) {
    let index = &*AREA_INDEX;
    bencher.with_inputs(cycling(&QUERIES)).bench_local_values(|q| {
        let at = index.containing(q)?;
        let edge = index.boundary_distance_m(at, q);
        Some((at, (edge <= 50.0).then(|| index.within(q, 50.0))))
    });
}

#[divan::bench(sample_count = 10)]
fn build_point_index_100k(bencher: Bencher) {
    let stations = &*STATIONS;
    bencher.bench_local(|| PointIndex::build(stations));
}

#[divan::bench(sample_count = 10)]
fn build_polygon_index_2000(bencher: Bencher) {
    let areas = &*AREAS;
    bencher.with_inputs(|| areas.clone()).bench_local_values(PolygonIndex::build);
}
