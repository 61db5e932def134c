//! Chinese and English: every page in both languages from the catalogues (no missing message, the
//! right `<html lang>`), chosen by `?lang=`, remembered in a cookie, else by `Accept-Language`; the
//! lookups' `lang=` for labels and reception texts; and the map in English in a real browser.

use serde_json::Value;

use crate::browser::{assert_only_this_server, assert_screenshot, playwright};
use crate::helpers::TestApp;

/// Every page a citizen or a member of staff opens, by path.
fn pages(app: &TestApp) -> Vec<String> {
    let station = app.state.service.catalog().stations()[0].id.to_string();
    vec![
        "/".into(),
        "/list".into(),
        "/list?lon=121.55&lat=29.87".into(),
        "/list?lon=999&lat=29.87".into(),
        "/submit".into(),
        format!("/s/{station}"),
        "/track".into(),
        "/track?code=1234".into(),
        "/login".into(),
        "/no/such/page".into(),
        "/s/NO-SUCH-STATION".into(),
    ]
}

fn html_lang(html: &str) -> &str {
    let at = html.find("<html lang=\"").expect("an html element with a lang") + 12;
    &html[at..at + html[at..].find('"').unwrap()]
}

async fn page(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, String, Option<String>) {
    // A client of its own, without the app client's cookie jar: each request says all it sends.
    let mut req = reqwest::Client::new().get(format!("{}{path}", app.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("lang="));
    (res.status().as_u16(), res.text().await.unwrap(), cookie)
}

#[tokio::test]
async fn every_page_speaks_chinese_by_default_and_english_when_asked() {
    let app = TestApp::with_sample().await;
    for path in pages(&app) {
        let (_, zh, cookie) = page(&app, &path, &[]).await;
        assert_eq!(html_lang(&zh), "zh-CN", "{path}");
        assert!(!zh.contains('⟦'), "{path}: a message is missing: {zh}");
        assert!(cookie.is_none_or(|c| !c.starts_with("lang=")), "{path}: nothing chosen, nothing remembered");

        let sep = if path.contains('?') { '&' } else { '?' };
        let (_, en, cookie) = page(&app, &format!("{path}{sep}lang=en"), &[]).await;
        assert_eq!(html_lang(&en), "en", "{path}");
        assert!(!en.contains('⟦'), "{path}: a message is missing: {en}");
        assert!(en.contains(">中文<"), "{path}: the switch back to Chinese");
        let cookie = cookie.unwrap_or_else(|| panic!("{path}: ?lang= is remembered"));
        assert!(cookie.starts_with("lang=en;") && cookie.contains("Path=/"), "{cookie}");

        let (_, by_cookie, _) = page(&app, &path, &[("cookie", "lang=en")]).await;
        assert_eq!(html_lang(&by_cookie), "en", "{path}: the cookie");
        let (_, by_header, _) = page(&app, &path, &[("accept-language", "en-GB,en;q=0.9,zh;q=0.5")]).await;
        assert_eq!(html_lang(&by_header), "en", "{path}: Accept-Language");
        let (_, cookie_wins, _) = page(&app, &path, &[("cookie", "lang=zh-CN"), ("accept-language", "en")]).await;
        assert_eq!(html_lang(&cookie_wins), "zh-CN", "{path}: a remembered choice beats the header");
    }
    // The same words, in the language asked for.
    let (_, zh, _) = page(&app, "/list", &[]).await;
    let (_, en, _) = page(&app, "/list?lang=en", &[]).await;
    assert!(zh.contains("站点列表") && zh.contains("查找最近站点") && zh.contains("每月第"), "Chinese list page");
    assert!(en.contains("Station list") && en.contains("Find the nearest station") && en.contains("of the month"));
    assert!(
        !en.contains("站点列表") && !en.contains("查找最近站点") && !en.contains("每月第"),
        "no Chinese UI text in English"
    );
}

#[tokio::test]
async fn lookups_answer_labels_and_reception_texts_in_the_language_asked() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let s = catalog.stations().iter().find(|s| !s.reception.is_empty()).unwrap();
    let (_, zh) = app.get(&format!("/api/v1/stations/{}", s.id)).await;
    let (_, en) = app.get(&format!("/api/v1/stations/{}?lang=en", s.id)).await;
    assert_eq!(zh["properties"]["kind_label"], s.kind.label_zh());
    assert_eq!(en["properties"]["kind_label"], liaison::i18n::label(liaison::i18n::Lang::En, "kind", s.kind.code()));
    let texts = |v: &Value| -> Vec<String> {
        v["properties"]["reception_text"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(texts(&zh), liaison::i18n::reception(liaison::i18n::Lang::ZhCn, &s.reception));
    assert_eq!(texts(&en), liaison::i18n::reception(liaison::i18n::Lang::En, &s.reception));
    let chinese = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    assert!(texts(&en).iter().all(|t| !chinese(t) || t.contains(" · ")), "English, but for a theme: {:?}", texts(&en));
    let (_, near) = app.get("/api/v1/stations/nearest?lon=121.55&lat=29.87&k=2&lang=en").await;
    assert!(near["features"][0]["properties"]["reception_text"][0].as_str().is_some_and(|t| !chinese(t)), "{near}");
    let (_, grid) = app.get("/api/v1/grids/at?lon=121.5435&lat=29.8655&lang=en").await;
    let station = &grid["properties"]["station"]["properties"];
    assert!(!chinese(station["kind_label"].as_str().unwrap()), "{station}");
    for path in ["/api/v1/stations/nearest?lon=121.55&lat=29.87&lang=fr", "/api/v1/stations?lang=zz"] {
        let (status, body) = app.get(path).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_parameter")), "{path}: {body}");
    }
}

#[tokio::test]
async fn the_map_in_english_locates_opens_a_station_and_switches_back_to_chinese() {
    let app = TestApp::with_sample().await;
    let (lon, lat) = (121.5435, 29.8655);
    let (_, nearest) = app.get(&format!("/api/v1/stations/nearest?lon={lon}&lat={lat}&k=5&lang=en")).await;
    let first = &nearest["features"][0]["properties"];
    let shown = playwright("map-lang", &app.base, &[("LON", &lon.to_string()), ("LAT", &lat.to_string())]).await;
    assert_eq!(shown["lang"], "en");
    let ids: Vec<&str> = shown["nearest"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let want: Vec<&str> =
        nearest["features"].as_array().unwrap().iter().map(|f| f["properties"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, want, "the same stations in the same order");
    let here = shown["here"].as_str().unwrap();
    assert!(here.contains("Your nearest stations") && here.contains("Your grid area") && here.contains(" m"), "{here}");
    let station = shown["station"].as_str().unwrap();
    for words in ["Address", "Opening hours", "Open in AMap", "Open in Baidu Maps", "Submit an opinion at this station"]
    {
        assert!(station.contains(words), "{words}: {station}");
    }
    for line in first["reception_text"].as_array().unwrap() {
        assert!(station.contains(line.as_str().unwrap()) || shown["station_id"] != first["id"], "{line}");
    }
    assert!(!station.contains("地址") && !station.contains("高德"), "no Chinese UI words: {station}");
    assert_eq!(shown["switched"], "zh-CN", "the switch goes back to Chinese: {shown}");
    assert!(
        shown["switched_text"].as_str().unwrap().contains("离您最近的站点")
            || shown["switched_hint"].as_str().unwrap().contains("点击地图")
    );
    assert_only_this_server(&shown, &app.base);
    assert_screenshot(&shown, 20_000);
}
