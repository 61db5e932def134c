//! Planning over HTTP: coverage equals brute force over every (demand, station) pair on the
//! sample's population and on random points (WGS84 and GCJ-02); siting answers are never better
//! than the exact optimum (exhaustive enumeration) and their bounds never beaten; bad input is a
//! 400/422 in the API's error shape; the demand importer replaces the stored population.

use liaison::analytics::siting::{exact_lscp, exact_mclp, exact_p_median, Instance};
use liaison::domain::{LonLat, StationKind};
use liaison::spatial::{geodesic_distance_m, Crs};
use serde_json::{json, Value};

use crate::helpers::{error_code, Rng, TestApp};

fn p(lon: f64, lat: f64) -> LonLat {
    LonLat::new(lon, lat).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// (distance to the nearest station, covered) of each point, by brute force.
fn brute_nearest(demand: &[(LonLat, f64)], stations: &[LonLat]) -> Vec<f64> {
    demand
        .iter()
        .map(|(q, _)| stations.iter().map(|&s| geodesic_distance_m(*q, s)).fold(f64::INFINITY, f64::min))
        .collect()
}

#[tokio::test]
async fn coverage_of_the_sample_population_equals_brute_force() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let demand: Vec<(LonLat, f64)> = catalog.demand().iter().map(|d| (d.position, d.weight)).collect();
    let stations: Vec<LonLat> =
        catalog.stations().iter().filter(|s| s.kind != StationKind::OnlineStation).map(|s| s.location).collect();
    let nearest = brute_nearest(&demand, &stations);
    for radius in [500.0, 1_500.0, 3_000.0] {
        let (status, body) = app.post("/api/v1/planning/coverage", &json!({ "radius_m": radius })).await;
        assert_eq!(status, 200, "{body}");
        let total: f64 = demand.iter().map(|d| d.1).sum();
        assert_eq!(total, 1_041_285.0);
        let covered: f64 = demand.iter().zip(&nearest).filter(|(_, &m)| m <= radius).map(|(d, _)| d.1).sum();
        assert_eq!(body["total_weight"].as_f64(), Some(total));
        assert!(
            close(body["covered_weight"].as_f64().unwrap(), covered),
            "{radius}: {} vs {covered}",
            body["covered_weight"]
        );
        assert!(covered > 0.0 && covered < total, "radius {radius} covers a part");
        assert_eq!(body["stations"].as_u64(), Some(stations.len() as u64));

        let mean = demand.iter().zip(&nearest).map(|(d, m)| d.1 * m).sum::<f64>() / total;
        let max = nearest.iter().copied().fold(0.0, f64::max);
        let mut sorted: Vec<(f64, f64)> = nearest.iter().copied().zip(demand.iter().map(|d| d.1)).collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut running = 0.0;
        let p90 = sorted.iter().find(|(_, w)| {
            running += w;
            running >= 0.9 * total
        });
        let d = &body["distance"];
        assert!(close(d["mean_m"].as_f64().unwrap(), mean));
        assert!(close(d["max_m"].as_f64().unwrap(), max));
        assert!(close(d["p90_m"].as_f64().unwrap(), p90.unwrap().0));

        // By town: each town's sums by brute force with the catalog's own town lookup.
        let towns = body["by_town"].as_array().unwrap();
        assert_eq!(towns.len(), 17, "every town has residents");
        for t in towns {
            let code = t["code"].as_str().unwrap();
            let inside: Vec<usize> = (0..demand.len())
                .filter(|&i| catalog.town_at(demand[i].0).is_some_and(|a| a.code.as_str() == code))
                .collect();
            let town_total: f64 = inside.iter().map(|&i| demand[i].1).sum();
            let town_covered: f64 = inside.iter().filter(|&&i| nearest[i] <= radius).map(|&i| demand[i].1).sum();
            assert_eq!(t["total_weight"].as_f64(), Some(town_total), "{code}");
            assert!(close(t["covered_weight"].as_f64().unwrap(), town_covered), "{code}");
        }
        // The uncovered cells hold exactly the uncovered weight, as H3 polygons.
        let cells = body["uncovered_cells"]["features"].as_array().unwrap();
        let in_cells: f64 = cells.iter().map(|f| f["properties"]["weight"].as_f64().unwrap()).sum();
        assert!(close(in_cells, total - covered), "{in_cells} vs {}", total - covered);
        assert!(cells.iter().all(|f| f["geometry"]["type"] == "Polygon"));
        assert!(cells
            .windows(2)
            .all(|w| w[0]["properties"]["weight"].as_f64() >= w[1]["properties"]["weight"].as_f64()));
    }
}

