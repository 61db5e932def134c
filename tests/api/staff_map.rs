//! Staff on the map: the inbox carries each opinion's position, every opinion read on the staff
//! side lists the moves its reader may make now (`next`), and `/staff/map` works an opinion through
//! the loop in a real browser.

use serde_json::{json, Value};

use crate::browser::{assert_only_this_server, assert_screenshot, playwright};
use crate::helpers::TestApp;
use crate::opinions::opinion;

const HERE: (f64, f64) = (121.5435, 29.8655);

/// Who calls the staff API: a bearer token, or a browser's web login (members only log in).
enum Caller {
    Token(String),
    Login(reqwest::Client),
}

impl TestApp {
    /// A member's web login, logged in.
    async fn member_login(&self, member: &str) -> Caller {
        self.user("member-test", "member", None, Some(member)).await;
        Caller::Login(self.logged_in_client("member-test").await)
    }

    async fn send(&self, who: &Caller, method: reqwest::Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let mut req = match who {
            Caller::Token(token) => self.client.request(method, url).bearer_auth(token),
            Caller::Login(client) => client.request(method, url),
        };
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }
}

/// A valid request to move an opinion at `version` to `to`, with every field that move needs.
fn move_to(to: &str, version: i64) -> Value {
    json!({
        "to": to, "version": version, "note": "已核实", "department": "区住建局", "due": "2026-12-31",
        "reply_route": "direct_answer", "reply": "已安排维修。",
    })
}

/// The path from `submitted` to each status, as staff move opinions.
fn path_to(status: &str) -> &'static [&'static str] {
    match status {
        "submitted" => &[],
        "registered" => &["registered"],
        "assigned" => &["registered", "assigned"],
        "in_progress" => &["registered", "assigned", "in_progress"],
        "replied" => &["registered", "replied"],
        "closed" => &["registered", "replied", "closed"],
        "rejected" => &["rejected"],
        other => panic!("no path to {other}"),
    }
}

/// A new opinion, moved by `staff` to `status`; its id.
async fn fresh(app: &TestApp, staff: &Caller, status: &str) -> i64 {
    let (s, o) = app.post("/api/v1/issues", &opinion("roads", HERE.0, HERE.1)).await;
    assert_eq!(s, 201, "{o}");
    let id = o["id"].as_i64().unwrap();
    for (version, step) in path_to(status).iter().enumerate() {
        let path = format!("/api/v1/staff/issues/{id}/transitions");
        let (s, o) = app.send(staff, reqwest::Method::POST, &path, Some(&move_to(step, version as i64 + 1))).await;
        assert_eq!(s, 200, "{step}: {o}");
    }
    id
}

const TARGETS: [&str; 6] = ["registered", "assigned", "in_progress", "replied", "closed", "rejected"];

