//! The dashboard's view drawn on the server, so that the page paints with its numbers before any
//! script has run: the KPI cards and the ranking in the markup `web/dashboard.js` draws (with the
//! same `data-field` / `data-value`), the three charts as SVG, and the map as an SVG image of the
//! hexagons or areas seen from above, in the 3D map's colours. The script draws the same view
//! again: ECharts replaces the charts, and the image fades once the 3D map has drawn. Without
//! JavaScript, this is the dashboard.
//!
//! Positions are WGS84 lon/lat degrees; the map image is Web Mercator scaled to [`MAP_WIDTH`]
//! units across the extent, y down.

use std::fmt::Write;

use geo::MultiPolygon;
use maud::{html, Markup, PreEscaped};

use super::preview::{escape, svg_data_url, Projection};
use crate::analytics::Summary;
use crate::i18n::{label, t, Lang};
use crate::service::analytics::RowView;
use crate::service::dashboard::MapShape;

/// How a number reads (as `FORMATS` in `web/dashboard.js`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// 0–1, shown as a percentage with one decimal.
    Rate,
    Hours,
    Count,
    Rating,
}

impl Kind {
    pub(super) fn of(field: &str) -> Kind {
        match field {
            "count" | "open" | "overdue" => Kind::Count,
            "reply_hours_median" | "reply_hours_p90" => Kind::Hours,
            "mean_rating" => Kind::Rating,
            _ => Kind::Rate,
        }
    }

    pub(super) fn show(self, v: Option<f64>) -> String {
        let Some(v) = v.filter(|v| v.is_finite()) else { return "—".into() };
        match self {
            Kind::Rate => format!("{:.1}%", v * 100.0),
            Kind::Hours => format!("{v:.1}"),
            Kind::Count => format!("{}", v.round()),
            Kind::Rating => format!("{v:.2}"),
        }
    }
}

/// A summary's number by its API field name.
pub(super) fn field(s: &Summary, name: &str) -> Option<f64> {
    match name {
        "count" => Some(f64::from(s.counts.count)),
        "open" => Some(f64::from(s.counts.open)),
        "overdue" => Some(f64::from(s.counts.overdue)),
        "resolution_rate" => s.resolution_rate,
        "satisfaction_rate" => s.satisfaction_rate,
        "reply_rate" => s.reply_rate,
        "mean_rating" => s.mean_rating,
        "reply_hours_median" => s.reply_hours_median,
        "reply_hours_p90" => s.reply_hours_p90,
        "concentration" => s.concentration,
        _ => None,
    }
}

/// The KPI cards, in order (as `KPIS` in `web/dashboard.js`).
const KPIS: [&str; 8] = [
    "resolution_rate",
    "reply_rate",
    "satisfaction_rate",
    "reply_hours_median",
    "concentration",
    "open",
    "overdue",
    "count",
];

/// An element's `data-value`: the exact number, as JavaScript's `String(number)` writes it.
fn exact(v: Option<f64>) -> Option<String> {
    v.filter(|v| v.is_finite()).map(|v| v.to_string())
}

/// The KPI cards of a summary (`None`: no opinions, every number a dash).
pub(super) fn kpis(lang: Lang, row: Option<&Summary>) -> Markup {
    html! {
        @for name in KPIS {
            @let kind = Kind::of(name);
            @let v = row.and_then(|s| field(s, name));
            div class=(format!("kpi kpi-{name}")) {
                dt { (t(lang, &format!("js-dash-field-{name}"))) }
                dd.value data-field=(name) data-value=[exact(v)] elementtiming=[(name == "resolution_rate").then_some("dashboard-kpi")] {
                    (kind.show(v))
                    @if kind == Kind::Hours && v.is_some() { small { (t(lang, "js-dash-hours-unit")) } }
                }
                @if name == "concentration" {
                    @let top = row.and_then(|s| s.top_category);
                    dd.sub data-field="top_category" data-value=[top.map(|c| c.code())] {
                        (top.map_or("—".into(), |c| label(lang, "category", c.code())))
                    }
                }
                @if name == "reply_hours_median" {
                    @let p90 = row.and_then(|s| s.reply_hours_p90);
                    dd.sub { (t(lang, "js-dash-p90")) " " span data-field="reply_hours_p90" data-value=[exact(p90)] { (Kind::Hours.show(p90)) } }
                }
            }
        }
    }
}

