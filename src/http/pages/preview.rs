//! The district as the citizen's map first shows it (towns, the district's
//! outline, every station by kind, the towns' names), drawn here as SVG in the same Web Mercator
//! projection and colours, so that `/` shows the map at its first paint while MapLibre (WebGL, on
//! the CPU where there is no GPU) starts: the page carries it as a `data:` URL; `web/map.js`
//! removes it once the live map is drawn.
//!
//! Input positions are WGS84 lon/lat degrees; the SVG's user units are Web Mercator scaled to
//! [`WIDTH`] across the district's extent (y down), shapes simplified to half a unit.

use std::fmt::Write;

use geo::{Coord, LineString, MultiPolygon, Simplify};

use super::{district_view, KIND_COLOURS};
use crate::catalog::Catalog;
use crate::domain::AreaLevel;
use crate::spatial::tiles::mercator_unit;

/// User units across the district's extent (about the map's width in pixels on a desk).
pub const WIDTH: f64 = 1000.0;
/// Room around the extent, in user units (the live map fits the district with 20 px).
const PADDING: f64 = 20.0;

/// Web Mercator, scaled so that the extent spans a given width plus the padding.
pub(super) struct Projection {
    x0: f64,
    y0: f64,
    scale: f64,
}

impl Projection {
    /// The projection of `bounds` (lon/lat min, max) onto `width` units with `padding` around,
    /// and the view's width and height in units.
    pub(super) fn fitting(bounds: [f64; 4], width: f64, padding: f64) -> (Self, f64, f64) {
        let (x0, y1) = mercator_unit(bounds[0], bounds[1]);
        let (x1, y0) = mercator_unit(bounds[2], bounds[3]);
        let scale = width / (x1 - x0).max(f64::EPSILON);
        let height = (y1 - y0) * scale;
        (
            Self { x0: x0 - padding / scale, y0: y0 - padding / scale, scale },
            width + 2.0 * padding,
            height + 2.0 * padding,
        )
    }

    pub(super) fn project(&self, lon: f64, lat: f64) -> Coord<f64> {
        let (x, y) = mercator_unit(lon, lat);
        Coord { x: (x - self.x0) * self.scale, y: (y - self.y0) * self.scale }
    }

    /// A multipolygon as one path's data, projected and simplified.
    pub(super) fn path(&self, shape: &MultiPolygon<f64>, out: &mut String) {
        for polygon in shape {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                let projected: LineString<f64> = ring.coords().map(|c| self.project(c.x, c.y)).collect();
                let simple = projected.simplify(0.5);
                for (i, c) in simple.coords().enumerate() {
                    let _ = write!(out, "{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, c.x, c.y);
                }
                out.push('Z');
            }
        }
    }
}

/// Escapes text for an SVG text node or attribute.
pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The SVG of the catalog's district; `None` without towns.
pub fn svg(catalog: &Catalog) -> Option<String> {
    let view = district_view(catalog);
    let (p, w, h) = Projection::fitting(view.bounds?, WIDTH, PADDING);
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0} {h:.0}" preserveAspectRatio="xMidYMid meet"><style>path{{vector-effect:non-scaling-stroke;stroke-linejoin:round}}.t{{fill:#fbfcfd;fill-opacity:.9;stroke:#7b8794;stroke-width:1.2px}}.d{{fill:none;stroke:#c0392b;stroke-width:2.4px}}.s{{fill:none;stroke-linecap:round}}.o{{stroke:#fff;stroke-width:9.4px}}text{{font:14px 'Noto Sans CJK SC','Noto Sans SC',sans-serif;fill:#52606d;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px}}</style>"##
    );
    for (level, class) in [(AreaLevel::Town, "t"), (AreaLevel::District, "d")] {
        let _ = write!(out, r#"<path class="{class}" d=""#);
        for area in catalog.areas().iter().filter(|a| a.level == level) {
            p.path(&area.geometry, &mut out);
        }
        out.push_str("\"/>");
    }
    // Stations: a white ring, then a dot in the kind's colour (zero-length strokes with round caps).
    let mut rings = String::from(r#"<path class="s o" d=""#);
    let mut dots: Vec<String> = KIND_COLOURS
        .iter()
        .map(|(_, colour)| format!(r#"<path class="s" style="stroke:{colour};stroke-width:7px" d=""#))
        .collect();
    for s in catalog.stations() {
        let Some(k) = KIND_COLOURS.iter().position(|(kind, _)| *kind == s.kind) else { continue };
        let c = p.project(s.location.lon(), s.location.lat());
        let _ = write!(rings, "M{:.1} {:.1}h0", c.x, c.y);
        let _ = write!(dots[k], "M{:.1} {:.1}h0", c.x, c.y);
    }
    out.push_str(&rings);
    out.push_str("\"/>");
    for d in dots {
        out.push_str(&d);
        out.push_str("\"/>");
    }
    for t in &view.towns {
        let c = p.project(t.lon, t.lat);
        let _ = write!(out, r#"<text x="{:.1}" y="{:.1}">{}</text>"#, c.x, c.y, escape(&t.name));
    }
    out.push_str("</svg>");
    Some(out)
}

/// What a data: URL must encode of an SVG: `%`, `#`, quotes, angle brackets, spaces and controls
/// (and every byte beyond ASCII).
const DATA_URL: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'<').add(b'>');

/// The SVG as a `data:` URL, for the map page to carry in its HTML: it paints with the page,
/// without a request of its own.
pub fn data_url(catalog: &Catalog) -> Option<String> {
    Some(svg_data_url(&svg(catalog)?))
}

/// Any SVG as a `data:` URL.
pub(super) fn svg_data_url(svg: &str) -> String {
    format!("data:image/svg+xml,{}", percent_encoding::utf8_percent_encode(svg, DATA_URL))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_draws_every_town_and_physical_station_inside_its_box() {
        let catalog = Catalog::build(crate::sample::generate().into_data());
        let svg = svg(&catalog).unwrap();
        let towns = catalog.areas().iter().filter(|a| a.level == AreaLevel::Town).count();
        assert_eq!(svg.matches("<text ").count(), towns);
        let physical = catalog.stations().iter().filter(|s| KIND_COLOURS.iter().any(|(k, _)| *k == s.kind)).count();
        // Each station: one ring and one dot.
        assert_eq!(svg.matches("h0").count(), 2 * physical);
        let view: Vec<f64> = svg
            .split("viewBox=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        let numbers = svg
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter(|s| s.contains('.'))
            .filter_map(|s| s.parse::<f64>().ok());
        // Every coordinate lies in the view box (±1 for the simplification's rounding).
        for n in numbers {
            assert!(n >= -1.0 && n <= view[2].max(view[3]) + 1.0, "{n} outside {view:?}");
        }
        assert!(svg.len() < 150_000, "{} bytes", svg.len());
    }
}