#[tokio::test]
async fn next_lists_exactly_the_moves_the_server_then_accepts() {
    let app = TestApp::with_sample().await;
    let (s, first) = app.post("/api/v1/issues", &opinion("roads", HERE.0, HERE.1)).await;
    assert_eq!(s, 201, "{first}");
    let station = first["routing"]["station"]["id"].as_str().unwrap().to_owned();
    let member = first["routing"]["members"][0]["id"].as_str().expect("the grid has a member").to_owned();
    let staff = Caller::Token(app.token("staff", Some(&station)).await);
    let callers = [
        ("staff", Caller::Token(app.token("staff", Some(&station)).await)),
        ("member", app.member_login(&member).await),
        ("leader", Caller::Token(app.token("leader", None).await)),
    ];

    // Staff see where each opinion is, exactly.
    let (s, inbox) = app.send(&staff, reqwest::Method::GET, "/api/v1/staff/issues?status=submitted", None).await;
    assert_eq!(s, 200, "{inbox}");
    let item = inbox["issues"].as_array().unwrap().iter().find(|i| i["id"] == first["id"]).expect("listed");
    assert_eq!((item["lon"].as_f64(), item["lat"].as_f64()), (Some(HERE.0), Some(HERE.1)), "{item}");

    let mut accepted = 0;
    for status in ["submitted", "registered", "assigned", "in_progress", "replied", "closed", "rejected"] {
        for (role, caller) in &callers {
            // What `next` says for an opinion in this status, read by this role ...
            let id = fresh(&app, &staff, status).await;
            let (s, o) = app.send(caller, reqwest::Method::GET, &format!("/api/v1/staff/issues/{id}"), None).await;
            assert_eq!((s, o["status"].as_str()), (200, Some(status)), "{role}: {o}");
            let next: Vec<String> =
                o["next"].as_array().unwrap_or_else(|| panic!("no next: {o}")).iter().map(|v| v.to_string()).collect();
            // ... is exactly what the server accepts from them, target by target.
            for target in TARGETS {
                let id = fresh(&app, &staff, status).await;
                let version = path_to(status).len() as i64 + 1;
                let path = format!("/api/v1/staff/issues/{id}/transitions");
                let (s, o) = app.send(caller, reqwest::Method::POST, &path, Some(&move_to(target, version))).await;
                let listed = next.contains(&format!("\"{target}\""));
                assert_eq!(
                    s == 200,
                    listed,
                    "{role} moving a {status} opinion to {target}: next {next:?}, got {s} {o}"
                );
                if s != 200 {
                    assert!([403, 409].contains(&s), "{role}, {status} → {target}: {s} {o}");
                } else {
                    accepted += 1;
                    assert!(o["next"].is_array(), "the answer to a move lists the next moves: {o}");
                }
            }
        }
    }
    assert!(accepted >= 10, "the table is not empty: {accepted} moves accepted");
}

