//! Members' duty activities over HTTP: recording with a staff token, listing by station, member,
//! kind and dates (checked against a brute-force filter), river patrols with their paths, the
//! refusals, and paper ledgers imported all or nothing.

use serde_json::{json, Value};

use crate::helpers::{error_code, TestApp};

impl TestApp {
    async fn post_as(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let res = self.client.post(format!("{}{path}", self.base)).bearer_auth(token).json(body).send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {path}: not JSON ({e}): {text}")))
    }

    /// The activities the API lists for `query` (at most 1000).
    async fn activities(&self, query: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/api/v1/activities?limit=1000&{query}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["count"].as_u64().unwrap() as usize, body["activities"].as_array().unwrap().len());
        body["activities"].as_array().unwrap().clone()
    }

    async fn stored_activities(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM activities").fetch_one(self.pool()).await.unwrap()
    }

    /// A station of the sample with at least two members, and two of its members.
    fn station_with_members(&self, skip: usize) -> (String, String, String) {
        let catalog = self.state.service.catalog();
        let station = catalog
            .stations()
            .iter()
            .filter(|s| catalog.members_of_station(&s.id).len() >= 2)
            .nth(skip)
            .expect("a station with two members");
        let members = catalog.members_of_station(&station.id);
        (station.id.to_string(), members[0].id.to_string(), members[1].id.to_string())
    }
}

fn reception(station: &str, members: &[&str], date: &str) -> Value {
    json!({
        "kind": "reception", "station": station, "date": date, "start": "14:00", "end": "17:00",
        "members": members, "visitors": 12, "title": "代表接待日", "notes": "群众反映停车难、加装电梯",
    })
}

fn patrol(station: &str, member: &str) -> Value {
    json!({
        "kind": "river_patrol", "station": station, "date": "2026-11-03", "start": "09:00", "end": null,
        "members": [member], "visitors": 0, "title": "南塘河巡河", "notes": "",
        "patrol": {
            "river": "南塘河",
            "path": { "type": "LineString", "coordinates": [[121.531, 29.861], [121.535, 29.8625], [121.54, 29.865]] },
            "observations": "河面少量漂浮物，已通知保洁", "water_class": "III",
            "photos": ["https://hzz.example.gov.cn/photos/2026/1103-01.jpg", "/photos/ab12.jpg"],
        },
    })
}

/// The fields a recorded activity must give back as they were sent.
fn assert_same(sent: &Value, got: &Value) {
    for field in ["kind", "date", "start", "end", "visitors", "title", "notes"] {
        assert_eq!(got[field], sent[field], "{field}: {got}");
    }
    assert_eq!(got["station"]["id"], sent["station"], "{got}");
    assert!(got["station"]["name"].as_str().is_some_and(|n| !n.is_empty()), "the station is named: {got}");
    let members: Vec<&Value> = got["members"].as_array().unwrap().iter().map(|m| &m["id"]).collect();
    assert_eq!(members, sent["members"].as_array().unwrap().iter().collect::<Vec<_>>());
    assert!(got["members"].as_array().unwrap().iter().all(|m| m["name"].is_string()), "members are named: {got}");
}

#[tokio::test]
async fn a_staff_token_records_a_reception_that_lists_by_station_and_by_member_as_sent() {
    let app = TestApp::with_sample().await;
    let (station, m1, m2) = app.station_with_members(0);
    let token = app.token("staff", Some(&station)).await;
    let sent = reception(&station, &[&m1, &m2], "2026-11-05");

    let (status, recorded) = app.post_as(&token, "/api/v1/staff/activities", &sent).await;

    assert_eq!(status, 201, "{recorded}");
    assert_same(&sent, &recorded);
    assert_eq!(recorded["kind_label"], "接待");
    assert!(recorded["patrol"].is_null());
    let by_station = app.activities(&format!("station={station}")).await;
    assert_eq!(by_station, vec![recorded.clone()]);
    for member in [&m1, &m2] {
        assert_eq!(app.activities(&format!("member={member}")).await, vec![recorded.clone()]);
    }
    assert_eq!(app.stored_activities().await, 1);
}

