//! Importing files: the real Haishu boundary, bad files rejected whole, upserts, export round
//! trips, the committed sample, the command line, and indexes swapped after another process writes.

use std::process::Command;
use std::time::Duration;

use geo::{BoundingRect, GeodesicArea};
use liaison::cli::sample_files;
use liaison::formats::{write, Kind};
use liaison::import::import_files;
use liaison::spatial::Crs;
use liaison::store::Store;

use crate::helpers::{fresh_store, open_store, shared_haishu, TestApp};

/// Metres between two longitudes at latitude `lat` (and between two latitudes).
fn metres(dlon: f64, dlat: f64, lat: f64) -> (f64, f64) {
    (dlon * 111_320.0 * lat.to_radians().cos(), dlat * 110_574.0)
}

#[tokio::test]
async fn the_real_haishu_boundary_imports_from_gcj02_with_its_true_area_and_shift() {
    let (_dir, store) = fresh_store().await;
    let bytes = std::fs::read(shared_haishu().join("330203.json"))
        .expect("../shared/data/haishu/330203.json beside the project");
    let report = import_files(store.as_ref(), &[(Kind::Areas, &bytes, Crs::Gcj02)], &|_| {}).await.unwrap();
    assert_eq!((report.inserted, report.updated), (1, 0));
    let data = store.load().await.unwrap();
    let area = &data.areas[0];
    assert_eq!((area.code.as_str(), area.name.as_str()), ("330203", "海曙区"));
    assert_eq!(area.parent, None, "DataV's acroutes are not a parent field");

    let km2 = area.geometry.geodesic_area_unsigned() / 1e6;
    assert!((585.0..605.0).contains(&km2), "area {km2} km², official about 595");

    // GCJ-02 bbox from ../shared/data/haishu/SOURCES.md; WGS84 lies west and north of it here.
    let (gcj_min, gcj_max) = ((121.139375, 29.724158), (121.560954, 29.949704));
    let r = area.geometry.bounding_rect().unwrap();
    for (w, g) in [((r.min().x, r.min().y), gcj_min), ((r.max().x, r.max().y), gcj_max)] {
        let (dx, dy) = metres(g.0 - w.0, w.1 - g.1, g.1);
        assert!((300.0..500.0).contains(&dx), "east shift {dx} m");
        assert!((150.0..400.0).contains(&dy), "south shift {dy} m");
        assert!((300.0..700.0).contains(&dx.hypot(dy)));
    }
}

#[tokio::test]
async fn the_ningbo_city_file_imports_ten_districts_with_their_parent() {
    let (_dir, store) = fresh_store().await;
    let bytes = std::fs::read(shared_haishu().join("330200_full.json")).unwrap();
    import_files(store.as_ref(), &[(Kind::Areas, &bytes, Crs::Gcj02)], &|_| {}).await.unwrap();
    let data = store.load().await.unwrap();
    assert_eq!(data.areas.len(), 10);
    assert!(data.areas.iter().all(|a| a.parent.as_ref().map(|p| p.as_str()) == Some("330200")));
    let xiangshan = data.areas.iter().find(|a| a.code.as_str() == "330225").unwrap();
    assert_eq!(xiangshan.geometry.0.len(), 52, "象山县 keeps its islands");
}

const STATIONS_CSV: &str = "id,name,kind,level,lon,lat,parent,reception\n\
S1,甲站,deputy_liaison_station,district,121.50,29.80,,\"monthly 2,4 thu 14:00-17:00\"\n\
S2,乙站,member_workstation,district,121.51,29.81,,weekly tue 09:00-11:30\n\
P1,丙点,liaison_point,township,121.52,29.82,S1,\n";