/// Random demand and stations around the sample, `n` and `m` of them.
fn random_points(rng: &mut Rng, n: usize) -> Vec<LonLat> {
    (0..n).map(|_| p(121.50 + rng.between(-0.04, 0.04), 29.86 + rng.between(-0.035, 0.035))).collect()
}

fn points_json(points: &[LonLat], weights: Option<&[f64]>, crs: Crs) -> Value {
    Value::Array(
        points
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let (x, y) = crs.from_wgs84(q.lon(), q.lat());
                match weights {
                    Some(w) => json!({ "id": format!("d{i}"), "lon": x, "lat": y, "weight": w[i] }),
                    None => json!({ "id": format!("s{i}"), "lon": x, "lat": y }),
                }
            })
            .collect(),
    )
}

#[tokio::test]
async fn coverage_of_given_points_equals_brute_force_in_wgs84_and_gcj02() {
    let app = TestApp::with_sample().await;
    let mut rng = Rng::new(41);
    for crs in [Crs::Wgs84, Crs::Gcj02] {
        for _ in 0..5 {
            let demand = random_points(&mut rng, 150);
            let weights: Vec<f64> = (0..demand.len()).map(|_| rng.below(50) as f64).collect();
            let m = 1 + rng.below(8);
            let stations = random_points(&mut rng, m);
            let radius = rng.between(300.0, 2_500.0);
            let body = json!({
                "radius_m": radius, "crs": crs.as_str(),
                "demand": points_json(&demand, Some(&weights), crs),
                "stations": points_json(&stations, None, crs),
            });
            let (status, answer) = app.post("/api/v1/planning/coverage", &body).await;
            assert_eq!(status, 200, "{answer}");
            // The positions went through GCJ-02 and back: brute force on what the service read.
            let read: Vec<LonLat> = stations
                .iter()
                .map(|s| {
                    let (x, y) = crs.from_wgs84(s.lon(), s.lat());
                    let (lon, lat) = crs.to_wgs84(x, y);
                    p(lon, lat)
                })
                .collect();
            let read_demand: Vec<(LonLat, f64)> = demand
                .iter()
                .zip(&weights)
                .map(|(q, &w)| {
                    let (x, y) = crs.from_wgs84(q.lon(), q.lat());
                    let (lon, lat) = crs.to_wgs84(x, y);
                    (p(lon, lat), w)
                })
                .collect();
            let nearest = brute_nearest(&read_demand, &read);
            let covered: f64 = read_demand.iter().zip(&nearest).filter(|(_, &m)| m <= radius).map(|(d, _)| d.1).sum();
            assert!(close(answer["covered_weight"].as_f64().unwrap(), covered), "{crs:?}");
            assert_eq!(answer["demand_points"].as_u64(), Some(150));
        }
    }
}

/// A random small instance as (demand with weights, candidates, existing, radius).
fn small_instance(rng: &mut Rng) -> (Vec<LonLat>, Vec<f64>, Vec<LonLat>, Vec<LonLat>, f64) {
    let (n, m, e) = (20 + rng.below(30), 6 + rng.below(6), rng.below(3));
    let demand = random_points(rng, n);
    let weights = (0..demand.len()).map(|_| rng.below(20) as f64).collect();
    let candidates = random_points(rng, m);
    let existing = random_points(rng, e);
    (demand, weights, candidates, existing, rng.between(700.0, 2_200.0))
}

