//! Stations over HTTP: nearest (checked against brute force), lists, search, detail, CRS.

use liaison::domain::{LonLat, StationKind};
use liaison::spatial::{geodesic_distance_m, Crs};
use serde_json::Value;

use crate::helpers::{fixed_now, Rng, TestApp};

fn ids(body: &Value) -> Vec<String> {
    body["features"].as_array().unwrap().iter().map(|f| f["properties"]["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn healthz_reports_the_sample() {
    let app = TestApp::with_sample().await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert!(body["stations"].as_u64().unwrap() >= 60, "{body}");
    assert!(body["members"].as_u64().unwrap() >= 300, "{body}");
    assert_eq!(body["areas"], 18);
}

#[tokio::test]
async fn nearest_equals_brute_force_geodesic_order_over_http() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let physical: Vec<_> = catalog.stations().iter().filter(|s| s.kind != StationKind::OnlineStation).collect();
    let mut rng = Rng::new(5);
    for i in 0..300 {
        let q = LonLat::new(rng.between(121.10, 121.60), rng.between(29.70, 29.97)).unwrap();
        let k = 1 + i % 20;
        let (status, body) = app.get(&format!("/api/v1/stations/nearest?lon={}&lat={}&k={k}", q.lon(), q.lat())).await;
        assert_eq!(status, 200, "{body}");
        let mut brute: Vec<(f64, &str)> =
            physical.iter().map(|s| (geodesic_distance_m(q, s.location), s.id.as_str())).collect();
        brute.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        let want: Vec<String> = brute.iter().take(k).map(|x| x.1.to_owned()).collect();
        assert_eq!(ids(&body), want, "query {q} k {k}");
        let distances: Vec<f64> = body["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["distance_m"].as_f64().unwrap())
            .collect();
        assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
        assert!((distances[0] - brute[0].0).abs() < 0.01);
    }
}

#[tokio::test]
async fn nearest_filters_by_kind_level_body_and_reception_date() {
    let app = TestApp::with_sample().await;
    let (_, body) = app.get("/api/v1/stations/nearest?lon=121.55&lat=29.87&k=10&kind=member_workstation").await;
    let features = body["features"].as_array().unwrap();
    assert_eq!(features.len(), 10);
    assert!(features.iter().all(|f| f["properties"]["kind"] == "member_workstation"));

    let (_, body) = app.get("/api/v1/stations/nearest?lon=121.55&lat=29.87&k=100&level=township").await;
    assert!(body["features"].as_array().unwrap().iter().all(|f| f["properties"]["level"] == "township"));

    let (_, body) = app.get("/api/v1/stations/nearest?lon=121.55&lat=29.87&k=100&body=cppcc_member").await;
    let kinds: Vec<&str> =
        body["features"].as_array().unwrap().iter().map(|f| f["properties"]["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"member_workstation") && !kinds.contains(&"deputy_liaison_station"), "{kinds:?}");

    // Every answer on a date really receives that day, and none that receives is left out.
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let (_, body) = app.get("/api/v1/stations/nearest?lon=121.55&lat=29.87&k=100&reception_date=2026-11-26").await;
    let got = ids(&body);
    let catalog = app.state.service.catalog();
    let want: Vec<String> = catalog
        .stations()
        .iter()
        .filter(|s| s.kind != StationKind::OnlineStation)
        .filter(|s| liaison::domain::schedule::has_session_on(&s.reception, date))
        .map(|s| s.id.to_string())
        .collect();
    assert!(!want.is_empty());
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, want);
}

#[tokio::test]
async fn online_stations_are_nearest_only_when_asked_for() {
    let app = TestApp::with_sample().await;
    let (_, body) = app.get("/api/v1/stations/nearest?lon=121.545&lat=29.870&k=100").await;
    assert!(body["features"].as_array().unwrap().iter().all(|f| f["properties"]["kind"] != "online_station"));
    let (_, body) = app.get("/api/v1/stations/nearest?lon=121.545&lat=29.870&k=3&kind=online_station").await;
    let features = body["features"].as_array().unwrap();
    assert!(!features.is_empty() && features.iter().all(|f| f["properties"]["kind"] == "online_station"));
}

#[tokio::test]
async fn gcj02_and_bd09_inputs_and_outputs_are_converted() {
    let app = TestApp::with_sample().await;
    let q = (121.5432, 29.8611);
    let (_, wgs) = app.get(&format!("/api/v1/stations/nearest?lon={}&lat={}&k=5", q.0, q.1)).await;
    for crs in [Crs::Gcj02, Crs::Bd09] {
        let (x, y) = crs.from_wgs84(q.0, q.1);
        let (status, body) = app.get(&format!("/api/v1/stations/nearest?lon={x}&lat={y}&k=5&crs={crs}")).await;
        assert_eq!(status, 200);
        assert_eq!(ids(&body), ids(&wgs), "{crs}");
        // Positions come back in the CRS asked for.
        for (a, b) in wgs["features"].as_array().unwrap().iter().zip(body["features"].as_array().unwrap()) {
            let p = &a["geometry"]["coordinates"];
            let (ex, ey) = crs.from_wgs84(p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
            let c = &b["geometry"]["coordinates"];
            assert!((c[0].as_f64().unwrap() - ex).abs() < 1e-6 && (c[1].as_f64().unwrap() - ey).abs() < 1e-6);
            let da = a["properties"]["distance_m"].as_f64().unwrap();
            let db = b["properties"]["distance_m"].as_f64().unwrap();
            assert!((da - db).abs() < 0.5, "{crs}: {da} vs {db}");
        }
    }
}

#[tokio::test]
async fn list_filters_by_bbox_and_radius() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let (_, all) = app.get("/api/v1/stations").await;
    assert_eq!(ids(&all).len(), catalog.stations().len());
    assert_eq!(all["truncated"], false);
    let (_, some) = app.get("/api/v1/stations?limit=10").await;
    assert_eq!(ids(&some), ids(&all)[..10].to_vec());
    assert_eq!((some["numberReturned"].as_u64(), some["truncated"].as_bool()), (Some(10), Some(true)));

    let (_, body) = app.get("/api/v1/stations?bbox=121.50,29.85,121.56,29.90").await;
    let want: Vec<String> = catalog
        .stations()
        .iter()
        .filter(|s| (121.50..=121.56).contains(&s.location.lon()) && (29.85..=29.90).contains(&s.location.lat()))
        .map(|s| s.id.to_string())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&body), want);

    let q = LonLat::new(121.53, 29.87).unwrap();
    let (_, body) = app.get("/api/v1/stations?lon=121.53&lat=29.87&radius_m=2500").await;
    let mut want: Vec<(f64, String)> = catalog
        .stations()
        .iter()
        .map(|s| (geodesic_distance_m(q, s.location), s.id.to_string()))
        .filter(|x| x.0 <= 2500.0)
        .collect();
    want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    assert!(!want.is_empty());
    assert_eq!(ids(&body), want.into_iter().map(|x| x.1).collect::<Vec<_>>());
}

#[tokio::test]
async fn search_matches_chinese_names_and_addresses_by_substring() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    for q in ["白云", "委员", "社区", "集士港镇"] {
        let (status, body) = app.get(&format!("/api/v1/stations?q={}", urlencode(q))).await;
        assert_eq!(status, 200);
        let want: Vec<String> = catalog
            .stations()
            .iter()
            .filter(|s| s.name.contains(q) || s.address.contains(q))
            .map(|s| s.id.to_string())
            .collect();
        assert!(!want.is_empty(), "{q}");
        assert_eq!(ids(&body), want, "{q}");
    }
    let (_, body) = app.get(&format!("/api/v1/stations?q={}", urlencode("不存在的站"))).await;
    assert!(ids(&body).is_empty());
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn station_detail_has_members_points_and_upcoming_sessions() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let station = catalog.stations().iter().find(|s| s.kind == StationKind::DeputyLiaisonStation).unwrap();
    let (status, body) = app.get(&format!("/api/v1/stations/{}?sessions=6", station.id)).await;
    assert_eq!(status, 200);
    let p = &body["properties"];
    assert_eq!(p["id"], station.id.as_str());
    let members: Vec<&str> = p["members"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    let want: Vec<String> = catalog.members_of_station(&station.id).iter().map(|m| m.id.to_string()).collect();
    assert_eq!(members, want);
    assert!(!p["points"].as_array().unwrap().is_empty(), "a town station has liaison points");
    let sessions = p["next_sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 6);
    let starts: Vec<chrono::DateTime<chrono::FixedOffset>> =
        sessions.iter().map(|s| chrono::DateTime::parse_from_rfc3339(s["start"].as_str().unwrap()).unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    assert!(sessions
        .iter()
        .all(|s| chrono::DateTime::parse_from_rfc3339(s["end"].as_str().unwrap()).unwrap() > fixed_now()));
    assert!(starts.iter().all(|s| s.offset().local_minus_utc() == 8 * 3600), "times are Shanghai local");
}

#[tokio::test]
async fn every_grid_member_has_a_reception_session_within_a_year() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    for grid in catalog.grids() {
        for id in &grid.members {
            let (status, body) = app.get(&format!("/api/v1/members/{id}?sessions=1")).await;
            assert_eq!(status, 200);
            let next = body["next_sessions"].as_array().unwrap();
            assert_eq!(next.len(), 1, "{id} of {} never receives: {body}", grid.id);
            let start = chrono::DateTime::parse_from_rfc3339(next[0]["start"].as_str().unwrap()).unwrap();
            assert!(start - fixed_now() < chrono::Duration::days(366));
            assert!(next[0]["members"].as_array().unwrap().iter().any(|m| m["id"] == id.as_str()));
        }
    }
}

#[tokio::test]
async fn member_detail_names_station_grids_and_term() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let grid = &catalog.grids()[0];
    let id = &grid.members[0];
    let (status, body) = app.get(&format!("/api/v1/members/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], id.as_str());
    assert!(body["grids"].as_array().unwrap().iter().any(|g| g["id"] == grid.id.as_str()));
    assert_eq!(body["in_term"], true);
    assert!(body["station_detail"]["name"].as_str().is_some());
}
