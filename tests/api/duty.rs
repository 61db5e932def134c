//! Duty records over HTTP: every count checked against SQL over the database, every score
//! recomputed from the rule the answer lists, ranks, the CSV, the report card page, the refusals;
//! and opinions addressed to one member through their QR code or the station's "on duty today" one.

use std::collections::HashMap;

use serde_json::Value;

use crate::helpers::{error_code, expect_400s, TestApp};

impl TestApp {
    /// Loads the sample's two years of opinions and its year of duty ledger into the database.
    async fn with_history(self) -> Self {
        let catalog = self.state.service.catalog();
        let history = liaison::sample::history::history(&catalog, 3_000);
        liaison::store::Store::insert_history(self.store.as_ref(), &history).await.unwrap();
        let ledger = liaison::sample::ledger::ledger(&catalog);
        let end = liaison::sample::history::history_end();
        liaison::store::Store::add_activities(self.store.as_ref(), &ledger, "sample", end).await.unwrap();
        self.state.service.refresh().await.unwrap();
        self
    }

    async fn scalar(&self, sql: &str, member: &str) -> i64 {
        sqlx::query_scalar(sql).bind(member).fetch_one(self.pool()).await.unwrap()
    }
}

/// The score a rule gives `record`'s counts, computed here from the rule's text in the answer.
fn score_by_hand(rule: &[Value], counts: &Value) -> f64 {
    rule.iter()
        .map(|r| {
            let item = r["item"].as_str().unwrap();
            let units = match item {
                "rating" => counts["mean_rating"].as_f64().map_or(0.0, |m| m - 3.0),
                other => counts[other].as_f64().unwrap_or_else(|| panic!("no count {other} in {counts}")),
            };
            let mut p = r["points"].as_f64().unwrap() * units;
            if let Some(min) = r["min"].as_f64() {
                p = p.max(min);
            }
            if let Some(max) = r["max"].as_f64() {
                p = p.min(max);
            }
            p
        })
        .sum()
}

/// Opinions created in 2026 (Shanghai), in each backend's SQL.
fn in_2026(app: &TestApp) -> &'static str {
    match app.pg {
        None => {
            "unixepoch(created_at) >= unixepoch('2026-01-01T00:00:00+08:00')
             AND unixepoch(created_at) < unixepoch('2027-01-01T00:00:00+08:00')"
        }
        Some(_) => {
            "created_at::timestamptz >= '2026-01-01T00:00:00+08:00'
             AND created_at::timestamptz < '2027-01-01T00:00:00+08:00'"
        }
    }
}

