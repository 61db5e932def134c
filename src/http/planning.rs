//! Planners' questions: `POST /api/v1/planning/coverage` (who the stations reach within a radius)
//! and `POST /api/v1/planning/sites` (where new sites reach the most: MCLP, LSCP, p-median). JSON
//! in and out; positions in the body's `crs` (default WGS84 lon/lat degrees), distances in WGS84
//! geodesic metres. Parsing and rendering only: the questions are [`crate::service::planning`].

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::Authenticated;
use super::error::{ApiJson, ApiPath, ApiQuery, AppError, ErrorBody};
use super::params;
use super::AppState;
use crate::domain::DemandPoint;
use crate::formats::geojson::{round7, Feature, FeatureCollection, Shape};
use crate::service::planning::{
    Candidates, Comparison, CoverageAnswer, CoverageRequest, Demand, Existing, Model, Scenario, ScenarioSummary, Site,
    SitingAnswer, SitingRequest,
};
use crate::spatial::hexagons::outline;
use crate::spatial::Crs;

/// The largest body: 200,000 demand points with ids fit in about 16 MB.
pub const MAX_PLANNING_BODY_BYTES: usize = 24 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/planning/coverage", post(coverage))
        .route("/api/v1/planning/sites", post(sites))
        .route("/api/v1/planning/scenarios", post(save_scenario).get(list_scenarios))
        .route("/api/v1/planning/scenarios/{name}", get(one_scenario).delete(delete_scenario))
        .route("/api/v1/planning/compare", get(compare))
        .layer(DefaultBodyLimit::max(MAX_PLANNING_BODY_BYTES))
}

/// A coverage question.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CoverageQuestion)]
struct CoverageBody {
    /// Covered means within this many metres (geodesic) of a station; above 0, at most 100,000.
    #[schema(example = 1500)]
    radius_m: f64,
    /// `"population"` (default: the stored residents), `"opinions"` (opinions counted in H3 cells
    /// of resolution 9) or `[{"id","lon","lat","weight"}]`.
    #[schema(value_type = Option<Object>)]
    demand: Option<Value>,
    /// `"stations"` (default: the stored stations but online ones) or `[{"id","lon","lat"}]`.
    #[schema(value_type = Option<Object>)]
    stations: Option<Value>,
    /// The H3 resolution of the uncovered cells (default 8, ≈0.74 km² a cell).
    #[schema(minimum = 6, maximum = 10)]
    cells_res: Option<u8>,
    /// The coordinate system of positions in and out (default wgs84).
    #[schema(value_type = Option<Crs>)]
    crs: Option<String>,
}

/// A siting question.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SitingQuestion)]
struct SitesBody {
    model: Model,
    /// Sites to add (mclp, pmedian): at least 1, at most the candidates.
    p: Option<usize>,
    /// Covered means within this many metres (geodesic) of a facility.
    #[schema(example = 1500)]
    radius_m: f64,
    /// lscp: the share of the demand weight to cover, in (0, 1].
    target_coverage: Option<f64>,
    /// `"population"` (default), `"opinions"` or `[{"id","lon","lat","weight"}]`.
    #[schema(value_type = Option<Object>)]
    demand: Option<Value>,
    /// `{"h3_res": 9}` (default: the centres of the H3 cells of that resolution, 7–10, inside the
    /// district) or `[{"id","lon","lat"}]`.
    #[schema(value_type = Option<Object>)]
    candidates: Option<Value>,
    /// Facilities already there (they cover but do not count toward p): `"stations"` (default),
    /// `"none"` or `[{"id","lon","lat"}]`.
    #[schema(value_type = Option<Object>)]
    existing: Option<Value>,
    /// The coordinate system of positions in and out (default wgs84).
    #[schema(value_type = Option<Crs>)]
    crs: Option<String>,
}

fn invalid(field: &str, message: impl std::fmt::Display) -> AppError {
    AppError::Unprocessable { code: "invalid_body", message: format!("{field}: {message}") }
}

