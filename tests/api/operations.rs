//! Running the service: the real `liaison` binary as a process on a real socket and a real SQLite
//! file. Graceful shutdown under load, crash safety of acknowledged writes, `/metrics`, backup and
//! restore while writing, trusted proxies, slow clients, stalled bodies, security headers, JSON
//! logs and the expired-session sweep. No timing assertions but generous deadlines.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::TestApp;
use crate::opinions::opinion;

/// The real binary serving a database file, its stderr captured in a file beside it.
pub(crate) struct Server {
    child: Child,
    addr: SocketAddr,
    pub(crate) base: String,
    log: PathBuf,
}

/// How long a start may take: a debug binary loading the sample on a busy two-core machine.
const START_DEADLINE: Duration = Duration::from_secs(90);

impl Server {
    /// Runs `liaison --db DB [global] serve --bind 127.0.0.1:0 [args]` and waits for its address.
    pub(crate) fn start(db: &Path, args: &[&str]) -> Self {
        Self::start_with(db, &[], args)
    }

    fn start_with(db: &Path, global: &[&str], args: &[&str]) -> Self {
        let log = db.with_extension(format!("{}.log", std::process::id() ^ rand_suffix()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_liaison"))
            .arg("--db")
            .arg(db)
            .args(global)
            .args(["serve", "--bind", "127.0.0.1:0", "--reload-secs", "1"])
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("liaison listening on http://") {
                    let _ = tx.send(addr.trim().to_owned());
                    break;
                }
            }
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let addr: SocketAddr = match rx.recv_timeout(START_DEADLINE) {
            Ok(a) => a.parse().unwrap(),
            Err(_) => {
                let _ = child.kill();
                panic!("no listening line: {}", std::fs::read_to_string(&log).unwrap_or_default());
            }
        };
        Server { child, addr, base: format!("http://{addr}"), log }
    }

    pub(crate) fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) with our own child's pid, which we have not waited for yet.
        assert_eq!(unsafe { libc::kill(self.child.id() as libc::pid_t, sig) }, 0);
    }

    /// Waits for the process to end, at most `deadline`; panics (after killing it) past that.
    pub(crate) fn wait(&mut self, deadline: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if started.elapsed() > deadline {
                let _ = self.child.kill();
                panic!("still running after {deadline:?}; log:\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, then the exit status within `deadline`.
    fn stop(&mut self, deadline: Duration) -> ExitStatus {
        self.signal(libc::SIGTERM);
        self.wait(deadline)
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A database file in a fresh folder.
pub(crate) fn fresh_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("liaison.db");
    (dir, db)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

/// Submits an opinion; `Some(code)` when it was acknowledged with a 201.
async fn submit(client: &reqwest::Client, base: &str) -> Result<Option<String>, reqwest::Error> {
    let res = client.post(format!("{base}/api/v1/issues")).json(&opinion("parking", 121.5435, 29.8655)).send().await?;
    let status = res.status().as_u16();
    let body: Value = res.json().await?;
    Ok((status == 201).then(|| body["tracking_code"].as_str().unwrap().to_owned()))
}

#[tokio::test]
async fn sigterm_under_load_completes_every_answer_and_exits_zero() {
    let (_dir, db) = fresh_db();
    let mut server =
        Server::start(&db, &["--sample-opinions", "0", "--submissions-per-hour", "0", "--shutdown-secs", "10"]);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for n in 0..4 {
        let (base, stop) = (server.base.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let client = client();
            let mut answered = 0;
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let request = match (n + i) % 3 {
                    0 => client.post(format!("{base}/api/v1/issues")).json(&opinion("noise", 121.5435, 29.8655)),
                    1 => client.get(format!("{base}/api/v1/stations/nearest?lon=121.55&lat=29.87&k=5")),
                    _ => client.get(format!("{base}/healthz")),
                };
                let Ok(res) = request.send().await else {
                    // Refused or closed before an answer began: allowed once shutdown started.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let status = res.status().as_u16();
                let text = res.text().await.unwrap_or_else(|e| panic!("an answer ({status}) was cut short: {e}"));
                let body: Value =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("incomplete body ({status}, {e}): {text}"));
                assert!([200, 201].contains(&status), "{status}: {body}");
                answered += 1;
            }
            answered
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.signal(libc::SIGTERM);
    let status = tokio::task::spawn_blocking(move || {
        let status = server.wait(Duration::from_secs(15));
        (status, server)
    })
    .await
    .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut answered = 0;
    for c in clients {
        answered += c.await.unwrap();
    }
    assert!(answered > 10, "only {answered} answers before the shutdown");
    assert_eq!(status.0.code(), Some(0), "log:\n{}", status.1.logs());
    assert!(
        !db.with_extension("db-wal").exists() || std::fs::metadata(db.with_extension("db-wal")).unwrap().len() == 0
    );
}

#[tokio::test]
async fn kill_9_during_a_burst_loses_no_acknowledged_opinion() {
    let (_dir, db) = fresh_db();
    let mut server = Server::start(&db, &["--sample-opinions", "0", "--submissions-per-hour", "0"]);
    let codes = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (base, codes) = (server.base.clone(), codes.clone());
        writers.push(tokio::spawn(async move {
            let client = client();
            // Until the server dies: then the request fails and the writer stops.
            while let Ok(code) = submit(&client, &base).await {
                codes.lock().unwrap().extend(code);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.signal(libc::SIGKILL);
    server.wait(Duration::from_secs(10));
    for w in writers {
        tokio::time::timeout(Duration::from_secs(30), w).await.expect("a writer kept going").unwrap();
    }
    let codes = codes.lock().unwrap().clone();
    assert!(codes.len() >= 4, "only {} acknowledged", codes.len());

    let restarted = Server::start(&db, &["--no-sample"]);
    let client = client();
    for code in &codes {
        let res = client.get(format!("{}/api/v1/issues/{code}", restarted.base)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "acknowledged {code} is lost");
    }
}

/// One sample of the Prometheus text format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the Prometheus text exposition format strictly enough to catch a malformed line.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    let mut typed = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name) = (parts.next().unwrap(), parts.next().expect("a metric name"));
            match kind {
                "HELP" => assert!(parts.next().is_some_and(|h| !h.is_empty()), "empty help: {line}"),
                "TYPE" => {
                    let t = parts.next().unwrap_or_default();
                    assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&t), "{line}");
                    typed.insert(name.to_owned(), t.to_owned());
                }
                _ => panic!("unknown comment: {line}"),
            }
            continue;
        }
        let (name, rest) = match line.find(['{', ' ']) {
            Some(i) => line.split_at(i),
            None => panic!("no value: {line}"),
        };
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad name: {line}"
        );
        let mut labels = BTreeMap::new();
        let rest = if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices().peekable();
            let end = loop {
                let (i, c) = chars.next().unwrap_or_else(|| panic!("unclosed labels: {line}"));
                if c == '}' {
                    break i;
                }
                if c == ',' || c == ' ' {
                    continue;
                }
                let mut key = String::from(c);
                for (_, c) in chars.by_ref() {
                    if c == '=' {
                        break;
                    }
                    key.push(c);
                }
                assert_eq!(chars.next().map(|x| x.1), Some('"'), "label {key} not quoted: {line}");
                let mut value = String::new();
                loop {
                    match chars.next().map(|x| x.1) {
                        Some('\\') => match chars.next().map(|x| x.1) {
                            Some('n') => value.push('\n'),
                            Some(c) => value.push(c),
                            None => panic!("bad escape: {line}"),
                        },
                        Some('"') => break,
                        Some(c) => value.push(c),
                        None => panic!("unterminated label value: {line}"),
                    }
                }
                labels.insert(key, value);
            };
            &body[end + 1..]
        } else {
            rest
        };
        let mut fields = rest.split_whitespace();
        let value = fields.next().unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|e| panic!("value {v:?} is not a float ({e}): {line}")),
        };
        if let Some(ts) = fields.next() {
            ts.parse::<i64>().unwrap_or_else(|e| panic!("bad timestamp ({e}): {line}"));
        }
        assert!(fields.next().is_none(), "trailing text: {line}");
        let family = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
        assert!(typed.contains_key(name) || typed.contains_key(family), "no TYPE for {name}");
        samples.push(Sample { name: name.to_owned(), labels, value });
    }
    samples
}