#[tokio::test]
async fn duty_records_count_the_ledger_and_the_loop_and_score_by_the_rule() {
    let app = TestApp::with_sample().await.with_history().await;

    let (status, table) = app.get("/api/v1/duty?year=2026").await;

    assert_eq!(status, 200, "{table}");
    let rule = table["rule"].as_array().unwrap();
    let items: Vec<&str> = rule.iter().map(|r| r["item"].as_str().unwrap()).collect();
    assert_eq!(items.len(), 9, "the shipped rule weighs every item: {items:?}");
    let rows = table["members"].as_array().unwrap();
    let catalog = app.state.service.catalog();
    assert_eq!(rows.len(), catalog.members().len(), "every sample member is in term in 2026");
    let (_, stats) = app.get("/api/v1/stats?group_by=member&from=2026-01-01&to=2026-12-31").await;
    let by_member: HashMap<&str, &Value> =
        stats["rows"].as_array().unwrap().iter().filter_map(|r| Some((r["group"].as_str()?, r))).collect();
    let mut some_activity = 0;
    for row in rows {
        let id = row["member_id"].as_str().unwrap();
        let c = &row["counts"];
        // The ledger, by SQL.
        for kind in ["reception", "consultation", "research", "inspection", "river_patrol"] {
            let sql = format!(
                "SELECT count(*) FROM activities a JOIN activity_members m ON m.activity_id = a.id
                 WHERE m.member_id = $1 AND a.kind = '{kind}' AND a.date BETWEEN '2026-01-01' AND '2026-12-31'"
            );
            assert_eq!(c[kind].as_i64(), Some(app.scalar(&sql, id).await), "{id} {kind}");
        }
        some_activity += usize::from(c["reception"].as_i64() > Some(0));
        // The loop: opinions routed to the member in 2026 and their ratings, by SQL.
        let received = app
            .scalar(
                &format!("SELECT count(*) FROM opinions WHERE members LIKE '%\"' || $1 || '\"%' AND {}", in_2026(&app)),
                id,
            )
            .await;
        assert_eq!(c["opinion_received"].as_i64(), Some(received), "{id}");
        let rated = app
            .scalar(
                &format!("SELECT count(rating) FROM opinions WHERE members LIKE '%\"' || $1 || '\"%' AND status <> 'rejected' AND {}", in_2026(&app)),
                id,
            )
            .await;
        assert_eq!(c["rated"].as_i64(), Some(rated), "{id}");
        // Due and on time as the leaders' statistics count them.
        if let Some(s) = by_member.get(id) {
            assert_eq!(c["due"], s["due"], "{id}");
            assert_eq!(c["replied_on_time"], s["replied_on_time"], "{id}");
            assert_eq!(
                c["replied_late"].as_i64(),
                Some(s["due"].as_i64().unwrap() - s["replied_on_time"].as_i64().unwrap())
            );
        } else {
            assert_eq!(received, 0, "{id} has opinions but no statistics row");
        }
        let by_hand = score_by_hand(rule, c);
        assert!((row["score"].as_f64().unwrap() - by_hand).abs() < 0.011, "{id}: {} vs {by_hand}: {row}", row["score"]);
        let parts: f64 = row["parts"].as_array().unwrap().iter().map(|p| p["points"].as_f64().unwrap()).sum();
        assert!((parts - by_hand).abs() < 0.05, "{id}: parts {parts} vs {by_hand}");
    }
    assert!(some_activity > rows.len() / 2, "most members received citizens: {some_activity}/{}", rows.len());
    // Best first; equal scores share a rank, the next rank skips.
    for (i, pair) in rows.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(a["score"].as_f64() >= b["score"].as_f64());
        let want = if a["score"] == b["score"] { a["rank"].as_u64().unwrap() } else { i as u64 + 2 };
        assert_eq!(b["rank"].as_u64(), Some(want), "{a} then {b}");
    }
    assert_eq!(rows[0]["rank"], 1);
}

#[tokio::test]
async fn the_csv_holds_the_same_numbers_and_a_body_filters() {
    let app = TestApp::with_sample().await.with_history().await;
    let (_, deputies) = app.get("/api/v1/duty?year=2026&body=npc_deputy").await;
    let rows = deputies["members"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r["body"] == "npc_deputy"), "{deputies}");
    let (_, all) = app.get("/api/v1/duty?year=2026").await;
    assert!(rows.len() < all["members"].as_array().unwrap().len());

    let res =
        app.client.get(format!("{}/api/v1/duty?year=2026&body=npc_deputy&format=csv", app.base)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("duty-2026.csv"));
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    for (rec, row) in records.iter().zip(rows) {
        assert_eq!(&rec[col("member_id")], row["member_id"].as_str().unwrap());
        assert_eq!(&rec[col("name")], row["name"].as_str().unwrap());
        assert_eq!(rec[col("rank")].parse::<u64>().ok(), row["rank"].as_u64());
        assert_eq!(rec[col("score")].parse::<f64>().ok(), row["score"].as_f64());
        assert_eq!(rec[col("reception")].parse::<i64>().ok(), row["counts"]["reception"].as_i64());
        assert_eq!(rec[col("points_river_patrol")].parse::<f64>().ok(), row["parts"][4]["points"].as_f64());
    }
}