/// `[{"id","lon","lat"[,"weight"]}]` as (id, WGS84 position, weight).
fn points(
    field: &str,
    value: &Value,
    crs: Crs,
    weighted: bool,
) -> Result<Vec<(String, crate::domain::LonLat, f64)>, AppError> {
    let Value::Array(items) = value else {
        return Err(invalid(field, "expected a list of points or a name"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = |m: &str| invalid(&format!("{field}[{i}]"), m);
            let Value::Object(o) = item else { return Err(at("expected an object {\"id\",\"lon\",\"lat\"}")) };
            let id = match o.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                None => (i + 1).to_string(),
                Some(_) => return Err(at("id must be text or a number")),
            };
            let number = |key: &str| o.get(key).and_then(Value::as_f64);
            let (Some(lon), Some(lat)) = (number("lon"), number("lat")) else {
                return Err(at("lon and lat must be numbers"));
            };
            let position = params::lonlat(lon, lat, crs).map_err(|e| at(&e.to_string()))?;
            let weight = match o.get("weight") {
                None if weighted => 1.0,
                None => 0.0,
                Some(w) => w.as_f64().ok_or_else(|| at("weight must be a number"))?,
            };
            Ok((id, position, weight))
        })
        .collect()
}

fn demand(value: &Option<Value>, crs: Crs) -> Result<Demand, AppError> {
    match value {
        None => Ok(Demand::Population),
        Some(Value::String(s)) if s == "population" => Ok(Demand::Population),
        Some(Value::String(s)) if s == "opinions" => Ok(Demand::Opinions),
        Some(Value::String(s)) => {
            Err(invalid("demand", format!("{s:?} is not a demand: population, opinions or a list")))
        }
        Some(v) => points("demand", v, crs, true)?
            .into_iter()
            .enumerate()
            .map(|(i, (id, position, weight))| {
                DemandPoint::new(id, position, weight).map_err(|e| invalid(&format!("demand[{i}]"), e))
            })
            .collect::<Result<_, _>>()
            .map(Demand::Points),
    }
}

fn sites_of(field: &str, value: &Value, crs: Crs) -> Result<Vec<Site>, AppError> {
    Ok(points(field, value, crs, false)?.into_iter().map(|(id, position, _)| Site { id, position }).collect())
}

fn existing(field: &str, value: &Option<Value>, crs: Crs) -> Result<Existing, AppError> {
    match value {
        None => Ok(Existing::Stations),
        Some(Value::String(s)) if s == "stations" => Ok(Existing::Stations),
        Some(Value::String(s)) if s == "none" => Ok(Existing::None),
        Some(Value::String(s)) => Err(invalid(field, format!("{s:?} is not a set of sites: stations, none or a list"))),
        Some(v) => sites_of(field, v, crs).map(Existing::Points),
    }
}

fn candidates(value: &Option<Value>, crs: Crs) -> Result<Candidates, AppError> {
    match value {
        None => Ok(Candidates::Cells(9)),
        Some(Value::Object(o)) => match (o.get("h3_res").and_then(Value::as_u64), o.len()) {
            (Some(res), 1) => Ok(Candidates::Cells(res.min(255) as u8)),
            _ => Err(invalid("candidates", "expected {\"h3_res\": 7-10} or a list of sites")),
        },
        Some(v) => sites_of("candidates", v, crs).map(Candidates::Points),
    }
}

fn siting_request(body: SitesBody) -> Result<(SitingRequest, Crs), AppError> {
    let crs = params::crs(&body.crs)?;
    let request = SitingRequest {
        model: body.model,
        p: body.p,
        radius_m: body.radius_m,
        target_coverage: body.target_coverage,
        demand: demand(&body.demand, crs)?,
        candidates: candidates(&body.candidates, crs)?,
        existing: existing("existing", &body.existing, crs)?,
    };
    Ok((request, crs))
}

/// One cell of uncovered demand.
#[derive(Serialize, utoipa::ToSchema)]
struct UncoveredProperties {
    h3: String,
    weight: f64,
    points: usize,
}

/// A coverage answer: the numbers, and the uncovered demand as H3 cells.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoverageResult)]
struct CoverageResponse<'a> {
    #[serde(flatten)]
    answer: &'a CoverageAnswer,
    /// Polygon features, one per H3 cell holding uncovered demand, heaviest first.
    #[schema(value_type = Object)]
    uncovered_cells: FeatureCollection<Feature<'a, UncoveredProperties>>,
}