fn sample_value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
        .map(|s| s.value)
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_count_each_request() {
    let (_dir, db) = fresh_db();
    let server = Server::start(&db, &["--sample-opinions", "0"]);
    let client = client();
    let scrape = || async {
        let res = client.get(format!("{}/metrics", server.base)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        parse_prometheus(&res.text().await.unwrap())
    };
    let healthz = [("method", "GET"), ("route", "/healthz"), ("status", "200")];
    let station = [("method", "GET"), ("route", "/api/v1/stations/{id}"), ("status", "404")];
    client.get(format!("{}/healthz", server.base)).send().await.unwrap();
    let before = scrape().await;
    let (h0, s0) = (
        sample_value(&before, "http_requests_total", &healthz).unwrap(),
        sample_value(&before, "http_requests_total", &station).unwrap_or(0.0),
    );

    client.get(format!("{}/healthz", server.base)).send().await.unwrap();
    client.get(format!("{}/api/v1/stations/no-such-station", server.base)).send().await.unwrap();
    client.get(format!("{}/no/such/page/12345", server.base)).send().await.unwrap();
    let after = scrape().await;

    assert_eq!(sample_value(&after, "http_requests_total", &healthz), Some(h0 + 1.0));
    assert_eq!(sample_value(&after, "http_requests_total", &station), Some(s0 + 1.0), "route pattern, not path");
    assert!(sample_value(&after, "http_requests_total", &[("route", "unmatched"), ("status", "404")]).is_some());
    assert!(after.iter().all(|s| !s.labels.values().any(|v| v.contains("12345") || v.contains("no-such"))));
    let le_inf = [("route", "/healthz"), ("le", "+Inf")];
    assert!(sample_value(&after, "http_request_duration_seconds_bucket", &le_inf).is_some_and(|v| v >= 2.0));
    for name in ["liaison_catalog_version", "liaison_analytics_refresh_seconds", "liaison_open_connections"] {
        assert!(sample_value(&after, name, &[]).is_some(), "{name} missing");
    }
    assert_eq!(sample_value(&after, "liaison_opinions", &[("status", "submitted")]), Some(0.0));
}

#[tokio::test]
async fn a_backup_taken_during_writes_is_whole_and_restores() {
    let (dir, db) = fresh_db();
    let mut server = Server::start(&db, &["--sample-opinions", "0", "--submissions-per-hour", "0"]);
    let codes = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (base, codes, stop) = (server.base.clone(), codes.clone(), stop.clone());
        tokio::spawn(async move {
            let client = client();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(code) = submit(&client, &base).await.unwrap() {
                    codes.lock().unwrap().push(code);
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before = codes.lock().unwrap().clone();
    let backup = dir.path().join("backup.db");
    let run_backup = |backup: PathBuf| {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_liaison"))
                .arg("--db")
                .arg(&db)
                .arg("backup")
                .arg("--out")
                .arg(&backup)
                .output()
        })
    };
    let out = run_backup(backup.clone()).await.unwrap().unwrap();
    assert!(out.status.success(), "backup failed: {}", String::from_utf8_lossy(&out.stderr));
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.await.unwrap();
    assert!(!before.is_empty(), "no opinion acknowledged before the backup");

    let again = run_backup(backup.clone()).await.unwrap().unwrap();
    assert!(!again.status.success(), "a backup overwrote an existing file");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let copy = rusqlite::Connection::open(&backup).unwrap();
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    for code in &before {
        // Stored without the dashes of the grouped form.
        let n: i64 = copy
            .query_row("SELECT count(*) FROM opinions WHERE tracking_code = ?", [code.replace('-', "")], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "{code} acknowledged before the backup is not in it");
    }
    drop(copy);

    // Restore: stop, copy the backup over the database, delete the stale WAL files, start.
    assert_eq!(server.stop(Duration::from_secs(30)).code(), Some(0));
    std::fs::copy(&backup, &db).unwrap();
    for stale in ["liaison.db-wal", "liaison.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(stale));
    }
    let restored = Server::start(&db, &["--no-sample"]);
    let client = client();
    for code in &before {
        let res = client.get(format!("{}/api/v1/issues/{code}", restored.base)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{code} not served after the restore");
    }
}

async fn submit_from(client: &reqwest::Client, base: &str, forwarded_for: &str) -> u16 {
    let res = client
        .post(format!("{base}/api/v1/issues"))
        .header("x-forwarded-for", forwarded_for)
        .json(&opinion("parking", 121.5435, 29.8655))
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

#[tokio::test]
async fn x_forwarded_for_keys_the_rate_limit_only_behind_a_trusted_proxy() {
    let (_dir, db) = fresh_db();
    let (_dir2, db2) = fresh_db();
    let behind_proxy = Server::start(
        &db,
        &["--sample-opinions", "0", "--submissions-per-hour", "1", "--trusted-proxy", "127.0.0.1/32"],
    );
    let direct = Server::start(&db2, &["--sample-opinions", "0", "--submissions-per-hour", "1"]);
    let client = client();

    assert_eq!(submit_from(&client, &behind_proxy.base, "203.0.113.1").await, 201);
    assert_eq!(submit_from(&client, &behind_proxy.base, "198.51.100.9, 203.0.113.2").await, 201);
    assert_eq!(submit_from(&client, &behind_proxy.base, "203.0.113.1").await, 429, "the first client's allowance");

    assert_eq!(submit_from(&client, &direct.base, "203.0.113.1").await, 201);
    assert_eq!(submit_from(&client, &direct.base, "203.0.113.2").await, 429, "X-Forwarded-For is ignored");
}

#[tokio::test]
async fn slow_clients_neither_starve_others_nor_hold_up_shutdown() {
    let (_dir, db) = fresh_db();
    // A long header timeout, so that only the shutdown deadline can close the slow sockets.
    let mut server = Server::start(&db, &["--no-sample", "--header-timeout-secs", "120", "--shutdown-secs", "3"]);
    let addr = server.addr;
    let slow: Vec<TcpStream> = tokio::task::spawn_blocking(move || {
        (0..320)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x").unwrap();
                s
            })
            .collect()
    })
    .await
    .unwrap();
    let fresh = reqwest::Client::builder().pool_max_idle_per_host(0).timeout(Duration::from_secs(1)).build().unwrap();
    for _ in 0..5 {
        let res = fresh.get(format!("{}/healthz", server.base)).send().await.expect("/healthz within 1 s");
        assert_eq!(res.status().as_u16(), 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(server.logs().contains("open files limit"), "the limit is logged");
    let (status, server) =
        tokio::task::spawn_blocking(move || (server.stop(Duration::from_secs(3 + 10)), server)).await.unwrap();
    assert_eq!(status.code(), Some(0));
    // Half-sent request heads do not end at a graceful shutdown: the deadline closed them.
    assert!(server.logs().contains("shutdown deadline passed"), "{}", server.logs());
    drop(slow);
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed() {
    let (_dir, db) = fresh_db();
    let server = Server::start(&db, &["--no-sample", "--idle-timeout-secs", "1"]);
    let addr = server.addr;
    let closed = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        // The answer, then (keep-alive, nothing more sent) the end of the stream.
        loop {
            match s.read(&mut buf) {
                Ok(0) => return Some(all),
                Ok(n) => all.extend_from_slice(&buf[..n]),
                Err(_) => return None,
            }
        }
    })
    .await
    .unwrap();
    let answer = closed.expect("the idle connection was still open after 15 s");
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_gets_a_json_error() {
    let (_dir, db) = fresh_db();
    let server = Server::start(&db, &["--no-sample"]);
    let addr = server.addr;
    let answer = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(
            b"POST /api/v1/issues HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"cat",
        )
        .unwrap();
        let started = Instant::now();
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
            if all.ends_with(b"}}") {
                break;
            }
        }
        (started.elapsed(), String::from_utf8_lossy(&all).into_owned())
    })
    .await
    .unwrap();
    let (took, text) = answer;
    assert!(took < Duration::from_secs(16), "took {took:?}");
    assert!(text.starts_with("HTTP/1.1 408") || text.starts_with("HTTP/1.1 400"), "{text}");
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn a_request_line_or_head_too_long_for_hyper_gets_the_json_error() {
    let (_dir, db) = fresh_db();
    let server = Server::start(&db, &["--no-sample"]);
    let addr = server.addr;
    let ask = move |request: Vec<u8>| {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        // The server may answer and close before it has read everything: a reset is fine then.
        let _ = s.write_all(&request);
        let mut all = Vec::new();
        let _ = s.read_to_end(&mut all);
        String::from_utf8_lossy(&all).into_owned()
    };
    let long_query = format!("GET /api/v1/stations?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(200_000)).into_bytes();
    let huge_head =
        format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n", "b".repeat(1_000_000)).into_bytes();
    let (uri, head) = tokio::task::spawn_blocking(move || (ask(long_query), ask(huge_head))).await.unwrap();
    for (text, status, code) in [(&uri, "414", "uri_too_long"), (&head, "431", "headers_too_large")] {
        assert!(text.starts_with(&format!("HTTP/1.1 {status} ")), "{text:.300}");
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"]["code"], code, "{body}");
    }
    // The server goes on answering.
    let res = client().get(format!("{}/healthz", server.base)).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn security_headers_are_on_pages_and_api_and_staff_answers_are_not_stored() {
    let app = TestApp::with_sample().await;
    for path in ["/", "/api/v1/stations/nearest?lon=121.55&lat=29.87&k=1", "/api/v1/staff/issues", "/login"] {
        let res = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("worker-src 'self' blob:"), "MapLibre's worker: {csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        let private = path.contains("staff") || path == "/login";
        let cache = h.get("cache-control").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(cache.as_deref() == Some("no-store"), private, "{path}: {cache:?}");
    }
}

#[tokio::test]
async fn json_logs_are_json_lines_without_colour() {
    let (_dir, db) = fresh_db();
    let mut server = Server::start_with(&db, &["--log-format", "json"], &["--no-sample"]);
    reqwest::get(format!("{}/healthz", server.base)).await.unwrap();
    assert_eq!(server.stop(Duration::from_secs(30)).code(), Some(0));
    let bytes = std::fs::read(&server.log).unwrap();
    assert!(!bytes.contains(&0x1b), "ANSI escape in the logs");
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert!(lines.len() >= 3, "{text}");
    for line in lines {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string() && v["fields"].is_object(), "{line}");
    }
}

#[tokio::test]
async fn the_sweep_deletes_expired_sessions_only() {
    let app = TestApp::empty().await;
    let pool = app.pool().clone();
    // Each backend's session store has its own table.
    let (insert, select) = match app.pg {
        None => (
            "INSERT INTO tower_sessions (id, data, expiry_date) VALUES ($1, x'80', $2)",
            "SELECT id FROM tower_sessions ORDER BY id",
        ),
        Some(_) => (
            "INSERT INTO tower_sessions.session (id, data, expiry_date) VALUES ($1, '\\x80'::bytea, $2::timestamptz)",
            "SELECT id FROM tower_sessions.session ORDER BY id",
        ),
    };
    for (id, expiry) in [("old", "2000-01-01 00:00:00"), ("live", "2999-01-01 00:00:00")] {
        sqlx::query(insert).bind(id).bind(expiry).execute(&pool).await.unwrap();
    }
    liaison::http::session::delete_expired(app.store.pool_handle()).await.unwrap();
    let left: Vec<String> = sqlx::query_scalar(select).fetch_all(&pool).await.unwrap();
    assert_eq!(left, ["live"]);
}

#[tokio::test]
async fn the_docs_ui_still_renders_in_a_browser_under_the_content_security_policy() {
    let app = TestApp::empty().await;
    let shown = crate::browser::playwright("docs-ui", &app.base, &[]).await;
    // Swagger UI drew the operations of /api/openapi.json (its scripts, styles and fetch allowed;
    // the scenario fails on any console error, which a CSP violation is).
    assert!(shown["get"].as_u64().is_some_and(|n| n > 0), "Swagger UI did not render: {shown}");
    crate::browser::assert_only_this_server(&shown, &app.base);
}

/// A PNG of `side`×`side` pixels of one colour, stored without compression (a zlib stream of
/// stored blocks), so that the test needs no image library.
fn solid_png(side: u32, rgb: [u8; 3]) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend(kind);
        out.extend(data);
        let crc = crc32(&out[start..]);
        out.extend(crc.to_be_bytes());
    }
    let raw: Vec<u8> = (0..side).flat_map(|_| std::iter::once(0).chain((0..side).flat_map(|_| rgb))).collect();
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend(len.to_le_bytes());
        zlib.extend((!len).to_le_bytes());
        zlib.extend(*block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend(((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(side.to_be_bytes());
    ihdr.extend(side.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A PMTiles v3 archive (spec: github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md) holding one
/// raster tile, z0 (the whole world), uncompressed.
fn one_tile_pmtiles(tile: &[u8]) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    let mut dir = Vec::new();
    for v in [1, 0, 1, tile.len() as u64, 1] {
        varint(&mut dir, v); // entries; tile id delta; run length; length; offset + 1
    }
    let metadata = b"{}";
    let dir_at = 127u64;
    let meta_at = dir_at + dir.len() as u64;
    let tiles_at = meta_at + metadata.len() as u64;
    let mut h = b"PMTiles\x03".to_vec();
    for v in
        [dir_at, dir.len() as u64, meta_at, metadata.len() as u64, tiles_at, 0, tiles_at, tile.len() as u64, 1, 1, 1]
    {
        h.extend(v.to_le_bytes());
    }
    h.extend([1, 1, 1, 2, 0, 0]); // clustered, no internal or tile compression, PNG, zooms 0–0
    for v in [-1_800_000_000i32, -850_000_000, 1_800_000_000, 850_000_000] {
        h.extend(v.to_le_bytes());
    }
    h.push(0);
    h.extend(0i32.to_le_bytes());
    h.extend(0i32.to_le_bytes());
    assert_eq!(h.len(), 127);
    [h, dir, metadata.to_vec(), tile.to_vec()].concat()
}

#[tokio::test]
async fn a_pmtiles_basemap_is_served_by_range_requests_and_drawn_under_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("basemap.pmtiles");
    let archive = one_tile_pmtiles(&solid_png(64, [30, 144, 255]));
    std::fs::write(&file, &archive).unwrap();
    let server = Server::start(&dir.path().join("b.db"), &["--basemap", file.to_str().unwrap()]);
    let client = reqwest::Client::new();

    // Range requests answer the asked bytes with 206; the whole file without one.
    let res =
        client.get(format!("{}/basemap.pmtiles", server.base)).header("range", "bytes=0-126").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 206);
    assert_eq!(res.headers()["content-range"], format!("bytes 0-126/{}", archive.len()).as_str());
    assert_eq!(res.bytes().await.unwrap().as_ref(), &archive[..127]);
    let tail = archive.len() - 10;
    let res = client
        .get(format!("{}/basemap.pmtiles", server.base))
        .header("range", format!("bytes={tail}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 206);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &archive[tail..]);
    let res = client.get(format!("{}/basemap.pmtiles", server.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.bytes().await.unwrap().len(), archive.len());

    // The map asks for the header and the tile by range and draws it.
    let shown = crate::browser::playwright("map-basemap", &server.base, &[]).await;
    let ranges = shown["basemap"].as_array().unwrap();
    assert!(ranges.len() >= 2, "the header and the tile, by range: {shown}");
    assert!(ranges.iter().all(|r| r["status"] == 206 && r["range"].as_str().unwrap().starts_with("bytes=")), "{shown}");
    assert!(shown["blue"].as_f64().unwrap() > 0.05, "the basemap's colour is on screen: {shown}");
    crate::browser::assert_only_this_server(&shown, &server.base);
    crate::browser::assert_screenshot(&shown, 10_000);

    // Without the flag there is no basemap; a file that is not PMTiles stops the start.
    let app = TestApp::with_sample().await;
    let (status, _) = app.get_text("/basemap.pmtiles").await;
    assert_eq!(status, 404);
    let bad = dir.path().join("bad.pmtiles");
    std::fs::write(&bad, b"not a pmtiles file at all, but long enough to hold a header of 127 bytes ........................................................").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .arg("--db")
        .arg(dir.path().join("c.db"))
        .args(["serve", "--bind", "127.0.0.1:0", "--basemap"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a PMTiles file"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"), "it never listened");
}

#[tokio::test]
async fn a_duty_rule_file_scores_the_records_and_a_bad_one_stops_the_start() {
    let (dir, db) = fresh_db();
    let rule = dir.path().join("rule.toml");
    std::fs::write(&rule, "# receptions only\n[reception]\npoints = 10\nmax = 100\n").unwrap();
    let server = Server::start(&db, &["--sample-opinions", "0", "--duty-rule", rule.to_str().unwrap()]);
    let table: Value =
        client().get(format!("{}/api/v1/duty?year=2026", server.base)).send().await.unwrap().json().await.unwrap();
    let items: Vec<(&str, f64)> = table["rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["item"].as_str().unwrap(), r["points"].as_f64().unwrap()))
        .collect();
    assert_eq!(items, [("reception", 10.0)], "{table}");
    for m in table["members"].as_array().unwrap() {
        let receptions = m["counts"]["reception"].as_f64().unwrap();
        assert_eq!(m["score"].as_f64(), Some((receptions * 10.0).min(100.0)), "{m}");
    }
    drop(server);

    std::fs::write(&rule, "[reception]\npoints = 10\nmax = -5\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--bind", "127.0.0.1:0", "--duty-rule"])
        .arg(&rule)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rule.toml is not valid") && stderr.contains("max must not be negative"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"), "it never listened");
}
