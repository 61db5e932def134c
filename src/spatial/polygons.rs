//! Which polygon holds a point, and which polygons come within a distance of it, over a fixed set
//! of WGS84 lon/lat (multi)polygons (x = lon, y = lat, degrees). Distances are metres, measured in
//! a plane tangent at the query point ([`LocalPlane`]): exact to millimetres at the tens of metres
//! where boundaries matter, and to about 0.1 % at tens of kilometres.
//!
//! Containment goes through a uniform grid of cells over the polygons' bounding rectangles: the
//! cell of a point lists every polygon whose rectangle could hold it (see [`Cells`] for why none
//! is missed), lowest position first, so the first polygon that holds the point is the answer.

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use super::bbox::BBox;
use super::geodesic::LocalPlane;
use crate::domain::LonLat;

type Envelope = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// A polygon near a point: its position in the indexed slice and its distance in metres
/// (0 when the point is inside).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearPolygon {
    pub index: usize,
    pub distance_m: f64,
}

/// An immutable index over polygons; results refer to polygons by their position in the slice it
/// was built from. Where polygons overlap or share an edge, the lower position wins.
pub struct PolygonIndex {
    polygons: Vec<MultiPolygon<f64>>,
    /// Each polygon's bounding rectangle, computed once (`None` for an empty one, which holds
    /// nothing): `geo`'s own containment test recomputes it on every call.
    rects: Vec<Option<Rect<f64>>>,
    tree: RTree<Envelope>,
    cells: Cells,
}

impl PolygonIndex {
    pub fn build(polygons: Vec<MultiPolygon<f64>>) -> Self {
        let rects: Vec<Option<Rect<f64>>> = polygons.iter().map(|mp| mp.bounding_rect()).collect();
        let envelopes = rects
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let r = r.as_ref()?;
                Some(Envelope::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i as u32))
            })
            .collect();
        let cells = Cells::build(&rects);
        Self { polygons, rects, tree: RTree::bulk_load(envelopes), cells }
    }

    /// Whether polygon `index` holds `c` (its boundary included): `MultiPolygon::intersects`
    /// with the bounding rectangle it would compute taken from the cache instead.
    fn holds(&self, index: usize, c: Coord<f64>) -> bool {
        self.rects[index].is_some_and(|r| rect_holds(&r, c)) && self.polygons[index].0.iter().any(|p| p.intersects(&c))
    }

    pub fn len(&self) -> usize {
        self.polygons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty()
    }

    /// The polygon that holds `q` (its boundary included).
    ///
    /// # Examples
    /// ```
    /// use geo::{polygon, MultiPolygon};
    /// use liaison::{domain::LonLat, spatial::PolygonIndex};
    /// let a = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)];
    /// let b = polygon![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0)];
    /// let index = PolygonIndex::build(vec![MultiPolygon(vec![a]), MultiPolygon(vec![b])]);
    /// assert_eq!(index.containing(LonLat::new(1.5, 0.5).unwrap()), Some(1));
    /// assert_eq!(index.containing(LonLat::new(1.0, 0.5).unwrap()), Some(0)); // shared edge: lower wins
    /// assert_eq!(index.containing(LonLat::new(3.0, 0.5).unwrap()), None);
    /// ```
    pub fn containing(&self, q: LonLat) -> Option<usize> {
        let c = Coord { x: q.lon(), y: q.lat() };
        // Candidates are in ascending position: the first that holds the point is the lowest.
        self.cells.candidates(c).iter().map(|&i| i as usize).find(|&i| self.holds(i, c))
    }

    /// Positions of the polygons whose envelope meets `bbox`, ascending.
    pub fn envelopes_meeting(&self, bbox: &BBox) -> Vec<usize> {
        let env = AABB::from_corners([bbox.min_lon, bbox.min_lat], [bbox.max_lon, bbox.max_lat]);
        let mut found: Vec<usize> = self.tree.locate_in_envelope_intersecting(&env).map(|e| e.data as usize).collect();
        found.sort_unstable();
        found
    }

    /// Distance in metres from `q` to the boundary of polygon `index` (inside or out).
    pub fn boundary_distance_m(&self, index: usize, q: LonLat) -> f64 {
        boundary_distance(&LocalPlane::at(q), &self.polygons[index])
    }

    /// Polygons whose boundary or interior comes within `radius_m` of `q`, nearest first.
    pub fn within(&self, q: LonLat, radius_m: f64) -> Vec<NearPolygon> {
        let plane = LocalPlane::at(q);
        let (dlon, dlat) = plane.degrees_for(radius_m);
        let env = AABB::from_corners([q.lon() - dlon, q.lat() - dlat], [q.lon() + dlon, q.lat() + dlat]);
        let c = Coord { x: q.lon(), y: q.lat() };
        let mut found: Vec<NearPolygon> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data as usize)
            .map(|index| {
                let distance_m =
                    if self.holds(index, c) { 0.0 } else { boundary_distance(&plane, &self.polygons[index]) };
                NearPolygon { index, distance_m }
            })
            .filter(|n| n.distance_m <= radius_m)
            .collect();
        found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.index.cmp(&b.index)));
        found
    }

    /// The polygon nearest to `q`, for a point outside all of them: a linear scan that skips any
    /// polygon whose envelope is already farther than the best so far (this is the rare path).
    pub fn nearest(&self, q: LonLat) -> Option<NearPolygon> {
        let plane = LocalPlane::at(q);
        let c = Coord { x: q.lon(), y: q.lat() };
        let mut best: Option<NearPolygon> = None;
        for index in 0..self.polygons.len() {
            if let (Some(b), Some(r)) = (best, self.rects[index]) {
                if envelope_distance(&plane, r.min(), r.max()) > b.distance_m {
                    continue;
                }
            }
            let distance_m = if self.holds(index, c) { 0.0 } else { boundary_distance(&plane, &self.polygons[index]) };
            if best.is_none_or(|b| distance_m < b.distance_m) {
                best = Some(NearPolygon { index, distance_m });
            }
        }
        best
    }
}

