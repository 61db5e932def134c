//! The planner's page at `/plan`: who the stations reach within a radius (a slider that redraws the
//! coverage and the uncovered cells), where new sites would reach the most (MCLP, LSCP, p-median,
//! each site with the demand it adds), and saved scenarios side by side. A shell for logins who may
//! plan (staff, leaders, administrators); `web/plan.js` draws it from the planning API
//! (`/api/v1/planning/…`, with the login's session cookie) on the district's map.
//!
//! Positions are WGS84 lon/lat degrees; radii are WGS84 geodesic metres.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, DOCTYPE};
use tower_sessions::Session;

use super::{district_view, kinds, page_error, who, KindConfig, TownLabel};
use crate::http::session::csrf_token;
use crate::http::AppState;
use crate::i18n::{script_messages, t, t_args, Lang};
use crate::service::planning::{ScenarioSummary, CANDIDATE_RES};

pub fn router() -> Router<AppState> {
    Router::new().route("/plan", get(plan_page))
}

/// The catalogue's messages the script formats itself.
const SCRIPT_MESSAGES: [&str; 4] = ["js-map-", "js-plan-", "kind-", "error-"];

/// The radius slider's range and step, in metres, and where it starts.
const RADIUS_M: (u32, u32, u32, u32) = (200, 5_000, 100, 1_000);

/// What `web/plan.js` needs beyond the API.
#[derive(serde::Serialize)]
struct PlanConfig {
    lang: &'static str,
    messages: std::collections::BTreeMap<&'static str, String>,
    kinds: Vec<KindConfig>,
    towns: Vec<TownLabel>,
    basemap: Option<&'static str>,
    /// The saved scenarios when the page was made, newest first.
    scenarios: Vec<ScenarioSummary>,
}

async fn plan_page(State(state): State<AppState>, lang: Lang, session: Session) -> Response {
    let who = match who(lang, &state, &session).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    // Listing the scenarios is the planners' gate: members and integrators are refused here.
    let scenarios = match state.service.scenarios(&who).await {
        Ok(s) => s,
        Err(e) => return page_error(lang, e.into()),
    };
    let catalog = state.service.catalog();
    let district = district_view(&catalog);
    let bounds = district.bounds_attr();
    let config = PlanConfig {
        lang: lang.tag(),
        messages: script_messages(lang, &SCRIPT_MESSAGES),
        kinds: kinds(lang),
        towns: district.towns,
        basemap: state.basemap.as_ref().map(|b| b.kind),
        scenarios,
    };
    let who_line = super::who_line(lang, &who);
    let csrf = csrf_token(&session).await.unwrap_or_default();
    Html(page(lang, bounds, &who_line, &csrf, &config).into_string()).into_response()
}

