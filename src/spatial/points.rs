//! Nearest, within-radius and bounding-box queries over a fixed set of WGS84 lon/lat points
//! (x = lon, y = lat, degrees); every distance returned is the exact WGS84 geodesic in metres.
//!
//! Candidates come out of an R-tree over ECEF positions in chord order; each is ranked by its
//! Karney distance, and the walk stops once the next chord exceeds the k-th geodesic distance,
//! which is safe because a chord never exceeds the geodesic (see [`super::geodesic`]).

use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

use super::bbox::BBox;
use super::geodesic::{ecef, geodesic_distance_m};
use crate::domain::LonLat;

type Ecef = GeomWithData<[f64; 3], u32>;
type Flat = GeomWithData<[f64; 2], u32>;

/// A point found by a query: its position in the indexed slice and its distance in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    pub index: usize,
    pub distance_m: f64,
}

/// An immutable index over points; query results refer to points by their position in the slice
/// the index was built from, and ties in distance go to the lower position.
pub struct PointIndex {
    points: Vec<LonLat>,
    space: RTree<Ecef>,
    flat: RTree<Flat>,
}

/// Slack on the stopping rule, metres: covers rounding in the ECEF chord.
const CHORD_SLACK_M: f64 = 1e-6;

impl PointIndex {
    /// Bulk-loads both trees; O(n log n).
    pub fn build(points: &[LonLat]) -> Self {
        let space = points.iter().enumerate().map(|(i, p)| Ecef::new(ecef(*p), i as u32)).collect();
        let flat = points.iter().enumerate().map(|(i, p)| Flat::new([p.lon(), p.lat()], i as u32)).collect();
        Self { points: points.to_vec(), space: RTree::bulk_load(space), flat: RTree::bulk_load(flat) }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The `k` accepted points nearest to `q` by geodesic distance, nearest first.
    ///
    /// # Examples
    /// ```
    /// use liaison::{domain::LonLat, spatial::PointIndex};
    /// let pts: Vec<LonLat> = [(121.50, 29.80), (121.60, 29.90), (121.51, 29.81)]
    ///     .iter().map(|&(x, y)| LonLat::new(x, y).unwrap()).collect();
    /// let index = PointIndex::build(&pts);
    /// let near = index.nearest(LonLat::new(121.502, 29.802).unwrap(), 2, |_| true);
    /// assert_eq!(near.iter().map(|n| n.index).collect::<Vec<_>>(), vec![0, 2]);
    /// assert!(near[0].distance_m < near[1].distance_m);
    /// ```
    pub fn nearest(&self, q: LonLat, k: usize, mut accept: impl FnMut(usize) -> bool) -> Vec<Neighbour> {
        let mut best: Vec<Neighbour> = Vec::with_capacity(k + 1);
        if k == 0 {
            return best;
        }
        for (item, chord2) in self.space.nearest_neighbor_iter_with_distance_2(&ecef(q)) {
            if best.len() == k && chord2.sqrt() > best[k - 1].distance_m + CHORD_SLACK_M {
                break;
            }
            let index = item.data as usize;
            if !accept(index) {
                continue;
            }
            let candidate = Neighbour { index, distance_m: geodesic_distance_m(q, self.points[index]) };
            let at = best.partition_point(|b| ranks_before(b, &candidate));
            if at < k {
                best.insert(at, candidate);
                best.truncate(k);
            }
        }
        best
    }

    /// Every accepted point within `radius_m` metres (geodesic) of `q`, nearest first.
    pub fn within(&self, q: LonLat, radius_m: f64, mut accept: impl FnMut(usize) -> bool) -> Vec<Neighbour> {
        // chord <= geodesic, so the ball of chord radius `radius_m` holds every answer.
        let mut found: Vec<Neighbour> = self
            .space
            .locate_within_distance(ecef(q), radius_m * radius_m + CHORD_SLACK_M)
            .map(|item| item.data as usize)
            .filter(|&i| accept(i))
            .map(|index| Neighbour { index, distance_m: geodesic_distance_m(q, self.points[index]) })
            .filter(|n| n.distance_m <= radius_m)
            .collect();
        found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.index.cmp(&b.index)));
        found
    }

    /// Positions of the points inside `bbox` (edges included), in ascending order.
    pub fn in_bbox(&self, bbox: &BBox) -> Vec<usize> {
        let env = AABB::from_corners([bbox.min_lon, bbox.min_lat], [bbox.max_lon, bbox.max_lat]);
        let mut found: Vec<usize> = self.flat.locate_in_envelope(&env).map(|item| item.data as usize).collect();
        found.sort_unstable();
        found
    }
}

