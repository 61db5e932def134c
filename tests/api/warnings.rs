//! Early warnings over HTTP: a surge submitted this week is listed for its town (and grid) with
//! the right count and ids; bad weeks, levels and categories are 400s in the error shape.

use serde_json::Value;

use crate::helpers::{expect_400s, TestApp};
use crate::opinions::opinion;

/// Submits `n` opinions of `category` at one place and returns their ids.
async fn submit(app: &TestApp, n: usize, category: &str, lon: f64, lat: f64) -> Vec<i64> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let (status, body) = app.post("/api/v1/issues", &opinion(category, lon, lat)).await;
        assert_eq!(status, 201, "{body}");
        let code = body["tracking_code"].as_str().unwrap().parse().unwrap();
        let stored = liaison::store::Store::opinion_by_code(app.store.as_ref(), &code).await.unwrap().unwrap();
        ids.push(stored.id);
    }
    ids
}

fn find<'a>(body: &'a Value, area: &str, category: &str) -> Option<&'a Value> {
    body["warnings"].as_array().unwrap().iter().find(|w| w["area"] == area && w["category"] == category)
}

#[tokio::test]
async fn a_surge_this_week_warns_for_its_town_and_grid_with_its_count_and_ids() {
    // Arrange: the sample without history, the clock on Thursday 2026-11-12 (week of 11-09).
    let app = TestApp::with_sample().await;
    let (lon, lat) = (121.5435, 29.8655);
    let catalog = app.state.service.catalog();
    let hit = catalog.grid_at(liaison::domain::LonLat::new(lon, lat).unwrap()).unwrap();
    let town = hit.grid.town_code.as_ref().unwrap().to_string();
    let grid = hit.grid.id.to_string();
    let noise = submit(&app, 7, "noise", lon, lat).await;
    submit(&app, 2, "parking", lon, lat).await;

    // Act
    let (status, body) = app.get("/api/v1/warnings?week=2026-11-09&level=town").await;

    // Assert
    assert_eq!(status, 200, "{body}");
    let w = find(&body, &town, "noise").unwrap_or_else(|| panic!("no warning for {town}: {body}"));
    let week = match app.pg {
        None => {
            "unixepoch(created_at) >= unixepoch('2026-11-09T00:00:00+08:00')
             AND unixepoch(created_at) < unixepoch('2026-11-16T00:00:00+08:00')"
        }
        Some(_) => {
            "created_at::timestamptz >= '2026-11-09T00:00:00+08:00'
             AND created_at::timestamptz < '2026-11-16T00:00:00+08:00'"
        }
    };
    let in_db: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM opinions WHERE town_code = $1 AND category = 'noise' AND {week}"
    ))
    .bind(&town)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!((w["count"].as_i64(), in_db), (Some(7), 7), "{w}");
    let (_, stats) = app.get(&format!("/api/v1/stats?town={town}&category=noise&from=2026-11-09&to=2026-11-15")).await;
    assert_eq!(stats["rows"][0]["count"], w["count"], "{stats}");
    let listed: Vec<i64> = w["opinion_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert!(noise.iter().all(|id| listed.contains(id)), "{noise:?} in {listed:?}");
    assert_eq!((w["level"].as_str(), w["week_start"].as_str()), (Some("town"), Some("2026-11-09")));
    assert!(w["area_name"].as_str().is_some_and(|n| !n.is_empty()), "{w}");
    assert_eq!(w["expected"].as_f64(), Some(0.5), "no history: the floor");
    assert!(w["score"].as_f64().unwrap() > 3.0, "{w}");
    assert!(find(&body, &town, "parking").is_none(), "2 opinions are fewer than MIN_COUNT");
    let text = body.to_string();
    assert!(!text.contains("晚上车辆") && !text.contains("13812345678"), "ids only, no texts: {text}");

    let (_, default_week) = app.get("/api/v1/warnings").await;
    assert_eq!(default_week, body, "the default is the week holding now");
    let (_, grids) = app.get("/api/v1/warnings?week=2026-11-09&level=grid&category=noise").await;
    let g = find(&grids, &grid, "noise").unwrap_or_else(|| panic!("no warning for grid {grid}: {grids}"));
    assert_eq!((g["count"].as_i64(), g["level"].as_str()), (Some(7), Some("grid")));
    let (_, parking) = app.get("/api/v1/warnings?week=2026-11-09&category=parking").await;
    assert_eq!(parking["warnings"].as_array().map(Vec::len), Some(0), "{parking}");
    let (_, before) = app.get("/api/v1/warnings?week=2026-11-02").await;
    assert_eq!(before["warnings"].as_array().map(Vec::len), Some(0), "{before}");
}

#[tokio::test]
async fn bad_weeks_levels_and_categories_are_400s_in_the_error_shape() {
    let app = TestApp::with_sample().await;
    expect_400s(
        &app,
        &[
            ("/api/v1/warnings?week=2026-11-10", "invalid_week"),
            ("/api/v1/warnings?week=next-week", "invalid_parameter"),
            ("/api/v1/warnings?week=2026-02-30", "invalid_parameter"),
            ("/api/v1/warnings?week=2026-11-09T00:00:00Z", "invalid_parameter"),
            ("/api/v1/warnings?level=county", "invalid_parameter"),
            ("/api/v1/warnings?category=unicorns", "invalid_parameter"),
        ],
    )
    .await;
    let (status, body) = app.get("/api/v1/warnings?week=&level=&category=").await;
    assert_eq!((status, body["warnings"].as_array().map(Vec::len)), (200, Some(0)), "blank is absent: {body}");
}

#[tokio::test]
async fn the_dashboard_lists_the_weeks_warnings_outlines_their_towns_and_drills_into_one() {
    use crate::browser::{assert_only_this_server, assert_screenshot, playwright};
    let app = TestApp::with_sample().await;
    let (lon, lat) = (121.5435, 29.8655);
    submit(&app, 8, "noise", lon, lat).await;

    let shown = playwright("dashboard-warnings", &app.base, &[]).await;

    // This week's warnings, then last week's, as the API lists them.
    let mut want = Vec::new();
    for week in ["2026-11-09", "2026-11-02"] {
        let (status, body) = app.get(&format!("/api/v1/warnings?level=town&week={week}")).await;
        assert_eq!(status, 200, "{body}");
        for w in body["warnings"].as_array().unwrap() {
            want.push((
                w["area"].as_str().unwrap().to_owned(),
                w["category"].as_str().unwrap().to_owned(),
                w["week_start"].as_str().unwrap().to_owned(),
                w["count"].as_i64().unwrap(),
            ));
        }
    }
    let listed: Vec<(String, String, String, i64)> = shown["listed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["area"].as_str().unwrap().to_owned(),
                w["category"].as_str().unwrap().to_owned(),
                w["week"].as_str().unwrap().to_owned(),
                w["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, want);
    assert!(listed.iter().any(|w| w.1 == "noise" && w.3 == 8), "the surge is listed: {listed:?}");
    let mut towns: Vec<&str> = want.iter().map(|w| w.0.as_str()).collect();
    towns.dedup();
    let outlined: Vec<&str> = shown["outlined"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(outlined, towns, "the map outlines the warned towns");
    assert_eq!(
        (shown["drilled"]["town"].as_str(), shown["drilled"]["category"].as_str()),
        (Some(want[0].0.as_str()), Some(want[0].1.as_str()))
    );
    assert_only_this_server(&shown, &app.base);
    assert_screenshot(&shown, 20_000);
}