fn page(lang: Lang, bounds: Option<String>, who_line: &str, csrf: &str, config: &PlanConfig) -> Markup {
    let (min, max, step, start) = RADIUS_M;
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            (super::map_head(&t(lang, "plan-title")))
            body.map-page.plan-page data-state="loading" {
                header.map-head {
                    h1 { (t(lang, "plan-title")) }
                    nav {
                        a href="/" { (t(lang, "nav-map")) }
                        a href="/dashboard" { (t(lang, "nav-dashboard")) }
                        a href="/staff" { (t(lang, "nav-staff")) }
                        (super::lang_switch(lang))
                        (super::logout_form(lang, csrf))
                    }
                }
                noscript { p.error { (t(lang, "plan-noscript")) " " a href="/api/docs" { "/api/docs" } } }
                main.map-main {
                    div #map role="region" aria-label=(t(lang, "plan-region")) data-bounds=[bounds] {}
                    aside #panel aria-label=(t(lang, "plan-panel")) {
                        p.muted #who { (who_line) }
                        section #coverage data-state="loading" aria-live="polite" {
                            h2 { (t(lang, "plan-coverage")) }
                            form #coverage-form {
                                div.filter-row {
                                    label for="demand" { (t(lang, "plan-demand")) }
                                    select #demand name="demand" {
                                        option value="population" { (t(lang, "plan-demand-population")) }
                                        option value="opinions" { (t(lang, "plan-demand-opinions")) }
                                    }
                                }
                                label for="radius" {
                                    (t(lang, "plan-radius")) " "
                                    output #radius-value for="radius" { (start) }
                                    " m"
                                }
                                input #radius type="range" name="radius_m" min=(min) max=(max) step=(step) value=(start);
                            }
                            dl.kpis #coverage-numbers {}
                            details #towns {
                                summary { (t(lang, "plan-by-town")) }
                                table.towns { thead { tr {
                                    th { (t(lang, "plan-col-town")) }
                                    th.num { (t(lang, "plan-col-demand")) }
                                    th.num { (t(lang, "plan-col-coverage")) }
                                } } tbody #town-rows {} }
                            }
                            ul.layers.legend {
                                li { span.swatch.reach {} (t(lang, "plan-legend-reach")) }
                                li { span.swatch.uncovered {} (t(lang, "plan-legend-uncovered")) }
                                li { span.swatch.chosen {} (t(lang, "plan-legend-chosen")) }
                            }
                            div.row3d { button #tilt type="button" aria-pressed="false" { (t(lang, "map-tilt")) } }
                        }
                        section #sites {
                            h2 { (t(lang, "plan-sites")) }
                            form #sites-form {
                                div.filter-row {
                                    label for="model" { (t(lang, "plan-model")) }
                                    select #model name="model" {
                                        @for m in ["mclp", "lscp", "pmedian"] {
                                            option value=(m) { (t(lang, &format!("plan-model-{m}"))) }
                                        }
                                    }
                                }
                                div.filter-row data-for="mclp pmedian" {
                                    label for="p" { (t(lang, "plan-p")) }
                                    input #p type="number" name="p" min="1" max="100" value="5" required;
                                }
                                div.filter-row data-for="lscp" hidden {
                                    label for="target" { (t(lang, "plan-target")) }
                                    input #target type="number" name="target" min="1" max="100" step="1" value="95" required;
                                }
                                div.filter-row {
                                    label for="candidates" { (t(lang, "plan-candidates")) }
                                    select #candidates name="candidates" {
                                        @for res in CANDIDATE_RES.clone().filter(|r| *r <= 9) {
                                            option value=(res) selected[res == 8] {
                                                (t_args(lang, "plan-candidates-res", &[("res", usize::from(res).into())]))
                                            }
                                        }
                                    }
                                }
                                p.muted { (t(lang, "plan-sites-hint")) }
                                button #plan-button type="submit" { (t(lang, "plan-run")) }
                            }
                            div #plan-result aria-live="polite" {}
                        }
                        section #scenarios {
                            h2 { (t(lang, "plan-scenarios")) }
                            form #save-form {
                                label for="scenario-name" { (t(lang, "plan-save-label")) }
                                div.row {
                                    input #scenario-name type="text" name="name" maxlength="80" required;
                                    button #save-button type="submit" disabled { (t(lang, "plan-save")) }
                                }
                            }
                            form #compare-form {
                                div.scroll { table.scenarios {
                                    thead { tr {
                                        th { "A" } th { "B" }
                                        th { (t(lang, "plan-col-name")) }
                                        th.num { (t(lang, "plan-col-sites")) }
                                        th.num { (t(lang, "plan-col-coverage")) }
                                    } }
                                    tbody #scenario-rows {}
                                } }
                                button #compare-button type="submit" { (t(lang, "plan-compare")) }
                            }
                            div #comparison aria-live="polite" {}
                        }
                        p #status role="status" aria-live="polite" {}
                    }
                }
                (super::map_scripts(config, "plan.js", config.basemap.is_some()))
            }
        }
    }
}