fn ranks_before(a: &Neighbour, b: &Neighbour) -> bool {
    (a.distance_m, a.index) < (b.distance_m, b.index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute_nearest(points: &[LonLat], q: LonLat, k: usize, accept: impl Fn(usize) -> bool) -> Vec<(usize, f64)> {
        let mut all: Vec<(usize, f64)> =
            (0..points.len()).filter(|&i| accept(i)).map(|i| (i, geodesic_distance_m(q, points[i]))).collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        all.truncate(k);
        all
    }

    fn cloud(seed: u64, n: usize, lon0: f64, lat0: f64, span: f64) -> Vec<LonLat> {
        let mut rng = crate::sample::SplitMix64::new(seed);
        (0..n).map(|_| LonLat::new(lon0 + span * rng.unit(), lat0 + span * rng.unit()).unwrap()).collect()
    }

    #[test]
    fn nearest_matches_brute_force_order_on_thousands_of_queries() {
        let points = cloud(42, 3_000, 121.2, 29.6, 0.6);
        let index = PointIndex::build(&points);
        for (qi, q) in cloud(7, 2_000, 121.1, 29.5, 0.8).into_iter().enumerate() {
            let k = 1 + qi % 100;
            let got: Vec<(usize, f64)> =
                index.nearest(q, k, |_| true).iter().map(|n| (n.index, n.distance_m)).collect();
            assert_eq!(got, brute_nearest(&points, q, k, |_| true), "query {q} k {k}");
        }
    }

    #[test]
    fn filters_are_applied_before_ranking() {
        let points = cloud(3, 2_000, 121.2, 29.6, 0.6);
        let index = PointIndex::build(&points);
        for q in cloud(9, 500, 121.2, 29.6, 0.6) {
            let got: Vec<usize> = index.nearest(q, 5, |i| i % 7 == 0).iter().map(|n| n.index).collect();
            let want: Vec<usize> = brute_nearest(&points, q, 5, |i| i % 7 == 0).iter().map(|x| x.0).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn equal_distances_go_to_the_lower_position() {
        let p = LonLat::new(121.5, 29.8).unwrap();
        let index = PointIndex::build(&[p, p, p]);
        let got: Vec<usize> =
            index.nearest(LonLat::new(121.6, 29.9).unwrap(), 2, |_| true).iter().map(|n| n.index).collect();
        assert_eq!(got, vec![0, 1]);
    }

    #[test]
    fn an_empty_index_answers_nothing() {
        let index = PointIndex::build(&[]);
        assert!(index.nearest(LonLat::new(0.0, 0.0).unwrap(), 5, |_| true).is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn within_radius_equals_brute_force(seed in 0u64..1_000, lon in 121.0f64..121.8, lat in 29.5f64..30.1, r in 0.0f64..8_000.0) {
            let points = cloud(seed + 1, 800, 121.2, 29.6, 0.5);
            let index = PointIndex::build(&points);
            let q = LonLat::new(lon, lat).unwrap();
            let got: Vec<usize> = index.within(q, r, |_| true).iter().map(|n| n.index).collect();
            let mut want: Vec<(usize, f64)> = (0..points.len())
                .map(|i| (i, geodesic_distance_m(q, points[i])))
                .filter(|x| x.1 <= r)
                .collect();
            want.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            prop_assert_eq!(got, want.into_iter().map(|x| x.0).collect::<Vec<_>>());
        }

        #[test]
        fn bbox_equals_brute_force(seed in 0u64..1_000, a in 121.1f64..121.8, b in 29.5f64..30.1, w in 0.0f64..0.3, h in 0.0f64..0.3) {
            let points = cloud(seed + 1, 800, 121.2, 29.6, 0.5);
            let index = PointIndex::build(&points);
            let bbox = BBox::new(a, b, a + w, b + h).unwrap();
            let want: Vec<usize> = (0..points.len()).filter(|&i| bbox.contains(points[i].lon(), points[i].lat())).collect();
            prop_assert_eq!(index.in_bbox(&bbox), want);
        }
    }
}
