//! The server-rendered home page: station list and a nearest-station form without JavaScript.

use crate::helpers::TestApp;

#[tokio::test]
async fn the_home_page_lists_stations_by_town() {
    let app = TestApp::with_sample().await;
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    let catalog = app.state.catalog();
    for s in catalog.stations() {
        assert!(html.contains(&format!("data-id=\"{}\"", s.id)), "{} missing", s.id);
    }
    assert!(html.contains("<h2>白云街道"), "towns are headings");
    assert!(html.contains("每月第"), "reception rules read in Chinese");
}

#[tokio::test]
async fn the_form_answers_the_nearest_station_and_the_grid() {
    let app = TestApp::with_sample().await;
    let (status, html) = app.get_text("/?lon=121.55&lat=29.87&crs=wgs84").await;
    assert_eq!(status, 200);
    let q = liaison::domain::LonLat::new(121.55, 29.87).unwrap();
    let catalog = app.state.catalog();
    let filter = liaison::catalog::StationFilter {
        kinds: vec![
            liaison::domain::StationKind::DeputyLiaisonStation,
            liaison::domain::StationKind::MemberWorkstation,
            liaison::domain::StationKind::LiaisonPoint,
        ],
        ..Default::default()
    };
    let nearest = catalog.nearest_stations(q, 5, &filter);
    let table = &html[html.find("id=\"nearest\"").expect("answer table")..];
    let mut at = 0;
    for hit in &nearest {
        let pos = table[at..]
            .find(&hit.station.name)
            .unwrap_or_else(|| panic!("{} missing or out of order", hit.station.name));
        at += pos;
    }
    let grid = catalog.grid_at(q).unwrap().grid;
    assert!(html.contains(&grid.name), "the page names the grid");
}

#[tokio::test]
async fn bad_form_input_shows_a_readable_error() {
    let app = TestApp::with_sample().await;
    let (status, html) = app.get_text("/?lon=999&lat=29.87").await;
    assert_eq!(status, 400);
    assert!(html.contains("role=\"alert\"") && html.contains("longitude"), "{html}");
    let (status, html) = app.get_text("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("返回首页"));
}