/// Share of demand within `radius_m` of a station, overall and by town; weighted distances to the
/// nearest station; the uncovered demand as H3 cells.
#[utoipa::path(
    post,
    path = "/api/v1/planning/coverage",
    tag = "planning",
    request_body = CoverageBody,
    responses(
        (status = 200, description = "Coverage", body = CoverageResponse),
        (status = 400, description = "Not JSON, an unknown crs or resolution", body = ErrorBody),
        (status = 413, description = "The body is larger than 24 MiB", body = ErrorBody),
        (status = 422, description = "A bad radius, no demand, a malformed point, too many points", body = ErrorBody),
    )
)]
async fn coverage(State(state): State<AppState>, ApiJson(body): ApiJson<CoverageBody>) -> Result<Response, AppError> {
    let crs = params::crs(&body.crs)?;
    let request = CoverageRequest {
        radius_m: body.radius_m,
        demand: demand(&body.demand, crs)?,
        stations: existing("stations", &body.stations, crs)?,
        cells_res: body.cells_res.unwrap_or(8),
    };
    let answer = state.service.coverage(request).await?;
    let shapes: Vec<_> = answer.uncovered.iter().map(|c| outline(c.cell)).collect();
    let features = answer
        .uncovered
        .iter()
        .zip(&shapes)
        .map(|(c, shape)| {
            let properties = UncoveredProperties { h3: c.cell.to_string(), weight: c.weight, points: c.points };
            Feature::new(properties, Shape::Polygon(shape), crs)
        })
        .collect();
    Ok(Json(CoverageResponse { answer: &answer, uncovered_cells: FeatureCollection::new(features) }).into_response())
}

/// Where new sites reach the most demand (mclp: `p` sites covering the most within the radius;
/// lscp: the fewest reaching `target_coverage`; pmedian: `p` sites nearest to the demand),
/// existing facilities kept. `chosen` is in building order; `gap` says how far from optimal the
/// answer can be (from a Lagrangian bound).
#[utoipa::path(
    post,
    path = "/api/v1/planning/sites",
    tag = "planning",
    request_body = SitesBody,
    responses(
        (status = 200, description = "The plan", body = SitingAnswer),
        (status = 400, description = "Not JSON, an unknown crs, an unknown h3_res", body = ErrorBody),
        (status = 413, description = "The body is larger than 24 MiB", body = ErrorBody),
        (status = 422, description = "An unknown model, no demand or candidates, p out of range, a bad radius or target, an instance too large", body = ErrorBody),
    )
)]
async fn sites(State(state): State<AppState>, ApiJson(body): ApiJson<SitesBody>) -> Result<Response, AppError> {
    let (request, crs) = siting_request(body)?;
    let mut answer: SitingAnswer = state.service.plan_sites(request).await?;
    for c in &mut answer.chosen {
        let (lon, lat) = crs.from_wgs84(c.lon, c.lat);
        (c.lon, c.lat) = (round7(lon), round7(lat));
    }
    Ok(Json(answer).into_response())
}

/// A plan to compute and save under a name.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ScenarioQuestion)]
struct ScenarioBody {
    /// 1–80 characters, unique, without '/'.
    #[schema(example = "石碶 two more points")]
    name: String,
    plan: SitesBody,
}

/// Computes a plan and saves it under a name (positions stored and answered in WGS84).
#[utoipa::path(
    post,
    path = "/api/v1/planning/scenarios",
    tag = "planning",
    request_body = ScenarioBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The saved scenario", body = Scenario),
        (status = 400, description = "Not JSON, an unknown crs or h3_res", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not staff, a leader or an administrator", body = ErrorBody),
        (status = 409, description = "A scenario of that name exists", body = ErrorBody),
        (status = 422, description = "A bad name, or a plan refused as by /planning/sites", body = ErrorBody),
    )
)]
async fn save_scenario(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiJson(body): ApiJson<ScenarioBody>,
) -> Result<Response, AppError> {
    let (request, _) = siting_request(body.plan)?;
    let scenario = state.service.save_scenario(&who, &body.name, request).await?;
    Ok((StatusCode::CREATED, Json(scenario)).into_response())
}