#[tokio::test]
async fn a_recorded_reception_raises_the_report_card_by_the_rules_points() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let member = catalog.members().iter().find(|m| m.station.is_some()).unwrap().clone();
    let station = member.station.clone().unwrap().to_string();
    let path = format!("/api/v1/members/{}/duty?year=2026", member.id);
    let (status, before) = app.get(&path).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["record"]["counts"]["reception"], 0);
    assert_eq!(before["activities"].as_array().unwrap().len(), 0);

    let token = app.token("staff", Some(&station)).await;
    let body = serde_json::json!({
        "kind": "reception", "station": station, "date": "2026-11-05", "start": "14:00", "end": "17:00",
        "members": [member.id.to_string()], "visitors": 7, "title": "代表接待日", "notes": "",
    });
    let res = app
        .client
        .post(format!("{}/api/v1/staff/activities", app.base))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let (_, after) = app.get(&path).await;
    assert_eq!(after["record"]["counts"]["reception"], 1);
    let per_reception = after["rule"].as_array().unwrap().iter().find(|r| r["item"] == "reception").unwrap()["points"]
        .as_f64()
        .unwrap();
    let gained = after["record"]["score"].as_f64().unwrap() - before["record"]["score"].as_f64().unwrap();
    assert!((gained - per_reception).abs() < 1e-9, "{gained} vs {per_reception}");
    let listed = &after["activities"][0];
    assert_eq!(
        (listed["kind"].as_str(), listed["date"].as_str(), listed["visitors"].as_u64()),
        (Some("reception"), Some("2026-11-05"), Some(7))
    );
    assert!(after["of"].as_u64().unwrap() >= after["record"]["rank"].as_u64().unwrap());
    // The year before holds nothing of it.
    let (_, last_year) = app.get(&format!("/api/v1/members/{}/duty?year=2025", member.id)).await;
    assert_eq!(last_year["record"]["counts"]["reception"], 0, "{last_year}");

    // The report card page shows the same numbers.
    let (status, html) = app.get_text(&format!("/members/{}?year=2026&lang=en", member.id)).await;
    assert_eq!(status, 200);
    let score = after["record"]["score"].as_f64().unwrap();
    assert!(html.contains(&format!("data-field=\"score\" data-value=\"{score}\"")), "{html}");
    assert!(html.contains("data-field=\"units-reception\" data-value=\"1\""), "{html}");
    assert!(html.contains(&format!("src=\"/m/{}/qr.svg\"", member.id)));
    assert!(html.contains(&member.name));
}

#[tokio::test]
async fn bad_years_bodies_formats_and_members_are_refused() {
    let app = TestApp::with_sample().await;
    expect_400s(
        &app,
        &[
            ("/api/v1/duty?year=1999", "invalid_year"),
            ("/api/v1/duty?year=2027", "invalid_year"),
            ("/api/v1/duty?year=twenty", "invalid_year"),
            ("/api/v1/duty?body=mayor", "invalid_parameter"),
            ("/api/v1/duty?format=xml", "invalid_parameter"),
            ("/api/v1/members/M001/duty?year=3000", "invalid_year"),
        ],
    )
    .await;
    let (status, body) = app.get("/api/v1/members/NOBODY/duty").await;
    assert_eq!(error_code(status, &body, 404), "not_found");
    let (status, html) = app.get_text("/members/NOBODY").await;
    assert_eq!(status, 404);
    assert!(html.contains("NOBODY"), "{html}");
    let (status, _) = app.get_text("/members/NOBODY?year=abc").await;
    assert_eq!(status, 400);
    let (status, _) = app.get_text("/m/NOBODY/qr.svg").await;
    assert_eq!(status, 404);
}

