//! Following an opinion end to end: notices queued with the change and sent by the outbox's round
//! through the real senders (an HTTP SMS gateway on a real socket, the file outbox in a real
//! directory), unsubscribing, nothing queued without an address or a sender, the addresses in no
//! public answer, and the webhook guard against private addresses. The SMTP sender meets a real
//! SMTP server in tests/notices.sh.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use serde_json::{json, Value};

use crate::helpers::{error_code, TestApp};
use crate::opinions::opinion;
use liaison::config::NoticeConfig;
use liaison::service::webhooks::OutboxPolicy;

const PUBLIC: &str = "https://liaison.example.gov.cn";
const EMAIL: &str = "follower.li@example.cn";
const PHONE: &str = "13900002222";

fn config() -> NoticeConfig {
    NoticeConfig { notice_timeout_secs: 10, ..NoticeConfig::default() }
}

/// A server on the sample whose notices go by the senders `config` describes (a `notice_dir`
/// relative to the test's directory is placed in it).
async fn app_sending(config: NoticeConfig) -> (TestApp, PathBuf) {
    let dir = Arc::new(Mutex::new(PathBuf::new()));
    let kept = dir.clone();
    let app = TestApp::with_service(move |service, tmp| {
        let mut config = config;
        config.notice_dir = config.notice_dir.map(|d| tmp.join(d));
        *kept.lock().unwrap() = config.notice_dir.clone().unwrap_or_default();
        let senders = liaison::senders::Senders::from_config(&config).unwrap().expect("a sender is configured");
        service.with_notices(Arc::new(senders), PUBLIC)
    })
    .await;
    let dir = dir.lock().unwrap().clone();
    (app, dir)
}

/// One call of the gateway: its query's pairs and its headers.
type Call = (Vec<(String, String)>, HeaderMap);

/// An SMS gateway on port 0 that keeps each request's query and headers and answers `{"code":"OK"}`.
#[derive(Clone, Default)]
struct Gateway {
    got: Arc<Mutex<Vec<Call>>>,
}

impl Gateway {
    async fn start(&self) -> String {
        let kept = self.got.clone();
        let handler = move |axum::extract::RawQuery(q): axum::extract::RawQuery, headers: HeaderMap| {
            let kept = kept.clone();
            async move {
                let pairs = url::form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned().collect();
                kept.lock().unwrap().push((pairs, headers));
                r#"{"code":"OK"}"#
            }
        };
        let app = axum::Router::new().route("/send", axum::routing::get(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    }

    fn messages(&self) -> Vec<Call> {
        self.got.lock().unwrap().clone()
    }
}

fn query<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_default()
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = app.client.request(method, format!("{}{path}", app.base)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, serde_json::from_str(&res.text().await.unwrap()).unwrap_or(Value::Null))
}

/// Submits a parking opinion with `follow` (if any) and returns its id, code and station's staff token.
async fn submit(app: &TestApp, follow: Option<Value>) -> (i64, String, String) {
    let mut body = opinion("parking", 121.5435, 29.8655);
    if let Some(f) = follow {
        body["follow"] = f;
    }
    let (status, created) = app.post("/api/v1/issues", &body).await;
    assert_eq!(status, 201, "{created}");
    let staff = app.token("staff", created["routing"]["station"]["id"].as_str()).await;
    (created["id"].as_i64().unwrap(), created["tracking_code"].as_str().unwrap().to_owned(), staff)
}

async fn move_to(app: &TestApp, id: i64, staff: &str, step: Value) {
    let path = format!("/api/v1/staff/issues/{id}/transitions");
    let (status, body) = send(app, reqwest::Method::POST, &path, staff, Some(step)).await;
    assert_eq!(status, 200, "{body}");
}

/// One round of the outbox's worker (webhooks, then notices), as `serve` runs it.
async fn round(app: &TestApp) -> (usize, usize) {
    let sender = liaison::outbound::HttpSender::new(Duration::from_secs(10)).unwrap();
    let r = app.state.service.deliver_due(&sender, &OutboxPolicy::default()).await.unwrap();
    (r.delivered, r.failed)
}

/// The files of the notice directory, by name.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    out.sort();
    out
}

async fn notice_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE kind = 'notice'").fetch_one(app.pool()).await.unwrap()
}

