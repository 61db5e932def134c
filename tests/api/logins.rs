//! Web logins: argon2-checked passwords, HttpOnly SameSite cookies, CSRF on every form, the staff
//! pages, and a member's session reaching the API with a member's rights.

use serde_json::json;

use crate::helpers::{error_code, TestApp};
use crate::opinions::opinion;

impl TestApp {
    /// Adds a login as `liaison user add` does.
    pub async fn user(&self, name: &str, role: &str, station: Option<&str>, member: Option<&str>) {
        let principal = liaison::domain::Principal {
            name: name.into(),
            role: role.parse().unwrap(),
            station: station.map(|s| s.parse().unwrap()),
            member: member.map(|m| m.parse().unwrap()),
        };
        let hash = liaison::auth::hash_password("a long enough secret").unwrap();
        liaison::store::Store::add_user(self.store.as_ref(), &principal, &hash).await.unwrap();
    }

    /// Logs in through the login form (with its CSRF token) and returns the final page.
    pub async fn log_in(&self, name: &str, password: &str) -> (u16, String) {
        let csrf = self.csrf("/login").await;
        let res = self
            .client
            .post(format!("{}/login", self.base))
            .form(&[("username", name), ("password", password), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// A separate browser-like client logged in as `name`.
    pub async fn logged_in_client(&self, name: &str) -> reqwest::Client {
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let html = client.get(format!("{}/login", self.base)).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_in(&html, "/login");
        let form = [("username", name), ("password", "a long enough secret"), ("csrf", csrf.as_str())];
        let res = client.post(format!("{}/login", self.base)).form(&form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "login as {name}");
        client
    }

    pub async fn csrf(&self, page: &str) -> String {
        csrf_in(&self.get_text(page).await.1, page)
    }
}

/// The CSRF token in a page's hidden form field.
pub fn csrf_in(html: &str, page: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").unwrap_or_else(|| panic!("no CSRF field on {page}")) + 19;
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn staff_log_in_and_work_an_opinion_through_the_pages() {
    let app = TestApp::with_sample().await;
    let (_, created) = app.post("/api/v1/issues", &opinion("parking", 121.5435, 29.8655)).await;
    let station = created["routing"]["station"]["id"].as_str().unwrap().to_owned();
    let id = created["id"].as_i64().unwrap();
    app.user("li.hua", "staff", Some(&station), None).await;

    let res = app.client.get(format!("{}/login", app.base)).send().await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let res = app
        .client
        .post(format!("{}/login", app.base))
        .form(&[("username", "li.hua"), ("password", "a long enough secret")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403, "a login form without its CSRF token is refused");
    let res = app.client.post(format!("{}/login", app.base)).form(&[("username", "li.hua")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400, "a form missing a field gets a readable page");
    assert!(res.text().await.unwrap().contains("返回地图"));
    let (status, page) = app.log_in("li.hua", "wrong password!").await;
    assert_eq!(status, 401);
    assert!(page.contains("role=\"alert\""));
    let (status, inbox) = app.log_in("li.hua", "a long enough secret").await;
    assert_eq!(status, 200);
    assert!(inbox.contains("id=\"inbox\"") && inbox.contains(&format!("/staff/issues/{id}")), "{inbox}");

    let csrf = app.csrf(&format!("/staff/issues/{id}")).await;
    let url = format!("{}/staff/issues/{id}", app.base);
    let res = app.client.post(&url).form(&[("to", "registered"), ("version", "1")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403, "no CSRF token, no change");
    let register =
        || app.client.post(&url).form(&[("to", "registered"), ("version", "1"), ("csrf", csrf.as_str())]).send();
    let page = register().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"status\">已受理"), "{page}");
    assert!(
        page.contains(" 提交 → 已提交 网上") && page.contains(" 受理 → 已受理"),
        "the history reads in Chinese: {page}"
    );
    let res = register().await.unwrap();
    assert_eq!(res.status().as_u16(), 409, "a stale form is a conflict, shown on the page");

    let csrf = app.csrf("/staff").await;
    app.client.post(format!("{}/logout", app.base)).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    let res = app.client.get(format!("{}/staff", app.base)).send().await.unwrap();
    assert!(res.url().path().ends_with("/login"), "logged out: {}", res.url());
}

#[tokio::test]
async fn a_members_login_reads_and_replies_to_opinions_of_their_grids_only() {
    let app = TestApp::with_sample().await;
    let (_, created) = app.post("/api/v1/issues", &opinion("noise", 121.5435, 29.8655)).await;
    let id = created["id"].as_i64().unwrap();
    let member = created["routing"]["members"][0]["id"].as_str().unwrap().to_owned();
    let station = created["routing"]["station"]["id"].as_str().unwrap().to_owned();
    app.user("rep", "member", None, Some(&member)).await;
    let (status, _) = app.log_in("rep", "a long enough secret").await;
    assert_eq!(status, 200);

    let (s, inbox) = app.get("/api/v1/staff/issues").await;
    assert_eq!(s, 200, "the session cookie authenticates API calls");
    assert!(inbox["issues"].as_array().unwrap().iter().any(|i| i["id"] == id));
    let post = |body: serde_json::Value| {
        app.client.post(format!("{}/api/v1/staff/issues/{id}/transitions", app.base)).json(&body).send()
    };
    let res = post(json!({ "to": "registered", "version": 1 })).await.unwrap();
    assert_eq!(res.status().as_u16(), 403, "members reply; staff register");

    let staff = app.token("staff", Some(&station)).await;
    let res = app
        .client
        .post(format!("{}/api/v1/staff/issues/{id}/transitions", app.base))
        .bearer_auth(&staff)
        .json(&json!({ "to": "registered", "version": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res = post(
        json!({ "to": "replied", "version": 2, "reply_route": "direct_answer", "reply": "已联系施工方调整作业时间" }),
    )
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // An opinion far from the member's grids stays out of reach.
    let (_, far) = app.post("/api/v1/issues", &opinion("roads", 121.25, 29.80)).await;
    let (s, e) = app.get(&format!("/api/v1/staff/issues/{}", far["id"])).await;
    assert_eq!(error_code(s, &e, 403), "forbidden");
}
