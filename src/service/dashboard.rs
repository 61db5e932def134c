//! The leaders' dashboard's view in one answer: the district's and the chosen scope's numbers,
//! the ranking, the monthly trend, the categories, the reply times and what the map colours, for
//! the page to carry at its first paint (the same questions `web/dashboard.js` asks the API, with
//! the same filters). Positions are WGS84 lon/lat degrees.

use std::collections::HashMap;

use geo::MultiPolygon;

use super::analytics::{ChoroplethLevel, Selection, Stats};
use super::{Result, Service};
use crate::analytics::tally::Metric;
use crate::analytics::{GroupBy, Interval};
use crate::domain::AreaLevel;
use crate::spatial::hexagons::{outline, HexResolution};

/// What the map of a dashboard view draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DashboardLayer {
    /// H3 hexagons of this resolution.
    Hexagons(HexResolution),
    /// Towns or grid areas.
    Areas(ChoroplethLevel),
}

/// One dashboard view, as its controls choose it.
#[derive(Debug, Clone)]
pub struct DashboardQuery {
    pub selection: Selection,
    /// What the ranking lists: towns, stations or members.
    pub ranking: GroupBy,
    pub layer: DashboardLayer,
    pub metric: Metric,
}

/// A shape the map colours, with its number and opinions.
pub struct MapShape {
    pub shape: MultiPolygon<f64>,
    /// The metric's value; `None` where too few opinions give it.
    pub value: Option<f64>,
    pub count: u32,
}

/// Everything a dashboard view shows.
pub struct DashboardView {
    /// The whole district (the window and category only).
    pub district: Stats,
    /// The chosen town and/or station, when one is chosen.
    pub scope: Option<Stats>,
    pub ranking: Stats,
    /// By month.
    pub trend: Stats,
    pub categories: Stats,
    /// Reply times by town, or by station within a chosen town.
    pub reply: Stats,
    pub map: Vec<MapShape>,
}

/// A list by `level` keeps the filters of the levels above it, never its own (the town ranking
/// shows every town with the chosen one picked out): as `LEVEL_SCOPE` in `web/dashboard.js`.
fn scoped(s: &Selection, level: GroupBy) -> Selection {
    let mut s = s.clone();
    match level {
        GroupBy::Town => (s.town, s.station) = (None, None),
        GroupBy::Station => s.station = None,
        GroupBy::Member | GroupBy::Grid | GroupBy::Category => {}
    }
    s
}

impl Service {
    /// The numbers of one dashboard view (see [`DashboardView`]).
    pub async fn dashboard(&self, q: &DashboardQuery) -> Result<DashboardView> {
        let s = &q.selection;
        let district = self.stats(&scoped(s, GroupBy::Town), None, None).await?;
        let scope = match s.town.is_some() || s.station.is_some() {
            true => Some(self.stats(s, None, None).await?),
            false => None,
        };
        let ranking = self.stats(&scoped(s, q.ranking), Some(q.ranking), None).await?;
        let trend = self.stats(s, None, Some(Interval::Month)).await?;
        let categories = self.stats(s, Some(GroupBy::Category), None).await?;
        let reply_by = if s.town.is_some() { GroupBy::Station } else { GroupBy::Town };
        let reply = self.stats(&scoped(s, reply_by), Some(reply_by), None).await?;
        let map = match q.layer {
            DashboardLayer::Hexagons(res) => {
                let heatmap = self.heatmap(s, res, q.metric).await?;
                heatmap
                    .cells
                    .iter()
                    .map(|h| MapShape {
                        shape: MultiPolygon(vec![outline(h.cell)]),
                        value: match &h.summary {
                            Some(summary) => q.metric.value(summary),
                            None => (q.metric == Metric::Count).then_some(f64::from(h.count)),
                        },
                        count: h.count,
                    })
                    .collect()
            }
            DashboardLayer::Areas(level) => {
                let by = match level {
                    ChoroplethLevel::Town => GroupBy::Town,
                    ChoroplethLevel::Grid => GroupBy::Grid,
                };
                let stats = self.stats(&scoped(s, by), Some(by), None).await?;
                let catalog = self.catalog();
                let by_id: HashMap<&str, _> =
                    stats.rows.iter().filter_map(|r| Some((r.group.as_deref()?, &r.summary))).collect();
                let shapes: Vec<(&str, &MultiPolygon<f64>)> = match level {
                    ChoroplethLevel::Town => catalog
                        .areas()
                        .iter()
                        .filter(|a| a.level == AreaLevel::Town)
                        .map(|a| (a.code.as_str(), &a.geometry))
                        .collect(),
                    ChoroplethLevel::Grid => catalog.grids().iter().map(|g| (g.id.as_str(), &g.geometry)).collect(),
                };
                let empty = super::analytics::empty_summary();
                shapes
                    .into_iter()
                    .map(|(id, shape)| {
                        let summary = by_id.get(id).copied().unwrap_or(&empty);
                        MapShape { shape: shape.clone(), value: q.metric.value(summary), count: summary.counts.count }
                    })
                    .collect()
            }
        };
        Ok(DashboardView { district, scope, ranking, trend, categories, reply, map })
    }
}
