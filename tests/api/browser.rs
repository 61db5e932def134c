//! The home page in a real browser (Debian's headless Chromium): the rendered DOM of a submitted
//! nearest-station form, and a screenshot kept in target/browser/ as an artifact.

use std::path::PathBuf;
use std::time::Duration;

use liaison::catalog::StationFilter;
use liaison::domain::{LonLat, StationKind};

use crate::helpers::TestApp;

fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(path.exists(), "no Chromium at {}: run scripts/test.sh (installs it) or set CHROMIUM", path.display());
    path
}

/// Runs headless Chromium on `url` with `args`, bounded in time, and returns its stdout.
pub(crate) async fn headless(url: &str, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
    ])
    .args(["--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1280,1400"])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(args)
    .arg(url)
    .kill_on_drop(true);
    let out =
        tokio::time::timeout(Duration::from_secs(60), cmd.output()).await.expect("Chromium took over 60 s").unwrap();
    assert!(out.status.success(), "Chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_browser_renders_the_submitted_form_with_nearest_stations_and_grid() {
    let app = TestApp::with_sample().await;
    let url = format!("{}/?lon=121.5435&lat=29.8655&crs=wgs84", app.base);
    let dom = headless(&url, &["--dump-dom"]).await;

    let catalog = app.state.service.catalog();
    let q = LonLat::new(121.5435, 29.8655).unwrap();
    let physical = StationKind::ALL.iter().copied().filter(|k| *k != StationKind::OnlineStation).collect();
    let nearest = catalog.nearest_stations(q, 5, &StationFilter { kinds: physical, ..Default::default() });
    let table = &dom[dom.find("id=\"nearest\"").expect("the browser shows the answer table")..];
    let mut at = 0;
    for hit in &nearest {
        at += table[at..]
            .find(&hit.station.name)
            .unwrap_or_else(|| panic!("{} missing or out of order", hit.station.name));
    }
    let grid = catalog.grid_at(q).unwrap().grid;
    let section = &dom[dom.find("id=\"my-grid\"").expect("the grid section")..];
    assert!(section.contains(&grid.name));
    assert!(section.contains("下次接待"), "each member's next reception is shown");
    // The form keeps what was typed.
    assert!(dom.contains("value=\"121.5435\""));

    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("home-nearest.png");
    let _ = std::fs::remove_file(&png);
    headless(&url, &[&format!("--screenshot={}", png.display())]).await;
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(size > 20_000, "screenshot {} is {size} bytes", png.display());
}

#[tokio::test]
async fn a_browser_shows_the_prefilled_submit_form_of_a_station() {
    let app = TestApp::with_sample().await;
    let station = app.state.service.catalog().stations()[0].clone();
    let dom = headless(&format!("{}/s/{}", app.base, station.id), &["--dump-dom"]).await;
    assert!(dom.contains(&station.name), "the station is named");
    assert!(dom.contains("id=\"submit-form\"") && dom.contains("name=\"category\""));
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("submit-form.png");
    headless(&format!("{}/s/{}", app.base, station.id), &[&format!("--screenshot={}", png.display())]).await;
    assert!(std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0) > 10_000);
}
