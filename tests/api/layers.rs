//! Map layers: `liaison import layer NAME FILE` from the command line into a running server's
//! database, served by `/api/v1/layers` in any CRS with the file's properties, bad files refused
//! whole, and the map's switch drawing the layer in a real browser.

use std::process::Command;
use std::time::Duration;

use liaison::spatial::Crs;
use serde_json::{json, Value};

use crate::browser::{assert_only_this_server, assert_screenshot, playwright};
use crate::helpers::{error_code, TestApp};

/// Two rivers as AMap (GCJ-02) would export them, with properties of their own.
fn rivers_gcj02() -> Value {
    json!({
        "type": "FeatureCollection",
        "features": [
            { "type": "Feature", "properties": { "name": "南塘河", "河长": "张三", "length_km": 12.5 },
              "geometry": { "type": "LineString", "coordinates": [[121.50, 29.84], [121.53, 29.855], [121.555, 29.862]] } },
            { "type": "Feature", "properties": { "name": "中塘河" },
              "geometry": { "type": "MultiLineString", "coordinates": [[[121.45, 29.87], [121.49, 29.875]], [[121.49, 29.875], [121.52, 29.88]]] } }
        ]
    })
}

fn liaison(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_liaison"));
    cmd.args(app.db_args()).env_remove("LIAISON_DB").env_remove("LIAISON_DATABASE_URL");
    cmd
}

/// Waits until the running server lists `name` among its layers with `features` features.
async fn served(app: &TestApp, name: &str, features: u64) -> Value {
    for _ in 0..200 {
        let (_, list) = app.get("/api/v1/layers").await;
        if let Some(l) = list["layers"].as_array().unwrap().iter().find(|l| l["name"] == name) {
            if l["features"] == features {
                return l.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server never served layer {name} with {features} features");
}

#[tokio::test]
async fn an_imported_layer_is_served_in_every_crs_with_its_properties() {
    let app = TestApp::with_sample().await;
    tokio::spawn(liaison::cli::reload_on_change(app.state.service.clone(), Duration::from_millis(50)));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rivers.geojson");
    std::fs::write(&file, rivers_gcj02().to_string()).unwrap();
    let out = liaison(&app)
        .args(["import", "layer", "rivers"])
        .arg(&file)
        .args(["--crs", "gcj02", "--title", "河道"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("layer rivers with 2 features"));

    let summary = served(&app, "rivers", 2).await;
    assert_eq!(summary, json!({ "name": "rivers", "title": "河道", "kind": "lines", "features": 2 }));

    // WGS84 by default: every position is the GCJ-02 one converted; back in GCJ-02 it is the file's.
    let (status, wgs) = app.get("/api/v1/layers/rivers").await;
    assert_eq!(status, 200, "{wgs}");
    let (_, gcj) = app.get("/api/v1/layers/rivers?crs=gcj02").await;
    let input = rivers_gcj02();
    for ((w, g), f) in wgs["features"]
        .as_array()
        .unwrap()
        .iter()
        .zip(gcj["features"].as_array().unwrap())
        .zip(input["features"].as_array().unwrap())
    {
        assert_eq!(w["properties"], f["properties"], "properties as they were");
        assert_eq!(w["geometry"]["type"], f["geometry"]["type"]);
        let flat = |v: &Value| -> Vec<(f64, f64)> {
            let mut out = Vec::new();
            fn walk(v: &Value, out: &mut Vec<(f64, f64)>) {
                match v.as_array() {
                    Some(a) if a.len() == 2 && a[0].is_number() => {
                        out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()))
                    }
                    Some(a) => a.iter().for_each(|x| walk(x, out)),
                    None => {}
                }
            }
            walk(&v["geometry"]["coordinates"], &mut out);
            out
        };
        for ((wp, gp), fp) in flat(w).iter().zip(flat(g)).zip(flat(f)) {
            let (x, y) = Crs::Gcj02.to_wgs84(fp.0, fp.1);
            assert!((wp.0 - x).abs() < 2e-7 && (wp.1 - y).abs() < 2e-7, "{wp:?} vs {x},{y}");
            assert!((gp.0 - fp.0).abs() < 1e-6 && (gp.1 - fp.1).abs() < 1e-6, "round trip {gp:?} vs {fp:?}");
        }
    }

    // Importing again replaces the layer whole.
    let mut one = rivers_gcj02();
    one["features"].as_array_mut().unwrap().truncate(1);
    std::fs::write(&file, one.to_string()).unwrap();
    let out = liaison(&app).args(["import", "layer", "rivers"]).arg(&file).args(["--crs", "gcj02"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = served(&app, "rivers", 1).await;
    assert_eq!(summary["title"], "rivers", "the title defaults to the name");

    let (status, body) = app.get("/api/v1/layers/nope").await;
    assert_eq!(error_code(status, &body, 404), "not_found");
    let (status, body) = app.get("/api/v1/layers/rivers?crs=mars").await;
    assert_eq!(status, 400, "{body}");
}

#[test]
fn bad_layer_files_are_refused_whole_with_the_place_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let run = |args: &[&str], body: &str| {
        let file = dir.path().join("layer.file");
        std::fs::write(&file, body).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_liaison"))
            .arg("--db")
            .arg(&db)
            .env_remove("LIAISON_DB")
            .args(["import", "layer"])
            .args(args)
            .arg(&file)
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let good = rivers_gcj02().to_string();
    let (ok, err) = run(&["Bad Name"], &good);
    assert!(!ok && err.contains("layer name") && err.contains("nothing was written"), "{err}");
    let (ok, err) = run(&["services"], "id,name,lon,lat\n1,社区服务中心,121.55,29.87\n2,卫生服务站,121.56,\n");
    assert!(!ok && err.contains("line 3"), "{err}");
    let far = good.replace("121.555", "221.555");
    let (ok, err) = run(&["rivers"], &far);
    assert!(!ok && err.contains("feature 1") && err.contains("221.555"), "{err}");
    let (ok, err) = run(&["rivers"], r#"{"type":"FeatureCollection","features":[]}"#);
    assert!(!ok && err.contains("at least one feature"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .arg("--db")
        .arg(&db)
        .args(["import", "layer", "rivers"])
        .output()
        .unwrap();
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("usage: liaison import layer NAME FILE")
    );
    // Nothing of it was written: a CSV of points is a layer once it is whole.
    let (ok, err) = run(
        &["services", "--title", "公共服务"],
        "id,name,lon,lat\n1,社区服务中心,121.55,29.87\n2,卫生服务站,121.56,29.86\n",
    );
    assert!(ok, "{err}");
}

#[tokio::test]
async fn the_map_switches_an_imported_layer_on_and_tilts_to_3d() {
    let app = TestApp::with_sample().await;
    app.state.service.import_layer("rivers", "河道", rivers_gcj02().to_string().as_bytes(), Crs::Gcj02).await.unwrap();
    let shown = playwright("map-layers", &app.base, &[("LAYER", "rivers")]).await;
    assert_eq!(shown["listed"], json!(["rivers"]), "{shown}");
    assert_eq!(shown["features"], "2", "{shown}");
    assert!(shown["title"].as_str().unwrap().contains("河道"), "{shown}");
    assert!(shown["pitch"].as_f64().unwrap() > 30.0, "the 3D button tilts the map: {shown}");
    assert_only_this_server(&shown, &app.base);
    for shot in shown["screenshots"].as_array().unwrap() {
        assert_screenshot(&json!({ "screenshot": shot }), 20_000);
    }
}
