//! Reception rotas over HTTP: who may see and decide a station's rota, suggestions that follow
//! education opinions rising in the station's area (submitted through the real API), and an
//! accepted rota that the printed notice and the calendar feeds follow until it is removed.

use geo::InteriorPoint;
use serde_json::{json, Value};

use crate::helpers::{error_code, TestApp};
use crate::opinions::opinion;

impl TestApp {
    /// `method` on `path` with a bearer token (none: anonymous) and an optional JSON body.
    async fn rota_call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut req = self.client.request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}"))
        };
        (status, body)
    }
}

/// A station to test rotas on: a deputy station with a grid area it serves (and a point inside
/// it), whose next session's rule names members and has no theme, and whose candidates hold an
/// education member and at least two members the rule does not name.
struct Fixture {
    station: String,
    point: (f64, f64),
}

fn fixture(app: &TestApp) -> Fixture {
    use liaison::analytics::rota::speaks_for;
    use liaison::domain::{Category, StationKind};
    let catalog = app.state.service.catalog();
    let now = app.state.service.now();
    for station in catalog.stations().iter().filter(|s| s.kind == StationKind::DeputyLiaisonStation) {
        let Some(grid) = catalog.grids().iter().find(|g| g.station.as_ref() == Some(&station.id)) else { continue };
        let Some(next) = catalog.rule_sessions(station, now, 1).into_iter().next() else { continue };
        if next.members.is_empty() || next.theme.is_some() {
            continue;
        }
        let day = next.start.date_naive();
        let own = catalog.members_of_station(&station.id);
        let teacher = own
            .iter()
            .any(|m| m.in_term_on(day) && speaks_for(&m.occupation, &m.sector, Category::Education).is_some());
        let others = own.iter().filter(|m| m.in_term_on(day) && !next.members.contains(&m.id)).count();
        // The grid's point must route to this grid.
        let p = grid.geometry.interior_point().unwrap();
        let inside =
            catalog.grid_at(liaison::domain::LonLat::new(p.x(), p.y()).unwrap()).is_ok_and(|h| h.grid.id == grid.id);
        if teacher && others >= 2 && inside {
            return Fixture { station: station.id.to_string(), point: (p.x(), p.y()) };
        }
    }
    panic!("the sample has no station fit for the rota tests");
}

