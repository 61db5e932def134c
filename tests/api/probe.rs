//! What a probe of the running service found, each fixed and kept fixed: hostile input, links built
//! from request headers, submission limits that validation could not keep, revocation, and a
//! submitter's position recoverable from public answers.

use serde_json::{json, Value};

use crate::helpers::{error_code, TestApp};
use crate::opinions::opinion;

#[tokio::test]
async fn control_and_text_direction_characters_are_refused() {
    let app = TestApp::with_sample().await;
    for bad in ["路灯\u{0}坏了", "路灯\u{1b}[2J坏了", "路灯\u{202e}了坏", "路灯\u{2066}坏了"] {
        let mut body = opinion("roads", 121.5435, 29.8655);
        body["title"] = json!(bad);
        let (status, answer) = app.post("/api/v1/issues", &body).await;
        assert_eq!(error_code(status, &answer, 422), "invalid_opinion", "{bad:?}");
        let mut body = opinion("roads", 121.5435, 29.8655);
        body["contact"]["name"] = json!(bad);
        assert_eq!(app.post("/api/v1/issues", &body).await.0, 422, "name {bad:?}");
    }
    let mut lines = opinion("roads", 121.5435, 29.8655);
    lines["text"] = json!("第一行\r\n第二行\t完");
    assert_eq!(app.post("/api/v1/issues", &lines).await.0, 201, "line breaks and tabs in the text are fine");
}

#[tokio::test]
async fn a_place_far_outside_every_area_is_refused() {
    let app = TestApp::with_sample().await;
    for (lon, lat) in [(0.0, 0.0), (29.8655, 121.5435 - 100.0), (116.40, 39.90)] {
        let (status, answer) = app.post("/api/v1/issues", &opinion("roads", lon, lat)).await;
        assert_eq!(error_code(status, &answer, 422), "outside_service_area", "{lon},{lat}: {answer}");
    }
    // Just outside the district but beside a station: still ours.
    assert_eq!(app.post("/api/v1/issues", &opinion("roads", 121.5435, 29.8655)).await.0, 201);
}

#[tokio::test]
async fn invalid_submissions_do_not_use_up_the_allowance_which_is_the_whole_hour() {
    let app = TestApp::with_submission_limit(8).await;
    for _ in 0..20 {
        let mut bad = opinion("noise", 121.5435, 29.8655);
        bad["title"] = json!("");
        assert_eq!(app.post("/api/v1/issues", &bad).await.0, 422);
        assert_eq!(app.post("/api/v1/issues", &opinion("noise", 0.0, 0.0)).await.0, 422);
    }
    for i in 0..8 {
        assert_eq!(app.post("/api/v1/issues", &opinion("noise", 121.5435, 29.8655)).await.0, 201, "#{i}");
    }
    let (status, answer) = app.post("/api/v1/issues", &opinion("noise", 121.5435, 29.8655)).await;
    assert_eq!(error_code(status, &answer, 429), "rate_limited");
}

#[tokio::test]
async fn bad_bytes_in_paths_and_queries_get_a_clear_answer() {
    let app = TestApp::with_sample().await;
    for path in ["/api/v1/stations/%FF%FE", "/api/v1/members/%00%ff", "/api/v1/grids/%C3%28", "/api/v1/issues/%FF"] {
        let (status, body) = app.get(path).await;
        assert_eq!(error_code(status, &body, 400), "invalid_path", "{path}");
    }
    for page in ["/track/%FF%FE", "/s/%C3%28", "/staff/issues/%FF"] {
        let (status, html) = app.get_text(page).await;
        assert_eq!(status, 400, "{page}: {html}");
        assert!(html.contains("地址有误"), "a readable page");
    }
    let res = app.client.get(format!("{}/track?code=abc%0d%0aX:1", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.headers().get("x").is_none() && res.headers().get("location").is_none());
    assert!(res.text().await.unwrap().contains("查询码"));
}

#[tokio::test]
async fn the_station_qr_code_links_to_the_configured_public_url_whatever_the_host_header() {
    let app = TestApp::with_sample().await;
    let station = app.state.service.catalog().stations()[0].id.to_string();
    let url = format!("{}/s/{station}/qr.svg", app.base);
    let expected = qrcode::QrCode::new(format!("https://liaison.example.gov.cn/s/{station}").as_bytes())
        .unwrap()
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    for host in ["evil.example".to_owned(), "x".repeat(4000)] {
        let res = app.client.get(&url).header("host", host.as_str()).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "Host of {} bytes", host.len());
        assert_eq!(res.text().await.unwrap(), expected, "the code encodes the public URL only");
    }
}

