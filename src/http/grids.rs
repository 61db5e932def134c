//! `/api/v1/grids`: grid areas in a box, one grid, and "who is my member" for a point.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::error::{ApiQuery, AppError};
use super::params;
use super::views::{self, feature_collection};
use super::AppState;
use crate::catalog::{GridMiss, NEAR_BOUNDARY_M};
use crate::domain::GridId;
use crate::formats::records::grid_properties;

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

async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Json<Value>, AppError> {
    let crs = params::crs(&p.crs)?;
    let bbox = params::bbox(&p.bbox, crs)?;
    let catalog = state.catalog();
    Ok(Json(feature_collection(
        catalog.grids_in(bbox.as_ref()).into_iter().map(|g| views::grid_plain(g, crs)).collect(),
    )))
}

#[derive(Debug, serde::Deserialize)]
struct OneParams {
    crs: Option<String>,
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<OneParams>,
) -> Result<Json<Value>, AppError> {
    let crs = params::crs(&p.crs)?;
    let catalog = state.catalog();
    let grid =
        GridId::new(&id).ok().and_then(|id| catalog.grid(&id)).ok_or_else(|| AppError::not_found("grid", &id))?;
    Ok(Json(views::grid_plain(grid, crs)))
}

#[derive(Debug, serde::Deserialize)]
struct AtParams {
    lon: Option<String>,
    lat: Option<String>,
    crs: Option<String>,
    sessions: Option<String>,
}

async fn at(State(state): State<AppState>, ApiQuery(p): ApiQuery<AtParams>) -> Result<Json<Value>, AppError> {
    let crs = params::crs(&p.crs)?;
    let q = params::position(&p.lon, &p.lat, crs)?;
    let sessions = params::integer("sessions", &p.sessions, views::DEFAULT_SESSIONS, 0..=50)?;
    let catalog = state.catalog();
    let hit = catalog.grid_at(q).map_err(|miss| match miss {
        GridMiss::NoGrids => AppError::NotFound { code: "no_grid", message: "no grid areas have been imported".into(), extra: Map::new() },
        GridMiss::Outside { nearest, distance_m } => {
            let mut extra = Map::new();
            extra.insert("nearest".into(), json!({ "id": nearest.id, "code": nearest.code, "name": nearest.name, "distance_m": (distance_m * 10.0).round() / 10.0 }));
            AppError::NotFound {
                code: "no_grid",
                message: format!("no grid area contains this point; the nearest is {} ({}), {:.0} m away", nearest.name, nearest.id, distance_m),
                extra,
            }
        }
    })?;
    let now = state.now();
    let mut p = grid_properties(hit.grid);
    let members: Vec<Value> = hit
        .grid
        .members
        .iter()
        .filter_map(|id| catalog.member(id))
        .map(|m| views::member_detail(&catalog, m, now, sessions))
        .collect();
    p.insert("members".into(), members.into());
    p.insert(
        "station".into(),
        hit.grid
            .station
            .as_ref()
            .and_then(|id| catalog.station(id))
            .map_or(Value::Null, |s| views::station_detail(&catalog, s, now, sessions, crs)),
    );
    p.insert("town".into(), hit.town.map_or(Value::Null, views::area_ref));
    p.insert("near_boundary".into(), hit.near_boundary().into());
    p.insert("edge_distance_m".into(), ((hit.edge_distance_m * 10.0).round() / 10.0).into());
    p.insert("near_boundary_m".into(), NEAR_BOUNDARY_M.into());
    p.insert(
        "neighbour".into(),
        hit.neighbour.map_or(
            Value::Null,
            |(g, d)| json!({ "id": g.id, "code": g.code, "name": g.name, "distance_m": (d * 10.0).round() / 10.0 }),
        ),
    );
    Ok(Json(views::grid_feature(hit.grid, p, crs)))
}
