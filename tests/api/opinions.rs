//! The citizen's side of the loop over HTTP: submit with routing and duplicate hints, track by
//! code without private data, rate; and the refusals.

use serde_json::{json, Value};

use crate::helpers::{error_code, TestApp};

impl TestApp {
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let res = self.client.post(format!("{}{}", self.base, path)).json(body).send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {path}: not JSON ({e}): {text}")))
    }
}

pub fn opinion(category: &str, lon: f64, lat: f64) -> Value {
    json!({
        "category": category, "title": "小区门口乱停车", "text": "晚上车辆堵住消防通道，希望加强管理。",
        "lon": lon, "lat": lat, "channel": "online",
        "contact": { "name": "张小明", "phone": "13812345678" },
    })
}

#[tokio::test]
async fn a_submission_is_routed_to_its_grid_members_and_station() {
    let app = TestApp::with_sample().await;
    let (status, body) = app.post("/api/v1/issues", &opinion("parking", 121.5435, 29.8655)).await;
    assert_eq!(status, 201, "{body}");
    let code = body["tracking_code"].as_str().unwrap();
    assert!(code.len() == 19 && code.chars().filter(|c| *c == '-').count() == 3, "{code}");
    assert_eq!((body["status"].as_str(), body["version"].as_i64()), (Some("submitted"), Some(1)));

    let catalog = app.state.service.catalog();
    let hit = catalog.grid_at(liaison::domain::LonLat::new(121.5435, 29.8655).unwrap()).unwrap();
    let r = &body["routing"];
    assert_eq!(r["grid"]["id"], hit.grid.id.as_str());
    assert_eq!(r["station"]["id"], hit.grid.station.as_ref().unwrap().as_str());
    assert_eq!(r["town"]["code"], hit.grid.town_code.as_ref().unwrap().as_str());
    let members: Vec<&str> = r["members"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(members, hit.grid.members.iter().map(|m| m.as_str()).collect::<Vec<_>>());
    assert!(body["duplicates"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn open_opinions_of_the_same_category_nearby_are_suggested_as_duplicates() {
    let app = TestApp::with_sample().await;
    let (_, first) = app.post("/api/v1/issues", &opinion("parking", 121.5435, 29.8655)).await;
    // About 110 m north: a duplicate; 440 m north (220 m past the second) or another category: not.
    let (_, near) = app.post("/api/v1/issues", &opinion("parking", 121.5435, 29.8665)).await;
    let dups = near["duplicates"].as_array().unwrap();
    assert_eq!(dups.len(), 1, "{near}");
    // Measured to the first one's public (rounded) position, in 10 m steps: never finer.
    let public = liaison::domain::LonLat::new(121.5435, 29.8655).unwrap().public();
    let to_public =
        liaison::spatial::geodesic_distance_m(liaison::domain::LonLat::new(121.5435, 29.8665).unwrap(), public);
    assert_eq!(dups[0]["distance_m"].as_f64().unwrap(), (to_public / 10.0).round() * 10.0, "{near}");
    assert!((50.0..170.0).contains(&to_public));
    assert_eq!(dups[0]["created_on"], "2026-11-12", "a day, not a timestamp");
    assert!(dups[0].get("created_at").is_none());
    assert!(dups[0].get("tracking_code").is_none(), "duplicates never reveal another citizen's code");
    assert!(!near.to_string().contains(first["tracking_code"].as_str().unwrap()));
    let (_, far) = app.post("/api/v1/issues", &opinion("parking", 121.5435, 29.8705)).await;
    assert!(far["duplicates"].as_array().unwrap().is_empty());
    let (_, other) = app.post("/api/v1/issues", &opinion("noise", 121.5435, 29.8656)).await;
    assert!(other["duplicates"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn tracking_shows_progress_without_contact_or_exact_position() {
    let app = TestApp::with_sample().await;
    let (_, created) = app.post("/api/v1/issues", &opinion("garbage", 121.54351, 29.86553)).await;
    let code = created["tracking_code"].as_str().unwrap();
    // Codes are accepted as read aloud: without dashes, with spaces.
    for form in [code.to_owned(), code.replace('-', ""), code.replace('-', " ")] {
        let (status, view) = app.get(&format!("/api/v1/issues/{}", form.replace(' ', "%20"))).await;
        assert_eq!(status, 200, "{form}: {view}");
        let text = view.to_string();
        assert!(!text.contains("13812345678") && !text.contains("张小明"), "private data leaked: {text}");
        assert_eq!(view["location"]["coordinates"], json!([121.544, 29.866]), "rounded to ~100 m");
        assert_eq!(view["history"][0]["event"], "submit");
        assert_eq!(view["status"], "submitted");
    }
}

#[tokio::test]
async fn rating_before_a_reply_is_a_conflict() {
    let app = TestApp::with_sample().await;
    let (_, created) = app.post("/api/v1/issues", &opinion("roads", 121.5435, 29.8655)).await;
    let code = created["tracking_code"].as_str().unwrap();
    let (status, body) = app.post(&format!("/api/v1/issues/{code}/rating"), &json!({ "stars": 5 })).await;
    assert_eq!(error_code(status, &body, 409), "illegal_transition");
    assert!(body["error"]["message"].as_str().unwrap().contains("submitted"), "{body}");
}

#[tokio::test]
async fn bad_submissions_are_refused_with_clear_messages() {
    let app = TestApp::with_sample().await;
    let mut cases: Vec<(Value, u16, &str, &str)> = vec![
        (json!({ "title": "x" }), 422, "invalid_body", "missing field"),
        (json!({ "unknown": 1 }), 422, "invalid_body", "unknown field"),
    ];
    let with = |key: &str, v: Value| {
        let mut o = opinion("parking", 121.5435, 29.8655);
        o[key] = v;
        o
    };
    cases.push((with("category", json!("weather")), 422, "invalid_opinion", "weather"));
    cases.push((with("channel", json!("fax")), 422, "invalid_opinion", "fax"));
    cases.push((with("title", json!("   ")), 422, "invalid_opinion", "title must not be empty"));
    cases.push((with("title", json!("长".repeat(101))), 422, "invalid_opinion", "at most 100"));
    cases.push((with("lon", json!(200.0)), 422, "invalid_opinion", "longitude"));
    cases.push((with("crs", json!("mars")), 400, "invalid_crs", "mars"));
    cases.push((with("contact", json!({ "phone": "call me maybe" })), 422, "invalid_opinion", "contact.phone"));
    for (body, status_want, code_want, message_part) in cases {
        let (status, answer) = app.post("/api/v1/issues", &body).await;
        assert_eq!(error_code(status, &answer, status_want), code_want, "{body}");
        assert!(answer["error"]["message"].as_str().unwrap().contains(message_part), "{answer}");
    }
    let res = app
        .client
        .post(format!("{}/api/v1/issues", app.base))
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let huge = with("text", json!("字".repeat(30_000)));
    let (status, answer) = app.post("/api/v1/issues", &huge).await;
    assert_eq!(error_code(status, &answer, 413), "payload_too_large");
    let (status, answer) = app.get("/api/v1/issues/1234-5678").await;
    assert_eq!(error_code(status, &answer, 400), "invalid_tracking_code");
    let (status, answer) = app.get("/api/v1/issues/0000-0000-0000-0000").await;
    assert_eq!(error_code(status, &answer, 404), "not_found");
}

#[tokio::test]
async fn too_many_submissions_from_one_address_get_a_429_with_retry_after() {
    let app = TestApp::with_submission_limit(3).await;
    for _ in 0..3 {
        assert_eq!(app.post("/api/v1/issues", &opinion("noise", 121.5435, 29.8655)).await.0, 201);
    }
    let res = app
        .client
        .post(format!("{}/api/v1/issues", app.base))
        .json(&opinion("noise", 121.5435, 29.8655))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=1200).contains(&wait), "one submission comes back every 20 minutes: {wait}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["error"]["code"].as_str(), body["error"]["retry_after_secs"].as_u64()),
        (Some("rate_limited"), Some(wait))
    );
    // Reading is not limited.
    assert_eq!(app.get("/api/v1/stations/nearest?lon=121.5&lat=29.8").await.0, 200);
}

#[tokio::test]
async fn no_public_endpoint_reveals_contacts_names_or_exact_positions() {
    let app = TestApp::with_sample().await;
    let people =
        [("司马光明", "13700001111", false), ("诸葛红梅", "0574-87650000", true), ("欧阳小军", "15912345678", false)];
    let mut codes = Vec::new();
    for (i, (name, phone, anonymous)) in people.iter().enumerate() {
        let mut body = opinion("property", 121.543_217 + i as f64 * 0.000_5, 29.865_431);
        body["contact"] = json!({ "name": name, "phone": phone });
        body["anonymous"] = json!(anonymous);
        let (status, created) = app.post("/api/v1/issues", &body).await;
        assert_eq!(status, 201);
        assert!(!created.to_string().contains(phone), "not even in the answer to the submitter");
        codes.push(created["tracking_code"].as_str().unwrap().to_owned());
    }
    let mut paths: Vec<String> = [
        "/",
        "/list",
        "/list?lon=121.5432&lat=29.8654",
        "/healthz",
        "/api/v1/stations",
        "/api/v1/stations/nearest?lon=121.5432&lat=29.8654&k=20",
        "/api/v1/grids/at?lon=121.5432&lat=29.8654",
        "/api/v1/grids?bbox=121.5,29.8,121.6,29.9",
        "/api/v1/areas",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        "/open311/v2/services.json",
        "/feeds/categories/property.atom",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    for (i, code) in codes.iter().enumerate() {
        paths.push(format!("/api/v1/issues/{code}"));
        paths.push(format!("/api/v1/issues/{code}?crs=gcj02"));
        paths.push(format!("/open311/v2/requests/{}.json", i + 1));
        paths.push(format!("/open311/v2/requests/{}.xml", i + 1));
    }
    let station = app.state.service.catalog().stations()[0].id.to_string();
    paths.push(format!("/api/v1/stations/{station}"));
    let member = app.state.service.catalog().members()[0].id.to_string();
    paths.push(format!("/api/v1/members/{member}"));
    for path in &paths {
        let (status, text) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        for (name, phone, _) in &people {
            assert!(!text.contains(name) && !text.contains(phone), "{path} reveals {name} or {phone}");
        }
        for exact in ["121.543217", "121.543717", "121.544217", "29.865431"] {
            assert!(!text.contains(exact), "{path} reveals the exact position {exact}");
        }
        for (i, code) in codes.iter().enumerate() {
            if !path.contains(code.as_str()) {
                assert!(
                    !text.contains(code.as_str()) && !text.contains(&code.replace('-', "")),
                    "{path} reveals tracking code {i}"
                );
            }
        }
    }
}

#[tokio::test]
async fn categories_a_cppcc_sector_speaks_for_also_reach_a_member_of_that_sector() {
    let app = TestApp::with_sample().await;
    let (_, parking) = app.post("/api/v1/issues", &opinion("parking", 121.5435, 29.8655)).await;
    let (_, education) = app.post("/api/v1/issues", &opinion("education", 121.5435, 29.8655)).await;
    let ids = |v: &Value| -> Vec<String> {
        v["routing"]["members"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect()
    };
    let (grid_members, with_sector) = (ids(&parking), ids(&education));
    assert_eq!(with_sector.len(), grid_members.len() + 1, "{with_sector:?}");
    assert_eq!(&with_sector[..grid_members.len()], &grid_members[..]);
    let catalog = app.state.service.catalog();
    let added = catalog.member(&with_sector.last().unwrap().parse().unwrap()).unwrap();
    assert_eq!(added.body, liaison::domain::Body::CppccMember);
    assert!(added.sector.contains("教育"), "{}", added.sector);
}
