//! Photos of opinions over HTTP: an upload loses its EXIF (GPS included) and is shrunk; bombs,
//! files that are not images, oversized files and a fourth photo are refused with nothing stored;
//! pending and rejected photos stay with the staff, approved ones reach the public (tracking API
//! and page, Open311, the file itself), and every decision is in the opinion's history.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::helpers::{error_code, TestApp};
use crate::opinions::opinion;

/// A JPEG of `width`×`height` with a pattern seeded by `seed` (so that photos differ).
fn jpeg(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x / 7) as u8 ^ seed, (y / 5) as u8, seed.wrapping_mul(37) ^ ((x + y) / 11) as u8])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg).unwrap();
    out
}

/// `jpeg` with an APP1 Exif segment right after SOI carrying GPS tags: 29°51'55.8"N,
/// 121°32'36.6"E (little-endian TIFF, IFD0 pointing to a GPS IFD), as a phone writes them.
fn with_gps(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes()); // IFD0 at 8
    let entry = |tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        tiff.extend(tag.to_le_bytes());
        tiff.extend(kind.to_le_bytes());
        tiff.extend(count.to_le_bytes());
        tiff.extend(value);
    };
    // IFD0 (8..26): one entry, GPSInfo (0x8825, LONG) -> the GPS IFD at 26.
    tiff.extend(1u16.to_le_bytes());
    entry(&mut tiff, 0x8825, 4, 1, 26u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    // GPS IFD (26..80): latitude ref and value (RATIONAL×3 at 80), longitude ref and value (at 104).
    tiff.extend(4u16.to_le_bytes());
    entry(&mut tiff, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, 5, 3, 80u32.to_le_bytes());
    entry(&mut tiff, 0x0003, 2, 2, *b"E\0\0\0");
    entry(&mut tiff, 0x0004, 5, 3, 104u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    assert_eq!(tiff.len(), 80);
    for (n, d) in [(29u32, 1u32), (51, 1), (558, 10), (121, 1), (32, 1), (366, 10)] {
        tiff.extend(n.to_le_bytes());
        tiff.extend(d.to_le_bytes());
    }
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(tiff);
    [&jpeg[..2], &app1, &jpeg[2..]].concat()
}

/// The GPS tags a reader finds in `bytes` (an error when there is no EXIF at all).
fn gps_tags(bytes: &[u8]) -> Result<Vec<String>, exif::Error> {
    let exif = exif::Reader::new().read_from_container(&mut Cursor::new(bytes))?;
    Ok(exif
        .fields()
        .filter(|f| f.ifd_num == exif::In::PRIMARY)
        .map(|f| f.tag.to_string())
        .filter(|t| t.starts_with("GPS"))
        .collect())
}

fn has_exif_marker(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w == b"Exif\0\0")
}

/// An all-zero 10000×10000 PNG: 100 megapixels in about a hundred kilobytes.
fn png_bomb() -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::new_luma8(10_000, 10_000)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

impl TestApp {
    /// Uploads `bytes` as the `photo` field named `name` to the opinion with `code`.
    async fn upload(&self, code: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str("image/jpeg").unwrap();
        let form = reqwest::multipart::Form::new().part("photo", part);
        let res = self
            .client
            .post(format!("{}/api/v1/issues/{code}/photos", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("upload: not JSON ({e}): {text}")))
    }

    /// GET `path` as the public (`token` None) or with a bearer token: status, headers, bytes.
    async fn fetch(&self, path: &str, token: Option<&str>) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        (status, headers, res.bytes().await.unwrap().to_vec())
    }

    async fn staff_post(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let res = self.client.post(format!("{}{path}", self.base)).bearer_auth(token).json(body).send().await.unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    async fn staff_get(&self, token: &str, path: &str) -> (u16, Value) {
        let res = self.client.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    async fn photo_rows(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM photos").fetch_one(self.pool()).await.unwrap()
    }

    fn photo_dir(&self) -> PathBuf {
        self.db_path.with_file_name("liaison-photos")
    }

    /// Every file under the photo directory.
    fn photo_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.photo_dir(), &mut out);
        out
    }
}