#[tokio::test]
async fn revoked_tokens_and_disabled_or_repassworded_logins_lose_access_at_once() {
    let app = TestApp::with_sample().await;
    let token = app.token("leader", None).await;
    let inbox = format!("{}/api/v1/staff/issues", app.base);
    assert_eq!(app.client.get(&inbox).bearer_auth(&token).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(app.state.service.revoke_tokens("leader-test").await.unwrap(), 1);
    assert_eq!(app.client.get(&inbox).bearer_auth(&token).send().await.unwrap().status().as_u16(), 401);

    app.user("chen", "leader", None, None).await;
    let browser = app.logged_in_client("chen").await;
    assert_eq!(browser.get(&inbox).send().await.unwrap().status().as_u16(), 200);
    app.state.service.set_user_disabled("chen", true).await.unwrap();
    assert_eq!(browser.get(&inbox).send().await.unwrap().status().as_u16(), 401, "disabled: the session ends");
    app.state.service.set_user_disabled("chen", false).await.unwrap();
    assert_eq!(browser.get(&inbox).send().await.unwrap().status().as_u16(), 401, "and stays ended");
    let (status, _) = app.log_in("chen", "a long enough secret").await;
    assert_eq!(status, 200, "enabled again, the login works");

    let again = app.logged_in_client("chen").await;
    assert_eq!(again.get(&inbox).send().await.unwrap().status().as_u16(), 200);
    app.state.service.set_password("chen", "another long secret").await.unwrap();
    assert_eq!(again.get(&inbox).send().await.unwrap().status().as_u16(), 401, "a new password ends old sessions");
    assert!(app.log_in("chen", "a long enough secret").await.1.contains("用户名或密码错误"));
}

#[tokio::test]
async fn password_guessing_is_throttled_per_username_and_unknown_users_are_refused_alike() {
    let app = TestApp::with_sample().await;
    app.user("li.hua", "leader", None, None).await;
    let (unknown, page) = app.log_in("nobody", "a long enough secret").await;
    let (wrong, page2) = app.log_in("li.hua", "not the password").await;
    assert_eq!((unknown, wrong), (401, 401));
    let message = |p: &str| p.contains("用户名或密码错误");
    assert!(message(&page) && message(&page2), "the same answer whether or not the user exists");
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(app.log_in("li.hua", "still not it").await.0);
    }
    assert!(statuses.contains(&429), "guessing is throttled: {statuses:?}");
    let (status, page) = app.log_in("li.hua", "a long enough secret").await;
    assert_eq!(status, 429, "even the right password waits once the username is throttled");
    assert!(page.contains("尝试次数过多"));
}

/// Public answers that could reveal where an opinion was made, for one victim opinion.
async fn public_answers(app: &TestApp, victim: &str, probes: &[(f64, f64)]) -> Vec<Value> {
    let mut out = Vec::new();
    let (_, tracked) = app.get(&format!("/api/v1/issues/{victim}")).await;
    out.push(tracked["location"].clone());
    for &(lon, lat) in probes {
        let (status, answer) = app.post("/api/v1/issues", &opinion("parking", lon, lat)).await;
        assert_eq!(status, 201, "{answer}");
        out.push(answer["duplicates"].clone());
    }
    let (_, mut requests) = app.get("/open311/v2/requests.json").await;
    for r in requests.as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("service_request_id");
    }
    out.push(requests);
    for res in [8, 9, 10] {
        let (_, heat) = app.get(&format!("/api/v1/heatmap?res={res}&bbox=121.53,29.855,121.56,29.875")).await;
        assert!(!heat["features"].as_array().unwrap().is_empty());
        out.push(heat);
    }
    for (z, x, y) in [(16, 54894, 27066), (17, 109788, 54133), (18, 219576, 108267)] {
        let res = app.client.get(format!("{}/tiles/issues/{z}/{x}/{y}.mvt", app.base)).send().await.unwrap();
        let bytes = res.bytes().await.unwrap();
        assert!(bytes.len() > 20, "the tile at {z}/{x}/{y} holds the opinions");
        out.push(json!(bytes.to_vec()));
    }
    out
}

#[tokio::test]
async fn a_submitters_position_cannot_be_trilaterated_from_public_answers() {
    // Two worlds whose only difference is where, inside one public ~100 m cell, the victim stood.
    let exact = [(121.542_62, 29.864_61), (121.543_41, 29.865_44)];
    let probes: Vec<(f64, f64)> = (0..24)
        .map(|i| {
            let a = f64::from(i) * std::f64::consts::TAU / 24.0;
            let r = 0.0005 + 0.0001 * f64::from(i % 5);
            (121.543 + r * a.cos(), 29.865 + r * a.sin())
        })
        .collect();
    let mut worlds = Vec::new();
    for (lon, lat) in exact {
        let app = TestApp::with_sample().await;
        let (status, victim) = app.post("/api/v1/issues", &opinion("parking", lon, lat)).await;
        assert_eq!(status, 201);
        let code = victim["tracking_code"].as_str().unwrap().to_owned();
        worlds.push(public_answers(&app, &code, &probes).await);
    }
    let near: usize = worlds[0][1..25].iter().map(|d| d.as_array().unwrap().len()).sum();
    assert!(near > 0, "the probes do see the victim's opinion as a possible duplicate");
    for (i, (a, b)) in worlds[0].iter().zip(&worlds[1]).enumerate() {
        assert_eq!(a, b, "public answer #{i} differs with the exact position");
    }
}

#[tokio::test]
async fn an_inbox_filter_naming_no_station_is_an_error_not_an_empty_list() {
    let app = TestApp::with_sample().await;
    let token = app.token("leader", None).await;
    let res = app
        .client
        .get(format!("{}/api/v1/staff/issues?station=false", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(status, &body, 400), "unknown_station");
}