#[tokio::test]
async fn sites_are_never_better_than_the_exact_optimum_and_bounds_hold() {
    let app = TestApp::with_sample().await;
    let mut rng = Rng::new(2026);
    let (mut at_optimum, mut runs) = (0, 0);
    for round in 0..24 {
        let (demand, weights, candidates, existing, radius) = small_instance(&mut rng);
        let dw: Vec<(LonLat, f64)> = demand.iter().copied().zip(weights.iter().copied()).collect();
        let instance = Instance::new(&dw, &candidates, &existing, radius).unwrap();
        let k = 1 + rng.below(3);
        let base = json!({
            "radius_m": radius,
            "demand": points_json(&demand, Some(&weights), Crs::Wgs84),
            "candidates": points_json(&candidates, None, Crs::Wgs84),
            "existing": points_json(&existing, None, Crs::Wgs84),
        });
        let ask = |extra: Value| {
            let mut body = base.clone();
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            body
        };
        let sites = |answer: &Value| -> Vec<LonLat> {
            answer["chosen"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    let j: usize = c["id"].as_str().unwrap()[1..].parse().unwrap();
                    candidates[j]
                })
                .collect()
        };
        let brute_covered = |chosen: &[LonLat]| -> f64 {
            let all: Vec<LonLat> = existing.iter().chain(chosen).copied().collect();
            brute_nearest(&dw, &all).iter().zip(&weights).filter(|(&m, _)| m <= radius).map(|(_, w)| w).sum()
        };

        let (status, mclp) = app.post("/api/v1/planning/sites", &ask(json!({ "model": "mclp", "p": k }))).await;
        assert_eq!(status, 200, "{mclp}");
        let best = exact_mclp(&instance, k).unwrap().objective;
        let got = mclp["objective"].as_f64().unwrap();
        assert!(got <= best + 1e-9, "round {round}: {got} above the optimum {best}");
        assert!(mclp["upper_bound"].as_f64().unwrap() >= best - 1e-6, "round {round}: bound below optimum");
        assert!(close(brute_covered(&sites(&mclp)), got), "round {round}");
        let added: f64 = mclp["chosen"].as_array().unwrap().iter().map(|c| c["added_weight"].as_f64().unwrap()).sum();
        assert!(close(added + mclp["existing_covered_weight"].as_f64().unwrap(), got));
        runs += 1;
        at_optimum += usize::from(got >= best - 1e-9);

        let (status, median) = app.post("/api/v1/planning/sites", &ask(json!({ "model": "pmedian", "p": k }))).await;
        assert_eq!(status, 200, "{median}");
        let best = exact_p_median(&instance, k).unwrap().objective;
        let got = median["objective"].as_f64().unwrap();
        assert!(got >= best * (1.0 - 1e-9), "round {round}: p-median below the optimum");
        assert!(median["lower_bound"].as_f64().unwrap() <= best * (1.0 + 1e-9));
        let all: Vec<LonLat> = existing.iter().chain(&sites(&median)).copied().collect();
        let distance: f64 =
            brute_nearest(&dw, &all).iter().zip(&weights).map(|(m, w)| if *w == 0.0 { 0.0 } else { m * w }).sum();
        assert!(close(distance, got), "round {round}: {distance} vs {got}");

        let every: Vec<usize> = (0..candidates.len()).collect();
        let reachable = instance.covered_weight(&every) / instance.total_weight();
        let target = (0.8 * reachable * 1000.0).floor() / 1000.0;
        if target > 0.0 {
            let (status, lscp) =
                app.post("/api/v1/planning/sites", &ask(json!({ "model": "lscp", "target_coverage": target }))).await;
            assert_eq!(status, 200, "{lscp}");
            let best = exact_lscp(&instance, target).unwrap().objective;
            let got = lscp["objective"].as_f64().unwrap();
            assert!(got >= best && lscp["lower_bound"].as_f64().unwrap() <= best, "round {round}");
            assert!(brute_covered(&sites(&lscp)) >= target * instance.total_weight() * (1.0 - 1e-9));
        }
    }
    assert!(at_optimum * 10 >= runs * 9, "MCLP optimal in only {at_optimum} of {runs}");
}

