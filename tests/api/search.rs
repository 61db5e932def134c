//! The search box over HTTP: Chinese substrings checked against a scan of every name, full pinyin
//! and initials of every station's name (spelled here with the pinyin crate's first readings), and
//! the errors a bad query gets.

use pinyin::ToPinyin;
use serde_json::Value;

use crate::helpers::TestApp;

fn found(body: &Value) -> Vec<(String, String)> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["type"].as_str().unwrap().to_owned(), r["id"].as_str().unwrap().to_owned()))
        .collect()
}

fn enc(q: &str) -> String {
    q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn a_chinese_substring_finds_exactly_the_names_and_addresses_that_hold_it() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    for q in ["街道", "社区", "白云", "鼓楼", "联络站", "海曙", "路"] {
        // Brute force over every record the search covers.
        let mut want: Vec<(String, String)> = Vec::new();
        for s in catalog.stations() {
            if s.name.contains(q) || s.address.contains(q) {
                want.push(("station".into(), s.id.to_string()));
            }
        }
        for a in catalog.areas().iter().filter(|a| a.level == liaison::domain::AreaLevel::Town) {
            if a.name.contains(q) {
                want.push(("town".into(), a.code.to_string()));
            }
        }
        for g in catalog.grids() {
            if g.name.contains(q) {
                want.push(("grid".into(), g.id.to_string()));
            }
        }
        for m in catalog.members().iter().filter(|m| m.station.as_ref().is_some_and(|s| catalog.station(s).is_some())) {
            if m.name.contains(q) {
                want.push(("member".into(), m.id.to_string()));
            }
        }
        let (status, body) = app.get(&format!("/api/v1/search?q={}&limit=50", enc(q))).await;
        assert_eq!(status, 200, "{body}");
        let got = found(&body);
        assert_eq!(got.len(), want.len().min(50), "{q}: {body}");
        for hit in &got {
            assert!(want.contains(hit), "{q}: {hit:?} holds no {q}");
        }
        // Names that start with the query come before names that only hold it.
        let matched: Vec<&str> =
            body["results"].as_array().unwrap().iter().map(|r| r["matched"].as_str().unwrap()).collect();
        let first_inner = matched.iter().position(|m| *m == "substring").unwrap_or(matched.len());
        assert!(matched[first_inner..].iter().all(|m| *m == "substring"), "{q}: {matched:?}");
    }
}

#[tokio::test]
async fn every_station_is_found_by_the_full_pinyin_and_by_the_initials_of_its_name() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let mut checked = 0;
    for s in catalog.stations() {
        let readings: Vec<&str> = s.name.as_str().to_pinyin().flatten().map(|p| p.plain()).collect();
        if readings.is_empty() {
            continue;
        }
        let full = readings.concat().replace('ü', "v");
        let initials: String = readings.iter().map(|r| &r[..1]).collect();
        for q in [full, initials] {
            let (status, body) = app.get(&format!("/api/v1/search?q={q}&limit=50")).await;
            assert_eq!(status, 200, "{body}");
            assert!(
                found(&body).contains(&("station".into(), s.id.to_string())),
                "{} is not found by {q}: {body}",
                s.name
            );
        }
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} stations have Chinese names");
}

#[tokio::test]
async fn a_result_carries_where_to_fly_in_the_asked_crs() {
    let app = TestApp::with_sample().await;
    let (_, wgs) = app.get("/api/v1/search?q=baiyun&limit=50").await;
    let (_, gcj) = app.get("/api/v1/search?q=baiyun&limit=50&crs=gcj02").await;
    let town = wgs["results"].as_array().unwrap().iter().find(|r| r["type"] == "town").expect("the town 白云街道");
    assert_eq!(town["name"], "白云街道");
    let bbox: Vec<f64> = town["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let (lon, lat) = (town["lon"].as_f64().unwrap(), town["lat"].as_f64().unwrap());
    assert!(bbox[0] <= lon && lon <= bbox[2] && bbox[1] <= lat && lat <= bbox[3], "{town}");
    let station = wgs["results"].as_array().unwrap().iter().find(|r| r["type"] == "station").unwrap();
    let same = gcj["results"].as_array().unwrap().iter().find(|r| r["id"] == station["id"]).unwrap();
    let (x, y) =
        liaison::spatial::Crs::Gcj02.from_wgs84(station["lon"].as_f64().unwrap(), station["lat"].as_f64().unwrap());
    assert!((same["lon"].as_f64().unwrap() - x).abs() < 2e-7 && (same["lat"].as_f64().unwrap() - y).abs() < 2e-7);
    assert_ne!(same["lon"], station["lon"], "GCJ-02 is offset from WGS84");
    // The position is the one the station's own answer gives, to the digit.
    let (_, feature) = app.get(&format!("/api/v1/stations/{}", station["id"].as_str().unwrap())).await;
    assert_eq!(feature["geometry"]["coordinates"], serde_json::json!([station["lon"], station["lat"]]), "{feature}");
}

#[tokio::test]
async fn a_bad_query_is_a_400_with_a_code() {
    let app = TestApp::with_sample().await;
    let long = "a".repeat(101);
    for (path, code) in [
        ("/api/v1/search".to_owned(), "missing_parameter"),
        ("/api/v1/search?q=%20%20".to_owned(), "missing_parameter"),
        (format!("/api/v1/search?q={long}"), "out_of_range"),
        ("/api/v1/search?q=by&limit=0".to_owned(), "out_of_range"),
        ("/api/v1/search?q=by&limit=x".to_owned(), "out_of_range"),
        ("/api/v1/search?q=by&crs=utm".to_owned(), "invalid_crs"),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
    }
    let (status, body) = app.get("/api/v1/search?q=zzzzqqqq").await;
    assert_eq!((status, body["results"].as_array().unwrap().len()), (200, 0));
}