/// The metric the ranking sorts by and the map colours by.
pub(super) struct Sorting<'a> {
    /// A stats field.
    pub field: &'a str,
    /// `high`, `low` or `none` (largest first).
    pub better: &'a str,
}

/// Rows best first by the metric, unknowns last, then by opinions and name (as `ranked`).
pub(super) fn ranked<'a>(rows: &'a [RowView<'a>], by: &Sorting) -> Vec<&'a RowView<'a>> {
    let mut rows: Vec<&RowView> = rows.iter().collect();
    let low_first = by.better == "low";
    rows.sort_by(|a, b| {
        let (x, y) = (field(a.summary, by.field), field(b.summary, by.field));
        let metric = match (x, y) {
            (Some(x), Some(y)) if low_first => x.total_cmp(&y),
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        metric.then(b.summary.counts.count.cmp(&a.summary.counts.count)).then_with(|| a.name.cmp(&b.name))
    });
    rows
}

/// The ranking table's rows (as `renderRanking`): `picked` is the chosen town or station's code.
pub(super) fn ranking_rows(lang: Lang, rows: &[RowView], by: &Sorting, ranking: &str, picked: Option<&str>) -> Markup {
    const FIELDS: [&str; 6] =
        ["count", "resolution_rate", "satisfaction_rate", "reply_rate", "reply_hours_median", "concentration"];
    html! {
        @for (i, row) in ranked(rows, by).into_iter().enumerate() {
            @let code = row.group.unwrap_or("");
            @let class = [
                (!code.is_empty() && Some(code) == picked).then_some("picked"),
                (ranking != "member" && !code.is_empty()).then_some("drill"),
            ].into_iter().flatten().collect::<Vec<_>>().join(" ");
            tr data-code=(code) class=[(!class.is_empty()).then_some(class)] {
                td { (i + 1) }
                td.name title=(row.name.as_deref().unwrap_or(code)) {
                    @if row.group.is_none() { (t(lang, "js-dash-ungrouped")) } @else { (row.name.as_deref().unwrap_or(code)) }
                }
                @for f in FIELDS {
                    @let v = field(row.summary, f);
                    td.sorted[f == by.field] data-field=(f) data-value=[exact(v)] { (Kind::of(f).show(v)) }
                }
            }
        }
        @if rows.is_empty() {
            tr { td colspan="8" .muted { (t(lang, "js-dash-no-opinions")) } }
        }
    }
}

// ---- charts ---------------------------------------------------------------------------------

/// A chart's user units: about its size on a desk.
const CHART_W: f64 = 380.0;
const CHART_H: f64 = 250.0;

/// `v` rounded up to 1, 2 or 5 × a power of ten (an axis' top).
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let step = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * step).find(|&c| c >= v).unwrap_or(10.0 * step)
}

fn open_svg(out: &mut String, wall: bool) {
    let ink = if wall { "#c8d3e0" } else { "#52606d" };
    let _ = write!(
        out,
        r#"<svg class="ssr-chart" viewBox="0 0 {CHART_W} {CHART_H}" preserveAspectRatio="xMidYMid meet" role="img"><style>text{{font-size:11px;fill:{ink}}}</style>"#
    );
}

/// Text, anchored `start`, `middle` or `end`.
fn text(out: &mut String, x: f64, y: f64, anchor: &str, s: &str) {
    let _ = write!(out, r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}">{}</text>"#, escape(s));
}

/// A "no data" chart.
fn no_data(lang: Lang, wall: bool) -> String {
    let mut out = String::new();
    open_svg(&mut out, wall);
    text(&mut out, CHART_W / 2.0, CHART_H / 2.0, "middle", &t(lang, "js-dash-no-data"));
    out.push_str("</svg>");
    out
}