#[tokio::test]
async fn the_sms_gateway_gets_the_templated_url_and_the_file_outbox_gets_the_email_in_english() {
    let gateway = Gateway::default();
    let base = gateway.start().await;
    let (app, dir) = app_sending(NoticeConfig {
        sms_url_template: Some(format!("{base}/send?mobile={{phone}}&content={{text}}&sign=liaison")),
        sms_user: Some("acct".into()),
        sms_password: Some("pw".into()),
        sms_header: vec!["X-Api-Key: k-123".into()],
        sms_ok_contains: Some(r#""code":"OK""#.into()),
        notice_dir: Some("notices".into()),
        ..config()
    })
    .await;
    let (id, code, staff) = submit(&app, Some(json!({ "email": EMAIL, "phone": "139-0000-2222", "lang": "en" }))).await;
    assert_eq!(round(&app).await, (0, 0), "submitting gives no notice");

    move_to(&app, id, &staff, json!({ "to": "registered", "version": 1 })).await;
    assert_eq!(round(&app).await, (2, 0), "one e-mail and one SMS");

    let sms = gateway.messages();
    assert_eq!(sms.len(), 1);
    let (q, headers) = &sms[0];
    assert_eq!((query(q, "mobile"), query(q, "sign")), (PHONE, "liaison"));
    let text = query(q, "content");
    assert!(text.contains(&format!("tracking code {code}) has been registered")), "{text}");
    assert!(text.contains(&format!("{PUBLIC}/track/{code}?lang=en")), "{text}");
    assert!(text.contains(&format!("{PUBLIC}/unsubscribe/")), "{text}");
    assert_eq!(headers["x-api-key"], "k-123");
    assert_eq!(headers["authorization"], "Basic YWNjdDpwdw==");

    let written = files(&dir);
    assert_eq!(written.len(), 1, "only e-mail goes to files when a gateway sends SMS: {written:?}");
    let (name, eml) = &written[0];
    assert!(name.ends_with(".eml"), "{name}");
    // Headers unfolded (RFC 5322 folds long ones at a space).
    let eml = eml.replace("\r\n ", " ").replace("\n ", " ");
    assert!(eml.contains(&format!("To: {EMAIL}")), "{eml}");
    assert!(eml.contains(&format!("Subject: Your opinion has been registered (tracking code {code})")), "{eml}");
    assert!(eml.contains(&format!("List-Unsubscribe: <{PUBLIC}/unsubscribe/")), "{eml}");
    assert!(eml.contains("Message-ID: <") && eml.contains("Content-Language: en"), "{eml}");

    // Acknowledged sends are not sent again.
    assert_eq!(round(&app).await, (0, 0));
    assert_eq!((gateway.messages().len(), files(&dir).len()), (1, 1));
}

#[tokio::test]
async fn the_reply_notice_links_to_rating_and_unsubscribing_stops_what_follows() {
    let (app, dir) = app_sending(NoticeConfig { notice_dir: Some("notices".into()), ..config() }).await;
    let (id, code, staff) = submit(&app, Some(json!({ "phone": PHONE }))).await;
    move_to(&app, id, &staff, json!({ "to": "registered", "version": 1 })).await;
    move_to(
        &app,
        id,
        &staff,
        json!({ "to": "replied", "version": 2, "reply_route": "direct_answer", "reply": "已增设禁停标志" }),
    )
    .await;
    assert_eq!(round(&app).await, (2, 0));
    let written = files(&dir);
    let reply = written.iter().map(|(_, t)| t).find(|t| t.contains("已答复")).expect("the reply notice");
    assert!(reply.starts_with(&format!("To: {PHONE}\n")), "{reply}");
    assert!(reply.contains(&format!("查看答复并评价：{PUBLIC}/track/{code}\n")), "in Chinese, without ?lang: {reply}");

    // The unsubscribe link: a page with a button, then the button.
    let stop = reply.lines().find_map(|l| l.strip_prefix("退订通知：")).expect("an unsubscribe link");
    let path = stop.strip_prefix(PUBLIC).unwrap();
    let (status, page) = app.get_text(path).await;
    assert!(status == 200 && page.contains("unsubscribe-form"), "{status} {page}");
    let res = app.client.post(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap().contains("data-state=\"stopped\""));
    let again = app.client.post(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 200, "stopping twice is no error");

    let before = notice_rows(&app).await;
    move_to(&app, id, &staff, json!({ "to": "closed", "version": 3, "note": "已处理" })).await;
    assert_eq!(round(&app).await, (0, 0));
    assert_eq!(notice_rows(&app).await, before, "nothing is queued for a follower who stopped");
    assert_eq!(files(&dir).len(), 2);

    let (status, _) = app.get_text("/unsubscribe/0123456789abcdef0123456789abcdef").await;
    assert_eq!(status, 200, "the page itself asks nothing of the token");
    let unknown =
        app.client.post(format!("{}/unsubscribe/0123456789abcdef0123456789abcdef", app.base)).send().await.unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    let bad = app.client.post(format!("{}/unsubscribe/not-a-token", app.base)).send().await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

#[tokio::test]
async fn a_stop_before_the_round_drops_what_was_queued() {
    let (app, dir) = app_sending(NoticeConfig { notice_dir: Some("notices".into()), ..config() }).await;
    let (id, _, staff) = submit(&app, Some(json!({ "email": EMAIL }))).await;
    move_to(&app, id, &staff, json!({ "to": "registered", "version": 1 })).await;
    let token: String = sqlx::query_scalar("SELECT token FROM opinion_followers").fetch_one(app.pool()).await.unwrap();
    let res = app.client.post(format!("{}/unsubscribe/{token}", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(round(&app).await, (0, 0));
    assert!(files(&dir).is_empty());
}

#[tokio::test]
async fn without_an_address_nothing_is_queued_and_without_a_sender_following_is_refused() {
    let (app, _) = app_sending(NoticeConfig { notice_dir: Some("notices".into()), ..config() }).await;
    let (id, _, staff) = submit(&app, None).await;
    move_to(&app, id, &staff, json!({ "to": "registered", "version": 1 })).await;
    assert_eq!(notice_rows(&app).await, 0);
    let (status, form) = app.get_text("/submit").await;
    assert!(status == 200 && form.contains("name=\"follow_email\"") && form.contains("name=\"follow_phone\""));
    let mut bad = opinion("parking", 121.5435, 29.8655);
    bad["follow"] = json!({ "email": "not an address" });
    let (status, body) = app.post("/api/v1/issues", &bad).await;
    assert_eq!(error_code(status, &body, 422), "invalid_opinion");

    let plain = TestApp::with_sample().await;
    let mut wants = opinion("parking", 121.5435, 29.8655);
    wants["follow"] = json!({ "email": EMAIL });
    let (status, body) = plain.post("/api/v1/issues", &wants).await;
    assert_eq!(error_code(status, &body, 422), "follow_unavailable");
    let (_, form) = plain.get_text("/submit").await;
    assert!(!form.contains("follow_email"), "no sender, no field");
    let (id, _, staff) = submit(&plain, None).await;
    move_to(&plain, id, &staff, json!({ "to": "registered", "version": 1 })).await;
    assert_eq!(notice_rows(&plain).await, 0);
}

#[tokio::test]
async fn follow_addresses_appear_in_no_public_answer_feed_open311_request_staff_view_or_webhook() {
    let (app, _) = app_sending(NoticeConfig { notice_dir: Some("notices".into()), ..config() }).await;
    let admin = app.token("admin", None).await;
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let kept = got.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let kept = kept.clone();
            async move { kept.lock().unwrap().push(body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    let events = ["opinion.created", "opinion.status_changed", "opinion.replied"];
    let (status, hook) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/webhooks",
        &admin,
        Some(json!({ "url": url, "events": events })),
    )
    .await;
    assert_eq!(status, 201, "{hook}");

    let (id, code, staff) = submit(&app, Some(json!({ "email": EMAIL, "phone": PHONE }))).await;
    move_to(&app, id, &staff, json!({ "to": "registered", "version": 1 })).await;
    move_to(
        &app,
        id,
        &staff,
        json!({ "to": "replied", "version": 2, "reply_route": "direct_answer", "reply": "已处理" }),
    )
    .await;
    assert_eq!(round(&app).await, (8, 0), "four webhook events and two notices to each address");

    let (_, tracked) = app.get(&format!("/api/v1/issues/{code}")).await;
    let station = tracked["routing"]["station"]["id"].as_str().unwrap().to_owned();
    let mut answers = vec![tracked.to_string()];
    for path in [
        format!("/open311/v2/requests/{id}.json"),
        "/open311/v2/requests.json".to_owned(),
        format!("/open311/v2/requests/{id}.xml"),
        format!("/feeds/stations/{station}.atom"),
        "/feeds/categories/parking.atom".to_owned(),
        format!("/track/{code}"),
    ] {
        let (status, text) = app.get_text(&path).await;
        assert_eq!(status, 200, "{path}: {text}");
        answers.push(text);
    }
    let (status, staff_view) =
        send(&app, reqwest::Method::GET, &format!("/api/v1/staff/issues/{id}"), &staff, None).await;
    assert_eq!(status, 200);
    answers.push(staff_view.to_string());
    let hooks = got.lock().unwrap().clone();
    assert_eq!(hooks.len(), 4);
    answers.extend(hooks);
    for a in &answers {
        for secret in [EMAIL, PHONE, "follower.li"] {
            assert!(!a.contains(secret), "{secret} in {a}");
        }
    }
}

#[tokio::test]
async fn open311_email_follows_the_request_when_the_service_sends_email() {
    let (app, dir) = app_sending(NoticeConfig { notice_dir: Some("notices".into()), ..config() }).await;
    let key = app.token("integrator", None).await;
    let form = [
        ("api_key", key.as_str()),
        ("service_code", "parking"),
        ("lat", "29.8655"),
        ("long", "121.5435"),
        ("description", "小区门口乱停车，堵住消防通道"),
        ("email", EMAIL),
    ];
    let res = app.client.post(format!("{}/open311/v2/requests.json", app.base)).form(&form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    let id: i64 = created[0]["service_request_id"].as_str().unwrap().parse().unwrap();
    let admin = app.token("admin", None).await;
    let (_, view) = send(&app, reqwest::Method::GET, &format!("/api/v1/staff/issues/{id}"), &admin, None).await;
    let staff = app.token("staff", view["routing"]["station"]["id"].as_str()).await;
    move_to(&app, id, &staff, json!({ "to": "registered", "version": 1 })).await;
    assert_eq!(round(&app).await, (1, 0));
    let written = files(&dir);
    assert!(written.len() == 1 && written[0].1.contains(&format!("To: {EMAIL}")), "{written:?}");
}

#[tokio::test]
async fn webhooks_to_private_addresses_are_refused_unless_the_operator_allows_them() {
    let app = TestApp::with_service(|s, _| s.with_private_webhooks(false)).await;
    let admin = app.token("admin", None).await;
    for url in ["http://127.0.0.1:9000/hook", "http://169.254.169.254/latest", "http://[::1]/x", "http://localhost/x"] {
        let body = json!({ "url": url, "events": ["opinion.created"] });
        let (status, answer) = send(&app, reqwest::Method::POST, "/api/v1/admin/webhooks", &admin, Some(body)).await;
        assert_eq!(error_code(status, &answer, 422), "private_webhook_url", "{url}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("--allow-private-webhooks"), "{answer}");
    }
    let body = json!({ "url": "https://hooks.example.cn/liaison", "events": ["opinion.created"] });
    let (status, answer) = send(&app, reqwest::Method::POST, "/api/v1/admin/webhooks", &admin, Some(body)).await;
    assert_eq!(status, 201, "{answer}");
}

#[tokio::test]
async fn a_citizen_reading_in_english_follows_from_the_form_and_is_written_to_in_english() {
    let (app, dir) = app_sending(NoticeConfig { notice_dir: Some("notices".into()), ..config() }).await;
    let shown = crate::browser::playwright("follow-form", &app.base, &[("EMAIL", EMAIL)]).await;
    crate::browser::assert_screenshot(&shown, 20_000);
    assert_eq!(shown["legend"], "Tell me how it goes (optional)", "{shown}");
    assert_eq!(shown["fields"], json!(["follow_email", "follow_phone"]), "{shown}");
    let code = shown["tracked"].as_str().unwrap();
    let (_, tracked) = app.get(&format!("/api/v1/issues/{code}")).await;
    let id = app.state.service.opinion_by_code(code).await.unwrap().id;
    let staff = app.token("staff", tracked["routing"]["station"]["id"].as_str()).await;
    move_to(&app, id, &staff, json!({ "to": "registered", "version": 1 })).await;
    assert_eq!(round(&app).await, (1, 0));
    let written = files(&dir);
    let eml = written[0].1.replace("\r\n ", " ").replace("\n ", " ");
    assert!(eml.contains(&format!("To: {EMAIL}")), "{eml}");
    assert!(eml.contains(&format!("Subject: Your opinion has been registered (tracking code {code})")), "{eml}");
}
