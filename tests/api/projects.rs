//! Livelihood projects over HTTP: publishing as an administrator or leader (and the refusals of
//! other roles and bad fields), GeoJSON answers drawn at a point, a grid area or a town, progress
//! updates, listing filters against a brute-force filter over the sample, and CSV lists imported
//! all or nothing.

use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{error_code, expect_400s, TestApp};

impl TestApp {
    /// POST `body` as JSON with a bearer token (none: no Authorization header).
    pub(crate) async fn post_with(&self, token: Option<&str>, path: &str, body: &Value) -> (u16, Value) {
        let mut req = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {path}: not JSON ({e}): {text}")))
    }

    /// The features `/api/v1/projects?{query}` lists.
    async fn projects(&self, query: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/api/v1/projects?limit=1000&{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(body["type"], "FeatureCollection");
        body["features"].as_array().unwrap().clone()
    }

    async fn stored_projects(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM projects").fetch_one(self.pool()).await.unwrap()
    }

    /// A town of the sample (by position in code order), its first grid and a station with members
    /// in it, and one of those members.
    fn town_with_station(&self, nth: usize) -> (String, String, String, String) {
        let catalog = self.state.service.catalog();
        let station = catalog
            .stations()
            .iter()
            .filter(|s| s.town_code.is_some() && !catalog.members_of_station(&s.id).is_empty())
            .filter(|s| catalog.grids().iter().any(|g| g.town_code == s.town_code))
            .nth(nth * 7)
            .expect("a station with members in a town");
        let town = station.town_code.clone().unwrap();
        let grid = catalog.grids().iter().find(|g| g.town_code.as_ref() == Some(&town)).unwrap();
        let member = catalog.members_of_station(&station.id)[0].id.to_string();
        (town.to_string(), grid.id.to_string(), station.id.to_string(), member)
    }
}

/// A project at a point inside `grid`'s area.
fn project_at(catalog: &liaison::catalog::Catalog, grid: &str, members: &[&str]) -> Value {
    use geo::InteriorPoint;
    let g = catalog.grid(&grid.parse().unwrap()).unwrap();
    let p = g.geometry.interior_point().unwrap();
    json!({
        "title": "社区口袋公园建设", "department": "区住建局", "description": "利用闲置地块建设口袋公园",
        "budget_yuan": 1_500_000, "progress": 40, "year": 2026, "lon": p.x(), "lat": p.y(),
        "supervisors": members,
        "updates": [
            { "date": "2026-05-10", "text": "完成设计方案", "progress": 10 },
            { "date": "2026-09-01", "text": "主体施工过半", "progress": 40 },
        ],
    })
}

#[tokio::test]
async fn an_admin_publishes_a_project_drawn_at_its_point_with_town_supervisors_and_updates() {
    let app = TestApp::with_sample().await;
    let (town, grid, station, member) = app.town_with_station(0);
    let admin = app.token("admin", None).await;
    let sent = project_at(&app.state.service.catalog(), &grid, &[&member]);
    let before = app.stored_projects().await;

    let (status, published) = app.post_with(Some(&admin), "/api/v1/staff/projects", &sent).await;

    assert_eq!(status, 201, "{published}");
    assert_eq!(app.stored_projects().await, before + 1);
    assert_eq!(published["type"], "Feature");
    assert_eq!(published["geometry"]["type"], "Point");
    let at = published["geometry"]["coordinates"].as_array().unwrap();
    assert!((at[0].as_f64().unwrap() - sent["lon"].as_f64().unwrap()).abs() < 1e-6, "{published}");
    let p = &published["properties"];
    for field in ["title", "department", "description", "budget_yuan", "progress", "year"] {
        assert_eq!(p[field], sent[field], "{field}");
    }
    assert_eq!((p["status"].as_str(), p["status_label"].as_str()), (Some("under_way"), Some("推进中")));
    assert_eq!(p["drawn_as"], "point");
    assert_eq!(p["town"]["id"], town.as_str(), "the town is derived from the point");
    assert!(p["town"]["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(p["supervisors"][0]["id"], member.as_str());
    assert!(p["supervisors"][0]["name"].is_string(), "supervisors are named");
    assert_eq!(p["updates"].as_array().unwrap().len(), 2);
    assert_eq!(p["updates"][1], json!({ "date": "2026-09-01", "text": "主体施工过半", "progress": 40 }));

    let id = p["id"].as_i64().unwrap();
    let (status, one) = app.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!((status, &one), (200, &published));
    let in_town = app.projects(&format!("town={town}")).await;
    assert!(in_town.contains(&published), "listed in its town");
    assert!(in_town.iter().all(|f| f["properties"]["town"]["id"] == town.as_str()));
    assert!(app.projects(&format!("station={station}")).await.contains(&published), "on its station");
    let (_, gcj) = app.get(&format!("/api/v1/projects/{id}?crs=gcj02")).await;
    assert_ne!(gcj["geometry"], published["geometry"], "positions follow crs");
}

#[tokio::test]
async fn projects_by_town_or_grid_are_drawn_as_their_area() {
    let app = TestApp::with_sample().await;
    let (town, grid, _, _) = app.town_with_station(1);
    let leader = app.token("leader", None).await;
    let base = json!({ "title": "背街小巷整治", "department": "区综合行政执法局", "year": 2026 });
    let mut by_town = base.clone();
    by_town["town"] = json!(town);
    let mut by_grid = base.clone();
    by_grid["grid"] = json!(grid);

    let (s1, town_project) = app.post_with(Some(&leader), "/api/v1/staff/projects", &by_town).await;
    let (s2, grid_project) = app.post_with(Some(&leader), "/api/v1/staff/projects", &by_grid).await;

    assert_eq!((s1, s2), (201, 201), "{town_project} {grid_project}");
    assert_eq!(town_project["geometry"]["type"], "MultiPolygon");
    assert_eq!(town_project["properties"]["drawn_as"], "town");
    assert_eq!(town_project["properties"]["status"], "planned", "0% is planned unless said otherwise");
    let (_, area) = app.get("/api/v1/areas?level=town").await;
    let town_area =
        area["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == town.as_str()).unwrap();
    assert_eq!(town_project["geometry"], town_area["geometry"], "the town's own outline");
    assert_eq!(grid_project["properties"]["drawn_as"], "grid");
    assert_eq!(grid_project["properties"]["grid"]["id"], grid.as_str());
    assert_eq!(grid_project["properties"]["town"]["id"], town.as_str(), "the town is derived from the grid");
    let (_, g) = app.get(&format!("/api/v1/grids/{grid}")).await;
    assert_eq!(grid_project["geometry"], g["geometry"]);
}

#[tokio::test]
async fn only_administrators_and_leaders_publish_projects_and_updates() {
    let app = TestApp::with_sample().await;
    let (town, _, station, member) = app.town_with_station(0);
    let body = json!({ "title": "托育点建设", "department": "区卫生健康局", "town": town });
    let update = json!({ "date": "2026-11-01", "text": "x", "progress": 5 });
    for role in ["staff", "integrator"] {
        let token = app.token(role, (role == "staff").then_some(station.as_str())).await;
        let (status, answer) = app.post_with(Some(&token), "/api/v1/staff/projects", &body).await;
        assert_eq!(error_code(status, &answer, 403), "forbidden", "{role}");
        let (status, answer) = app.post_with(Some(&token), "/api/v1/staff/projects/1/updates", &update).await;
        assert_eq!(status, 403, "{role}: {answer}");
    }
    // Even a deputy supervising projects publishes none (members log in on the web).
    app.user("rep", "member", None, Some(&member)).await;
    let rep = app.logged_in_client("rep").await;
    for (path, sent) in [("/api/v1/staff/projects", &body), ("/api/v1/staff/projects/1/updates", &update)] {
        let res = rep.post(format!("{}{path}", app.base)).json(sent).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 403, "a member posting to {path}");
    }
    let (status, answer) = app.post_with(None, "/api/v1/staff/projects", &body).await;
    assert_eq!(error_code(status, &answer, 401), "unauthenticated");
    let before = app.stored_projects().await;
    let admin = app.token("admin", None).await;
    assert_eq!(app.post_with(Some(&admin), "/api/v1/staff/projects", &body).await.0, 201);
    assert_eq!(app.stored_projects().await, before + 1);
}

#[tokio::test]
async fn bad_projects_are_refused_in_the_error_shape_and_nothing_is_stored() {
    let app = TestApp::with_sample().await;
    let (town, grid, _, member) = app.town_with_station(0);
    let (other_town, other_grid, _, _) = app.town_with_station(1);
    let admin = app.token("admin", None).await;
    let good = project_at(&app.state.service.catalog(), &grid, &[&member]);
    let with = |field: &str, value: Value| {
        let mut v = good.clone();
        v[field] = value;
        v
    };
    let without = |fields: &[&str]| {
        let mut v = good.clone();
        for f in fields {
            v.as_object_mut().unwrap().remove(*f);
        }
        v
    };
    let cases = [
        (with("title", json!(" ")), "invalid_project"),
        (with("title", json!("一\n二")), "invalid_project"),
        (with("department", json!("")), "invalid_project"),
        (with("progress", json!(101)), "invalid_project"),
        (with("progress", json!(-1)), "invalid_body"),
        (with("status", json!("completed")), "invalid_project"),
        (with("status", json!("abandoned")), "invalid_project"),
        (with("budget_yuan", json!(2_000_000_000_000_u64)), "invalid_project"),
        (with("year", json!(1999)), "invalid_project"),
        (without(&["lon", "lat"]), "invalid_project"),
        (without(&["lat"]), "invalid_project"),
        (with("lon", json!(200.0)), "invalid_project"),
        (with("supervisors", json!([member, member])), "invalid_project"),
        (with("supervisors", json!(["HS-M-9999"])), "unknown_member"),
        (with("town", json!("330203999")), "unknown_town"),
        (with("town", json!("330203")), "unknown_town"),
        (with("grid", json!("NOPE")), "unknown_grid"),
        (with("town", json!(other_town)), "invalid_project"),
        (with("grid", json!(other_grid)), "invalid_project"),
        (with("updates", json!([{ "date": "2026-11-20", "text": "未来", "progress": 40 }])), "invalid_project"),
        (with("updates", json!([{ "date": "2026-09-01", "text": "x", "progress": 30 }])), "invalid_project"),
        (with("updates", json!([{ "date": "1.9.2026", "text": "x", "progress": 40 }])), "invalid_project"),
        (with("colour", json!("red")), "invalid_body"),
    ];
    let before = app.stored_projects().await;
    for (body, code) in &cases {
        let (status, answer) = app.post_with(Some(&admin), "/api/v1/staff/projects", body).await;
        assert_eq!(error_code(status, &answer, 422), *code, "{body}: {answer}");
    }
    assert_eq!(app.stored_projects().await, before);
    let mut in_town = without(&["lon", "lat"]);
    in_town["town"] = json!(town);
    assert_eq!(app.post_with(Some(&admin), "/api/v1/staff/projects", &in_town).await.0, 201, "the good one");
}

#[tokio::test]
async fn updates_move_progress_and_status_forward_only() {
    let app = TestApp::with_sample().await;
    let (_, grid, _, member) = app.town_with_station(0);
    let admin = app.token("admin", None).await;
    let (_, published) = app
        .post_with(Some(&admin), "/api/v1/staff/projects", &project_at(&app.state.service.catalog(), &grid, &[&member]))
        .await;
    let id = published["properties"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/staff/projects/{id}/updates");

    let (status, done) =
        app.post_with(Some(&admin), &path, &json!({ "date": "2026-11-10", "text": "竣工验收", "progress": 100 })).await;

    assert_eq!(status, 201, "{done}");
    let p = &done["properties"];
    assert_eq!((p["progress"].as_u64(), p["status"].as_str()), (Some(100), Some("completed")));
    assert_eq!(p["updates"].as_array().unwrap().len(), 3);
    assert_eq!(app.get(&format!("/api/v1/projects/{id}")).await.1, done, "stored as answered");
    for (body, code) in [
        (json!({ "date": "2026-11-11", "text": "返工", "progress": 90 }), "invalid_project"),
        (json!({ "date": "2026-11-01", "text": "补记", "progress": 100 }), "invalid_project"),
        (json!({ "date": "2026-11-13", "text": "明天", "progress": 100 }), "invalid_project"),
        (json!({ "date": "2026-11-11", "text": " ", "progress": 100 }), "invalid_project"),
        (json!({ "date": "2026-11-11", "progress": 100 }), "invalid_body"),
    ] {
        let (status, answer) = app.post_with(Some(&admin), &path, &body).await;
        assert_eq!(error_code(status, &answer, 422), code, "{body}");
    }
    let update = json!({ "date": "2026-11-11", "text": "x", "progress": 100 });
    let (status, answer) = app.post_with(Some(&admin), "/api/v1/staff/projects/999999/updates", &update).await;
    assert_eq!(error_code(status, &answer, 404), "not_found");
    let (status, answer) = app.post_with(Some(&admin), "/api/v1/staff/projects/abc/updates", &update).await;
    assert_eq!(error_code(status, &answer, 400), "invalid_path");
    let (status, answer) = app.get("/api/v1/projects/999999").await;
    assert_eq!(error_code(status, &answer, 404), "not_found");
    let (status, answer) = app.get("/api/v1/projects/0").await;
    assert_eq!(error_code(status, &answer, 400), "invalid_path");
}

/// Which listed projects a query should keep.
type Keep = Box<dyn Fn(&Value) -> bool>;

#[tokio::test]
async fn the_sample_has_projects_and_listing_filters_agree_with_a_brute_force_filter() {
    let app = TestApp::with_sample().await;
    let all = app.projects("").await;
    assert!(all.len() >= 10, "the sample publishes projects: {}", all.len());
    let drawn: std::collections::BTreeSet<&str> =
        all.iter().map(|f| f["properties"]["drawn_as"].as_str().unwrap()).collect();
    assert_eq!(drawn.into_iter().collect::<Vec<_>>(), ["grid", "point", "town"], "placed every way");
    assert!(all.iter().all(|f| !f["properties"]["supervisors"].as_array().unwrap().is_empty()));
    let years: Vec<i64> = all.iter().map(|f| f["properties"]["year"].as_i64().unwrap()).collect();
    assert!(years.windows(2).all(|w| w[0] >= w[1]), "newest year first: {years:?}");

    let catalog = app.state.service.catalog();
    let town = all[0]["properties"]["town"]["id"].as_str().unwrap().to_owned();
    // A station whose members supervise a project outside the station's own town, if any.
    let supervisor = all[0]["properties"]["supervisors"][0]["id"].as_str().unwrap();
    let station = catalog.member(&supervisor.parse().unwrap()).unwrap().station.clone().unwrap();
    let station_town = catalog.station(&station).unwrap().town_code.as_ref().map(|t| t.to_string());
    let members: Vec<String> = catalog.members_of_station(&station).iter().map(|m| m.id.to_string()).collect();
    let (t1, t2) = (town.clone(), town.clone());
    let queries: Vec<(String, Keep)> = vec![
        ("status=completed".into(), Box::new(|f: &Value| f["properties"]["status"] == "completed")),
        ("status=planned".into(), Box::new(|f: &Value| f["properties"]["status"] == "planned")),
        ("year=2025".into(), Box::new(|f: &Value| f["properties"]["year"] == 2025)),
        (format!("town={town}"), Box::new(move |f: &Value| f["properties"]["town"]["id"] == t1.as_str())),
        (
            format!("town={town}&year=2026&status=under_way"),
            Box::new(move |f: &Value| {
                let p = &f["properties"];
                p["town"]["id"] == t2.as_str() && p["year"] == 2026 && p["status"] == "under_way"
            }),
        ),
        (
            format!("station={station}"),
            Box::new(move |f: &Value| {
                let p = &f["properties"];
                station_town.as_deref().is_some_and(|t| p["town"]["id"] == t)
                    || p["supervisors"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|m| members.iter().any(|id| m["id"] == id.as_str()))
            }),
        ),
    ];
    for (query, keep) in &queries {
        let expected: Vec<Value> = all.iter().filter(|f| keep(f)).cloned().collect();
        assert!(!expected.is_empty() || query.starts_with("status=planned"), "{query} keeps something");
        assert_eq!(app.projects(query).await, expected, "{query}");
    }
    let (_, limited) = app.get("/api/v1/projects?limit=2").await;
    assert_eq!(limited["features"].as_array().unwrap()[..], all[..2]);

    expect_400s(
        &app,
        &[
            ("/api/v1/projects?town=330203999", "unknown_town"),
            ("/api/v1/projects?town=a%20b", "invalid_parameter"),
            ("/api/v1/projects?station=HS-NOPE", "unknown_station"),
            ("/api/v1/projects?status=abandoned", "invalid_parameter"),
            ("/api/v1/projects?year=1999", "out_of_range"),
            ("/api/v1/projects?limit=0", "out_of_range"),
            ("/api/v1/projects?crs=utm", "invalid_crs"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_project_list_imports_all_or_nothing_naming_its_bad_lines() {
    let app = TestApp::with_sample().await;
    let (town, grid, _, member) = app.town_with_station(0);
    let before = app.stored_projects().await;
    let header = "title,department,budget_yuan,progress,status,year,lon,lat,town,grid,supervisors,description";
    let bad = format!(
        "{header}\n道路改造,区交通运输局,x,0,,2026,,,{town},,,\n加装电梯,区住建局,100,50,,2026,,,{town},,{member},好\n托育点,区卫生健康局,,0,,2026,,,,,,\n健身步道,区体育局,,100,planned,2026,,,,{grid},,\n"
    );

    let message = app.state.service.import_projects(bad.as_bytes(), "test").await.unwrap_err().to_string();

    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 3, "{message}");
    assert!(lines[0].starts_with("line 2: budget_yuan"), "{message}");
    assert!(lines[1].starts_with("line 4: a project needs a place"), "{message}");
    assert!(lines[2].starts_with("line 5: a planned project"), "{message}");
    assert_eq!(app.stored_projects().await, before, "nothing of it was written");
    let wrong = app.state.service.import_projects("title,department\n".as_bytes(), "test").await.unwrap_err();
    assert!(wrong.to_string().contains("missing column budget_yuan"), "{wrong}");

    // The command line publishes a whole list, in any column order.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("projects.csv");
    std::fs::write(
        &file,
        format!("supervisors,title,department,budget_yuan,progress,status,year,lon,lat,town,grid\n{member},加装电梯,区住建局,3600000,50,,2026,,,{town},\n,健身步道,区体育局,,,,2025,,,,{grid}\n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_liaison"))
        .args(app.db_args())
        .args(["import", "projects"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 projects published"));
    let listed = app.projects(&format!("town={town}")).await;
    let lift = listed.iter().find(|f| f["properties"]["title"] == "加装电梯").expect("imported");
    assert_eq!(lift["properties"]["budget_yuan"], 3_600_000);
    assert_eq!(lift["properties"]["status"], "under_way");
    assert_eq!(lift["properties"]["supervisors"][0]["id"], member.as_str());
    let walk = listed.iter().find(|f| f["properties"]["title"] == "健身步道").expect("imported by grid");
    assert_eq!(
        (walk["properties"]["year"].as_i64(), walk["properties"]["drawn_as"].as_str()),
        (Some(2025), Some("grid"))
    );
}

#[tokio::test]
async fn the_map_draws_projects_patrols_and_warnings_on_demand_and_a_station_lists_its_notices() {
    use crate::browser::{assert_only_this_server, assert_screenshot, playwright};
    let app = TestApp::with_sample().await;
    let admin = app.token("admin", None).await;
    // Two river patrols (classes II and V), and a surge of noise opinions this week for a warning.
    let (town, grid, station, member) = app.town_with_station(0);
    let g = app.state.service.catalog().grid(&grid.parse().unwrap()).unwrap().clone();
    let c = geo::InteriorPoint::interior_point(&g.geometry).unwrap();
    for (i, class) in ["II", "V"].iter().enumerate() {
        let dy = i as f64 * 0.004;
        let patrol = json!({
            "kind": "river_patrol", "station": station, "date": format!("2026-11-0{}", i + 2),
            "members": [member], "title": "巡河",
            "patrol": { "river": "南塘河", "water_class": class, "observations": "水面清洁",
                "path": { "type": "LineString", "coordinates": [[c.x() - 0.01, c.y() + dy], [c.x(), c.y() + dy + 0.002], [c.x() + 0.01, c.y() + dy]] } },
        });
        let (status, body) = app.post_with(Some(&admin), "/api/v1/staff/activities", &patrol).await;
        assert_eq!(status, 201, "{body}");
    }
    for _ in 0..7 {
        let (status, body) = app.post("/api/v1/issues", &crate::opinions::opinion("noise", c.x(), c.y())).await;
        assert_eq!(status, 201, "{body}");
    }
    let (_, warnings) = app.get("/api/v1/warnings?level=town").await;
    let (_, grid_warnings) = app.get("/api/v1/warnings?level=grid").await;
    let warned = warnings["warnings"].as_array().unwrap().len() + grid_warnings["warnings"].as_array().unwrap().len();
    assert!(warnings["warnings"].as_array().unwrap().iter().any(|w| w["area"] == town.as_str()), "{warnings}");
    // The station of a sample project's supervisor: its panel lists projects and notices.
    let projects = app.projects("").await;
    let supervisor = projects[0]["properties"]["supervisors"][0]["id"].as_str().unwrap();
    let catalog = app.state.service.catalog();
    let panel_station = catalog.member(&supervisor.parse().unwrap()).unwrap().station.clone().unwrap().to_string();
    let (_, notices) = app.get(&format!("/api/v1/notices?station={panel_station}&active=true")).await;
    let station_projects = app.projects(&format!("station={panel_station}")).await;

    let shown = playwright("map-published", &app.base, &[("STATION", &panel_station)]).await;

    assert_eq!(shown["asked_before"], json!([]), "nothing published is asked for before a layer is switched on");
    let asked: Vec<&str> = shown["asked"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
    for part in ["/api/v1/projects", "/api/v1/activities?kind=river_patrol", "/api/v1/warnings?level=town"] {
        assert!(asked.iter().any(|u| u.contains(part)), "{part} asked when switched on: {asked:?}");
    }
    let layers = &shown["layers"];
    assert_eq!(layers["projects"]["features"], projects.len(), "{layers}");
    assert_eq!(layers["patrols"]["features"], 2, "{layers}");
    assert_eq!(layers["warnings"]["features"], warned, "{layers}");
    for name in ["projects", "patrols", "warnings"] {
        assert!(layers[name]["rendered"].as_u64().unwrap() > 0, "{name} drawn: {layers}");
    }
    let legend: Vec<&str> =
        layers["patrols"]["legend"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(legend, ["I类", "II类", "III类", "IV类", "V类", "未评定"], "the patrols' legend names every class");
    let popup = &shown["project_popup"];
    let id = popup["id"].as_i64().unwrap_or_else(|| panic!("no project popup: {shown}"));
    let project = projects.iter().find(|f| f["properties"]["id"] == id).unwrap();
    assert_eq!(popup["title"], project["properties"]["title"], "{popup}");
    assert!(popup["text"].as_str().unwrap().contains(project["properties"]["department"].as_str().unwrap()));
    assert!(shown["patrol_popup"]["title"].as_str().is_some_and(|t| t.contains("南塘河")), "{shown}");

    let panel = &shown["panel"];
    let listed: Vec<i64> = panel["notices"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect();
    let expected: Vec<i64> = notices["notices"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect();
    assert!(!expected.is_empty(), "the sample's district-wide notices are in force: {notices}");
    assert_eq!(listed, expected, "the panel lists the station's notices in force");
    let listed: Vec<i64> = panel["projects"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    let expected: Vec<i64> = station_projects.iter().map(|f| f["properties"]["id"].as_i64().unwrap()).collect();
    assert_eq!(listed, expected, "the panel lists the station's projects");
    assert_eq!(shown["opened"].as_i64(), expected.first().copied(), "a project of the panel opens on the map");

    assert_only_this_server(&shown, &app.base);
    for shot in shown["screenshots"].as_array().unwrap() {
        assert_screenshot(&json!({ "screenshot": shot }), 20_000);
    }
}
