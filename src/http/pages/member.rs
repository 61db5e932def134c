//! A member's duty report card at `/members/{id}?year=`: the year's activities and opinions, each
//! item's points under the district's rule, the score and the rank among the body, and the
//! member's QR code. Printable (one A4 sheet per page of the card); no JavaScript.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Datelike;
use maud::{html, Markup};

use super::{error_page, error_text, layout, PagePath};
use crate::http::error::AppError;
use crate::http::AppState;
use crate::i18n::{label, t, t_args, Lang};
use crate::service::duty::{DutyCardView, FIRST_YEAR};

pub fn router() -> Router<AppState> {
    Router::new().route("/members/{id}", get(card))
}

#[derive(serde::Deserialize)]
struct CardParams {
    year: Option<String>,
}

/// The card's own style on top of the pages' one: a print layout without the navigation.
const STYLE: &str =
    ".card-head{display:flex;gap:1.5rem;align-items:flex-start;justify-content:space-between;flex-wrap:wrap}\
.card-head img{width:9rem;height:9rem}.card-head figure{margin:0;text-align:center;font-size:.85rem;color:#52606d}\
.score{font-size:2.4rem;font-weight:700;color:#c0392b;margin:.2rem 0}.years a,.years strong{margin-right:.8rem}\
table.duty td.num,table.duty th.num{text-align:right;font-variant-numeric:tabular-nums}\
tfoot td{font-weight:700;border-top:2px solid #1f2933}\
@media print{nav,.years,.no-print{display:none}body{max-width:none;padding:0}@page{size:A4;margin:14mm}}";

fn points(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

async fn card(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(id): PagePath<String>,
    Query(p): Query<CardParams>,
) -> Response {
    let year = match p.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(y) => match y.parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => {
                let message = t_args(lang, "duty-bad-year", &[("year", y.into())]);
                return error_page(lang, axum::http::StatusCode::BAD_REQUEST, "error-title-bad-request", &message);
            }
        },
    };
    let card = match state.service.duty_card(&id, year).await {
        Ok(c) => c.view(),
        Err(e) => {
            let e = AppError::from(e);
            return error_page(lang, e.status(), "error-title-not-found", &error_text(lang, &e));
        }
    };
    let title = t_args(
        lang,
        "duty-title",
        &[("name", card.record.name.as_str().into()), ("year", card.year.to_string().as_str().into())],
    );
    let this_year = state.service.now().year();
    let body = html! {
        style { (STYLE) }
        (head(lang, &card, &state.public_url))
        p.years {
            @for y in (FIRST_YEAR.max(card.year - 3)..=this_year.min(card.year + 3)) {
                @if y == card.year { strong { (y) } } @else { a href=(format!("?year={y}")) { (y) } }
            }
        }
        (items(lang, &card))
        (activities(lang, &card))
        p.no-print.muted {
            (t(lang, "duty-print-hint")) " · "
            a href=(format!("/api/v1/duty?year={}&body={}&format=csv", card.year, card.record.body.code())) #body-csv { (t(lang, "duty-body-csv")) }
            " · "
            a href=(format!("/api/v1/members/{}/duty?year={}", card.record.member_id, card.year)) { "JSON" }
        }
    };
    Html(layout(lang, &title, body).into_string()).into_response()
}

fn head(lang: Lang, card: &DutyCardView, public_url: &str) -> Markup {
    let r = &card.record;
    let rank = t_args(
        lang,
        "duty-rank",
        &[
            ("rank", r.rank.into()),
            ("of", card.of.into()),
            ("body", label(lang, "body", r.body.code()).as_str().into()),
        ],
    );
    html! {
        div.card-head {
            div {
                h1 { (t_args(lang, "duty-title", &[("name", r.name.as_str().into()), ("year", card.year.to_string().as_str().into())])) }
                p #member-line data-member-id=(r.member_id) {
                    (label(lang, "body", r.body.code())) " · " (label(lang, "level", r.level.code()))
                    @if !r.sector.is_empty() { " · " (r.sector) }
                    @if let (Some(id), Some(name)) = (&r.station_id, &r.station_name) {
                        " · " a href=(format!("/?station={id}")) { (name) }
                    }
                }
                p { (t(lang, "duty-score")) }
                p.score data-field="score" data-value=(r.score) { (points(r.score)) }
                p #rank data-field="rank" data-value=(r.rank) { (rank) }
            }
            figure {
                img src=(format!("/m/{}/qr.svg", r.member_id)) alt=(t(lang, "duty-qr-alt"));
                figcaption { (t(lang, "duty-qr")) br; small { (format!("{public_url}/m/{}", r.member_id)) } }
            }
        }
    }
}

fn items(lang: Lang, card: &DutyCardView) -> Markup {
    html! {
        h2 { (t(lang, "duty-items")) }
        table.duty #duty-items {
            thead { tr {
                th { (t(lang, "duty-col-item")) }
                th.num { (t(lang, "duty-col-units")) }
                th.num { (t(lang, "duty-col-rule")) }
                th.num { (t(lang, "duty-col-points")) }
            } }
            tbody {
                @for (part, rule) in card.record.parts.iter().zip(&card.rule) {
                    tr data-item=(part.item) {
                        td { (label(lang, "duty-item", part.item)) }
                        td.num data-field=(format!("units-{}", part.item)) data-value=(part.units) { (points(part.units)) }
                        td.num {
                            (points(rule.points))
                            @if let Some(max) = rule.max { " " (t_args(lang, "duty-max", &[("max", points(max).as_str().into())])) }
                            @if let Some(min) = rule.min { " " (t_args(lang, "duty-min", &[("min", points(min).as_str().into())])) }
                        }
                        td.num data-field=(format!("points-{}", part.item)) data-value=(part.points) { (points(part.points)) }
                    }
                }
            }
            tfoot { tr { td colspan="3" { (t(lang, "duty-total")) } td.num { (points(card.record.score)) } } }
        }
        @let c = &card.record.counts;
        p.muted #opinion-line {
            (t_args(lang, "duty-opinions", &[
                ("received", f64::from(c.opinion_received).into()),
                ("due", f64::from(c.due).into()),
                ("ontime", f64::from(c.replied_on_time).into()),
                ("rated", f64::from(c.rated).into()),
                ("mean", c.mean_rating.map(points).unwrap_or_else(|| "—".into()).as_str().into()),
            ]))
        }
    }
}

fn activities(lang: Lang, card: &DutyCardView) -> Markup {
    html! {
        h2 { (t_args(lang, "duty-activities", &[("n", card.activities.len().into())])) }
        @if card.activities.is_empty() {
            p.muted { (t(lang, "duty-no-activities")) }
        } @else {
            table #duty-activities {
                thead { tr {
                    th { (t(lang, "duty-col-date")) }
                    th { (t(lang, "duty-col-kind")) }
                    th { (t(lang, "duty-col-title")) }
                    th.num { (t(lang, "duty-col-visitors")) }
                } }
                tbody {
                    @for a in &card.activities {
                        tr data-activity-id=(a.id) data-kind=(a.kind.code()) {
                            td { (a.date) }
                            td { (label(lang, "duty-item", a.kind.code())) }
                            td { (a.title) }
                            td.num { (a.visitors) }
                        }
                    }
                }
            }
        }
    }
}
