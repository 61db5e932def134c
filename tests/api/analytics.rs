//! Heatmaps, statistics, choropleths and issue tiles over HTTP: H3 ids against the reference
//! implementation, aggregates against a brute force and against SQL over the same SQLite file,
//! the definitions on a hand-made loop, and every bad parameter.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use liaison::domain::{
    AuditEntry, Category, Channel, Contact, Event, LonLat, NewOpinion, Opinion, ReplyRoute, Stars, Status, TrackingCode,
};
use liaison::spatial::hexagons::{cell_of, centre, HexResolution};
use serde_json::{json, Value};
use sqlx::Row;

use crate::helpers::{expect_400s, fixed_now, Rng, TestApp};

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// `n` opinions at random places around Haishu (some outside every grid), random categories and
/// times, each taken a random way through the real workflow, so every state and edge case occurs:
/// rejected, reopened, closed unrated, overdue, never registered.
pub fn random_opinions(app: &TestApp, seed: u64, n: usize) -> Vec<(Opinion, Vec<AuditEntry>)> {
    let catalog = app.state.service.catalog();
    let mut rng = Rng::new(seed);
    let start = t("2025-06-01T00:00:00+08:00");
    (0..n)
        .map(|_| {
            let location = LonLat::new(rng.between(121.40, 121.62), rng.between(29.78, 29.95)).unwrap();
            let category = Category::ALL[rng.below(Category::ALL.len())];
            let created = start + Duration::minutes(rng.below(520 * 1440) as i64);
            let new = NewOpinion {
                category,
                title: "随机意见".into(),
                text: "测试".into(),
                location,
                channel: Channel::Online,
                anonymous: true,
                contact: Contact::default(),
            };
            let code = TrackingCode::from_random(rng.next_u64());
            let (mut o, first) = Opinion::submitted(code, new, catalog.route(location, category), created, "citizen");
            let mut log = vec![first];
            let mut at = created;
            for _ in 0..rng.below(9) {
                at += Duration::minutes(1 + rng.below(20 * 1440) as i64);
                let event = match rng.below(9) {
                    0 => Event::Register,
                    1 => Event::Register,
                    2 => Event::Assign {
                        department: "区住建局".into(),
                        due: (at + Duration::days(rng.below(30) as i64)).date_naive(),
                    },
                    3 => Event::Start,
                    4 | 5 => Event::Reply { route: ReplyRoute::DirectAnswer, text: "已处理".into() },
                    6 => Event::Rate { stars: Stars::new(1 + rng.below(5) as u8).unwrap(), comment: String::new() },
                    7 => Event::Close { reason: "已办结".into() },
                    _ => Event::Reject { explanation: "不属受理范围".into() },
                };
                if let Ok(entry) = o.apply(&event, "staff:test", at) {
                    log.push(entry);
                }
            }
            (o, log)
        })
        .collect()
}

/// A stored opinion as the brute force reads it back from SQL.
#[derive(Debug)]
struct Stored {
    lon: f64,
    lat: f64,
    category: Category,
    status: Status,
    rating: Option<u8>,
    created: i64,
    registered: Option<i64>,
    replied: Option<DateTime<FixedOffset>>,
    due: Option<NaiveDate>,
}

async fn stored(app: &TestApp) -> Vec<Stored> {
    let rows = sqlx::query("SELECT * FROM opinions").fetch_all(app.pool()).await.unwrap();
    let time = |r: &sqlx::any::AnyRow, c: &str| r.get::<Option<String>, _>(c).map(|s| t(&s));
    // Analytics bins every opinion by its public (~100 m) position, never the exact one.
    let public = |r: &sqlx::any::AnyRow| LonLat::new(r.get("lon"), r.get("lat")).unwrap().public();
    rows.iter()
        .map(|r| Stored {
            lon: public(r).lon(),
            lat: public(r).lat(),
            category: r.get::<String, _>("category").parse().unwrap(),
            status: r.get::<String, _>("status").parse().unwrap(),
            rating: r.get::<Option<i64>, _>("rating").map(|x| x as u8),
            created: time(r, "created_at").unwrap().timestamp(),
            registered: time(r, "registered_at").map(|x| x.timestamp()),
            replied: time(r, "replied_at"),
            due: r.get::<Option<String>, _>("due_date").map(|d| d.parse().unwrap()),
        })
        .collect()
}

