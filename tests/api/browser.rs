//! Pages in a real browser: the scenarios of `tests/browser/*.mjs` (Playwright's playwright-core
//! driving Debian's headless Chromium) run against a test server, and each test compares what the
//! page showed with what the catalog or the API answers. Screenshots are kept in target/browser/.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use liaison::catalog::StationFilter;
use liaison::domain::{Category, LonLat, StationKind};
use serde_json::Value;

use crate::helpers::TestApp;

/// How long one scenario may take, browser start included.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs the browser scenario `tests/browser/{script}.mjs` against the server at `base` (as
/// `BASE_URL`, with `env` beside it), bounded in time, and returns the last JSON line it printed
/// (`null` when it printed none). Fails with Node's output when the scenario fails.
pub(crate) async fn playwright(script: &str, base: &str, env: &[(&str, &str)]) -> Value {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let file = dir.join(format!("{script}.mjs"));
    assert!(file.exists(), "no browser scenario {}", file.display());
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "Playwright is not installed in {}: run scripts/test.sh (installs Node, Chromium and it), \
         or `npm ci --prefix tests/browser --ignore-scripts`",
        dir.display()
    );
    let mut node = tokio::process::Command::new("node");
    node.arg(&file)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("BASE_URL", base)
        // Playwright's call logs without colour escapes, as they end up in a test's panic message.
        .env("FORCE_COLOR", "0")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = node.spawn().unwrap_or_else(|e| panic!("cannot run node ({e}): run scripts/test.sh (installs it)"));
    let out = tokio::time::timeout(SCENARIO_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script}.mjs took over {SCENARIO_TIMEOUT:?}"))
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{script}.mjs failed ({}):\n{stderr}\n--- stdout:\n{stdout}", out.status);
    stdout.lines().rev().find_map(|line| serde_json::from_str(line.trim()).ok()).unwrap_or(Value::Null)
}

/// Asserts that the scenario wrote a screenshot of at least `at_least` bytes.
pub(crate) fn assert_screenshot(shown: &Value, at_least: u64) {
    let path = Path::new(shown["screenshot"]["path"].as_str().unwrap_or_else(|| panic!("no screenshot: {shown}")));
    assert!(path.starts_with(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser")), "{}", path.display());
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    assert!(size > at_least, "screenshot {} is {size} bytes", path.display());
}

/// Asserts that every request the page made went to the server at `base`.
pub(crate) fn assert_only_this_server(shown: &Value, base: &str) {
    let requests = shown["requests"].as_array().unwrap_or_else(|| panic!("no requests recorded: {shown}"));
    assert!(!requests.is_empty(), "the page requested nothing, not even itself");
    let foreign: Vec<&str> = requests
        .iter()
        .filter_map(Value::as_str)
        .filter(|u| !(u.starts_with(&format!("{base}/")) || u.starts_with("data:") || u.starts_with("blob:")))
        .collect();
    assert!(foreign.is_empty(), "requests beyond the server: {foreign:?}");
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}")).iter().map(|s| s.as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_browser_renders_the_submitted_form_with_nearest_stations_and_grid() {
    let app = TestApp::with_sample().await;
    let (lon, lat) = ("121.5435", "29.8655");
    let shown = playwright("home", &app.base, &[("LON", lon), ("LAT", lat), ("CRS", "wgs84")]).await;

    let catalog = app.state.service.catalog();
    let q = LonLat::new(121.5435, 29.8655).unwrap();
    let physical = StationKind::ALL.iter().copied().filter(|k| *k != StationKind::OnlineStation).collect();
    let nearest = catalog.nearest_stations(q, 5, &StationFilter { kinds: physical, ..Default::default() });
    let rows = strings(&shown["nearest"]);
    assert_eq!(rows.len(), nearest.len(), "one row per nearest station: {rows:?}");
    for (row, hit) in rows.iter().zip(&nearest) {
        assert!(row.contains(&hit.station.name), "{} missing or out of order: {rows:?}", hit.station.name);
    }

    let grid = catalog.grid_at(q).unwrap().grid;
    assert!(shown["grid"]["heading"].as_str().unwrap().contains(&grid.name), "the grid is named: {}", shown["grid"]);
    let lines = strings(&shown["grid"]["members"]);
    let members: Vec<_> = grid.members.iter().filter_map(|id| catalog.member(id)).collect();
    assert_eq!(lines.len(), members.len(), "one line per member of the grid: {lines:?}");
    let now = app.state.service.now();
    let mut sessions = 0;
    for (line, member) in lines.iter().zip(&members) {
        assert!(line.contains(&member.name), "{} missing or out of order: {lines:?}", member.name);
        // Each member's next reception is shown: its time and station.
        if let Some(next) = catalog.member_sessions(&member.id, now, 1).first() {
            sessions += 1;
            let at = next.session.start.format("%H:%M").to_string();
            assert!(
                line.contains(&at) && line.contains(&next.station.name),
                "{}'s next reception: {line}",
                member.name
            );
        }
    }
    assert!(sessions > 0, "some member of the grid receives citizens: {lines:?}");
    // The form keeps what was typed.
    assert_eq!((shown["lon"].as_str(), shown["lat"].as_str()), (Some(lon), Some(lat)), "{shown}");
    assert_eq!(shown["crs"], "wgs84");

    assert_only_this_server(&shown, &app.base);
    assert_screenshot(&shown, 20_000);
}

#[tokio::test]
async fn a_browser_shows_the_prefilled_submit_form_of_a_station() {
    let app = TestApp::with_sample().await;
    let station = app.state.service.catalog().stations()[0].clone();
    // The citizen attaches a photo (a JPEG from a phone) and submits.
    let photo = tempfile::Builder::new().suffix(".jpg").tempfile().unwrap();
    image::RgbImage::from_fn(1200, 900, |x, y| image::Rgb([(x / 5) as u8, (y / 4) as u8, 90]))
        .save_with_format(photo.path(), image::ImageFormat::Jpeg)
        .unwrap();
    let env = [("STATION", station.id.to_string()), ("PHOTO", photo.path().display().to_string())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let shown = playwright("submit-form", &app.base, &env).await;

    assert!(shown["station"].as_str().is_some_and(|s| s.contains(&station.name)), "the station is named: {shown}");
    let fields = &shown["fields"];
    assert_eq!(fields["station"], station.id.to_string(), "the form sends the station");
    assert_eq!(fields["channel"], "qr", "a QR-code link says so");
    for (field, expected) in [("lon", station.location.lon()), ("lat", station.location.lat())] {
        let value: f64 = fields[field].as_str().unwrap().parse().unwrap();
        assert!((value - expected).abs() < 1e-6, "{field}: {value} for {expected}");
    }
    let codes: Vec<&str> = Category::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(strings(&shown["categories"]), codes, "every category can be chosen");
    let tracked = shown["tracked"].as_str().unwrap_or_else(|| panic!("submitted: {shown}"));
    let code = tracked.trim_start_matches("/track/").replace('-', "");
    let photos: Vec<(i64, String)> = sqlx::query_as(
        "SELECT p.width, p.status FROM photos p JOIN opinions o ON o.id = p.opinion_id WHERE o.tracking_code = $1",
    )
    .bind(&code)
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(photos, [(1200, "pending".to_owned())], "the form's photo is stored, pending: {tracked}");

    assert_only_this_server(&shown, &app.base);
    assert_screenshot(&shown, 10_000);
}