#[tokio::test]
async fn new_sites_on_the_sample_come_from_h3_cells_inside_the_district_and_raise_coverage() {
    let app = TestApp::with_sample().await;
    let body = json!({ "model": "mclp", "p": 5, "radius_m": 1000, "candidates": { "h3_res": 8 } });
    let (status, plan) = app.post("/api/v1/planning/sites", &body).await;
    assert_eq!(status, 200, "{plan}");
    let catalog = app.state.service.catalog();
    let chosen = plan["chosen"].as_array().unwrap();
    assert_eq!(chosen.len(), 5);
    for c in chosen {
        let cell: h3o::CellIndex = c["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(u8::from(cell.resolution()), 8);
        let at = p(c["lon"].as_f64().unwrap(), c["lat"].as_f64().unwrap());
        assert!(catalog.town_at(at).is_some(), "{c}");
        assert_eq!(c["town"].as_str(), catalog.town_at(at).map(|t| t.code.as_str()));
    }
    // In building order, each site adds no more than the one before (greedy savings).
    let added: Vec<f64> = chosen.iter().map(|c| c["added_weight"].as_f64().unwrap()).collect();
    assert!(added.windows(2).all(|w| w[0] >= w[1] - 1e-9), "{added:?}");
    assert!(added[0] > 0.0);
    let (covered, before) =
        (plan["covered_weight"].as_f64().unwrap(), plan["existing_covered_weight"].as_f64().unwrap());
    assert!(close(covered, before + added.iter().sum::<f64>()));
    // The same existing coverage as the coverage question reports.
    let (_, cov) = app.post("/api/v1/planning/coverage", &json!({ "radius_m": 1000 })).await;
    assert!(close(cov["covered_weight"].as_f64().unwrap(), before));
    let towns = plan["by_town"].as_array().unwrap();
    let after: f64 = towns.iter().map(|t| t["covered_after"].as_f64().unwrap()).sum();
    assert!(close(after, covered));
    assert!(towns.iter().all(|t| t["covered_after"].as_f64() >= t["covered_before"].as_f64()));
    assert!(plan["gap"].as_f64().unwrap() >= 0.0 && plan["seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(plan["inputs"]["candidates"], "h3:8");
    assert_eq!(plan["inputs"]["existing"], "stations");

    // Asked in GCJ-02, the chosen positions come back in GCJ-02.
    let mut gcj = body.clone();
    gcj["crs"] = json!("gcj02");
    let (_, plan2) = app.post("/api/v1/planning/sites", &gcj).await;
    let (a, b) = (&plan["chosen"][0], &plan2["chosen"][0]);
    assert_eq!(a["id"], b["id"]);
    let (x, y) = Crs::Gcj02.from_wgs84(a["lon"].as_f64().unwrap(), a["lat"].as_f64().unwrap());
    assert!((x - b["lon"].as_f64().unwrap()).abs() < 2e-7 && (y - b["lat"].as_f64().unwrap()).abs() < 2e-7);
}

#[tokio::test]
async fn bad_planning_questions_are_refused_with_their_codes() {
    let app = TestApp::with_sample().await;
    let one = json!([{ "id": "a", "lon": 121.55, "lat": 29.87 }]);
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("coverage", json!({ "radius_m": 0 }), 422, "invalid_radius"),
        ("coverage", json!({ "radius_m": -5 }), 422, "invalid_radius"),
        ("coverage", json!({ "radius_m": 1e9 }), 422, "invalid_radius"),
        ("coverage", json!({}), 422, "invalid_body"),
        ("coverage", json!({ "radius_m": 100, "demand": [] }), 422, "empty_demand"),
        ("coverage", json!({ "radius_m": 100, "demand": "everyone" }), 422, "invalid_body"),
        ("coverage", json!({ "radius_m": 100, "demand": [{ "lon": 200, "lat": 29 }] }), 422, "invalid_body"),
        (
            "coverage",
            json!({ "radius_m": 100, "demand": [{ "lon": 121.5, "lat": 29.8, "weight": -1 }] }),
            422,
            "invalid_body",
        ),
        ("coverage", json!({ "radius_m": 100, "crs": "mercator" }), 400, "invalid_crs"),
        ("coverage", json!({ "radius_m": 100, "cells_res": 16 }), 400, "invalid_resolution"),
        ("coverage", json!({ "radius_m": 100, "colour": "red" }), 422, "invalid_body"),
        ("sites", json!({ "model": "best", "p": 1, "radius_m": 100 }), 422, "invalid_body"),
        ("sites", json!({ "model": "mclp", "radius_m": 100 }), 422, "invalid_p"),
        ("sites", json!({ "model": "mclp", "p": 0, "radius_m": 100 }), 422, "invalid_p"),
        ("sites", json!({ "model": "mclp", "p": 2, "radius_m": 100, "candidates": one }), 422, "invalid_p"),
        ("sites", json!({ "model": "pmedian", "p": 1, "radius_m": 100, "candidates": [] }), 422, "no_candidates"),
        ("sites", json!({ "model": "mclp", "p": 1, "radius_m": 100, "demand": [] }), 422, "empty_demand"),
        ("sites", json!({ "model": "mclp", "p": 1, "radius_m": f64::MAX }), 422, "invalid_radius"),
        ("sites", json!({ "model": "lscp", "radius_m": 100 }), 422, "invalid_target"),
        ("sites", json!({ "model": "lscp", "radius_m": 100, "target_coverage": 1.5 }), 422, "invalid_target"),
        (
            "sites",
            json!({ "model": "lscp", "radius_m": 10, "target_coverage": 1.0, "candidates": one }),
            422,
            "unreachable_target",
        ),
        (
            "sites",
            json!({ "model": "mclp", "p": 1, "radius_m": 100, "candidates": { "h3_res": 3 } }),
            400,
            "invalid_resolution",
        ),
        ("sites", json!({ "model": "mclp", "p": 1, "radius_m": 100, "candidates": { "res": 9 } }), 422, "invalid_body"),
        ("sites", json!({ "model": "mclp", "p": 1, "radius_m": 100, "existing": "all" }), 422, "invalid_body"),
        ("sites", json!({ "model": "mclp", "p": 1, "radius_m": 100, "demand": "opinions" }), 422, "empty_demand"),
    ];
    for (path, body, status, code) in cases {
        let (got, answer) = app.post(&format!("/api/v1/planning/{path}"), &body).await;
        assert_eq!(error_code(got, &answer, status), code, "{path} {body}: {answer}");
    }
    // Too many given demand points, and not JSON at all.
    let many: Vec<Value> = (0..200_001).map(|i| json!({ "lon": 121.5, "lat": 29.8, "id": i })).collect();
    let (got, answer) = app.post("/api/v1/planning/coverage", &json!({ "radius_m": 100, "demand": many })).await;
    assert_eq!(error_code(got, &answer, 422), "too_large");
    let res = app.client.post(format!("{}/api/v1/planning/sites", app.base)).body("model=mclp").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test]
async fn opinions_count_as_demand_in_their_h3_cells() {
    let app = TestApp::with_sample().await;
    let places = [(121.5435, 29.8655), (121.5436, 29.8656), (121.40, 29.80)];
    for (lon, lat) in places {
        let (status, body) = app.post("/api/v1/issues", &crate::opinions::opinion("parking", lon, lat)).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = app.post("/api/v1/planning/coverage", &json!({ "radius_m": 1, "demand": "opinions" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total_weight"].as_f64(), Some(3.0));
    // The first two share a resolution-9 cell.
    assert_eq!(body["demand_points"].as_u64(), Some(2));
}

#[tokio::test]
async fn importing_demand_replaces_the_population_all_or_nothing() {
    let app = TestApp::with_sample().await;
    let service = &app.state.service;
    let csv = "id,lon,lat,weight\nA,121.55,29.87,100\nB,121.40,29.80,50\n";
    assert_eq!(service.import_demand(csv.as_bytes(), Crs::Wgs84, &|_| {}).await.unwrap(), 2);
    let (_, body) = app.post("/api/v1/planning/coverage", &json!({ "radius_m": 100000 })).await;
    assert_eq!(body["total_weight"].as_f64(), Some(150.0));
    assert_eq!(body["demand_points"].as_u64(), Some(2));

    let geojson = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":"c1","population":7},"geometry":{"type":"Point","coordinates":[121.5,29.8]}}]}"#;
    assert_eq!(service.import_demand(geojson.as_bytes(), Crs::Gcj02, &|_| {}).await.unwrap(), 1);
    let stored = service.catalog().demand().to_vec();
    assert_eq!(stored.len(), 1);
    let (lon, lat) = Crs::Gcj02.to_wgs84(121.5, 29.8);
    assert!((stored[0].position.lon() - lon).abs() < 1e-9 && (stored[0].position.lat() - lat).abs() < 1e-9);

    for bad in [
        "id,lon,lat,weight\nA,121.55,29.87,-1\n",
        "id,lon,lat,weight\nA,121.55,29.87,1\nA,121.56,29.87,1\n",
        "id,lon,lat\nA,121.55,29.87\n",
        "id,lon,lat,weight\n",
        "id,lon,lat,weight\nA,500,29.87,1\n",
    ] {
        let err = service.import_demand(bad.as_bytes(), Crs::Wgs84, &|_| {}).await.unwrap_err();
        assert!(matches!(err, liaison::service::ServiceError::Invalid { code: "invalid_file", .. }), "{bad}: {err}");
        assert_eq!(service.catalog().demand().len(), 1, "nothing written for {bad:?}");
    }
    // It survives a restart: it is in the database.
    let app = app.restart().await;
    assert_eq!(app.state.service.catalog().demand()[0].id, "c1");
}

#[tokio::test]
async fn scenarios_are_saved_compared_exported_and_deleted_by_planners_only() {
    let app = TestApp::with_sample().await;
    let url = |path: &str| format!("{}/api/v1/planning/{path}", app.base);
    let leader = app.token("leader", None).await;
    let integrator = app.token("integrator", None).await;
    let save = |token: String, body: Value| {
        let req = app.client.post(url("scenarios")).bearer_auth(token).json(&body);
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let two = json!({ "name": "two more", "plan": { "model": "mclp", "p": 2, "radius_m": 1000, "candidates": { "h3_res": 8 } } });
    let five = json!({ "name": "five more", "plan": { "model": "mclp", "p": 5, "radius_m": 1000, "candidates": { "h3_res": 8 } } });

    // Nobody without credentials, not integrators.
    let res = app.client.post(url("scenarios")).json(&two).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let (status, body) = save(integrator.clone(), two.clone()).await;
    assert_eq!(status, 403, "{body}");

    let (status, saved) = save(leader.clone(), two.clone()).await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["plan"]["chosen"].as_array().unwrap().len(), 2);
    assert_eq!(saved["created_by"], "leader-test");
    // The saved plan is what /sites answers for the same question.
    let (_, direct) = app.post("/api/v1/planning/sites", &two["plan"]).await;
    assert_eq!(saved["plan"]["chosen"], direct["chosen"]);
    let (status, body) = save(leader.clone(), two.clone()).await;
    assert_eq!(error_code(status, &body, 409), "scenario_exists");
    let (status, body) = save(leader.clone(), json!({ "name": "a/b", "plan": two["plan"] })).await;
    assert_eq!(error_code(status, &body, 422), "invalid_name");
    assert_eq!(save(leader.clone(), five).await.0, 201);

    let get = |path: String, token: String| {
        let req = app.client.get(url(&path)).bearer_auth(token);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let kind = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
            (status, kind, res.text().await.unwrap())
        }
    };
    let (status, _, list) = get("scenarios".into(), leader.clone()).await;
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&list).unwrap();
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"two more") && names.contains(&"five more"));

    // Side by side: each town's gain is its covered weight under the plan minus before; the gains
    // add up to what each plan's sites add.
    let (status, _, cmp) = get("compare?a=two%20more&b=five%20more".into(), leader.clone()).await;
    assert_eq!(status, 200, "{cmp}");
    let cmp: Value = serde_json::from_str(&cmp).unwrap();
    let gains = |key: &str| cmp["towns"].as_array().unwrap().iter().map(|t| t[key].as_f64().unwrap()).sum::<f64>();
    let added =
        |key: &str| cmp[key].as_array().unwrap().iter().map(|c| c["added_weight"].as_f64().unwrap()).sum::<f64>();
    assert!(close(gains("gain_a"), added("sites_a")) && close(gains("gain_b"), added("sites_b")));
    assert!(gains("gain_b") >= gains("gain_a"), "five sites gain at least what two do");
    assert_eq!(cmp["same_demand"], true);
    assert!(cmp["towns"].as_array().unwrap().iter().any(|t| t["gain_b"].as_f64().unwrap() > 0.0));

    // Exports: GeoJSON points and CSV rows in building order, in the asked crs.
    let (status, kind, text) = get("scenarios/two%20more?format=geojson".into(), leader.clone()).await;
    assert_eq!((status, kind.as_str()), (200, "application/geo+json"));
    let geo: Value = serde_json::from_str(&text).unwrap();
    let first = &saved["plan"]["chosen"][0];
    assert_eq!(geo["features"][0]["properties"]["id"], first["id"]);
    assert_eq!(geo["features"][0]["properties"]["order"], 1);
    assert_eq!(geo["features"][0]["geometry"]["coordinates"][0].as_f64(), first["lon"].as_f64());
    let (status, kind, text) = get("scenarios/two%20more?format=csv&crs=gcj02".into(), leader.clone()).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "order,id,lon,lat,added_weight,town");
    assert_eq!(lines.len(), 3);
    let cells: Vec<&str> = lines[1].split(',').collect();
    let (x, _) = Crs::Gcj02.from_wgs84(first["lon"].as_f64().unwrap(), first["lat"].as_f64().unwrap());
    assert!((cells[2].parse::<f64>().unwrap() - x).abs() < 2e-7);
    assert_eq!(get("scenarios/two%20more?format=xml".into(), leader.clone()).await.0, 400);
    assert_eq!(get("scenarios/none".into(), leader.clone()).await.0, 404);
    assert_eq!(get("compare?a=two%20more".into(), leader.clone()).await.0, 400);
    assert_eq!(get("scenarios".into(), integrator).await.0, 403);

    let res = app.client.delete(url("scenarios/two%20more")).bearer_auth(&leader).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let res = app.client.delete(url("scenarios/two%20more")).bearer_auth(&leader).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    // Saved scenarios are in the database: a restart keeps the other.
    let app = app.restart().await;
    let who =
        liaison::domain::Principal { name: "x".into(), role: "admin".parse().unwrap(), station: None, member: None };
    let left = app.state.service.scenarios(&who).await.unwrap();
    assert_eq!(left.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["five more"]);
}

#[tokio::test]
async fn liaison_plan_reads_the_peers_utm_csv_and_answers_as_the_api_does() {
    use std::process::Command;
    let app = TestApp::with_sample().await;
    let dir = tempfile::tempdir().unwrap();
    let zone: liaison::spatial::Utm = "51N".parse().unwrap();
    let mut rng = Rng::new(77);
    let (demand, weights, candidates, _, radius) = small_instance(&mut rng);
    let mut d = String::from("id,x,y,weight\n");
    for (i, (q, w)) in demand.iter().zip(&weights).enumerate() {
        let (x, y) = zone.from_lonlat(*q);
        d += &format!("{},{x:.3},{y:.3},{w}\n", i + 1);
    }
    let mut c = String::from("id,x,y\n");
    for (j, q) in candidates.iter().enumerate() {
        let (x, y) = zone.from_lonlat(*q);
        c += &format!("s{j},{x:.3},{y:.3}\n");
    }
    std::fs::write(dir.path().join("demand.csv"), d).unwrap();
    std::fs::write(dir.path().join("candidates.csv"), c).unwrap();
    let out = dir.path().join("answer.json");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_liaison"))
            .current_dir(dir.path())
            .args(["--db", "unused.db", "plan"])
            .args(args)
            .output()
            .unwrap()
    };
    let radius_text = radius.to_string();
    let done = run(&[
        "mclp",
        "-p",
        "2",
        "--radius-m",
        &radius_text,
        "--demand",
        "demand.csv",
        "--candidates",
        "candidates.csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let cli: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let body = json!({
        "model": "mclp", "p": 2, "radius_m": radius, "existing": "none",
        "demand": points_json(&demand, Some(&weights), Crs::Wgs84),
        "candidates": points_json(&candidates, None, Crs::Wgs84),
    });
    let (_, api) = app.post("/api/v1/planning/sites", &body).await;
    // The same sites (the CLI's ids are the file's), within a millimetre of UTM rounding.
    let ids = |a: &Value| {
        a["chosen"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&cli), ids(&api));
    assert_eq!(cli["covered_weight"], api["covered_weight"]);

    // Bad input: a clear message, a failing status, no panic.
    for (args, says) in [
        (
            vec!["mclp", "-p", "2", "--radius-m", "0", "--demand", "demand.csv", "--candidates", "candidates.csv"],
            "radius",
        ),
        (vec!["mclp", "--radius-m", "100", "--demand", "demand.csv", "--candidates", "candidates.csv"], "need p"),
        (
            vec!["mclp", "-p", "1", "--radius-m", "100", "--demand", "missing.csv", "--candidates", "candidates.csv"],
            "cannot read",
        ),
        (
            vec![
                "mclp",
                "-p",
                "1",
                "--radius-m",
                "100",
                "--demand",
                "candidates.csv",
                "--candidates",
                "candidates.csv",
            ],
            "weight column",
        ),
        (
            vec![
                "mclp",
                "-p",
                "1",
                "--radius-m",
                "100",
                "--utm",
                "99Q",
                "--demand",
                "demand.csv",
                "--candidates",
                "candidates.csv",
            ],
            "UTM zone",
        ),
    ] {
        let done = run(&args);
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert!(!done.status.success() && stderr.contains(says) && !stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// The planner's page in a browser: what it shows at each radius, the sites it proposes and the
/// comparison of two saved plans equal what the API answers for the same questions.
#[tokio::test]
async fn planners_see_coverage_propose_save_and_compare_on_the_plan_page() {
    use crate::browser::{assert_only_this_server, assert_screenshot, playwright};
    let app = TestApp::with_sample().await;
    app.user("li.planner", "leader", None, None).await;
    let shown = playwright(
        "plan",
        &app.base,
        &[
            ("USERNAME", "li.planner"),
            ("PASSWORD", "a long enough secret"),
            ("RADIUS", "1500"),
            ("P", "3"),
            ("TARGET", "80"),
        ],
    )
    .await;

    // Coverage at the first radius and at the slider's new one, number by number.
    let (first, moved) = (&shown["first"], &shown["moved"]);
    assert_eq!((first["radius"].as_f64(), moved["radius"].as_f64()), (Some(1_000.0), Some(1_500.0)), "{shown}");
    assert!(moved["url"].as_str().unwrap().contains("radius=1500"), "the radius is in the address: {moved}");
    for c in [first, moved] {
        let body = json!({ "radius_m": c["radius"], "demand": "population", "cells_res": 8 });
        let (status, api) = app.post("/api/v1/planning/coverage", &body).await;
        assert_eq!(status, 200, "{api}");
        let f = &c["fields"];
        for field in ["coverage", "covered_weight", "total_weight", "stations"] {
            assert_eq!(f[field].as_f64(), api[field].as_f64(), "{field} at {}: {c}", c["radius"]);
        }
        for field in ["mean_m", "p90_m", "max_m"] {
            assert_eq!(f[field].as_f64(), api["distance"][field].as_f64(), "{field} at {}", c["radius"]);
        }
        let cells = api["uncovered"].as_array().unwrap().len() as f64;
        assert_eq!((f["uncovered_cells"].as_f64(), c["cellsOnMap"].as_f64()), (Some(cells), Some(cells)));
        // The towns, least covered first.
        let mut towns: Vec<(String, f64)> = api["by_town"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["code"].as_str().unwrap_or("").to_owned(), t["coverage"].as_f64().unwrap()))
            .collect();
        towns.sort_by(|a, b| a.1.total_cmp(&b.1));
        let page: Vec<(String, f64)> = c["towns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["code"].as_str().unwrap().to_owned(), t["coverage"].as_f64().unwrap()))
            .collect();
        assert_eq!(page.iter().map(|t| t.1).collect::<Vec<_>>(), towns.iter().map(|t| t.1).collect::<Vec<_>>());
        assert_eq!(page.len(), towns.len());
    }
    assert!(
        moved["fields"]["covered_weight"].as_f64() > first["fields"]["covered_weight"].as_f64(),
        "a wider radius covers more"
    );

    // The proposed sites are the API's, in its building order, with the same added demand.
    let aims = [
        ("planned", json!({ "model": "mclp", "p": 3 })),
        ("second", json!({ "model": "mclp", "p": 5 })),
        ("lscp", json!({ "model": "lscp", "target_coverage": 0.8 })),
        ("pmedian", json!({ "model": "pmedian", "p": 2 })),
    ];
    for (key, aim) in aims {
        let mut body =
            json!({ "radius_m": 1500, "demand": "population", "candidates": { "h3_res": 8 }, "existing": "stations" });
        body.as_object_mut().unwrap().extend(aim.as_object().unwrap().clone());
        let (status, api) = app.post("/api/v1/planning/sites", &body).await;
        assert_eq!(status, 200, "{api}");
        let want: Vec<(&str, f64)> = api["chosen"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap(), c["added_weight"].as_f64().unwrap()))
            .collect();
        let got: Vec<(&str, f64)> = shown[key]["sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap(), c["added"].as_f64().unwrap()))
            .collect();
        assert_eq!(got, want, "{key}");
        assert!(!got.is_empty(), "{key} proposes sites");
        if let Some(p) = body["p"].as_u64() {
            assert_eq!(got.len() as u64, p, "{key}");
        }
    }

    // The comparison of the two saved plans is the API's.
    let leader = app.token("leader", None).await;
    let cmp: Value = app
        .client
        .get(format!("{}/api/v1/planning/compare?a=A%20plan&b=B%20plan", app.base))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let f = &shown["compared"]["fields"];
    for side in ["a", "b"] {
        let s = &cmp[side];
        assert_eq!(f[format!("{side}-coverage")].as_str().map(|v| v.parse::<f64>().unwrap()), s["coverage"].as_f64());
        assert_eq!(f[format!("{side}-sites")].as_str(), Some(s["sites"].to_string().as_str()));
        for (i, site) in cmp[format!("sites_{side}")].as_array().unwrap().iter().enumerate() {
            let shown_added = f[format!("{side}-site-{}", i + 1)].as_str().unwrap().parse::<f64>().unwrap();
            assert_eq!(Some(shown_added), site["added_weight"].as_f64(), "{side} site {}", i + 1);
        }
    }
    let gains: Vec<(String, f64, f64)> = cmp["towns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["gain_a"].as_f64().unwrap() > 0.0 || t["gain_b"].as_f64().unwrap() > 0.0)
        .map(|t| {
            (t["code"].as_str().unwrap_or("").to_owned(), t["gain_a"].as_f64().unwrap(), t["gain_b"].as_f64().unwrap())
        })
        .collect();
    let shown_gains: Vec<(String, f64, f64)> = shown["compared"]["gains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["code"].as_str().unwrap().to_owned(), t["a"].as_f64().unwrap(), t["b"].as_f64().unwrap()))
        .collect();
    assert!(!gains.is_empty(), "some town gains: {cmp}");
    assert_eq!(shown_gains, gains);

    let en = &shown["english"];
    assert_eq!((en["lang"].as_str(), en["title"].as_str()), (Some("en"), Some("Station planning")), "{en}");
    assert_eq!(
        (en["coverageLabel"].as_str(), en["radius"].as_f64(), en["scenarios"].as_u64()),
        (Some("Covered"), Some(1_500.0), Some(2))
    );
    assert_eq!(shown["fits"], true, "nothing wider than a phone");
    assert_only_this_server(&shown, &app.base);
    assert_screenshot(&shown, 20_000);
}

#[tokio::test]
async fn the_plan_page_needs_a_planners_login() {
    let app = TestApp::with_sample().await;
    let res = app.client.get(format!("{}/plan", app.base)).send().await.unwrap();
    assert_eq!(res.url().path(), "/login", "no login: to the login page");

    let member = app.state.service.catalog().members()[0].id.to_string();
    app.user("a.member", "member", None, Some(&member)).await;
    let client = app.logged_in_client("a.member").await;
    let res = client.get(format!("{}/plan", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403, "members do not plan");
    assert!(res.text().await.unwrap().contains("<h1>"), "a readable page");

    let station = app.state.service.catalog().stations()[0].id.to_string();
    app.user("wang.staff", "staff", Some(&station), None).await;
    let client = app.logged_in_client("wang.staff").await;
    let res = client.get(format!("{}/plan?lang=en", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    for hook in [
        "id=\"map\"",
        "id=\"radius\"",
        "id=\"sites-form\"",
        "id=\"scenario-rows\"",
        "plan.js",
        "id=\"map-config\"",
        "lang=\"en\"",
    ] {
        assert!(html.contains(hook), "{hook} missing");
    }
    let inbox = client.get(format!("{}/staff", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(inbox.contains("href=\"/plan\""), "the inbox links to the planner's page");
}
