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

use std::collections::BTreeMap;

use super::{district_view, kinds, KindConfig, TownLabel, KIND_COLOURS};
use crate::domain::ProjectStatus;
use crate::http::AppState;
use crate::i18n::{label, script_messages, t, t_args, Lang};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(map_page))
}

/// The catalogue's messages the script formats itself (see [`script_messages`]).
const SCRIPT_MESSAGES: [&str; 11] = [
    "js-map-",
    "kind-",
    "level-",
    "body-",
    "status-",
    "category-",
    "weekday-short-",
    "month-",
    "date-",
    "project-status-",
    "water-class",
];

/// The colours of livelihood projects by status on the map and in its legend.
const STATUS_COLOURS: [(ProjectStatus, &str); 3] =
    [(ProjectStatus::Planned, "#a855f7"), (ProjectStatus::UnderWay, "#0891b2"), (ProjectStatus::Completed, "#16a34a")];

/// The colours of river patrols by the water class they judged (GB 3838-2002): blue (I) to red
/// (V); `none` for a patrol that judged none.
const WATER_COLOURS: [(&str, &str); 6] =
    [("I", "#1d4ed8"), ("II", "#0ea5e9"), ("III", "#22c55e"), ("IV", "#f59e0b"), ("V", "#dc2626"), ("none", "#94a3b8")];

/// The colour of towns and grid areas with an early warning this week.
const WARNING_COLOUR: &str = "#dc2626";

/// The colours the published layers (projects, river patrols, warnings) draw with.
#[derive(serde::Serialize)]
struct PublishedColours {
    statuses: BTreeMap<&'static str, &'static str>,
    water_classes: BTreeMap<&'static str, &'static str>,
    warning: &'static str,
}

impl PublishedColours {
    fn new() -> Self {
        Self {
            statuses: STATUS_COLOURS.iter().map(|(s, c)| (s.code(), *c)).collect(),
            water_classes: WATER_COLOURS.into_iter().collect(),
            warning: WARNING_COLOUR,
        }
    }
}

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
    /// The colours of the published layers.
    published: PublishedColours,
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
        published: PublishedColours::new(),
    };
    let preview = super::preview::data_url(&catalog);
    Html(page(lang, bounds, counts, preview.as_deref(), &config).into_string())
}

fn page(
    lang: Lang,
    bounds: Option<String>,
    (stations, members, grids): (usize, usize, usize),
    preview: Option<&str>,
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
                        // The district drawn by the server (in the HTML: it paints with the page), shown
                        // until the live map has drawn it.
                        @if let Some(src) = preview {
                            img #map-preview src=(src) alt=(t(lang, "map-preview-alt")) elementtiming="map-preview";
                        }
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
                                (published_layers(lang))
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

/// The switches of the published layers, each with its legend (shown while the layer is on):
/// livelihood projects by status, river patrols by water class, this week's early warnings.
/// Their data is asked for only when a layer is first switched on.
fn published_layers(lang: Lang) -> Markup {
    html! {
        li data-published="projects" {
            label { input type="checkbox" data-published="projects"; span.swatch.project {} (t(lang, "map-layer-projects")) }
            ul.legend {
                @for (status, colour) in STATUS_COLOURS {
                    li { span.swatch.dot style=(format!("background:{colour}")) {} (label(lang, "project-status", status.code())) }
                }
            }
        }
        li data-published="patrols" {
            label { input type="checkbox" data-published="patrols"; span.swatch.patrol {} (t(lang, "map-layer-patrols")) }
            ul.legend {
                @for (class, colour) in WATER_COLOURS {
                    li { span.swatch.lines style=(format!("--c:{colour}")) {}
                        @if class == "none" { (t(lang, "water-class-none")) } @else { (t_args(lang, "water-class", &[("class", class.into())])) }
                    }
                }
            }
        }
        li data-published="warnings" {
            label { input type="checkbox" data-published="warnings"; span.swatch.warning {} (t(lang, "map-layer-warnings")) }
            ul.legend {
                li { span.swatch.areas style=(format!("--c:{WARNING_COLOUR}")) {} (t(lang, "map-layer-warning-area")) }
                li.muted data-warnings-note {}
            }
        }
    }
}
