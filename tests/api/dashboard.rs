//! The leaders' dashboard in a real browser: Debian's headless Chromium with WebGL on SwiftShader,
//! driven over the DevTools protocol (a minimal WebSocket client below, as no test dependency
//! speaks it). The page must rank the towns and show the totals exactly as `/api/v1/stats` counts
//! them, draw every hexagon of `/api/v1/heatmap` as a painted 3D layer, answer a real click on a
//! hexagon with its numbers, re-fetch when the controls change, and request nothing beyond this
//! server. A screenshot is kept in target/browser/dashboard.png as an artifact.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use liaison::domain::AreaCode;
use liaison::store::Store;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufStream};
use tokio::net::TcpStream;

use crate::helpers::TestApp;

// ---- the server side: what the page loads -----------------------------------------------------

#[tokio::test]
async fn the_dashboard_page_and_its_assets_come_from_the_binary_and_name_no_other_host() {
    let app = TestApp::with_sample().await;

    let (status, html) = app.get_text("/dashboard").await;
    assert_eq!(status, 200);
    for asset in ["/assets/maplibre-gl.js?v=", "/assets/maplibre-gl.css?v=", "/assets/dashboard.js?v="] {
        assert!(html.contains(asset), "the page loads {asset}");
    }
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("href=\"/dashboard\""), "the home page links the dashboard");

    let (status, script) = app.get_text("/assets/dashboard.js").await;
    assert_eq!(status, 200);
    for (name, text) in [("the page", &html), ("dashboard.js", &script)] {
        assert!(!text.contains("http://") && !text.contains("https://"), "{name} names a URL of another host");
    }

    for (name, content_type, at_least) in [
        ("maplibre-gl.js", "text/javascript", 500_000),
        ("maplibre-gl.css", "text/css", 10_000),
        ("dashboard.js", "text/javascript", 5_000),
        ("dashboard.css", "text/css", 500),
        ("maplibre-gl-LICENSE.txt", "text/plain", 1_000),
    ] {
        let res = app.client.get(format!("{}/assets/{name}", app.base)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{name}");
        let header = |h: &str| res.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(header("content-type").starts_with(content_type), "{name}: {}", header("content-type"));
        assert_eq!(header("cache-control"), "public, max-age=86400", "{name}");
        let etag = header("etag");
        assert!(res.bytes().await.unwrap().len() >= at_least, "{name} is too small");
        let again =
            app.client.get(format!("{}/assets/{name}", app.base)).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304, "{name} revalidates with its ETag");
    }
    let (status, _) = app.get_text("/assets/no-such-file.js").await;
    assert_eq!(status, 404);
}

// ---- the page in a browser --------------------------------------------------------------------