fn ids(members: &Value) -> Vec<String> {
    members.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn only_the_stations_staff_leaders_and_admins_see_its_rota_and_only_staff_and_admins_decide() {
    let app = TestApp::with_sample().await;
    let f = fixture(&app);
    let other =
        app.state.service.catalog().stations().iter().find(|s| s.id.as_str() != f.station).unwrap().id.to_string();
    let path = format!("/api/v1/staff/stations/{}/rota", f.station);

    let (status, body) = app.rota_call("GET", &path, None, None).await;
    assert_eq!(error_code(status, &body, 401), "unauthenticated");
    // A member logs in on the web (members have no tokens); the API reads the login cookie.
    let member = app.state.service.catalog().members_of_station(&f.station.parse().unwrap())[0].id.to_string();
    app.user("deputy", "member", None, Some(&member)).await;
    let res = app.logged_in_client("deputy").await.get(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403, "a member of the station itself");
    for token in [app.token("staff", Some(&other)).await, app.token("integrator", None).await] {
        let (status, body) = app.rota_call("GET", &path, Some(&token), None).await;
        error_code(status, &body, 403);
    }

    let staff = app.token("staff", Some(&f.station)).await;
    let (status, rota) = app.rota_call("GET", &path, Some(&staff), None).await;
    assert_eq!(status, 200, "{rota}");
    assert_eq!((rota["station"].as_str(), rota["may_decide"].as_bool()), (Some(f.station.as_str()), Some(true)));
    assert_eq!(rota["sessions"].as_array().unwrap().len(), 6, "six sessions by default");
    let leader = app.token("leader", None).await;
    let (status, seen) = app.rota_call("GET", &path, Some(&leader), None).await;
    assert_eq!((status, seen["may_decide"].as_bool()), (200, Some(false)));

    // The candidates: the station's members, its grid areas' and its rules', by id.
    let catalog = app.state.service.catalog();
    let station = catalog.station(&f.station.parse().unwrap()).unwrap();
    let mut want: Vec<String> = catalog.members_of_station(&station.id).iter().map(|m| m.id.to_string()).collect();
    for g in catalog.grids().iter().filter(|g| g.station.as_ref() == Some(&station.id)) {
        want.extend(g.members.iter().map(|m| m.to_string()));
    }
    want.extend(station.reception.iter().flat_map(|r| r.members.iter().map(|m| m.to_string())));
    want.sort();
    want.dedup();
    assert_eq!(ids(&rota["candidates"]), want);

    let session = &rota["sessions"][0];
    let start = session["start"].as_str().unwrap();
    let put = format!("{path}/{start}");
    let choice = json!({ "members": [session["eligible"][0]] });
    let (status, body) = app.rota_call("PUT", &put, Some(&leader), Some(choice.clone())).await;
    error_code(status, &body, 403);
    let (status, body) =
        app.rota_call("PUT", &put, Some(&app.token("staff", Some(&other)).await), Some(choice.clone())).await;
    error_code(status, &body, 403);
    let (status, body) = app.rota_call("PUT", &put, None, Some(choice.clone())).await;
    error_code(status, &body, 401);
    let admin = app.token("admin", None).await;
    let (status, body) = app.rota_call("PUT", &put, Some(&admin), Some(choice)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"]["decided_by"], "admin:admin-test");
    let (status, _) = app.rota_call("DELETE", &put, Some(&leader), None).await;
    assert_eq!(status, 403);
    let (status, _) = app.rota_call("DELETE", &put, Some(&staff), None).await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn education_opinions_rising_in_the_stations_area_bring_an_education_member_forward() {
    let app = TestApp::with_sample().await;
    let f = fixture(&app);
    let staff = app.token("staff", Some(&f.station)).await;
    let path = format!("/api/v1/staff/stations/{}/rota?sessions=3&k=1", f.station);
    let education_reason = |s: &Value| {
        s["reasons"].as_array().unwrap().iter().any(|r| r["kind"] == "rising" && r["category"] == "education")
    };
    let rising = |rota: &Value, category: &str| {
        rota["trends"].as_array().unwrap().iter().find(|t| t["category"] == category).unwrap().clone()
    };

    let (status, before) = app.rota_call("GET", &path, Some(&staff), None).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(rising(&before, "education")["rising"], false, "{}", before["trends"]);
    assert!(before["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["k"] == 1 && s["suggested"].as_array().unwrap().len() == 1));
    let first_before = before["sessions"][0]["suggested"][0].clone();
    assert!(!education_reason(&first_before), "{first_before}");

    // Residents of the station's grid write about schools.
    for _ in 0..8 {
        let (status, body) = app.post("/api/v1/issues", &opinion("education", f.point.0, f.point.1)).await;
        assert_eq!(status, 201, "{body}");
    }
    let (_, after) = app.rota_call("GET", &path, Some(&staff), None).await;
    let trend = rising(&after, "education");
    assert_eq!(trend["rising"], true, "{trend}");
    assert!(trend["recent"].as_u64().unwrap() >= 8, "{trend}");
    assert_eq!(after["trends"][0]["category"], "education", "rising trends come first");
    let first = &after["sessions"][0]["suggested"][0];
    assert!(education_reason(first), "{first}");
    let reason = first["reasons"].as_array().unwrap().iter().find(|r| r["kind"] == "rising").unwrap();
    let field = reason["field"].as_str().unwrap();
    assert!(first["member"][field].as_str().unwrap().contains(reason["word"].as_str().unwrap()), "{first}");
    assert_eq!(reason["recent"], trend["recent"]);
    assert_ne!(first["member"]["id"], first_before["member"]["id"], "the suggestion changed");

    // Every suggested member is a candidate in term that day, and no more than k are suggested.
    for s in after["sessions"].as_array().unwrap() {
        let eligible: Vec<&str> = s["eligible"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        for m in s["suggested"].as_array().unwrap() {
            assert!(eligible.contains(&m["member"]["id"].as_str().unwrap()), "{s}");
        }
    }
}

#[tokio::test]
async fn an_accepted_rota_changes_the_notice_and_the_calendars_until_it_is_removed() {
    let app = TestApp::with_sample().await;
    let f = fixture(&app);
    let staff = app.token("staff", Some(&f.station)).await;
    let base = format!("/api/v1/staff/stations/{}/rota", f.station);
    let (_, rota) = app.rota_call("GET", &base, Some(&staff), None).await;
    let session = rota["sessions"][0].clone();
    let start = session["start"].as_str().unwrap().to_owned();
    let rule = ids(&session["rule_members"]);
    let chosen: Vec<String> = session["eligible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .filter(|m| !rule.contains(m))
        .take(2)
        .collect();
    assert_eq!(chosen.len(), 2);
    let put = format!("{base}/{start}");

    // Refusals first: nothing changes.
    let other_station_member = app
        .state
        .service
        .catalog()
        .members()
        .iter()
        .find(|m| !rota["candidates"].as_array().unwrap().iter().any(|c| c["id"] == m.id.as_str()))
        .unwrap()
        .id
        .to_string();
    for (body, code) in [
        (json!({ "members": [] }), "invalid_rota"),
        (json!({ "members": ["NO-SUCH"] }), "unknown_member"),
        (json!({ "members": ["bad id!"] }), "unknown_member"),
        (json!({ "members": [chosen[0], chosen[0]] }), "invalid_rota"),
        (json!({ "members": [other_station_member] }), "member_not_at_station"),
    ] {
        let (status, answer) = app.rota_call("PUT", &put, Some(&staff), Some(body.clone())).await;
        assert_eq!(error_code(status, &answer, 422), code, "{body}");
    }
    let (status, answer) = app.rota_call("PUT", &put, Some(&staff), Some(json!({ "names": [] }))).await;
    error_code(status, &answer, 422);
    let (status, answer) = app
        .rota_call(
            "PUT",
            &format!("{base}/2020-01-06T09:00:00+08:00"),
            Some(&staff),
            Some(json!({ "members": chosen })),
        )
        .await;
    error_code(status, &answer, 404);
    let (status, answer) =
        app.rota_call("PUT", &format!("{base}/next-monday"), Some(&staff), Some(json!({ "members": chosen }))).await;
    error_code(status, &answer, 400);
    let (status, answer) = app.rota_call("DELETE", &put, Some(&staff), None).await;
    error_code(status, &answer, 404);

    let notice = format!("/s/{}/notice?start={}", f.station, start.replace('+', "%2B"));
    let (_, html) = app.get_text(&notice).await;
    for m in &rule {
        assert!(html.contains(&format!("data-member-id=\"{m}\"")), "the rule's {m} receives");
    }

    // Accept two others (with the start percent-encoded, as a browser sends it).
    let (status, accepted) =
        app.rota_call("PUT", &put.replace('+', "%2B"), Some(&staff), Some(json!({ "members": chosen }))).await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(ids(&accepted["accepted"]["members"]), chosen);
    assert_eq!(ids(&accepted["on_duty"]), chosen);
    assert_eq!(ids(&accepted["rule_members"]), rule, "the rule is unchanged");
    assert_eq!(accepted["accepted"]["decided_by"], "staff:staff-test");

    let (_, html) = app.get_text(&notice).await;
    for m in &chosen {
        assert!(html.contains(&format!("data-member-id=\"{m}\"")), "{m} receives now");
    }
    for m in &rule {
        assert!(!html.contains(&format!("data-member-id=\"{m}\"")), "{m} no longer receives");
    }
    let catalog = app.state.service.catalog();
    let name = |id: &str| catalog.member(&id.parse().unwrap()).unwrap().name.clone();
    let event = |feed: &str| -> String {
        let stamp = chrono::DateTime::parse_from_rfc3339(&start).unwrap().format("%Y%m%dT%H%M%S").to_string();
        let unfolded = feed.replace("\r\n ", "");
        unfolded
            .split("BEGIN:VEVENT")
            .find(|e| e.contains(&format!("DTSTART;TZID=Asia/Shanghai:{stamp}")))
            .unwrap_or_else(|| panic!("no event at {start}"))
            .to_owned()
    };
    let (_, feed) = app.get_text(&format!("/api/v1/stations/{}/calendar.ics", f.station)).await;
    let e = event(&feed);
    assert!(chosen.iter().all(|m| e.contains(&name(m))), "{e}");
    assert!(rule.iter().all(|m| !e.contains(&name(m))), "{e}");
    let (_, feed) = app.get_text(&format!("/api/v1/members/{}/calendar.ics", chosen[0])).await;
    assert!(event_present(&feed, &start), "the chosen member's feed has the session");
    let (_, feed) = app.get_text(&format!("/api/v1/members/{}/calendar.ics", rule[0])).await;
    assert!(!event_present(&feed, &start), "the rule's member's feed no longer has it");
    let (_, listed) = app.rota_call("GET", &base, Some(&staff), None).await;
    assert_eq!(ids(&listed["sessions"][0]["accepted"]["members"]), chosen, "the rota shows what is accepted");

    // The acceptance survives a restart (it is stored), then removing it restores the rule.
    let app = app.restart().await;
    let (_, html) = app.get_text(&notice).await;
    assert!(html.contains(&format!("data-member-id=\"{}\"", chosen[0])), "stored");
    let staff = app.token("staff", Some(&f.station)).await;
    let (status, _) = app.rota_call("DELETE", &put, Some(&staff), None).await;
    assert_eq!(status, 204);
    let (_, html) = app.get_text(&notice).await;
    for m in &rule {
        assert!(html.contains(&format!("data-member-id=\"{m}\"")), "the rule's {m} receives again");
    }
    assert!(!html.contains(&format!("data-member-id=\"{}\"", chosen[0])));
    let (_, feed) = app.get_text(&format!("/api/v1/stations/{}/calendar.ics", f.station)).await;
    let e = event(&feed);
    assert!(rule.iter().all(|m| e.contains(&name(m))), "{e}");
}

/// Whether a feed has an event starting at `start` (RFC 3339).
fn event_present(feed: &str, start: &str) -> bool {
    let stamp = chrono::DateTime::parse_from_rfc3339(start).unwrap().format("%Y%m%dT%H%M%S").to_string();
    feed.contains(&format!("DTSTART;TZID=Asia/Shanghai:{stamp}"))
}

#[tokio::test]
async fn the_rota_page_fills_the_boxes_with_the_suggestion_and_saves_without_javascript() {
    let app = TestApp::with_sample().await;
    let f = fixture(&app);
    app.user("clerk", "staff", Some(&f.station), None).await;
    let client = app.logged_in_client("clerk").await;
    let page = |path: &str| {
        let (client, url) = (client.clone(), format!("{}{path}", app.base));
        async move {
            let res = client.get(url).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, inbox) = page("/staff").await;
    assert!(status == 200 && inbox.contains("href=\"/staff/rota\""), "the inbox links the rota");
    let (status, html) = page("/staff/rota?lang=en").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Reception rota") && !html.contains("⟦"), "English messages, none missing");
    let (_, zh) = page("/staff/rota?lang=zh-CN").await;
    assert!(zh.contains("接待排班") && !zh.contains("⟦"));

    let staff = app.token("staff", Some(&f.station)).await;
    let (_, rota) =
        app.rota_call("GET", &format!("/api/v1/staff/stations/{}/rota", f.station), Some(&staff), None).await;
    let session = &rota["sessions"][0];
    let start = session["start"].as_str().unwrap();
    // The first session's boxes are ticked with the suggestion, and only they.
    let section = &html[html.find("id=\"session-0\"").unwrap()..html.find("id=\"session-1\"").unwrap()];
    for m in session["eligible"].as_array().unwrap() {
        let m = m.as_str().unwrap();
        let suggested = session["suggested"].as_array().unwrap().iter().any(|s| s["member"]["id"] == m);
        let at = section.find(&format!("name=\"m.{m}\"")).unwrap_or_else(|| panic!("a box for {m}"));
        let tag = &section[at..at + section[at..].find('>').unwrap()];
        assert_eq!(tag.contains("checked"), suggested, "{m}: {tag}");
    }

    // Saving with no box ticked is refused on the page; then one member is saved.
    let csrf = {
        let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let post = |fields: Vec<(String, String)>| {
        let (client, url) = (client.clone(), format!("{}/staff/rota?lang=en", app.base));
        async move {
            let res = client.post(url).form(&fields).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let base = vec![
        ("csrf".to_owned(), csrf.clone()),
        ("station".to_owned(), f.station.clone()),
        ("start".to_owned(), start.to_owned()),
        ("index".to_owned(), "0".to_owned()),
        ("action".to_owned(), "save".to_owned()),
    ];
    let (status, refused) = post(base.clone()).await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"rota-error\"") && refused.contains("at least one member"), "{refused}");
    let chosen = session["eligible"][0].as_str().unwrap().to_owned();
    let mut fields = base.clone();
    fields.push((format!("m.{chosen}"), "on".to_owned()));
    let (status, saved) = post(fields).await;
    assert_eq!(status, 200, "redirected to the rota");
    assert!(saved.contains(&format!("data-members=\"{chosen}\"")), "the session shows what is accepted");
    let (_, notice) = app.get_text(&format!("/s/{}/notice?start={}", f.station, start.replace('+', "%2B"))).await;
    assert!(notice.contains(&format!("data-member-id=\"{chosen}\"")));
    // Back to the calendar's members.
    let mut fields = base.clone();
    fields.retain(|(k, _)| k != "action");
    fields.push(("action".to_owned(), "reset".to_owned()));
    let (status, reset) = post(fields).await;
    assert_eq!(status, 200);
    let section = &reset[reset.find("id=\"session-0\"").unwrap()..];
    assert!(section.starts_with("id=\"session-0\" data-start") && section.contains("data-accepted=\"false\""));

    // A leader reads any station's rota, chosen in a form, without the forms to change it.
    app.user("boss", "leader", None, None).await;
    let leader = app.logged_in_client("boss").await;
    let html = leader.get(format!("{}/staff/rota", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"rota-station\"") && !html.contains("session-0"), "first a station to pick");
    let html = leader
        .get(format!("{}/staff/rota?station={}", app.base, f.station))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"session-0\"") && !html.contains("class=\"rota-form\""), "read only");
}

#[tokio::test]
async fn a_browser_changes_a_sessions_members_on_the_rota_page_and_the_notice_names_them() {
    let app = TestApp::with_sample().await;
    let f = fixture(&app);
    app.user("clerk", "staff", Some(&f.station), None).await;
    // Education opinions rise in the station's grid, so the page has a reason to show.
    for _ in 0..8 {
        let (status, body) = app.post("/api/v1/issues", &opinion("education", f.point.0, f.point.1)).await;
        assert_eq!(status, 201, "{body}");
    }
    let staff = app.token("staff", Some(&f.station)).await;
    let (_, rota) =
        app.rota_call("GET", &format!("/api/v1/staff/stations/{}/rota", f.station), Some(&staff), None).await;
    let session = &rota["sessions"][0];
    let suggested: Vec<String> = session["suggested"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["member"]["id"].as_str().unwrap().to_owned())
        .collect();
    // Two members the suggestion leaves out.
    let chosen: Vec<String> = session["eligible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .filter(|m| !suggested.contains(m))
        .take(2)
        .collect();
    assert_eq!(chosen.len(), 2, "{session}");
    let shown = crate::browser::playwright(
        "rota",
        &app.base,
        &[
            ("USERNAME", "clerk"),
            ("PASSWORD", "a long enough secret"),
            ("CHOOSE", &chosen.join(",")),
            ("STATION", &f.station),
        ],
    )
    .await;
    let strings = |v: &Value| -> Vec<String> {
        let mut s: Vec<String> = v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect();
        s.sort();
        s
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert!(shown["title"].as_str().unwrap().contains(rota["station_name"].as_str().unwrap()), "{shown}");
    assert_eq!(shown["before"]["start"], session["start"]);
    assert_eq!(strings(&shown["before"]["checked"]), sorted(suggested.clone()), "the boxes start with the suggestion");
    assert_eq!(strings(&shown["before"]["suggested"]), sorted(suggested), "{shown}");
    assert!(shown["cleared"].as_array().unwrap().is_empty(), "Space unticked them: {shown}");
    assert_eq!(shown["trends"], json!(["education"]), "{shown}");
    let reasons = shown["before"]["reasons"].as_array().unwrap();
    assert!(reasons[0].as_str().unwrap().starts_with("教育类意见上升：近 4 周 8 件"), "{reasons:?}");
    assert_eq!(strings(&shown["ticked"]), sorted(chosen.clone()));
    assert_eq!(shown["after"]["accepted"], true, "{shown}");
    assert_eq!(strings(&shown["after"]["acceptedMembers"]), sorted(chosen.clone()));
    assert_eq!(strings(&shown["after"]["checked"]), sorted(chosen.clone()), "the boxes now show what is accepted");
    assert_eq!(strings(&shown["onDuty"]), sorted(chosen.clone()), "the notice names them");

    let (_, now) =
        app.rota_call("GET", &format!("/api/v1/staff/stations/{}/rota", f.station), Some(&staff), None).await;
    assert_eq!(ids(&now["sessions"][0]["accepted"]["members"]).len(), 2);
    assert_eq!(now["sessions"][0]["accepted"]["decided_by"], "staff:clerk");
    crate::browser::assert_only_this_server(&shown, &app.base);
    crate::browser::assert_screenshot(&shown, 20_000);
}

#[tokio::test]
async fn receptions_in_the_ledger_over_the_last_90_days_send_a_member_down_the_suggestions() {
    let app = TestApp::with_sample().await;
    let f = fixture(&app);
    let staff = app.token("staff", Some(&f.station)).await;
    let path = format!("/api/v1/staff/stations/{}/rota?sessions=1&k=1", f.station);
    let (_, before) = app.rota_call("GET", &path, Some(&staff), None).await;
    let first = before["sessions"][0]["suggested"][0]["member"]["id"].as_str().unwrap().to_owned();
    let receptions = |rota: &Value, id: &str| {
        rota["candidates"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()["receptions"].as_u64().unwrap()
    };
    assert_eq!(receptions(&before, &first), 0);

    // Two receptions in the last 90 days count; one of last spring does not.
    for date in ["2026-09-10", "2026-11-05", "2026-03-02"] {
        let body = json!({
            "kind": "reception", "station": f.station, "date": date, "start": "14:00", "end": "17:00",
            "members": [first], "visitors": 5, "title": "代表接待日",
        });
        let (status, answer) = app.rota_call("POST", "/api/v1/staff/activities", Some(&staff), Some(body)).await;
        assert_eq!(status, 201, "{answer}");
    }
    let (_, after) = app.rota_call("GET", &path, Some(&staff), None).await;
    assert_eq!(receptions(&after, &first), 2);
    let now_first = &after["sessions"][0]["suggested"][0];
    assert_ne!(now_first["member"]["id"], first.as_str(), "{now_first}");
    assert_eq!(now_first["reasons"][0], json!({ "kind": "fewest_receptions", "receptions": 0 }));
}