#[tokio::test]
async fn a_bad_row_rejects_the_whole_file_naming_row_and_field() {
    let (_dir, store) = fresh_store().await;
    let bad = STATIONS_CSV.replace("member_workstation", "workstation");
    let err = import_files(store.as_ref(), &[(Kind::Stations, bad.as_bytes(), Crs::Wgs84)], &|_| {}).await.unwrap_err();
    assert!(err.to_string().starts_with("line 3, field \"kind\": unknown station kind \"workstation\""), "{err}");
    assert_eq!(store.station_count().await.unwrap(), 0, "nothing half-imported");

    let bad = STATIONS_CSV.replace(",S1,", ",S9,");
    let err = import_files(store.as_ref(), &[(Kind::Stations, bad.as_bytes(), Crs::Wgs84)], &|_| {}).await.unwrap_err();
    assert!(err.to_string().starts_with("line 4, field \"parent\": unknown station \"S9\""), "{err}");

    let dup = format!("{STATIONS_CSV}S1,again,deputy_liaison_station,district,121.5,29.8,,\n");
    let err = import_files(store.as_ref(), &[(Kind::Stations, dup.as_bytes(), Crs::Wgs84)], &|_| {}).await.unwrap_err();
    assert!(err.to_string().contains("\"S1\" appears twice"), "{err}");
    assert_eq!(store.station_count().await.unwrap(), 0);

    import_files(store.as_ref(), &[(Kind::Stations, STATIONS_CSV.as_bytes(), Crs::Wgs84)], &|_| {}).await.unwrap();
    let grid = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":"G1","name":"一","members":[]},"geometry":{"type":"Polygon","coordinates":[[[121.5,29.8],[121.6,29.8],[121.6,29.9],[121.5,29.8]]]}},
        {"type":"Feature","properties":{"id":"G2","name":"二","members":["M404"]},"geometry":{"type":"Polygon","coordinates":[[[121.5,29.8],[121.6,29.8],[121.6,29.9],[121.5,29.8]]]}}]}"#;
    let err = import_files(store.as_ref(), &[(Kind::Grids, grid.as_bytes(), Crs::Wgs84)], &|_| {}).await.unwrap_err();
    assert!(err.to_string().starts_with("feature 2, field \"members\": unknown member \"M404\""), "{err}");
    let degenerate = grid.replacen("[121.6,29.8],[121.6,29.9],", "[121.6,29.8],", 1);
    let err =
        import_files(store.as_ref(), &[(Kind::Grids, degenerate.as_bytes(), Crs::Wgs84)], &|_| {}).await.unwrap_err();
    assert!(err.to_string().starts_with("feature 1, field \"geometry\""), "{err}");
    assert!(store.load().await.unwrap().grids.is_empty());
}

#[tokio::test]
async fn reimporting_upserts_by_id() {
    let (_dir, store) = fresh_store().await;
    let first =
        import_files(store.as_ref(), &[(Kind::Stations, STATIONS_CSV.as_bytes(), Crs::Wgs84)], &|_| {}).await.unwrap();
    assert_eq!((first.inserted, first.updated), (3, 0));
    let changed = STATIONS_CSV.replace("乙站", "乙站（新址）").replace("121.51,29.81", "121.515,29.815");
    let again =
        import_files(store.as_ref(), &[(Kind::Stations, changed.as_bytes(), Crs::Wgs84)], &|_| {}).await.unwrap();
    assert_eq!((again.inserted, again.updated), (0, 3));
    let data = store.load().await.unwrap();
    assert_eq!(data.stations.len(), 3);
    let s2 = data.stations.iter().find(|s| s.id.as_str() == "S2").unwrap();
    assert_eq!((s2.name.as_str(), s2.location.lon()), ("乙站（新址）", 121.515));
}

async fn export_all(store: &std::sync::Arc<dyn Store>, crs: Crs) -> [String; 4] {
    let d = store.load().await.unwrap();
    [
        write::areas_geojson(&d.areas, crs),
        write::stations_geojson(&d.stations, crs),
        write::members_csv(&d.members),
        write::grids_geojson(&d.grids, crs),
    ]
}

