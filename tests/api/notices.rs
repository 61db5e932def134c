//! Service notices over HTTP: published once and shown on every station of their scope (and not
//! on others), who may publish where, whether in force, the refusals, and a station's citizen
//! page listing its notices and projects.

use serde_json::{json, Value};

use crate::helpers::{error_code, expect_400s, TestApp};

impl TestApp {
    /// The notices `/api/v1/notices?{query}` lists, by title.
    async fn notice_titles(&self, query: &str) -> Vec<String> {
        let (status, body) = self.get(&format!("/api/v1/notices?limit=1000&{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(body["count"].as_u64().unwrap() as usize, body["notices"].as_array().unwrap().len());
        body["notices"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect()
    }

    async fn stored_notices(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM notices").fetch_one(self.pool()).await.unwrap()
    }

    /// Two stations (no liaison points) in each of two different towns: `(town, [s1, s2])` twice.
    fn two_towns(&self) -> [(String, [String; 2]); 2] {
        let catalog = self.state.service.catalog();
        let mut towns =
            catalog.areas().iter().filter(|a| a.level == liaison::domain::AreaLevel::Town).filter_map(|t| {
                let stations: Vec<String> = catalog
                    .stations()
                    .iter()
                    .filter(|s| s.town_code.as_ref() == Some(&t.code) && s.parent.is_none())
                    .take(2)
                    .map(|s| s.id.to_string())
                    .collect();
                (stations.len() == 2).then(|| (t.code.to_string(), [stations[0].clone(), stations[1].clone()]))
            });
        [towns.next().unwrap(), towns.next().unwrap()]
    }
}

fn notice(title: &str) -> Value {
    json!({ "title": title, "body": "自12月1日起，社区服务中心周六上午开放。", "published": "2026-11-10", "expires": "2026-12-31" })
}

#[tokio::test]
async fn a_notice_for_one_town_shows_on_that_towns_stations_and_not_on_others() {
    let app = TestApp::with_sample().await;
    let [(town, [a1, a2]), (other, [b1, _])] = app.two_towns();
    let admin = app.token("admin", None).await;
    let mut body = notice("社区服务中心开放时间调整");
    body["town"] = json!(town);

    let (status, published) = app.post_with(Some(&admin), "/api/v1/staff/notices", &body).await;

    assert_eq!(status, 201, "{published}");
    assert_eq!((published["scope"].as_str(), published["town"]["id"].as_str()), (Some("town"), Some(town.as_str())));
    assert!(published["town"]["name"].is_string());
    assert_eq!(published["in_force"], true, "published 11-10, today 11-12");
    let title = "社区服务中心开放时间调整".to_owned();
    for station in [&a1, &a2] {
        assert!(app.notice_titles(&format!("station={station}")).await.contains(&title), "shown at {station}");
    }
    assert!(!app.notice_titles(&format!("station={b1}")).await.contains(&title), "not at {b1} of {other}");
    assert!(app.notice_titles(&format!("town={town}")).await.contains(&title));
    assert!(!app.notice_titles(&format!("town={other}")).await.contains(&title));
    // Liaison points of the town's stations have its town too.
    let catalog = app.state.service.catalog();
    if let Some(point) = catalog
        .stations()
        .iter()
        .find(|s| s.parent.is_some() && s.town_code.as_ref().map(|t| t.to_string()) == Some(town.clone()))
    {
        assert!(app.notice_titles(&format!("station={}", point.id)).await.contains(&title));
    }
}

#[tokio::test]
async fn a_district_notice_shows_everywhere_and_a_station_list_only_on_those_stations_and_their_points() {
    let app = TestApp::with_sample().await;
    let [(town, [a1, a2]), (_, [b1, b2])] = app.two_towns();
    let admin = app.token("admin", None).await;
    let (s, _) = app.post_with(Some(&admin), "/api/v1/staff/notices", &notice("全区：医保缴费提醒")).await;
    assert_eq!(s, 201);
    let mut listed = notice("两站：集中接待日");
    listed["stations"] = json!([a1, b1]);
    let (s, published) = app.post_with(Some(&admin), "/api/v1/staff/notices", &listed).await;
    assert_eq!(s, 201, "{published}");
    assert_eq!(published["scope"], "stations");
    let named: Vec<&str> =
        published["stations"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(named, [a1.as_str(), b1.as_str()]);

    for station in [&a1, &a2, &b1, &b2] {
        let titles = app.notice_titles(&format!("station={station}")).await;
        assert!(titles.contains(&"全区：医保缴费提醒".to_owned()), "{station}: {titles:?}");
        assert_eq!(
            titles.contains(&"两站：集中接待日".to_owned()),
            [&a1, &b1].contains(&station),
            "{station}: {titles:?}"
        );
    }
    assert!(
        app.notice_titles(&format!("town={town}")).await.contains(&"两站：集中接待日".to_owned()),
        "a1 is in the town"
    );
    let catalog = app.state.service.catalog();
    let point = catalog.points_of_station(&a1.parse().unwrap()).first().map(|p| p.id.to_string());
    if let Some(point) = point {
        assert!(
            app.notice_titles(&format!("station={point}")).await.contains(&"两站：集中接待日".to_owned()),
            "{point}"
        );
    }
    let both = app.notice_titles(&format!("station={a1}&town={town}")).await;
    assert!(both.contains(&"两站：集中接待日".to_owned()) && both.contains(&"全区：医保缴费提醒".to_owned()));
}

#[tokio::test]
async fn staff_publish_for_their_own_station_only_and_leaders_anywhere() {
    let app = TestApp::with_sample().await;
    let [(town, [own, other]), _] = app.two_towns();
    let staff = app.token("staff", Some(&own)).await;
    let before = app.stored_notices().await;
    let mut for_own = notice("本站：停车场施工");
    for_own["stations"] = json!([own]);
    let (status, published) = app.post_with(Some(&staff), "/api/v1/staff/notices", &for_own).await;
    assert_eq!(status, 201, "{published}");

    let mut for_both = notice("两站");
    for_both["stations"] = json!([own, other]);
    let mut for_town = notice("全镇");
    for_town["town"] = json!(town);
    for body in [for_both, for_town.clone(), notice("全区")] {
        let (status, answer) = app.post_with(Some(&staff), "/api/v1/staff/notices", &body).await;
        assert_eq!(error_code(status, &answer, 403), "forbidden", "{body}");
    }
    let member =
        app.state.service.catalog().members_of_station(&own.parse().unwrap()).first().map(|m| m.id.to_string());
    app.user("rep", "member", None, member.as_deref()).await;
    let rep = app.logged_in_client("rep").await;
    let res = rep.post(format!("{}/api/v1/staff/notices", app.base)).json(&for_own).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403, "a member of the station publishes nothing");
    let (status, answer) = app.post_with(None, "/api/v1/staff/notices", &for_own).await;
    assert_eq!(error_code(status, &answer, 401), "unauthenticated");
    assert_eq!(app.stored_notices().await, before + 1);

    let leader = app.token("leader", None).await;
    assert_eq!(app.post_with(Some(&leader), "/api/v1/staff/notices", &for_town).await.0, 201);
    assert_eq!(app.post_with(Some(&leader), "/api/v1/staff/notices", &notice("全区")).await.0, 201);
    assert_eq!(app.stored_notices().await, before + 3);
}

#[tokio::test]
async fn active_keeps_the_notices_in_force_today() {
    let app = TestApp::with_sample().await;
    let admin = app.token("admin", None).await;
    let dated = |title: &str, published: &str, expires: Value| json!({ "title": title, "body": "正文", "published": published, "expires": expires });
    for body in [
        dated("已过期", "2026-10-01", json!("2026-11-11")),
        dated("今天到期", "2026-10-01", json!("2026-11-12")),
        dated("长期", "2026-01-01", Value::Null),
        dated("下周起", "2026-11-16", Value::Null),
    ] {
        assert_eq!(app.post_with(Some(&admin), "/api/v1/staff/notices", &body).await.0, 201);
    }
    let (_, body) = app.get("/api/v1/notices?active=true&limit=1000").await;
    let active: Vec<&str> = body["notices"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert!(active.contains(&"今天到期") && active.contains(&"长期"), "{active:?}");
    assert!(!active.contains(&"已过期") && !active.contains(&"下周起"), "{active:?}");
    assert!(body["notices"].as_array().unwrap().iter().all(|n| n["in_force"] == true));
    let inactive = app.notice_titles("active=false").await;
    assert!(inactive.contains(&"已过期".to_owned()) && inactive.contains(&"下周起".to_owned()), "{inactive:?}");
    assert!(!inactive.contains(&"长期".to_owned()));
    let all = app.notice_titles("").await;
    assert_eq!(all.len(), active.len() + inactive.len(), "active and inactive split everything");
    let (_, everything) = app.get("/api/v1/notices?limit=1000").await;
    let published: Vec<&str> =
        everything["notices"].as_array().unwrap().iter().map(|n| n["published"].as_str().unwrap()).collect();
    assert!(published.windows(2).all(|w| w[0] >= w[1]), "newest first: {published:?}");
}

#[tokio::test]
async fn bad_notices_and_queries_are_refused_in_the_error_shape() {
    let app = TestApp::with_sample().await;
    let [(town, [s1, _]), _] = app.two_towns();
    let admin = app.token("admin", None).await;
    let with = |field: &str, value: Value| {
        let mut v = notice("标题");
        v[field] = value;
        v
    };
    let mut both = with("town", json!(town));
    both["stations"] = json!([s1]);
    let before = app.stored_notices().await;
    for (body, code) in [
        (with("title", json!("")), "invalid_notice"),
        (with("title", json!("一\n二")), "invalid_notice"),
        (with("body", json!(" ")), "invalid_notice"),
        (with("expires", json!("2026-11-01")), "invalid_notice"),
        (with("published", json!("11/10/2026")), "invalid_notice"),
        (with("town", json!("330203999")), "unknown_town"),
        (with("stations", json!([])), "invalid_notice"),
        (with("stations", json!([s1, s1])), "invalid_notice"),
        (with("stations", json!(["HS-NOPE"])), "unknown_station"),
        (both, "invalid_notice"),
        (with("priority", json!(1)), "invalid_body"),
    ] {
        let (status, answer) = app.post_with(Some(&admin), "/api/v1/staff/notices", &body).await;
        assert_eq!(error_code(status, &answer, 422), code, "{body}");
    }
    assert_eq!(app.stored_notices().await, before);
    expect_400s(
        &app,
        &[
            ("/api/v1/notices?station=HS-NOPE", "unknown_station"),
            ("/api/v1/notices?town=330203", "unknown_town"),
            ("/api/v1/notices?active=yes", "invalid_parameter"),
            ("/api/v1/notices?limit=5000", "out_of_range"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_stations_citizen_page_lists_its_notices_in_force_and_its_towns_projects() {
    let app = TestApp::with_sample().await;
    let [(town, [station, _]), (_, [elsewhere, _])] = app.two_towns();
    let admin = app.token("admin", None).await;
    let mut body = notice("本镇：冬季供暖报修电话");
    body["town"] = json!(town);
    assert_eq!(app.post_with(Some(&admin), "/api/v1/staff/notices", &body).await.0, 201);
    let expired = json!({ "title": "已过期的通知", "body": "x", "published": "2026-10-01", "expires": "2026-10-31", "town": town });
    assert_eq!(app.post_with(Some(&admin), "/api/v1/staff/notices", &expired).await.0, 201);
    let project = json!({ "title": "本镇口袋公园", "department": "区住建局", "town": town, "progress": 30 });
    assert_eq!(app.post_with(Some(&admin), "/api/v1/staff/projects", &project).await.0, 201);

    let (status, html) = app.get_text(&format!("/s/{station}")).await;

    assert_eq!(status, 200);
    assert!(html.contains("本镇：冬季供暖报修电话") && html.contains("本镇口袋公园"), "{html}");
    assert!(html.contains("30%"), "the project's progress is shown");
    assert!(!html.contains("已过期的通知"), "only notices in force");
    assert!(html.contains("submit-form"), "the page is still the station's submit form");
    let (_, other) = app.get_text(&format!("/s/{elsewhere}")).await;
    assert!(!other.contains("本镇：冬季供暖报修电话") && !other.contains("本镇口袋公园"));
    let (_, english) = app.get_text(&format!("/s/{station}?lang=en")).await;
    assert!(english.contains("Service notices") && english.contains("Livelihood projects"), "{english}");
}
