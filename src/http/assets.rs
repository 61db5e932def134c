//! Static files the pages load — the map's and the dashboard's scripts and styles, and the vendored MapLibre GL JS
//! and Apache ECharts from `web/` — compiled into the binary, so that the service needs no network and no files beside
//! it. Served at `/assets/{name}`; pages link them through [`url`], whose `?v=` changes with the
//! content, so that browsers may cache them for a day and still see a new release at once.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use super::AppState;

/// How long browsers and proxies may keep an asset without asking again.
const CACHE_CONTROL: &str = "public, max-age=86400";

/// One compiled-in file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! web_file {
    ($path:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $path))
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";
const SVG: &str = "image/svg+xml";

const ASSETS: &[Asset] = &[
    Asset { name: "dashboard.js", content_type: JS, body: web_file!("dashboard.js") },
    Asset { name: "dashboard.css", content_type: CSS, body: web_file!("dashboard.css") },
    Asset { name: "map.js", content_type: JS, body: web_file!("map.js") },
    Asset { name: "mapkit.js", content_type: JS, body: web_file!("mapkit.js") },
    Asset { name: "staff-map.js", content_type: JS, body: web_file!("staff-map.js") },
    Asset { name: "plan.js", content_type: JS, body: web_file!("plan.js") },
    Asset { name: "map.css", content_type: CSS, body: web_file!("map.css") },
    Asset { name: "favicon.svg", content_type: SVG, body: web_file!("favicon.svg") },
    Asset { name: "pmtiles.js", content_type: JS, body: web_file!("vendor/pmtiles/pmtiles.js") },
    Asset { name: "pmtiles-LICENSE.txt", content_type: TEXT, body: web_file!("vendor/pmtiles/LICENSE.txt") },
    Asset { name: "maplibre-gl.js", content_type: JS, body: web_file!("vendor/maplibre-gl/maplibre-gl.js") },
    Asset { name: "maplibre-gl.css", content_type: CSS, body: web_file!("vendor/maplibre-gl/maplibre-gl.css") },
    Asset { name: "maplibre-gl-LICENSE.txt", content_type: TEXT, body: web_file!("vendor/maplibre-gl/LICENSE.txt") },
    Asset { name: "echarts.js", content_type: JS, body: web_file!("vendor/echarts/echarts.min.js") },
    Asset { name: "echarts-LICENSE.txt", content_type: TEXT, body: web_file!("vendor/echarts/LICENSE.txt") },
    Asset { name: "echarts-NOTICE.txt", content_type: TEXT, body: web_file!("vendor/echarts/NOTICE.txt") },
    Asset { name: "echarts-LICENSE-d3.txt", content_type: TEXT, body: web_file!("vendor/echarts/LICENSE-d3.txt") },
    Asset { name: "zrender-LICENSE.txt", content_type: TEXT, body: web_file!("vendor/echarts/LICENSE-zrender.txt") },
];

/// Each asset's version: the first 12 hex digits of its SHA-256, in the order of [`ASSETS`].
static VERSIONS: LazyLock<Vec<String>> =
    LazyLock::new(|| ASSETS.iter().map(|a| hex::encode(&Sha256::digest(a.body)[..6])).collect());

fn find(name: &str) -> Option<(&'static Asset, &'static str)> {
    let i = ASSETS.iter().position(|a| a.name == name)?;
    Some((&ASSETS[i], VERSIONS[i].as_str()))
}

/// The URL of the asset `name` with its version, e.g. `/assets/dashboard.js?v=3f2a…`; the bare
/// `/assets/{name}` for a name that is not compiled in (which then answers 404).
///
/// # Examples
///
/// ```
/// let url = liaison::http::assets::url("dashboard.js");
/// assert!(url.starts_with("/assets/dashboard.js?v="));
/// assert_eq!(liaison::http::assets::url("nope.js"), "/assets/nope.js");
/// ```
pub fn url(name: &str) -> String {
    match find(name) {
        Some((a, version)) => format!("/assets/{}?v={version}", a.name),
        None => format!("/assets/{name}"),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/{name}", get(asset))
        // Browsers ask for /favicon.ico whatever a page links (a 404 there is a console error).
        .route("/favicon.ico", get(|headers: HeaderMap| asset(Path("favicon.svg".to_owned()), headers)))
}

async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some((asset, version)) = find(&name) else {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, TEXT)], format!("no asset named {name:?}\n"))
            .into_response();
    };
    let etag = format!("\"{version}\"");
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let common = [
        (header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    // The version is hex, so the ETag is always a valid header value.
    let etag = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    if fresh {
        return (StatusCode::NOT_MODIFIED, common, [(header::ETAG, etag)]).into_response();
    }
    (common, [(header::ETAG, etag), (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type))], asset.body)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_distinct_name_and_a_body() {
        for (i, a) in ASSETS.iter().enumerate() {
            assert!(!a.body.is_empty(), "{} is empty", a.name);
            assert!(ASSETS[..i].iter().all(|b| b.name != a.name), "{} twice", a.name);
        }
        assert_eq!(VERSIONS.len(), ASSETS.len());
    }

    #[test]
    fn urls_carry_the_content_version() {
        let (_, version) = find("maplibre-gl.js").unwrap();
        assert_eq!(url("maplibre-gl.js"), format!("/assets/maplibre-gl.js?v={version}"));
        assert_eq!(version.len(), 12);
    }
}
