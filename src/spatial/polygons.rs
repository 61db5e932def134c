//! Which polygon holds a point, and which polygons come within a distance of it, over a fixed set
//! of WGS84 lon/lat (multi)polygons (x = lon, y = lat, degrees). Distances are metres, measured in
//! a plane tangent at the query point ([`LocalPlane`]): exact to millimetres at the tens of metres
//! where boundaries matter, and to about 0.1 % at tens of kilometres.

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Point};
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
    tree: RTree<Envelope>,
}

impl PolygonIndex {
    pub fn build(polygons: Vec<MultiPolygon<f64>>) -> Self {
        let envelopes = polygons
            .iter()
            .enumerate()
            .filter_map(|(i, mp)| {
                let r = mp.bounding_rect()?;
                Some(Envelope::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i as u32))
            })
            .collect();
        Self { polygons, tree: RTree::bulk_load(envelopes) }
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
        let point = Point::new(q.lon(), q.lat());
        self.tree
            .locate_all_at_point(&[q.lon(), q.lat()])
            .map(|e| e.data as usize)
            .filter(|&i| self.polygons[i].intersects(&point))
            .min()
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
        let point = Point::new(q.lon(), q.lat());
        let mut found: Vec<NearPolygon> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data as usize)
            .map(|index| {
                let mp = &self.polygons[index];
                let distance_m = if mp.intersects(&point) { 0.0 } else { boundary_distance(&plane, mp) };
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
        let point = Point::new(q.lon(), q.lat());
        let mut best: Option<NearPolygon> = None;
        for index in 0..self.polygons.len() {
            let mp = &self.polygons[index];
            if let (Some(b), Some(r)) = (best, mp.bounding_rect()) {
                if envelope_distance(&plane, r.min(), r.max()) > b.distance_m {
                    continue;
                }
            }
            let distance_m = if mp.intersects(&point) { 0.0 } else { boundary_distance(&plane, mp) };
            if best.is_none_or(|b| distance_m < b.distance_m) {
                best = Some(NearPolygon { index, distance_m });
            }
        }
        best
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
    use geo::{LineString, Polygon};

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
