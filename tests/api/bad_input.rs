//! Bad input gets a 400 (or 404) in the API's error shape, never a 500.

use crate::helpers::{error_code, expect_400s, TestApp};

#[tokio::test]
async fn bad_parameters_are_400s_with_a_code_and_message() {
    let app = TestApp::with_sample().await;
    let cases = [
        ("/api/v1/stations/nearest?lon=NaN&lat=29.8", "invalid_number"),
        ("/api/v1/stations/nearest?lon=inf&lat=29.8", "invalid_number"),
        ("/api/v1/stations/nearest?lon=200&lat=29.8", "invalid_coordinates"),
        ("/api/v1/stations/nearest?lon=121.5&lat=-91", "invalid_coordinates"),
        ("/api/v1/stations/nearest?lon=abc&lat=29.8", "invalid_number"),
        ("/api/v1/stations/nearest?lat=29.8", "missing_parameter"),
        ("/api/v1/stations/nearest?lon=121.5&lat=29.8&k=0", "out_of_range"),
        ("/api/v1/stations/nearest?lon=121.5&lat=29.8&k=101", "out_of_range"),
        ("/api/v1/stations/nearest?lon=121.5&lat=29.8&k=2.5", "out_of_range"),
        ("/api/v1/stations/nearest?lon=121.5&lat=29.8&crs=epsg3857", "invalid_crs"),
        ("/api/v1/stations/nearest?lon=121.5&lat=29.8&kind=museum", "invalid_parameter"),
        ("/api/v1/stations/nearest?lon=121.5&lat=29.8&level=galactic", "invalid_parameter"),
        ("/api/v1/stations/nearest?lon=121.5&lat=29.8&body=senate", "invalid_parameter"),
        ("/api/v1/stations/nearest?lon=121.5&lat=29.8&reception_date=2026-02-30", "invalid_date"),
        ("/api/v1/stations?bbox=1,2,3", "invalid_bbox"),
        ("/api/v1/stations?bbox=121.6,29.7,121.1,30.0", "invalid_bbox"),
        ("/api/v1/stations?bbox=a,b,c,d", "invalid_bbox"),
        ("/api/v1/stations?bbox=0,0,200,10", "invalid_bbox"),
        ("/api/v1/stations?lon=121.5&lat=29.8&radius_m=-1", "out_of_range"),
        ("/api/v1/stations?lon=121.5&lat=29.8", "missing_parameter"),
        ("/api/v1/stations?limit=0", "out_of_range"),
        ("/api/v1/grids?bbox=nope", "invalid_bbox"),
        ("/api/v1/grids/at?lon=121.5&lat=nan", "invalid_number"),
        ("/api/v1/areas?level=planet", "invalid_parameter"),
        ("/api/v1/stations/HS-ST-001?sessions=999", "out_of_range"),
    ];
    expect_400s(&app, &cases).await;
}

#[tokio::test]
async fn unknown_ids_and_routes_are_404s() {
    let app = TestApp::with_sample().await;
    for path in [
        "/api/v1/stations/NOPE",
        "/api/v1/stations/bad%20id",
        "/api/v1/members/NOPE",
        "/api/v1/grids/NOPE",
        "/api/v1/nothing",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(error_code(status, &body, 404), "not_found", "{path}");
    }
    let res = app.client.post(format!("{}/api/v1/stations", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 405);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn an_empty_database_answers_without_errors() {
    let app = TestApp::empty().await;
    let (status, body) = app.get("/api/v1/stations/nearest?lon=121.5&lat=29.8").await;
    assert_eq!(status, 200);
    assert_eq!(body["features"].as_array().unwrap().len(), 0);
    let (status, body) = app.get("/api/v1/grids/at?lon=121.5&lat=29.8").await;
    assert_eq!(error_code(status, &body, 404), "no_grid");
    let (status, _) = app.get_text("/").await;
    assert_eq!(status, 200);
    let (status, _) = app.get_text("/list").await;
    assert_eq!(status, 200);
}
