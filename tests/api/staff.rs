//! The working side of the loop over HTTP with bearer tokens: the whole loop with a reopen, a
//! rejection, the 409 cases, a restart in the middle, and who may do what.

use serde_json::{json, Value};

use crate::helpers::{error_code, TestApp};
use crate::opinions::opinion;

struct Staff<'a> {
    app: &'a TestApp,
    token: String,
}

impl Staff<'_> {
    async fn get(&self, path: &str) -> (u16, Value) {
        let res =
            self.app.client.get(format!("{}{path}", self.app.base)).bearer_auth(&self.token).send().await.unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let res = self
            .app
            .client
            .post(format!("{}{path}", self.app.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    async fn to(&self, id: i64, body: Value) -> (u16, Value) {
        self.post(&format!("/api/v1/staff/issues/{id}/transitions"), &body).await
    }
}

/// Submits an opinion in 南门街道 and returns (id, tracking code, routed station).
async fn submit(app: &TestApp) -> (i64, String, String) {
    let (status, body) = app.post("/api/v1/issues", &opinion("parking", 121.5435, 29.8655)).await;
    assert_eq!(status, 201, "{body}");
    let station = body["routing"]["station"]["id"].as_str().unwrap().to_owned();
    (body["id"].as_i64().unwrap(), body["tracking_code"].as_str().unwrap().to_owned(), station)
}

#[tokio::test]
async fn the_whole_loop_runs_with_a_reopen_and_survives_a_restart() {
    let app = TestApp::with_sample().await;
    let (id, code, station) = submit(&app).await;
    let token = app.token("staff", Some(&station)).await;
    let staff = Staff { app: &app, token: token.clone() };

    let (status, inbox) = staff.get("/api/v1/staff/issues?status=submitted").await;
    assert_eq!(status, 200, "{inbox}");
    assert!(inbox["issues"].as_array().unwrap().iter().any(|i| i["id"] == id));

    let (s, o) = staff.to(id, json!({ "to": "registered", "version": 1 })).await;
    assert_eq!((s, o["status"].as_str(), o["version"].as_i64()), (200, Some("registered"), Some(2)), "{o}");
    let (s, o) =
        staff.to(id, json!({ "to": "assigned", "version": 2, "department": "区交警大队", "due": "2026-11-30" })).await;
    assert_eq!((s, o["status"].as_str()), (200, Some("assigned")), "{o}");

    // The server restarts between two steps; the loop carries on from the database.
    let app = app.restart().await;
    let staff = Staff { app: &app, token };
    let (s, o) = staff.to(id, json!({ "to": "in_progress", "version": 3 })).await;
    assert_eq!((s, o["status"].as_str()), (200, Some("in_progress")), "{o}");
    let reply = json!({ "to": "replied", "version": 4, "reply_route": "after_consultation", "reply": "已会同交警增设禁停标志" });
    let (s, o) = staff.to(id, reply).await;
    assert_eq!((s, o["status"].as_str()), (200, Some("replied")), "{o}");

    // A low rating reopens it; a second reply and a good rating close it.
    let (s, o) =
        app.post(&format!("/api/v1/issues/{code}/rating"), &json!({ "stars": 2, "comment": "晚上仍有车" })).await;
    assert_eq!((s, o["status"].as_str()), (200, Some("registered")), "{o}");
    let reply = json!({ "to": "replied", "version": 6, "reply_route": "direct_answer", "reply": "已安排夜间巡查" });
    assert_eq!(staff.to(id, reply).await.0, 200);
    let (s, o) = app.post(&format!("/api/v1/issues/{code}/rating"), &json!({ "stars": 5 })).await;
    assert_eq!((s, o["status"].as_str(), o["rating"].as_i64()), (200, Some("closed"), Some(5)), "{o}");

    let (_, full) = staff.get(&format!("/api/v1/staff/issues/{id}")).await;
    let steps: Vec<(&str, &str)> = full["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("submit", "submitted"),
            ("register", "registered"),
            ("assign", "assigned"),
            ("start", "in_progress"),
            ("reply", "replied"),
            ("rate", "registered"),
            ("reply", "replied"),
            ("rate", "closed"),
        ]
    );
    let actors: Vec<&str> = full["history"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(actors[1], "staff:staff-test");
    assert_eq!(actors[5], "citizen");
    assert_eq!(full["contact"]["phone"], "13812345678", "staff see how to reach the citizen");
    assert!(full["closed_at"].is_string());
}

#[tokio::test]
async fn rejection_ends_the_loop_and_illegal_or_stale_changes_are_409s() {
    let app = TestApp::with_sample().await;
    let (id, code, station) = submit(&app).await;
    let staff = Staff { app: &app, token: app.token("staff", Some(&station)).await };

    let (s, e) = staff.to(id, json!({ "to": "in_progress", "version": 1 })).await;
    assert_eq!(error_code(s, &e, 409), "illegal_transition");
    let (s, e) = staff.to(id, json!({ "to": "registered", "version": 7 })).await;
    assert_eq!(error_code(s, &e, 409), "version_conflict");
    let (s, e) = staff.to(id, json!({ "to": "assigned", "version": 1 })).await;
    assert_eq!(error_code(s, &e, 422), "invalid_transition", "department and due are needed");
    let (s, e) = staff.to(id, json!({ "to": "rejected", "version": 1 })).await;
    assert_eq!(error_code(s, &e, 422), "invalid_opinion", "a rejection needs an explanation: {e}");

    let (s, o) = staff.to(id, json!({ "to": "rejected", "version": 1, "note": "属于司法诉讼事项，不予受理" })).await;
    assert_eq!((s, o["status"].as_str()), (200, Some("rejected")), "{o}");
    let (_, public) = app.get(&format!("/api/v1/issues/{code}")).await;
    assert_eq!(
        (public["status"].as_str(), public["reply"].as_str()),
        (Some("rejected"), Some("属于司法诉讼事项，不予受理"))
    );
    for to in ["registered", "closed", "replied"] {
        let (s, e) =
            staff.to(id, json!({ "to": to, "version": 2, "reply_route": "explain", "reply": "x", "note": "x" })).await;
        assert_eq!(error_code(s, &e, 409), "illegal_transition", "{to}");
    }
}

#[tokio::test]
async fn two_staff_changing_one_opinion_at_once_one_wins_and_nothing_is_lost() {
    let app = TestApp::with_sample().await;
    for _ in 0..10 {
        let (id, _, station) = submit(&app).await;
        let a = Staff { app: &app, token: app.token("staff", Some(&station)).await };
        let b = Staff { app: &app, token: app.token("admin", None).await };
        let (ra, rb) = tokio::join!(
            a.to(id, json!({ "to": "registered", "version": 1 })),
            b.to(id, json!({ "to": "rejected", "version": 1, "note": "重复" }))
        );
        let mut statuses = [ra.0, rb.0];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{ra:?} {rb:?}");
        let (_, full) = a.get(&format!("/api/v1/staff/issues/{id}")).await;
        assert_eq!(full["version"], 2);
        assert_eq!(full["history"].as_array().unwrap().len(), 2, "exactly one change recorded");
        let winner = if ra.0 == 200 { "registered" } else { "rejected" };
        assert_eq!(full["status"], winner);
    }
}

#[tokio::test]
async fn each_role_reaches_what_it_should() {
    let app = TestApp::with_sample().await;
    let (id, _, station) = submit(&app).await;
    let catalog = app.state.service.catalog();
    let elsewhere = catalog
        .stations()
        .iter()
        .find(|s| s.id.as_str() != station && s.parent.as_ref().is_none_or(|p| p.as_str() != station))
        .unwrap()
        .id
        .to_string();
    /// A role and its station, for a token.
    type Credential<'a> = Option<(&'a str, Option<&'a str>)>;
    // (who, credential, inbox, one opinion, change it)
    let expected: [(&str, Credential, u16, u16, u16); 7] = [
        ("nobody", None, 401, 401, 401),
        ("bad token", Some(("bad", None)), 401, 401, 401),
        ("integrator", Some(("integrator", None)), 403, 403, 403),
        ("leader", Some(("leader", None)), 200, 200, 403),
        ("staff elsewhere", Some(("staff", Some(elsewhere.as_str()))), 200, 403, 403),
        ("staff here", Some(("staff", Some(station.as_str()))), 200, 200, 200),
        ("admin", Some(("admin", None)), 200, 200, 200),
    ];
    for (who, cred, inbox, one, change) in expected {
        let token = match cred {
            None => None,
            Some(("bad", _)) => Some("lsn_0000".to_owned()),
            Some((role, st)) => Some(app.token(role, st).await),
        };
        let (fresh, _, _) = submit(&app).await;
        let send = |req: reqwest::RequestBuilder| match &token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let c = &app.client;
        let got_inbox = send(c.get(format!("{}/api/v1/staff/issues", app.base))).send().await.unwrap();
        let got_one = send(c.get(format!("{}/api/v1/staff/issues/{id}", app.base))).send().await.unwrap();
        let got_change = send(c.post(format!("{}/api/v1/staff/issues/{fresh}/transitions", app.base)))
            .json(&json!({ "to": "registered", "version": 1 }))
            .send()
            .await
            .unwrap();
        let got = (got_inbox.status().as_u16(), got_one.status().as_u16(), got_change.status().as_u16());
        assert_eq!(got, (inbox, one, change), "{who}");
        if inbox == 401 {
            assert_eq!(got_inbox.headers()["www-authenticate"], "Bearer", "{who}");
        }
    }
    // A member's web login: reads the opinions of their grids, replies, registers nothing.
    let member = app
        .state
        .service
        .catalog()
        .grid_at(liaison::domain::LonLat::new(121.5435, 29.8655).unwrap())
        .unwrap()
        .grid
        .members[0]
        .to_string();
    app.user("rep", "member", None, Some(&member)).await;
    let browser = app.logged_in_client("rep").await;
    let (fresh, _, _) = submit(&app).await;
    let got = (
        browser.get(format!("{}/api/v1/staff/issues", app.base)).send().await.unwrap().status().as_u16(),
        browser.get(format!("{}/api/v1/staff/issues/{id}", app.base)).send().await.unwrap().status().as_u16(),
        browser
            .post(format!("{}/api/v1/staff/issues/{fresh}/transitions", app.base))
            .json(&json!({ "to": "registered", "version": 1 }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
    );
    assert_eq!(got, (200, 200, 403), "member");

    let staff_elsewhere = Staff { app: &app, token: app.token("staff", Some(&elsewhere)).await };
    let (_, inbox) = staff_elsewhere.get("/api/v1/staff/issues").await;
    assert!(inbox["issues"].as_array().unwrap().iter().all(|i| i["station"] != station.as_str()));
    let (s, e) = staff_elsewhere.get(&format!("/api/v1/staff/issues?station={station}")).await;
    assert_eq!(error_code(s, &e, 403), "forbidden");
}

#[tokio::test]
async fn unrated_replies_close_after_the_configured_days() {
    let app = TestApp::with_sample().await;
    let (id, code, station) = submit(&app).await;
    let staff = Staff { app: &app, token: app.token("staff", Some(&station)).await };
    staff.to(id, json!({ "to": "registered", "version": 1 })).await;
    let reply = json!({ "to": "replied", "version": 2, "reply_route": "explain", "reply": "该路段属市政规划范围" });
    assert_eq!(staff.to(id, reply).await.0, 200);

    let replied_at = crate::helpers::fixed_now();
    let service = &app.state.service;
    service.set_clock(liaison::service::Clock::Fixed(replied_at + chrono::Duration::days(14)));
    assert_eq!(service.close_unrated_replies(15).await.unwrap(), 0);
    service.set_clock(liaison::service::Clock::Fixed(replied_at + chrono::Duration::days(15)));
    assert_eq!(service.close_unrated_replies(15).await.unwrap(), 1);
    let (_, view) = app.get(&format!("/api/v1/issues/{code}")).await;
    assert_eq!(view["status"], "closed");
    assert_eq!(view["history"].as_array().unwrap().last().unwrap()["event"], "auto_close");
    let (s, e) = app.post(&format!("/api/v1/issues/{code}/rating"), &json!({ "stars": 4 })).await;
    assert_eq!(error_code(s, &e, 409), "illegal_transition", "too late to rate");
}

#[tokio::test]
async fn the_sample_brings_two_years_of_opinions_with_consistent_histories() {
    let (_db, store) = crate::helpers::fresh_store().await;
    let service = liaison::service::Service::open(store.clone()).await.unwrap();
    assert!(service.load_sample_if_empty(1_500).await.unwrap());
    let all =
        store.list_opinions(&liaison::store::OpinionFilter { limit: 10_000, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 1_500);
    let count = |s: &str| all.iter().filter(|o| o.status.code() == s).count();
    assert!(
        count("closed") > 1_000
            && count("rejected") > 10
            && count("replied") + count("in_progress") + count("assigned") > 5
    );
    let first = all.iter().map(|o| o.created_at).min().unwrap();
    let last = all.iter().map(|o| o.created_at).max().unwrap();
    assert!((last - first).num_days() > 700, "spread over two years");
    for o in all.iter().step_by(50) {
        let history = store.history(o.id).await.unwrap();
        assert_eq!(history.len() as i64, o.version, "{}", o.id);
        assert_eq!(history.last().unwrap().to, o.status);
    }
}
