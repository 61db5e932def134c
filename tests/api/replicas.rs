//! Two replicas on one PostgreSQL database, each with its own catalog and analytics: a write
//! through one is read through the other within a second (announced by NOTIFY, no timer runs
//! here), a replica whose listening connection was cut off catches up, and concurrent changes of
//! one opinion through both have exactly one winner. Only on PostgreSQL (`scripts/pg.sh`).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{error_code, TestApp};
use crate::opinions::opinion;

/// Two servers on one fresh database with the sample's places, both following each other's
/// writes; `None` (with a message) when the tests do not run on PostgreSQL.
async fn two_replicas() -> Option<(TestApp, TestApp)> {
    if std::env::var("LIAISON_TEST_PG_URL").map_or(true, |u| u.is_empty()) {
        eprintln!("skipped: replicas need PostgreSQL (run under scripts/pg.sh)");
        return None;
    }
    let a = TestApp::with_sample().await;
    let b = a.replica().await;
    a.follow_changes();
    b.follow_changes();
    Some((a, b))
}

/// Waits until `check` holds, for at most `limit`; answers how long that took.
async fn within<F, Fut>(limit: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{what}: not seen within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const A_SECOND: Duration = Duration::from_secs(1);

/// The town of the point the tests submit at.
const TOWN_STATS: &str = "/api/v1/stats?town=330203001";

/// This town's opinions as a replica counts them: (all, registered).
async fn town_counts(app: &TestApp) -> (u64, u64) {
    let (status, body) = app.get(TOWN_STATS).await;
    assert_eq!(status, 200, "{body}");
    match body["rows"].as_array().unwrap().first() {
        None => (0, 0),
        Some(row) => (row["count"].as_u64().unwrap(), row["registered"].as_u64().unwrap()),
    }
}

/// The opinions on a replica's heatmap, summed over its cells.
async fn heatmap_total(app: &TestApp) -> u64 {
    let (status, body) = app.get("/api/v1/heatmap").await;
    assert_eq!(status, 200, "{body}");
    body["features"].as_array().unwrap().iter().map(|f| f["properties"]["count"].as_u64().unwrap()).sum()
}

async fn submit(app: &TestApp) -> (i64, String) {
    let (status, body) = app.post("/api/v1/issues", &opinion("parking", 121.5435, 29.8655)).await;
    assert_eq!(status, 201, "{body}");
    (body["id"].as_i64().unwrap(), body["tracking_code"].as_str().unwrap().to_owned())
}

async fn transition(app: &TestApp, token: &str, id: i64, body: &Value) -> (u16, Value) {
    let res = app
        .client
        .post(format!("{}/api/v1/staff/issues/{id}/transitions", app.base))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// The replicas' listening connections on this test's database.
async fn listeners(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn an_opinion_and_a_layer_written_through_one_replica_are_read_through_the_other_within_a_second() {
    let Some((a, b)) = two_replicas().await else { return };
    assert_eq!((town_counts(&b).await, heatmap_total(&b).await), ((0, 0), 0));

    let (id, code) = submit(&a).await;
    within(A_SECOND, "the opinion in the other replica's stats and heatmap", || async {
        town_counts(&b).await == (1, 0) && heatmap_total(&b).await == 1
    })
    .await;
    let (status, tracked) = b.get(&format!("/api/v1/issues/{code}")).await;
    assert_eq!((status, tracked["status"].as_str()), (200, Some("submitted")), "{tracked}");

    // A change goes the same way, and so does a write through the other replica.
    let admin = a.token("admin", None).await;
    let (status, body) = transition(&a, &admin, id, &json!({ "to": "registered", "version": 1 })).await;
    assert_eq!(status, 200, "{body}");
    within(A_SECOND, "the registration in the other replica's stats", || async { town_counts(&b).await == (1, 1) })
        .await;
    submit(&b).await;
    within(A_SECOND, "the second opinion back in the first replica", || async {
        town_counts(&a).await == (2, 1) && heatmap_total(&a).await == 2
    })
    .await;

    // Reference data: the catalog is rebuilt at the new version.
    let (status, _) = b.get("/api/v1/layers/rivers").await;
    assert_eq!(status, 404);
    let rivers = json!({ "type": "FeatureCollection", "features": [
        { "type": "Feature", "properties": { "name": "南塘河" },
          "geometry": { "type": "LineString", "coordinates": [[121.50, 29.84], [121.53, 29.855]] } }
    ] });
    let crs = liaison::spatial::Crs::Wgs84;
    a.state.service.import_layer("rivers", "河道", rivers.to_string().as_bytes(), crs).await.unwrap();
    within(A_SECOND, "the layer in the other replica", || async { b.get("/api/v1/layers/rivers").await.0 == 200 })
        .await;
    assert_eq!(b.state.service.catalog_version(), a.state.service.catalog_version());
}

#[tokio::test]
async fn concurrent_transitions_through_two_replicas_have_exactly_one_winner() {
    let Some((a, b)) = two_replicas().await else { return };
    let admin = a.token("admin", None).await;
    for round in 0..8 {
        let (id, code) = submit(if round % 2 == 0 { &a } else { &b }).await;
        let to = json!({ "to": "registered", "version": 1 });
        let (through_a, through_b) = tokio::join!(transition(&a, &admin, id, &to), transition(&b, &admin, id, &to));
        let (winner, loser) = match (through_a.0, through_b.0) {
            (200, _) => (through_a, through_b),
            (_, 200) => (through_b, through_a),
            _ => panic!("round {round}: nobody won: {through_a:?} {through_b:?}"),
        };
        assert_eq!(winner.1["version"], 2, "round {round}: {}", winner.1);
        assert_eq!(error_code(loser.0, &loser.1, 409), "version_conflict", "round {round}");
        let (_, tracked) = a.get(&format!("/api/v1/issues/{code}")).await;
        let registrations = tracked["history"].as_array().unwrap().iter().filter(|e| e["to"] == "registered").count();
        assert_eq!(registrations, 1, "round {round}: one history line: {tracked}");
    }
    within(A_SECOND, "both replicas count the 8 registrations", || async {
        town_counts(&a).await == (8, 8) && town_counts(&b).await == (8, 8)
    })
    .await;
}

#[tokio::test]
async fn a_replica_whose_listening_connection_was_cut_off_catches_up_when_it_reconnects() {
    let Some((a, b)) = two_replicas().await else { return };
    within(Duration::from_secs(5), "both replicas listening", || async { listeners(&a).await == 2 }).await;

    // Cut both listeners off, then write at once, while they are away: the announcement is lost.
    let cut: i64 = sqlx::query_scalar(
        "WITH l AS MATERIALIZED (SELECT pid FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE 'LISTEN%')
         SELECT COUNT(*) FROM l WHERE pg_terminate_backend(pid)",
    )
    .fetch_one(a.pool())
    .await
    .unwrap();
    assert_eq!(cut, 2);
    submit(&a).await;
    within(Duration::from_secs(2), "the opinion written while cut off, in the other replica", || async {
        town_counts(&b).await == (1, 0)
    })
    .await;

    // Listening again, it hears the next write as before.
    within(Duration::from_secs(5), "both replicas listening again", || async { listeners(&a).await == 2 }).await;
    submit(&a).await;
    within(A_SECOND, "the next opinion in the other replica", || async { town_counts(&b).await == (2, 0) }).await;
}
