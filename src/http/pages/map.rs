//! The citizen's map at `/` (一图通览): the district, its towns and grid areas, every station by
//! kind, a locate-me control, a click or a search to find the nearest stations and one's grid
//! member, a station panel and tracking by code. The page is a shell with the panels and the
//! district's extent; `web/map.js` draws the map (MapLibre GL, no basemap, nothing from beyond
//! this server) from the public API. Without JavaScript the page points to the list at `/list`.
//!
//! Positions are WGS84 lon/lat degrees.

use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, DOCTYPE};

use super::{district_view, kinds, KindConfig, TownLabel, KIND_COLOURS};
use crate::http::AppState;
use crate::i18n::{label, script_messages, t, t_args, Lang};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(map_page))
}

/// The catalogue's messages the script formats itself (see [`script_messages`]).
const SCRIPT_MESSAGES: [&str; 9] =
    ["js-map-", "kind-", "level-", "body-", "status-", "category-", "weekday-short-", "month-", "date-"];

/// What `web/map.js` needs beyond the API: the page's language and its messages, the station
/// kinds it draws with their colours, and where to write the towns' names.
#[derive(serde::Serialize)]
struct MapConfig {
    lang: &'static str,
    messages: std::collections::BTreeMap<&'static str, String>,
    kinds: Vec<KindConfig>,
    towns: Vec<TownLabel>,
    /// The operator's basemap: `vector` or `raster` tiles at [`crate::http::basemap::PATH`].
    basemap: Option<&'static str>,
}

async fn map_page(State(state): State<AppState>, lang: Lang) -> Html<String> {
    let catalog = state.service.catalog();
    let district = district_view(&catalog);
    let bounds = district.bounds_attr();
    let counts = (catalog.stations().len(), catalog.members().len(), catalog.grids().len());
    let config = MapConfig {
        lang: lang.tag(),
        basemap: state.basemap.as_ref().map(|b| b.kind),
        messages: script_messages(lang, &SCRIPT_MESSAGES),
        kinds: kinds(lang),
        towns: district.towns,
    };
    Html(page(lang, bounds, counts, &config).into_string())
}

fn page(
    lang: Lang,
    bounds: Option<String>,
    (stations, members, grids): (usize, usize, usize),
    config: &MapConfig,
) -> Markup {
    let counts = t_args(
        lang,
        "map-counts",
        &[("stations", stations.into()), ("members", members.into()), ("grids", grids.into())],
    );
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            (super::map_head(&t(lang, "map-title")))
            body.map-page data-state="loading" {
                header.map-head {
                    h1 { (t(lang, "site-name")) }
                    nav {
                        a href="/list" { (t(lang, "nav-list")) }
                        a href="/submit" { (t(lang, "nav-submit")) }
                        a href="/dashboard" { (t(lang, "nav-dashboard")) }
                        (super::lang_switch(lang))
                    }
                }
                noscript {
                    p.error { (t(lang, "map-noscript")) " " a href="/list" { (t(lang, "map-noscript-link")) } }
                }
                main.map-main {
                    div #map role="region" aria-label=(t(lang, "map-region")) data-bounds=[bounds] {
                        // The district drawn by the server, shown until the live map has drawn it.
                        img #map-preview src="/district.svg" alt=(t(lang, "map-preview-alt")) elementtiming="map-preview" fetchpriority="high";
                    }
                    aside #panel aria-label=(t(lang, "map-panel")) {
                        form #search-form role="search" action="/list" method="get" {
                            label for="search" { (t(lang, "map-search-label")) }
                            div.row {
                                input #search type="search" name="q" autocomplete="off" placeholder=(t(lang, "map-search-placeholder")) maxlength="100";
                                button type="submit" { (t(lang, "map-search-button")) }
                            }
                        }
                        ul #search-results hidden {}
                        p.muted #hint { (t(lang, "map-hint")) br; (counts) }
                        section #here hidden {
                            h2 { (t(lang, "map-nearest")) }
                            p #near-boundary.notice hidden {}
                            ol #nearest data-nearest {}
                            section #my-grid hidden {}
                            p #here-actions {}
                        }
                        section #station hidden {}
                        details #track {
                            summary { (t(lang, "map-track")) }
                            form #track-form action="/track" method="get" {
                                label for="track-code" { (t(lang, "map-track-label")) }
                                div.row {
                                    input #track-code type="text" name="code" inputmode="numeric" autocomplete="off" placeholder="1234-5678-9012-3456" maxlength="40";
                                    button type="submit" { (t(lang, "map-track-button")) }
                                }
                            }
                            div #track-result aria-live="polite" {}
                        }
                        details #layers open {
                            summary { (t(lang, "map-layers")) }
                            ul.layers #layer-list {
                                li { label { input type="checkbox" data-layer="towns" checked; span.swatch.area {} (t(lang, "map-layer-towns")) } }
                                li { label { input type="checkbox" data-layer="grids" checked; span.swatch.grid {} (t(lang, "map-layer-grids")) } }
                                @for (kind, colour) in KIND_COLOURS {
                                    li { label {
                                        input type="checkbox" data-layer="stations" data-kind=(kind.code()) data-colour=(colour) checked;
                                        span.swatch.dot style=(format!("background:{colour}")) {}
                                        (label(lang, "kind", kind.code()))
                                    } }
                                }
                                li { label { input type="checkbox" data-layer="opinions"; span.swatch.opinion {} (t(lang, "map-layer-opinions")) } }
                            }
                            div.row3d {
                                button #tilt type="button" aria-pressed="false" { (t(lang, "map-tilt")) }
                            }
                        }
                        p #status role="status" aria-live="polite" {}
                    }
                }
                (super::map_scripts(config, "map.js", config.basemap.is_some()))
            }
        }
    }
}
