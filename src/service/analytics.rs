//! Leaders' numbers from the live columnar copy of the opinions: H3 hexagon heatmaps, grouped
//! rows and trends, choropleths of towns and grid areas, and the public points of issue tiles.
//! Positions are WGS84 lon/lat degrees; the definitions of the numbers are in [`crate::analytics`].

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use geo::MultiPolygon;
use serde::Serialize;

use super::{Result, Service, ServiceError};
use crate::analytics::query::{clusters, heatmap, stats, Cluster, Hexagon, StatsRow};
use crate::analytics::tally::Metric;
use crate::analytics::{local_day, Facts, Filter, GroupBy, Interval, Summary, Window};
use crate::catalog::Catalog;
use crate::domain::{AreaCode, AreaLevel, Category, StationId};
use crate::formats::geojson::{Feature, FeatureCollection, Shape};
use crate::spatial::hexagons::{outline, HexResolution};
use crate::spatial::tiles::Tile;
use crate::spatial::{BBox, Crs};

/// The filters every analytics question takes, as given (ids not yet checked).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub window: Window,
    pub category: Option<Category>,
    pub station: Option<String>,
    pub town: Option<String>,
    pub bbox: Option<BBox>,
}

impl Service {
    /// Checks a selection against the catalog and makes it a filter for today.
    pub fn analytics_filter(&self, s: &Selection) -> Result<Filter> {
        if let (Some(f), Some(t)) = (s.window.from, s.window.to) {
            if f >= t {
                return Err(ServiceError::invalid("invalid_window", "from must be before to"));
            }
        }
        let catalog = self.catalog();
        if let Some(id) = &s.station {
            let known = StationId::new(id).ok().is_some_and(|id| catalog.station(&id).is_some());
            if !known {
                return Err(ServiceError::invalid("unknown_station", format!("no station has id {id:?}")));
            }
        }
        if let Some(t) = &s.town {
            let known = AreaCode::new(t).ok().and_then(|c| catalog.area(&c).map(|a| a.level == AreaLevel::Town));
            if known != Some(true) {
                return Err(ServiceError::invalid("unknown_town", format!("no town has area code {t:?}")));
            }
        }
        Ok(Filter {
            window: s.window,
            category: s.category,
            station: s.station.clone(),
            town: s.town.clone(),
            bbox: s.bbox,
            today: local_day(self.now().timestamp()),
        })
    }

    /// Runs a computation over the facts off the async threads.
    pub(super) async fn compute<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Facts) -> T + Send + 'static,
    ) -> Result<T> {
        let live = self.facts.clone();
        tokio::task::spawn_blocking(move || work(&live.read()))
            .await
            .map_err(|e| ServiceError::Internal(format!("analytics: {e}")))
    }

    /// Like [`Service::compute`], answered from [`Answers`] when the same question (`key`: every
    /// input of `work`) was asked of the same facts.
    async fn remembered<T: Clone + Send + Sync + 'static>(
        &self,
        key: String,
        work: impl FnOnce(&Facts) -> T + Send + 'static,
    ) -> Result<T> {
        let answers = self.answers.clone();
        self.compute(move |f| {
            if let Some(known) = answers.get::<T>(f.seq, &key) {
                return known;
            }
            let answer = work(f);
            answers.put(f.seq, key, answer.clone());
            answer
        })
        .await
    }

    /// Hexagons of resolution `res` with their numbers, `metric` copied into `value`.
    pub async fn heatmap(&self, s: &Selection, res: HexResolution, metric: Metric) -> Result<Heatmap> {
        let filter = self.analytics_filter(s)?;
        let key = format!("heatmap {filter:?} {res:?}");
        let cells = self.remembered(key, move |f| heatmap(f, &filter, res)).await?;
        Ok(Heatmap { cells, metric })
    }

    /// Every number per group and period.
    pub async fn stats(&self, s: &Selection, by: Option<GroupBy>, interval: Option<Interval>) -> Result<Stats> {
        let filter = self.analytics_filter(s)?;
        let key = format!("stats {filter:?} {by:?} {interval:?}");
        let rows = self.remembered(key, move |f| stats(f, &filter, by, interval)).await?;
        Ok(Stats { catalog: self.catalog(), by, interval, rows })
    }

    /// Every town (or grid area) with its numbers, for a choropleth: areas without opinions too.
    pub async fn area_stats(&self, s: &Selection, level: ChoroplethLevel, metric: Metric) -> Result<AreaStats> {
        let by = match level {
            ChoroplethLevel::Town => GroupBy::Town,
            ChoroplethLevel::Grid => GroupBy::Grid,
        };
        let filter = self.analytics_filter(s)?;
        let rows = self.compute(move |f| stats(f, &filter, Some(by), None)).await?;
        Ok(AreaStats { catalog: self.catalog(), level, metric, rows })
    }

    /// The opinions in a tile, one point per position of the public ~100 m grid.
    pub async fn tile_points(&self, s: &Selection, tile: Tile) -> Result<Vec<Cluster>> {
        let mut filter = self.analytics_filter(s)?;
        let b = tile.bounds();
        // Every exact position that rounds into the tile lies within half a grid step of it.
        let margin = 0.0006;
        filter.bbox = Some(BBox {
            min_lon: b.min_lon - margin,
            min_lat: b.min_lat - margin,
            max_lon: b.max_lon + margin,
            max_lat: b.max_lat + margin,
        });
        self.compute(move |f| clusters(f, &filter, |lon, lat| tile.holds(lon, lat))).await
    }
}