/// Whether `r` holds `c`, edges included (as `geo`'s rectangle test and rstar's envelopes count).
fn rect_holds(r: &Rect<f64>, c: Coord<f64>) -> bool {
    r.min().x <= c.x && c.x <= r.max().x && r.min().y <= c.y && c.y <= r.max().y
}

/// A uniform grid of cells over the union of the polygons' bounding rectangles, each cell listing
/// (ascending) the polygons whose rectangle meets it.
///
/// No candidate is missed: a coordinate's cell along an axis is `clamp(floor((v - origin) *
/// scale))`, and every step of that (subtracting a constant, multiplying by a positive constant,
/// both rounded to nearest; floor; clamp) is non-decreasing in `v`. So `min <= v <= max` gives
/// `cell(min) <= cell(v) <= cell(max)`, and a polygon is listed in every cell from its
/// rectangle's minimum corner's to its maximum corner's. A point outside the union falls in an edge
/// cell, whose candidates' rectangles then refuse it.
struct Cells {
    origin: [f64; 2],
    /// Cells per degree along each axis.
    scale: [f64; 2],
    /// Cells along each axis (at least 1).
    dims: [usize; 2],
    /// `items[starts[c]..starts[c + 1]]` are the polygons of cell `c` (row-major, x fastest).
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Cells {
    /// About two cells per polygon; coarser (halving each axis) while the listings would exceed
    /// 16 entries per polygon, so that memory stays linear even for rectangles spanning the set.
    fn build(rects: &[Option<Rect<f64>>]) -> Self {
        let mut union: Option<Rect<f64>> = None;
        for r in rects.iter().flatten() {
            union = Some(match union {
                None => *r,
                Some(u) => Rect::new(
                    Coord { x: u.min().x.min(r.min().x), y: u.min().y.min(r.min().y) },
                    Coord { x: u.max().x.max(r.max().x), y: u.max().y.max(r.max().y) },
                ),
            });
        }
        let Some(union) = union else {
            return Self { origin: [0.0; 2], scale: [0.0; 2], dims: [1, 1], starts: vec![0, 0], items: Vec::new() };
        };
        let (w, h) = (union.width(), union.height());
        let n = rects.len() as f64;
        // Square-ish cells, about 2n of them; an axis without extent gets one cell.
        let side = if w > 0.0 && h > 0.0 { (w * h / (2.0 * n)).sqrt() } else { w.max(h) / (2.0 * n) };
        let along =
            |extent: f64| if extent > 0.0 && side > 0.0 { ((extent / side).ceil() as usize).clamp(1, 4096) } else { 1 };
        let mut dims = [along(w), along(h)];
        let budget = 16 * rects.len() + 1024;
        loop {
            let cells = Self::with_dims(union, [w, h], dims, None);
            let listed: usize = rects
                .iter()
                .flatten()
                .map(|r| {
                    let ([x0, y0], [x1, y1]) = (cells.cell_of(r.min()), cells.cell_of(r.max()));
                    (x1 - x0 + 1) * (y1 - y0 + 1)
                })
                .sum();
            if listed <= budget || dims == [1, 1] {
                return Self::with_dims(union, [w, h], dims, Some(rects));
            }
            dims = [dims[0].div_ceil(2), dims[1].div_ceil(2)];
        }
    }

    /// The grid of `dims` cells over `union`, its listings filled from `rects` when given.
    fn with_dims(union: Rect<f64>, extent: [f64; 2], dims: [usize; 2], rects: Option<&[Option<Rect<f64>>]>) -> Self {
        let scale = [0, 1].map(|a| if dims[a] > 1 { dims[a] as f64 / extent[a] } else { 0.0 });
        let mut cells =
            Self { origin: [union.min().x, union.min().y], scale, dims, starts: Vec::new(), items: Vec::new() };
        let Some(rects) = rects else { return cells };
        // Counting sort into row-major cells; polygons go in ascending order within each cell.
        let mut counts = vec![0u32; dims[0] * dims[1] + 1];
        let spans: Vec<Option<([usize; 2], [usize; 2])>> =
            rects.iter().map(|r| r.map(|r| (cells.cell_of(r.min()), cells.cell_of(r.max())))).collect();
        for ([x0, y0], [x1, y1]) in spans.iter().flatten() {
            for y in *y0..=*y1 {
                for x in *x0..=*x1 {
                    counts[y * dims[0] + x + 1] += 1;
                }
            }
        }
        for c in 1..counts.len() {
            counts[c] += counts[c - 1];
        }
        let mut next = counts.clone();
        let mut items = vec![0u32; counts[counts.len() - 1] as usize];
        for (i, span) in spans.iter().enumerate() {
            let Some(([x0, y0], [x1, y1])) = span else { continue };
            for y in *y0..=*y1 {
                for x in *x0..=*x1 {
                    let c = y * dims[0] + x;
                    items[next[c] as usize] = i as u32;
                    next[c] += 1;
                }
            }
        }
        cells.starts = counts;
        cells.items = items;
        cells
    }

    /// The cell holding `c` along each axis (clamped into the grid).
    fn cell_of(&self, c: Coord<f64>) -> [usize; 2] {
        let along = |a: usize, v: f64| {
            if self.dims[a] == 1 {
                return 0;
            }
            let t = ((v - self.origin[a]) * self.scale[a]).floor();
            // NaN cannot occur (finite inputs, finite scale); `as` saturates below 0 to 0.
            (t.max(0.0) as usize).min(self.dims[a] - 1)
        };
        [along(0, c.x), along(1, c.y)]
    }

    /// The polygons whose rectangle may hold `c`, ascending.
    fn candidates(&self, c: Coord<f64>) -> &[u32] {
        let [x, y] = self.cell_of(c);
        let cell = y * self.dims[0] + x;
        &self.items[self.starts[cell] as usize..self.starts[cell + 1] as usize]
    }
}

/// Shortest distance from the plane's origin to any ring of `mp`, metres.
fn boundary_distance(plane: &LocalPlane, mp: &MultiPolygon<f64>) -> f64 {
    let rings = mp.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
    rings
        .flat_map(|ring| {
            ring.0.windows(2).map(|w| segment_distance(plane.project(w[0].x, w[0].y), plane.project(w[1].x, w[1].y)))
        })
        .fold(f64::INFINITY, f64::min)
}

/// Distance from the origin to the segment a–b in the plane.
fn segment_distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (-(a[0] * dx + a[1] * dy) / len2).clamp(0.0, 1.0) };
    let (x, y) = (a[0] + t * dx, a[1] + t * dy);
    (x * x + y * y).sqrt()
}