/// The saved scenarios, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/planning/scenarios",
    tag = "planning",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Summaries", body = Vec<ScenarioSummary>),
        (status = 401, description = "No or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not staff, a leader or an administrator", body = ErrorBody),
    )
)]
async fn list_scenarios(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Response, AppError> {
    Ok(Json(state.service.scenarios(&who).await?).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportParams {
    /// json (default: the whole scenario), geojson (the chosen sites as Point features) or csv.
    format: Option<String>,
    /// The coordinate system of positions out, for geojson and csv (default wgs84).
    #[param(value_type = Option<Crs>)]
    crs: Option<String>,
}

/// A chosen site as a GeoJSON feature's properties.
#[derive(Serialize)]
struct SiteProperties<'a> {
    order: usize,
    id: &'a str,
    added_weight: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    saved_weighted_m: Option<f64>,
    town: Option<&'a str>,
}

/// One saved scenario, or its chosen sites as GeoJSON or CSV (in building order).
#[utoipa::path(
    get,
    path = "/api/v1/planning/scenarios/{name}",
    tag = "planning",
    params(("name" = String, Path, description = "The scenario's name"), ExportParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The scenario (json), its sites (geojson: Point features; csv: order,id,lon,lat,added_weight,town)", body = Scenario),
        (status = 400, description = "An unknown format or crs, or a path segment that is not UTF-8", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not staff, a leader or an administrator", body = ErrorBody),
        (status = 404, description = "No scenario of that name", body = ErrorBody),
    )
)]
async fn one_scenario(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath(name): ApiPath<String>,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, AppError> {
    let crs = params::crs(&p.crs)?;
    let format = params::trimmed(&p.format).unwrap_or("json");
    if !matches!(format, "json" | "geojson" | "csv") {
        return Err(AppError::bad("invalid_format", format!("format must be json, geojson or csv, not {format:?}")));
    }
    let scenario = state.service.scenario(&who, &name).await?;
    let chosen = &scenario.plan.chosen;
    let file = |ext: &str| format!("attachment; filename=\"scenario.{ext}\"");
    match format {
        "geojson" => {
            let features: Vec<_> = chosen
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let properties = SiteProperties {
                        order: i + 1,
                        id: &c.id,
                        added_weight: c.added_weight,
                        saved_weighted_m: c.saved_weighted_m,
                        town: c.town.as_deref(),
                    };
                    let at = crate::domain::LonLat::new(c.lon, c.lat).map_err(AppError::internal)?;
                    Ok(Feature::new(properties, Shape::Point(at), crs))
                })
                .collect::<Result<_, AppError>>()?;
            let text = serde_json::to_string(&FeatureCollection::new(features)).map_err(AppError::internal)?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/geo+json".to_owned()),
                    (header::CONTENT_DISPOSITION, file("geojson")),
                ],
                text,
            )
                .into_response())
        }
        "csv" => {
            let mut out = csv::Writer::from_writer(Vec::new());
            let row = |out: &mut csv::Writer<Vec<u8>>, r: [String; 6]| out.write_record(r).map_err(AppError::internal);
            row(&mut out, ["order", "id", "lon", "lat", "added_weight", "town"].map(str::to_owned))?;
            for (i, c) in chosen.iter().enumerate() {
                let (lon, lat) = crs.from_wgs84(c.lon, c.lat);
                row(
                    &mut out,
                    [
                        (i + 1).to_string(),
                        c.id.clone(),
                        round7(lon).to_string(),
                        round7(lat).to_string(),
                        c.added_weight.to_string(),
                        c.town.clone().unwrap_or_default(),
                    ],
                )?;
            }
            let bytes = out.into_inner().map_err(AppError::internal)?;
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, file("csv")),
                ],
                bytes,
            )
                .into_response())
        }
        _ => Ok(Json(scenario).into_response()),
    }
}

/// Deletes a saved scenario.
#[utoipa::path(
    delete,
    path = "/api/v1/planning/scenarios/{name}",
    tag = "planning",
    params(("name" = String, Path, description = "The scenario's name")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A path segment that is not UTF-8", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not staff, a leader or an administrator", body = ErrorBody),
        (status = 404, description = "No scenario of that name", body = ErrorBody),
    )
)]
async fn delete_scenario(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiPath(name): ApiPath<String>,
) -> Result<Response, AppError> {
    state.service.delete_scenario(&who, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CompareParams {
    /// The first scenario's name.
    a: Option<String>,
    /// The second scenario's name.
    b: Option<String>,
}

/// Two saved scenarios side by side: coverage, each site's added demand, and every town's gain.
#[utoipa::path(
    get,
    path = "/api/v1/planning/compare",
    tag = "planning",
    params(CompareParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comparison", body = Comparison),
        (status = 400, description = "a or b missing", body = ErrorBody),
        (status = 401, description = "No or invalid credentials", body = ErrorBody),
        (status = 403, description = "Not staff, a leader or an administrator", body = ErrorBody),
        (status = 404, description = "No scenario of one of the names", body = ErrorBody),
    )
)]
async fn compare(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    ApiQuery(p): ApiQuery<CompareParams>,
) -> Result<Response, AppError> {
    let need = |name: &str, v: &Option<String>| {
        params::trimmed(v)
            .map(str::to_owned)
            .ok_or_else(|| AppError::bad("missing_parameter", format!("{name} is required")))
    };
    let (a, b) = (need("a", &p.a)?, need("b", &p.b)?);
    Ok(Json(state.service.compare_scenarios(&who, &a, &b).await?).into_response())
}