#[tokio::test]
async fn the_dashboard_draws_every_hexagon_and_ranks_the_towns_as_the_api_counts_them() {
    // Arrange: a server with opinions, and what the API answers for the page's first view.
    let started = Instant::now();
    let app = TestApp::with_sample().await;
    app.store.insert_history(&liaison::sample::history::history(&app.state.service.catalog(), 3000)).await.unwrap();
    app.state.service.refresh().await.unwrap();
    let (_, heatmap) = app.get("/api/v1/heatmap?res=8&metric=resolution_rate").await;
    let (_, totals) = app.get("/api/v1/stats").await;
    let (_, towns) = app.get("/api/v1/stats?group_by=town").await;
    let hexagons = heatmap["features"].as_array().unwrap();
    assert!(hexagons.len() > 100, "the heatmap has cells to draw");

    // Act: open the page as a leader would.
    let mut browser = Browser::launch().await;
    browser.call("Network.enable", json!({})).await;
    browser.call("Page.navigate", json!({ "url": format!("{}/dashboard", app.base) })).await;
    browser.wait_until_ready().await;

    // Assert: the town ranking is the API's, with the catalog's names, best resolution rate first.
    let rows = browser.eval(RANKING_ROWS).await;
    let rows = rows.as_array().unwrap();
    let api_rows = towns["rows"].as_array().unwrap();
    assert_eq!(rows.len(), api_rows.len(), "one ranking row per town with opinions");
    let catalog = app.state.service.catalog();
    for row in rows {
        let code = row["code"].as_str().unwrap();
        let api = api_rows.iter().find(|r| r["group"] == code).unwrap_or_else(|| panic!("{code} is not in the API"));
        let town = catalog.area(&AreaCode::new(code).unwrap()).unwrap_or_else(|| panic!("{code} is no town"));
        assert_eq!(row["name"], town.name.as_str(), "{code} is named as in the catalog");
        assert_eq!(api["name"], town.name.as_str());
        for (field, cell) in row["cells"].as_object().unwrap() {
            assert_shows(&format!("{} {field}", town.name), cell, &api[field.as_str()], kind_of(field));
        }
    }
    let rates: Vec<Option<f64>> =
        rows.iter().map(|r| r["cells"]["resolution_rate"]["value"].as_str().map(|v| v.parse().unwrap())).collect();
    for pair in rates.windows(2) {
        let in_order = match (pair[0], pair[1]) {
            (Some(a), Some(b)) => a >= b,
            (_, None) => true,
            (None, Some(_)) => false,
        };
        assert!(in_order, "the ranking goes by resolution rate, best first, unknowns last: {rates:?}");
    }

    // … the district totals are the API's …
    let shown = browser.eval(TOTALS).await;
    let district = &totals["rows"][0];
    for field in
        ["count", "open", "overdue", "resolution_rate", "satisfaction_rate", "reply_rate", "reply_hours_median"]
    {
        assert_shows(&format!("district {field}"), &shown[field], &district[field], kind_of(field));
    }

    // … and the 3D layer holds every hexagon, shows them on screen, and WebGL painted them.
    let status = browser.eval(BODY_STATE).await;
    assert_eq!(status["hexagons"], hexagons.len().to_string(), "every hexagon was drawn: {status}");
    let visible: usize = status["hexagonsVisible"].as_str().unwrap().parse().unwrap();
    assert!(visible * 2 > hexagons.len(), "most hexagons are on screen: {status}");
    let painted: f64 = status["painted"].as_str().unwrap().parse().unwrap();
    assert!(painted > 0.005, "the canvas shows hexagon colours: {status}");

    // A click on a hexagon shows that hexagon's numbers.
    let (h3, panel_count) = browser.click_a_hexagon().await;
    let feature = hexagons.iter().find(|f| f["properties"]["h3"] == h3.as_str()).expect("the clicked hexagon");
    assert_eq!(panel_count, feature["properties"]["count"].to_string(), "the panel of {h3}");

    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("dashboard.png");
    browser.screenshot(&png).await;
    assert!(std::fs::metadata(&png).unwrap().len() > 50_000, "a screenshot of a drawn map");

    // Changing the controls re-fetches: coarser hexagons, opinion counts, a time window.
    browser
        .eval(
            "(() => { const $ = (id) => document.getElementById(id);
               $('metric').value = 'count'; $('res').value = '7'; $('from').value = '2026-01-01'; $('to').value = '2026-06-30';
               $('controls').dispatchEvent(new Event('change', { bubbles: true })); })()",
        )
        .await;
    browser.wait_until_ready().await;
    let window = "from=2026-01-01&to=2026-06-30";
    let (_, coarse) = app.get(&format!("/api/v1/heatmap?res=7&metric=count&{window}")).await;
    let (_, towns) = app.get(&format!("/api/v1/stats?group_by=town&{window}")).await;
    let status = browser.eval(BODY_STATE).await;
    assert_eq!(status["hexagons"], coarse["features"].as_array().unwrap().len().to_string(), "{status}");
    assert!(status["search"].as_str().unwrap().contains("res=7"), "the address keeps the view: {status}");
    let rows = browser.eval(RANKING_ROWS).await;
    let counts: Vec<u64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cells"]["count"]["value"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|p| p[0] >= p[1]), "ranked by opinions now: {counts:?}");
    let mut expected: Vec<u64> =
        towns["rows"].as_array().unwrap().iter().map(|r| r["count"].as_u64().unwrap()).collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(counts, expected, "the window's counts");

    // Nothing was asked of any other host.
    let foreign: Vec<&str> = browser
        .requests()
        .into_iter()
        .filter(|u| !(u.starts_with(&format!("{}/", app.base)) || u.starts_with("data:") || u.starts_with("blob:")))
        .collect();
    assert!(foreign.is_empty(), "requests beyond the server: {foreign:?}");
    assert!(browser.errors().is_empty(), "the page threw: {:?}", browser.errors());
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}

