//! Open311 GeoReport v2 under `/open311/v2/`: discovery, services (our categories), requests
//! (create with an `api_key`, query with filters) and tokens, in `.json` and `.xml`, with errors
//! in the spec's shape. Workflow states map to `open`/`closed`; ours is in `liaison_status`.
//! Public request listings carry the numeric id and a position rounded to ~100 m, never the
//! tracking code (returned once to the creator as the request's `token`) or contact details.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{json, Map, Value};

use super::AppState;
use crate::domain::follow::{Follow, NoticeChannel};
use crate::domain::schedule::shanghai;
use crate::domain::{Category, Channel, Contact, LonLat, NewOpinion, Role, Status};
use crate::i18n::Lang;
use crate::service::follow::Following;
use crate::service::opinions::{PublicRequest, RequestQuery, Submitter};
use crate::service::photos::photo_url;
use crate::service::privacy::Audience;
use crate::service::ServiceError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(top_get).post(top_post))
        .route("/open311/v2/services/{file}", get(service))
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/open311/v2/tokens/{file}", get(token))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// An Open311 error: the HTTP status and a description, written as the spec's error list.
struct Problem(StatusCode, String);

impl Problem {
    fn bad(msg: impl Into<String>) -> Self {
        Problem(StatusCode::BAD_REQUEST, msg.into())
    }
}

/// Splits `name.json` / `name.xml`.
fn split(file: &str) -> Result<(&str, Format), (Problem, Format)> {
    match file.rsplit_once('.') {
        Some((name, "json")) => Ok((name, Format::Json)),
        Some((name, "xml")) => Ok((name, Format::Xml)),
        _ => Err((Problem(StatusCode::NOT_FOUND, format!("{file}: add .json or .xml")), Format::Json)),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// Writes a JSON value as Open311 XML: arrays become repeated `item` elements inside `root`.
fn to_xml(root: &str, item: &str, v: &Value) -> String {
    fn write(out: &mut String, name: &str, v: &Value) {
        match v {
            Value::Null => out.push_str(&format!("<{name}/>")),
            Value::Object(map) => {
                out.push_str(&format!("<{name}>"));
                for (k, v) in map {
                    write(out, k, v);
                }
                out.push_str(&format!("</{name}>"));
            }
            Value::Array(items) => {
                out.push_str(&format!("<{name}>"));
                for v in items {
                    write(out, "item", v);
                }
                out.push_str(&format!("</{name}>"));
            }
            Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", xml_escape(s))),
            other => out.push_str(&format!("<{name}>{other}</{name}>")),
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    match v {
        Value::Array(items) => {
            out.push_str(&format!("<{root}>"));
            for v in items {
                write(&mut out, item, v);
            }
            out.push_str(&format!("</{root}>"));
        }
        other => write(&mut out, root, other),
    }
    out
}

fn respond(status: StatusCode, format: Format, root: &str, item: &str, v: Value) -> Response {
    match format {
        Format::Json => (status, axum::Json(v)).into_response(),
        Format::Xml => {
            (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], to_xml(root, item, &v)).into_response()
        }
    }
}

fn problem(p: Problem, format: Format) -> Response {
    let body = json!([{ "code": p.0.as_u16(), "description": p.1 }]);
    respond(p.0, format, "errors", "error", body)
}

/// A service error as Open311 answers it; the cause of a 500 is logged, never shown.
impl From<ServiceError> for Problem {
    fn from(e: ServiceError) -> Self {
        let status = match &e {
            ServiceError::Invalid { .. } | ServiceError::Unprocessable { .. } => StatusCode::BAD_REQUEST,
            ServiceError::NotFound { .. } | ServiceError::NoGrid { .. } => StatusCode::NOT_FOUND,
            ServiceError::Unauthenticated { .. } | ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServiceError::Conflict { .. } => StatusCode::CONFLICT,
            ServiceError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::Store(_) | ServiceError::Internal(_) => {
                tracing::error!(error = %e, "open311");
                return Problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error; it has been logged".into());
            }
        };
        Problem(status, e.to_string())
    }
}

fn answer(result: Result<(StatusCode, &'static str, &'static str, Value), Problem>, format: Format) -> Response {
    match result {
        Ok((status, root, item, v)) => respond(status, format, root, item, v),
        Err(p) => problem(p, format),
    }
}

fn services() -> Value {
    Category::ALL
        .iter()
        .map(|c| {
            json!({
                "service_code": c.code(), "service_name": c.label_zh(), "description": format!("{}（{}）", c.label_zh(), c.code()),
                "metadata": false, "type": "realtime", "keywords": c.code(), "group": "意见建议",
            })
        })
        .collect()
}

fn discovery(base: &str) -> Value {
    json!({
        "changeset": "2026-11-22T00:00:00+08:00",
        "contact": "liaison — 人大代表联络站",
        "key_service": "api_key: a token from `liaison token create`",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{base}/open311/v2"),
            "changeset": "2026-11-22T00:00:00+08:00",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    })
}

fn time(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339()
}

/// A request as Open311 lists it (public).
fn request_view(state: &AppState, request: &PublicRequest) -> Value {
    let o = &request.opinion;
    let media_url = request.photo.as_ref().map(|h| format!("{}{}", state.public_url, photo_url(h, false)));
    let catalog = state.service.catalog();
    let (position, _) = Audience::Public.position(o);
    let (long, lat) = (position.lon(), position.lat());
    let agency = o
        .department
        .clone()
        .or_else(|| o.routing.station.as_ref().and_then(|s| catalog.station(s)).map(|s| s.name.clone()));
    let updated = [Some(o.created_at), o.registered_at, o.replied_at, o.closed_at].into_iter().flatten().max();
    json!({
        "service_request_id": o.id.to_string(),
        "status": o.status.open311(),
        "liaison_status": o.status,
        "status_notes": o.reply,
        "service_name": o.submission.category.label_zh(),
        "service_code": o.submission.category.code(),
        "description": format!("{}：{}", o.submission.title, o.submission.text),
        "agency_responsible": agency,
        "service_notice": Value::Null,
        "requested_datetime": time(o.created_at),
        "updated_datetime": updated.map(time),
        "expected_datetime": o.due.and_then(|d| d.and_hms_opt(17, 0, 0)).and_then(|t| t.and_local_timezone(shanghai()).single()).map(time),
        "address": o.routing.grid.as_ref().and_then(|g| catalog.grid(g)).map(|g| g.name.clone()),
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": lat,
        "long": long,
        "media_url": media_url,
    })
}

async fn top_get(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let (name, format) = match split(&file) {
        Ok(x) => x,
        Err((p, f)) => return problem(p, f),
    };
    let result = match name {
        "discovery" => Ok((StatusCode::OK, "discovery", "endpoint", discovery(""))),
        "services" => Ok((StatusCode::OK, "services", "service", services())),
        "requests" => list_requests(&state, &q).await.map(|v| (StatusCode::OK, "service_requests", "request", v)),
        other => Err(Problem(StatusCode::NOT_FOUND, format!("no resource {other}"))),
    };
    answer(result, format)
}

fn param<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

/// A `start_date`/`end_date`: a W3C datetime, or a plain date (Shanghai midnight).
fn date_param(q: &[(String, String)], key: &str) -> Result<Option<DateTime<FixedOffset>>, Problem> {
    param(q, key)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .ok()
                .or_else(|| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .ok()?
                        .and_hms_opt(0, 0, 0)?
                        .and_local_timezone(shanghai())
                        .single()
                })
                .ok_or_else(|| {
                    Problem::bad(format!("{key} must be a W3C datetime such as 2026-11-01T00:00:00+08:00, got {v:?}"))
                })
        })
        .transpose()
}