#[tokio::test]
async fn a_river_patrol_with_a_path_and_class_iii_round_trips() {
    let app = TestApp::with_sample().await;
    let (station, m1, _) = app.station_with_members(0);
    let token = app.token("admin", None).await;
    let sent = patrol(&station, &m1);

    let (status, recorded) = app.post_as(&token, "/api/v1/staff/activities", &sent).await;

    assert_eq!(status, 201, "{recorded}");
    assert_same(&sent, &recorded);
    let p = &recorded["patrol"];
    assert_eq!(p["river"], "南塘河");
    assert_eq!(p["path"], sent["patrol"]["path"]);
    assert_eq!(p["water_class"], "III");
    assert_eq!(p["observations"], sent["patrol"]["observations"]);
    assert_eq!(p["photos"], sent["patrol"]["photos"]);
    let length = p["length_m"].as_f64().unwrap();
    assert!((800.0..1200.0).contains(&length), "about 1 km walked: {length}");
    assert_eq!(app.activities("kind=river_patrol").await, vec![recorded]);

    // A photo reference that is not a web address or a path here is refused.
    let mut bad = patrol(&station, &m1);
    bad["patrol"]["photos"] = serde_json::json!(["javascript:alert(1)"]);
    let (status, body) = app.post_as(&token, "/api/v1/staff/activities", &bad).await;
    assert_eq!(error_code(status, &body, 422), "invalid_activity", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("photo reference 0"), "{body}");
}

#[tokio::test]
async fn bad_activities_are_refused_in_the_error_shape_and_nothing_is_stored() {
    let app = TestApp::with_sample().await;
    let (station, m1, m2) = app.station_with_members(0);
    let (other_station, other_member, _) = app.station_with_members(1);
    let staff = app.token("staff", Some(&station)).await;
    let good = reception(&station, &[&m1, &m2], "2026-11-05");
    let with = |field: &str, value: Value| {
        let mut v = good.clone();
        v[field] = value;
        v
    };
    let mut pathless = patrol(&station, &m1);
    pathless["patrol"].as_object_mut().unwrap().remove("path");
    let cases = [
        (with("kind", json!("meeting")), 422, "invalid_activity"),
        (with("members", json!([])), 422, "invalid_activity"),
        (with("members", json!([m1, m1])), 422, "invalid_activity"),
        (with("members", json!(["HS-M-9999"])), 422, "unknown_member"),
        (with("station", json!("HS-NOPE")), 422, "unknown_station"),
        (with("title", json!("第一行\n第二行")), 422, "invalid_activity"),
        (with("date", json!("2026-11-13")), 422, "invalid_activity"),
        (with("date", json!("5.11.2026")), 422, "invalid_activity"),
        (with("end", json!("13:00")), 422, "invalid_activity"),
        (with("opinions", json!([999_999])), 422, "unknown_opinion"),
        (with("colour", json!("red")), 422, "invalid_body"),
        (with("patrol", patrol(&station, &m1)["patrol"].clone()), 422, "invalid_activity"),
        (pathless, 422, "invalid_activity"),
        (reception(&other_station, &[&other_member], "2026-11-05"), 403, "forbidden"),
    ];
    for (body, want_status, want_code) in cases {
        let (status, answer) = app.post_as(&staff, "/api/v1/staff/activities", &body).await;
        assert_eq!(error_code(status, &answer, want_status), want_code, "{body} -> {answer}");
    }
    let member = app.token("leader", None).await;
    let (status, answer) = app.post_as(&member, "/api/v1/staff/activities", &good).await;
    assert_eq!(error_code(status, &answer, 403), "forbidden");
    let (status, answer) = app.post("/api/v1/staff/activities", &good).await;
    assert_eq!(error_code(status, &answer, 401), "unauthenticated");
    assert_eq!(app.stored_activities().await, 0);
    assert!(app.activities("").await.is_empty());
}

