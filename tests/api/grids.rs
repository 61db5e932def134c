//! "Who is my member": grid lookup over HTTP, checked against brute force containment.

use geo::{Intersects, Point};
use liaison::domain::LonLat;
use liaison::spatial::LocalPlane;

use crate::helpers::{error_code, Rng, TestApp};

#[tokio::test]
async fn grid_at_equals_brute_force_containment() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let mut rng = Rng::new(11);
    let (mut inside, mut outside) = (0, 0);
    for _ in 0..400 {
        let (lon, lat) = (rng.between(121.12, 121.58), rng.between(29.70, 29.97));
        let want = catalog.grids().iter().find(|g| g.geometry.intersects(&Point::new(lon, lat)));
        let (status, body) = app.get(&format!("/api/v1/grids/at?lon={lon}&lat={lat}")).await;
        match want {
            Some(g) => {
                inside += 1;
                assert_eq!(status, 200, "{body}");
                assert_eq!(body["properties"]["id"], g.id.as_str());
            }
            None => {
                outside += 1;
                assert_eq!(error_code(status, &body, 404), "no_grid");
                assert!(body["error"]["nearest"]["id"].as_str().is_some(), "{body}");
            }
        }
    }
    assert!(inside > 100 && outside > 10, "inside {inside}, outside {outside}");
}

#[tokio::test]
async fn grid_at_answers_members_station_town_and_sessions() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let grid = &catalog.grids()[3];
    let c = geo::InteriorPoint::interior_point(&grid.geometry).unwrap();
    let (status, body) = app.get(&format!("/api/v1/grids/at?lon={}&lat={}", c.x(), c.y())).await;
    assert_eq!(status, 200);
    let p = &body["properties"];
    assert_eq!(p["id"], grid.id.as_str());
    let members: Vec<&str> = p["members"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(members, grid.members.iter().map(|m| m.as_str()).collect::<Vec<_>>());
    assert!(!p["members"][0]["next_sessions"].as_array().unwrap().is_empty());
    assert_eq!(p["station"]["properties"]["id"], grid.station.as_ref().unwrap().as_str());
    assert_eq!(p["town"]["code"], grid.town_code.as_ref().unwrap().as_str());
    assert_eq!(body["geometry"]["type"], "MultiPolygon");
}

#[tokio::test]
async fn points_near_a_grid_edge_name_the_neighbour() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let mut rng = Rng::new(3);
    let (mut near, mut far) = (0, 0);
    for _ in 0..5_000 {
        if near >= 30 && far >= 30 {
            break;
        }
        let (lon, lat) = (rng.between(121.45, 121.56), rng.between(29.84, 29.90));
        let q = LonLat::new(lon, lat).unwrap();
        let Some(home) = catalog.grids().iter().find(|g| g.geometry.intersects(&Point::new(lon, lat))) else {
            continue;
        };
        // Brute force: distance to every other grid, in the plane tangent at q.
        let plane = LocalPlane::at(q);
        let dist = |g: &liaison::domain::GridArea| -> f64 {
            g.geometry
                .0
                .iter()
                .flat_map(|p| {
                    p.exterior().0.windows(2).map(|w| (plane.project(w[0].x, w[0].y), plane.project(w[1].x, w[1].y)))
                })
                .map(|(a, b)| {
                    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                    let t = (-(a[0] * dx + a[1] * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
                    ((a[0] + t * dx).powi(2) + (a[1] + t * dy).powi(2)).sqrt()
                })
                .fold(f64::INFINITY, f64::min)
        };
        let edge = dist(home);
        let neighbour = catalog
            .grids()
            .iter()
            .filter(|g| g.id != home.id)
            .map(|g| (dist(g), g.id.as_str()))
            .filter(|x| x.0 <= 50.0)
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        let (_, body) = app.get(&format!("/api/v1/grids/at?lon={lon}&lat={lat}")).await;
        let p = &body["properties"];
        assert_eq!(p["near_boundary"], edge <= 50.0, "edge {edge} at {q}");
        match neighbour {
            Some((d, id)) => {
                near += 1;
                assert_eq!(p["neighbour"]["id"], id, "at {q}");
                assert!((p["neighbour"]["distance_m"].as_f64().unwrap() - d).abs() < 0.1);
            }
            None => {
                far += 1;
                assert!(p["neighbour"].is_null(), "at {q}: {}", p["neighbour"]);
            }
        }
    }
    assert!(near >= 30 && far >= 30, "near {near}, far {far}");
}

#[tokio::test]
async fn outside_every_grid_is_a_404_naming_the_nearest_grid() {
    let app = TestApp::with_sample().await;
    let (status, body) = app.get("/api/v1/grids/at?lon=121.0&lat=29.9").await;
    assert_eq!(error_code(status, &body, 404), "no_grid");
    let nearest = &body["error"]["nearest"];
    let d = nearest["distance_m"].as_f64().unwrap();
    assert!((10_000.0..30_000.0).contains(&d), "{d}");
    assert!(body["error"]["message"].as_str().unwrap().contains(nearest["name"].as_str().unwrap()));
}

#[tokio::test]
async fn grids_and_areas_come_as_feature_collections() {
    let app = TestApp::with_sample().await;
    let (_, all) = app.get("/api/v1/grids").await;
    assert_eq!(all["features"].as_array().unwrap().len(), app.state.service.catalog().grids().len());
    let (_, some) = app.get("/api/v1/grids?bbox=121.54,29.86,121.56,29.88").await;
    let got: Vec<&str> =
        some["features"].as_array().unwrap().iter().map(|f| f["properties"]["id"].as_str().unwrap()).collect();
    let bbox: liaison::spatial::BBox = "121.54,29.86,121.56,29.88".parse().unwrap();
    let catalog = app.state.service.catalog();
    let want: Vec<&str> = catalog
        .grids()
        .iter()
        .filter(|g| {
            let r = geo::BoundingRect::bounding_rect(&g.geometry).unwrap();
            bbox.intersects([r.min().x, r.min().y], [r.max().x, r.max().y])
        })
        .map(|g| g.id.as_str())
        .collect();
    assert!(!want.is_empty() && want.len() < 60, "{}", want.len());
    assert_eq!(got, want);
    let (_, towns) = app.get("/api/v1/areas?level=town").await;
    let names: Vec<&str> =
        towns["features"].as_array().unwrap().iter().map(|f| f["properties"]["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 17);
    assert!(names.contains(&"白云街道") && names.contains(&"龙观乡"));
    let (_, district) = app.get("/api/v1/areas?level=district").await;
    assert_eq!(district["features"][0]["properties"]["code"], "330203");
}