/// The last analytics answers, by question, while the facts keep their change number: the
/// dashboard's page and its script ask the same questions within a second, and wall screens ask
/// them again and again. Any change to the opinions (a new `seq`) forgets them all; the question's
/// key holds the filter's day, so that a new day asks afresh.
#[derive(Default)]
pub struct Answers {
    /// The facts' change number, and the answers to it by question, oldest first.
    kept: std::sync::Mutex<(i64, std::collections::VecDeque<(String, Answer)>)>,
}

/// An answer of any type.
type Answer = Arc<dyn std::any::Any + Send + Sync>;

impl Answers {
    /// Questions kept: the dashboard's views ask seven at a time.
    const KEPT: usize = 32;

    fn get<T: Clone + 'static>(&self, seq: i64, key: &str) -> Option<T> {
        let kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.0 != seq {
            return None;
        }
        kept.1.iter().find(|(k, _)| k == key).and_then(|(_, a)| a.downcast_ref::<T>()).cloned()
    }

    fn put<T: Send + Sync + 'static>(&self, seq: i64, key: String, answer: T) {
        let mut kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.0 != seq {
            *kept = (seq, Default::default());
        }
        kept.1.retain(|(k, _)| *k != key);
        if kept.1.len() == Self::KEPT {
            kept.1.pop_front();
        }
        kept.1.push_back((key, Arc::new(answer)));
    }
}

/// A heatmap's cells; render with [`Heatmap::features`].
pub struct Heatmap {
    pub cells: Vec<Hexagon>,
    pub metric: Metric,
}

/// A hexagon's properties: every number, or only the count for a cell with few opinions.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HexProperties<'a> {
    pub h3: String,
    /// The requested metric's value.
    pub value: Option<f64>,
    #[serde(flatten)]
    pub numbers: Numbers<'a>,
}

/// Schemas: anyOf (not utoipa's oneOf for untagged enums), as every number includes the count.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Numbers<'a> {
    All(&'a Summary),
    CountOnly { count: u32 },
}

impl Heatmap {
    /// The cells as GeoJSON polygons in `crs`; `outlines` must be [`Heatmap::outlines`]. With
    /// `every_number` false, each cell carries only its `h3`, `value` and `count`: the compact
    /// answer a map draws from (a whole district at resolution 9 in a few megabytes).
    pub fn features<'a>(
        &'a self,
        outlines: &'a [geo::Polygon<f64>],
        crs: Crs,
        every_number: bool,
    ) -> FeatureCollection<Feature<'a, HexProperties<'a>>> {
        let metric = self.metric;
        let features = self
            .cells
            .iter()
            .zip(outlines)
            .map(|(h, shape)| {
                let (value, numbers) = match &h.summary {
                    Some(s) if every_number => (metric.value(s), Numbers::All(s)),
                    Some(s) => (metric.value(s), Numbers::CountOnly { count: h.count }),
                    None => {
                        ((metric == Metric::Count).then_some(f64::from(h.count)), Numbers::CountOnly { count: h.count })
                    }
                };
                Feature::new(HexProperties { h3: h.cell.to_string(), value, numbers }, Shape::Polygon(shape), crs)
            })
            .collect();
        FeatureCollection::new(features)
    }

    /// Each cell's outline, WGS84.
    pub fn outlines(&self) -> Vec<geo::Polygon<f64>> {
        self.cells.iter().map(|h| outline(h.cell)).collect()
    }
}

/// Grouped rows with the catalog that names their groups.
pub struct Stats {
    catalog: Arc<Catalog>,
    pub by: Option<GroupBy>,
    pub interval: Option<Interval>,
    pub rows: Vec<StatsRow>,
}

/// A stats row as answers show it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RowView<'a> {
    pub group: Option<&'a str>,
    pub name: Option<String>,
    pub period: Option<NaiveDate>,
    #[serde(flatten)]
    pub summary: &'a Summary,
}

/// The rows answered as JSON.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatsView<'a> {
    pub group_by: Option<GroupBy>,
    pub interval: Option<Interval>,
    pub rows: Vec<RowView<'a>>,
}

impl Stats {
    pub fn rows(&self) -> Vec<RowView<'_>> {
        self.rows
            .iter()
            .map(|r| RowView {
                group: r.group.as_deref(),
                name: group_name(&self.catalog, self.by, r.group.as_deref()),
                period: r.period,
                summary: &r.summary,
            })
            .collect()
    }

    pub fn view(&self) -> StatsView<'_> {
        StatsView { group_by: self.by, interval: self.interval, rows: self.rows() }
    }
}

