//! Batch lookups (`POST /api/v1/grids/at`, `POST /api/v1/stations/nearest`): every row equals the
//! single-point GET answer for the same point, in JSON and CSV, WGS84 and GCJ-02; order kept;
//! bad rows answered in place; whole-body faults refused before streaming; answers streamed.

use liaison::spatial::Crs;
use serde_json::{json, Value};

use crate::helpers::{error_code, Rng, TestApp};

/// Seeded points over and around the Haishu sample (WGS84), some grids, some outside every grid.
fn random_points(seed: u64, n: usize) -> Vec<(f64, f64)> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| (rng.between(121.05, 121.65), rng.between(29.65, 30.02))).collect()
}

/// The points in `crs`, with ids on two thirds of them ("p0", 1, none, …).
fn in_crs(points: &[(f64, f64)], crs: Crs) -> Vec<(Option<String>, f64, f64)> {
    points
        .iter()
        .enumerate()
        .map(|(i, &(lon, lat))| {
            let (x, y) = crs.from_wgs84(lon, lat);
            let id = match i % 3 {
                0 => Some(format!("p{i}")),
                1 => Some(format!("{i}")),
                _ => None,
            };
            (id, x, y)
        })
        .collect()
}

fn json_body(points: &[(Option<String>, f64, f64)], crs: Crs, extra: Value) -> String {
    let pts: Vec<Value> = points
        .iter()
        .map(|(id, lon, lat)| match id {
            Some(id) if id.starts_with('p') => json!({ "id": id, "lon": lon, "lat": lat }),
            Some(id) => json!({ "id": id.parse::<u64>().unwrap(), "lon": lon, "lat": lat }),
            None => json!({ "lon": lon, "lat": lat }),
        })
        .collect();
    let mut body = json!({ "crs": crs.to_string(), "points": pts });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body.to_string()
}

fn csv_body(points: &[(Option<String>, f64, f64)]) -> String {
    let mut s = String::from("lat,id,lon\n");
    for (id, lon, lat) in points {
        s += &format!("{lat},{},{lon}\n", id.as_deref().unwrap_or(""));
    }
    s
}

/// POSTs and returns status, content type and body text.
async fn post(app: &TestApp, path: &str, content_type: &str, body: String) -> (u16, String, String) {
    let res = app
        .client
        .post(format!("{}{}", app.base, path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ct, res.text().await.unwrap())
}

async fn post_json(app: &TestApp, path: &str, body: String) -> Vec<Value> {
    let (status, ct, text) = post(app, path, "application/json", body).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(ct, "application/json");
    let rows: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    rows.as_array().unwrap().clone()
}

/// CSV rows as maps from column to value.
fn parse_csv(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_owned)).collect()).collect()
}

async fn post_csv(app: &TestApp, path: &str, body: String) -> Vec<std::collections::HashMap<String, String>> {
    let (status, ct, text) = post(app, path, "text/csv", body).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(ct, "text/csv; charset=utf-8");
    parse_csv(&text)
}

