//! A deterministic sample data set for 海曙区 (Haishu District, Ningbo): the district, its 17
//! towns and streets, ~330 grid areas, ~70 stations and ~380 members, for demos, tests and
//! benchmarks.
//!
//! **The data is SYNTHETIC**, except for the 17 town/street names and their area codes, which are
//! real. The district outline is an invented convex polygon inside the real district's bounding
//! box, towns are Voronoi cells of hand-placed seeds clipped to it, grids are Voronoi cells inside
//! each town; station names, addresses, phones, people's names and reception calendars are made
//! up (any resemblance to real people is coincidental; web addresses use the reserved `.example`
//! domain).
//!
//! All coordinates are WGS84 longitude/latitude in degrees (x = lon, y = lat, EPSG:4326).
//!
//! The generator uses its own SplitMix64 generator seeded with a constant, and only correctly
//! rounded arithmetic (no `sin`/`cos`), so [`generate`] returns the same data on every run and
//! across dependency versions.

pub mod history;
pub mod ledger;
pub mod population;
pub mod published;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use geo::{Coord, LineString, MultiPolygon, Polygon};

use crate::domain::{
    AdminArea, AreaCode, AreaLevel, Body, DemandPoint, GridArea, GridId, Level, LonLat, Member, MemberId,
    ReceptionRule, Station, StationId, StationKind,
};

/// The area code of 海曙区, the district the sample covers.
pub const DISTRICT_CODE: &str = "330203";

const DISTRICT_NAME: &str = "海曙区";

/// The generator's seed: any constant works; changing it changes the whole sample.
const SEED: u64 = 0x0330_2030_2026_1101;

/// The sample data set: every reference inside it resolves to a record inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The district first, then its 17 towns/streets in code order.
    pub areas: Vec<AdminArea>,
    /// Sorted by id.
    pub stations: Vec<Station>,
    /// Sorted by id.
    pub members: Vec<Member>,
    /// Sorted by id (town code, then grid number).
    pub grids: Vec<GridArea>,
    /// Residents by community, adding up to the 2020 census ([`population`]); sorted by id.
    pub population: Vec<DemandPoint>,
}

impl Sample {
    /// The sample as the catalog is built from it (no imported map layers).
    pub fn into_data(self) -> crate::catalog::CatalogData {
        let Sample { areas, stations, members, grids, population } = self;
        crate::catalog::CatalogData {
            stations,
            members,
            grids,
            areas,
            layers: Vec::new(),
            demand: population,
            ..Default::default()
        }
    }
}

/// Builds the sample; the result is identical on every call.
pub fn generate() -> Sample {
    let mut rng = SplitMix64(SEED);
    let towns = towns();
    let areas = admin_areas(&towns);
    let mut stations = stations(&mut rng, &towns);
    let members = members(&mut rng, &towns, &stations);
    add_duty_rules(&mut rng, &mut stations, &members);
    let grids = grids(&mut rng, &towns, &stations, &members);
    let population = population::population(&grids);
    Sample { areas, stations, members, grids, population }
}

// ---------------------------------------------------------------------------------------------
// Random numbers

