//! The leaders' dashboard: its page and assets as the server sends them, and the page in a real
//! browser (the `tests/browser/dashboard.mjs` scenario: Playwright driving Debian's headless Chromium
//! with WebGL on SwiftShader). The page must rank the towns and show the totals exactly as
//! `/api/v1/stats` counts them, draw every hexagon of `/api/v1/heatmap` as a painted 3D layer, answer
//! a real click on a hexagon with its numbers, re-fetch when the controls change, and request nothing
//! beyond this server. A screenshot is kept in target/browser/dashboard.png as an artifact.

use std::time::{Duration, Instant};

use liaison::domain::AreaCode;
use liaison::store::Store;
use serde_json::Value;

use crate::browser::{assert_only_this_server, assert_screenshot, playwright};
use crate::helpers::TestApp;

// ---- the server side: what the page loads -----------------------------------------------------

#[tokio::test]
async fn the_dashboard_page_and_its_assets_come_from_the_binary_and_name_no_other_host() {
    let app = TestApp::with_sample().await;

    let (status, html) = app.get_text("/dashboard").await;
    assert_eq!(status, 200);
    for asset in ["/assets/maplibre-gl.js?v=", "/assets/maplibre-gl.css?v=", "/assets/dashboard.js?v="] {
        assert!(html.contains(asset), "the page loads {asset}");
    }
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("href=\"/dashboard\""), "the home page links the dashboard");

    let (status, script) = app.get_text("/assets/dashboard.js").await;
    assert_eq!(status, 200);
    for (name, text) in [("the page", &html), ("dashboard.js", &script)] {
        assert!(!text.contains("http://") && !text.contains("https://"), "{name} names a URL of another host");
    }

    for (name, content_type, at_least) in [
        ("maplibre-gl.js", "text/javascript", 500_000),
        ("maplibre-gl.css", "text/css", 10_000),
        ("dashboard.js", "text/javascript", 5_000),
        ("dashboard.css", "text/css", 500),
        ("maplibre-gl-LICENSE.txt", "text/plain", 1_000),
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

// ---- the page in a browser --------------------------------------------------------------------

#[tokio::test]
async fn the_dashboard_draws_every_hexagon_and_ranks_the_towns_as_the_api_counts_them() {
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

    // Act: a leader opens the page, clicks a hexagon, then asks for opinion counts on coarser
    // hexagons in a time window (tests/browser/dashboard.mjs).
    let (from, to) = ("2026-01-01", "2026-06-30");
    let shown = playwright("dashboard", &app.base, &[("FROM", from), ("TO", to)]).await;
    let first = &shown["first"];

    // Assert: the town ranking is the API's, with the catalog's names, best resolution rate first.
    let rows = first["ranking"].as_array().unwrap();
    let api_rows = towns["rows"].as_array().unwrap();
    assert_eq!(rows.len(), api_rows.len(), "one ranking row per town with opinions");
    let catalog = app.state.service.catalog();
    for row in rows {
        let code = row["code"].as_str().unwrap();
        let api = api_rows.iter().find(|r| r["group"] == code).unwrap_or_else(|| panic!("{code} is not in the API"));
        let town = catalog.area(&AreaCode::new(code).unwrap()).unwrap_or_else(|| panic!("{code} is no town"));
        assert_eq!(row["name"], town.name.as_str(), "{code} is named as in the catalog");
        assert_eq!(api["name"], town.name.as_str());
        let cells = row["cells"].as_object().unwrap();
        assert!(!cells.is_empty(), "{code} shows its numbers");
        for (field, cell) in cells {
            assert_shows(&format!("{} {field}", town.name), cell, &api[field.as_str()], kind_of(field));
        }
    }
    let rates: Vec<Option<f64>> =
        rows.iter().map(|r| r["cells"]["resolution_rate"]["value"].as_str().map(|v| v.parse().unwrap())).collect();
    for pair in rates.windows(2) {
        let in_order = match (pair[0], pair[1]) {
            (Some(a), Some(b)) => a >= b,
            (_, None) => true,
            (None, Some(_)) => false,
        };
        assert!(in_order, "the ranking goes by resolution rate, best first, unknowns last: {rates:?}");
    }

    // … the district totals are the API's …
    let district = &totals["rows"][0];
    for field in
        ["count", "open", "overdue", "resolution_rate", "satisfaction_rate", "reply_rate", "reply_hours_median"]
    {
        assert_shows(&format!("district {field}"), &first["totals"][field], &district[field], kind_of(field));
    }

    // … and the 3D layer holds every hexagon, shows them on screen, and WebGL painted them.
    let state = &first["state"];
    assert_eq!(state["state"], "ready");
    assert_eq!(state["hexagons"], hexagons.len().to_string(), "every hexagon was drawn: {state}");
    let visible: usize = state["hexagonsVisible"].as_str().unwrap().parse().unwrap();
    assert!(visible * 2 > hexagons.len(), "most hexagons are on screen: {state}");
    let painted: f64 = state["painted"].as_str().unwrap().parse().unwrap();
    assert!(painted > 0.005, "the canvas shows hexagon colours: {state}");

    // A click on a hexagon shows that hexagon's numbers.
    let h3 = shown["click"]["h3"].as_str().unwrap();
    let feature = hexagons.iter().find(|f| f["properties"]["h3"] == h3).expect("the clicked hexagon");
    assert_eq!(shown["click"]["count"], feature["properties"]["count"], "the panel of {h3}");
    assert_screenshot(&shown, 50_000);

    // Changing the controls re-fetches: coarser hexagons, opinion counts, a time window.
    let window = format!("from={from}&to={to}");
    let (_, coarse) = app.get(&format!("/api/v1/heatmap?res=7&metric=count&{window}")).await;
    let (_, towns) = app.get(&format!("/api/v1/stats?group_by=town&{window}")).await;
    let second = &shown["second"];
    let state = &second["state"];
    assert_eq!(state["state"], "ready");
    assert_eq!(state["hexagons"], coarse["features"].as_array().unwrap().len().to_string(), "{state}");
    let search = second["search"].as_str().unwrap();
    for kept in ["res=7", "metric=count", &format!("from={from}"), &format!("to={to}")] {
        assert!(search.contains(kept), "the address keeps the view ({kept}): {search}");
    }
    let counts: Vec<u64> = second["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cells"]["count"]["value"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|p| p[0] >= p[1]), "ranked by opinions now: {counts:?}");
    let mut expected: Vec<u64> =
        towns["rows"].as_array().unwrap().iter().map(|r| r["count"].as_u64().unwrap()).collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(counts, expected, "the window's counts");

    // Nothing was asked of any other host (and the page neither threw nor logged an error: the
    // scenario fails on either).
    assert_only_this_server(&shown, &app.base);
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
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
