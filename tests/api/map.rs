//! The map at `/` in a real browser: the district drawn, a located citizen's nearest stations and
//! grid members, a station found by pinyin initials with its panel, and the page on a phone. Every
//! list the page shows is compared with what the API answers for the same question.

use pinyin::ToPinyin;
use serde_json::Value;

use crate::browser::{assert_only_this_server, assert_screenshot, playwright};
use crate::helpers::TestApp;

fn ids(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x[key].as_str().unwrap().to_owned())
        .collect()
}

/// The initials of `name` by the first reading of each character (letters and digits as written).
fn initials(name: &str) -> String {
    name.chars()
        .map(|c| match c.to_pinyin() {
            Some(p) => p.plain().chars().next().unwrap().to_string(),
            None => c.to_lowercase().to_string(),
        })
        .collect()
}

#[tokio::test]
async fn a_located_citizen_sees_the_nearest_stations_their_grid_member_and_finds_a_station_by_initials() {
    let app = TestApp::with_sample().await;
    let (lon, lat) = (121.5435, 29.8655);

    // What the API answers the same questions.
    let (_, nearest) = app.get(&format!("/api/v1/stations/nearest?lon={lon}&lat={lat}&k=5")).await;
    let (status, grid) = app.get(&format!("/api/v1/grids/at?lon={lon}&lat={lat}&sessions=1")).await;
    assert_eq!(status, 200, "the point lies in a grid: {grid}");
    let catalog = app.state.service.catalog();
    // A station found by its initials among the first eight results, as the map asks.
    let (pick, query, api_results) = {
        let mut found = None;
        for s in catalog.stations().iter().filter(|s| s.kind != liaison::domain::StationKind::OnlineStation) {
            let q = initials(&s.name);
            let (_, answer) = app.get(&format!("/api/v1/search?q={q}&limit=8")).await;
            if ids(&answer["results"], "id").contains(&s.id.to_string()) {
                found = Some((s.id.to_string(), q, answer));
                break;
            }
        }
        found.expect("some station is found by its initials")
    };
    assert!(query.chars().all(|c| c.is_ascii_alphanumeric()), "{query}");
    let (_, detail) = app.get(&format!("/api/v1/stations/{pick}?sessions=6")).await;
    let physical = catalog.stations().iter().filter(|s| s.kind != liaison::domain::StationKind::OnlineStation).count();

    let shown = playwright(
        "map",
        &app.base,
        &[("LON", &lon.to_string()), ("LAT", &lat.to_string()), ("SEARCH", &query), ("PICK", &pick)],
    )
    .await;

    assert_eq!(shown["lang"], "zh-CN");
    assert_eq!(shown["stations"].as_u64(), Some(physical as u64), "every physical station is drawn");
    assert_eq!(shown["grids"].as_u64(), Some(catalog.grids().len() as u64), "every grid is drawn");
    assert!(shown["ready_ms"].as_f64().is_some_and(|ms| ms > 0.0), "the page marks when it is ready: {shown}");
    eprintln!("map ready after {} ms (debug build, test server)", shown["ready_ms"]);
    assert_eq!(shown["preview_left"], false, "the live map replaced the server's drawing: {shown}");
    assert!(shown["preview_ms"].as_f64().is_some_and(|ms| ms > 0.0), "the drawing was painted first: {shown}");

    // Located: the nearest stations in the API's order, with the API's distances.
    let located = &shown["located"];
    let want: Vec<String> = nearest["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(want.len(), 5);
    assert_eq!(ids(&located["nearest"], "id"), want, "{located}");
    for (row, f) in located["nearest"].as_array().unwrap().iter().zip(nearest["features"].as_array().unwrap()) {
        assert_eq!(row["distance_m"], f["properties"]["distance_m"], "{row}");
        assert!(row["text"].as_str().unwrap().contains(f["properties"]["name"].as_str().unwrap()), "{row}");
    }
    // … and the grid they stand in, with its members and when each next receives.
    assert_eq!(located["grid"]["id"], grid["properties"]["id"], "{located}");
    assert_eq!(located["grid"]["name"], grid["properties"]["name"]);
    let members = grid["properties"]["members"].as_array().unwrap();
    assert!(!members.is_empty(), "the sample's grid has members");
    assert_eq!(ids(&located["grid"]["members"], "id"), ids(&grid["properties"]["members"], "id"));
    for (row, m) in located["grid"]["members"].as_array().unwrap().iter().zip(members) {
        let text = row["text"].as_str().unwrap();
        assert!(text.contains(m["name"].as_str().unwrap()), "{text}");
        match m["next_sessions"].as_array().and_then(|s| s.first()) {
            Some(next) => {
                let hhmm = &next["start"].as_str().unwrap()[11..16];
                assert!(
                    text.contains(hhmm) && text.contains(next["station"]["name"].as_str().unwrap()),
                    "{text} / {next}"
                );
            }
            None => assert!(text.contains("暂无接待安排"), "{text}"),
        }
    }
    assert_eq!(
        located["near_boundary"].is_string(),
        grid["properties"]["near_boundary"].as_bool().unwrap(),
        "{located}"
    );
    assert_eq!(located["submit_here"], format!("/submit?lon={lon:.6}&lat={lat:.6}"));
    assert!(located["url"].as_str().unwrap().contains(&format!("lon={lon:.6}")), "the point is in the URL: {located}");

    // Search by initials: the API's results in the API's order, then the station's panel.
    let api: Vec<(String, String)> = api_results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["type"].as_str().unwrap().to_owned(), r["id"].as_str().unwrap().to_owned()))
        .collect();
    let got: Vec<(String, String)> = shown["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["type"].as_str().unwrap().to_owned(), r["id"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(got, api, "the page lists the search API's results");
    let station = &shown["station"];
    let p = &detail["properties"];
    assert_eq!(station["id"], pick.as_str());
    assert_eq!(station["name"], p["name"]);
    let members: Vec<&str> = station["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    let want: Vec<&str> = p["members"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(members, want, "the station's members");
    assert_eq!(station["amap"], p["map_links"]["amap"]);
    assert_eq!(station["baidu"], p["map_links"]["baidu"]);
    assert_eq!(station["submit"], format!("/s/{pick}"));
    assert!(station["qr_width"].as_u64().unwrap() > 0, "the QR code is drawn: {station}");
    let text = station["text"].as_str().unwrap();
    for field in ["address", "phone", "opening_hours"] {
        let v = p[field].as_str().unwrap();
        assert!(v.is_empty() || text.contains(v), "{field} {v} is shown: {text}");
    }
    assert!(station["url"].as_str().unwrap().contains(&format!("station={pick}")), "{station}");

    // A phone: nothing scrolls sideways and the map has room.
    assert!(shown["phone"]["scroll_width"].as_u64().unwrap() <= 375, "{}", shown["phone"]);
    assert!(shown["phone"]["map_height"].as_f64().unwrap() >= 300.0, "{}", shown["phone"]);

    assert_only_this_server(&shown, &app.base);
    for shot in shown["screenshots"].as_array().unwrap() {
        assert_screenshot(&serde_json::json!({ "screenshot": shot }), 20_000);
    }
}

#[tokio::test]
async fn a_citizen_submits_from_a_point_on_the_map_and_tracks_it_there() {
    let app = TestApp::with_sample().await;
    let title = "红绿灯坏了（地图）";
    let shown = playwright("map-submit", &app.base, &[("TITLE", title)]).await;

    // The form got the clicked point, and the opinion is stored there with that title.
    assert_eq!(shown["form"]["lon"], shown["clicked"]["lon"], "{shown}");
    assert_eq!(shown["form"]["lat"], shown["clicked"]["lat"], "{shown}");
    let code = shown["code"].as_str().unwrap();
    let (status, opinion) = app.get(&format!("/api/v1/issues/{code}")).await;
    assert_eq!(status, 200, "{opinion}");
    assert_eq!(opinion["title"], title);
    assert_eq!(opinion["category"], "roads");
    let stored = app.state.service.opinion_by_code(code).await.unwrap();
    let clicked: (f64, f64) = (
        shown["clicked"]["lon"].as_str().unwrap().parse().unwrap(),
        shown["clicked"]["lat"].as_str().unwrap().parse().unwrap(),
    );
    let at = stored.submission.location;
    assert!((at.lon() - clicked.0).abs() < 1e-6 && (at.lat() - clicked.1).abs() < 1e-6, "{at:?} vs {clicked:?}");

    // Tracked from the map: the API's status, the title, a link to the rating page.
    assert_eq!(shown["tracked"]["status"], opinion["status"]);
    let text = shown["tracked"]["text"].as_str().unwrap();
    assert!(text.contains(opinion["status_label"].as_str().unwrap()) && text.contains(title), "{text}");
    assert_eq!(shown["tracked"]["link"], format!("/track/{code}"));
    assert!(!shown["unknown"].as_str().unwrap().trim().is_empty(), "an unknown code says so: {shown}");

    assert_only_this_server(&shown, &app.base);
    assert_screenshot(&shown, 20_000);
}

#[tokio::test]
async fn the_map_page_carries_the_districts_drawing_for_its_first_paint() {
    let app = TestApp::with_sample().await;
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    let at = html.find("id=\"map-preview\"").expect("the drawing is in the page");
    let tag = &html[html[..at].rfind('<').unwrap()..at + html[at..].find('>').unwrap()];
    let src = tag.split("src=\"").nth(1).unwrap().split('"').next().unwrap();
    let svg = percent_encoding::percent_decode_str(src.strip_prefix("data:image/svg+xml,").expect(src))
        .decode_utf8()
        .unwrap();
    let catalog = app.state.service.catalog();
    for town in catalog.areas().iter().filter(|a| a.level == liaison::domain::AreaLevel::Town) {
        assert!(svg.contains(&format!(">{}</text>", town.name)), "{} is labelled", town.name);
    }
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
}
