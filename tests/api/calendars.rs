//! Reception calendars (iCalendar, RFC 5545): a station's and a member's feed list exactly the
//! sessions their calendar rules give over the coming six months, in Asia/Shanghai time, with
//! lines of at most 75 octets; unknown ids are 404 and unknown languages 400, in the API's error
//! shape. (tests/ical_client.py reads the same feeds with Python's icalendar.)

use liaison::service::lookups::{CALENDAR_DAYS, CALENDAR_MAX_EVENTS};

use crate::helpers::{error_code, TestApp};

/// The feed's logical lines (folds undone), after checking CRLF endings and the 75-octet limit.
fn lines(feed: &str) -> Vec<String> {
    assert!(feed.ends_with("\r\n") && !feed.replace("\r\n", "").contains('\n'), "CRLF line ends only");
    let mut out: Vec<String> = Vec::new();
    for physical in feed.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(physical.len() <= 75, "{} octets: {physical:?}", physical.len());
        match physical.strip_prefix(' ') {
            Some(rest) => out.last_mut().unwrap().push_str(rest),
            None => out.push(physical.to_owned()),
        }
    }
    out
}

fn starts(lines: &[String]) -> Vec<String> {
    lines.iter().filter_map(|l| l.strip_prefix("DTSTART;TZID=Asia/Shanghai:")).map(str::to_owned).collect()
}

async fn feed(app: &TestApp, path: &str) -> String {
    let res = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{path}");
    let ctype = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(ctype, "text/calendar; charset=utf-8");
    res.text().await.unwrap()
}

#[tokio::test]
async fn station_and_member_feeds_list_the_sessions_their_rules_give() {
    let app = TestApp::with_sample().await;
    let catalog = app.state.service.catalog();
    let now = app.state.service.now();
    let until = now + chrono::Duration::days(CALENDAR_DAYS);
    let shanghai = |t: chrono::DateTime<chrono::FixedOffset>| {
        t.with_timezone(&liaison::domain::schedule::shanghai()).format("%Y%m%dT%H%M%S").to_string()
    };

    let mut stations_with_sessions = 0;
    for station in catalog.stations().iter().take(40) {
        let want: Vec<String> = catalog
            .station_sessions(station, now, CALENDAR_MAX_EVENTS)
            .into_iter()
            .filter(|s| s.start < until)
            .map(|s| shanghai(s.start))
            .collect();
        let lines = lines(&feed(&app, &format!("/api/v1/stations/{}/calendar.ics", station.id)).await);
        assert_eq!(starts(&lines), want, "station {}", station.id);
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), want.len());
        if !want.is_empty() {
            stations_with_sessions += 1;
            let summary = lines.iter().find(|l| l.starts_with("SUMMARY:")).unwrap();
            assert!(summary.contains(&station.name.replace(',', "\\,").replace(';', "\\;")), "{summary}");
            assert!(lines.iter().any(|l| l.starts_with("URL:") && l.ends_with(&format!("/?station={}", station.id))));
        }
    }
    assert!(stations_with_sessions > 5, "the sample's stations receive citizens");

    let mut members_on_duty = 0;
    for member in catalog.members().iter().take(60) {
        let want: Vec<String> = catalog
            .member_sessions(&member.id, now, CALENDAR_MAX_EVENTS)
            .into_iter()
            .filter(|s| s.session.start < until)
            .map(|s| shanghai(s.session.start))
            .collect();
        let lines = lines(&feed(&app, &format!("/api/v1/members/{}/calendar.ics?lang=en", member.id)).await);
        assert_eq!(starts(&lines), want, "member {}", member.id);
        assert!(lines.contains(&format!("X-WR-CALNAME:{}: reception duty", member.name)), "{lines:?}");
        members_on_duty += usize::from(!want.is_empty());
    }
    assert!(members_on_duty > 0, "some member is on duty");
}