#[tokio::test]
async fn a_ledger_with_one_bad_row_is_refused_naming_its_line_and_the_good_rows_then_import() {
    let app = TestApp::with_sample().await;
    let (station, m1, m2) = app.station_with_members(0);
    let (other, m3, _) = app.station_with_members(1);
    let header = "kind,station,date,start,end,members,visitors,title,notes,river,path,water_class";
    let good = [
        format!("reception,{station},2026-10-08,14:00,17:00,{m1};{m2},9,十月接待日,停车难"),
        format!("consultation,{station},2026-10-15,,,{m1},0,加装电梯协商会,\"业主、物业,街道\""),
        format!("research,{other},2026-09-20,09:00,,{m3},0,老旧小区改造调研,"),
        format!("inspection,{other},2025-12-01,,,{m3};{m1},3,垃圾分类视察,"),
        format!(
            "river_patrol,{station},2026-10-20,08:30,10:00,{m2},0,南塘河巡河,,南塘河,121.531 29.861;121.54 29.865,II"
        ),
    ];
    let rows = good.to_vec();
    let bad = format!("reception,{station},2026-10-22,14:00,16:00,{m1};HS-M-9999,4,接待日,");
    let with_bad = format!("{header}\n{}\n{}\n{}\n{bad}\n{}\n{}\n", rows[0], rows[1], rows[2], rows[3], rows[4]);
    let before = app.activities("").await;

    let refused = app.state.service.import_activities(csv_fill(&with_bad).as_bytes(), "test").await;

    let message = refused.unwrap_err().to_string();
    assert!(message.starts_with("line 5: unknown member HS-M-9999"), "{message}");
    assert_eq!(message.lines().count(), 1, "only the bad row is named: {message}");
    assert_eq!(app.activities("").await, before);
    assert_eq!(app.stored_activities().await, 0);

    let only_good = format!("{header}\n{}\n", rows.join("\n"));
    let written = app.state.service.import_activities(csv_fill(&only_good).as_bytes(), "test").await.unwrap();

    assert_eq!(written, 5);
    assert_eq!(app.stored_activities().await, 5);
    let listed = app.activities("").await;
    assert_eq!(listed.len(), 5);
    let dates: Vec<&str> = listed.iter().map(|a| a["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-10-20", "2026-10-15", "2026-10-08", "2026-09-20", "2025-12-01"], "newest first");
    let consultation = listed.iter().find(|a| a["kind"] == "consultation").unwrap();
    assert_eq!(consultation["notes"], "业主、物业,街道");
    assert!(consultation["start"].is_null());
    let patrol = listed.iter().find(|a| a["kind"] == "river_patrol").unwrap();
    assert_eq!(patrol["patrol"]["path"]["coordinates"], json!([[121.531, 29.861], [121.54, 29.865]]));
    assert_eq!(patrol["patrol"]["water_class"], "II");
}

/// Gives every data row of a ledger the header's number of fields (trailing empty cells).
fn csv_fill(text: &str) -> String {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let width = reader.headers().unwrap().len();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(reader.headers().unwrap()).unwrap();
    for record in reader.records() {
        let mut fields: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
        fields.resize(width, String::new());
        out.write_record(&fields).unwrap();
    }
    String::from_utf8(out.into_inner().unwrap()).unwrap()
}

#[tokio::test]
async fn a_ledger_names_several_bad_lines_and_refuses_a_wrong_header() {
    let app = TestApp::with_sample().await;
    let (station, m1, _) = app.station_with_members(0);
    let header = "kind,station,date,start,end,members,visitors,title,notes,river,path,water_class";
    let text = format!(
        "{header}\nreception,{station},2026-10-08,,,{m1},x,接待,,,,\nmeeting,{station},2026-10-08,,,{m1},1,接待,,,,\nreception,{station},2026-10-08,,,{m1},1,接待,,,,\nriver_patrol,{station},2026-10-08,,,{m1},0,巡河,,南塘河,,\n"
    );
    let message = app.state.service.import_activities(text.as_bytes(), "test").await.unwrap_err().to_string();
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 3, "{message}");
    assert!(lines[0].starts_with("line 2: visitors"), "{message}");
    assert!(lines[1].starts_with("line 3: kind"), "{message}");
    assert!(lines[2].starts_with("line 5: a patrol needs a path"), "{message}");

    let wrong = app.state.service.import_activities("kind,station,date\n".as_bytes(), "test").await.unwrap_err();
    assert!(wrong.to_string().contains("missing column start"), "{wrong}");
    assert_eq!(app.stored_activities().await, 0);
}

/// Which listed activities a query should keep.
type Keep = Box<dyn Fn(&Value) -> bool>;