/// SplitMix64 (Steele, Lea & Flood 2014), written out here so the sample never changes with a
/// dependency's version; tests and benchmarks draw their deterministic data from it too.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi)`.
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform in `0..n` for `n > 0` (the modulo bias is irrelevant for sample data).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items`, which must not be empty (all callers pass constant, non-empty tables).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Planar geometry on lon/lat degrees

/// Longitude differences are scaled by cos(29.85°) when comparing distances, so that Voronoi
/// cells look round on a map instead of stretched east–west. (A constant, not `cos()`, so the
/// output does not depend on the platform's libm.)
const LON_SCALE: f64 = 0.8673;

/// A convex polygon as its corners, counter-clockwise, without the closing repeat.
type Ring = Vec<Coord<f64>>;

/// Corners closer than this (degrees, ~1 µm) are merged after clipping.
const SNAP: f64 = 1e-11;

/// The closed half-plane `normal · (p - origin) <= 0`.
struct HalfPlane {
    normal: Coord<f64>,
    origin: Coord<f64>,
}

impl HalfPlane {
    /// The points at least as close to `a` as to `b`: the side of their bisector holding `a`.
    fn closer_to(a: Coord<f64>, b: Coord<f64>) -> Self {
        HalfPlane {
            normal: Coord { x: LON_SCALE * LON_SCALE * (b.x - a.x), y: b.y - a.y },
            // Measuring from the midpoint keeps the arithmetic away from the large absolute
            // longitudes, where it would lose digits.
            origin: Coord { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 },
        }
    }

    /// Negative inside, zero on the boundary line, positive outside.
    fn excess(&self, p: Coord<f64>) -> f64 {
        self.normal.x * (p.x - self.origin.x) + self.normal.y * (p.y - self.origin.y)
    }
}

/// Sutherland–Hodgman: the part of convex `ring` inside `half`, convex and counter-clockwise
/// again; empty when nothing (of positive area) is left.
fn clip(ring: &[Coord<f64>], half: &HalfPlane) -> Ring {
    let mut out = Vec::with_capacity(ring.len() + 1);
    for (i, &a) in ring.iter().enumerate() {
        let b = ring[(i + 1) % ring.len()];
        let (da, db) = (half.excess(a), half.excess(b));
        if da <= 0.0 {
            out.push(a);
        }
        if (da < 0.0 && db > 0.0) || (da > 0.0 && db < 0.0) {
            let t = da / (da - db);
            out.push(Coord { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
        }
    }
    without_near_duplicates(out)
}

/// Drops corners that (nearly) repeat their predecessor, which clipping through a corner makes.
fn without_near_duplicates(ring: Ring) -> Ring {
    let mut out: Ring = Vec::with_capacity(ring.len());
    for c in ring {
        if out.last().is_none_or(|p| !near(*p, c)) {
            out.push(c);
        }
    }
    while out.len() > 1 && near(out[0], out[out.len() - 1]) {
        out.pop();
    }
    if out.len() < 3 {
        out.clear();
    }
    out
}

fn near(a: Coord<f64>, b: Coord<f64>) -> bool {
    (a.x - b.x).abs() < SNAP && (a.y - b.y).abs() < SNAP
}

/// The Voronoi cell of every seed, clipped to convex `outline`: together they tile it.
fn voronoi_cells(outline: &[Coord<f64>], seeds: &[Coord<f64>]) -> Vec<Ring> {
    seeds
        .iter()
        .enumerate()
        .map(|(i, &own)| {
            seeds
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .fold(outline.to_vec(), |cell, (_, &other)| clip(&cell, &HalfPlane::closer_to(own, other)))
        })
        .collect()
}

/// Voronoi cells of `seeds` (lon/lat degrees) clipped to the box `min`–`max`, as closed
/// counter-clockwise polygons: a synthetic tiling for tests and benchmarks at sizes beyond the
/// sample's. O(n²): fine for thousands of seeds.
pub fn voronoi_tiling(min: Coord<f64>, max: Coord<f64>, seeds: &[Coord<f64>]) -> Vec<MultiPolygon<f64>> {
    let outline = [min, Coord { x: max.x, y: min.y }, max, Coord { x: min.x, y: max.y }];
    voronoi_cells(&outline, seeds).iter().map(|ring| to_multipolygon(ring)).collect()
}

/// Signed area (positive when counter-clockwise), relative to the first corner for precision.
fn ring_area(ring: &[Coord<f64>]) -> f64 {
    let Some(&o) = ring.first() else { return 0.0 };
    let twice: f64 = (1..ring.len().saturating_sub(1)).map(|i| cross(ring[i] - o, ring[i + 1] - o)).sum();
    twice / 2.0
}

/// The centre of mass of a ring with positive area (of its first corner otherwise).
fn ring_centroid(ring: &[Coord<f64>]) -> Coord<f64> {
    let Some(&o) = ring.first() else {
        return Coord { x: 0.0, y: 0.0 };
    };
    let (mut sx, mut sy, mut twice) = (0.0, 0.0, 0.0);
    for i in 1..ring.len().saturating_sub(1) {
        let (a, b) = (ring[i] - o, ring[i + 1] - o);
        let w = cross(a, b);
        sx += w * (a.x + b.x);
        sy += w * (a.y + b.y);
        twice += w;
    }
    if twice <= 0.0 {
        return o;
    }
    Coord { x: o.x + sx / (3.0 * twice), y: o.y + sy / (3.0 * twice) }
}

fn cross(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.y - a.y * b.x
}

/// Whether `p` is in the interior of convex, counter-clockwise `ring` (not on its boundary).
fn strictly_inside(ring: &[Coord<f64>], p: Coord<f64>) -> bool {
    ring.len() >= 3
        && (0..ring.len()).all(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            cross(b - a, p - a) > 0.0
        })
}

/// A uniformly random interior point of `ring` (by rejection from its bounding box).
fn random_point_in(rng: &mut SplitMix64, ring: &[Coord<f64>]) -> Coord<f64> {
    let (x0, x1) = span(ring.iter().map(|c| c.x));
    let (y0, y1) = span(ring.iter().map(|c| c.y));
    // A convex cell fills a good share of its box, so 1000 tries never run out in practice; the
    // centroid is an interior fallback that keeps the function total.
    for _ in 0..1000 {
        let p = Coord { x: rng.between(x0, x1), y: rng.between(y0, y1) };
        if strictly_inside(ring, p) {
            return p;
        }
    }
    ring_centroid(ring)
}

fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// The point a fraction `t` of the way from `from` to `to`. Inside a convex ring, going from an
/// interior point towards any point of the ring with `t < 1` stays in the interior.
fn toward(from: Coord<f64>, to: Coord<f64>, t: f64) -> Coord<f64> {
    Coord { x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t }
}

fn scaled_distance_sq(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let dx = LON_SCALE * (a.x - b.x);
    let dy = a.y - b.y;
    dx * dx + dy * dy
}

/// A one-polygon multipolygon with a closed, counter-clockwise exterior ring.
fn to_multipolygon(ring: &[Coord<f64>]) -> MultiPolygon<f64> {
    let mut closed = ring.to_vec();
    if let Some(&first) = ring.first() {
        closed.push(first);
    }
    MultiPolygon(vec![Polygon::new(LineString(closed), vec![])])
}

fn lon_lat(c: Coord<f64>) -> LonLat {
    // Every point generated here lies inside the district's box around (121.3°E, 29.8°N).
    LonLat::new(c.x, c.y).expect("sample coordinates lie inside 海曙区")
}

// ---------------------------------------------------------------------------------------------
// Static tables: the district, its towns, workstations and liaison points

/// The synthetic district outline: convex, counter-clockwise from the east, inside the real
/// district's bounding box (lon 121.14–121.56, lat 29.72–29.95).
const DISTRICT_OUTLINE: [(f64, f64); 18] = [
    (121.560, 29.858),
    (121.558, 29.900),
    (121.540, 29.926),
    (121.500, 29.942),
    (121.440, 29.948),
    (121.360, 29.946),
    (121.280, 29.937),
    (121.210, 29.916),
    (121.165, 29.882),
    (121.145, 29.830),
    (121.150, 29.782),
    (121.180, 29.746),
    (121.240, 29.726),
    (121.330, 29.722),
    (121.420, 29.731),
    (121.490, 29.758),
    (121.535, 29.795),
    (121.553, 29.826),
];

/// A town or street: real code and name, a hand-placed Voronoi seed, how many grids to cut it
/// into, and two road names for addresses.
struct TownSpec {
    code: &'static str,
    name: &'static str,
    seed: (f64, f64),
    grids: usize,
    roads: [&'static str; 2],
}

/// The 9 streets cluster around the old city in the east (the five small central ones closest
/// together), the 8 towns spread west and south-west into the hills.
#[rustfmt::skip]
const TOWNS: [TownSpec; 17] = [
    town("330203001", "南门街道", (121.540, 29.862), 8, ["解放南路", "柳汀街"]),
    town("330203002", "江厦街道", (121.551, 29.874), 8, ["药行街", "灵桥路"]),
    town("330203003", "西门街道", (121.528, 29.875), 8, ["西河街", "望京路"]),
    town("330203004", "月湖街道", (121.538, 29.871), 8, ["镇明路", "偃月街"]),
    town("330203005", "鼓楼街道", (121.544, 29.881), 8, ["中山西路", "公园路"]),
    town("330203006", "白云街道", (121.515, 29.861), 14, ["环城西路", "联丰路"]),
    town("330203007", "段塘街道", (121.530, 29.845), 16, ["气象路", "南苑街"]),
    town("330203008", "望春街道", (121.505, 29.887), 20, ["望春路", "云林中路"]),
    town("330203009", "石碶街道", (121.505, 29.812), 24, ["雅戈尔大道", "星光路"]),
    town("330203100", "高桥镇",   (121.445, 29.898), 26, ["望童路", "高新路"]),
    town("330203101", "横街镇",   (121.360, 29.888), 28, ["横街路", "桃源路"]),
    town("330203102", "集士港镇", (121.440, 29.855), 24, ["集士港路", "万众路"]),
    town("330203103", "古林镇",   (121.462, 29.815), 26, ["古林路", "蜃蛟路"]),
    town("330203104", "洞桥镇",   (121.420, 29.772), 24, ["洞桥路", "宣裴路"]),
    town("330203105", "鄞江镇",   (121.335, 29.782), 26, ["它山堰路", "鄞江路"]),
    town("330203106", "章水镇",   (121.255, 29.790), 30, ["章水路", "樟溪路"]),
    town("330203200", "龙观乡",   (121.215, 29.865), 28, ["龙观路", "雪岙路"]),
];

const fn town(
    code: &'static str,
    name: &'static str,
    seed: (f64, f64),
    grids: usize,
    roads: [&'static str; 2],
) -> TownSpec {
    TownSpec { code, name, seed, grids, roads }
}

/// A CPPCC member workstation: town code, name, and the sector (界别) it is themed on, if any.
struct WorkstationSpec {
    town: &'static str,
    name: &'static str,
    sector: Option<&'static str>,
}

#[rustfmt::skip]
const WORKSTATIONS: [WorkstationSpec; 15] = [
    ws("330203004", "海曙区政协“请你来协商”月湖委员工作室", None),
    ws("330203005", "海曙区政协鼓楼委员工作室", None),
    ws("330203001", "海曙区政协南门委员工作室", None),
    ws("330203002", "海曙区政协经济界别委员工作室", Some("经济界")),
    ws("330203003", "海曙区政协教育界别委员工作室", Some("教育界")),
    ws("330203006", "海曙区政协医药卫生界别委员工作室", Some("医药卫生界")),
    ws("330203007", "海曙区政协“请你来协商”段塘委员工作室", None),
    ws("330203008", "海曙区政协科技界别委员工作室", Some("科技界")),
    ws("330203009", "海曙区政协“请你来协商”石碶委员工作室", None),
    ws("330203001", "海曙区政协社会福利和社会保障界别委员工作室", Some("社会福利和社会保障界")),
    ws("330203004", "海曙区政协文化艺术界别委员工作室", Some("文化艺术界")),
    ws("330203100", "海曙区政协“请你来协商”高桥委员工作室", None),
    ws("330203102", "海曙区政协农业界别委员工作室", Some("农业界")),
    ws("330203103", "海曙区政协古林委员工作室", None),
    ws("330203105", "海曙区政协“请你来协商”鄞江委员工作室", None),
];

const fn ws(town: &'static str, name: &'static str, sector: Option<&'static str>) -> WorkstationSpec {
    WorkstationSpec { town, name, sector }
}

/// A liaison point: town code, the place (community, village or unit), and whether the town's
/// name prefixes the point's name (units such as a hospital are named on their own).
struct PointSpec {
    town: &'static str,
    place: &'static str,
    prefixed: bool,
}

const POINTS: [PointSpec; 39] = [
    pt("330203001", "柳锦社区", true),
    pt("330203001", "永寿社区", true),
    pt("330203002", "和义社区", true),
    pt("330203002", "药行街商圈", true),
    pt("330203003", "文昌社区", true),
    pt("330203003", "西成社区", true),
    pt("330203003", "海曙区人民医院", false),
    pt("330203004", "孝闻社区", true),
    pt("330203004", "天一社区", true),
    pt("330203005", "中山社区", true),
    pt("330203005", "鼓楼商圈", true),
    pt("330203006", "联丰社区", true),
    pt("330203006", "安丰社区", true),
    pt("330203006", "新典社区", true),
    pt("330203007", "南苑社区", true),
    pt("330203007", "海曙区段塘学校", false),
    pt("330203008", "双杨社区", true),
    pt("330203008", "望春工业园区企业", true),
    pt("330203009", "栎社村", true),
    pt("330203009", "冯家村", true),
    pt("330203009", "宁波栎社国际机场", false),
    pt("330203100", "新联村", true),
    pt("330203100", "高桥社区", true),
    pt("330203100", "工业园区企业", true),
    pt("330203101", "凤岙村", true),
    pt("330203101", "海曙区横街中学", false),
    pt("330203102", "山下庄村", true),
    pt("330203102", "深溪村", true),
    pt("330203103", "古林社区", true),
    pt("330203103", "蜃蛟村", true),
    pt("330203103", "葛家村", true),
    pt("330203104", "宣裴村", true),
    pt("330203104", "百梁桥村", true),
    pt("330203105", "它山堰村", true),
    pt("330203105", "悬慈村", true),
    pt("330203106", "杖锡村", true),
    pt("330203106", "李家坑村", true),
    pt("330203200", "龙峡村", true),
    pt("330203200", "李岙村", true),
];

const fn pt(town: &'static str, place: &'static str, prefixed: bool) -> PointSpec {
    PointSpec { town, place, prefixed }
}

/// The online stations: name, web address, and the office that runs them (the district people's
/// congress and CPPCC offices) with its address.
const ONLINE: [(&str, &str, (f64, f64), &str); 2] = [
    ("海曙区人大代表网上联络站", "https://rd.haishu.example/lianluozhan", (121.545, 29.870), "宁波市海曙区镇明路81号"),
    ("海曙区政协委员网上工作室", "https://zx.haishu.example/gongzuoshi", (121.547, 29.868), "宁波市海曙区府桥街18号"),
];

/// Theme of the seasonal rule published in May and June at a few education-minded stations.
const ENROLMENT_RULE: &str = "monthly 2 sat 09:00-11:00 months=5,6 theme=义务教育招生政策";

/// The street whose deputy liaison station also hosts the enrolment-policy sessions.
const ENROLMENT_TOWN: &str = "330203003";

// ---------------------------------------------------------------------------------------------
// Areas

/// A town with its generated shape.
struct Town {
    spec: &'static TownSpec,
    code: AreaCode,
    cell: Ring,
}

impl Town {
    fn seed(&self) -> Coord<f64> {
        Coord { x: self.spec.seed.0, y: self.spec.seed.1 }
    }

    /// Streets (街道) have no people's congress of their own: their stations are run by the
    /// district congress; towns (镇) and the township (乡) run their own.
    fn is_street(&self) -> bool {
        self.spec.name.ends_with("街道")
    }

    fn station_level(&self) -> Level {
        if self.is_street() {
            Level::District
        } else {
            Level::Township
        }
    }
}

fn district_ring() -> Ring {
    DISTRICT_OUTLINE.iter().map(|&(x, y)| Coord { x, y }).collect()
}

fn towns() -> Vec<Town> {
    let seeds: Vec<Coord<f64>> = TOWNS.iter().map(|t| Coord { x: t.seed.0, y: t.seed.1 }).collect();
    let cells = voronoi_cells(&district_ring(), &seeds);
    TOWNS.iter().zip(cells).map(|(spec, cell)| Town { spec, code: area_code(spec.code), cell }).collect()
}

fn area_code(code: &str) -> AreaCode {
    // The codes are the digit strings of the tables above.
    AreaCode::new(code).expect("sample area codes are digits")
}

fn admin_areas(towns: &[Town]) -> Vec<AdminArea> {
    let district_code = area_code(DISTRICT_CODE);
    let district = AdminArea {
        code: district_code.clone(),
        name: DISTRICT_NAME.to_owned(),
        level: AreaLevel::District,
        parent: None,
        geometry: to_multipolygon(&district_ring()),
    };
    let towns = towns.iter().map(|t| AdminArea {
        code: t.code.clone(),
        name: t.spec.name.to_owned(),
        level: AreaLevel::Town,
        parent: Some(district_code.clone()),
        geometry: to_multipolygon(&t.cell),
    });
    std::iter::once(district).chain(towns).collect()
}

// ---------------------------------------------------------------------------------------------
// Stations

fn station_id(n: usize) -> StationId {
    // `HS-ST-` and three digits: always a valid id.
    StationId::new(&format!("HS-ST-{n:03}")).expect("generated station ids are well-formed")
}

fn rule(text: &str) -> ReceptionRule {
    // Only rule strings built in this module in the canonical grammar reach here.
    text.parse().expect("static rule parses")
}

fn phone(rng: &mut SplitMix64) -> String {
    format!("0574-8{:07}", rng.below(10_000_000))
}

fn street_address(rng: &mut SplitMix64, town: &Town) -> String {
    let road = rng.pick(&town.spec.roads);
    format!("宁波市海曙区{road}{}号", 1 + rng.below(400))
}

/// A station with the fields every kind shares; the callers fill in the rest.
fn base_station(id: StationId, name: String, kind: StationKind, town: Option<&Town>, location: Coord<f64>) -> Station {
    Station {
        id,
        name,
        kind,
        level: Level::District,
        town_code: town.map(|t| t.code.clone()),
        address: String::new(),
        phone: String::new(),
        opening_hours: String::new(),
        parent: None,
        location: lon_lat(location),
        url: String::new(),
        reception: Vec::new(),
    }
}

/// Deputy liaison stations (one per town), workstations, liaison points and online stations,
/// numbered in that order so the output is sorted by id.
fn stations(rng: &mut SplitMix64, towns: &[Town]) -> Vec<Station> {
    let mut out = Vec::new();
    for (i, town) in towns.iter().enumerate() {
        out.push(deputy_station(rng, station_id(i + 1), i, town));
    }
    for spec in &WORKSTATIONS {
        let Some(town) = towns.iter().find(|t| t.spec.code == spec.town) else {
            continue;
        };
        out.push(workstation(rng, station_id(out.len() + 1), spec, town));
    }
    for spec in &POINTS {
        let Some((ti, town)) = towns.iter().enumerate().find(|(_, t)| t.spec.code == spec.town) else {
            continue;
        };
        // Deputy liaison stations were numbered first, one per town in table order.
        let parent = station_id(ti + 1);
        out.push(liaison_point(rng, station_id(out.len() + 1), spec, town, parent));
    }
    for &(name, url, (x, y), address) in &ONLINE {
        let office = Office { location: Coord { x, y }, address };
        out.push(online_station(rng, station_id(out.len() + 1), name, url, office, towns));
    }
    out
}

fn deputy_station(rng: &mut SplitMix64, id: StationId, index: usize, town: &Town) -> Station {
    let name = if town.is_street() {
        format!("{DISTRICT_NAME}{}人大代表联络站", town.spec.name)
    } else {
        format!("{}人大代表联络站", town.spec.name)
    };
    // Near the town's seed: its centre of activity.
    let location = toward(town.seed(), random_point_in(rng, &town.cell), 0.15);
    let mut reception = Vec::new();
    // Every third station holds a monthly study day for its deputies.
    if index % 3 == 1 {
        reception.push(rule("monthly 1 mon 09:00-12:00 theme=学习日"));
    }
    if town.spec.code == ENROLMENT_TOWN {
        reception.push(rule(ENROLMENT_RULE));
    }
    Station {
        level: town.station_level(),
        address: street_address(rng, town),
        phone: phone(rng),
        opening_hours: if town.is_street() {
            "工作日 08:30–17:00"
        } else {
            "工作日 08:30–11:30，13:30–17:00"
        }
        .to_owned(),
        reception,
        ..base_station(id, name, StationKind::DeputyLiaisonStation, Some(town), location)
    }
}

fn workstation(rng: &mut SplitMix64, id: StationId, spec: &WorkstationSpec, town: &Town) -> Station {
    let location = toward(town.seed(), random_point_in(rng, &town.cell), 0.5);
    let reception = if spec.sector == Some("教育界") { vec![rule(ENROLMENT_RULE)] } else { Vec::new() };
    Station {
        level: Level::District,
        address: street_address(rng, town),
        phone: phone(rng),
        opening_hours: "工作日 09:00–17:00（委员接待见日程）".to_owned(),
        reception,
        ..base_station(id, spec.name.to_owned(), StationKind::MemberWorkstation, Some(town), location)
    }
}

fn liaison_point(rng: &mut SplitMix64, id: StationId, spec: &PointSpec, town: &Town, parent: StationId) -> Station {
    let name = if spec.prefixed {
        format!("{}{}代表联络点", town.spec.name, spec.place)
    } else {
        format!("{}代表联络点", spec.place)
    };
    let address = if spec.place.ends_with('村') {
        format!("宁波市海曙区{}{}村民委员会", town.spec.name, spec.place)
    } else {
        street_address(rng, town)
    };
    let location = toward(town.seed(), random_point_in(rng, &town.cell), 0.8);
    let reception = if spec.place.contains("学校") { vec![rule(ENROLMENT_RULE)] } else { Vec::new() };
    Station {
        level: town.station_level(),
        address,
        phone: phone(rng),
        opening_hours: "接待日 14:30–16:30，其余时间预约".to_owned(),
        parent: Some(parent),
        reception,
        ..base_station(id, name, StationKind::LiaisonPoint, Some(town), location)
    }
}

/// The office that runs an online station.
struct Office {
    location: Coord<f64>,
    address: &'static str,
}

fn online_station(
    rng: &mut SplitMix64,
    id: StationId,
    name: &str,
    url: &str,
    office: Office,
    towns: &[Town],
) -> Station {
    // Online stations serve the whole district; their town is where the running office is.
    let town = towns.iter().find(|t| strictly_inside(&t.cell, office.location));
    Station {
        level: Level::District,
        address: office.address.to_owned(),
        phone: phone(rng),
        opening_hours: "全天在线，工作日 48 小时内回复".to_owned(),
        url: url.to_owned(),
        ..base_station(id, name.to_owned(), StationKind::OnlineStation, town, office.location)
    }
}

fn stations_of<'a>(
    stations: &'a [Station],
    town: &'a AreaCode,
    kinds: &'a [StationKind],
) -> impl Iterator<Item = &'a Station> + 'a {
    stations.iter().filter(move |s| s.town_code.as_ref() == Some(town) && kinds.contains(&s.kind))
}

// ---------------------------------------------------------------------------------------------
// Members

const SURNAMES: [&str; 64] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "沈", "应", "俞", "虞", "邬", "竺", "鲍",
    "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "姚", "卢", "傅", "钟", "姜",
    "崔", "陆", "范", "汪", "金", "戴", "贺",
];

const GIVEN: [&str; 64] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "英", "华", "建", "国", "文", "辉", "玲", "红", "斌", "燕", "波", "宁", "海", "峰", "浩", "晨", "琳",
    "雪", "颖", "立", "志", "宏", "俊", "婷", "欣", "佳", "鹏", "晓", "春", "慧", "亮", "云", "倩", "蕾", "鑫", "博",
    "宇", "航", "琦", "军", "丹", "萍", "毅",
];

/// CPPCC sectors (界别) and occupations typical of each.
const SECTORS: [(&str, [&str; 3]); 7] = [
    ("教育界", ["中学教师", "大学教授", "小学校长"]),
    ("医药卫生界", ["医生", "医院院长", "药剂师"]),
    ("经济界", ["企业负责人", "会计师", "银行支行行长"]),
    ("农业界", ["农业合作社理事长", "家庭农场主", "农技推广研究员"]),
    ("科技界", ["工程师", "研究员", "科技企业创始人"]),
    ("文化艺术界", ["作家", "书画家", "非遗传承人"]),
    ("社会福利和社会保障界", ["社会组织负责人", "社会工作者", "养老机构负责人"]),
];

const SENIOR_OCCUPATIONS: [&str; 6] =
    ["企业负责人", "医院院长", "大学教授", "社区党委书记", "村党支部书记", "律师事务所主任"];

const DISTRICT_OCCUPATIONS: [&str; 10] = [
    "社区党委书记",
    "中学教师",
    "企业负责人",
    "医生",
    "律师",
    "村委会主任",
    "街道办事处干部",
    "小学校长",
    "个体工商户",
    "工程师",
];

const TOWNSHIP_OCCUPATIONS: [&str; 8] =
    ["村委会主任", "村党支部书记", "农民", "企业负责人", "个体工商户", "小学教师", "乡村医生", "合作社理事长"];

/// How many members of each body and level: national deputies are few, district deputies many;
/// CPPCC committees stop at the district level.
const HEADCOUNT: [(Body, Level, usize); 9] = [
    (Body::NpcDeputy, Level::National, 4),
    (Body::NpcDeputy, Level::Provincial, 10),
    (Body::NpcDeputy, Level::City, 40),
    (Body::NpcDeputy, Level::District, 150),
    (Body::NpcDeputy, Level::Township, 80),
    (Body::CppccMember, Level::National, 2),
    (Body::CppccMember, Level::Provincial, 6),
    (Body::CppccMember, Level::City, 20),
    (Body::CppccMember, Level::District, 70),
];

/// Where a new member goes: station, constituency or sector, occupation.
struct Placement {
    station: Option<StationId>,
    sector: String,
    occupation: String,
}

fn members(rng: &mut SplitMix64, towns: &[Town], stations: &[Station]) -> Vec<Member> {
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for &(body, level, count) in &HEADCOUNT {
        for k in 0..count {
            let placement = match body {
                Body::NpcDeputy => place_deputy(rng, towns, stations, level, k),
                Body::CppccMember => place_cppcc_member(rng, stations, k),
            };
            let (term_start, term_end) = term(level);
            out.push(Member {
                id: member_id(out.len() + 1),
                name: unique_name(rng, &mut names),
                body,
                level,
                sector: placement.sector,
                occupation: placement.occupation,
                station: placement.station,
                term_start,
                term_end,
            });
        }
    }
    out
}

fn member_id(n: usize) -> MemberId {
    // `HS-M-` and four digits: always a valid id.
    MemberId::new(&format!("HS-M-{n:04}")).expect("generated member ids are well-formed")
}

/// District and township congresses were elected for 2022–2026, the higher ones for 2023–2027,
/// so every member is in term in late 2026, when the demo shows upcoming sessions.
/// Synthetic five-year terms, chosen so that the sample's members are in term through 2027.
fn term(level: Level) -> (Option<NaiveDate>, Option<NaiveDate>) {
    match level {
        Level::District | Level::Township => {
            (NaiveDate::from_ymd_opt(2023, 1, 1), NaiveDate::from_ymd_opt(2027, 12, 31))
        }
        _ => (NaiveDate::from_ymd_opt(2023, 3, 1), NaiveDate::from_ymd_opt(2028, 2, 29)),
    }
}

/// A two- or three-character name not used before in the sample.
fn unique_name(rng: &mut SplitMix64, used: &mut BTreeSet<String>) -> String {
    loop {
        let mut name = String::from(*rng.pick(&SURNAMES));
        name.push_str(rng.pick::<&str>(&GIVEN));
        if rng.chance(0.65) {
            name.push_str(rng.pick::<&str>(&GIVEN));
        }
        if used.insert(name.clone()) {
            return name;
        }
    }
}

/// The `k`-th deputy of `level`: a home town, the station there and the constituency.
///
/// District deputies go round all 17 towns, township deputies round the 8 towns that have a
/// township congress (streets do not); the first two rounds go to the deputy liaison station so
/// that each has deputies on duty, later ones also to the town's liaison points.
fn place_deputy(rng: &mut SplitMix64, towns: &[Town], stations: &[Station], level: Level, k: usize) -> Placement {
    let rural: Vec<&Town> = towns.iter().filter(|t| !t.is_street()).collect();
    let (town, round) = match level {
        Level::District => (&towns[k % towns.len()], k / towns.len()),
        Level::Township => (rural[k % rural.len()], k / rural.len()),
        _ => (&towns[rng.below(towns.len())], 0),
    };
    let deputy_station = stations_of(stations, &town.code, &[StationKind::DeputyLiaisonStation]).next();
    let points: Vec<&Station> = stations_of(stations, &town.code, &[StationKind::LiaisonPoint]).collect();
    let at_point = round >= 2 && !points.is_empty() && rng.chance(0.35);
    let station = if at_point { Some(*rng.pick(&points)) } else { deputy_station };
    let town_index = towns.iter().position(|t| t.code == town.code).unwrap_or(0);
    let (sector, occupations): (String, &[&str]) = match level {
        Level::National => ("浙江代表团".to_owned(), &SENIOR_OCCUPATIONS),
        Level::Provincial => ("宁波市代表团".to_owned(), &SENIOR_OCCUPATIONS),
        Level::City => (format!("{DISTRICT_NAME}代表团"), &DISTRICT_OCCUPATIONS),
        // Five constituencies per town, two deputies each.
        Level::District => (format!("{DISTRICT_NAME}第{}选区", town_index * 5 + round / 2 + 1), &DISTRICT_OCCUPATIONS),
        Level::Township => (format!("{}第{}选区", town.spec.name, round / 2 + 1), &TOWNSHIP_OCCUPATIONS),
    };
    Placement { station: station.map(|s| s.id.clone()), sector, occupation: rng.pick(occupations).to_string() }
}

/// The `k`-th CPPCC member of a level: workstations take members in turn, and a themed one only
/// members of its sector.
fn place_cppcc_member(rng: &mut SplitMix64, stations: &[Station], k: usize) -> Placement {
    let workstations: Vec<&Station> = stations.iter().filter(|s| s.kind == StationKind::MemberWorkstation).collect();
    let station = workstations.get(k % workstations.len().max(1)).copied();
    let themed = station.and_then(|s| WORKSTATIONS.iter().find(|w| w.name == s.name)?.sector);
    let (sector, occupations) = match themed.and_then(|t| SECTORS.iter().find(|(s, _)| *s == t)) {
        Some(entry) => entry,
        None => rng.pick(&SECTORS),
    };
    Placement {
        station: station.map(|s| s.id.clone()),
        sector: sector.to_string(),
        occupation: rng.pick(occupations).to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Reception rules with members on duty

/// Adds each station's main rule, with members on duty drawn from the station's own members, in
/// front of the rules it already has.
fn add_duty_rules(rng: &mut SplitMix64, stations: &mut [Station], members: &[Member]) {
    let mut by_station: BTreeMap<&StationId, Vec<&MemberId>> = BTreeMap::new();
    for m in members {
        if let Some(s) = &m.station {
            by_station.entry(s).or_default().push(&m.id);
        }
    }
    let district_deputies: Vec<&MemberId> =
        members.iter().filter(|m| m.body == Body::NpcDeputy && m.level == Level::District).map(|m| &m.id).collect();
    let district_cppcc: Vec<&MemberId> =
        members.iter().filter(|m| m.body == Body::CppccMember && m.level == Level::District).map(|m| &m.id).collect();
    let (mut deputy_n, mut ws_n, mut point_n) = (0, 0, 0);
    for station in stations.iter_mut() {
        let own = by_station.get(&station.id).map_or(&[][..], Vec::as_slice);
        let main = match station.kind {
            StationKind::DeputyLiaisonStation => {
                deputy_n += 1;
                roster(own, 3, |duty| deputy_rule(deputy_n, duty))
            }
            StationKind::MemberWorkstation => {
                ws_n += 1;
                roster(own, 2, |duty| workstation_rule(ws_n, duty))
            }
            StationKind::LiaisonPoint => {
                point_n += 1;
                // A point whose members are all based elsewhere receives by appointment only.
                roster(own, 2, |duty| point_rule(point_n, duty))
            }
            StationKind::OnlineStation => {
                let pool = if station.name.contains("政协") { &district_cppcc } else { &district_deputies };
                vec![rule(&format!(
                    "weekly wed 15:00-17:00{} theme=网上接待",
                    members_option(&on_duty(rng, pool, 2, 2))
                ))]
            }
        };
        station.reception.splice(0..0, main);
    }
}

/// A duty roster as rules: the station's members in groups of about `per_session`, each group on
/// duty in its own months (group j of G in months j+1, j+1+G, …), so that every member receives
/// citizens several times a year, as stations schedule it. `rule_for` gets the rule's options.
fn roster(own: &[&MemberId], per_session: usize, rule_for: impl Fn(&str) -> ReceptionRule) -> Vec<ReceptionRule> {
    if own.is_empty() {
        return Vec::new();
    }
    let groups = own.len().div_ceil(per_session).clamp(1, 12);
    (0..groups)
        .map(|j| {
            let duty: Vec<&MemberId> = own.iter().skip(j).step_by(groups).copied().collect();
            let months: Vec<String> = (1..=12).filter(|m| (m - 1) % groups == j).map(|m| m.to_string()).collect();
            let months = if groups == 1 { String::new() } else { format!(" months={}", months.join(",")) };
            rule_for(&format!("{months}{}", members_option(&duty)))
        })
        .collect()
}

/// `min..=max` members (fewer if the pool is smaller): a run starting at a random place.
fn on_duty<'a>(rng: &mut SplitMix64, pool: &[&'a MemberId], min: usize, max: usize) -> Vec<&'a MemberId> {
    if pool.is_empty() {
        return Vec::new();
    }
    let count = (min + rng.below(max - min + 1)).min(pool.len());
    let start = rng.below(pool.len());
    (0..count).map(|i| pool[(start + i) % pool.len()]).collect()
}

/// ` members=A,B` or nothing when nobody is on duty.
fn members_option(ids: &[&MemberId]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let list: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
    format!(" members={}", list.join(","))
}

fn deputy_rule(n: usize, options: &str) -> ReceptionRule {
    // Never on Monday: the study day uses the first Monday.
    let weekday = ["tue", "wed", "thu", "fri"][n % 4];
    let weeks = if n % 2 == 1 { "1,3" } else { "2,4" };
    let time = if n % 3 == 2 { "09:00-11:30" } else { "14:00-17:00" };
    rule(&format!("monthly {weeks} {weekday} {time}{}", options))
}

fn workstation_rule(n: usize, options: &str) -> ReceptionRule {
    let weekday = ["tue", "wed", "thu", "fri", "mon"][n % 5];
    rule(&format!("weekly {weekday} 09:00-11:30{}", options))
}

fn point_rule(n: usize, options: &str) -> ReceptionRule {
    let weekday = ["wed", "thu"][n % 2];
    rule(&format!("monthly 3 {weekday} 14:30-16:30{}", options))
}

// ---------------------------------------------------------------------------------------------
// Grids

/// Lloyd relaxation rounds for grid seeds: two make the cells even without looking machined.
const LLOYD_ROUNDS: usize = 2;

fn grids(rng: &mut SplitMix64, towns: &[Town], stations: &[Station], members: &[Member]) -> Vec<GridArea> {
    let town_of: BTreeMap<&StationId, &AreaCode> =
        stations.iter().filter_map(|s| Some((&s.id, s.town_code.as_ref()?))).collect();
    let mut out = Vec::new();
    for town in towns {
        let in_town = |m: &&Member| m.station.as_ref().and_then(|s| town_of.get(s)) == Some(&&town.code);
        let deputies: Vec<&MemberId> = members
            .iter()
            .filter(|m| m.body == Body::NpcDeputy && matches!(m.level, Level::District | Level::Township))
            .filter(in_town)
            .map(|m| &m.id)
            .collect();
        let cppcc: Vec<&MemberId> = members
            .iter()
            .filter(|m| m.body == Body::CppccMember && m.level == Level::District)
            .filter(in_town)
            .map(|m| &m.id)
            .collect();
        let local: Vec<&Station> =
            stations_of(stations, &town.code, &[StationKind::DeputyLiaisonStation, StationKind::LiaisonPoint])
                .collect();
        let seeds = grid_seeds(rng, &town.cell, town.spec.grids);
        for (g, cell) in voronoi_cells(&town.cell, &seeds).into_iter().enumerate() {
            out.push(grid(town, g + 1, cell, grid_members(g, &deputies, &cppcc), &local));
        }
    }
    out
}

/// One deputy per grid in turn; every third grid a second deputy, every fourth (where the town
/// has a workstation) a district CPPCC member instead.
fn grid_members(g: usize, deputies: &[&MemberId], cppcc: &[&MemberId]) -> Vec<MemberId> {
    let mut out: Vec<MemberId> = Vec::with_capacity(2);
    if !deputies.is_empty() {
        out.push(deputies[g % deputies.len()].clone());
    }
    if g % 4 == 1 && !cppcc.is_empty() {
        out.push(cppcc[(g / 4) % cppcc.len()].clone());
    } else if g % 3 == 2 && deputies.len() > 1 {
        out.push(deputies[(g + 1) % deputies.len()].clone());
    }
    out
}

fn grid(town: &Town, number: usize, cell: Ring, members: Vec<MemberId>, local: &[&Station]) -> GridArea {
    let code = format!("{}-{number:02}", town.spec.code);
    // The grid is served by the nearest of its town's station and liaison points.
    let centre = ring_centroid(&cell);
    let station = local
        .iter()
        .min_by(|a, b| {
            let da = scaled_distance_sq(centre, Coord { x: a.location.lon(), y: a.location.lat() });
            let db = scaled_distance_sq(centre, Coord { x: b.location.lon(), y: b.location.lat() });
            da.total_cmp(&db)
        })
        .map(|s| s.id.clone());
    GridArea {
        // `HS-G-`, the digits of the town code, `-` and two digits: always a valid id.
        id: GridId::new(&format!("HS-G-{code}")).expect("generated grid ids are well-formed"),
        name: format!("{}第{number}网格", town.spec.name),
        code,
        geometry: to_multipolygon(&cell),
        members,
        station,
        town_code: Some(town.code.clone()),
    }
}

/// `n` well-spread seeds inside `cell`, numbered in reading order (north to south in rows, west
/// to east within a row) so grid numbers read naturally on a map.
fn grid_seeds(rng: &mut SplitMix64, cell: &[Coord<f64>], n: usize) -> Vec<Coord<f64>> {
    let spacing = (ring_area(cell) / n as f64).sqrt();
    let min_sq = (0.5 * spacing) * (0.5 * spacing);
    let mut seeds: Vec<Coord<f64>> = Vec::with_capacity(n);
    let mut tries = 0;
    while seeds.len() < n {
        let p = random_point_in(rng, cell);
        tries += 1;
        // Reject crowded seeds for a while, then take any, so the loop always ends.
        if tries > 100 * n || seeds.iter().all(|&s| scaled_distance_sq(s, p) >= min_sq) {
            seeds.push(p);
        }
    }
    for _ in 0..LLOYD_ROUNDS {
        let cells = voronoi_cells(cell, &seeds);
        // A centroid lies inside its (convex) cell, hence inside the town, and stays distinct.
        seeds = cells.iter().zip(&seeds).map(|(c, &s)| if c.is_empty() { s } else { ring_centroid(c) }).collect();
    }
    let top = span(cell.iter().map(|c| c.y)).1;
    let row = |c: &Coord<f64>| ((top - c.y) / spacing).floor() as i64;
    seeds.sort_by(|a, b| row(a).cmp(&row(b)).then(a.x.total_cmp(&b.x)));
    seeds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::area::check_multipolygon;
    use geo::{Area, BooleanOps, Contains, Point};

    fn sample() -> Sample {
        generate()
    }

    fn area_by_code(s: &Sample) -> BTreeMap<&AreaCode, &AdminArea> {
        s.areas.iter().map(|a| (&a.code, a)).collect()
    }

    /// Sum of areas equals the parent's, and no two pieces overlap more than rounding.
    fn assert_tiles(parent: &MultiPolygon<f64>, pieces: &[&MultiPolygon<f64>], what: &str) {
        let whole = parent.unsigned_area();
        let sum: f64 = pieces.iter().map(|p| p.unsigned_area()).sum();
        assert!(((sum - whole) / whole).abs() < 1e-9, "{what}: pieces {sum} vs whole {whole}");
        for (i, a) in pieces.iter().enumerate() {
            for b in &pieces[i + 1..] {
                let overlap = a.intersection(*b).unsigned_area();
                assert!(overlap < 1e-9 * whole, "{what}: pieces overlap by {overlap}");
            }
        }
    }

    #[test]
    fn generating_twice_gives_the_same_sample() {
        assert_eq!(generate(), generate());
    }

    #[test]
    fn the_sample_has_the_promised_counts() {
        let s = sample();
        assert_eq!(s.areas.len(), 18);
        assert_eq!(s.areas.iter().filter(|a| a.level == AreaLevel::Town).count(), 17);
        assert!(s.stations.len() >= 60, "{} stations", s.stations.len());
        let kind = |k| s.stations.iter().filter(|st| st.kind == k).count();
        assert_eq!(kind(StationKind::DeputyLiaisonStation), 17);
        assert!((12..=18).contains(&kind(StationKind::MemberWorkstation)));
        assert!((30..=40).contains(&kind(StationKind::LiaisonPoint)));
        assert!((1..=2).contains(&kind(StationKind::OnlineStation)));
        assert!(s.members.len() >= 300, "{} members", s.members.len());
        for level in Level::ALL {
            assert!(s.members.iter().any(|m| m.body == Body::NpcDeputy && m.level == *level), "{level}");
        }
        assert!((300..=400).contains(&s.grids.len()), "{} grids", s.grids.len());
    }

    #[test]
    fn cppcc_members_are_never_township_level() {
        let s = sample();
        assert!(s.members.iter().any(|m| m.body == Body::CppccMember));
        assert!(!s.members.iter().any(|m| m.body == Body::CppccMember && m.level == Level::Township));
    }

    #[test]
    fn every_record_passes_its_checks() {
        let s = sample();
        for st in &s.stations {
            assert_eq!(st.clone().checked().as_ref(), Ok(st));
        }
        for m in &s.members {
            assert_eq!(m.clone().checked().as_ref(), Ok(m));
        }
        let geometries = s.areas.iter().map(|a| &a.geometry).chain(s.grids.iter().map(|g| &g.geometry));
        for mp in geometries {
            assert_eq!(check_multipolygon(mp), Ok(()));
            for poly in &mp.0 {
                assert!(poly.exterior().is_closed());
                assert!(poly.signed_area() > 0.0, "exterior rings are counter-clockwise");
            }
        }
    }

    #[test]
    fn ids_are_sorted_unique_and_in_the_documented_format() {
        let s = sample();
        let station_ids: Vec<&str> = s.stations.iter().map(|x| x.id.as_str()).collect();
        let member_ids: Vec<&str> = s.members.iter().map(|x| x.id.as_str()).collect();
        let grid_ids: Vec<&str> = s.grids.iter().map(|x| x.id.as_str()).collect();
        for ids in [&station_ids, &member_ids, &grid_ids] {
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        }
        assert_eq!(station_ids[0], "HS-ST-001");
        assert_eq!(member_ids[0], "HS-M-0001");
        assert_eq!(grid_ids[0], "HS-G-330203001-01");
        let g = &s.grids[0];
        assert_eq!((g.code.as_str(), g.name.as_str()), ("330203001-01", "南门街道第1网格"));
    }

    #[test]
    fn every_reference_resolves() {
        let s = sample();
        let stations: BTreeMap<&StationId, &Station> = s.stations.iter().map(|x| (&x.id, x)).collect();
        let members: BTreeMap<&MemberId, &Member> = s.members.iter().map(|x| (&x.id, x)).collect();
        let areas = area_by_code(&s);
        for st in &s.stations {
            let town = st.town_code.as_ref().expect("every station has a town");
            assert_eq!(areas[town].level, AreaLevel::Town);
            if let Some(parent) = &st.parent {
                let parent = stations[parent];
                assert_eq!(parent.kind, StationKind::DeputyLiaisonStation);
                assert_eq!(parent.town_code, st.town_code, "{}", st.name);
            }
            for rule in &st.reception {
                for id in &rule.members {
                    assert!(members.contains_key(id), "{} on duty at {}", id, st.name);
                }
            }
        }
        for m in &s.members {
            let station = stations[m.station.as_ref().expect("every member has a station")];
            let expected: &[StationKind] = match m.body {
                Body::NpcDeputy => &[StationKind::DeputyLiaisonStation, StationKind::LiaisonPoint],
                Body::CppccMember => &[StationKind::MemberWorkstation],
            };
            assert!(expected.contains(&station.kind), "{} at {}", m.name, station.name);
        }
        for g in &s.grids {
            assert!((1..=2).contains(&g.members.len()), "{}", g.name);
            assert!(g.members.iter().all(|id| members.contains_key(id)));
            let station = stations[g.station.as_ref().expect("every grid has a station")];
            assert_eq!(station.town_code, g.town_code);
            assert!(areas.contains_key(g.town_code.as_ref().expect("every grid has a town")));
        }
    }

    #[test]
    fn every_deputy_station_and_workstation_has_members_on_duty() {
        let s = sample();
        for st in &s.stations {
            if matches!(st.kind, StationKind::DeputyLiaisonStation | StationKind::MemberWorkstation) {
                let duty = &st.reception[0].members;
                assert!((2..=4).contains(&duty.len()), "{}: {:?}", st.name, st.reception);
                assert!(duty
                    .iter()
                    .all(|id| s.members.iter().any(|m| &m.id == id && m.station.as_ref() == Some(&st.id))));
            }
        }
        let seasonal = s.stations.iter().filter(|st| st.reception.iter().any(|r| r.months == [5, 6])).count();
        assert!((2..=3).contains(&seasonal), "{seasonal} stations with an enrolment rule");
    }

    #[test]
    fn members_are_in_term_in_november_2026() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 15).expect("valid date");
        assert!(sample().members.iter().all(|m| m.in_term_on(day)));
    }

    #[test]
    fn every_station_lies_inside_its_town() {
        let s = sample();
        let areas = area_by_code(&s);
        for st in &s.stations {
            let town = &areas[st.town_code.as_ref().expect("every station has a town")];
            let p: Point<f64> = st.location.into();
            assert!(town.geometry.contains(&p), "{} at {} is outside {}", st.name, st.location, town.name);
        }
    }

    #[test]
    fn the_district_outline_is_convex_and_inside_the_real_bounding_box() {
        let ring = district_ring();
        assert!((12..=20).contains(&ring.len()));
        for i in 0..ring.len() {
            let (a, b, c) = (ring[i], ring[(i + 1) % ring.len()], ring[(i + 2) % ring.len()]);
            assert!(cross(b - a, c - b) > 0.0, "convex and counter-clockwise at corner {}", i + 1);
        }
        assert!(ring.iter().all(|c| (121.14..=121.56).contains(&c.x) && (29.72..=29.95).contains(&c.y)));
    }

    #[test]
    fn towns_tile_the_district() {
        let s = sample();
        let towns: Vec<&MultiPolygon<f64>> = s.areas[1..].iter().map(|a| &a.geometry).collect();
        assert!(towns.iter().all(|t| t.unsigned_area() > 0.0));
        assert_tiles(&s.areas[0].geometry, &towns, "district");
    }

    #[test]
    fn the_grids_of_each_town_tile_it() {
        let s = sample();
        for town in &s.areas[1..] {
            let grids: Vec<&MultiPolygon<f64>> =
                s.grids.iter().filter(|g| g.town_code.as_ref() == Some(&town.code)).map(|g| &g.geometry).collect();
            assert!(grids.len() >= 8, "{}", town.name);
            assert_tiles(&town.geometry, &grids, &town.name);
        }
    }
}
