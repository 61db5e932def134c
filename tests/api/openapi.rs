//! The OpenAPI document covers every JSON route the code declares, every documented path answers,
//! and the docs UI is served from the binary.

use crate::helpers::TestApp;

/// Every `.route("…")` literal in src/http that serves JSON (not pages, not Open311, not the docs).
fn declared_routes() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        for part in text.split(".route(\"").skip(1) {
            let route = &part[..part.find('"').unwrap()];
            if route.starts_with("/api/") || route == "/healthz" {
                routes.push(route.to_owned());
            }
        }
    }
    routes.sort();
    routes
}

#[tokio::test]
async fn the_document_covers_every_json_route_and_each_documented_path_exists() {
    let app = TestApp::with_sample().await;
    let (status, doc) = app.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let declared = declared_routes();
    assert!(declared.len() >= 15, "{declared:?}");
    for route in &declared {
        assert!(documented.contains(route), "{route} is served but not documented");
    }
    let station = app.state.service.catalog().stations()[0].id.to_string();
    let member = app.state.service.catalog().members()[0].id.to_string();
    let grid = app.state.service.catalog().grids()[0].id.to_string();
    for path in &documented {
        let concrete = path
            .replace("/stations/{id}", &format!("/stations/{station}"))
            .replace("/members/{id}", &format!("/members/{member}"))
            .replace("/grids/{id}", &format!("/grids/{grid}"))
            .replace("{id}", "1")
            .replace("{code}", "0000-0000-0000-0000");
        let (_, body) = app.get(&concrete).await;
        let fallback = body["error"]["message"].as_str().is_some_and(|m| m.starts_with("no such endpoint"));
        assert!(!fallback, "{path} is documented but not served");
        // Every operation documents its responses and parameters resolve.
        for (_, op) in doc["paths"][path].as_object().unwrap() {
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{path}");
            for p in op["parameters"].as_array().unwrap() {
                let name = p["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
                assert!(doc["components"]["parameters"][name].is_object(), "{path}: {name}");
            }
        }
    }
}

#[tokio::test]
async fn the_docs_ui_is_served_offline_from_the_binary() {
    let app = TestApp::with_sample().await;
    let (status, html) = app.get_text("/api/docs/").await;
    assert_eq!(status, 200);
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://"), "nothing loads from the internet");
    let (status, js) = app.get_text("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(status, 200);
    assert!(js.len() > 100_000);
    let (status, init) = app.get_text("/api/docs/swagger-initializer.js").await;
    assert_eq!(status, 200);
    assert!(init.contains("/api/openapi.json"), "{init}");
}
