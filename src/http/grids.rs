//! `/api/v1/grids`: grid areas in a box, one grid, and "who is my member" for a point.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::error::{ApiQuery, AppError};
use super::params;
use super::views::{self, round_m};
use super::AppState;
use crate::catalog::{GridMiss, NEAR_BOUNDARY_M};
use crate::domain::{GridArea, GridId};
use crate::formats::geojson::{Feature, FeatureCollection, Shape};
use crate::formats::records::GridProperties;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/grids", get(list))
        .route("/api/v1/grids/at", get(at))
        .route("/api/v1/grids/{id}", get(one))
}

#[derive(Debug, serde::Deserialize)]
struct ListParams {
    bbox: Option<String>,
    crs: Option<String>,
}

async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let bbox = params::bbox(&p.bbox, crs)?;
    let catalog = state.catalog();
    let features = catalog.grids_in(bbox.as_ref()).into_iter().map(|g| views::grid_feature(g, crs)).collect();
    Ok(Json(FeatureCollection::new(features)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct OneParams {
    crs: Option<String>,
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let catalog = state.catalog();
    let grid =
        GridId::new(&id).ok().and_then(|id| catalog.grid(&id)).ok_or_else(|| AppError::not_found("grid", &id))?;
    Ok(Json(views::grid_feature(grid, crs)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct AtParams {
    lon: Option<String>,
    lat: Option<String>,
    crs: Option<String>,
    sessions: Option<String>,
}

/// A grid answered to "who is my member": members with their sessions, the station, the town,
/// and how close the point is to the grid's edge.
#[derive(Serialize)]
struct GridAtView<'a> {
    #[serde(flatten)]
    base: GridProperties<'a>,
    #[serde(rename = "members")]
    member_details: Vec<Value>,
    #[serde(rename = "station")]
    station_detail: Value,
    town: Value,
    near_boundary: bool,
    edge_distance_m: f64,
    near_boundary_m: f64,
    neighbour: Option<GridRef<'a>>,
}

#[derive(Serialize)]
struct GridRef<'a> {
    id: &'a GridId,
    code: &'a str,
    name: &'a str,
    distance_m: f64,
}

impl<'a> GridRef<'a> {
    fn new(g: &'a GridArea, distance_m: f64) -> Self {
        Self { id: &g.id, code: &g.code, name: &g.name, distance_m: round_m(distance_m) }
    }
}

async fn at(State(state): State<AppState>, ApiQuery(p): ApiQuery<AtParams>) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let q = params::position(&p.lon, &p.lat, crs)?;
    let sessions = params::integer("sessions", &p.sessions, views::DEFAULT_SESSIONS, 0..=50)?;
    let catalog = state.catalog();
    let hit = catalog.grid_at(q).map_err(|miss| match miss {
        GridMiss::NoGrids => AppError::NotFound {
            code: "no_grid",
            message: "no grid areas have been imported".into(),
            extra: Map::new(),
        },
        GridMiss::Outside { nearest, distance_m } => {
            let mut extra = Map::new();
            extra.insert("nearest".into(), json!(GridRef::new(nearest, distance_m)));
            let message = format!(
                "no grid area contains this point; the nearest is {} ({}), {:.0} m away",
                nearest.name, nearest.id, distance_m
            );
            AppError::NotFound { code: "no_grid", message, extra }
        }
    })?;
    let now = state.now();
    let grid = hit.grid;
    let view = GridAtView {
        base: GridProperties::from(grid),
        member_details: grid
            .members
            .iter()
            .filter_map(|id| catalog.member(id))
            .map(|m| views::member_detail(&catalog, m, now, sessions))
            .collect(),
        station_detail: grid
            .station
            .as_ref()
            .and_then(|id| catalog.station(id))
            .map_or(Value::Null, |s| views::station_detail(&catalog, s, now, sessions, crs)),
        town: hit.town.map_or(Value::Null, views::area_ref),
        near_boundary: hit.near_boundary(),
        edge_distance_m: round_m(hit.edge_distance_m),
        near_boundary_m: NEAR_BOUNDARY_M,
        neighbour: hit.neighbour.map(|(g, d)| GridRef::new(g, d)),
    };
    Ok(Json(Feature::new(view, Shape::Area(&grid.geometry), crs)).into_response())
}