/// A lower bound on the distance from the origin to anything inside the lon/lat box, metres.
fn envelope_distance(plane: &LocalPlane, min: Coord<f64>, max: Coord<f64>) -> f64 {
    let [x0, y0] = plane.project(min.x, min.y);
    let [x1, y1] = plane.project(max.x, max.y);
    let dx = if x0 > 0.0 {
        x0
    } else if x1 < 0.0 {
        -x1
    } else {
        0.0
    };
    let dy = if y0 > 0.0 {
        y0
    } else if y1 < 0.0 {
        -y1
    } else {
        0.0
    };
    (dx * dx + dy * dy).sqrt() * 0.99 // the plane's scale drifts slightly with latitude
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Point, Polygon};

    /// Square cells of a jittered grid: they tile the box without gaps.
    fn tiles(n: usize, seed: u64) -> Vec<MultiPolygon<f64>> {
        let mut rng = crate::sample::SplitMix64::new(seed);
        let mut next = move || rng.unit();
        let step = 0.5 / n as f64;
        let jitter: Vec<Vec<(f64, f64)>> = (0..=n)
            .map(|i| {
                (0..=n)
                    .map(|j| {
                        let inner = |k: usize| k > 0 && k < n;
                        let (jx, jy) = if inner(i) && inner(j) {
                            ((next() - 0.5) * step * 0.6, (next() - 0.5) * step * 0.6)
                        } else {
                            (0.0, 0.0)
                        };
                        (121.2 + i as f64 * step + jx, 29.6 + j as f64 * step + jy)
                    })
                    .collect()
            })
            .collect();
        let mut out = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let ring = vec![jitter[i][j], jitter[i + 1][j], jitter[i + 1][j + 1], jitter[i][j + 1], jitter[i][j]];
                out.push(MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])]));
            }
        }
        out
    }

    #[test]
    fn containing_matches_brute_force_on_thousands_of_points() {
        let polys = tiles(40, 11);
        let index = PolygonIndex::build(polys.clone());
        let mut rng = crate::sample::SplitMix64::new(99);
        for _ in 0..5_000 {
            let lon = rng.between(121.15, 121.75);
            let lat = rng.between(29.55, 30.15);
            let q = LonLat::new(lon, lat).unwrap();
            let want = (0..polys.len()).find(|&i| polys[i].intersects(&Point::new(lon, lat)));
            assert_eq!(index.containing(q), want, "at {q}");
            if want.is_none() {
                let brute = (0..polys.len())
                    .map(|i| (i, boundary_distance(&LocalPlane::at(q), &polys[i])))
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .unwrap();
                let got = index.nearest(q).unwrap();
                assert_eq!((got.index, got.distance_m), brute, "nearest at {q}");
            }
        }
    }

    #[test]
    fn containing_and_within_match_brute_force_on_a_voronoi_tiling() {
        let mut rng = crate::sample::SplitMix64::new(5);
        let mut next = move || rng.unit();
        let seeds: Vec<Coord<f64>> =
            (0..600).map(|_| Coord { x: 121.2 + 0.6 * next(), y: 29.6 + 0.5 * next() }).collect();
        let polys = crate::sample::voronoi_tiling(Coord { x: 121.2, y: 29.6 }, Coord { x: 121.8, y: 30.1 }, &seeds);
        let index = PolygonIndex::build(polys.clone());
        for c in boundary_points(&polys) {
            let q = LonLat::new(c.x, c.y).unwrap();
            assert_eq!(index.containing(q), (0..polys.len()).find(|&i| polys[i].intersects(&Point::from(c))), "at {q}");
        }
        for _ in 0..5_000 {
            let q = LonLat::new(121.15 + 0.7 * next(), 29.55 + 0.6 * next()).unwrap();
            let point = Point::new(q.lon(), q.lat());
            assert_eq!(index.containing(q), (0..polys.len()).find(|&i| polys[i].intersects(&point)), "at {q}");
            let plane = LocalPlane::at(q);
            let mut want: Vec<(usize, f64)> = (0..polys.len())
                .map(|i| (i, if polys[i].intersects(&point) { 0.0 } else { boundary_distance(&plane, &polys[i]) }))
                .filter(|x| x.1 <= 300.0)
                .collect();
            want.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            let got: Vec<(usize, f64)> = index.within(q, 300.0).iter().map(|n| (n.index, n.distance_m)).collect();
            assert_eq!(got, want, "at {q}");
        }
    }

    /// Overlapping random multipolygons: triangles and quadrilaterals, some with a hole, some of
    /// several parts, a few empty, a few huge; and their corners and edge midpoints as queries, so
    /// that boundaries (shared or not) are hit exactly.
    fn overlapping(n: usize, seed: u64) -> Vec<MultiPolygon<f64>> {
        let mut rng = crate::sample::SplitMix64::new(seed);
        (0..n)
            .map(|i| {
                if i % 17 == 5 {
                    return MultiPolygon(vec![]);
                }
                let parts = if i % 5 == 0 { 2 } else { 1 };
                let size = if i % 41 == 0 { 0.4 } else { 0.03 };
                MultiPolygon(
                    (0..parts)
                        .map(|_| {
                            let (cx, cy) = (rng.between(121.2, 121.8), rng.between(29.6, 30.1));
                            let corners = if rng.unit() < 0.5 { 3 } else { 4 };
                            // Corners at increasing angles: a simple (star-shaped) ring.
                            let mut ring: Vec<(f64, f64)> = (0..corners)
                                .map(|k| {
                                    let a = (k as f64 + rng.unit() * 0.8) / corners as f64 * std::f64::consts::TAU;
                                    let r = size * (0.3 + rng.unit());
                                    (cx + r * a.cos(), cy + r * a.sin())
                                })
                                .collect();
                            ring.push(ring[0]);
                            let holes = if i % 3 == 0 {
                                let h = size * 0.1;
                                vec![LineString::from(vec![
                                    (cx - h, cy - h),
                                    (cx + h, cy - h),
                                    (cx + h, cy + h),
                                    (cx - h, cy + h),
                                    (cx - h, cy - h),
                                ])]
                            } else {
                                vec![]
                            };
                            Polygon::new(LineString::from(ring), holes)
                        })
                        .collect(),
                )
            })
            .collect()
    }

    fn boundary_points(polys: &[MultiPolygon<f64>]) -> Vec<Coord<f64>> {
        let rings =
            polys.iter().flat_map(|mp| mp.0.iter()).flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
        rings
            .flat_map(|r| {
                r.0.windows(2).flat_map(|w| [w[0], Coord { x: (w[0].x + w[1].x) / 2.0, y: (w[0].y + w[1].y) / 2.0 }])
            })
            .collect()
    }

    #[test]
    fn containing_matches_brute_force_on_overlapping_polygons_and_their_boundaries() {
        for (n, seed) in [(300, 1), (40, 2), (3, 3), (1, 4)] {
            let polys = overlapping(n, seed);
            let index = PolygonIndex::build(polys.clone());
            let mut rng = crate::sample::SplitMix64::new(seed + 100);
            let random = (0..5_000).map(|_| Coord { x: rng.between(121.0, 122.0), y: rng.between(29.4, 30.3) });
            for c in random.chain(boundary_points(&polys)) {
                let q = LonLat::new(c.x, c.y).unwrap();
                let want = (0..polys.len()).find(|&i| polys[i].intersects(&Point::from(c)));
                assert_eq!(index.containing(q), want, "n {n}, at {q}");
            }
        }
    }

    #[test]
    fn containing_is_exact_when_every_rectangle_spans_the_set() {
        // Nested squares: each cell would list every polygon, so the grid coarsens, and stays exact.
        let polys: Vec<MultiPolygon<f64>> = (0..400)
            .map(|i| {
                let d = 0.2 + i as f64 * 1e-4;
                let ring = vec![
                    (121.5 - d, 29.8 - d),
                    (121.5 + d, 29.8 - d),
                    (121.5 + d, 29.8 + d),
                    (121.5 - d, 29.8 + d),
                    (121.5 - d, 29.8 - d),
                ];
                MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])])
            })
            .collect();
        let index = PolygonIndex::build(polys.clone());
        assert!(index.cells.items.len() <= 16 * polys.len() + 1024, "{}", index.cells.items.len());
        let mut rng = crate::sample::SplitMix64::new(7);
        let random = (0..2_000).map(|_| Coord { x: rng.between(121.2, 121.8), y: rng.between(29.5, 30.1) });
        for c in random.chain(boundary_points(&polys)) {
            let q = LonLat::new(c.x, c.y).unwrap();
            let want = (0..polys.len()).find(|&i| polys[i].intersects(&Point::from(c)));
            assert_eq!(index.containing(q), want, "at {q}");
        }
    }

    #[test]
    fn an_index_of_nothing_or_of_empty_polygons_holds_nothing() {
        let q = LonLat::new(121.5, 29.8).unwrap();
        assert_eq!(PolygonIndex::build(vec![]).containing(q), None);
        assert_eq!(PolygonIndex::build(vec![MultiPolygon(vec![]), MultiPolygon(vec![])]).containing(q), None);
    }

    #[test]
    fn within_finds_the_neighbour_across_an_edge() {
        let square = |x0: f64| {
            let ring = vec![(x0, 29.6), (x0 + 0.25, 29.6), (x0 + 0.25, 29.85), (x0, 29.85), (x0, 29.6)];
            MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])])
        };
        let index = PolygonIndex::build(vec![square(121.2), square(121.45)]);
        // About 29 m west of the shared edge at lon 121.45.
        let q = LonLat::new(121.4497, 29.7).unwrap();
        let near = index.within(q, 50.0);
        assert_eq!(near.iter().map(|n| n.index).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(near[0].distance_m, 0.0);
        assert!((near[1].distance_m - index.boundary_distance_m(0, q)).abs() < 1e-9);
        assert!((25.0..35.0).contains(&near[1].distance_m), "{}", near[1].distance_m);
        assert_eq!(index.within(LonLat::new(121.44, 29.7).unwrap(), 50.0).len(), 1);
    }
}