/// The name people know a group by, from the catalog.
fn group_name(catalog: &Catalog, by: Option<GroupBy>, id: Option<&str>) -> Option<String> {
    let id = id?;
    match by? {
        GroupBy::Town => catalog.area(&AreaCode::new(id).ok()?).map(|a| a.name.clone()),
        GroupBy::Station => catalog.station(&StationId::new(id).ok()?).map(|s| s.name.clone()),
        GroupBy::Member => catalog.member(&id.parse().ok()?).map(|m| m.name.clone()),
        GroupBy::Grid => catalog.grid(&id.parse().ok()?).map(|g| g.name.clone()),
        GroupBy::Category => id.parse::<Category>().ok().map(|c| c.label_zh().to_owned()),
    }
}

/// The areas a choropleth colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoroplethLevel {
    Town,
    Grid,
}

/// Towns or grid areas with their numbers.
pub struct AreaStats {
    catalog: Arc<Catalog>,
    level: ChoroplethLevel,
    metric: Metric,
    rows: Vec<StatsRow>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AreaStatsProperties<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub value: Option<f64>,
    #[serde(flatten)]
    pub summary: &'a Summary,
}

impl AreaStats {
    /// Every area as a GeoJSON feature in `crs`, with `empty` for areas without opinions.
    pub fn features<'a>(
        &'a self,
        empty: &'a Summary,
        crs: Crs,
    ) -> FeatureCollection<Feature<'a, AreaStatsProperties<'a>>> {
        let by_id: HashMap<&str, &Summary> =
            self.rows.iter().filter_map(|r| Some((r.group.as_deref()?, &r.summary))).collect();
        let areas: Vec<(&str, &str, &MultiPolygon<f64>)> = match self.level {
            ChoroplethLevel::Grid => {
                self.catalog.grids().iter().map(|g| (g.id.as_str(), g.name.as_str(), &g.geometry)).collect()
            }
            ChoroplethLevel::Town => self
                .catalog
                .areas()
                .iter()
                .filter(|a| a.level == AreaLevel::Town)
                .map(|a| (a.code.as_str(), a.name.as_str(), &a.geometry))
                .collect(),
        };
        let features = areas
            .into_iter()
            .map(|(id, name, geometry)| {
                let s = by_id.get(id).copied().unwrap_or(empty);
                Feature::new(
                    AreaStatsProperties { id, name, value: self.metric.value(s), summary: s },
                    Shape::Area(geometry),
                    crs,
                )
            })
            .collect();
        FeatureCollection::new(features)
    }
}

/// The numbers of an empty group, for areas without opinions.
pub fn empty_summary() -> Summary {
    Summary::new(&Default::default(), &mut [])
}

impl utoipa::PartialSchema for Numbers<'_> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, SchemaType, Type};
        let count_only = ObjectBuilder::new()
            .property("count", ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer)).minimum(Some(0)))
            .required("count");
        AnyOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name("Summary"))
            .item(count_only)
            .description(Some("Every number, or for a cell of fewer than 5 opinions its count only"))
            .into()
    }
}

impl utoipa::ToSchema for Numbers<'_> {
    fn schemas(s: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        s.push(("Summary".into(), <Summary as utoipa::PartialSchema>::schema()));
        <Summary as utoipa::ToSchema>::schemas(s);
    }
}

/// Schema-only types for the GeoJSON the leaders' numbers are answered in.
pub mod schema {
    use super::{AreaStatsProperties, HexProperties};

    crate::feature_schema!(HexFeature: HexProperties, Polygon, "An H3 hexagon with its numbers");
    crate::collection_schema!(HexCollection: HexFeature, "A heatmap: one Polygon feature per H3 cell");
    crate::feature_schema!(
        AreaStatsFeature: AreaStatsProperties,
        MultiPolygon,
        "A town or grid area with its numbers and value (the chosen metric)"
    );
    crate::collection_schema!(AreaStatsCollection: AreaStatsFeature, "A choropleth: one feature per area");
}

#[cfg(test)]
mod tests {
    use super::Answers;

    #[test]
    fn answers_are_kept_per_question_while_the_facts_keep_their_change_number() {
        let answers = Answers::default();
        answers.put(7, "a".into(), vec![1u32]);
        assert_eq!(answers.get::<Vec<u32>>(7, "a"), Some(vec![1]));
        assert_eq!(answers.get::<Vec<u32>>(7, "b"), None, "another question");
        assert_eq!(answers.get::<String>(7, "a"), None, "another type");
        assert_eq!(answers.get::<Vec<u32>>(8, "a"), None, "the facts changed");
        answers.put(8, "b".into(), vec![2u32]);
        assert_eq!(answers.get::<Vec<u32>>(8, "a"), None, "a change forgets the older answers");
        for i in 0..Answers::KEPT {
            answers.put(8, format!("q{i}"), vec![i as u32]);
        }
        assert_eq!(answers.get::<Vec<u32>>(8, "b"), None, "the oldest goes first");
        assert_eq!(answers.get::<Vec<u32>>(8, "q0"), Some(vec![0]));
    }
}
