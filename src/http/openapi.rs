//! The OpenAPI 3.1 description of every JSON endpoint, at `/api/openapi.json`, and a Swagger UI
//! served from the binary (no network) at `/api/docs/`.

use serde_json::{json, Map, Value};
use utoipa_swagger_ui::SwaggerUi;

/// A parameter defined once under `components/parameters`.
fn p(name: &str) -> Value {
    json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema("Error") } } })
}

fn ok(description: &str, body: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema(body) } } })
}

/// One operation: summary, parameters, an optional JSON body, responses, and whether it needs a token.
fn op(tag: &str, summary: &str, params: &[&str], body: Option<&str>, responses: Value, secured: bool) -> Value {
    let mut o = json!({ "tags": [tag], "summary": summary, "parameters": params.iter().map(|n| p(n)).collect::<Vec<_>>(), "responses": responses });
    if let Some(b) = body {
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": schema(b) } } });
    }
    if secured {
        o["security"] = json!([{ "bearer": [] }]);
    }
    o
}

/// A batch operation: points as JSON or CSV in, one row per point out (JSON array or CSV, as the
/// input or `Accept` says), streamed.
fn batch_op(summary: &str, params: &[&str], row: &str) -> Value {
    let mut o = op(
        "batch",
        summary,
        params,
        None,
        json!({
            "200": { "description": "One row per point in input order: a JSON array (one row a line) or CSV with a header", "content": {
                "application/json": { "schema": { "type": "array", "items": schema(row) } },
                "text/csv": { "schema": { "type": "string" } } } },
            "400": error("Not JSON or CSV, a CSV header without lon and lat, or a bad option (crs, k, filters)"),
            "413": error("More than 10,000 points, or a body over 4 MiB"),
            "422": error("JSON of the wrong shape, or no points"),
        }),
        false,
    );
    o["requestBody"] = json!({ "required": true, "content": {
        "application/json": { "schema": schema("BatchPoints") },
        "text/csv": { "schema": { "type": "string", "description": "A header naming lon and lat (and optionally id), then one point a line; crs, k and filters as query parameters", "example": "id,lon,lat\na1,121.55,29.87\n" } } } });
    o
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn path(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

fn enumeration(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

/// The definitions of the numbers, as `crate::analytics` documents them.
const DEFINITIONS: &str = "Numbers for a window [from, to). The submitted group: opinions submitted in the window, in their state now. \
The due group: registered, not rejected opinions whose due date (set when assigned, else 15 days after registration) starts in the window and has passed. \
count: the submitted group. open: submitted, registered, assigned or in progress. overdue: open, registered and past its due date. \
rejected: refused (不予受理), counted nowhere else. registered = count − rejected − those still waiting. resolved: replied or closed. \
resolution_rate (办结率) = resolved / registered. satisfaction_rate (满意率) = ratings of 4–5 / all ratings; mean_rating: their mean (a reopened opinion's latest rating counts). \
reply_rate (答复率) = opinions of the due group replied on or before the due date / the due group. \
reply_hours_median and reply_hours_p90: hours from registration to the (latest) reply, interpolated between order statistics (numpy's default, PostgreSQL's percentile_cont). \
concentration (意见集中率): the share of count in top_category, the most frequent category (ties: the first in the category list). \
A rate with a zero denominator is null, never 0. count = open + resolved + rejected.";

/// An analytics operation, with the definitions of its numbers.
fn defined(mut op: Value) -> Value {
    op["description"] = DEFINITIONS.into();
    op
}

/// The document.
pub fn document() -> Value {
    let bad = error("Bad input: the error code and message say what and how to fix it");
    let mut parameters = Map::new();
    for (name, v) in [
        ("lon", query("lon", "Longitude in the request's crs (required where a position is asked for)", json!({ "type": "number" }))),
        ("lat", query("lat", "Latitude in the request's crs", json!({ "type": "number" }))),
        ("crs", query("crs", "Coordinate system of positions in and out (default wgs84)", enumeration(&["wgs84", "gcj02", "bd09"]))),
        ("k", query("k", "How many stations, 1 to 100 (default 5)", json!({ "type": "integer", "minimum": 1, "maximum": 100 }))),
        ("batch_k", query("k", "How many stations a point, 1 to 100 (default 1); JSON input may give it in the body", json!({ "type": "integer", "minimum": 1, "maximum": 100 }))),
        ("bbox", query("bbox", "minLon,minLat,maxLon,maxLat", json!({ "type": "string" }))),
        ("kind", query("kind", "Comma-separated station kinds", json!({ "type": "string", "example": "deputy_liaison_station,liaison_point" }))),
        ("level", query("level", "Comma-separated levels: national, provincial, city, district, township (areas: district, town, community)", json!({ "type": "string" }))),
        ("body", query("body", "Stations where members of this body receive", enumeration(&["npc_deputy", "cppcc_member"]))),
        ("reception_date", query("reception_date", "Stations with a reception session on this date (YYYY-MM-DD, Asia/Shanghai)", json!({ "type": "string", "format": "date" }))),
        ("q", query("q", "Substring of the station name or address (Chinese or Latin, 100 characters at most)", json!({ "type": "string" }))),
        ("radius_m", query("radius_m", "With lon and lat: stations within this geodesic distance, metres (0 to 100000)", json!({ "type": "number" }))),
        ("limit", query("limit", "At most this many results", json!({ "type": "integer", "minimum": 1 }))),
        ("sessions", query("sessions", "How many upcoming reception sessions to list (0 to 50, default 5)", json!({ "type": "integer" }))),
        ("status", query("status", "Comma-separated opinion statuses", json!({ "type": "string", "example": "registered,assigned" }))),
        ("station", query("station", "Comma-separated station ids (staff: only their own)", json!({ "type": "string" }))),
        ("category", query("category", "Opinion category code", json!({ "type": "string" }))),
        ("overdue", query("overdue", "Only open opinions past their due date", json!({ "type": "boolean" }))),
        ("from", query("from", "Window start: a date YYYY-MM-DD (Asia/Shanghai, from 00:00) or an RFC 3339 time; default: all time", json!({ "type": "string", "example": "2026-01-01" }))),
        ("to", query("to", "Window end: a date (its whole day included) or an RFC 3339 time (excluded); must be after from", json!({ "type": "string", "example": "2026-06-30" }))),
        ("one_station", query("station", "Only opinions routed to this station id", json!({ "type": "string" }))),
        ("town", query("town", "Only opinions in this town (area code)", json!({ "type": "string", "example": "330203001" }))),
        ("res", query("res", "H3 resolution, 6 (≈36 km² a cell) to 10 (≈0.015 km²); default 8 (≈0.74 km²)", json!({ "type": "integer", "minimum": 6, "maximum": 10 }))),
        ("metric", query("metric", "The number copied into properties.value (reply_hours: the median)", enumeration(&["count", "open", "overdue", "resolution_rate", "reply_rate", "satisfaction_rate", "mean_rating", "reply_hours", "concentration"]))),
        ("group_by", query("group_by", "Rows per town, station, member (an opinion counts for each of its members), grid area or category; default one row for everything", enumeration(&["town", "station", "member", "grid", "category"]))),
        ("interval", query("interval", "Also split rows by period of submission (reply rate: of due date); weeks begin on Monday", enumeration(&["day", "week", "month"]))),
        ("format", query("format", "json (default) or csv", enumeration(&["json", "csv"]))),
        ("area_level", query("level", "Towns (default) or grid areas", enumeration(&["town", "grid"]))),
        ("z", path("z", "Zoom, 12 to 22 (wider views: use the heatmap)")),
        ("x", path("x", "Tile column")),
        ("y", path("y", "Tile row, followed by .mvt")),
        ("id", path("id", "The record's id")),
        ("code", path("code", "The opinion's tracking code, with or without dashes")),
    ] {
        parameters.insert(name.into(), v);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "liaison API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Deputy liaison stations (人大代表联络站), member workstations and the citizens' opinion loop. Positions are WGS84 lon/lat unless crs=gcj02|bd09; geometry is GeoJSON; times are RFC 3339 in Asia/Shanghai. Errors are {\"error\":{\"code\",\"message\"}}. Open311 GeoReport v2 lives under /open311/v2 (see its discovery document).",
        },
        "paths": {
            "/healthz": { "get": op("service", "Status and counts", &[], None, json!({ "200": ok("Healthy", "Health") }), false) },
            "/api/v1/stations": { "get": op("stations", "Stations: all, in a box, by filters and text, or within a radius", &["bbox", "lon", "lat", "radius_m", "kind", "level", "body", "reception_date", "q", "limit", "crs"], None, json!({ "200": ok("Stations (numberReturned and truncated tell whether the limit cut the list)", "FeatureCollection"), "400": bad }), false) },
            "/api/v1/stations/nearest": { "get": op("stations", "The k nearest stations by WGS84 geodesic distance (online stations only when kind asks for them)", &["lon", "lat", "k", "kind", "level", "body", "reception_date", "crs"], None, json!({ "200": ok("Nearest first, with properties.distance_m", "FeatureCollection"), "400": bad }), false) , "post": batch_op("Batch: the nearest stations of up to 10,000 points, one row per point in input order, streamed; a bad point gets an error row and the others are answered", &["crs", "batch_k", "kind", "level", "body", "reception_date"], "NearestBatchRow") },
            "/api/v1/stations/{id}": { "get": op("stations", "A station with its members, liaison points, town and next reception sessions", &["id", "sessions", "crs"], None, json!({ "200": ok("The station", "Feature"), "404": error("No such station") }), false) },
            "/api/v1/grids": { "get": op("grids", "Grid areas (网格), optionally those meeting a box", &["bbox", "crs"], None, json!({ "200": ok("Grid areas", "FeatureCollection"), "400": bad }), false) },
            "/api/v1/grids/at": { "get": op("grids", "Who is my member: the grid holding a point, with members, sessions, station, town and near_boundary/neighbour (50 m)", &["lon", "lat", "sessions", "crs"], None, json!({ "200": ok("The grid", "Feature"), "400": bad, "404": error("No grid holds the point; error.nearest names the nearest grid and its distance") }), false) , "post": batch_op("Batch: the grid holding each of up to 10,000 points (grid, town, station, members, near_boundary, neighbour; outside every grid an error row naming the nearest grid), one row per point in input order, streamed", &["crs"], "GridBatchRow") },
            "/api/v1/grids/{id}": { "get": op("grids", "One grid area", &["id", "crs"], None, json!({ "200": ok("The grid", "Feature"), "404": error("No such grid") }), false) },
            "/api/v1/areas": { "get": op("areas", "Administrative areas", &["level", "crs"], None, json!({ "200": ok("Areas", "FeatureCollection"), "400": bad }), false) },
            "/api/v1/members/{id}": { "get": op("members", "A member with station, grid areas and next reception sessions", &["id", "sessions"], None, json!({ "200": ok("The member", "Member"), "404": error("No such member") }), false) },
            "/api/v1/issues": { "post": op("opinions", "Submit an opinion: routed to its grid, members and station; open opinions of the same category within 200 m come back as possible duplicates", &[], Some("Submission"), json!({ "201": ok("Submitted; keep the tracking code", "Submitted"), "400": bad, "413": error("Body too large"), "422": error("A field is missing or invalid"), "429": error("Too many submissions from this address; see Retry-After") }), false) },
            "/api/v1/issues/{code}": { "get": op("opinions", "Track an opinion (public view: no contact, position rounded to ~100 m)", &["code", "crs"], None, json!({ "200": ok("The opinion", "PublicOpinion"), "400": error("Malformed tracking code"), "404": error("No such opinion") }), false) },
            "/api/v1/issues/{code}/rating": { "post": op("opinions", "Rate the reply 1–5: 1–2 reopen the opinion, 3–5 close it", &["code"], Some("Rating"), json!({ "200": ok("The opinion after rating", "PublicOpinion"), "409": error("Not replied yet, already closed, or changed since read"), "422": error("Stars outside 1–5") }), false) },
            "/api/v1/heatmap": { "get": defined(op("analytics", "H3 hexagon heatmap of opinions with every rate: ids are the usual 15-hex-digit H3 v4 cells; with bbox, the cells whose centre is inside, each with all its opinions; cells of fewer than 5 opinions carry h3 and count only", &["res", "metric", "bbox", "crs", "from", "to", "category", "one_station", "town"], None, json!({ "200": ok("One Polygon feature per cell: properties h3, value, count, open, overdue, rejected, registered, resolved, resolution_rate, rated, satisfied, satisfaction_rate, mean_rating, due, replied_on_time, reply_rate, replied, reply_hours_median, reply_hours_p90, concentration, top_category", "FeatureCollection"), "400": bad }), false)) },
            "/api/v1/stats": { "get": defined(op("analytics", "Every number by group and period, for rankings and trend charts; format=csv for export", &["group_by", "interval", "format", "from", "to", "category", "one_station", "town"], None, json!({ "200": ok("Rows ordered by group then period; group null holds opinions outside every group of that kind", "Stats"), "400": bad }), false)) },
            "/api/v1/areas/stats": { "get": defined(op("analytics", "Choropleth: every town (or grid area) with its numbers and properties.value, areas without opinions included", &["area_level", "metric", "crs", "from", "to", "category", "one_station", "town"], None, json!({ "200": ok("One MultiPolygon feature per area", "FeatureCollection"), "400": bad }), false)) },
            "/tiles/issues/{z}/{x}/{y}.mvt": { "get": op("analytics", "Opinions as Mapbox Vector Tile points (layer issues), one per position of the public ~100 m grid, with properties count, open, resolved, lon, lat", &["z", "x", "y", "from", "to", "category", "one_station", "town"], None, json!({ "200": { "description": "A vector tile", "content": { "application/vnd.mapbox-vector-tile": {} } }, "400": bad }), false) },
            "/api/v1/staff/issues": { "get": op("staff", "Inbox: opinions of the caller's stations (staff), grid areas (member), or all (leader, admin)", &["status", "station", "category", "overdue", "limit"], None, json!({ "200": ok("Opinions", "Inbox"), "401": error("No or invalid token"), "403": error("Not allowed for this role or station") }), true) },
            "/api/v1/staff/issues/{id}": { "get": op("staff", "One opinion with contact and full history", &["id"], None, json!({ "200": ok("The opinion", "StaffOpinion"), "401": error("No or invalid token"), "403": error("Outside the caller's scope"), "404": error("No such opinion") }), true) },
            "/api/v1/staff/issues/{id}/transitions": { "post": op("staff", "Move an opinion along the workflow (registered, assigned, in_progress, replied, closed, rejected) at the version read", &["id"], Some("Transition"), json!({ "200": ok("The opinion after the change", "StaffOpinion"), "401": error("No or invalid token"), "403": error("The role may not make this change"), "409": error("Illegal now, or someone changed it first (version_conflict)"), "422": error("A field the change needs is missing or invalid") }), true) },
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "A token from `liaison token create`" } },
            "parameters": parameters,
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } } },
                "BatchPoints": { "type": "object", "required": ["points"], "properties": {
                    "crs": enumeration(&["wgs84", "gcj02", "bd09"]),
                    "points": { "type": "array", "maxItems": 10000, "items": { "type": "object", "properties": { "id": { "type": ["string", "number"], "description": "Echoed in the row" }, "lon": { "type": "number" }, "lat": { "type": "number" } } } },
                    "k": { "type": "integer", "minimum": 1, "maximum": 100, "description": "Nearest only; default 1" },
                    "kind": { "type": ["string", "array"], "description": "Nearest only: station kinds, comma-separated or an array" },
                    "level": { "type": ["string", "array"] }, "body": enumeration(&["npc_deputy", "cppcc_member"]), "reception_date": { "type": "string", "format": "date" } } },
                "BatchRowError": { "type": "object", "required": ["code", "message"], "description": "Why this point has no answer; the message names the point (point N of the array, line N of the CSV)", "properties": { "code": enumeration(&["no_grid", "missing_parameter", "invalid_number", "invalid_coordinates", "invalid_record"]), "message": { "type": "string" }, "nearest": { "type": "object", "description": "no_grid: the nearest grid with distance_m" } } },
                "GridBatchRow": { "type": "object", "required": ["index", "id"], "properties": { "index": { "type": "integer" }, "id": { "type": ["string", "null"] }, "grid": { "type": "object", "properties": { "id": { "type": "string" }, "code": { "type": "string" }, "name": { "type": "string" } } }, "town": { "type": ["object", "null"] }, "station": { "type": ["string", "null"] }, "members": { "type": "array", "items": { "type": "string" } }, "near_boundary": { "type": "boolean" }, "edge_distance_m": { "type": "number" }, "neighbour": { "type": ["object", "null"] }, "error": schema("BatchRowError") } },
                "NearestBatchRow": { "type": "object", "required": ["index", "id"], "properties": { "index": { "type": "integer" }, "id": { "type": ["string", "null"] }, "stations": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "kind": { "type": "string" }, "distance_m": { "type": "number" } } } }, "error": schema("BatchRowError") } },
                "Feature": { "type": "object", "description": "A GeoJSON Feature", "required": ["type", "properties", "geometry"], "properties": { "type": { "const": "Feature" }, "properties": { "type": "object" }, "geometry": { "type": "object" } } },
                "FeatureCollection": { "type": "object", "description": "A GeoJSON FeatureCollection", "required": ["type", "features"], "properties": { "type": { "const": "FeatureCollection" }, "features": { "type": "array", "items": schema("Feature") }, "numberReturned": { "type": "integer" }, "truncated": { "type": "boolean" } } },
                "Health": { "type": "object", "properties": { "status": { "type": "string" }, "catalog_version": { "type": "integer" }, "stations": { "type": "integer" }, "members": { "type": "integer" }, "grids": { "type": "integer" }, "areas": { "type": "integer" } } },
                "Member": { "type": "object", "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "body": { "type": "string" }, "level": { "type": "string" }, "station": { "type": ["string", "null"] }, "grids": { "type": "array" }, "next_sessions": { "type": "array" } } },
                "Submission": { "type": "object", "required": ["category", "title", "text", "lon", "lat"], "additionalProperties": false, "properties": {
                    "category": enumeration(&["property", "garbage", "parking", "roads", "noise", "water", "elderly", "education", "health", "safety", "business", "environment", "other"]),
                    "title": { "type": "string", "maxLength": 100 }, "text": { "type": "string", "maxLength": 5000 },
                    "lon": { "type": "number" }, "lat": { "type": "number" }, "crs": enumeration(&["wgs84", "gcj02", "bd09"]),
                    "channel": enumeration(&["visit", "online", "qr", "hotline", "open311"]), "anonymous": { "type": "boolean" },
                    "contact": { "type": "object", "additionalProperties": false, "properties": { "name": { "type": "string", "maxLength": 50 }, "phone": { "type": "string", "maxLength": 30 } } } } },
                "Submitted": { "type": "object", "properties": { "id": { "type": "integer" }, "tracking_code": { "type": "string", "example": "4821-0937-5562-1184" }, "status": { "type": "string" }, "version": { "type": "integer" }, "routing": { "type": "object" }, "duplicates": { "type": "array" } } },
                "PublicOpinion": { "type": "object", "properties": { "tracking_code": { "type": "string" }, "category": { "type": "string" }, "title": { "type": "string" }, "text": { "type": "string" }, "status": { "type": "string" }, "version": { "type": "integer" }, "location": { "type": "object" }, "routing": { "type": "object" }, "reply_route": { "type": ["string", "null"] }, "reply": { "type": ["string", "null"] }, "rating": { "type": ["integer", "null"] }, "history": { "type": "array" } } },
                "Rating": { "type": "object", "required": ["stars"], "additionalProperties": false, "properties": { "stars": { "type": "integer", "minimum": 1, "maximum": 5 }, "comment": { "type": "string", "maxLength": 1000 }, "version": { "type": "integer" } } },
                "Transition": { "type": "object", "required": ["to", "version"], "additionalProperties": false, "properties": {
                    "to": enumeration(&["registered", "assigned", "in_progress", "replied", "closed", "rejected"]), "version": { "type": "integer" },
                    "note": { "type": "string", "description": "Reason (closed) or explanation (rejected)" }, "department": { "type": "string" }, "due": { "type": "string", "format": "date" },
                    "reply_route": enumeration(&["explain", "direct_answer", "after_consultation", "referred_to_government"]), "reply": { "type": "string" } } },
                "StaffOpinion": { "type": "object", "description": "The public view plus id, exact location, contact and the full history with actors" },
                "Stats": { "type": "object", "properties": { "group_by": { "type": ["string", "null"] }, "interval": { "type": ["string", "null"] }, "rows": { "type": "array", "items": { "type": "object", "description": "group, name, period, and every number of the definitions" } } } },
                "Inbox": { "type": "object", "properties": { "count": { "type": "integer" }, "issues": { "type": "array" } } },
            },
        },
    })
}

/// The document and the docs UI, both served from the binary.
pub fn router<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    SwaggerUi::new("/api/docs").external_url_unchecked("/api/openapi.json", document()).into()
}
