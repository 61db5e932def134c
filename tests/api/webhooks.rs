//! Webhooks end to end: a real receiver on a real socket that fails before it accepts, signatures
//! checked with an independent HMAC, the delivery log, the outbox surviving `kill -9`, and who may
//! manage webhooks. No timing assertions: generous deadlines, polled.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::TestApp;
use crate::operations::{fresh_db, Server};
use crate::opinions::opinion;

const SECRET: &str = "whsec_test_0123456789abcdef";
const DEADLINE: Duration = Duration::from_secs(60);

/// One request as the receiver got it.
#[derive(Debug, Clone)]
struct Received {
    event: String,
    delivery: String,
    signature: String,
    body: String,
}

/// A webhook receiver on port 0 that answers 500 to the first `fail_first` requests of each
/// event id, then 200, and keeps everything it got.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(fail_first: usize) -> Self {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let kept = got.clone();
        let handler = move |headers: HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let r = Received {
                    event: h("liaison-event"),
                    delivery: h("liaison-delivery"),
                    signature: h("liaison-signature"),
                    body,
                };
                let mut got = kept.lock().unwrap();
                let before = got.iter().filter(|g| g.delivery == r.delivery).count();
                got.push(r);
                if before < fail_first {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        };
        let app = axum::Router::new().route("/hook", axum::routing::post(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Requests per delivery id, accepted or not.
    fn per_delivery(&self) -> HashMap<String, usize> {
        let mut n = HashMap::new();
        for r in self.received() {
            *n.entry(r.delivery).or_default() += 1;
        }
        n
    }
}

/// Checks `Liaison-Signature: t=..,v1=..` over `body` with the secret, as a receiver would.
fn verifies(header: &str, body: &str, secret: &str) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = Some(x),
            Some(("v1", x)) => v1 = Some(x),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let Ok(sig) = hex::decode(v1) else { return false };
    mac.verify_slice(&sig).is_ok()
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Polls `check` every 50 ms until it holds, at most [`DEADLINE`].
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < DEADLINE, "not within {DEADLINE:?}: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_event_refused_twice_arrives_on_the_third_try_signed_with_one_event_id() {
    let app = TestApp::with_sample().await;
    let admin = app.token("admin", None).await;
    let receiver = Receiver::start(2).await;
    let hooks = format!("{}/api/v1/admin/webhooks", app.base);
    let (status, hook) = send(
        &app.client,
        reqwest::Method::POST,
        hooks.clone(),
        &admin,
        Some(json!({ "url": receiver.url, "events": ["opinion.created"], "secret": SECRET })),
    )
    .await;
    assert_eq!(status, 201, "{hook}");
    assert_eq!(hook["secret"], SECRET, "the secret is shown on registration");
    let id = hook["id"].as_i64().unwrap();
    let (_, listed) = send(&app.client, reqwest::Method::GET, hooks.clone(), &admin, None).await;
    assert!(listed[0].get("secret").is_none(), "and never again: {listed}");

    let (status, created) = app.post("/api/v1/issues", &opinion("parking", 121.5435, 29.8655)).await;
    assert_eq!(status, 201, "{created}");

    // The worker `serve` runs, with a short backoff.
    let mut policy = liaison::service::webhooks::OutboxPolicy::default();
    policy.retry.base = Duration::from_millis(100);
    let sender = liaison::outbound::HttpSender::new(Duration::from_secs(10)).unwrap();
    let worker = tokio::spawn(liaison::cli::deliver_outbox(
        app.state.service.clone(),
        sender,
        policy,
        Duration::from_millis(20),
    ));
    let log_url = format!("{hooks}/{id}/deliveries");
    eventually("the delivery is marked delivered", || {
        let (client, url, token) = (app.client.clone(), log_url.clone(), admin.clone());
        async move {
            let (_, log) = send(&client, reqwest::Method::GET, url, &token, None).await;
            log[0]["delivered_at"].is_string()
        }
    })
    .await;
    worker.abort();

    let got = receiver.received();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().all(|r| r.delivery == got[0].delivery && r.event == "opinion.created"), "{got:?}");
    assert_eq!(got[0].delivery.len(), 32);
    for r in &got {
        assert!(verifies(&r.signature, &r.body, SECRET), "{r:?}");
        assert!(!verifies(&r.signature, &r.body, "whsec_another_secret_000"), "a wrong secret must not verify");
    }
    let body: Value = serde_json::from_str(&got[2].body).unwrap();
    assert_eq!(body["id"], got[2].delivery.as_str());
    assert_eq!(body["opinion"]["id"], created["id"]);
    assert!(!got[2].body.contains("13812345678") && !got[2].body.contains("张小明"), "{}", got[2].body);
    assert!(!got[2].body.contains(created["tracking_code"].as_str().unwrap()));

    let (_, log) = send(&app.client, reqwest::Method::GET, log_url.clone(), &admin, None).await;
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    let d = &log[0];
    assert_eq!((d["event_id"].as_str(), d["attempts"].as_u64()), (Some(got[0].delivery.as_str()), Some(3)), "{d}");
    let codes: Vec<u64> = d["log"].as_array().unwrap().iter().map(|a| a["status_code"].as_u64().unwrap()).collect();
    assert_eq!(codes, [500, 500, 200], "{d}");
    assert!(d["log"][0]["error"].as_str().unwrap().contains("500") && d["log"][2]["error"].is_null(), "{d}");
    assert!(d["next_attempt_at"].is_null(), "{d}");

    // A replay sends the same event again, with the same id.
    let replay = format!("{log_url}/{}/replay", d["id"]);
    let (status, replayed) = send(&app.client, reqwest::Method::POST, replay, &admin, None).await;
    assert_eq!(status, 202, "{replayed}");
    assert!(replayed["delivered_at"].is_null() && replayed["next_attempt_at"].is_string(), "{replayed}");
    let sender = liaison::outbound::HttpSender::new(Duration::from_secs(10)).unwrap();
    let worker = tokio::spawn(liaison::cli::deliver_outbox(
        app.state.service.clone(),
        sender,
        policy,
        Duration::from_millis(20),
    ));
    eventually("the replay arrives", || {
        let n = receiver.received().len();
        async move { n == 4 }
    })
    .await;
    worker.abort();
    assert_eq!(receiver.received()[3].delivery, got[0].delivery);
}

