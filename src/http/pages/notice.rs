//! The printable notice of a coming reception day at `/s/{station}/notice` (the next session, or
//! `?start=2026-12-10T14:00` for another among the coming ones): station, date and time, theme,
//! the members receiving, address, phone and the QR code of the station's submit page, laid out
//! for one A4 sheet (print CSS) to put up on community boards or share in WeChat groups.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use maud::{html, DOCTYPE};

use super::{error_page, error_text, session_start, PagePath};
use crate::http::error::AppError;
use crate::http::AppState;
use crate::i18n::{label, t, t_args, Lang};

pub fn router() -> Router<AppState> {
    Router::new().route("/s/{station}/notice", get(notice))
}

#[derive(serde::Deserialize)]
struct NoticeParams {
    /// The session's start: RFC 3339, or `YYYY-MM-DDTHH:MM` in Shanghai time.
    start: Option<String>,
}

/// One sheet of A4 portrait; on screen a centred sheet with a print hint.
const STYLE: &str = "@page{size:A4 portrait;margin:16mm}\
*{box-sizing:border-box}body{font-family:'Noto Sans CJK SC','Noto Sans SC',sans-serif;color:#1f2933;margin:0;background:#e4e7eb}\
.sheet{background:#fff;width:210mm;min-height:297mm;margin:1rem auto;padding:16mm;box-shadow:0 1px 6px rgba(0,0,0,.2)}\
.hint{text-align:center;font-size:.9rem;color:#52606d;margin:.8rem}.hint a{color:#1d4ed8}\
header{border-bottom:4px solid #c0392b;padding-bottom:4mm;margin-bottom:6mm}\
.kicker{color:#c0392b;font-size:14pt;letter-spacing:.3em;margin:0}h1{font-size:26pt;margin:2mm 0 0}\
.when{font-size:22pt;font-weight:700;margin:6mm 0 2mm}.theme{font-size:16pt;margin:2mm 0 6mm;color:#0f5f6e}\
h2{font-size:14pt;margin:6mm 0 2mm;color:#52606d}ul.members{list-style:none;padding:0;margin:0;columns:2;font-size:13pt}\
ul.members li{margin:0 0 2mm;break-inside:avoid}ul.members .meta{color:#52606d;font-size:10pt}\
dl{display:grid;grid-template-columns:auto 1fr;gap:2mm 6mm;font-size:12pt;margin:4mm 0}dt{color:#52606d}dd{margin:0}\
.qr{display:flex;align-items:center;gap:8mm;margin-top:8mm;border-top:1px solid #d9dee4;padding-top:6mm}\
.qr img{width:45mm;height:45mm}.qr p{font-size:13pt;margin:0}\
@media print{body{background:#fff}.sheet{margin:0;width:auto;min-height:0;padding:0;box-shadow:none}.hint{display:none}}\
@media (max-width:220mm){.sheet{width:auto;min-height:0;margin:0;padding:1rem}ul.members{columns:1}}";

/// `2026-12-10T14:00` (Shanghai) or RFC 3339.
fn parse_start(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text).ok().or_else(|| {
        let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok()?;
        local.and_local_timezone(crate::domain::schedule::shanghai()).single()
    })
}

async fn notice(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(id): PagePath<String>,
    Query(p): Query<NoticeParams>,
) -> Response {
    let start = match p.start.as_deref().filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(text) => match parse_start(text) {
            Some(at) => Some(at),
            None => {
                let message = t_args(lang, "notice-bad-start", &[("start", text.into())]);
                return error_page(lang, StatusCode::BAD_REQUEST, "error-title-bad-request", &message);
            }
        },
    };
    let lookups = state.service.lookups();
    let n = match lookups.reception_notice(&id, start) {
        Ok(n) => n,
        Err(e) => {
            let e = AppError::from(e);
            return error_page(lang, e.status(), "error-title-not-found", &error_text(lang, &e));
        }
    };
    let s = n.station;
    let kind = label(lang, "kind", s.kind.code());
    let title = t_args(lang, "notice-title", &[("station", s.name.as_str().into())]);
    let when = format!("{}–{}", session_start(lang, n.session.start), n.session.end.format("%H:%M"));
    let submit_url = format!("{}/s/{}", state.public_url, s.id);
    let body = html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                (super::head_meta())
                title { (title) }
                style { (STYLE) }
            }
            body.notice {
                p.hint { (t(lang, "notice-print-hint")) " · " a href=(format!("/?station={}", s.id)) { (t(lang, "back-to-map")) } }
                article.sheet {
                    header {
                        p.kicker { (t(lang, "notice-kicker")) }
                        h1 { (s.name) }
                        p { (kind) @if let Some(town) = n.town { " · " (town) } }
                    }
                    p.when #when data-start=(n.session.start.to_rfc3339()) { (when) }
                    @if let Some(theme) = &n.session.theme {
                        p.theme #theme { (t_args(lang, "notice-theme", &[("theme", theme.as_str().into())])) }
                    }
                    h2 { (t(lang, if n.members_named { "notice-on-duty" } else { "notice-station-members" })) }
                    @if n.on_duty.is_empty() {
                        p { (t(lang, "notice-no-members")) }
                    } @else {
                        ul.members #on-duty {
                            @for m in &n.on_duty {
                                li data-member-id=(m.id) {
                                    strong { (m.name) }
                                    " " span.meta {
                                        (label(lang, "body", m.body.code()))
                                        @if !m.sector.is_empty() { " · " (m.sector) }
                                    }
                                }
                            }
                        }
                    }
                    dl {
                        dt { (t(lang, "notice-address")) } dd { (s.address) }
                        @if !s.phone.is_empty() { dt { (t(lang, "notice-phone")) } dd { (s.phone) } }
                        @if !s.opening_hours.is_empty() { dt { (t(lang, "notice-hours")) } dd { (s.opening_hours) } }
                    }
                    div.qr {
                        img #qr src=(format!("/s/{}/qr.svg", s.id)) alt=(t_args(lang, "js-map-qr-alt", &[("name", s.name.as_str().into())]));
                        div {
                            p { strong { (t(lang, "notice-qr")) } }
                            p.meta { (submit_url) }
                        }
                    }
                }
            }
        }
    };
    Html(body.into_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_are_read_as_rfc3339_or_as_shanghai_wall_time() {
        let a = parse_start("2026-12-10T14:00").unwrap();
        let b = parse_start("2026-12-10T06:00:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_rfc3339(), "2026-12-10T14:00:00+08:00");
        assert!(parse_start("next thursday").is_none());
        assert!(parse_start("2026-13-10T14:00").is_none());
    }
}