/// How a number is shown: `rate` as a percentage with one decimal, `hours` with one decimal,
/// `count` whole.
fn kind_of(field: &str) -> &'static str {
    match field {
        "count" | "open" | "overdue" => "count",
        "reply_hours_median" | "reply_hours_p90" => "hours",
        _ => "rate",
    }
}

/// Asserts that a cell (`{value, text}` from the page) shows the API's `expected` number.
fn assert_shows(what: &str, cell: &Value, expected: &Value, kind: &str) {
    let text = cell["text"].as_str().unwrap_or_else(|| panic!("{what}: not shown ({cell})"));
    let Some(expected) = expected.as_f64() else {
        assert!(expected.is_null(), "{what}: the API says {expected}");
        assert_eq!(text, "—", "{what}: an unknown number reads as a dash");
        assert!(cell["value"].is_null(), "{what}: {cell}");
        return;
    };
    let value: f64 = cell["value"].as_str().unwrap_or_else(|| panic!("{what}: no value ({cell})")).parse().unwrap();
    // serde_json's default float parsing may be one unit in the last place off; the browser's is exact.
    assert!(
        (value - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{what}: the page holds {value}, the API {expected}"
    );
    let (number, scale) = match kind {
        "rate" => (text.strip_suffix('%').unwrap_or_else(|| panic!("{what}: {text:?} is no percentage")), 100.0),
        _ => (text, 1.0),
    };
    let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
    assert_eq!(decimals, if kind == "count" { 0 } else { 1 }, "{what}: {text:?}");
    let shown: f64 = number.parse().unwrap_or_else(|_| panic!("{what}: {text:?}"));
    assert!((shown - expected * scale).abs() <= 0.05 + 1e-9, "{what}: {text:?} for {expected}");
}

/// The ranking as the page shows it: `[{code, name, cells: {field: {value, text}}}]`.
const RANKING_ROWS: &str = "[...document.querySelectorAll('#town-ranking tbody tr[data-code]')].map((tr) => ({
    code: tr.dataset.code,
    name: tr.querySelector('.name').textContent,
    cells: Object.fromEntries([...tr.querySelectorAll('td[data-field]')].map((td) =>
        [td.dataset.field, { value: td.dataset.value ?? null, text: td.textContent }])),
}))";

/// The totals as the page shows them: `{field: {value, text}}`.
const TOTALS: &str = "Object.fromEntries([...document.querySelectorAll('#totals-list dd[data-field]')].map((dd) =>
    [dd.dataset.field, { value: dd.dataset.value ?? null, text: dd.textContent }]))";

/// What the page reports about its view.
const BODY_STATE: &str = "({ ...document.body?.dataset, search: location.search,
    status: document.getElementById('status')?.textContent })";

// ---- a headless Chromium driven over the DevTools protocol ------------------------------------

fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(path.exists(), "no Chromium at {}: run scripts/test.sh (installs it) or set CHROMIUM", path.display());
    path
}