#[tokio::test]
async fn the_outbox_survives_kill_9_and_the_event_is_delivered_once_after_the_restart() {
    let (_dir, db) = fresh_db();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_liaison"))
        .arg("--db")
        .arg(&db)
        .args(["token", "create", "--role", "admin", "--name", "ops"])
        .env_remove("LIAISON_DB")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let admin = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let receiver = Receiver::start(0).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

    // Delivery off: the events can only wait in the outbox.
    let mut first = Server::start(
        &db,
        &["--no-sample", "--outbox-poll-ms", "0", "--submissions-per-hour", "0", "--allow-private-webhooks"],
    );
    let hooks = format!("{}/api/v1/admin/webhooks", first.base);
    let body = json!({ "url": receiver.url, "events": ["opinion.created", "opinion.status_changed"] });
    let (status, hook) = send(&client, reqwest::Method::POST, hooks.clone(), &admin, Some(body)).await;
    assert_eq!(status, 201, "{hook}");
    assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"), "a secret is generated: {hook}");
    for _ in 0..3 {
        let res = client
            .post(format!("{}/api/v1/issues", first.base))
            .json(&opinion("noise", 121.5435, 29.8655))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }
    let log_url = |base: &str| format!("{base}/api/v1/admin/webhooks/{}/deliveries", hook["id"]);
    let (_, log) = send(&client, reqwest::Method::GET, log_url(&first.base), &admin, None).await;
    assert_eq!(log.as_array().unwrap().len(), 3, "three events wait: {log}");
    assert!(log.as_array().unwrap().iter().all(|d| d["attempts"] == 0 && d["delivered_at"].is_null()), "{log}");
    first.signal(libc::SIGKILL);
    first.wait(Duration::from_secs(10));
    assert!(receiver.received().is_empty());

    let second = Server::start(&db, &["--no-sample", "--outbox-poll-ms", "20", "--allow-private-webhooks"]);
    eventually("all three events arrive", || {
        let n = receiver.per_delivery().len();
        async move { n == 3 }
    })
    .await;
    let (client2, url, token) = (client.clone(), log_url(&second.base), admin.clone());
    eventually("the log says delivered", || {
        let (client, url, token) = (client2.clone(), url.clone(), token.clone());
        async move {
            let (_, log) = send(&client, reqwest::Method::GET, url, &token, None).await;
            log.as_array().is_some_and(|l| l.len() == 3 && l.iter().all(|d| d["delivered_at"].is_string()))
        }
    })
    .await;
    // Many more rounds of the worker pass: nothing is sent again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let per = receiver.per_delivery();
    assert!(per.values().all(|&n| n == 1), "each event exactly once: {per:?}");
    assert!(receiver.received().iter().all(|r| r.event == "opinion.created"));
}