#[tokio::test]
async fn unknown_ids_and_languages_are_refused_in_the_error_shape() {
    let app = TestApp::with_sample().await;
    for (path, status, code) in [
        ("/api/v1/stations/NO-SUCH/calendar.ics", 404, "not_found"),
        ("/api/v1/members/NO-SUCH/calendar.ics", 404, "not_found"),
        ("/api/v1/stations/HS-ST-001/calendar.ics?lang=xx", 400, ""),
    ] {
        let (s, body) = app.get(path).await;
        let found = error_code(s, &body, status);
        if !code.is_empty() {
            assert_eq!(found, code, "{path}");
        }
    }
}

/// The station with the most coming sessions in the next weeks, and those sessions.
fn busy_station(app: &TestApp) -> (liaison::domain::Station, Vec<liaison::domain::schedule::Session>) {
    let catalog = app.state.service.catalog();
    let now = app.state.service.now();
    catalog
        .stations()
        .iter()
        .map(|s| (s.clone(), catalog.station_sessions(s, now, 3)))
        .filter(|(_, sessions)| sessions.len() == 3)
        .max_by_key(|(s, sessions)| {
            (sessions.iter().any(|x| !x.members.is_empty()), std::cmp::Reverse(s.id.to_string()))
        })
        .expect("a station with coming sessions")
}

#[tokio::test]
async fn a_reception_notice_names_the_session_its_members_and_prints_on_one_a4_sheet() {
    let app = TestApp::with_sample().await;
    let (station, sessions) = busy_station(&app);
    let catalog = app.state.service.catalog();
    let on_duty = |s: &liaison::domain::schedule::Session| -> Vec<String> {
        if s.members.is_empty() {
            catalog.members_of_station(&station.id).iter().map(|m| m.id.to_string()).collect()
        } else {
            s.members.iter().map(|m| m.to_string()).collect()
        }
    };

    // The next session by default, another by its start (Shanghai wall time).
    let (status, html) = app.get_text(&format!("/s/{}/notice", station.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("data-start=\"{}\"", sessions[0].start.to_rfc3339())), "the next session");
    assert!(html.contains(&station.name) && html.contains(&format!("/s/{}/qr.svg", station.id)));
    assert!(html.contains("@page{size:A4"), "laid out for A4");
    for id in on_duty(&sessions[0]) {
        assert!(html.contains(&format!("data-member-id=\"{id}\"")), "{id} receives");
    }
    if let Some(theme) = &sessions[0].theme {
        assert!(html.contains(theme.as_str()));
    }
    let second = sessions[1].start.format("%Y-%m-%dT%H:%M").to_string();
    let (status, html) = app.get_text(&format!("/s/{}/notice?start={second}", station.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("data-start=\"{}\"", sessions[1].start.to_rfc3339())), "the asked session");

    // Readable refusals.
    for (path, want) in [
        (format!("/s/{}/notice?start=tomorrow", station.id), 400),
        (format!("/s/{}/notice?start=2020-01-01T09:00", station.id), 404),
        ("/s/NO-SUCH/notice".to_owned(), 404),
    ] {
        let (status, html) = app.get_text(&path).await;
        assert_eq!(status, want, "{path}");
        assert!(html.contains("<h1>") && html.contains("class=\"error\""), "{path}: a readable page");
    }

    // In a browser: the QR code loads and the notice prints on one A4 sheet.
    let shown = crate::browser::playwright("notice", &app.base, &[("STATION", &station.id.to_string())]).await;
    assert_eq!(shown["start"], sessions[0].start.to_rfc3339());
    assert_eq!(shown["title"], station.name.as_str());
    let members: Vec<String> =
        shown["members"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    assert_eq!(members, on_duty(&sessions[0]));
    assert!(shown["qrWidth"].as_u64() > Some(0), "the QR code loaded: {shown}");
    assert_eq!(shown["sheets"], 1, "one sheet: {shown}");
    // A4 in PDF points: 595.92 × 842.88 (210 × 297 mm).
    let media: Vec<f64> = shown["mediaBox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!((media[0] - 595.9).abs() < 2.0 && (media[1] - 842.9).abs() < 2.0, "A4: {media:?}");
    crate::browser::assert_only_this_server(&shown, &app.base);
    crate::browser::assert_screenshot(&shown, 10_000);
}