/// One page of a headless Chromium with WebGL (SwiftShader), killed when dropped.
struct Browser {
    _chromium: tokio::process::Child,
    _profile: tempfile::TempDir,
    ws: BufStream<TcpStream>,
    next_id: u64,
    /// Every event the browser sent, in order.
    events: Vec<Value>,
}

/// How long one protocol call, or the page getting ready, may take.
const PATIENCE: Duration = Duration::from_secs(40);

impl Browser {
    async fn launch() -> Self {
        let profile = tempfile::tempdir().unwrap();
        let chromium = tokio::process::Command::new(chromium())
            .args(["--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"])
            .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
            .args(["--no-first-run", "--disable-dev-shm-usage", "--window-size=1400,1000", "--remote-debugging-port=0"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let port = devtools_port(profile.path()).await;
        let targets: Value =
            reqwest::get(format!("http://127.0.0.1:{port}/json/list")).await.unwrap().json().await.unwrap();
        let page = targets.as_array().unwrap().iter().find(|t| t["type"] == "page").expect("a page target");
        let url = page["webSocketDebuggerUrl"].as_str().unwrap();
        let path = &url[url.find("/devtools/").expect("a DevTools address")..];
        let ws = websocket(port, path).await;
        let mut browser = Self { _chromium: chromium, _profile: profile, ws, next_id: 0, events: Vec::new() };
        browser.call("Runtime.enable", json!({})).await;
        browser
    }

    /// Sends a command and returns its result, keeping the events that arrive meanwhile.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params }).to_string();
        send_text(&mut self.ws, message.as_bytes()).await;
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let text = tokio::time::timeout(left, read_text(&mut self.ws))
                .await
                .unwrap_or_else(|_| panic!("{method}: no answer in {PATIENCE:?}"));
            let answer: Value = serde_json::from_str(&text).unwrap();
            if answer["id"] == id {
                assert!(answer.get("error").is_none(), "{method}: {}", answer["error"]);
                return answer["result"].clone();
            }
            self.events.push(answer);
        }
    }

    /// Evaluates `expression` in the page and returns its value as JSON.
    async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call("Runtime.evaluate", json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }))
            .await;
        assert!(result.get("exceptionDetails").is_none(), "{expression}: {}", result["exceptionDetails"]);
        result["result"]["value"].clone()
    }

    /// Waits until the page says its view is drawn (`data-state="ready"`); fails on `error`.
    async fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let status = self.eval(BODY_STATE).await;
            match status["state"].as_str() {
                Some("ready") => return,
                Some("error") => panic!("the dashboard failed: {status}; exceptions: {:?}", self.errors()),
                _ if Instant::now() > deadline => panic!("not ready in {PATIENCE:?}: {status}"),
                _ => tokio::time::sleep(Duration::from_millis(150)).await,
            }
        }
    }

    /// Clicks points of the map, from its centre outwards, until one opens a hexagon's panel;
    /// returns the hexagon and the count the panel shows.
    async fn click_a_hexagon(&mut self) -> (String, String) {
        let rect = self.eval("(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()").await;
        let [x, y, w, h] = [0, 1, 2, 3].map(|i| rect[i].as_f64().unwrap());
        for step in 0..40 {
            // A spiral through the middle half of the map.
            let turn = f64::from(step) * 2.4;
            let r = f64::from(step) / 40.0 * 0.25;
            let (px, py) = (x + w * (0.5 + r * turn.cos()), y + h * (0.5 + r * turn.sin()));
            for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
                let click = json!({ "type": kind, "x": px, "y": py, "button": "left", "clickCount": 1 });
                self.call("Input.dispatchMouseEvent", click).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            let panel = self
                .eval(
                    "(() => { const p = document.getElementById('cell-panel');
                       return p.hidden ? null : [p.dataset.h3, p.querySelector('dd[data-field=count]').textContent]; })()",
                )
                .await;
            if let Some([h3, count]) = panel.as_array().map(|a| [a[0].clone(), a[1].clone()]) {
                return (h3.as_str().unwrap().to_owned(), count.as_str().unwrap().to_owned());
            }
        }
        panic!("no click on the map opened a hexagon's panel");
    }

    async fn screenshot(&mut self, png: &Path) {
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" })).await;
        std::fs::write(png, base64_decode(shot["data"].as_str().unwrap())).unwrap();
    }

    /// Every URL the page requested.
    fn requests(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .filter_map(|e| e["params"]["request"]["url"].as_str())
            .collect()
    }

    /// Uncaught exceptions and `console.error` lines of the page.
    fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| {
                e["method"] == "Runtime.exceptionThrown"
                    || (e["method"] == "Runtime.consoleAPICalled" && e["params"]["type"] == "error")
            })
            .map(|e| e["params"].to_string())
            .collect()
    }
}