#[tokio::test]
async fn only_administrators_manage_webhooks_and_bad_registrations_are_refused() {
    let app = TestApp::with_sample().await;
    let hooks = format!("{}/api/v1/admin/webhooks", app.base);
    let good = json!({ "url": "https://receiver.example/hook", "events": ["opinion.replied"] });
    for role in ["staff", "leader", "integrator"] {
        let station = (role == "staff").then_some("HS-ST-001");
        let token = app.token(role, station).await;
        let (status, body) = send(&app.client, reqwest::Method::POST, hooks.clone(), &token, Some(good.clone())).await;
        assert_eq!(status, 403, "{role}: {body}");
        let (status, _) = send(&app.client, reqwest::Method::GET, hooks.clone(), &token, None).await;
        assert_eq!(status, 403, "{role}");
    }
    let res = app.client.get(&hooks).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);

    let admin = app.token("admin", None).await;
    for bad in [
        json!({ "url": "ftp://receiver.example/hook", "events": ["opinion.replied"] }),
        json!({ "url": "not a url", "events": ["opinion.replied"] }),
        json!({ "url": "https://receiver.example/hook", "events": ["opinion.deleted"] }),
        json!({ "url": "https://receiver.example/hook", "events": [] }),
        json!({ "url": "https://receiver.example/hook", "events": ["opinion.replied"], "secret": "short" }),
        json!({ "events": ["opinion.replied"] }),
    ] {
        let (status, body) = send(&app.client, reqwest::Method::POST, hooks.clone(), &admin, Some(bad.clone())).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    let (status, hook) = send(&app.client, reqwest::Method::POST, hooks.clone(), &admin, Some(good)).await;
    assert_eq!(status, 201, "{hook}");
    let one = format!("{hooks}/{}", hook["id"]);
    assert_eq!(send(&app.client, reqwest::Method::DELETE, one.clone(), &admin, None).await.0, 204);
    assert_eq!(send(&app.client, reqwest::Method::DELETE, one.clone(), &admin, None).await.0, 404);
    assert_eq!(send(&app.client, reqwest::Method::GET, format!("{one}/deliveries"), &admin, None).await.0, 404);
    let (_, listed) = send(&app.client, reqwest::Method::GET, hooks, &admin, None).await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn each_change_of_the_loop_queues_its_events_with_the_change_and_they_go_out_in_order() {
    let app = TestApp::with_sample().await;
    let admin = app.token("admin", None).await;
    let receiver = Receiver::start(0).await;
    let hooks = format!("{}/api/v1/admin/webhooks", app.base);
    let events = ["opinion.status_changed", "opinion.replied", "opinion.rated"];
    let body = json!({ "url": receiver.url, "events": events, "secret": SECRET });
    let (status, hook) = send(&app.client, reqwest::Method::POST, hooks.clone(), &admin, Some(body)).await;
    assert_eq!(status, 201, "{hook}");

    let (_, created) = app.post("/api/v1/issues", &opinion("parking", 121.5435, 29.8655)).await;
    let (id, code) = (created["id"].as_i64().unwrap(), created["tracking_code"].as_str().unwrap().to_owned());
    let staff = app.token("staff", created["routing"]["station"]["id"].as_str()).await;
    let steps = [
        json!({ "to": "registered", "version": 1 }),
        json!({ "to": "assigned", "version": 2, "department": "区交警大队", "due": "2026-11-30" }),
        json!({ "to": "in_progress", "version": 3 }),
        json!({ "to": "replied", "version": 4, "reply_route": "direct_answer", "reply": "已增设禁停标志" }),
    ];
    let transitions = format!("{}/api/v1/staff/issues/{id}/transitions", app.base);
    for step in steps {
        let (s, o) = send(&app.client, reqwest::Method::POST, transitions.clone(), &staff, Some(step)).await;
        assert_eq!(s, 200, "{o}");
    }
    let (s, o) = app.post(&format!("/api/v1/issues/{code}/rating"), &json!({ "stars": 5 })).await;
    assert_eq!(s, 200, "{o}");

    // Written with the changes, before any worker runs; the submission itself was not wanted.
    let log_url = format!("{hooks}/{}/deliveries", hook["id"]);
    let (_, log) = send(&app.client, reqwest::Method::GET, log_url, &admin, None).await;
    let queued: Vec<&str> = log.as_array().unwrap().iter().rev().map(|d| d["event_type"].as_str().unwrap()).collect();
    let expected = [
        "opinion.status_changed",
        "opinion.status_changed",
        "opinion.status_changed",
        "opinion.replied",
        "opinion.status_changed",
        "opinion.rated",
        "opinion.status_changed",
    ];
    assert_eq!(queued, expected);

    let sender = liaison::outbound::HttpSender::new(Duration::from_secs(10)).unwrap();
    let policy = liaison::service::webhooks::OutboxPolicy::default();
    let worker = tokio::spawn(liaison::cli::deliver_outbox(
        app.state.service.clone(),
        sender,
        policy,
        Duration::from_millis(20),
    ));
    eventually("seven events arrive", || {
        let n = receiver.received().len();
        async move { n == 7 }
    })
    .await;
    worker.abort();
    let got = receiver.received();
    assert_eq!(got.iter().map(|r| r.event.as_str()).collect::<Vec<_>>(), expected);
    let reply: Value = serde_json::from_str(&got[3].body).unwrap();
    assert_eq!(reply["change"], json!({ "event": "reply", "from": "in_progress", "to": "replied" }));
    assert_eq!(reply["opinion"]["reply"], "已增设禁停标志");
    let rated: Value = serde_json::from_str(&got[5].body).unwrap();
    assert_eq!((rated["opinion"]["rating"].as_i64(), rated["opinion"]["status"].as_str()), (Some(5), Some("closed")));
    assert!(got.iter().all(|r| verifies(&r.signature, &r.body, SECRET)));
}