#[tokio::test]
async fn staff_work_an_opinion_on_the_map_in_a_browser() {
    let app = TestApp::with_sample().await;
    let (s, created) = app.post("/api/v1/issues", &opinion("roads", HERE.0, HERE.1)).await;
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let station = created["routing"]["station"]["id"].as_str().unwrap().to_owned();
    app.user("wang.li", "staff", Some(&station), None).await;
    let token = Caller::Token(app.token("staff", Some(&station)).await);
    // Others in the same inbox: one closed (outside the default filter), one still new.
    let closed = fresh(&app, &token, "closed").await;
    let waiting = fresh(&app, &token, "submitted").await;

    // The inbox for the page's default filter (the open statuses), read before the page moves anything.
    let open = ["submitted", "registered", "assigned", "in_progress", "replied"];
    let path = format!("/api/v1/staff/issues?status={}&limit=1000", open.join(","));
    let (s, inbox) = app.send(&token, reqwest::Method::GET, &path, None).await;
    assert_eq!(s, 200, "{inbox}");

    let shown = playwright(
        "staff-map",
        &app.base,
        &[("USERNAME", "wang.li"), ("PASSWORD", "a long enough secret"), ("ISSUE", &id.to_string())],
    )
    .await;

    // The page lists what the API's inbox holds for the default filter (the open statuses), in
    // the same order, and draws as many points.
    let first = &shown["first"];
    let checked: Vec<&str> = first["checked"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(checked, open, "{first}");
    let api: Vec<(i64, &str)> = inbox["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_i64().unwrap(), i["status"].as_str().unwrap()))
        .collect();
    let page: Vec<(i64, &str)> = first["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_i64().unwrap(), i["status"].as_str().unwrap()))
        .collect();
    assert!(api.iter().any(|&(i, _)| i == waiting) && !api.iter().any(|&(i, _)| i == closed), "{api:?}");
    assert_eq!(page, api, "the list is the inbox");
    assert_eq!((first["count"].as_u64(), first["onMap"].as_u64()), (Some(api.len() as u64), Some(api.len() as u64)));

    // Each step through the form, as the server recorded it.
    assert_eq!(shown["opened"]["next"], json!(["registered", "rejected"]), "{}", shown["opened"]);
    assert_eq!(shown["registered"]["version"], 2);
    assert_eq!(shown["refused"]["code"], "invalid_opinion", "an empty department: {}", shown["refused"]);
    assert_eq!(shown["assigned"]["version"], 3);
    let conflict = &shown["conflict"];
    assert_eq!(conflict["raced"], 200, "the other change went through: {conflict}");
    assert_eq!(conflict["version"], 4, "the panel shows the opinion as the other change left it: {conflict}");
    assert_eq!(shown["replied"]["version"], 5);
    let events: Vec<&str> = shown["replied"]["audit"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(events, ["submit", "register", "assign", "start", "reply"], "the audit trail");
    // The trail reads in the page's language: the channel, the department's time limit, the route.
    let notes: Vec<&str> = shown["replied"]["notes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(notes, ["网上", "区住建局 · 期限 2026-11-27", "直接答复"], "{}", shown["replied"]);
    assert_eq!(shown["replied"]["contact"], 1, "the citizen's phone is a link");
    assert_eq!(shown["replied"]["actors"][0], " · 市民", "{}", shown["replied"]);
    let (_, o) = app.send(&token, reqwest::Method::GET, &format!("/api/v1/staff/issues/{id}"), None).await;
    assert_eq!((o["status"].as_str(), o["version"].as_i64()), (Some("replied"), Some(5)), "{o}");
    assert_eq!(o["department"], "区住建局");
    assert_eq!(o["reply"], "已安排维修，本周内完成。");
    let actors: Vec<&str> = o["history"].as_array().unwrap().iter().map(|h| h["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["citizen", "staff:wang.li", "staff:wang.li", "staff:wang.li", "staff:wang.li"]);

    // The status filter: exactly the replied opinions of the inbox.
    let (_, replied) =
        app.send(&token, reqwest::Method::GET, "/api/v1/staff/issues?status=replied&limit=1000", None).await;
    let api: Vec<i64> = replied["issues"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    let page: Vec<i64> =
        shown["filtered"]["issues"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(page, api, "{}", shown["filtered"]);
    assert!(shown["filtered"]["url"].as_str().unwrap().contains("status=replied"));

    assert_eq!(shown["linked"]["status"], "replied", "a link opens the opinion");
    assert_eq!(shown["fits"], true, "nothing wider than a phone");
    assert_only_this_server(&shown, &app.base);
    assert_screenshot(&shown, 10_000);
}

#[tokio::test]
async fn the_staff_map_needs_a_login_and_leaders_only_read() {
    let app = TestApp::with_sample().await;
    let res = app.client.get(format!("{}/staff/map", app.base)).send().await.unwrap();
    assert_eq!(res.url().path(), "/login", "no login: to the login page");

    app.user("zhao.leader", "leader", None, None).await;
    let leader = app.logged_in_client("zhao.leader").await;
    let page = leader.get(format!("{}/staff/map", app.base)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    for hook in ["id=\"map\"", "id=\"filters\"", "id=\"issues\"", "mapkit.js", "staff-map.js", "id=\"map-config\""] {
        assert!(html.contains(hook), "{hook} missing");
    }

    // A leader reads every opinion with its position, and may move none.
    let (_, created) = app.post("/api/v1/issues", &opinion("roads", HERE.0, HERE.1)).await;
    let id = created["id"].as_i64().unwrap();
    let o: Value =
        leader.get(format!("{}/api/v1/staff/issues/{id}", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(o["next"], json!([]), "{o}");
    assert_eq!(o["location"]["coordinates"], json!([HERE.0, HERE.1]));
    let no_js = leader.get(format!("{}/staff/issues/{id}", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(no_js.contains("id=\"no-next\"") && !no_js.contains("id=\"transition-form\""), "no form to fill in vain");
}
