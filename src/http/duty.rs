//! `/api/v1/duty` (every member's duty record for a year, JSON or CSV) and
//! `/api/v1/members/{id}/duty` (one member's report card). Public, as districts publish duty
//! records; parsing and rendering only, the numbers are the service's.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::error::{ApiPath, ApiQuery, AppError, ErrorBody};
use super::params::{self, trimmed};
use super::AppState;
use crate::domain::{Body, MemberId};
use crate::service::duty::{DutyCardView, DutyTable, DutyTableView};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/duty", get(table)).route("/api/v1/members/{id}/duty", get(card))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TableParams {
    /// The calendar year (Asia/Shanghai), from 2000 to this year; default this year.
    #[param(value_type = Option<i32>, minimum = 2000, example = 2026)]
    year: Option<String>,
    /// Only members of this body.
    #[param(value_type = Option<Body>)]
    body: Option<String>,
    /// json (default) or csv (text/csv: one row per member, one column per count and per item's points).
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    format: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CardParams {
    /// The calendar year (Asia/Shanghai), from 2000 to this year; default this year.
    #[param(value_type = Option<i32>, minimum = 2000, example = 2026)]
    year: Option<String>,
}

fn year(v: &Option<String>) -> Result<Option<i32>, AppError> {
    trimmed(v)
        .map(|s| {
            s.parse::<i32>()
                .map_err(|_| AppError::bad("invalid_year", format!("year must be a number like 2026, got {s:?}")))
        })
        .transpose()
}

/// Every member's duty record (履职档案) for a year, computed from the ledger of activities and the
/// opinions routed to them, scored by the district's rule (listed in `rule`), best score first.
#[utoipa::path(
    get,
    path = "/api/v1/duty",
    tag = "members",
    params(TableParams),
    responses(
        (status = 200, description = "Members in term during the year, best score first; equal scores share a rank",
            content(
                (DutyTableView = "application/json"),
                (String = "text/csv", example = "rank,member_id,name,body,...,score"),
            )),
        (status = 400, description = "A malformed year, body or format, or a year out of range", body = ErrorBody),
    )
)]
async fn table(State(state): State<AppState>, ApiQuery(p): ApiQuery<TableParams>) -> Result<Response, AppError> {
    let body = trimmed(&p.body)
        .map(|s| s.parse::<Body>().map_err(|e| AppError::bad("invalid_parameter", format!("body: {e}"))))
        .transpose()?;
    let csv = params::wants_csv(&p.format)?;
    let table = state.service.duty_table(year(&p.year)?, body).await?;
    if csv {
        let text = duty_csv(&table).map_err(AppError::internal)?;
        let name = format!("attachment; filename=\"duty-{}.csv\"", table.year);
        return Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)],
            text,
        )
            .into_response());
    }
    Ok(Json(table.view()).into_response())
}

/// One member's report card for a year: counts, each item's points, the score, the rank among
/// the members of the same body and the activities attended.
#[utoipa::path(
    get,
    path = "/api/v1/members/{id}/duty",
    tag = "members",
    params(("id" = MemberId, Path, description = "The member's id"), CardParams),
    responses(
        (status = 200, description = "The report card", body = DutyCardView),
        (status = 400, description = "A malformed year or one out of range", body = ErrorBody),
        (status = 404, description = "No such member, or the member was not in term that year", body = ErrorBody),
    )
)]
async fn card(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<CardParams>,
) -> Result<Response, AppError> {
    Ok(Json(state.service.duty_card(&id, year(&p.year)?).await?.view()).into_response())
}

/// The table as CSV: the member, every count, each rule item's points and the score.
fn duty_csv(table: &DutyTable) -> Result<String, csv::Error> {
    let view = table.view();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "year",
        "rank",
        "member_id",
        "name",
        "body",
        "level",
        "sector",
        "station_id",
        "station_name",
        "reception",
        "consultation",
        "research",
        "inspection",
        "river_patrol",
        "opinion_received",
        "due",
        "replied_on_time",
        "replied_late",
        "rated",
        "mean_rating",
    ]
    .map(String::from)
    .to_vec();
    header.extend(view.rule.iter().map(|r| format!("points_{}", r.item)));
    header.push("score".into());
    w.write_record(&header)?;
    for m in &view.members {
        let c = &m.counts;
        let mut row = vec![
            view.year.to_string(),
            m.rank.to_string(),
            m.member_id.clone(),
            m.name.clone(),
            m.body.code().to_owned(),
            m.level.code().to_owned(),
            m.sector.clone(),
            m.station_id.clone().unwrap_or_default(),
            m.station_name.clone().unwrap_or_default(),
        ];
        row.extend(
            [
                c.reception,
                c.consultation,
                c.research,
                c.inspection,
                c.river_patrol,
                c.opinion_received,
                c.due,
                c.replied_on_time,
                c.replied_late,
                c.rated,
            ]
            .map(|n| n.to_string()),
        );
        row.push(c.mean_rating.map(|x| x.to_string()).unwrap_or_default());
        row.extend(m.parts.iter().map(|p| p.points.to_string()));
        row.push(m.score.to_string());
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