/// The monthly trend: opinions as bars, the three rates as lines on their own axis (as `drawTrend`).
pub(super) fn trend_chart(lang: Lang, rows: &[RowView], wall: bool) -> Markup {
    if rows.is_empty() {
        return PreEscaped(no_data(lang, wall));
    }
    const RATES: [(&str, &str); 3] =
        [("resolution_rate", "#1a9850"), ("satisfaction_rate", "#f08a24"), ("reply_rate", "#4c78d4")];
    let bar = if wall { "#4a6fa5" } else { "#9fb3c8" };
    let (left, right, top, bottom) = (44.0, 36.0, 30.0, 20.0);
    let (w, h) = (CHART_W - left - right, CHART_H - top - bottom);
    let n = rows.len() as f64;
    let band = w / n;
    let most = nice_ceiling(rows.iter().map(|r| f64::from(r.summary.counts.count)).fold(0.0, f64::max));
    let lowest = rows.iter().flat_map(|r| RATES.iter().filter_map(|(f, _)| field(r.summary, f))).fold(1.0, f64::min);
    let low = ((lowest * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let mut out = String::with_capacity(8 * 1024);
    open_svg(&mut out, wall);
    // The legend, on one line.
    let mut x = left;
    let swatches = std::iter::once(("count", bar)).chain(RATES);
    for (f, colour) in swatches {
        let _ = write!(out, r#"<rect x="{x:.1}" y="4" width="14" height="9" rx="2" fill="{colour}"/>"#);
        let name = t(lang, &format!("js-dash-legend-{f}"));
        text(&mut out, x + 18.0, 12.5, "start", &name);
        x += 26.0 + 11.0 * name.chars().map(|c| if c.is_ascii() { 0.55 } else { 1.0 }).sum::<f64>();
    }
    // Axes' ends.
    text(&mut out, left - 4.0, top + 4.0, "end", &format!("{most}"));
    text(&mut out, left - 4.0, top + h, "end", "0");
    text(&mut out, CHART_W - right + 4.0, top + 4.0, "start", "100%");
    text(&mut out, CHART_W - right + 4.0, top + h, "start", &format!("{}%", (low * 100.0).round()));
    let _ = write!(out, r#"<path d="M{left} {:.1}H{:.1}" stroke="{bar}" stroke-width="1"/>"#, top + h, left + w);
    out.push_str(&format!(r#"<path fill="{bar}" d=""#));
    for (i, r) in rows.iter().enumerate() {
        let v = f64::from(r.summary.counts.count) / most * h;
        let _ = write!(
            out,
            "M{:.1} {:.1}h{:.1}v{:.1}h{:.1}z",
            left + band * (i as f64 + 0.2),
            top + h,
            band * 0.6,
            -v,
            -band * 0.6
        );
    }
    out.push_str("\"/>");
    for (f, colour) in RATES {
        let _ = write!(out, r#"<path fill="none" stroke="{colour}" stroke-width="2" d=""#);
        let mut pen = 'M';
        for (i, r) in rows.iter().enumerate() {
            match field(r.summary, f) {
                Some(v) => {
                    let y = top + h - (v - low) / (1.0 - low) * h;
                    let _ = write!(out, "{pen}{:.1} {:.1}", left + band * (i as f64 + 0.5), y);
                    pen = 'L';
                }
                None => pen = 'M',
            }
        }
        out.push_str("\"/>");
    }
    let every = rows.len().div_ceil(5).max(1);
    for (i, r) in rows.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let period = r.period.map(|p| p.format("%Y-%m").to_string()).unwrap_or_default();
        text(&mut out, left + band * (i as f64 + 0.5), CHART_H - 4.0, "middle", &period);
    }
    out.push_str("</svg>");
    PreEscaped(out)
}

/// A horizontal bar: its name and one value per series, with a note at its end.
pub(super) struct Bar {
    pub name: String,
    pub values: Vec<f64>,
    pub note: Option<String>,
    /// A colour for the first series' bar, for a picked row.
    pub highlight: Option<&'static str>,
}

/// Horizontal bars, the first of `bars` at the bottom (as ECharts draws a category axis), one
/// colour per series.
pub(super) fn bar_chart(lang: Lang, bars: &[Bar], colours: &[&str], wall: bool) -> Markup {
    if bars.is_empty() {
        return PreEscaped(no_data(lang, wall));
    }
    let (left, right, top, bottom) = (80.0, 64.0, 8.0, 4.0);
    let (w, h) = (CHART_W - left - right, CHART_H - top - bottom);
    let band = h / bars.len() as f64;
    let most = bars.iter().flat_map(|b| b.values.iter().copied()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let series = colours.len().max(1) as f64;
    let thick = (band * 0.7 / series).min(18.0);
    let labelled = band >= 11.0;
    let mut out = String::with_capacity(8 * 1024);
    open_svg(&mut out, wall);
    for (i, b) in bars.iter().enumerate() {
        let middle = top + h - band * (i as f64 + 0.5);
        if labelled {
            let name: String = b.name.chars().take(8).collect();
            let name = if b.name.chars().count() > 9 { format!("{name}…") } else { b.name.clone() };
            text(&mut out, left - 6.0, middle + 4.0, "end", &name);
        }
        for (k, v) in b.values.iter().enumerate() {
            let colour = match (k, b.highlight) {
                (0, Some(c)) => c,
                _ => colours.get(k).copied().unwrap_or("#999"),
            };
            let y = middle - thick * series / 2.0 + thick * k as f64;
            let _ = write!(
                out,
                r#"<rect x="{left}" y="{y:.1}" width="{:.1}" height="{:.1}" rx="2" fill="{colour}"/>"#,
                v / most * w,
                thick * 0.9
            );
        }
        if let (Some(note), true) = (&b.note, labelled) {
            let end = b.values.iter().copied().fold(0.0, f64::max) / most * w;
            text(&mut out, left + end + 4.0, middle + 4.0, "start", note);
        }
    }
    out.push_str("</svg>");
    PreEscaped(out)
}

// ---- the map ---------------------------------------------------------------------------------

/// The map image's user units across the extent.
pub(super) const MAP_WIDTH: f64 = 2000.0;

/// Colour ramps, low → high value, by which end is good (as `RAMPS` in `web/dashboard.js`).
fn ramp(better: &str) -> [[u8; 3]; 3] {
    match better {
        "high" => [[0xd7, 0x30, 0x27], [0xfe, 0xe0, 0x8b], [0x1a, 0x98, 0x50]],
        "low" => [[0x1a, 0x98, 0x50], [0xfe, 0xe0, 0x8b], [0xd7, 0x30, 0x27]],
        _ => [[0xff, 0xf1, 0xa8], [0xf0, 0x8a, 0x24], [0x8e, 0x1b, 0x16]],
    }
}

/// The colour domain: the 5th to the 95th percentile of the values (as `domain`); one value is
/// padded around, so that it takes the ramp's middle colour.
pub(super) fn domain(values: &[f64], kind: Kind) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    let (lo, hi) = (at(0.05), at(0.95));
    if hi - lo < 1e-9 {
        let pad = if kind == Kind::Rate { 0.01 } else { 1.0 };
        return Some((lo - pad, hi + pad));
    }
    Some((lo, hi))
}

/// Steps the ramp is drawn in: one path per step keeps the image small, and 32 steps are as
/// smooth to the eye as the 3D map's continuous ramp.
const STEPS: usize = 32;

/// The ramp's colour at step `i` of [`STEPS`] (linear in RGB, as MapLibre's `interpolate`).
fn step_colour(stops: &[[u8; 3]; 3], i: usize) -> String {
    let t = i as f64 / (STEPS - 1) as f64 * 2.0;
    let (a, b, f) = if t <= 1.0 { (stops[0], stops[1], t) } else { (stops[1], stops[2], t - 1.0) };
    let mix = |k: usize| (f64::from(a[k]) + (f64::from(b[k]) - f64::from(a[k])) * f).round() as u8;
    format!("rgb({},{},{})", mix(0), mix(1), mix(2))
}

/// What the map image shows: the extent, the towns, and the coloured shapes.
pub(super) struct MapImage<'a> {
    /// lon/lat min, max.
    pub bounds: [f64; 4],
    pub towns: Vec<&'a MultiPolygon<f64>>,
    /// The chosen town, outlined over the shapes.
    pub picked: Option<&'a MultiPolygon<f64>>,
    pub shapes: &'a [MapShape],
    pub kind: Kind,
    pub better: &'a str,
    pub wall: bool,
}

/// Adds a shape's rings to path data in whole units, relative after each ring's first point.
fn rings(p: &Projection, shape: &MultiPolygon<f64>, out: &mut String) {
    for polygon in shape {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            let mut last: Option<(i64, i64)> = None;
            for c in ring.coords().take(ring.0.len().saturating_sub(1)) {
                let q = p.project(c.x, c.y);
                let (x, y) = (q.x.round() as i64, q.y.round() as i64);
                match last {
                    None => {
                        let _ = write!(out, "M{x},{y}");
                    }
                    Some((lx, ly)) if (lx, ly) != (x, y) => {
                        let _ = write!(out, "l{},{}", x - lx, y - ly);
                    }
                    Some(_) => continue,
                }
                last = Some((x, y));
            }
            out.push('z');
        }
    }
}

/// The map as a `data:` URL of an SVG image; `None` without an extent.
pub(super) fn map_image(m: &MapImage) -> Option<String> {
    let (p, w, h) = Projection::fitting(m.bounds, MAP_WIDTH, 0.0);
    if !(w.is_finite() && h.is_finite() && h > 0.0) {
        return None;
    }
    let (town, line, grey) = if m.wall { ("#112440", "#4e6d93", "#3c4a5c") } else { ("#ffffff", "#7b8794", "#b8bec6") };
    let mut out = String::with_capacity(256 * 1024);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0} {h:.0}" preserveAspectRatio="xMidYMid meet"><path fill="{town}" fill-opacity=".8" stroke="{line}" stroke-width="1.2" vector-effect="non-scaling-stroke" stroke-linejoin="round" d=""#
    );
    for t in &m.towns {
        rings(&p, t, &mut out);
    }
    out.push_str("\"/>");
    let values: Vec<f64> = m.shapes.iter().filter_map(|s| s.value).collect();
    let range = domain(&values, m.kind);
    let stops = ramp(m.better);
    // Path data per colour step, and for shapes without a value.
    let mut paths: Vec<String> = vec![String::new(); STEPS + 1];
    for s in m.shapes {
        let slot = match (s.value.filter(|v| v.is_finite()), range) {
            (Some(v), Some((lo, hi))) => {
                let f = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
                (f * (STEPS - 1) as f64).round() as usize
            }
            _ => STEPS,
        };
        rings(&p, &s.shape, &mut paths[slot]);
    }
    for (i, d) in paths.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
        let colour = if i == STEPS { grey.to_owned() } else { step_colour(&stops, i) };
        let _ = write!(out, r#"<path fill="{colour}" fill-opacity=".88" d="{d}"/>"#);
    }
    if let Some(town) = m.picked {
        let colour = if m.wall { "#ffb74d" } else { "#c0392b" };
        let _ = write!(
            out,
            r#"<path fill="none" stroke="{colour}" stroke-width="3" vector-effect="non-scaling-stroke" stroke-linejoin="round" d=""#
        );
        rings(&p, town, &mut out);
        out.push_str("\"/>");
    }
    out.push_str("</svg>");
    Some(svg_data_url(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_colour_domain_is_the_5th_to_95th_percentile_and_one_value_takes_the_middle_colour() {
        let values: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(domain(&values, Kind::Count), Some((5.0, 95.0)));
        assert_eq!(domain(&[0.5, 0.5, f64::NAN], Kind::Rate), Some((0.49, 0.51)));
        assert_eq!(domain(&[], Kind::Rate), None);
        let stops = ramp("high");
        assert_eq!(step_colour(&stops, 0), "rgb(215,48,39)");
        assert_eq!(step_colour(&stops, STEPS - 1), "rgb(26,152,80)");
    }

    #[test]
    fn numbers_read_as_the_script_writes_them() {
        assert_eq!(Kind::Rate.show(Some(0.9789)), "97.9%");
        assert_eq!(Kind::Hours.show(Some(160.84)), "160.8");
        assert_eq!(Kind::Count.show(Some(6000.0)), "6000");
        assert_eq!(Kind::Rating.show(Some(4.5)), "4.50");
        assert_eq!(Kind::Rate.show(None), "—");
        assert_eq!(exact(Some(0.25)), Some("0.25".to_owned()));
        assert_eq!(nice_ceiling(437.0), 500.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
    }
}
