//! Which language a page speaks: `?lang=zh-CN|en`, else the `lang` cookie, else
//! `Accept-Language`, else zh-CN. A `?lang=` choice is remembered in the cookie for a year by
//! [`remember`], a middleware, which also marks pages as varying by language.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE, VARY};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::Response;

pub use crate::i18n::Lang;

/// The cookie that remembers a chosen language.
pub const LANG_COOKIE: &str = "lang";

fn from_query(uri: &Uri) -> Option<Lang> {
    uri.query()?.split('&').find_map(|pair| pair.strip_prefix("lang=")).and_then(Lang::parse)
}

fn from_cookie(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("lang="))
        .and_then(Lang::parse)
}

/// The language of a request to a page.
pub fn negotiate(uri: &Uri, headers: &HeaderMap) -> Lang {
    from_query(uri)
        .or_else(|| from_cookie(headers))
        .or_else(|| headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language))
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(negotiate(&parts.uri, &parts.headers))
    }
}

/// Paths whose answers are data, the same in every language (a lookup's `lang=` only words its
/// labels, and is not remembered).
const DATA_PATHS: [&str; 4] = ["/api/", "/open311/", "/tiles/", "/assets/"];

/// On pages (everything but [`DATA_PATHS`]): remembers a `?lang=` choice in a cookie, and says
/// that the answer varies by language.
pub async fn remember(req: Request, next: Next) -> Response {
    if DATA_PATHS.iter().any(|p| req.uri().path().starts_with(p)) {
        return next.run(req).await;
    }
    let asked = from_query(req.uri());
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if let Some(lang) = asked {
        let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.tag());
        headers.append(SET_COOKIE, HeaderValue::from_str(&cookie).expect("a tag is a valid header value"));
    }
    headers.append(VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_query_beats_the_cookie_which_beats_accept_language() {
        let uri: Uri = "/?x=1&lang=en".parse().unwrap();
        let zh_cookie = headers(&[("cookie", "a=b; lang=zh-CN"), ("accept-language", "en")]);
        assert_eq!(negotiate(&uri, &zh_cookie), Lang::En);
        let plain: Uri = "/".parse().unwrap();
        assert_eq!(negotiate(&plain, &zh_cookie), Lang::ZhCn);
        assert_eq!(negotiate(&plain, &headers(&[("accept-language", "en-GB,en;q=0.9")])), Lang::En);
        assert_eq!(negotiate(&plain, &headers(&[("accept-language", "fr")])), Lang::ZhCn);
        let bogus: Uri = "/?lang=xx".parse().unwrap();
        assert_eq!(negotiate(&bogus, &headers(&[("cookie", "lang=en")])), Lang::En, "an unknown ?lang= is ignored");
    }
}