/// The port Chromium chose, from the file it writes into its profile.
async fn devtools_port(profile: &Path) -> u16 {
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(port) = std::fs::read_to_string(&file).ok().and_then(|s| s.lines().next()?.trim().parse().ok()) {
            return port;
        }
        assert!(Instant::now() < deadline, "Chromium did not open its DevTools port");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens a WebSocket (RFC 6455) to `path` on the local `port`.
async fn websocket(port: u16, path: &str) -> BufStream<TcpStream> {
    let mut ws = BufStream::new(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    ws.write_all(request.as_bytes()).await.unwrap();
    ws.flush().await.unwrap();
    let mut status = String::new();
    ws.read_line(&mut status).await.unwrap();
    assert!(status.starts_with("HTTP/1.1 101"), "no WebSocket: {status}");
    let mut line = String::new();
    while {
        line.clear();
        ws.read_line(&mut line).await.unwrap() > 2
    } {}
    ws
}

/// Sends one masked text frame, as a client must.
async fn send_text(ws: &mut BufStream<TcpStream>, payload: &[u8]) {
    let mask = [0x5a, 0x17, 0xc3, 0x8e];
    let mut frame = vec![0x81];
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= 0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    ws.write_all(&frame).await.unwrap();
    ws.flush().await.unwrap();
}

/// Reads one whole text message (joining continuation frames; pings and pongs are skipped).
async fn read_text(ws: &mut BufStream<TcpStream>) -> String {
    let mut message = Vec::new();
    loop {
        let mut head = [0u8; 2];
        ws.read_exact(&mut head).await.unwrap();
        let (fin, opcode) = (head[0] & 0x80 != 0, head[0] & 0x0f);
        let len = match head[1] & 0x7f {
            126 => u64::from(ws.read_u16().await.unwrap()),
            127 => ws.read_u64().await.unwrap(),
            n => u64::from(n),
        };
        let mut mask = [0u8; 4];
        if head[1] & 0x80 != 0 {
            ws.read_exact(&mut mask).await.unwrap();
        }
        let mut payload = vec![0u8; len as usize];
        ws.read_exact(&mut payload).await.unwrap();
        if head[1] & 0x80 != 0 {
            payload.iter_mut().enumerate().for_each(|(i, b)| *b ^= mask[i % 4]);
        }
        match opcode {
            0x8 => panic!("the browser closed the DevTools connection"),
            0x9 | 0xa => continue,
            _ => message.extend_from_slice(&payload),
        }
        if fin {
            return String::from_utf8(message).unwrap();
        }
    }
}

/// Standard base64 (RFC 4648) to bytes, for screenshots.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()).map(value).collect();
    digits
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().enumerate().fold(0u32, |n, (i, d)| n | u32::from(*d) << (18 - 6 * i));
            n.to_be_bytes()[1..c.len()].to_vec()
        })
        .collect()
}

#[test]
fn base64_decodes_as_the_rfc_says() {
    assert_eq!(base64_decode("Zm9vYmFy"), b"foobar");
    assert_eq!(base64_decode("Zm9vYg=="), b"foob");
    assert_eq!(base64_decode("Zm9vYmE="), b"fooba");
}
