//! The leaders' dashboard: its page and assets as the server sends them, and the page in a real
//! browser (the `tests/browser/dashboard.mjs` scenario: Playwright driving Debian's headless Chromium
//! with WebGL on SwiftShader). The page must show the KPI cards of the district and of a drilled-down
//! town, the rankings and the charts exactly as `/api/v1/stats` counts them, draw every hexagon of
//! `/api/v1/heatmap` (or area of `/api/v1/areas/stats`) as a painted 3D layer, answer a real click on
//! a hexagon with its numbers, re-fetch when the controls change and keep them in its address, link
//! CSV exports of what it shows, fit the wall screen (1920×1080) and a phone, and request nothing
//! beyond this server. Screenshots are kept in target/browser/dashboard*.png as artifacts.

use std::time::{Duration, Instant};

use liaison::domain::{AreaCode, AreaLevel};
use liaison::i18n::{label, t, Lang};
use serde_json::Value;

use crate::browser::{assert_only_this_server, assert_screenshot, playwright};
use crate::helpers::TestApp;

// ---- the server side: what the page loads -----------------------------------------------------

#[tokio::test]
async fn the_dashboard_page_and_its_assets_come_from_the_binary_and_name_no_other_host() {
    let app = TestApp::with_sample().await;

    let (status, html) = app.get_text("/dashboard").await;
    assert_eq!(status, 200);
    for asset in
        ["/assets/maplibre-gl.js?v=", "/assets/maplibre-gl.css?v=", "/assets/echarts.js?v=", "/assets/dashboard.js?v="]
    {
        assert!(html.contains(asset), "the page loads {asset}");
    }
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("href=\"/dashboard\""), "the home page links the dashboard");

    let (status, script) = app.get_text("/assets/dashboard.js").await;
    assert_eq!(status, 200);
    // The map image's SVG names its namespace (a name, never fetched).
    let html = html.replace("http://www.w3.org/2000/svg", "");
    for (name, text) in [("the page", &html), ("dashboard.js", &script)] {
        assert!(!text.contains("http://") && !text.contains("https://"), "{name} names a URL of another host");
    }

    for (name, content_type, at_least) in [
        ("maplibre-gl.js", "text/javascript", 500_000),
        ("maplibre-gl.css", "text/css", 10_000),
        ("dashboard.js", "text/javascript", 5_000),
        ("dashboard.css", "text/css", 500),
        ("maplibre-gl-LICENSE.txt", "text/plain", 1_000),
        ("echarts.js", "text/javascript", 500_000),
        ("echarts-LICENSE.txt", "text/plain", 10_000),
        ("echarts-NOTICE.txt", "text/plain", 100),
        ("echarts-LICENSE-d3.txt", "text/plain", 1_000),
        ("zrender-LICENSE.txt", "text/plain", 1_000),
    ] {
        let res = app.client.get(format!("{}/assets/{name}", app.base)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{name}");
        let header = |h: &str| res.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(header("content-type").starts_with(content_type), "{name}: {}", header("content-type"));
        assert_eq!(header("cache-control"), "public, max-age=86400", "{name}");
        let etag = header("etag");
        assert!(res.bytes().await.unwrap().len() >= at_least, "{name} is too small");
        let again =
            app.client.get(format!("{}/assets/{name}", app.base)).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304, "{name} revalidates with its ETag");
    }
    let (status, _) = app.get_text("/assets/no-such-file.js").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_dashboard_page_starts_from_its_address_town_station_ranking_layer_and_wall() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let town = catalog.areas().iter().find(|a| a.level == AreaLevel::Town).unwrap().code.to_string();
    let station = catalog.stations()[0].clone();

    let (status, html) = app
        .get_text(&format!(
            "/dashboard?town={town}&station={}&ranking=member&layer=grid&metric=count&wall=1",
            station.id
        ))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"class="dashboard wall""#) && html.contains(r#"data-wall="1""#), "the wall screen");
    assert!(html.contains(&format!(r#"<option value="{town}" selected>"#)), "the town is chosen");
    assert!(html.contains(r#"<option value="grid" selected>"#), "the grid choropleth is chosen");
    assert!(html.contains(r#"value="member" checked"#), "the member ranking is chosen");
    assert!(html.contains(&format!(r#"value="{}" data-name="{}""#, station.id, station.name)), "the station is kept");
    assert!(html.contains(r#"href="/dashboard?metric=count&amp;res=8&amp;town="#), "the link back keeps the view");

    // Unknown choices fall back to the district, the town ranking and the hexagons.
    let (status, html) = app.get_text("/dashboard?town=999999999&station=nope&ranking=x&layer=y").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"class="dashboard""#) && !html.contains("data-wall"), "the desk view");
    let town_select = html.split(r#"id="town""#).nth(1).and_then(|s| s.split("</select>").next()).unwrap();
    assert!(!town_select.contains("selected"), "no town chosen: {town_select}");
    assert!(html.contains(r#"value="town" checked"#) && html.contains(r#"<option value="hex" selected>"#));
    assert!(html.contains(r#"<input id="station" type="hidden" name="station">"#), "no station: {html}");
}

// ---- the page in a browser --------------------------------------------------------------------

#[tokio::test]
async fn the_dashboard_shows_the_apis_numbers_drills_down_to_a_town_and_keeps_its_view_in_the_address() {
    // Arrange: a server with opinions, and what the API answers for the page's first view.
    let started = Instant::now();
    let app = TestApp::with_sample().await;
    app.store.insert_history(&liaison::sample::history::history(&app.state.service.catalog(), 3000)).await.unwrap();
    app.state.service.refresh().await.unwrap();
    let (_, heatmap) = app.get("/api/v1/heatmap?res=8&metric=resolution_rate").await;
    let (_, totals) = app.get("/api/v1/stats").await;
    let (_, towns) = app.get("/api/v1/stats?group_by=town").await;
    let hexagons = heatmap["features"].as_array().unwrap();
    assert!(hexagons.len() > 100, "the heatmap has cells to draw");
    let (from, to) = ("2026-01-01", "2026-06-30");
    let window = format!("from={from}&to={to}");
    // The town to drill into: the busiest of the window.
    let (_, window_towns) = app.get(&format!("/api/v1/stats?group_by=town&{window}")).await;
    let town =
        rows(&window_towns).iter().max_by_key(|r| r["count"].as_u64()).unwrap()["group"].as_str().unwrap().to_owned();

    // Act: a leader opens the page, clicks a hexagon, asks for opinion counts on coarser hexagons in
    // a time window, clicks the town in the ranking, ranks its stations and shows the towns'
    // choropleth; then the wall screen and a phone (tests/browser/dashboard.mjs).
    let shown = playwright("dashboard", &app.base, &[("FROM", from), ("TO", to), ("TOWN", &town)]).await;

    // Assert, first view: the district's KPI cards, the town ranking (best resolution rate first)
    // and the charts are the API's; every hexagon is drawn and painted.
    let first = &shown["first"];
    assert_kpis("district", &first["totals"], &rows(&totals)[0]);
    assert!(first["scope"].is_null(), "no town chosen, no second group of cards");
    assert_ranking("towns", &first["ranking"], "town", &towns, "resolution_rate", true);
    let catalog = app.state.service.catalog();
    for row in first["ranking"]["rows"].as_array().unwrap() {
        let code = row["code"].as_str().unwrap();
        let area = catalog.area(&AreaCode::new(code).unwrap()).unwrap_or_else(|| panic!("{code} is no town"));
        assert_eq!(row["name"], area.name.as_str(), "{code} is named as in the catalog");
    }
    assert_charts(&app, &first["charts"], "", "town", Drawer::ECharts).await;
    let state = &first["state"];
    assert_eq!((&state["state"], &state["layer"]), (&Value::from("ready"), &Value::from("hex")), "{state}");
    assert_eq!(state["hexagons"], hexagons.len().to_string(), "every hexagon was drawn: {state}");
    let visible: usize = state["hexagonsVisible"].as_str().unwrap().parse().unwrap();
    assert!(visible * 2 > hexagons.len(), "most hexagons are on screen: {state}");
    assert!(painted(state) > 0.005, "the canvas shows hexagon colours: {state}");
    for kept in ["metric=resolution_rate", "res=8", "layer=hex", "ranking=town"] {
        assert!(first["search"].as_str().unwrap().contains(kept), "the address keeps {kept}: {}", first["search"]);
    }
    assert_eq!(first["links"]["ranking-csv"], "/api/v1/stats?group_by=town&format=csv");
    assert_eq!(first["links"]["trend-csv"], "/api/v1/stats?interval=month&format=csv");
    assert_eq!(first["links"]["category-csv"], "/api/v1/stats?group_by=category&format=csv");

    // A click on a hexagon shows that hexagon's numbers.
    let h3 = shown["click"]["h3"].as_str().unwrap();
    let feature = hexagons.iter().find(|f| f["properties"]["h3"] == h3).expect("the clicked hexagon");
    assert_eq!(shown["click"]["count"], feature["properties"]["count"], "the panel of {h3}");
    // The map drew from the compact heatmap; the panel fetched the cell's rates.
    assert_eq!(shown["click"]["resolution_rate"], feature["properties"]["resolution_rate"], "the panel of {h3}");
    assert_screenshot(&shown, 50_000);

    // Changing the controls re-fetches: coarser hexagons, opinion counts, a time window; the
    // ranking goes by opinions and the address keeps the view.
    let second = &shown["second"];
    let (_, coarse) = app.get(&format!("/api/v1/heatmap?res=7&metric=count&{window}")).await;
    let (_, window_totals) = app.get(&format!("/api/v1/stats?{window}")).await;
    assert_eq!(second["state"]["hexagons"], features(&coarse).to_string(), "{}", second["state"]);
    assert_kpis("district in the window", &second["totals"], &rows(&window_totals)[0]);
    assert_ranking("towns in the window", &second["ranking"], "town", &window_towns, "count", true);
    assert_charts(&app, &second["charts"], &window, "town", Drawer::ECharts).await;
    let search = second["search"].as_str().unwrap();
    for kept in ["res=7", "metric=count", &format!("from={from}"), &format!("to={to}")] {
        assert!(search.contains(kept), "the address keeps the view ({kept}): {search}");
    }
    assert_eq!(second["links"]["ranking-csv"], format!("/api/v1/stats?group_by=town&{window}&format=csv"));

    // A click on the town in the ranking drills down: its cards beside the district's, its
    // hexagons, charts of its opinions (reply times of its stations), the town picked in the
    // ranking of all towns, and the town in the address and the CSV links.
    let drilled = &shown["drilled"];
    let in_town = format!("{window}&town={town}");
    let (_, town_totals) = app.get(&format!("/api/v1/stats?{in_town}")).await;
    let (_, town_hexagons) = app.get(&format!("/api/v1/heatmap?res=7&metric=count&{in_town}")).await;
    assert_kpis("district beside the town", &drilled["totals"], &rows(&window_totals)[0]);
    assert_kpis("the town", &drilled["scope"], &rows(&town_totals)[0]);
    let town_name = &catalog.area(&AreaCode::new(&town).unwrap()).unwrap().name;
    assert_eq!(drilled["scopeName"], town_name.as_str());
    assert_eq!(drilled["state"]["hexagons"], features(&town_hexagons).to_string(), "{}", drilled["state"]);
    assert_ranking("towns, one picked", &drilled["ranking"], "town", &window_towns, "count", true);
    let picked: Vec<&str> = drilled["ranking"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["picked"] == true)
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(picked, [town.as_str()], "the town is picked out in the ranking");
    assert_charts(&app, &drilled["charts"], &in_town, "station", Drawer::ECharts).await;
    assert!(drilled["search"].as_str().unwrap().contains(&format!("town={town}")), "{}", drilled["search"]);
    assert_eq!(drilled["links"]["trend-csv"], format!("/api/v1/stats?interval=month&{in_town}&format=csv"));
    assert!(drilled["links"]["wall-link"].as_str().unwrap().contains(&format!("town={town}")), "the wall link too");

    // The station ranking of the town, and its CSV link answers exactly those rows.
    let stations = &shown["stations"];
    let (_, town_stations) = app.get(&format!("/api/v1/stats?group_by=station&{in_town}")).await;
    assert_ranking("the town's stations", &stations["ranking"], "station", &town_stations, "count", true);
    assert!(stations["search"].as_str().unwrap().contains("ranking=station"), "{}", stations["search"]);
    let csv = &shown["csv"];
    let expected_href = format!("{}/api/v1/stats?group_by=station&{in_town}&format=csv", app.base);
    assert_eq!(csv["href"], expected_href.as_str(), "the CSV link asks for what the ranking shows");
    assert!(csv["type"].as_str().unwrap().starts_with("text/csv"), "{}", csv["type"]);
    let (_, expected_csv) = app.get_text(&format!("/api/v1/stats?group_by=station&{in_town}&format=csv")).await;
    assert_eq!(csv["text"], expected_csv.as_str());
    let mut csv_codes: Vec<&str> = expected_csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    let mut shown_codes: Vec<&str> =
        stations["ranking"]["rows"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    csv_codes.sort_unstable();
    shown_codes.sort_unstable();
    assert_eq!(csv_codes, shown_codes, "the CSV holds the rows shown");

    // The choropleth of towns: every town drawn as a painted 3D area.
    let choropleth = &shown["towns"];
    let (_, areas) = app.get(&format!("/api/v1/areas/stats?level=town&metric=count&{window}")).await;
    assert_eq!(choropleth["state"]["layer"], "town");
    assert_eq!(choropleth["state"]["features"], features(&areas).to_string(), "{}", choropleth["state"]);
    assert!(painted(&choropleth["state"]) > 0.005, "the towns are painted: {}", choropleth["state"]);
    assert!(choropleth["search"].as_str().unwrap().contains("layer=town"), "{}", choropleth["search"]);

    // The wall screen fits 1920×1080 without scrolling and shows the district's numbers; the phone
    // view does not scroll sideways.
    let wall = &shown["wall"];
    assert_eq!((&wall["state"]["state"], &wall["state"]["wall"]), (&Value::from("ready"), &Value::from("1")));
    assert_eq!(wall["fits"], true, "the wall screen needs no scrolling");
    assert_kpis("wall screen", &wall["totals"], &rows(&totals)[0]);
    assert!(wall["search"].as_str().unwrap().contains("wall=1"), "{}", wall["search"]);
    assert!(painted(&wall["state"]) > 0.005, "the wall's map is painted: {}", wall["state"]);
    let phone = &shown["phone"];
    assert_eq!(phone["state"]["state"], "ready");
    assert!(
        phone["width"]["page"].as_u64() <= phone["width"]["viewport"].as_u64(),
        "the phone view: {}",
        phone["width"]
    );
    assert_kpis("phone", &phone["totals"], &rows(&totals)[0]);
    for (name, at_least) in
        [("desk", 50_000), ("drilled", 50_000), ("choropleth", 50_000), ("wall", 80_000), ("phone", 20_000)]
    {
        assert_screenshot(&serde_json::json!({ "screenshot": shown["screenshots"][name] }), at_least);
    }

    // Nothing was asked of any other host (and no page threw or logged an error: the scenario
    // fails on either).
    assert_only_this_server(&shown, &app.base);
    assert!(started.elapsed() < Duration::from_secs(110), "took {:?}", started.elapsed());
}

fn rows(answer: &Value) -> &Vec<Value> {
    answer["rows"].as_array().unwrap_or_else(|| panic!("no rows: {answer}"))
}

fn features(collection: &Value) -> usize {
    collection["features"].as_array().unwrap_or_else(|| panic!("no features: {collection}")).len()
}

fn painted(state: &Value) -> f64 {
    state["painted"].as_str().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("no painted share: {state}"))
}

/// The KPI cards of `what` hold and show every number of the stats row `api`.
fn assert_kpis(what: &str, cards: &Value, api: &Value) {
    for field in [
        "count",
        "open",
        "overdue",
        "resolution_rate",
        "satisfaction_rate",
        "reply_rate",
        "reply_hours_median",
        "reply_hours_p90",
        "concentration",
    ] {
        assert_shows(&format!("{what} {field}"), &cards[field], &api[field], kind_of(field));
    }
    assert_eq!(cards["top_category"]["value"], api["top_category"], "{what} top category");
}

/// The ranking lists the API's `by` rows, each with its numbers, ordered by `field` (best or
/// largest first when `descending`, unknowns last).
fn assert_ranking(what: &str, ranking: &Value, by: &str, api: &Value, field: &str, descending: bool) {
    assert_eq!(ranking["by"], by, "{what}");
    let shown = ranking["rows"].as_array().unwrap();
    let api_rows = rows(api);
    assert_eq!(shown.len(), api_rows.len(), "{what}: one ranking row per group with opinions");
    for row in shown {
        let code = row["code"].as_str().unwrap();
        let api = api_rows
            .iter()
            .find(|r| r["group"].as_str().unwrap_or_default() == code)
            .unwrap_or_else(|| panic!("{what}: {code} is not in the API"));
        if let Some(name) = api["name"].as_str() {
            assert_eq!(row["name"], name, "{what}: {code}'s name");
        }
        let cells = row["cells"].as_object().unwrap();
        assert_eq!(cells.len(), 6, "{what}: {code} shows its numbers");
        for (f, cell) in cells {
            assert_shows(&format!("{what}: {code} {f}"), cell, &api[f.as_str()], kind_of(f));
        }
    }
    let values: Vec<Option<f64>> =
        shown.iter().map(|r| r["cells"][field]["value"].as_str().map(|v| v.parse().unwrap())).collect();
    for pair in values.windows(2) {
        let in_order = match (pair[0], pair[1]) {
            (Some(a), Some(b)) => {
                if descending {
                    a >= b
                } else {
                    a <= b
                }
            }
            (_, None) => true,
            (None, Some(_)) => false,
        };
        assert!(in_order, "{what}: ranked by {field}, unknowns last: {values:?}");
    }
}

/// The charts draw the API's rows for the filter `filter` (a query string, maybe empty): the
/// monthly trend's opinion counts, the categories' counts, and the reply times' medians per
/// `reply_by` (town, or station within a town).
/// Who drew a chart: ECharts in the browser, or the server (SVG, the page without JavaScript).
#[derive(Clone, Copy, PartialEq)]
enum Drawer {
    ECharts,
    Server,
}

/// Asserts that `charts` (each `{labels, values, canvas, svg}`) were drawn by `drawer`.
fn assert_drawn_by(charts: &Value, drawer: Drawer, filter: &str) {
    for id in ["trend-chart", "category-chart", "reply-chart"] {
        let canvases = charts[id]["canvas"].as_array().unwrap().len();
        let svgs = charts[id]["svg"].as_u64().unwrap();
        match drawer {
            Drawer::ECharts => assert!(canvases > 0 && svgs == 0, "ECharts drew {id} ({filter}): {}", charts[id]),
            Drawer::Server => assert!(canvases == 0 && svgs == 1, "the server drew {id} ({filter}): {}", charts[id]),
        }
    }
}

async fn assert_charts(app: &TestApp, charts: &Value, filter: &str, reply_by: &str, drawer: Drawer) {
    assert_drawn_by(charts, drawer, filter);
    let q = |extra: &str| {
        if filter.is_empty() {
            format!("/api/v1/stats?{extra}")
        } else {
            format!("/api/v1/stats?{extra}&{filter}")
        }
    };
    // The reply times per town show every town: the town filter applies to stations only.
    let reply_filter: String = if reply_by == "town" {
        filter.split('&').filter(|p| !p.starts_with("town=")).collect::<Vec<_>>().join("&")
    } else {
        filter.to_owned()
    };
    let (_, trend) = app.get(&q("interval=month")).await;
    let (_, categories) = app.get(&q("group_by=category")).await;
    let (_, reply) = app.get(&format!("/api/v1/stats?group_by={reply_by}&{reply_filter}")).await;

    let chart = &charts["trend-chart"];
    let periods: Vec<String> = rows(&trend).iter().map(|r| r["period"].as_str().unwrap()[..7].to_owned()).collect();
    assert_eq!(chart["labels"], serde_json::json!(periods), "the trend's months ({filter})");
    let counts: Vec<u64> = rows(&trend).iter().map(|r| r["count"].as_u64().unwrap()).collect();
    assert_eq!(chart["values"], serde_json::json!(counts), "the trend's counts ({filter})");

    let chart = &charts["category-chart"];
    let mut expected: Vec<(String, u64)> = rows(&categories)
        .iter()
        .filter(|r| !r["group"].is_null())
        .map(|r| (r["group"].as_str().unwrap().to_owned(), r["count"].as_u64().unwrap()))
        .collect();
    let mut drawn: Vec<(String, u64)> = chart["labels"]
        .as_array()
        .unwrap()
        .iter()
        .zip(chart["values"].as_array().unwrap())
        .map(|(l, v)| (l.as_str().unwrap().to_owned(), v.as_u64().unwrap()))
        .collect();
    expected.sort();
    drawn.sort();
    assert_eq!(drawn, expected, "the categories' counts ({filter})");

    let chart = &charts["reply-chart"];
    let expected: Vec<(&str, f64)> =
        rows(&reply).iter().filter_map(|r| Some((r["group"].as_str()?, r["reply_hours_median"].as_f64()?))).collect();
    let drawn: Vec<(&str, f64)> = chart["labels"]
        .as_array()
        .unwrap()
        .iter()
        .zip(chart["values"].as_array().unwrap())
        .map(|(l, v)| (l.as_str().unwrap(), v.as_f64().unwrap()))
        .collect();
    assert_eq!(drawn.len(), expected.len(), "reply times per {reply_by} ({filter}): {drawn:?}");
    for (code, hours) in &expected {
        let (_, shown) = drawn.iter().find(|(c, _)| c == code).unwrap_or_else(|| panic!("{code} has no reply bar"));
        assert!((shown - hours).abs() <= 1e-9 * hours.max(1.0), "{code}: {shown} h drawn for {hours} h");
    }
}

/// How a number is shown: `rate` as a percentage with one decimal, `hours` with one decimal,
/// `count` whole.
fn kind_of(field: &str) -> &'static str {
    match field {
        "count" | "open" | "overdue" => "count",
        "reply_hours_median" | "reply_hours_p90" => "hours",
        _ => "rate",
    }
}

/// Asserts that a cell (`{value, text}` from the page: its `data-value` and what it reads) holds
/// and shows the API's `expected` number.
fn assert_shows(what: &str, cell: &Value, expected: &Value, kind: &str) {
    let text = cell["text"].as_str().unwrap_or_else(|| panic!("{what}: not shown ({cell})"));
    let Some(expected) = expected.as_f64() else {
        assert!(expected.is_null(), "{what}: the API says {expected}");
        assert!(cell["value"].is_null(), "{what}: an unknown number has no data-value ({cell})");
        assert!(!text.chars().any(|c| c.is_ascii_digit()), "{what}: an unknown number shows no digits ({text:?})");
        return;
    };
    let value: f64 = cell["value"].as_str().unwrap_or_else(|| panic!("{what}: no value ({cell})")).parse().unwrap();
    // serde_json's default float parsing may be one unit in the last place off; the browser's is exact.
    assert!(
        (value - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{what}: the page holds {value}, the API {expected}"
    );
    // What it reads: the number, rounded as its kind says (a rate in percent), whatever words,
    // signs or digit group separators are around it.
    let number: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    let scale = if kind == "rate" { 100.0 } else { 1.0 };
    if kind == "rate" {
        assert!(text.contains('%'), "{what}: {text:?} is no percentage");
    }
    let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
    assert_eq!(decimals, if kind == "count" { 0 } else { 1 }, "{what}: {text:?}");
    let shown: f64 = number.parse().unwrap_or_else(|_| panic!("{what}: {text:?}"));
    assert!((shown - expected * scale).abs() <= 0.05 + 1e-9, "{what}: {text:?} for {expected}");
}

// ---- the page without JavaScript: the view as the server draws it -------------------------------

#[tokio::test]
async fn without_javascript_the_dashboard_shows_the_apis_numbers_charts_and_every_map_shape_drawn_by_the_server() {
    // Arrange: a server with opinions; a town to drill into (the busiest).
    let app = TestApp::with_sample().await;
    app.store.insert_history(&liaison::sample::history::history(&app.state.service.catalog(), 3000)).await.unwrap();
    app.state.service.refresh().await.unwrap();
    let (_, towns) = app.get("/api/v1/stats?group_by=town").await;
    let town = rows(&towns).iter().max_by_key(|r| r["count"].as_u64()).unwrap()["group"].as_str().unwrap().to_owned();
    let queries = [
        String::new(),
        format!("?town={town}&ranking=station&layer=town&metric=reply_hours"),
        "?wall=1&res=7&metric=count&ranking=member".to_owned(),
    ];

    for q in &queries {
        for lang in ["zh-CN", "en"] {
            let sep = if q.is_empty() { "?" } else { "&" };
            let (status, html) = app.get_text(&format!("/dashboard{q}{sep}lang={lang}")).await;
            assert_eq!(status, 200);
            assert!(!html.contains('⟦'), "{q} in {lang}: every message of the drawn view is in the catalogue");
        }
    }

    // Act: a leader's browser with JavaScript off opens each view.
    let shown = playwright("dashboard-nojs", &app.base, &[("QUERIES", &serde_json::json!(queries).to_string())]).await;
    let views = shown["views"].as_array().unwrap();
    assert_eq!(views.len(), 3);

    // Assert, the district: cards, the town ranking and the charts are the API's, and the map image
    // draws every hexagon of the heatmap, grey where it has too few opinions for a rate.
    let (_, totals) = app.get("/api/v1/stats").await;
    let (_, heatmap) = app.get("/api/v1/heatmap?res=8&metric=resolution_rate&numbers=value").await;
    let first = &views[0]["view"];
    assert!(views[0]["noscript"].as_str().is_some_and(|t| !t.is_empty()), "the page says what needs JavaScript");
    assert_kpis("district", &first["totals"], &rows(&totals)[0]);
    assert!(first["scope"].is_null());
    assert_ranking("towns", &first["ranking"], "town", &towns, "resolution_rate", true);
    assert_charts(&app, &first["charts"], "", "town", Drawer::Server).await;
    assert_map_image(&views[0]["map"], &heatmap, "hexagons", false);
    assert_eq!(first["state"]["state"], "loading", "no script marked the page ready");

    // The drilled town: its own cards, its stations ranked by reply time (shortest first), the
    // towns' choropleth.
    let in_town = format!("town={town}");
    let (_, scope) = app.get(&format!("/api/v1/stats?{in_town}")).await;
    let (_, stations) = app.get(&format!("/api/v1/stats?group_by=station&{in_town}")).await;
    let (_, areas) = app.get("/api/v1/areas/stats?level=town&metric=reply_hours").await;
    let drilled = &views[1]["view"];
    assert_kpis("district", &drilled["totals"], &rows(&totals)[0]);
    assert_kpis("town", &drilled["scope"], &rows(&scope)[0]);
    assert_ranking("stations", &drilled["ranking"], "station", &stations, "reply_hours_median", false);
    assert_charts(&app, &drilled["charts"], &in_town, "station", Drawer::Server).await;
    assert_map_image(&views[1]["map"], &areas, "towns", true);

    // The wall screen: members ranked by opinions, coarser hexagons coloured by count.
    let (_, members) = app.get("/api/v1/stats?group_by=member").await;
    let (_, coarse) = app.get("/api/v1/heatmap?res=7&metric=count&numbers=value").await;
    let wall = &views[2]["view"];
    assert_ranking("members", &wall["ranking"], "member", &members, "count", true);
    assert_map_image(&views[2]["map"], &coarse, "coarse hexagons", false);
    assert_eq!(wall["width"]["page"], wall["width"]["viewport"], "the wall screen fits 1920 px");

    for shot in shown["screenshots"].as_array().unwrap() {
        assert_screenshot(&serde_json::json!({ "screenshot": shot }), 50_000);
    }
}

/// The map image (`{complete, width, height, shown, src}`: a `data:` URL of an SVG) drew every
/// feature of `collection` (GeoJSON with `value`s): the first path the towns, then one path per
/// colour; features without a value in the grey path, the rest coloured; `outlined`: whether a
/// chosen town is outlined.
fn assert_map_image(map: &Value, collection: &Value, what: &str, outlined: bool) {
    assert_eq!(map["complete"], true, "{what}: the image loaded");
    assert!(map["width"].as_f64().unwrap() > 0.0 && map["shown"][0].as_f64().unwrap() > 100.0, "{what}: {map}");
    let src = map["src"].as_str().unwrap();
    let svg = percent_encoding::percent_decode_str(src.strip_prefix("data:image/svg+xml,").unwrap())
        .decode_utf8()
        .unwrap()
        .into_owned();
    let paths: Vec<(&str, &str)> = svg
        .split("<path ")
        .skip(1)
        .map(|p| {
            let attr = |name: &str| p.split(&format!("{name}=\"")).nth(1).and_then(|v| v.split('"').next()).unwrap();
            (attr("fill"), attr("d"))
        })
        .collect();
    let rings = |d: &str| d.matches('z').count();
    // After the towns: the shapes, then the chosen town's outline (no fill).
    type Paths<'a> = Vec<(&'a str, &'a str)>;
    let (outlines, shapes): (Paths, Paths) = paths[1..].iter().partition(|(fill, _)| *fill == "none");
    let features = collection["features"].as_array().unwrap();
    let ring_count = |f: &Value| -> usize {
        match f["geometry"]["type"].as_str().unwrap() {
            "Polygon" => f["geometry"]["coordinates"].as_array().unwrap().len(),
            _ => f["geometry"]["coordinates"].as_array().unwrap().iter().map(|p| p.as_array().unwrap().len()).sum(),
        }
    };
    let (grey, coloured): (Vec<&Value>, Vec<&Value>) =
        features.iter().partition(|f| f["properties"]["value"].is_null());
    // The ramp's colours are written rgb(…), the grey of "too few opinions" as #rrggbb.
    let drawn = |ramp: bool| -> usize {
        shapes.iter().filter(|(fill, _)| fill.starts_with("rgb(") == ramp).map(|(_, d)| rings(d)).sum()
    };
    let (drawn_grey, drawn_coloured) = (drawn(false), drawn(true));
    assert_eq!(drawn_grey, grey.iter().map(|f| ring_count(f)).sum::<usize>(), "{what}: grey shapes");
    assert_eq!(drawn_coloured, coloured.iter().map(|f| ring_count(f)).sum::<usize>(), "{what}: coloured shapes");
    assert!(!coloured.is_empty(), "{what}: something to colour");
    assert_eq!(outlines.len(), usize::from(outlined), "{what}: the chosen town's outline");
}

// ---- the page in each language ----------------------------------------------------------------

/// Whether `c` is a Chinese character (CJK ideographs and the full-width punctuation around them).
fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// The Chinese characters of `text` once the catalog's names (data, not words of the page) and the
/// language switch's `中文` are taken out, with a little context each, for a readable failure.
fn chinese_words(app: &TestApp, text: &str) -> Vec<String> {
    let catalog = app.state.service.catalog();
    let mut names: Vec<String> = catalog.areas().iter().map(|a| a.name.clone()).collect();
    names.extend(catalog.stations().iter().map(|s| s.name.clone()));
    names.extend(catalog.members().iter().map(|m| m.name.clone()));
    names.push(t(Lang::En, "lang-switch"));
    // Longest first, so that a town's name is not cut out of a station's.
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    let mut rest = text.to_owned();
    for name in &names {
        rest = rest.replace(name.as_str(), " ");
    }
    let chars: Vec<char> = rest.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|(_, c)| is_chinese(**c))
        .map(|(i, _)| chars[i.saturating_sub(12)..(i + 12).min(chars.len())].iter().collect())
        .collect()
}

#[tokio::test]
async fn the_dashboard_speaks_chinese_by_default_and_english_when_asked_with_the_apis_numbers() {
    // Arrange: a server with opinions.
    let app = TestApp::with_sample().await;
    app.store.insert_history(&liaison::sample::history::history(&app.state.service.catalog(), 1000)).await.unwrap();
    app.state.service.refresh().await.unwrap();

    // The server's page: Chinese by default; English from ?lang=en, then from the cookie it sets,
    // with no Chinese word of its own (town names and the like are data).
    let (_, zh) = app.get_text("/dashboard").await;
    assert!(zh.contains(r#"<html lang="zh-CN">"#));
    for id in ["dash-heading", "dash-metric-resolution_rate", "dash-trend", "dash-update", "dash-whole-district"] {
        assert!(zh.contains(&t(Lang::ZhCn, id)), "the Chinese page says {id}");
    }
    assert!(zh.contains(&label(Lang::ZhCn, "category", "roads")));
    for page in ["/dashboard?lang=en", "/dashboard", "/dashboard?wall=1"] {
        let (status, en) = app.get_text(page).await;
        assert_eq!(status, 200);
        assert!(en.contains(r#"<html lang="en">"#), "{page} is in English");
        assert!(!en.contains('⟦'), "{page} lacks no message");
        let found = chinese_words(&app, &en);
        assert!(found.is_empty(), "{page} has Chinese words: {found:#?}");
        for id in ["dash-metric-resolution_rate", "dash-res", "dash-ranking-station", "dash-col-hours", "dash-csv"] {
            assert!(en.contains(&t(Lang::En, id)), "{page} says {id}");
        }
        assert!(en.contains(&label(Lang::En, "category", "roads")), "{page} names the categories in English");
    }
    let (_, wall) = app.get_text("/dashboard?wall=1").await;
    assert!(wall.contains(&t(Lang::En, "dash-wall-title")), "the wall screen's title");
    assert!(!zh.contains("Leaders"), "the Chinese page has no English heading");
    // Asked for Chinese again: Chinese.
    let (_, again) = app.get_text("/dashboard?lang=zh-CN").await;
    assert!(again.contains(r#"<html lang="zh-CN">"#));

    // Act: the page in a browser, in Chinese and then switched to English.
    let shown = playwright("dashboard-lang", &app.base, &[]).await;

    // Assert: every label in the page's language, the numbers the API's.
    let (_, totals) = app.get("/api/v1/stats").await;
    let (_, categories) = app.get("/api/v1/stats?group_by=category").await;
    for (lang, view) in [(Lang::ZhCn, &shown["zh"]), (Lang::En, &shown["en"])] {
        let tag = lang.tag();
        assert_eq!(view["lang"], tag);
        assert_eq!(view["title"], t(lang, "dash-title").as_str(), "{tag}");
        let words = &view["words"];
        let kpis = words["kpis"].as_object().unwrap();
        assert_eq!(kpis.len(), 8, "{tag}: eight KPI cards: {kpis:?}");
        for (field, label_shown) in kpis {
            assert_eq!(label_shown, &t(lang, &format!("js-dash-field-{field}")), "{tag}: the {field} card");
        }
        for (id, message) in [
            ("kpi-district", "dash-district"),
            ("ranking", "dash-ranking"),
            ("trend", "dash-trend"),
            ("categories", "dash-categories"),
        ] {
            assert_eq!(words["headings"][id], t(lang, message).as_str(), "{tag}: heading of #{id}");
        }
        let reply_heading = format!("{} {}", t(lang, "dash-reply-time"), t(lang, "js-dash-by-town"));
        assert_eq!(words["headings"]["reply-time"], reply_heading.as_str(), "{tag}");
        let series = |m: &[&str]| serde_json::json!(m.iter().map(|id| t(lang, id)).collect::<Vec<_>>());
        assert_eq!(
            words["series"]["trend-chart"],
            series(&[
                "js-dash-field-count",
                "js-dash-field-resolution_rate",
                "js-dash-field-satisfaction_rate",
                "js-dash-field-reply_rate"
            ]),
            "{tag}: the trend's legend"
        );
        assert_eq!(words["series"]["reply-chart"], series(&["js-dash-median", "js-dash-p90"]), "{tag}");
        assert_eq!(words["axes"]["reply-chart"], series(&["js-dash-hours-unit"]), "{tag}: the reply chart's axis");
        let mut expected_categories: Vec<String> = rows(&categories)
            .iter()
            .filter_map(|r| r["group"].as_str())
            .map(|code| label(lang, "category", code))
            .collect();
        let mut drawn: Vec<String> =
            words["categories"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
        expected_categories.sort();
        drawn.sort();
        assert_eq!(drawn, expected_categories, "{tag}: the categories' names");
        assert!(words["status"].as_str().unwrap().contains(&rows(&totals)[0]["count"].to_string()), "{tag}: {words}");
        assert!(
            words["legend"].as_str().unwrap().starts_with(&t(lang, "dash-metric-resolution_rate")),
            "{tag}: {words}"
        );
        assert_kpis(tag, &view["totals"], &rows(&totals)[0]);
        assert_charts(&app, &view["charts"], "", "town", Drawer::ECharts).await;
    }
    // Chinese words in the Chinese view, none of the page's own in the English one.
    assert!(shown["zh"]["words"]["legend"].as_str().unwrap().chars().any(is_chinese));
    assert!(shown["zh"]["words"]["status"].as_str().unwrap().chars().any(is_chinese));
    let found = chinese_words(&app, shown["en"]["text"].as_str().unwrap());
    assert!(found.is_empty(), "the English page shows Chinese words: {found:#?}");
    let en_words = shown["en"]["words"].to_string();
    assert!(!en_words.chars().any(is_chinese), "English labels: {en_words}");
    assert!(shown["en"]["search"].as_str().unwrap().contains("metric=resolution_rate"), "the switch keeps the view");
    assert_screenshot(&shown, 50_000);
    assert_only_this_server(&shown, &app.base);
}