#[tokio::test]
async fn an_export_reimports_unchanged_in_every_crs() {
    let app = TestApp::with_sample().await;
    for crs in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
        let exported = export_all(&app.store, crs).await;
        let (_dir, copy) = fresh_store().await;
        let kinds = [Kind::Areas, Kind::Stations, Kind::Members, Kind::Grids];
        let files: Vec<(Kind, &[u8], Crs)> =
            kinds.iter().zip(&exported).map(|(k, t)| (*k, t.as_bytes(), crs)).collect();
        import_files(copy.as_ref(), &files, &|_| {}).await.unwrap();
        let wgs_original = export_all(&app.store, Crs::Wgs84).await;
        let wgs_copy = export_all(&copy, Crs::Wgs84).await;
        if crs == Crs::Wgs84 {
            assert_eq!(wgs_copy, wgs_original);
        } else {
            // Through another CRS positions move by at most the inverse's error (and rounding).
            let a = app.store.load().await.unwrap();
            let b = copy.load().await.unwrap();
            assert_eq!(a.stations.len(), b.stations.len());
            for (x, y) in a.stations.iter().zip(&b.stations) {
                assert_eq!(x.id, y.id);
                assert!(liaison::spatial::geodesic_distance_m(x.location, y.location) < 0.5, "{crs} {}", x.id);
            }
            assert_eq!(wgs_copy[2], wgs_original[2], "members carry no positions");
        }
    }
}

#[tokio::test]
async fn the_committed_sample_is_what_the_generator_writes_and_imports_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let (_tmp, store) = fresh_store().await;
    let mut files = Vec::new();
    for (name, text) in sample_files() {
        let committed = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(committed == text, "data/{name} differs from `liaison sample-data`: regenerate it");
        files.push(text);
    }
    let kinds = [Kind::Areas, Kind::Stations, Kind::Members, Kind::Grids];
    let inputs: Vec<(Kind, &[u8], Crs)> =
        kinds.iter().zip(&files).map(|(k, t)| (*k, t.as_bytes(), Crs::Wgs84)).collect();
    import_files(store.as_ref(), &inputs, &|_| {}).await.unwrap();
    assert_eq!(export_all(&store, Crs::Wgs84).await.to_vec(), files[..4]);
    // population.csv reads back as the generator's residents (positions to 7 decimals).
    let batch = liaison::import::parse_demand_file(files[4].as_bytes(), Crs::Wgs84).unwrap();
    let liaison::store::Batch::Demand(read) = batch else { panic!("not demand") };
    let generated = liaison::sample::generate().population;
    assert_eq!(read.len(), generated.len());
    for (r, g) in read.iter().zip(&generated) {
        assert_eq!((&r.id, r.weight), (&g.id, g.weight));
        assert!(
            (r.position.lon() - g.position.lon()).abs() <= 5e-8 && (r.position.lat() - g.position.lat()).abs() <= 5e-8
        );
    }
}

#[tokio::test]
async fn data_survives_a_restart() {
    let (db, store) = fresh_store().await;
    let before = {
        let service = liaison::service::Service::open(store.clone()).await.unwrap();
        assert!(service.load_sample_if_empty(0).await.unwrap());
        let data = store.load().await.unwrap();
        store.close().await;
        data
    };
    let store = open_store(&db.path, db.pg.as_deref()).await;
    let service = liaison::service::Service::open(store.clone()).await.unwrap();
    assert!(!service.load_sample_if_empty(0).await.unwrap(), "the sample is loaded once");
    assert_eq!(store.load().await.unwrap(), before);
}