async fn list_requests(state: &AppState, q: &[(String, String)]) -> Result<Value, Problem> {
    let mut filter = RequestQuery::default();
    if let Some(codes) = param(q, "service_code") {
        let c: Category = codes.parse().map_err(|e| Problem::bad(format!("service_code: {e}")))?;
        filter.category = Some(c);
    }
    if let Some(status) = param(q, "status") {
        for s in status.split(',').map(str::trim) {
            match s {
                "open" => filter.statuses.extend(Status::ALL.iter().filter(|x| x.is_open())),
                "closed" => filter.statuses.extend(Status::ALL.iter().filter(|x| !x.is_open())),
                other => return Err(Problem::bad(format!("status must be open or closed, got {other:?}"))),
            }
        }
    }
    let start = date_param(q, "start_date")?;
    let end = date_param(q, "end_date")?;
    if let (Some(a), Some(b)) = (start, end) {
        if a > b {
            return Err(Problem::bad("start_date is after end_date"));
        }
    }
    filter.start = start;
    filter.end = end;
    filter.ids = param(q, "service_request_id")
        .map(|v| {
            v.split(',')
                .map(|x| {
                    x.trim().parse::<i64>().map_err(|_| Problem::bad(format!("service_request_id: not an id: {x:?}")))
                })
                .collect()
        })
        .transpose()?;
    let found = state.service.public_requests(&filter).await?;
    Ok(found.iter().map(|r| request_view(state, r)).collect())
}

