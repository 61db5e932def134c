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

use super::dashboard::district_view;
use crate::domain::{StationKind, Status};
use crate::http::{assets, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(map_page))
}

/// Each kind of station the map draws, with its colour (the legend and `web/map.js` agree through
/// the `data-kind`/`data-colour` attributes of the legend).
const KIND_COLOURS: [(StationKind, &str); 3] = [
    (StationKind::DeputyLiaisonStation, "#c0392b"),
    (StationKind::MemberWorkstation, "#1f6fb2"),
    (StationKind::LiaisonPoint, "#e08e0b"),
];

/// What `web/map.js` needs beyond the API: the station kinds it draws with their colours, where
/// to write the towns' names, and the opinion statuses' labels.
#[derive(serde::Serialize)]
struct MapConfig {
    kinds: Vec<KindConfig>,
    towns: Vec<TownConfig>,
    statuses: std::collections::BTreeMap<&'static str, &'static str>,
}

#[derive(serde::Serialize)]
struct KindConfig {
    code: &'static str,
    label: &'static str,
    colour: &'static str,
}

#[derive(serde::Serialize)]
struct TownConfig {
    code: String,
    name: String,
    lon: f64,
    lat: f64,
}

async fn map_page(State(state): State<AppState>) -> Html<String> {
    let catalog = state.service.catalog();
    let district = district_view(&catalog);
    let bounds = district.bounds.map(|b| format!("{:.6},{:.6},{:.6},{:.6}", b[0], b[1], b[2], b[3]));
    let counts = (catalog.stations().len(), catalog.members().len(), catalog.grids().len());
    let config = MapConfig {
        kinds: KIND_COLOURS
            .iter()
            .map(|&(k, colour)| KindConfig { code: k.code(), label: k.label_zh(), colour })
            .collect(),
        towns: district
            .towns
            .into_iter()
            .map(|t| TownConfig { code: t.code, name: t.name, lon: t.lon, lat: t.lat })
            .collect(),
        statuses: Status::ALL.iter().map(|s| (s.code(), s.label_zh())).collect(),
    };
    Html(page(bounds, counts, &config).into_string())
}

/// `value` as JSON that is safe inside a `<script>` element: `<`, `>` and `&` escaped, so that no
/// text (a town named `</script>`) can end the element.
fn script_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value)
        .expect("the map's configuration serialises")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn page(bounds: Option<String>, (stations, members, grids): (usize, usize, usize), config: &MapConfig) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "代表委员联络站地图" }
                link rel="stylesheet" href=(assets::url("maplibre-gl.css"));
                link rel="stylesheet" href=(assets::url("map.css"));
            }
            body.map-page data-state="loading" {
                header.map-head {
                    h1 { "海曙区代表委员联络站" }
                    nav {
                        a href="/list" { "站点列表" }
                        a href="/submit" { "提交意见" }
                        a href="/dashboard" { "领导驾驶舱" }
                    }
                }
                noscript {
                    p.error { "地图需要 JavaScript 与 WebGL。" a href="/list" { "请改用站点列表与最近站点查询。" } }
                }
                main.map-main {
                    div #map role="region" aria-label="联络站地图：点击地图查找最近的站点" data-bounds=[bounds] {}
                    aside #panel aria-label="查找与详情" {
                        form #search-form role="search" action="/list" method="get" {
                            label for="search" { "搜索站点、街道、网格或代表（可用拼音）" }
                            div.row {
                                input #search type="search" name="q" autocomplete="off" placeholder="如：白云、baiyun、by" maxlength="100";
                                button type="submit" { "搜索" }
                            }
                        }
                        ul #search-results hidden {}
                        p.muted #hint {
                            "点击地图、使用定位按钮或搜索，查看离您最近的站点和您所在网格的代表委员。"
                            br;
                            (stations) " 个站点 · " (members) " 位代表委员 · " (grids) " 个网格"
                        }
                        section #here hidden {
                            h2 { "离您最近的站点" }
                            p #near-boundary.notice hidden {}
                            ol #nearest data-nearest {}
                            section #my-grid hidden {}
                            p #here-actions {}
                        }
                        section #station hidden {}
                        details #track {
                            summary { "查询办理进度" }
                            form #track-form action="/track" method="get" {
                                label for="track-code" { "查询码（16 位数字）" }
                                div.row {
                                    input #track-code type="text" name="code" inputmode="numeric" autocomplete="off" placeholder="1234-5678-9012-3456" maxlength="40";
                                    button type="submit" { "查询" }
                                }
                            }
                            div #track-result aria-live="polite" {}
                        }
                        details #layers open {
                            summary { "图层" }
                            ul.layers #layer-list {
                                li { label { input type="checkbox" data-layer="towns" checked; span.swatch.area {} "街道（镇）" } }
                                li { label { input type="checkbox" data-layer="grids" checked; span.swatch.grid {} "网格" } }
                                @for (kind, colour) in KIND_COLOURS {
                                    li { label {
                                        input type="checkbox" data-layer="stations" data-kind=(kind.code()) data-colour=(colour) checked;
                                        span.swatch.dot style=(format!("background:{colour}")) {}
                                        (kind.label_zh())
                                    } }
                                }
                                li { label { input type="checkbox" data-layer="opinions"; span.swatch.opinion {} "群众意见（约 100 米格，放大后显示）" } }
                            }
                            div.row3d {
                                button #tilt type="button" aria-pressed="false" { "3D 视角" }
                            }
                        }
                        p #status role="status" aria-live="polite" {}
                    }
                }
                script #map-config type="application/json" { (maud::PreEscaped(script_json(config))) }
                script src=(assets::url("maplibre-gl.js")) {}
                script src=(assets::url("map.js")) {}
            }
        }
    }
}