#[tokio::test]
async fn a_running_server_swaps_in_data_imported_by_another_process() {
    let app = TestApp::with_sample().await;
    tokio::spawn(liaison::cli::reload_on_change(app.state.service.clone(), Duration::from_millis(50)));
    let other = open_store(&app.db_path, app.pg.as_deref()).await;
    let csv = "id,name,kind,level,lon,lat\nNEW-1,新建站,deputy_liaison_station,district,121.3,29.8\n";
    import_files(other.as_ref(), &[(Kind::Stations, csv.as_bytes(), Crs::Wgs84)], &|_| {}).await.unwrap();
    let mut found = false;
    for _ in 0..100 {
        let (status, _) = app.get("/api/v1/stations/NEW-1").await;
        if status == 200 {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(found, "the new station was never served");
}

fn liaison_cmd(db: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_liaison"));
    cmd.arg("--db").arg(db).env_remove("LIAISON_DB").env_remove("LIAISON_DATABASE_URL");
    cmd
}

/// `liaison` on the test server's database.
fn liaison_on(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_liaison"));
    cmd.args(app.db_args()).env_remove("LIAISON_DB").env_remove("LIAISON_DATABASE_URL");
    cmd
}

#[test]
fn the_command_line_imports_exports_and_explains_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let out = liaison_cmd(&db)
        .args(["import", "areas"])
        .arg(shared_haishu().join("330203.json"))
        .args(["--crs", "gcj02"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 inserted, 0 updated"));

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, STATIONS_CSV.replace("121.52,29.82", "121.52,")).unwrap();
    let out = liaison_cmd(&db).args(["import", "stations"]).arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing was written") && stderr.contains("line 4, field \"lat\""), "{stderr}");

    let out = liaison_cmd(&db).args(["export", "areas", "--crs", "gcj02"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\"code\":\"330203\"") && text.contains("121.139375"),
        "GCJ-02 round trip keeps the source vertex"
    );

    let help = liaison_cmd(&db).args(["import", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for field in ["opening_hours", "reception", "term_start", "town_code", "adcode", "--crs"] {
        assert!(help.contains(field), "--help does not document {field}");
    }
}

#[test]
fn the_command_line_adds_users_and_prints_a_token_once() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("users.db");
    let csv = dir.path().join("s.csv");
    std::fs::write(&csv, STATIONS_CSV).unwrap();
    assert!(liaison_cmd(&db).args(["import", "stations"]).arg(&csv).output().unwrap().status.success());

    let add = |args: &[&str], password: &str| {
        let mut child = liaison_cmd(&db)
            .args(["user", "add", "--password-stdin"])
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = add(&["--username", "li.hua", "--role", "staff", "--station", "S1"], "a long enough secret\n");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let again = add(&["--username", "li.hua", "--role", "leader"], "another long secret\n");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let no_station = add(&["--username", "wang", "--role", "staff"], "a long enough secret\n");
    assert!(String::from_utf8_lossy(&no_station.stderr).contains("needs a station"));
    let short = add(&["--username", "zhao", "--role", "admin"], "short\n");
    assert!(String::from_utf8_lossy(&short.stderr).contains("10 to 200"));

    let out =
        liaison_cmd(&db).args(["token", "create", "--role", "integrator", "--name", "12345热线"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("lsn_") && token.len() == 68, "{token}");
    // Neither the database nor its write-ahead log holds the token itself, only its hash.
    let hash = liaison::auth::token_hash(&token);
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.extend(std::fs::read(db.with_extension("db-wal")).unwrap_or_default());
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains(&hash) && !contains(&token[4..]), "only the hash is stored");

    let run = |args: &[&str]| liaison_cmd(&db).args(args).output().unwrap();
    let revoked = run(&["token", "revoke", "--name", "12345热线"]);
    assert!(String::from_utf8_lossy(&revoked.stdout).contains("revoked 1 token"), "{revoked:?}");
    assert!(!run(&["token", "revoke", "--name", "12345热线"]).status.success(), "nothing left to revoke");
    assert!(run(&["user", "disable", "--username", "li.hua"]).status.success());
    assert!(run(&["user", "enable", "--username", "li.hua"]).status.success());
    let unknown = run(&["user", "disable", "--username", "nobody"]);
    assert!(!unknown.status.success() && String::from_utf8_lossy(&unknown.stderr).contains("nobody"));
}

/// The first rows of the peers' issues.csv (`../shared/peers/gen_data.py`), in their format.
const PEER_ISSUES: &str = "id,lon,lat,category,status,satisfaction,created_at,resolved_at
1,121.543500,29.865500,parking,resolved,5,2024-03-01T09:30:00+08:00,2024-03-03T10:00:00+08:00
2,121.551200,29.871100,noise,open,,2024-03-02T14:00:00+08:00,
3,121.548000,29.860000,roads,resolved,,2024-03-05T08:00:00+08:00,2024-03-20T08:00:00+08:00
4,121.300000,29.700000,water,resolved,2,2024-04-01T08:00:00+08:00,2024-04-02T08:00:00+08:00
";

/// external_id, status, registered_at, replied_at, closed_at, due_date, rating.
type ImportedRow = (String, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<i64>);

#[tokio::test]
async fn issues_import_in_the_peers_format_routed_and_counted() {
    let app = TestApp::with_sample().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("issues.csv");
    std::fs::write(&file, PEER_ISSUES).unwrap();
    let out = liaison_on(&app).args(["import", "issues"]).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 inserted, 0 updated"));

    let rows: Vec<ImportedRow> = sqlx::query_as(
        "SELECT external_id, status, registered_at, replied_at, closed_at, due_date, rating FROM opinions ORDER BY id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 4);
    // resolved = closed, replied when resolved, due 15 days after registration (= creation).
    assert_eq!(rows[0].1, "closed");
    assert_eq!(rows[0].2.as_deref(), Some("2024-03-01T09:30:00+08:00"));
    assert_eq!(rows[0].3.as_deref(), Some("2024-03-03T10:00:00+08:00"));
    assert_eq!(rows[0].4, rows[0].3);
    assert_eq!((rows[0].5.as_deref(), rows[0].6), (Some("2024-03-16"), Some(5)));
    // open = registered: no reply, not closed.
    assert_eq!((rows[1].1.as_str(), rows[1].3.as_deref(), rows[1].4.as_deref()), ("registered", None, None));
    // Routed by position like a new opinion: the first lies in a grid of 南门街道.
    let town: Option<String> = sqlx::query_scalar("SELECT town_code FROM opinions WHERE external_id = '1'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let expected = app
        .state
        .service
        .catalog()
        .route(liaison::domain::LonLat::new(121.5435, 29.8655).unwrap(), liaison::domain::Category::Parking);
    assert_eq!(town, expected.town_code.map(|c| c.to_string()));

    // The running server picks the import up (another process wrote it) and counts it.
    app.state.service.refresh().await.unwrap();
    let (_, stats) = app.get("/api/v1/stats?from=2024-03-01&to=2024-04-30").await;
    let s = &stats["rows"][0];
    assert_eq!((s["count"].as_u64(), s["resolved"].as_u64(), s["open"].as_u64()), (Some(4), Some(3), Some(1)), "{s}");
    assert_eq!((s["rated"].as_u64(), s["satisfaction_rate"].as_f64()), (Some(2), Some(0.5)));
    // Reply hours: 48.5, 360, 24 -> median 48.5.
    assert_eq!(s["reply_hours_median"].as_f64(), Some(48.5));

    // Importing the same ids again updates them: nothing is duplicated.
    std::fs::write(
        &file,
        PEER_ISSUES.replace(
            "2,121.551200,29.871100,noise,open,,2024-03-02T14:00:00+08:00,",
            "2,121.551200,29.871100,noise,resolved,4,2024-03-02T14:00:00+08:00,2024-03-04T14:00:00+08:00",
        ),
    )
    .unwrap();
    let out = liaison_on(&app).args(["import", "issues"]).arg(&file).output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 inserted, 4 updated"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    app.state.service.refresh().await.unwrap();
    let (_, stats) = app.get("/api/v1/stats?from=2024-03-01&to=2024-04-30").await;
    assert_eq!((stats["rows"][0]["count"].as_u64(), stats["rows"][0]["resolved"].as_u64()), (Some(4), Some(4)));
}

#[tokio::test]
async fn a_bad_issue_row_stops_the_import_naming_line_and_column() {
    let (db, store) = fresh_store().await;
    let catalog = std::sync::Arc::new(liaison::catalog::Catalog::build(store.load().await.unwrap()));
    for (csv, expected) in [
        (PEER_ISSUES.replace("noise,open", "noise,pending"), "line 3, column \"status\""),
        (PEER_ISSUES.replace("resolved,5,", "resolved,6,"), "line 2, column \"satisfaction\""),
        (
            PEER_ISSUES.replace("2024-03-05T08:00:00+08:00,2024-03-20", "2024-03-05,2024-03-20"),
            "line 4, column \"created_at\"",
        ),
        (PEER_ISSUES.replace(",2024-04-02T08:00:00+08:00", ","), "line 5, column \"resolved_at\": is required"),
        (
            PEER_ISSUES.replace("2024-03-03T10:00:00", "2024-02-03T10:00:00"),
            "line 2, column \"resolved_at\": is before created_at",
        ),
        (PEER_ISSUES.replace("\n4,", "\n1,"), "line 5, column \"id\": \"1\" appears twice"),
        (PEER_ISSUES.replace("121.300000", "321.3"), "line 5, column \"lon/lat\""),
        (PEER_ISSUES.replace("category,", "kind,"), "no \"category\" column"),
    ] {
        let mut source = match liaison::import::issues::IssueReader::new(csv.as_bytes(), Crs::Wgs84, catalog.clone()) {
            Ok(reader) => reader,
            Err(e) => {
                assert!(e.contains(expected), "{e}");
                continue;
            }
        };
        // Batches of one, so that good rows reach the database before the bad one stops it.
        let err = store.import_opinions(&mut || source.next_batch(1), &|_| {}).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{err} (expected {expected})");
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM opinions").fetch_one(db.pool()).await.unwrap();
        assert_eq!(n, 0, "nothing written after: {err}");
    }
}

#[tokio::test]
async fn sample_issues_import_and_give_the_same_numbers_as_sql() {
    let app = TestApp::with_sample().await;
    let dir = tempfile::tempdir().unwrap();
    let out = liaison_on(&app).args(["sample-data", "--issues", "3000", "--out"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = dir.path().join("issues.csv");
    let out = liaison_on(&app).args(["import", "issues"]).arg(&file).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("3000 inserted"), "{}", String::from_utf8_lossy(&out.stderr));
    app.state.service.refresh().await.unwrap();
    // Per-town counts, rated and resolved as SQL counts them.
    let sql: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT town_code, count(*), sum(CASE WHEN status IN ('replied', 'closed') THEN 1 ELSE 0 END), count(rating),
             sum(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END)
         FROM opinions WHERE town_code IS NOT NULL GROUP BY town_code ORDER BY town_code",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    let (_, stats) = app.get("/api/v1/stats?group_by=town").await;
    let got: Vec<(String, i64, i64, i64, i64)> = stats["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["group"].is_string())
        .map(|r| {
            let n = |k: &str| r[k].as_i64().unwrap();
            (r["group"].as_str().unwrap().to_owned(), n("count"), n("resolved"), n("rated"), n("rejected"))
        })
        .collect();
    assert_eq!(got, sql);
    assert!(got.len() >= 15, "the sample spreads over the towns");
    // The sample's towns differ in how well they work the loop.
    let rates: Vec<f64> =
        stats["rows"].as_array().unwrap().iter().filter_map(|r| r["satisfaction_rate"].as_f64()).collect();
    let spread = rates.iter().cloned().fold(f64::MIN, f64::max) - rates.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread > 0.1, "satisfaction differs by town: {rates:?}");
}