/// GETs every path (a few at a time) and returns status and JSON body in order.
async fn get_all(app: &TestApp, paths: Vec<String>) -> Vec<(u16, Value)> {
    let lanes = 4;
    let mut tasks = Vec::new();
    for lane in 0..lanes {
        let (client, base) = (app.client.clone(), app.base.clone());
        let mine: Vec<(usize, String)> = paths.iter().cloned().enumerate().skip(lane).step_by(lanes).collect();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for (i, path) in mine {
                let res = client.get(format!("{base}{path}")).send().await.unwrap();
                let status = res.status().as_u16();
                out.push((i, status, res.json::<Value>().await.unwrap()));
            }
            out
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_by_key(|x| x.0);
    all.into_iter().map(|(_, s, v)| (s, v)).collect()
}

fn id_of(id: &Option<String>) -> Value {
    id.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grid_batches_equal_single_point_answers_in_json_and_csv_wgs84_and_gcj02() {
    let app = TestApp::with_sample().await;
    let wgs = random_points(41, 1_500);
    let (mut inside, mut outside) = (0, 0);
    for crs in [Crs::Wgs84, Crs::Gcj02] {
        let points = in_crs(&wgs, crs);
        let rows = post_json(&app, "/api/v1/grids/at", json_body(&points, crs, json!({}))).await;
        let csv = post_csv(&app, &format!("/api/v1/grids/at?crs={crs}"), csv_body(&points)).await;
        assert_eq!(rows.len(), points.len());
        assert_eq!(csv.len(), points.len());
        let paths =
            points.iter().map(|(_, x, y)| format!("/api/v1/grids/at?lon={x}&lat={y}&crs={crs}&sessions=0")).collect();
        let singles = get_all(&app, paths).await;
        for (i, ((row, line), (status, single))) in rows.iter().zip(&csv).zip(&singles).enumerate() {
            assert_eq!(row["index"], i, "{row}");
            assert_eq!(row["id"], id_of(&points[i].0), "{row}");
            assert_eq!(line["index"], i.to_string());
            assert_eq!(line["id"], points[i].0.clone().unwrap_or_default());
            if *status == 200 {
                inside += 1;
                let p = &single["properties"];
                assert_eq!(row["grid"]["id"], p["id"], "point {i}: {row} vs {p}");
                assert_eq!(row["grid"]["code"], p["code"]);
                assert_eq!(row["near_boundary"], p["near_boundary"], "point {i}");
                assert_eq!(row["edge_distance_m"], p["edge_distance_m"], "point {i}");
                assert_eq!(row["town"]["code"], p["town"]["code"]);
                assert_eq!(row["station"], p["station"]["properties"]["id"]);
                let members: Vec<&Value> = p["members"].as_array().unwrap().iter().map(|m| &m["id"]).collect();
                assert_eq!(row["members"].as_array().unwrap().iter().collect::<Vec<_>>(), members);
                assert_eq!(row["neighbour"]["id"], p["neighbour"]["id"], "point {i}");
                assert_eq!(line["grid_id"], p["id"].as_str().unwrap());
                assert_eq!(line["near_boundary"], p["near_boundary"].to_string());
                assert_eq!(line["edge_distance_m"].parse::<f64>().unwrap(), p["edge_distance_m"].as_f64().unwrap());
                assert_eq!(line["neighbour_id"], p["neighbour"]["id"].as_str().unwrap_or(""));
                assert_eq!(line["members"].split(';').filter(|s| !s.is_empty()).count(), members.len());
                assert_eq!(line["error"], "");
            } else {
                outside += 1;
                assert_eq!(error_code(*status, single, 404), "no_grid");
                assert_eq!(row["error"]["code"], "no_grid", "{row}");
                assert_eq!(row["error"]["nearest"], single["error"]["nearest"], "point {i}");
                assert_eq!(row["error"]["message"], single["error"]["message"]);
                assert!(row.get("grid").is_none());
                assert_eq!(line["error"], "no_grid");
                assert_eq!(line["nearest_id"], single["error"]["nearest"]["id"].as_str().unwrap());
                assert_eq!(
                    line["nearest_distance_m"].parse::<f64>().unwrap(),
                    single["error"]["nearest"]["distance_m"].as_f64().unwrap()
                );
            }
        }
    }
    assert!(inside > 1_000 && outside > 200, "inside {inside}, outside {outside}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nearest_batches_equal_single_point_answers_in_json_and_csv_wgs84_and_gcj02() {
    let app = TestApp::with_sample().await;
    let wgs = random_points(43, 1_000);
    for (crs, k, filter) in
        [(Crs::Wgs84, 3, ""), (Crs::Gcj02, 5, ""), (Crs::Wgs84, 2, "&kind=member_workstation,online_station")]
    {
        let points = in_crs(&wgs, crs);
        let mut extra = json!({ "k": k });
        if !filter.is_empty() {
            extra["kind"] = json!(["member_workstation", "online_station"]);
        }
        let rows = post_json(&app, "/api/v1/stations/nearest", json_body(&points, crs, extra)).await;
        let csv = post_csv(&app, &format!("/api/v1/stations/nearest?crs={crs}&k={k}{filter}"), csv_body(&points)).await;
        assert_eq!(rows.len(), points.len());
        assert_eq!(csv.len(), points.len() * k, "one CSV line a station");
        let paths = points
            .iter()
            .map(|(_, x, y)| format!("/api/v1/stations/nearest?lon={x}&lat={y}&crs={crs}&k={k}{filter}"))
            .collect();
        let singles = get_all(&app, paths).await;
        for (i, (row, (status, single))) in rows.iter().zip(&singles).enumerate() {
            assert_eq!(*status, 200);
            assert_eq!(row["index"], i);
            assert_eq!(row["id"], id_of(&points[i].0));
            let want: Vec<(Value, Value, Value)> = single["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    let p = &f["properties"];
                    (p["id"].clone(), p["distance_m"].clone(), p["kind"].clone())
                })
                .collect();
            let got: Vec<(Value, Value, Value)> = row["stations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| (s["id"].clone(), s["distance_m"].clone(), s["kind"].clone()))
                .collect();
            assert_eq!(got, want, "point {i} ({crs})");
            let lines: Vec<_> = csv[i * k..(i + 1) * k].iter().collect();
            for (rank, (line, (id, distance, _))) in lines.iter().zip(&want).enumerate() {
                assert_eq!(line["index"], i.to_string());
                assert_eq!(line["rank"], (rank + 1).to_string());
                assert_eq!(line["station_id"], id.as_str().unwrap());
                assert_eq!(line["distance_m"].parse::<f64>().unwrap(), distance.as_f64().unwrap());
            }
        }
    }
}

#[tokio::test]
async fn nearest_defaults_to_the_one_nearest_physical_station() {
    let app = TestApp::with_sample().await;
    let body = json!({ "points": [{ "lon": 121.55, "lat": 29.87 }] }).to_string();
    let rows = post_json(&app, "/api/v1/stations/nearest", body).await;
    let (_, single) = app.get("/api/v1/stations/nearest?lon=121.55&lat=29.87&k=1").await;
    assert_eq!(rows[0]["stations"].as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["stations"][0]["id"], single["features"][0]["properties"]["id"]);
    assert_ne!(rows[0]["stations"][0]["kind"], "online_station");
}

#[tokio::test]
async fn a_bad_point_is_answered_in_place_and_the_others_succeed() {
    let app = TestApp::with_sample().await;
    let good = json!({ "id": "good", "lon": 121.55, "lat": 29.87 });
    let body = json!({ "points": [
        good, { "id": "nan", "lon": "NaN", "lat": 29.87 }, { "id": "north", "lon": 121.55, "lat": 95 },
        { "id": "no-lat", "lon": 121.55 }, 42, { "id": "word", "lon": "abc", "lat": 29.87 },
        { "id": ["x"], "lon": 121.55, "lat": 29.87 }, good,
    ] })
    .to_string();
    for path in ["/api/v1/grids/at", "/api/v1/stations/nearest"] {
        let rows = post_json(&app, path, body.clone()).await;
        let codes: Vec<&str> = rows.iter().map(|r| r["error"]["code"].as_str().unwrap_or("ok")).collect();
        assert_eq!(
            codes,
            [
                "ok",
                "invalid_number",
                "invalid_coordinates",
                "missing_parameter",
                "invalid_record",
                "invalid_number",
                "invalid_record",
                "ok"
            ],
            "{path}: {rows:?}"
        );
        assert!(rows[2]["error"]["message"].as_str().unwrap().starts_with("point 2: latitude"), "{}", rows[2]);
        assert_eq!(rows[3]["error"]["message"], "point 3: lat is missing");
        assert_eq!(rows[1]["id"], "nan");
        assert_eq!(rows[7]["index"], 7);
    }

    // Python's json.dumps writes NaN and Infinity bare; such a point fails alone too.
    let body = r#"{"points":[{"id":"x\"NaN","lon":NaN,"lat":29.87},{"lon":121.55,"lat":-Infinity},{"lon":121.55,"lat":29.87}]}"#;
    let rows = post_json(&app, "/api/v1/grids/at", body.into()).await;
    assert_eq!(rows[0]["id"], "x\"NaN");
    assert_eq!(rows[0]["error"]["code"], "invalid_number", "{}", rows[0]);
    assert_eq!(rows[1]["error"]["code"], "invalid_number", "{}", rows[1]);
    assert!(rows[2]["grid"]["id"].is_string(), "{}", rows[2]);

    let csv = "id,lon,lat\na,121.55,29.87\nb,abc,29.87\nc,121.55\nd,121.55,-91\n\"e,1\",121.55,29.87\n";
    let (status, _, text) = post(&app, "/api/v1/grids/at", "text/csv", csv.into()).await;
    assert_eq!(status, 200, "{text}");
    let lines = parse_csv(&text);
    let errors: Vec<(&str, &str)> = lines.iter().map(|l| (l["id"].as_str(), l["error"].as_str())).collect();
    assert_eq!(
        errors,
        [("a", ""), ("b", "invalid_number"), ("c", "missing_parameter"), ("d", "invalid_coordinates"), ("e,1", "")]
    );
    assert!(lines[1]["message"].starts_with("line 3: lon"), "{:?}", lines[1]);
    assert!(lines[2]["message"].starts_with("line 4: lat"), "{:?}", lines[2]);
    assert!(!lines[0]["grid_id"].is_empty() && !lines[4]["grid_id"].is_empty());
}

#[tokio::test]
async fn malformed_or_oversized_batches_are_refused_whole() {
    let app = TestApp::with_sample().await;
    let point = json!({ "lon": 121.55, "lat": 29.87 });
    let many = json!({ "points": vec![point.clone(); 10_001] }).to_string();
    let mut many_csv = String::from("lon,lat\n");
    many_csv += &"121.55,29.87\n".repeat(10_001);
    let huge = format!(
        "{{\"points\":[{}]}}",
        vec![r#"{"lon":121.55,"lat":29.87,"id":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#; 60_000].join(",")
    );
    let cases: Vec<(&str, &str, String, u16, &str)> = vec![
        ("/api/v1/grids/at", "application/json", many.clone(), 413, "payload_too_large"),
        ("/api/v1/stations/nearest", "application/json", many, 413, "payload_too_large"),
        ("/api/v1/grids/at", "text/csv", many_csv, 413, "payload_too_large"),
        ("/api/v1/grids/at", "application/json", huge, 413, "payload_too_large"),
        ("/api/v1/grids/at", "application/json", "{\"points\": [".into(), 400, "invalid_body"),
        ("/api/v1/grids/at", "application/json", "".into(), 400, "invalid_body"),
        ("/api/v1/grids/at", "application/json", "{\"points\": 3}".into(), 422, "invalid_body"),
        ("/api/v1/grids/at", "application/json", "{\"points\": []}".into(), 422, "no_points"),
        ("/api/v1/grids/at", "text/csv", "lon,lat\n".into(), 422, "no_points"),
        ("/api/v1/grids/at", "text/csv", "x,y\n1,2\n".into(), 400, "invalid_csv"),
        ("/api/v1/grids/at", "text/plain", "lon,lat\n1,2\n".into(), 400, "invalid_body"),
        (
            "/api/v1/grids/at",
            "application/json",
            json!({ "crs": "utm", "points": [point] }).to_string(),
            400,
            "invalid_crs",
        ),
        (
            "/api/v1/stations/nearest",
            "application/json",
            json!({ "k": 0, "points": [point] }).to_string(),
            400,
            "out_of_range",
        ),
        (
            "/api/v1/stations/nearest",
            "application/json",
            json!({ "k": 101, "points": [point] }).to_string(),
            400,
            "out_of_range",
        ),
        (
            "/api/v1/stations/nearest",
            "application/json",
            json!({ "kind": "castle", "points": [point] }).to_string(),
            400,
            "invalid_parameter",
        ),
    ];
    for (path, ct, body, want_status, want_code) in cases {
        let (status, got_ct, text) = post(&app, path, ct, body).await;
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} {ct}: not JSON ({e}): {text}"));
        assert_eq!(got_ct, "application/json");
        assert_eq!(error_code(status, &body, want_status), want_code, "{path} {ct}: {body}");
    }
    // Exactly 10,000 is fine, and CSV query options work for the nearest endpoint too.
    let mut csv = String::from("lon,lat\n");
    csv += &"121.55,29.87\n".repeat(10_000);
    let (status, _, text) = post(&app, "/api/v1/stations/nearest?k=2", "text/csv", csv).await;
    assert_eq!(status, 200);
    assert_eq!(text.lines().count(), 1 + 10_000 * 2);
}

#[tokio::test]
async fn accept_chooses_the_answer_format() {
    let app = TestApp::with_sample().await;
    let res = app
        .client
        .post(format!("{}/api/v1/grids/at", app.base))
        .header("content-type", "application/json")
        .header("accept", "text/csv")
        .body(json!({ "points": [{ "id": "a", "lon": 121.55, "lat": 29.87 }] }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let lines = parse_csv(&res.text().await.unwrap());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], "a");

    let res = app
        .client
        .post(format!("{}/api/v1/stations/nearest", app.base))
        .header("content-type", "text/csv")
        .header("accept", "application/json")
        .body("lon,lat\n121.55,29.87\n")
        .send()
        .await
        .unwrap();
    let rows: Value = res.json().await.unwrap();
    assert_eq!(rows[0]["stations"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn ten_thousand_points_arrive_in_many_chunks() {
    let app = TestApp::with_sample().await;
    let points = in_crs(&random_points(47, 10_000), Crs::Wgs84);
    let mut res = app
        .client
        .post(format!("{}/api/v1/stations/nearest", app.base))
        .header("content-type", "application/json")
        .body(json_body(&points, Crs::Wgs84, json!({ "k": 5 })))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("content-length").is_none(), "a streamed body has no length up front");
    let started = std::time::Instant::now();
    let (mut chunks, mut body, mut first_at) = (0, Vec::new(), None);
    while let Some(chunk) = res.chunk().await.unwrap() {
        chunks += 1;
        first_at.get_or_insert(started.elapsed());
        body.extend_from_slice(&chunk);
    }
    let total = started.elapsed();
    assert!(chunks >= 10, "{chunks} chunks");
    assert!(first_at.unwrap() < total, "the first chunk came before the end");
    let rows: Vec<Value> = serde_json::from_slice(&body).unwrap();
    assert_eq!(rows.len(), 10_000);
    assert!(rows.iter().enumerate().all(|(i, r)| r["index"] == i && r["stations"].as_array().unwrap().len() == 5));
}

#[test]
fn the_service_layer_knows_no_adapter_and_the_batch_adapter_no_other_resource() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(root.join("src/service")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for word in ["axum::", "maud::", "sqlx::", "crate::http"] {
            assert!(!text.contains(word), "{} mentions {word}", path.display());
        }
    }
    let adapter = std::fs::read_to_string(root.join("src/http/batch.rs")).unwrap();
    for module in ["super::grids", "super::stations", "http::grids", "http::stations"] {
        assert!(!adapter.contains(module), "src/http/batch.rs imports {module}");
    }
}