/// Type 7 quantile by sorting (independent of the service's selection).
fn sorted_quantile(mut v: Vec<f64>, p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

fn close(a: &Value, b: Option<f64>, what: &str) {
    match (a.as_f64(), b) {
        (None, None) => {}
        (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9, "{what}: service {x}, brute force {y}"),
        (x, y) => panic!("{what}: service {x:?}, brute force {y:?}"),
    }
}

/// The definitions, written out plainly for one group of stored rows.
#[derive(Default, Debug)]
struct Brute {
    count: u32,
    open: u32,
    overdue: u32,
    rejected: u32,
    registered: u32,
    resolved: u32,
    ratings: Vec<u8>,
    due: u32,
    on_time: u32,
    hours: Vec<f64>,
    categories: BTreeMap<Category, u32>,
}

impl Brute {
    fn submitted(&mut self, r: &Stored, today: NaiveDate) {
        self.count += 1;
        *self.categories.entry(r.category).or_default() += 1;
        let working = matches!(r.status, Status::Registered | Status::Assigned | Status::InProgress);
        self.open += u32::from(working || r.status == Status::Submitted);
        self.overdue += u32::from(working && r.due.is_some_and(|d| d < today));
        self.rejected += u32::from(r.status == Status::Rejected);
        self.registered += u32::from(!matches!(r.status, Status::Submitted | Status::Rejected));
        self.resolved += u32::from(matches!(r.status, Status::Replied | Status::Closed));
        self.ratings.extend(r.rating);
        if let (Some(reg), Some(rep)) = (r.registered, r.replied) {
            self.hours.push((rep.timestamp() - reg) as f64 / 3600.0);
        }
    }

    fn due(&mut self, r: &Stored) {
        self.due += 1;
        self.on_time += u32::from(r.replied.is_some_and(|x| x.date_naive() <= r.due.unwrap()));
    }

    fn check(&self, got: &Value, what: &str) {
        let n = |k: &str| got[k].as_u64().unwrap_or_else(|| panic!("{what}: no {k} in {got}")) as u32;
        assert_eq!(
            (n("count"), n("open"), n("overdue"), n("rejected"), n("registered"), n("resolved")),
            (self.count, self.open, self.overdue, self.rejected, self.registered, self.resolved),
            "{what}"
        );
        let ratio = |a: u32, b: u32| (b > 0).then(|| f64::from(a) / f64::from(b));
        close(&got["resolution_rate"], ratio(self.resolved, self.registered), what);
        let satisfied = self.ratings.iter().filter(|&&r| r >= 4).count() as u32;
        assert_eq!((n("rated"), n("satisfied")), (self.ratings.len() as u32, satisfied), "{what}");
        close(&got["satisfaction_rate"], ratio(satisfied, self.ratings.len() as u32), what);
        let sum: u32 = self.ratings.iter().map(|&r| u32::from(r)).sum();
        close(&got["mean_rating"], ratio(sum, self.ratings.len() as u32), what);
        assert_eq!((n("due"), n("replied_on_time")), (self.due, self.on_time), "{what}");
        close(&got["reply_rate"], ratio(self.on_time, self.due), what);
        assert_eq!(n("replied"), self.hours.len() as u32, "{what}");
        close(&got["reply_hours_median"], sorted_quantile(self.hours.clone(), 0.5), what);
        close(&got["reply_hours_p90"], sorted_quantile(self.hours.clone(), 0.9), what);
        // Most frequent category, ties to the one listed first.
        let top = Category::ALL
            .iter()
            .copied()
            .max_by_key(|c| (self.categories.get(c).copied().unwrap_or(0), std::cmp::Reverse(*c)));
        close(&got["concentration"], top.and_then(|c| ratio(self.categories[&c], self.count)), what);
        assert_eq!(got["top_category"].as_str(), top.map(|c| c.code()), "{what}");
    }
}

struct Window {
    from: i64,
    to: i64,
    today: NaiveDate,
}

impl Window {
    fn submitted(&self, r: &Stored) -> bool {
        (self.from..self.to).contains(&r.created)
    }

    fn due(&self, r: &Stored) -> bool {
        let Some(d) = r.due else { return false };
        let start = t(&format!("{d}T00:00:00+08:00")).timestamp();
        d < self.today
            && !matches!(r.status, Status::Submitted | Status::Rejected)
            && (self.from..self.to).contains(&start)
    }
}

#[tokio::test]
async fn h3_cells_equal_the_reference_implementation() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/h3_reference.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut checked = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (lon, lat, res): (f64, f64, u8) = (f[0].parse().unwrap(), f[1].parse().unwrap(), f[2].parse().unwrap());
        let cell = cell_of(lon, lat, HexResolution::new(res).unwrap()).unwrap();
        assert_eq!(cell.to_string(), f[3], "{lon},{lat} at res {res}");
        checked += 1;
    }
    assert!(checked > 4000, "{checked}");
}

