//! Analytics benchmarks on the peers' 1,000,000 issues (../shared/peers/gen_data.py) routed into
//! their 2,000 grid areas, in a SQLite file that `benches/analytics.sh` builds with the real
//! importer: loading the columns from the database, heatmaps of the whole area and of a city
//! viewport, statistics per grid area and per town, a monthly trend and one issue tile.
//!
//! Run: `benches/analytics.sh` (builds the database, then runs this with LIAISON_BENCH_DB set, and
//! PostGIS on the same data). Figures go to docs/benchmarks.md.

use std::sync::LazyLock;

use divan::Bencher;
use liaison::analytics::query::{clusters, heatmap, stats};
use liaison::analytics::{local_day, Facts, FactsBuilder, Filter, GroupBy, Interval};
use liaison::spatial::hexagons::HexResolution;
use liaison::spatial::tiles::Tile;
use liaison::spatial::BBox;
use liaison::store::{SqliteStore, Store};

fn main() {
    if std::env::var_os("LIAISON_BENCH_DB").is_none() {
        eprintln!("LIAISON_BENCH_DB is not set: run benches/analytics.sh, which builds the database first");
        return;
    }
    divan::main();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

fn store() -> SqliteStore {
    let path = std::env::var_os("LIAISON_BENCH_DB").expect("LIAISON_BENCH_DB");
    runtime().block_on(SqliteStore::open(std::path::Path::new(&path))).expect("the bench database")
}

/// Reads every opinion from the store into columns, as the server does at start-up.
fn load(store: &SqliteStore) -> Facts {
    let mut builder = FactsBuilder::default();
    let seq = runtime().block_on(store.opinion_facts(0, &mut |f| builder.add(&f))).expect("facts");
    builder.finish(seq)
}

static FACTS: LazyLock<Facts> = LazyLock::new(|| load(&store()));

/// The peers' data spans 2023–2024; "today" is after it, so every due date has passed.
fn filter(bbox: Option<BBox>) -> Filter {
    let today = chrono::DateTime::parse_from_rfc3339("2025-06-01T00:00:00+08:00").unwrap().timestamp();
    Filter { bbox, today: local_day(today), ..Filter::default() }
}

/// The peers' whole box, and their "city" viewport (`psql_timing.sh`).
const WHOLE: BBox = BBox { min_lon: 121.2, min_lat: 29.6, max_lon: 121.8, max_lat: 30.1 };
const CITY: BBox = BBox { min_lon: 121.45, min_lat: 29.80, max_lon: 121.65, max_lat: 29.95 };

#[divan::bench(sample_count = 5, sample_size = 1)]
fn load_1m_from_sqlite(bencher: Bencher) {
    let store = store();
    bencher.bench_local(|| load(&store).len());
}

#[divan::bench(args = [7, 8, 9])]
fn heatmap_whole_area(bencher: Bencher, res: u8) {
    let facts = &*FACTS;
    let (res, f) = (HexResolution::new(res).unwrap(), filter(None));
    bencher.bench_local(|| heatmap(facts, &f, res).len());
}

#[divan::bench]
fn heatmap_whole_box_as_bbox_res8(bencher: Bencher) {
    let facts = &*FACTS;
    let (res, f) = (HexResolution::new(8).unwrap(), filter(Some(WHOLE)));
    bencher.bench_local(|| heatmap(facts, &f, res).len());
}

#[divan::bench(args = [8, 9])]
fn heatmap_city_viewport(bencher: Bencher, res: u8) {
    let facts = &*FACTS;
    let (res, f) = (HexResolution::new(res).unwrap(), filter(Some(CITY)));
    bencher.bench_local(|| heatmap(facts, &f, res).len());
}

#[divan::bench]
fn stats_per_grid_area(bencher: Bencher) {
    let facts = &*FACTS;
    let f = filter(None);
    bencher.bench_local(|| stats(facts, &f, Some(GroupBy::Grid), None).len());
}

#[divan::bench]
fn stats_per_town(bencher: Bencher) {
    let facts = &*FACTS;
    let f = filter(None);
    bencher.bench_local(|| stats(facts, &f, Some(GroupBy::Town), None).len());
}

#[divan::bench]
fn stats_monthly_trend_per_town(bencher: Bencher) {
    let facts = &*FACTS;
    let f = filter(None);
    bencher.bench_local(|| stats(facts, &f, Some(GroupBy::Town), Some(Interval::Month)).len());
}

#[divan::bench]
fn issue_tile_z14(bencher: Bencher) {
    let facts = &*FACTS;
    // The busiest z14 tile near the city centre.
    let tile = Tile::new(14, 13723, 6766).unwrap();
    let b = tile.bounds();
    let f = filter(Some(BBox {
        min_lon: b.min_lon - 0.0006,
        min_lat: b.min_lat - 0.0006,
        max_lon: b.max_lon + 0.0006,
        max_lat: b.max_lat + 0.0006,
    }));
    bencher.bench_local(|| clusters(facts, &f, |lon, lat| tile.holds(lon, lat)).len());
}