/// Posts the no-JS submit form and returns the status and where it redirects to.
async fn submit_form(app: &TestApp, fields: &[(&str, &str)]) -> (u16, String) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = client.post(format!("{}/submit", app.base)).form(fields).send().await.unwrap();
    let status = res.status().as_u16();
    match res.headers().get("location").map(|l| l.to_str().unwrap().to_owned()) {
        Some(location) => (status, location),
        None => (status, res.text().await.unwrap()),
    }
}

fn form<'a>(lon: &'a str, lat: &'a str, member: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("category", "roads"),
        ("title", "路灯不亮"),
        ("text", "小区门口路灯坏了一周"),
        ("lon", lon),
        ("lat", lat),
        ("channel", "qr"),
        ("member", member),
    ]
}

#[tokio::test]
async fn an_opinion_sent_through_a_members_qr_code_goes_to_that_member_alone() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    // A member whose station lies away from the place: the member's station takes it anyway.
    let (lon, lat) = (121.5435, 29.8655);
    let routed = catalog.route(liaison::domain::LonLat::new(lon, lat).unwrap(), liaison::domain::Category::Roads);
    let member = catalog
        .members()
        .iter()
        .find(|m| m.station.is_some() && m.station != routed.station && !routed.members.contains(&m.id))
        .unwrap()
        .clone();
    let (status, page) = app.get_text(&format!("/m/{}", member.id)).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("name=\"member\" value=\"{}\"", member.id)), "{page}");
    let (status, qr) = app.get_text(&format!("/m/{}/qr.svg", member.id)).await;
    assert_eq!(status, 200);
    assert!(qr.contains("<svg"), "{qr}");

    let (status, location) = submit_form(&app, &form(&lon.to_string(), &lat.to_string(), member.id.as_str())).await;

    assert_eq!(status, 303, "{location}");
    let code = location.trim_start_matches("/track/").trim_end_matches("?new=1").parse().unwrap();
    let stored = liaison::store::Store::opinion_by_code(app.store.as_ref(), &code).await.unwrap().unwrap();
    assert_eq!(stored.routing.members, vec![member.id.clone()]);
    assert_eq!(stored.routing.station, member.station);
    assert_eq!(stored.routing.grid, routed.grid, "the place still gives the grid area");
    // The member's own login sees it in their inbox.
    app.user("qr.member", "member", None, Some(member.id.as_str())).await;
    let client = app.logged_in_client("qr.member").await;
    let inbox: Value =
        client.get(format!("{}/api/v1/staff/issues", app.base)).send().await.unwrap().json().await.unwrap();
    assert!(inbox["issues"].as_array().unwrap().iter().any(|i| i["id"] == stored.id), "{inbox}");

    // An unknown member is refused on the form with the reason, and nothing is stored.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM opinions").fetch_one(app.pool()).await.unwrap();
    let (status, page) = submit_form(&app, &form(&lon.to_string(), &lat.to_string(), "NOBODY")).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("NOBODY"), "{page}");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM opinions").fetch_one(app.pool()).await.unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_on_duty_qr_code_offers_todays_members_or_says_when_the_next_reception_is() {
    // The clock stands on Thursday 2026-11-12 at 10:00.
    let app = TestApp::with_sample().await;
    let lookups = app.state.service.lookups();
    let catalog = app.state.service.catalog();
    let today = liaison::domain::schedule::has_session_on;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 12).unwrap();
    let receiving = catalog
        .stations()
        .iter()
        .find(|s| today(&s.reception, date) && !lookups.on_duty_today(s.id.as_str()).unwrap().members.is_empty())
        .expect("a station receiving today");
    let idle = catalog
        .stations()
        .iter()
        .find(|s| !today(&s.reception, date) && !s.reception.is_empty())
        .expect("a station not receiving today");

    let (status, page) = app.get_text(&format!("/s/{}/duty?lang=en", receiving.id)).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-state=\"on-duty\""), "{page}");
    let on_duty = lookups.on_duty_today(receiving.id.as_str()).unwrap();
    for m in &on_duty.members {
        assert!(page.contains(&format!("value=\"{}\"", m.id)), "{} offered: {page}", m.id);
    }
    let chosen = on_duty.members.last().unwrap().id.to_string();
    let (lon, lat) = (format!("{:.6}", receiving.location.lon()), format!("{:.6}", receiving.location.lat()));
    let (status, location) = submit_form(&app, &form(&lon, &lat, &chosen)).await;
    assert_eq!(status, 303, "{location}");
    let code = location.trim_start_matches("/track/").trim_end_matches("?new=1").parse().unwrap();
    let stored = liaison::store::Store::opinion_by_code(app.store.as_ref(), &code).await.unwrap().unwrap();
    assert_eq!(stored.routing.members.iter().map(|m| m.to_string()).collect::<Vec<_>>(), vec![chosen]);

    let (status, page) = app.get_text(&format!("/s/{}/duty?lang=en", idle.id)).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-state=\"none-today\""), "{page}");
    assert!(!page.contains("name=\"member\""), "nobody to address: {page}");
    let (status, qr) = app.get_text(&format!("/s/{}/duty/qr.svg", idle.id)).await;
    assert_eq!((status, qr.contains("<svg")), (200, true));
    let (status, _) = app.get_text("/s/NOWHERE/duty").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_report_card_prints_on_a4_and_the_on_duty_form_works_on_a_phone_in_a_browser() {
    let app = TestApp::with_sample().await.with_history().await;
    let (_, table) = app.get("/api/v1/duty?year=2026").await;
    let best = &table["members"][0];
    let member = best["member_id"].as_str().unwrap();
    let (_, card) = app.get(&format!("/api/v1/members/{member}/duty?year=2026")).await;
    let lookups = app.state.service.lookups();
    let catalog = app.state.service.catalog();
    let station = catalog
        .stations()
        .iter()
        .find(|s| lookups.on_duty_today(s.id.as_str()).unwrap().members.len() >= 2)
        .or_else(|| {
            catalog.stations().iter().find(|s| !lookups.on_duty_today(s.id.as_str()).unwrap().members.is_empty())
        })
        .expect("a station receiving today");
    let on_duty: Vec<String> =
        lookups.on_duty_today(station.id.as_str()).unwrap().members.iter().map(|m| m.id.to_string()).collect();

    let shown =
        crate::browser::playwright("duty", &app.base, &[("MEMBER", member), ("STATION", station.id.as_str())]).await;

    let c = &shown["card"];
    assert_eq!(c["score"].as_f64(), card["record"]["score"].as_f64(), "{shown}");
    assert_eq!(c["rank"].as_u64(), card["record"]["rank"].as_u64());
    let items: Vec<&Value> = card["rule"].as_array().unwrap().iter().map(|r| &r["item"]).collect();
    assert_eq!(c["items"].as_array().unwrap().iter().collect::<Vec<_>>(), items);
    assert_eq!(c["activities"].as_u64(), Some(card["activities"].as_array().unwrap().len() as u64));
    assert!(c["qrWidth"].as_u64() > Some(0), "the QR code loaded: {shown}");
    assert_eq!(c["lang"], "zh-CN");
    assert!(c["sheets"].as_u64().is_some_and(|n| (1..=3).contains(&n)), "printable: {shown}");
    let d = &shown["duty"];
    assert_eq!(d["state"], "on-duty", "{shown}");
    let offered: Vec<String> =
        d["offered"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    assert_eq!(offered, on_duty);
    assert_eq!(d["overflow"], false, "no sideways scrolling on a phone");
    // The opinion went to the member chosen by keyboard (the last on duty).
    let code = d["code"].as_str().unwrap().parse().unwrap();
    let stored = liaison::store::Store::opinion_by_code(app.store.as_ref(), &code).await.unwrap().unwrap();
    assert_eq!(
        stored.routing.members.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
        [on_duty.last().unwrap().clone()]
    );
}
