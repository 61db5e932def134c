//! The OpenAPI 3.1 description of every JSON endpoint, generated from the handlers'
//! `#[utoipa::path]` annotations and the views' `ToSchema` derives, at `/api/openapi.json`, and a
//! Swagger UI served from the binary (no network) at `/api/docs/`.

use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::{
    activities, analytics, areas, batch, calendars, duty, feeds, grids, layers, members, notices, opinions, photos,
    planning, projects, rota, search, staff, stations, tiles, warnings, webhooks,
};

/// The definitions of the numbers, as `crate::analytics` documents them.
pub const DEFINITIONS: &str = "Numbers for a window [from, to). The submitted group: opinions submitted in the window, in their state now. \
The due group: registered, not rejected opinions whose due date (set when assigned, else 15 days after registration) starts in the window and has passed. \
count: the submitted group. open: submitted, registered, assigned or in progress. overdue: open, registered and past its due date. \
rejected: refused (不予受理), counted nowhere else. registered = count − rejected − those still waiting. resolved: replied or closed. \
resolution_rate (办结率) = resolved / registered. satisfaction_rate (满意率) = ratings of 4–5 / all ratings; mean_rating: their mean (a reopened opinion's latest rating counts). \
reply_rate (答复率) = opinions of the due group replied on or before the due date / the due group. \
reply_hours_median and reply_hours_p90: hours from registration to the (latest) reply, interpolated between order statistics (numpy's default, PostgreSQL's percentile_cont). \
concentration (意见集中率): the share of count in top_category, the most frequent category (ties: the first in the category list). \
A rate with a zero denominator is null, never 0. count = open + resolved + rejected.";

/// The document's root: every operation, its tags and the bearer scheme of the staff side.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "liaison API",
        description = "Deputy liaison stations (人大代表联络站), member workstations and the citizens' opinion loop. Positions are WGS84 lon/lat unless crs=gcj02|bd09; geometry is GeoJSON; times are RFC 3339 in Asia/Shanghai. Errors are {\"error\":{\"code\",\"message\"}}. Open311 GeoReport v2 lives under /open311/v2 (see its discovery document)."
    ),
    paths(
        super::healthz,
        stations::list,
        stations::nearest,
        stations::one,
        calendars::station_calendar,
        search::search,
        grids::list,
        grids::at,
        grids::one,
        batch::grids_at,
        batch::nearest,
        areas::list,
        layers::list,
        layers::one,
        members::one,
        calendars::member_calendar,
        feeds::station_feed,
        feeds::town_feed,
        feeds::category_feed,
        duty::table,
        duty::card,
        opinions::submit,
        opinions::track,
        opinions::rate,
        photos::upload,
        photos::full,
        photos::thumb,
        analytics::heatmap_handler,
        analytics::stats_handler,
        analytics::area_stats,
        warnings::warnings,
        planning::coverage,
        planning::sites,
        planning::save_scenario,
        planning::list_scenarios,
        planning::one_scenario,
        planning::delete_scenario,
        planning::compare,
        tiles::tile,
        staff::inbox,
        staff::one,
        staff::transition,
        photos::decide,
        activities::list,
        activities::record,
        projects::list,
        projects::one,
        projects::publish,
        projects::update,
        notices::list,
        notices::publish,
        rota::rota,
        rota::accept,
        rota::remove,
        webhooks::register,
        webhooks::list,
        webhooks::remove,
        webhooks::deliveries,
        webhooks::replay,
    ),
    // Schemas that only parameters name (responses and bodies bring their own along).
    components(schemas(
        crate::analytics::tally::Metric,
        crate::analytics::GroupBy,
        crate::analytics::Interval,
        crate::analytics::warnings::WarningLevel,
        analytics::StatsFormat,
        analytics::ChoroplethLevelCode,
        analytics::HeatmapNumbers,
        crate::spatial::Crs,
        crate::domain::StationKind,
        crate::domain::Level,
        crate::domain::Body,
        crate::domain::AreaLevel,
        crate::domain::Category,
        crate::domain::Status,
        crate::domain::StationId,
        crate::domain::AreaCode,
        crate::domain::ActivityKind,
        crate::domain::MemberId,
        crate::domain::ProjectStatus,
    )),
    modifiers(&BearerScheme),
    tags(
        (name = "service", description = "Health"),
        (name = "stations", description = "Stations, workstations, liaison points and online stations"),
        (name = "grids", description = "Grid areas (网格) and who is responsible for a place"),
        (name = "layers", description = "Map layers imported by the operator: rivers, public services, livelihood projects"),
        (name = "areas", description = "Administrative areas"),
        (name = "members", description = "Deputies and CPPCC members"),
        (name = "opinions", description = "The citizens' side of the opinion loop"),
        (name = "analytics", description = "Leaders' numbers: heatmaps, rankings, trends, choropleths, tiles, early warnings"),
        (name = "planning", description = "Planners' questions: coverage of the demand by the stations, and where new sites help most"),
        (name = "activities", description = "Members' duty activities (履职活动): receptions, consultations, research, inspections, river patrols"),
        (name = "published", description = "Information published once for every station and the map (一次发布、全区同步): livelihood projects (民生实事) and service notices (服务信息)"),
        (name = "staff", description = "The working side of the loop (bearer token or web login)"),
        (name = "admin", description = "Administration: webhooks that receive the opinion loop's events, signed, with a delivery log"),
        (name = "feeds", description = "Atom feeds (RFC 4287) of public updates on opinions, per station, town or category"),
    )
)]
pub struct ApiDoc;

/// The `bearer` security scheme the staff operations name.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A token from `liaison token create`"))
            .build();
        doc.components.get_or_insert_with(Default::default).add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document, with what utoipa cannot say added: every optional query parameter allows an empty
/// value, which [`super::params::trimmed`] reads as absent (so HTML forms may send blank fields).
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|e| {
        // Unreachable: the document is plain data; fail loudly rather than serve half of it.
        panic!("the OpenAPI document does not serialize: {e}")
    });
    let operations = doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut())
        .flat_map(|item| item.as_object_mut().into_iter().flat_map(|ops| ops.values_mut()));
    for operation in operations {
        for parameter in operation.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
            if parameter["in"] == "query" && parameter["required"] != true {
                parameter["allowEmptyValue"] = true.into();
            }
        }
    }
    doc
}

/// The document and the docs UI, both served from the binary.
pub fn router<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    SwaggerUi::new("/api/docs").external_url_unchecked("/api/openapi.json", document()).into()
}