async fn top_post(
    State(state): State<AppState>,
    Path(file): Path<String>,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (name, format) = match split(&file) {
        Ok(x) => x,
        Err((p, f)) => return problem(p, f),
    };
    if name != "requests" {
        return problem(Problem(StatusCode::NOT_FOUND, format!("cannot POST to {name}")), format);
    }
    let result = match form {
        Ok(Form(q)) => create(&state, &q).await.map(|v| (StatusCode::CREATED, "service_requests", "request", v)),
        Err(e) => {
            Err(Problem::bad(format!("send the request as application/x-www-form-urlencoded: {}", e.body_text())))
        }
    };
    answer(result, format)
}

async fn create(state: &AppState, q: &[(String, String)]) -> Result<Value, Problem> {
    let key = param(q, "api_key").ok_or_else(|| Problem(StatusCode::FORBIDDEN, "api_key is required".into()))?;
    let who = state
        .service
        .authenticate_token(key)
        .await
        .map_err(|_| Problem(StatusCode::FORBIDDEN, "api_key is not valid".into()))?;
    if !matches!(who.role, Role::Integrator | Role::Staff | Role::Admin) {
        return Err(Problem(StatusCode::FORBIDDEN, format!("a {} key cannot create requests", who.role.code())));
    }
    let category: Category = param(q, "service_code")
        .ok_or_else(|| Problem::bad("service_code is required"))?
        .parse()
        .map_err(|e| Problem(StatusCode::NOT_FOUND, format!("service_code: {e}")))?;
    let number = |key: &str| -> Result<f64, Problem> {
        let v = param(q, key).ok_or_else(|| Problem::bad("lat and long are required (addresses are not supported)"))?;
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| Problem::bad(format!("{key} must be a number, got {v:?}")))
    };
    let location = LonLat::new(number("long")?, number("lat")?).map_err(|e| Problem::bad(e.to_string()))?;
    let description = param(q, "description").ok_or_else(|| Problem::bad("description is required"))?;
    let title: String = description.chars().take(30).collect();
    let name = [param(q, "last_name"), param(q, "first_name")].into_iter().flatten().collect::<Vec<_>>().join("");
    let contact = Contact::new(Some(&name), param(q, "phone")).map_err(|e| Problem::bad(e.to_string()))?;
    let new = NewOpinion::new(category, &title, description, location, Channel::Open311, name.is_empty(), contact)
        .map_err(|e| Problem::bad(e.to_string()))?;
    // GeoReport's `email`: the citizen is told by e-mail how the request goes, when this service
    // sends e-mail (otherwise it is not kept: Open311 clients send it as a matter of course).
    let email = param(q, "email").filter(|_| state.service.notice_channels().contains(&NoticeChannel::Email));
    let follow = Follow::checked(email, None).map_err(|e| Problem::bad(e.to_string()))?;
    let following = Following { follow, lang: Lang::default() };
    let o = state.service.submit_following(Submitter::On(who.actor()), new, None, &following).await?.opinion;
    Ok(json!([{
        "service_request_id": o.id.to_string(),
        "token": o.code,
        "service_notice": "请凭 token（查询码）查询办理进度",
        "account_id": Value::Null,
    }]))
}

async fn service(Path(file): Path<String>) -> Response {
    let (code, format) = match split(&file) {
        Ok(x) => x,
        Err((p, f)) => return problem(p, f),
    };
    let result = match code.parse::<Category>() {
        Ok(c) => Ok((
            StatusCode::OK,
            "service_definition",
            "attribute",
            json!({ "service_code": c.code(), "attributes": [] }),
        )),
        Err(e) => Err(Problem(StatusCode::NOT_FOUND, e.to_string())),
    };
    answer(result, format)
}

async fn one_request(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let (id, format) = match split(&file) {
        Ok(x) => x,
        Err((p, f)) => return problem(p, f),
    };
    let result = async {
        let id: i64 = id.parse().map_err(|_| Problem(StatusCode::NOT_FOUND, format!("no request {id}")))?;
        let o = state.service.public_request(id).await?;
        let o = o.ok_or_else(|| Problem(StatusCode::NOT_FOUND, format!("no request {id}")))?;
        Ok((StatusCode::OK, "service_requests", "request", json!([request_view(&state, &o)])))
    }
    .await;
    answer(result, format)
}

async fn token(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let (token, format) = match split(&file) {
        Ok(x) => x,
        Err((p, f)) => return problem(p, f),
    };
    let result = async {
        let o = state.service.opinion_by_code(token).await.map_err(|e| match e {
            ServiceError::Invalid { message, .. } => Problem(StatusCode::NOT_FOUND, message),
            ServiceError::NotFound { .. } => Problem(StatusCode::NOT_FOUND, format!("no request for token {token}")),
            other => other.into(),
        })?;
        let mut item = Map::new();
        item.insert("service_request_id".into(), o.id.to_string().into());
        item.insert("token".into(), json!(o.code));
        Ok((StatusCode::OK, "service_requests", "request", Value::Array(vec![Value::Object(item)])))
    }
    .await;
    answer(result, format)
}