/// Submits an opinion in 南门街道: (id, tracking code, a token of staff of its station).
async fn submitted(app: &TestApp) -> (i64, String, String) {
    let (status, body) = app.post("/api/v1/issues", &opinion("roads", 121.5435, 29.8655)).await;
    assert_eq!(status, 201, "{body}");
    let station = body["routing"]["station"]["id"].as_str().unwrap();
    let token = app.token("staff", Some(station)).await;
    (body["id"].as_i64().unwrap(), body["tracking_code"].as_str().unwrap().to_owned(), token)
}

#[tokio::test]
async fn an_uploaded_photo_comes_back_without_exif_gps_and_at_most_2048_px() {
    let app = TestApp::with_sample().await;
    let (_, code, staff) = submitted(&app).await;
    let original = with_gps(&jpeg(3000, 2000, 1));
    let tags = gps_tags(&original).expect("the test photo carries EXIF");
    assert!(tags.contains(&"GPSLatitude".to_owned()) && tags.contains(&"GPSLongitude".to_owned()), "{tags:?}");

    let (status, body) = app.upload(&code, "IMG_0001.jpg", original).await;
    assert_eq!(status, 201, "{body}");
    assert!(body["id"].as_i64().is_some(), "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(url.starts_with("/photos/") && url.ends_with(".jpg"), "{url}");

    // Staff of the station see it at once; nobody may keep a copy of an unapproved one.
    let (status, headers, served) = app.fetch(url, Some(&staff)).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert!(!has_exif_marker(&served), "no APP1 Exif segment is left");
    assert!(gps_tags(&served).is_err(), "an EXIF reader finds nothing at all");
    let decoded = image::load_from_memory(&served).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (2048, 1365), "the long side is brought to 2,048 px");
    assert_eq!(url, format!("/photos/{}.jpg", liaison::domain::photo::PhotoHash::of(&served)), "named by its SHA-256");

    let (status, headers, thumb) = app.fetch(body["thumb_url"].as_str().unwrap(), Some(&staff)).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "image/jpeg"));
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 213));
    assert!(!has_exif_marker(&served));

    // The public gets nothing yet, not even a hint that it exists.
    let (status, _, _) = app.fetch(url, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bombs_text_files_oversized_files_and_a_fourth_photo_are_refused_with_nothing_stored() {
    let app = TestApp::with_sample().await;
    let (_, code, _) = submitted(&app).await;

    let bomb = png_bomb();
    assert!(bomb.len() < 1_000_000, "a bomb is small: {} bytes", bomb.len());
    let (status, body) = app.upload(&code, "bomb.png", bomb).await;
    assert_eq!(error_code(status, &body, 422), "image_too_large");
    let (status, body) = app.upload(&code, "photo.jpg", b"this is a letter, not a photo".to_vec()).await;
    assert_eq!(error_code(status, &body, 422), "not_an_image");
    let (status, body) = app.upload(&code, "cut.jpg", jpeg(64, 64, 2)[..300].to_vec()).await;
    assert_eq!(error_code(status, &body, 422), "unreadable_image");
    // Just past 10 MB within the route's body limit, and far past it.
    let (status, body) = app.upload(&code, "big.jpg", vec![0xFF; 10 * 1024 * 1024 + 1]).await;
    assert_eq!(error_code(status, &body, 413), "payload_too_large");
    let (status, body) = app.upload(&code, "bigger.jpg", vec![0xFF; 12 * 1024 * 1024]).await;
    assert_eq!(error_code(status, &body, 413), "payload_too_large");
    assert_eq!((app.photo_rows().await, app.photo_files().len()), (0, 0), "nothing stored");

    for seed in 1..=3 {
        let (status, body) = app.upload(&code, "p.jpg", jpeg(200, 100, seed)).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = app.upload(&code, "p.jpg", jpeg(200, 100, 4)).await;
    assert_eq!(error_code(status, &body, 409), "too_many_photos");
    assert_eq!(app.photo_rows().await, 3);
    assert_eq!(app.photo_files().len(), 6, "a photo and a thumbnail each: {:?}", app.photo_files());

    // The other refusals: no such opinion, a malformed code, a body that is not a form.
    let (status, body) = app.upload("0000-0000-0000-0000", "p.jpg", jpeg(20, 20, 5)).await;
    assert_eq!(error_code(status, &body, 404), "not_found");
    let (status, body) = app.upload("12ab", "p.jpg", jpeg(20, 20, 5)).await;
    assert_eq!(error_code(status, &body, 400), "invalid_tracking_code");
    let res = app.client.post(format!("{}/api/v1/issues/{code}/photos", app.base)).body("x").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(app.photo_rows().await, 3);
}

#[tokio::test]
async fn only_approved_photos_reach_the_public_and_every_decision_is_in_the_history() {
    let app = TestApp::with_sample().await;
    let (id, code, staff) = submitted(&app).await;
    let (_, first) = app.upload(&code, "a.jpg", jpeg(300, 200, 7)).await;
    let (_, second) = app.upload(&code, "b.png", jpeg(300, 200, 8)).await;
    let (first_url, second_url) = (first["url"].as_str().unwrap(), second["url"].as_str().unwrap());
    let thumb = first["thumb_url"].as_str().unwrap();
    let open311 = format!("/open311/v2/requests/{id}.json");

    // Pending: staff see both, the public neither.
    let (_, seen) = app.staff_get(&staff, &format!("/api/v1/staff/issues/{id}")).await;
    let statuses: Vec<&str> =
        seen["photos"].as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["pending", "pending"], "{seen}");
    assert_eq!(seen["photos"][0]["url"], first_url);
    let (_, public) = app.get(&format!("/api/v1/issues/{code}")).await;
    assert_eq!(public["photos"], json!([]), "{public}");
    let (_, page) = app.get_text(&format!("/track/{code}")).await;
    assert!(!page.contains("/photos/"), "{page}");
    let (_, request) = app.get(&open311).await;
    assert_eq!(request[0]["media_url"], Value::Null);
    for url in [first_url, thumb, second_url] {
        assert_eq!(app.fetch(url, None).await.0, 404, "{url}");
    }

    // Only staff of the station (or an admin) decide.
    let path = |p: &Value| format!("/api/v1/staff/issues/{id}/photos/{}", p["id"]);
    let leader = app.token("leader", None).await;
    let (status, body) = app.staff_post(&leader, &path(&first), &json!({"decision": "approve"})).await;
    assert_eq!(error_code(status, &body, 403), "forbidden");
    let (status, body) = app.staff_post(&staff, &path(&first), &json!({"decision": "publish"})).await;
    assert_eq!(error_code(status, &body, 422), "invalid_body");

    // Approved: public everywhere, cached for good.
    let (status, after) = app.staff_post(&staff, &path(&first), &json!({"decision": "approve"})).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["photos"][0]["status"], "approved");
    assert_eq!(after["status"], "submitted", "the opinion's own status stays");
    let line = after["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((line["event"].as_str(), line["actor"].as_str()), (Some("photo_approve"), Some("staff:staff-test")));
    assert_eq!((line["from"].as_str(), line["to"].as_str()), (Some("submitted"), Some("submitted")));
    assert_eq!(line["note"], format!("photo {}", first["id"]));
    let (status, body) = app.staff_post(&staff, &path(&first), &json!({"decision": "approve"})).await;
    assert_eq!(error_code(status, &body, 409), "already_decided");

    let (_, public) = app.get(&format!("/api/v1/issues/{code}")).await;
    let urls: Vec<&str> = public["photos"].as_array().unwrap().iter().map(|p| p["url"].as_str().unwrap()).collect();
    assert_eq!(urls, [first_url], "{public}");
    assert!(public["photos"][0].get("status").is_none() && public["photos"][0].get("id").is_none(), "{public}");
    assert!(
        public["history"].as_array().unwrap().iter().all(|s| !s["event"].as_str().unwrap().starts_with("photo_")),
        "the public history has no photo decisions: {public}"
    );
    let (_, page) = app.get_text(&format!("/track/{code}")).await;
    assert!(page.contains(thumb) && !page.contains(second_url), "{page}");
    let (_, request) = app.get(&open311).await;
    assert_eq!(request[0]["media_url"], format!("https://liaison.example.gov.cn{first_url}"));
    let (status, headers, _) = app.fetch(first_url, None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(app.fetch(thumb, None).await.0, 200);

    // Rejected: stays hidden from the public, still there for staff.
    let (status, after) = app.staff_post(&staff, &path(&second), &json!({"decision": "reject"})).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["photos"][1]["status"], "rejected");
    assert_eq!(app.fetch(second_url, None).await.0, 404);
    assert_eq!(app.fetch(second_url, Some(&staff)).await.0, 200);
    let (_, public) = app.get(&format!("/api/v1/issues/{code}")).await;
    assert_eq!(public["photos"].as_array().unwrap().len(), 1);

    // Withdrawn later: gone from the public again, and both decisions are in the history.
    let (status, _) = app.staff_post(&staff, &path(&first), &json!({"decision": "reject"})).await;
    assert_eq!(status, 200);
    assert_eq!(app.fetch(first_url, None).await.0, 404);
    let (_, request) = app.get(&open311).await;
    assert_eq!(request[0]["media_url"], Value::Null);
    let (_, seen) = app.staff_get(&staff, &format!("/api/v1/staff/issues/{id}")).await;
    let events: Vec<&str> = seen["history"].as_array().unwrap().iter().map(|s| s["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["submit", "photo_approve", "photo_reject", "photo_reject"], "{seen}");
}

#[tokio::test]
async fn staff_of_another_station_see_no_unapproved_photo() {
    let app = TestApp::with_sample().await;
    let (_, code, _) = submitted(&app).await;
    let (_, photo) = app.upload(&code, "a.jpg", jpeg(40, 40, 9)).await;
    let url = photo["url"].as_str().unwrap();
    let (_, body) = app.post("/api/v1/issues", &opinion("roads", 121.5435, 29.8655)).await;
    let ours = body["routing"]["station"]["id"].as_str().unwrap().to_owned();
    let catalog = app.state.service.catalog();
    // Not a station whose liaison points include ours: its staff would handle ours too.
    let unrelated = |s: &&liaison::domain::Station| {
        s.id.as_str() != ours && catalog.points_of_station(&s.id).iter().all(|p| p.id.as_str() != ours)
    };
    let other = catalog.stations().iter().find(unrelated).unwrap().id.to_string();
    let stranger = app.token("staff", Some(&other)).await;
    assert_eq!(app.fetch(url, Some(&stranger)).await.0, 404);
    assert_eq!(app.fetch(url, Some("not-a-token")).await.0, 404);
    let admin = app.token("admin", None).await;
    assert_eq!(app.fetch(url, Some(&admin)).await.0, 200);
    let (status, _, _) = app.fetch("/photos/not-a-hash.jpg", None).await;
    assert_eq!(status, 400);
}

/// Posts the submit form as a browser does with files chosen: multipart, `photos` as the file
/// input's parts. Returns the status and where it redirects to (or the page).
async fn submit_form_with(app: &TestApp, fields: &[(&str, &str)], photos: Vec<(&str, Vec<u8>)>) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (file_name, bytes) in photos {
        form = form.part("photo", reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()));
    }
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = client.post(format!("{}/submit", app.base)).multipart(form).send().await.unwrap();
    let status = res.status().as_u16();
    match res.headers().get("location").map(|l| l.to_str().unwrap().to_owned()) {
        Some(location) => (status, location),
        None => (status, res.text().await.unwrap()),
    }
}

#[tokio::test]
async fn the_form_takes_photos_and_staff_approve_them_on_the_issue_page() {
    let app = TestApp::with_sample().await;
    let (_, form) = app.get_text("/submit").await;
    assert!(
        form.contains(r#"enctype="multipart/form-data""#) && form.contains(r#"type="file" name="photo""#),
        "{form}"
    );
    let fields = [
        ("category", "roads"),
        ("title", "路面塌陷"),
        ("text", "人行道上有一个坑"),
        ("lon", "121.5435"),
        ("lat", "29.8655"),
        ("channel", "online"),
        ("name", "张小明"),
    ];
    let opinions =
        || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM opinions").fetch_one(app.pool()).await.unwrap() };
    let before = opinions().await;

    // One file that is not an image refuses the whole submission: nothing is stored.
    let (status, page) =
        submit_form_with(&app, &fields, vec![("a.jpg", jpeg(50, 50, 1)), ("notes.jpg", b"plain text".to_vec())]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("路面塌陷"), "the form comes back filled in");
    assert_eq!((opinions().await, app.photo_rows().await, app.photo_files().len()), (before, 0, 0));
    let four = (1..=4).map(|i| ("p.jpg", jpeg(30, 30, i))).collect();
    let (status, _) = submit_form_with(&app, &fields, four).await;
    assert_eq!((status, opinions().await), (422, before));

    // Two photos and an empty file input (what a browser sends when a second input is left empty).
    let photos = vec![("a.jpg", with_gps(&jpeg(800, 600, 2))), ("b.png", jpeg(600, 800, 3)), ("", Vec::new())];
    let (status, location) = submit_form_with(&app, &fields, photos).await;
    assert_eq!(status, 303, "{location}");
    let code = location.trim_start_matches("/track/").trim_end_matches("?new=1").to_owned();
    assert_eq!(app.photo_rows().await, 2);
    // Without photos the form still works, multipart or not.
    let (status, _) = submit_form_with(&app, &fields, Vec::new()).await;
    assert_eq!(status, 303);

    // Staff of the station see both on the issue page and approve one with its button.
    let (_, tracked) = app.get(&format!("/api/v1/issues/{code}")).await;
    let station = tracked["routing"]["station"]["id"].as_str().unwrap();
    app.user("wang.li", "staff", Some(station), None).await;
    let staff = app.logged_in_client("wang.li").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM opinions WHERE tracking_code = $1")
        .bind(code.replace('-', ""))
        .fetch_one(app.pool())
        .await
        .unwrap();
    let page = staff.get(format!("{}/staff/issues/{id}", app.base)).send().await.unwrap().text().await.unwrap();
    assert_eq!(page.matches(r#"data-field="photo-status" data-value="pending""#).count(), 2, "{page}");
    let at = page.find(r#"action="/staff/issues/"#).unwrap();
    let action = &page[at + 8..at + 8 + page[at + 8..].find('"').unwrap()];
    assert!(action.contains("/photos/"), "{action}");
    let at = page.find(r#"name="csrf" value=""#).unwrap() + 19;
    let csrf = &page[at..at + page[at..].find('"').unwrap()];
    let res = staff
        .post(format!("{}{action}", app.base))
        .form(&[("csrf", csrf), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().await.unwrap();
    assert_eq!(page.matches(r#"data-value="approved""#).count(), 1, "{page}");
    assert!(page.contains("照片审核通过"), "the decision is in the history: {page}");
    // The staff page's images load with the login cookie alone.
    let thumb = page.split(r#"img src=""#).nth(1).map(|s| &s[..s.find('"').unwrap()]).unwrap().to_owned();
    assert_eq!(staff.get(format!("{}{thumb}", app.base)).send().await.unwrap().status().as_u16(), 200);

    let (_, tracked) = app.get(&format!("/api/v1/issues/{code}")).await;
    assert_eq!(tracked["photos"].as_array().unwrap().len(), 1, "{tracked}");
    let (_, served, bytes) = app.fetch(tracked["photos"][0]["url"].as_str().unwrap(), None).await;
    assert_eq!(served["content-type"], "image/jpeg");
    assert!(!has_exif_marker(&bytes), "the form's photos lose their EXIF too");
}