#[tokio::test]
async fn listing_filters_agree_with_a_brute_force_filter_over_everything() {
    let app = TestApp::with_sample().await;
    let admin = app.token("admin", None).await;
    let catalog = app.state.service.catalog();
    let stations: Vec<_> =
        catalog.stations().iter().filter(|s| !catalog.members_of_station(&s.id).is_empty()).take(4).collect();
    let kinds = ["reception", "consultation", "research", "inspection", "river_patrol"];
    let mut rng = crate::helpers::Rng::new(7);
    for i in 0..30u64 {
        let station = stations[rng.below(stations.len())];
        let members = catalog.members_of_station(&station.id);
        let member = members[rng.below(members.len())].id.to_string();
        let kind = kinds[rng.below(kinds.len())];
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(rng.next_u64() % 300);
        let mut body = if kind == "river_patrol" {
            patrol(station.id.as_str(), &member)
        } else {
            reception(station.id.as_str(), &[&member], "")
        };
        body["kind"] = json!(kind);
        body["date"] = json!(date.to_string());
        body["title"] = json!(format!("活动{i}"));
        let (status, answer) = app.post_as(&admin, "/api/v1/staff/activities", &body).await;
        assert_eq!(status, 201, "{answer}");
    }
    let all = app.activities("").await;
    assert_eq!(all.len(), 30);

    let station = stations[0].id.to_string();
    let member = all[0]["members"][0]["id"].as_str().unwrap().to_owned();
    let queries: Vec<(String, Keep)> = vec![
        ("kind=research".into(), Box::new(|a: &Value| a["kind"] == "research")),
        ("kind=river_patrol".into(), Box::new(|a: &Value| a["kind"] == "river_patrol")),
        ("from=2026-04-01".into(), Box::new(|a: &Value| a["date"].as_str().unwrap() >= "2026-04-01")),
        ("to=2026-04-01".into(), Box::new(|a: &Value| a["date"].as_str().unwrap() <= "2026-04-01")),
        (
            "from=2026-03-01&to=2026-06-30&kind=reception".into(),
            Box::new(|a: &Value| {
                let d = a["date"].as_str().unwrap();
                ("2026-03-01"..="2026-06-30").contains(&d) && a["kind"] == "reception"
            }),
        ),
        (format!("station={station}"), Box::new(move |a: &Value| a["station"]["id"] == station.as_str())),
        (
            format!("member={member}"),
            Box::new(move |a: &Value| a["members"].as_array().unwrap().iter().any(|m| m["id"] == member.as_str())),
        ),
    ];
    for (query, keep) in &queries {
        let expected: Vec<Value> = all.iter().filter(|a| keep(a)).cloned().collect();
        assert_eq!(app.activities(query).await, expected, "{query}");
    }
    let (status, limited) = app.get("/api/v1/activities?limit=3").await;
    assert_eq!(status, 200);
    assert_eq!(limited["activities"].as_array().unwrap()[..], all[..3]);
    let dates: Vec<&str> = all.iter().map(|a| a["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");

    for (path, code) in [
        ("/api/v1/activities?kind=meeting", "invalid_parameter"),
        ("/api/v1/activities?from=2026-13-01", "invalid_date"),
        ("/api/v1/activities?from=2026-06-01&to=2026-05-01", "invalid_window"),
        ("/api/v1/activities?station=HS-NOPE", "unknown_station"),
        ("/api/v1/activities?member=HS-M-9999", "unknown_member"),
        ("/api/v1/activities?limit=0", "out_of_range"),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(error_code(status, &body, 400), code, "{path}");
    }
}

#[tokio::test]
async fn staff_record_a_reception_on_the_ledger_form_and_the_opinions_taken_down_enter_the_loop() {
    let app = TestApp::with_sample().await;
    let (station, m1, m2) = app.station_with_members(0);
    app.user("ledger.staff", "staff", Some(&station), None).await;
    let client = app.logged_in_client("ledger.staff").await;
    let page = client.get(format!("{}/staff/activities/new", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("name=\"m.{m1}\"")) && page.contains(&format!("name=\"m.{m2}\"")), "{page}");
    let csrf = crate::logins::csrf_in(&page, "/staff/activities/new");
    let before = app.stored_activities().await;
    let post = |form: Vec<(String, String)>| {
        let client = client.clone();
        let url = format!("{}/staff/activities/new", app.base);
        async move {
            let res = client.post(url).form(&form).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let field = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let base = vec![
        field("csrf", &csrf),
        field("station", &station),
        field("kind", "reception"),
        field("date", "2026-11-12"),
        field("start", "09:00"),
        field("end", "11:30"),
        field(&format!("m.{m1}"), "on"),
        field(&format!("m.{m2}"), "on"),
        field("visitors", "9"),
        field("title", "代表接待日"),
        field("o0.category", "parking"),
        field("o0.title", "小区停车难"),
        field("o0.text", "晚上车位不够，车停到消防通道上。"),
        field("o2.category", "elderly"),
        field("o2.title", "老年食堂"),
        field("o2.text", "希望社区开办老年食堂。"),
    ];

    // A reception dated tomorrow is refused with the reason, and files no opinion.
    let opinions_before: i64 = sqlx::query_scalar("SELECT count(*) FROM opinions").fetch_one(app.pool()).await.unwrap();
    let mut tomorrow = base.clone();
    tomorrow[4] = field("date", "2026-11-13");
    let (status, page) = post(tomorrow).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("2026-11-13") && page.contains("老年食堂"), "the reason, and the form kept: {page}");
    let opinions_after: i64 = sqlx::query_scalar("SELECT count(*) FROM opinions").fetch_one(app.pool()).await.unwrap();
    assert_eq!((opinions_before, app.stored_activities().await), (opinions_after, before));

    let (status, page) = post(base).await;

    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"recorded\""), "{page}");
    assert_eq!(app.stored_activities().await, before + 1);
    let listed = app.activities(&format!("station={station}&from=2026-11-12&to=2026-11-12")).await;
    let a = listed.iter().find(|a| a["title"] == "代表接待日").unwrap();
    assert_eq!(
        (a["visitors"].as_u64(), a["start"].as_str(), a["end"].as_str()),
        (Some(9), Some("09:00"), Some("11:30"))
    );
    let ids: Vec<i64> = a["opinions"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{a}");
    for id in ids {
        assert!(page.contains(&format!("data-opinion-id=\"{id}\"")), "{page}");
        let o = liaison::store::Store::opinion_by_id(app.store.as_ref(), id).await.unwrap().unwrap();
        assert_eq!(o.submission.channel, liaison::domain::Channel::Visit);
        assert_eq!(o.status, liaison::domain::Status::Submitted);
        let catalog = app.state.service.catalog();
        let at = catalog.station(&station.parse().unwrap()).unwrap().location;
        assert_eq!(o.submission.location, at, "taken down at the station");
        assert_eq!(o.routing, catalog.route(at, o.submission.category), "routed by the station's place");
    }
    // Another station is not this staff member's.
    let (other, _, _) = app.station_with_members(5);
    let res = client.get(format!("{}/staff/activities/new?station={other}", app.base)).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn activities_list_by_town_as_the_stations_towns_say() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let (station, m1, m2) = app.station_with_members(0);
    let (other, o1, _) = app.station_with_members(3);
    let token = app.token("admin", None).await;
    for (s, members) in [(&station, vec![m1.as_str(), m2.as_str()]), (&other, vec![o1.as_str()])] {
        let (status, body) =
            app.post_as(&token, "/api/v1/staff/activities", &reception(s, &members, "2026-11-05")).await;
        assert_eq!(status, 201, "{body}");
    }
    let town_of = |id: &str| catalog.station(&id.parse().unwrap()).unwrap().town_code.clone().unwrap().to_string();
    let town = town_of(&station);
    let listed = app.activities(&format!("town={town}")).await;
    let want: Vec<&String> = [&station, &other].into_iter().filter(|s| town_of(s) == town).collect();
    assert_eq!(listed.len(), want.len(), "{listed:?}");
    assert!(listed.iter().all(|a| town_of(a["station"]["id"].as_str().unwrap()) == town));
    let (status, body) = app.get("/api/v1/activities?town=999999999").await;
    assert_eq!(error_code(status, &body, 400), "unknown_town", "{body}");
}