#[tokio::test]
async fn heatmaps_equal_a_brute_force_over_random_opinions() {
    let app = TestApp::with_sample().await;
    app.store.insert_history(&random_opinions(&app, 7, 3000)).await.unwrap();
    app.state.service.refresh().await.unwrap();
    let rows = stored(&app).await;
    let today = fixed_now().date_naive();
    let cases = [
        ("res=7", 7, None, i64::MIN, i64::MAX),
        (
            "res=8&from=2025-09-01&to=2026-03-31",
            8,
            None,
            t("2025-09-01T00:00:00+08:00").timestamp(),
            t("2026-04-01T00:00:00+08:00").timestamp(),
        ),
        (
            "res=8&bbox=121.50,29.82,121.58,29.90&metric=satisfaction_rate",
            8,
            Some((121.50, 29.82, 121.58, 29.90)),
            i64::MIN,
            i64::MAX,
        ),
        ("res=6&category=parking", 6, None, i64::MIN, i64::MAX),
    ];
    for (query, res, bbox, from, to) in cases {
        let (status, body) = app.get(&format!("/api/v1/heatmap?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        let w = Window { from, to, today };
        let hex = HexResolution::new(res).unwrap();
        let mut brute: BTreeMap<String, Brute> = BTreeMap::new();
        for r in &rows {
            if query.contains("category=parking") && r.category != Category::Parking {
                continue;
            }
            let cell = cell_of(r.lon, r.lat, hex).unwrap();
            if let Some((x0, y0, x1, y1)) = bbox {
                let (lon, lat) = centre(cell);
                if !(x0..=x1).contains(&lon) || !(y0..=y1).contains(&lat) {
                    continue;
                }
            }
            let b = brute.entry(cell.to_string()).or_default();
            if w.submitted(r) {
                b.submitted(r, today);
            }
            if w.due(r) {
                b.due(r);
            }
        }
        brute.retain(|_, b| b.count > 0);
        let features = body["features"].as_array().unwrap();
        let got: BTreeMap<String, &Value> =
            features.iter().map(|f| (f["properties"]["h3"].as_str().unwrap().to_owned(), &f["properties"])).collect();
        assert_eq!(got.keys().collect::<Vec<_>>(), brute.keys().collect::<Vec<_>>(), "{query}: cells");
        assert!(got.len() >= 5, "{query}: only {} cells", got.len());
        let mut with_rates = 0;
        for (cell, b) in &brute {
            let p = got[cell];
            if b.count < 5 {
                assert_eq!(p["count"], b.count, "{query} {cell}");
                assert!(p.get("resolution_rate").is_none(), "{query} {cell}: rates of {} opinions shown", b.count);
            } else {
                b.check(p, &format!("{query} {cell}"));
                with_rates += 1;
            }
        }
        assert!(with_rates > 0, "{query}: no cell with rates");
        let geometry = &features[0]["geometry"];
        assert_eq!(geometry["type"], "Polygon");
        assert_eq!(geometry["coordinates"][0].as_array().unwrap().len(), 7, "a closed hexagon");

        // The compact answer: the same cells, shapes, values and counts, and nothing else.
        let (status, compact) = app.get(&format!("/api/v1/heatmap?{query}&numbers=value")).await;
        assert_eq!(status, 200, "{query}: {compact}");
        let compact = compact["features"].as_array().unwrap();
        assert_eq!(compact.len(), features.len(), "{query}");
        for (c, f) in compact.iter().zip(features) {
            let p = c["properties"].as_object().unwrap();
            assert_eq!(p.keys().map(String::as_str).collect::<Vec<_>>(), ["h3", "value", "count"], "{query}");
            for key in ["h3", "value", "count"] {
                assert_eq!(p[key], f["properties"][key], "{query} {key}");
            }
            assert_eq!(c["geometry"], f["geometry"], "{query}");
        }
    }
    let (status, body) = app.get("/api/v1/heatmap?numbers=some").await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_parameter")), "{body}");
}

/// Unix seconds of a stored time (or time text expression) in the SQL of the test's backend.
fn epoch(app: &TestApp, expr: &str) -> String {
    match app.pg {
        None => format!("unixepoch({expr})"),
        Some(_) => format!("CAST(extract(epoch FROM CAST({expr} AS timestamptz)) AS DOUBLE PRECISION)"),
    }
}

/// How many rows meet `cond`, in SQL both backends accept.
fn count_if(cond: &str) -> String {
    format!("sum(CASE WHEN {cond} THEN 1 ELSE 0 END)")
}

/// A SQL computation of stats per town over the stored opinions (the ground truth).
async fn sql_town_stats(app: &TestApp, from: &str, to: &str, today: NaiveDate) -> BTreeMap<Option<String>, Value> {
    let pool = app.pool();
    let window = format!(
        "{} >= {} AND {} < {}",
        epoch(app, "created_at"),
        epoch(app, "$1"),
        epoch(app, "created_at"),
        epoch(app, "$2")
    );
    let main = sqlx::query(&format!(
        "SELECT town_code, count(*) AS count,
             {} AS open, {} AS overdue, {} AS rejected, {} AS registered, {} AS resolved,
             count(rating) AS rated, coalesce({}, 0) AS satisfied,
             CAST(avg(rating) AS DOUBLE PRECISION) AS mean_rating, {} AS replied
         FROM opinions WHERE {window} GROUP BY town_code",
        count_if("status IN ('submitted', 'registered', 'assigned', 'in_progress')"),
        count_if("status IN ('registered', 'assigned', 'in_progress') AND due_date < $3"),
        count_if("status = 'rejected'"),
        count_if("status NOT IN ('submitted', 'rejected')"),
        count_if("status IN ('replied', 'closed')"),
        count_if("rating >= 4"),
        count_if("registered_at IS NOT NULL AND replied_at IS NOT NULL"),
    ))
    .bind(from)
    .bind(to)
    .bind(today.to_string())
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for r in &main {
        let n = |k: &str| r.get::<i64, _>(k);
        let ratio = |a: i64, b: i64| if b > 0 { json!(a as f64 / b as f64) } else { Value::Null };
        out.insert(
            r.get::<Option<String>, _>("town_code"),
            json!({
                "count": n("count"), "open": n("open"), "overdue": n("overdue"), "rejected": n("rejected"),
                "registered": n("registered"), "resolved": n("resolved"),
                "resolution_rate": ratio(n("resolved"), n("registered")),
                "rated": n("rated"), "satisfied": n("satisfied"),
                "satisfaction_rate": ratio(n("satisfied"), n("rated")),
                "mean_rating": r.get::<Option<f64>, _>("mean_rating"),
                "replied": n("replied"), "due": 0, "replied_on_time": 0, "reply_rate": null,
            }),
        );
    }
    let due_day = "due_date || 'T00:00:00+08:00'";
    let due = sqlx::query(&format!(
        "SELECT town_code, count(*) AS due, {} AS on_time
         FROM opinions
         WHERE due_date IS NOT NULL AND due_date < $3 AND status NOT IN ('submitted', 'rejected')
             AND {} >= {} AND {} < {}
         GROUP BY town_code",
        count_if("replied_at IS NOT NULL AND substr(replied_at, 1, 10) <= due_date"),
        epoch(app, due_day),
        epoch(app, "$1"),
        epoch(app, due_day),
        epoch(app, "$2"),
    ))
    .bind(from)
    .bind(to)
    .bind(today.to_string())
    .fetch_all(pool)
    .await
    .unwrap();
    for r in &due {
        let e = out.entry(r.get("town_code")).or_insert_with(|| json!({ "count": 0 }));
        let (d, ok) = (r.get::<i64, _>("due"), r.get::<i64, _>("on_time"));
        e["due"] = json!(d);
        e["replied_on_time"] = json!(ok);
        e["reply_rate"] = json!(ok as f64 / d as f64);
    }
    let hours = sqlx::query(&format!(
        "SELECT town_code, CAST(({} - {}) / 3600.0 AS DOUBLE PRECISION) AS h FROM opinions
         WHERE {window} AND registered_at IS NOT NULL AND replied_at IS NOT NULL",
        epoch(app, "replied_at"),
        epoch(app, "registered_at"),
    ))
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut by_town: BTreeMap<Option<String>, Vec<f64>> = BTreeMap::new();
    for r in &hours {
        by_town.entry(r.get("town_code")).or_default().push(r.get("h"));
    }
    for (town, v) in by_town {
        out.get_mut(&town).unwrap()["reply_hours_median"] = json!(sorted_quantile(v.clone(), 0.5));
        out.get_mut(&town).unwrap()["reply_hours_p90"] = json!(sorted_quantile(v, 0.9));
    }
    out
}

#[tokio::test]
async fn stats_equal_sql_over_the_same_database() {
    let app = TestApp::with_sample().await;
    app.store.insert_history(&random_opinions(&app, 11, 2500)).await.unwrap();
    app.state.service.refresh().await.unwrap();
    let today = fixed_now().date_naive();
    let (from, to) = ("2025-08-01T00:00:00+08:00", "2026-10-01T00:00:00+08:00");
    let (status, body) = app.get("/api/v1/stats?group_by=town&from=2025-08-01&to=2026-09-30").await;
    assert_eq!(status, 200, "{body}");
    let expected = sql_town_stats(&app, from, to, today).await;
    let rows = body["rows"].as_array().unwrap();
    let got: BTreeMap<Option<String>, &Value> =
        rows.iter().map(|r| (r["group"].as_str().map(str::to_owned), r)).collect();
    assert_eq!(got.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    assert!(got.len() > 5);
    for (town, e) in &expected {
        for (k, v) in e.as_object().unwrap() {
            match v.as_f64() {
                Some(x) if v.is_f64() => close(&got[town][k], Some(x), &format!("{town:?} {k}")),
                _ => assert_eq!(&got[town][k], v, "{town:?} {k}"),
            }
        }
    }
    // Names come from the catalog.
    let nanmen = rows.iter().find(|r| r["group"] == "330203001").unwrap();
    assert_eq!(nanmen["name"], "南门街道");

    // Monthly counts equal SQL's grouping by month; the periods add up to the whole.
    let (_, monthly) = app.get("/api/v1/stats?interval=month&from=2025-08-01&to=2026-09-30").await;
    let sql: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT substr(created_at, 1, 7) || '-01', count(*) FROM opinions
         WHERE {} >= {} AND {} < {} GROUP BY 1 ORDER BY 1",
        epoch(&app, "created_at"),
        epoch(&app, "$1"),
        epoch(&app, "created_at"),
        epoch(&app, "$2"),
    ))
    .bind(from)
    .bind(to)
    .fetch_all(app.pool())
    .await
    .unwrap();
    let got: Vec<(String, i64)> = monthly["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["count"].as_i64().unwrap() > 0)
        .map(|r| (r["period"].as_str().unwrap().to_owned(), r["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(got, sql);
    assert_eq!(got.len(), 14);

    // Weeks begin on Monday.
    let (_, weekly) = app.get("/api/v1/stats?interval=week&group_by=category").await;
    for r in weekly["rows"].as_array().unwrap() {
        let d: NaiveDate = r["period"].as_str().unwrap().parse().unwrap();
        assert_eq!(d.format("%a").to_string(), "Mon", "{r}");
    }

    // CSV has the same numbers.
    let (status, csv) = app.get_text("/api/v1/stats?group_by=town&from=2025-08-01&to=2026-09-30&format=csv").await;
    assert_eq!(status, 200);
    let line = csv.lines().find(|l| l.starts_with("330203001,")).unwrap();
    let fields: Vec<&str> = line.split(',').collect();
    assert_eq!(fields[3], nanmen["count"].to_string(), "{line}");
    assert!(csv.lines().next().unwrap().starts_with("group,name,period,count,open,overdue"));
}

#[tokio::test]
async fn the_numbers_follow_every_write_of_a_hand_made_loop() {
    let app = TestApp::with_sample().await;
    let admin = app.token("admin", None).await;
    let stats = || async {
        let (s, b) = app.get("/api/v1/stats?town=330203001").await;
        assert_eq!(s, 200, "{b}");
        b["rows"].as_array().unwrap().first().cloned().unwrap_or(json!({ "count": 0 }))
    };
    assert_eq!(stats().await["count"], 0);
    let mut ids = Vec::new();
    for _ in 0..4 {
        let (s, b) = app.post("/api/v1/issues", &crate::opinions::opinion("parking", 121.5435, 29.8655)).await;
        assert_eq!(s, 201, "{b}");
        ids.push(b["id"].as_i64().unwrap());
    }
    let s = stats().await;
    assert_eq!((s["count"].as_u64(), s["open"].as_u64(), s["registered"].as_u64()), (Some(4), Some(4), Some(0)));
    assert_eq!(s["resolution_rate"], Value::Null, "nothing registered yet: no rate, not 0");
    let to = |id: i64, body: Value| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let res = app
                .client
                .post(format!("{}/api/v1/staff/issues/{id}/transitions", app.base))
                .bearer_auth(&admin)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());
        }
    };
    // 0: rejected. 1: registered and replied, rated 5. 2: registered with a due date long past (overdue).
    // 3: left submitted.
    to(ids[0], json!({ "to": "rejected", "version": 1, "note": "不属于受理范围" })).await;
    to(ids[1], json!({ "to": "registered", "version": 1 })).await;
    to(ids[1], json!({ "to": "replied", "version": 2, "reply_route": "direct_answer", "reply": "已答复" })).await;
    let code1 = sqlx::query_scalar::<_, String>("SELECT tracking_code FROM opinions WHERE id = $1")
        .bind(ids[1])
        .fetch_one(app.pool())
        .await
        .unwrap();
    let (s, b) = app.post(&format!("/api/v1/issues/{code1}/rating"), &json!({ "stars": 5 })).await;
    assert_eq!(s, 200, "{b}");
    to(ids[2], json!({ "to": "registered", "version": 1 })).await;
    to(ids[2], json!({ "to": "assigned", "version": 2, "department": "区交警大队", "due": "2026-11-01" })).await;
    let s = stats().await;
    assert_eq!(
        [&s["count"], &s["open"], &s["rejected"], &s["registered"], &s["resolved"], &s["overdue"]],
        [4, 2, 1, 2, 1, 1],
        "{s}"
    );
    assert_eq!(s["resolution_rate"], 0.5);
    assert_eq!(
        (s["rated"].as_u64(), s["satisfaction_rate"].as_f64(), s["mean_rating"].as_f64()),
        (Some(1), Some(1.0), Some(5.0))
    );
    assert_eq!((s["concentration"].as_f64(), s["top_category"].as_str()), (Some(1.0), Some("parking")));
    // The overdue one's due date (1 Nov) has passed and it has no reply: the reply rate is 0 of 1;
    // the replied one is due 15 days after registration (27 Nov), not yet judged.
    assert_eq!((s["due"].as_u64(), s["reply_rate"].as_f64()), (Some(1), Some(0.0)), "{s}");

    // The analytics loaded afresh from the database say the same.
    let fresh = liaison::service::LiveFacts::default();
    fresh.refresh(app.store.as_ref()).await.unwrap();
    assert_eq!(fresh.read().len(), app.state.service.facts().read().len());
    let restarted = app.restart().await;
    let (_, again) = restarted.get("/api/v1/stats?town=330203001").await;
    assert_eq!(again["rows"][0], s);
}

#[tokio::test]
async fn town_and_grid_choropleths_cover_every_area() {
    let app = TestApp::with_sample().await;
    app.store.insert_history(&random_opinions(&app, 5, 1500)).await.unwrap();
    app.state.service.refresh().await.unwrap();
    let (status, towns) = app.get("/api/v1/areas/stats?level=town&metric=satisfaction_rate").await;
    assert_eq!(status, 200, "{towns}");
    let features = towns["features"].as_array().unwrap();
    let catalog = app.state.service.catalog();
    let n_towns = catalog.areas().iter().filter(|a| a.level == liaison::domain::AreaLevel::Town).count();
    assert_eq!(features.len(), n_towns);
    let (_, by_town) = app.get("/api/v1/stats?group_by=town").await;
    for f in features {
        let p = &f["properties"];
        assert_eq!(f["geometry"]["type"], "MultiPolygon");
        assert_eq!(p["value"], p["satisfaction_rate"]);
        let row = by_town["rows"].as_array().unwrap().iter().find(|r| r["group"] == p["id"]);
        assert_eq!(p["count"], row.map_or(json!(0), |r| r["count"].clone()), "{}", p["id"]);
    }
    let (status, grids) = app.get("/api/v1/areas/stats?level=grid&metric=count&crs=gcj02").await;
    assert_eq!(status, 200);
    assert_eq!(grids["features"].as_array().unwrap().len(), catalog.grids().len());
}

#[tokio::test]
async fn issue_tiles_hold_the_public_positions_of_the_opinions_inside() {
    use geozero::mvt::{Message, Tile};
    let app = TestApp::with_sample().await;
    app.store.insert_history(&random_opinions(&app, 3, 2000)).await.unwrap();
    app.state.service.refresh().await.unwrap();
    let tile = liaison::spatial::tiles::Tile::new(13, 6861, 3383).unwrap();
    let res = app.client.get(format!("{}/tiles/issues/13/6861/3383.mvt", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/vnd.mapbox-vector-tile");
    let bytes = res.bytes().await.unwrap();
    let decoded = Tile::decode(bytes.as_ref()).unwrap();
    let layer = &decoded.layers[0];
    assert_eq!((layer.name.as_str(), layer.extent), ("issues", Some(4096)));
    // Brute force: public positions of all stored opinions that fall in the tile.
    let mut expected: BTreeMap<(i64, i64), u64> = BTreeMap::new();
    for r in stored(&app).await {
        let p = LonLat::new(r.lon, r.lat).unwrap().public();
        if tile.holds(p.lon(), p.lat()) {
            *expected.entry(((p.lon() * 1000.0).round() as i64, (p.lat() * 1000.0).round() as i64)).or_default() += 1;
        }
    }
    assert!(expected.len() > 20, "{}", expected.len());
    let mut got = BTreeMap::new();
    for f in &layer.features {
        let tag = |k: &str| {
            let ki = layer.keys.iter().position(|x| x == k).unwrap() as u32;
            let vi = f.tags.chunks(2).find(|kv| kv[0] == ki).unwrap()[1];
            layer.values[vi as usize].clone()
        };
        let (lon, lat) = (tag("lon").double_value.unwrap(), tag("lat").double_value.unwrap());
        assert_eq!((lon * 1000.0).round() / 1000.0, lon, "positions stay on the public grid");
        got.insert(((lon * 1000.0).round() as i64, (lat * 1000.0).round() as i64), tag("count").uint_value.unwrap());
        // The point sits where its properties say.
        let (x, y) = tile.grid_position(lon, lat, 4096);
        let zig = |v: i32| ((v << 1) ^ (v >> 31)) as u32;
        assert_eq!(f.geometry, vec![9, zig(x), zig(y)]);
    }
    assert_eq!(got, expected);

    expect_400s(
        &app,
        &[
            ("/tiles/issues/11/1715/853.mvt", "invalid_tile"),
            ("/tiles/issues/13/99999/3414.mvt", "invalid_tile"),
            ("/tiles/issues/13/6858/3414.png", "invalid_tile"),
            ("/tiles/issues/13/x/3414.mvt", "invalid_tile"),
            ("/tiles/issues/13/6858/3414.mvt?from=yesterday", "invalid_time"),
        ],
    )
    .await;
}

#[tokio::test]
async fn bad_parameters_get_clear_400s() {
    let app = TestApp::with_sample().await;
    expect_400s(
        &app,
        &[
            ("/api/v1/heatmap?res=11", "out_of_range"),
            ("/api/v1/heatmap?res=5", "out_of_range"),
            ("/api/v1/heatmap?res=eight", "out_of_range"),
            ("/api/v1/heatmap?from=2026-03-01&to=2026-02-01", "invalid_window"),
            ("/api/v1/heatmap?from=2026-02-30", "invalid_time"),
            ("/api/v1/heatmap?bbox=121.6,29.8,121.5,29.9", "invalid_bbox"),
            ("/api/v1/heatmap?bbox=121.5,29.8", "invalid_bbox"),
            ("/api/v1/heatmap?bbox=121.5,95,121.6,96", "invalid_bbox"),
            ("/api/v1/heatmap?metric=happiness", "invalid_metric"),
            ("/api/v1/heatmap?category=weather", "invalid_parameter"),
            ("/api/v1/heatmap?station=S-NOPE", "unknown_station"),
            ("/api/v1/heatmap?town=330203999", "unknown_town"),
            ("/api/v1/stats?group_by=street", "invalid_parameter"),
            ("/api/v1/stats?interval=year", "invalid_parameter"),
            ("/api/v1/stats?format=xml", "invalid_parameter"),
            ("/api/v1/stats?to=2026-01-01T00:00:00&from=2025-01-01", "invalid_time"),
            ("/api/v1/areas/stats?level=province", "invalid_parameter"),
            ("/api/v1/areas/stats?metric=nps", "invalid_metric"),
        ],
    )
    .await;
    // An empty window is not an error: no cells, and rates are null rather than 0.
    let (status, body) = app.get("/api/v1/heatmap?from=2030-01-01").await;
    assert_eq!((status, body["features"].as_array().map(Vec::len)), (200, Some(0)));
    let (_, body) = app.get("/api/v1/stats?from=2030-01-01").await;
    assert_eq!(body["rows"], json!([]));
}
