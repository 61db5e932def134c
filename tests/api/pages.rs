//! The station list at `/list`, the no-JavaScript fallback of the map: stations by town and a
//! nearest-station form.

use crate::helpers::TestApp;

#[tokio::test]
async fn the_list_page_lists_stations_by_town() {
    let app = TestApp::with_sample().await;
    let (status, html) = app.get_text("/list").await;
    assert_eq!(status, 200);
    let catalog = app.state.service.catalog();
    for s in catalog.stations() {
        assert!(html.contains(&format!("data-id=\"{}\"", s.id)), "{} missing", s.id);
    }
    assert!(html.contains("<h2>白云街道"), "towns are headings");
    assert!(html.contains("每月第"), "reception rules read in Chinese");
}

#[tokio::test]
async fn the_form_answers_the_nearest_station_and_the_grid() {
    let app = TestApp::with_sample().await;
    let (status, html) = app.get_text("/list?lon=121.55&lat=29.87&crs=wgs84").await;
    assert_eq!(status, 200);
    let q = liaison::domain::LonLat::new(121.55, 29.87).unwrap();
    let catalog = app.state.service.catalog();
    let filter = liaison::catalog::StationFilter {
        kinds: vec![
            liaison::domain::StationKind::DeputyLiaisonStation,
            liaison::domain::StationKind::MemberWorkstation,
            liaison::domain::StationKind::LiaisonPoint,
        ],
        ..Default::default()
    };
    let nearest = catalog.nearest_stations(q, 5, &filter);
    let table = &html[html.find("id=\"nearest\"").expect("answer table")..];
    let mut at = 0;
    for hit in &nearest {
        let pos = table[at..]
            .find(&hit.station.name)
            .unwrap_or_else(|| panic!("{} missing or out of order", hit.station.name));
        at += pos;
    }
    let grid = catalog.grid_at(q).unwrap().grid;
    assert!(html.contains(&grid.name), "the page names the grid");
}

#[tokio::test]
async fn bad_form_input_shows_a_readable_error() {
    let app = TestApp::with_sample().await;
    let (status, html) = app.get_text("/list?lon=999&lat=29.87").await;
    assert_eq!(status, 400);
    assert!(html.contains("role=\"alert\"") && html.contains("longitude"), "{html}");
    let (status, html) = app.get_text("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("返回地图"));
}

#[tokio::test]
async fn a_citizen_submits_from_a_station_link_tracks_and_rates_without_javascript() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let station =
        catalog.stations().iter().find(|s| s.kind == liaison::domain::StationKind::DeputyLiaisonStation).unwrap();
    let (status, html) = app.get_text(&format!("/s/{}", station.id)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&station.name) && html.contains(&format!("value=\"{:.6}\"", station.location.lon())),
        "prefilled"
    );
    assert!(html.contains("name=\"channel\" value=\"qr\""));

    let form = [
        ("station", station.id.as_str()),
        ("channel", "qr"),
        ("category", "garbage"),
        ("title", "垃圾桶满溢"),
        ("text", "小区东门垃圾桶每天晚上满溢"),
        ("lon", &format!("{:.6}", station.location.lon())),
        ("lat", &format!("{:.6}", station.location.lat())),
        ("phone", "13611112222"),
    ];
    let res = app.client.post(format!("{}/submit", app.base)).form(&form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let url = res.url().to_string();
    assert!(url.contains("/track/") && url.ends_with("?new=1"), "{url}");
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"code\"") && page.contains("已提交") && !page.contains("13611112222"), "{page}");
    let code = url.split("/track/").nth(1).unwrap().trim_end_matches("?new=1").to_owned();

    // Staff reply through the API; the page then offers the rating form.
    let (_, view) = app.get(&format!("/api/v1/issues/{code}")).await;
    assert_eq!(view["routing"]["station"]["id"], station.id.as_str());
    let id = { app.store.opinion_by_code(&code.parse().unwrap()).await.unwrap().unwrap().id };
    let token = app.token("admin", None).await;
    for body in [
        serde_json::json!({ "to": "registered", "version": 1 }),
        serde_json::json!({ "to": "replied", "version": 2, "reply_route": "direct_answer", "reply": "已增加清运频次" }),
    ] {
        let res = app
            .client
            .post(format!("{}/api/v1/staff/issues/{id}/transitions", app.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
    }
    let (_, page) = app.get_text(&format!("/track/{code}")).await;
    assert!(page.contains("已增加清运频次") && page.contains("id=\"rate-form\""));
    let res = app
        .client
        .post(format!("{}/track/{code}/rate", app.base))
        .form(&[("stars", "5"), ("comment", "很快")])
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"status\">已办结"), "{page}");
    let res = app.client.post(format!("{}/track/{code}/rate", app.base)).form(&[("stars", "5")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 409, "rating twice is refused with a readable page");
    assert!(res.text().await.unwrap().contains("role=\"alert\""));
}

#[tokio::test]
async fn a_bad_form_comes_back_with_a_message_and_what_was_typed() {
    let app = TestApp::with_sample().await;
    let form = [("category", "noise"), ("title", " "), ("text", "夜里很吵"), ("lon", "121.55"), ("lat", "29.87")];
    let res = app.client.post(format!("{}/submit", app.base)).form(&form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("role=\"alert\"") && page.contains("title must not be empty") && page.contains("夜里很吵"));
    let (status, page) = app.get_text("/track/1234").await;
    assert_eq!(status, 400);
    assert!(page.contains("返回地图"));
}

#[tokio::test]
async fn each_station_has_a_qr_code_linking_to_its_submit_page() {
    let app = TestApp::with_sample().await;
    let id = app.state.service.catalog().stations()[0].id.to_string();
    let res = app.client.get(format!("{}/s/{id}/qr.svg", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let svg = res.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path"), "{}", &svg[..200.min(svg.len())]);
    assert_eq!(app.get_text("/s/NOPE/qr.svg").await.0, 404);
}

#[tokio::test]
async fn every_page_links_an_icon_and_favicon_ico_answers_it() {
    let app = TestApp::with_sample().await;
    let (status, icon) = app.get_text("/favicon.ico").await;
    assert_eq!(status, 200);
    assert!(icon.starts_with("<svg") && icon.contains("</svg>"), "{icon}");
    let res = app.client.get(format!("{}/favicon.ico", app.base)).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let linked = liaison::http::assets::url("favicon.svg");
    for page in ["/", "/list", "/submit", "/dashboard", "/no/such/page"] {
        let (_, html) = app.get_text(page).await;
        assert!(html.contains(&format!("rel=\"icon\" type=\"image/svg+xml\" href=\"{linked}\"")), "{page}: {html}");
        let (status, same) = app.get_text(&linked).await;
        assert_eq!((status, same.as_str()), (200, icon.as_str()));
    }
}
