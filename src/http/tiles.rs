//! `/tiles/issues/{z}/{x}/{y}.mvt`: opinions as Mapbox Vector Tile points for the map at street
//! zoom, one point per position of the public ~100 m grid (never an exact position), with how many
//! opinions are there. Tiles are XYZ Web Mercator; positions inside WGS84 lon/lat degrees.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use geozero::mvt::tile::{Feature, GeomType, Layer, Value};
use geozero::mvt::{Message, Tile as VectorTile};

use super::error::ErrorBody;
use super::error::{ApiPath, ApiQuery, AppError};
use super::params::AnalyticsParams;
use super::AppState;
use crate::analytics::query::Cluster;
use crate::spatial::tiles::Tile;

/// Tiles shallower than this would each hold most of a city: the heatmap serves those zooms.
pub const MIN_ZOOM: u8 = 12;
/// The tile grid's size, as most renderers expect.
const EXTENT: u32 = 4096;
/// The layer's name in every tile.
pub const LAYER: &str = "issues";

pub fn router() -> Router<AppState> {
    Router::new().route("/tiles/issues/{z}/{x}/{file}", get(tile))
}

fn bad_tile(message: String) -> AppError {
    AppError::bad("invalid_tile", message)
}

/// Opinions as Mapbox Vector Tile points (layer `issues`), one per position of the public ~100 m
/// grid, with properties count, open, resolved, lon, lat.
#[utoipa::path(
    get,
    path = "/tiles/issues/{z}/{x}/{y}.mvt",
    tag = "analytics",
    params(
        ("z" = u8, Path, minimum = 12, maximum = 22, description = "Zoom, 12 to 22 (wider views: the heatmap)"),
        ("x" = u32, Path, maximum = 4194303, description = "Tile column, below 2^z"),
        ("y" = u32, Path, maximum = 4194303, description = "Tile row, below 2^z"),
        AnalyticsParams,
    ),
    responses(
        (status = 200, description = "A vector tile", content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>),
        (status = 400, description = "Not a tile of zoom 12 to 22, or a malformed parameter, an unknown station or town", body = ErrorBody),
    )
)]
async fn tile(
    State(state): State<AppState>,
    ApiPath((z, x, file)): ApiPath<(String, String, String)>,
    ApiQuery(p): ApiQuery<AnalyticsParams>,
) -> Result<Response, AppError> {
    let number = |name: &str, s: &str| -> Result<u32, AppError> {
        s.parse().map_err(|_| bad_tile(format!("{name} must be a whole number, got {s:?}")))
    };
    let y = file.strip_suffix(".mvt").ok_or_else(|| bad_tile(format!("tiles end in .mvt, got {file:?}")))?;
    let (z, x, y) = (number("z", &z)?, number("x", &x)?, number("y", y)?);
    let z = u8::try_from(z).map_err(|_| bad_tile(format!("zoom must be 0 to 22, got {z}")))?;
    let tile = Tile::new(z, x, y).map_err(|e| bad_tile(e.to_string()))?;
    if z < MIN_ZOOM {
        return Err(bad_tile(format!(
            "issue points start at zoom {MIN_ZOOM}; use /api/v1/heatmap for wider views, got zoom {z}"
        )));
    }
    let points = state.service.tile_points(&p.selection()?, tile).await?;
    let bytes = encode(tile, &points);
    Ok(([(header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile")], bytes).into_response())
}

/// MVT command integers (spec 4.3): MoveTo with a count of one, then zigzag-encoded parameters.
fn point_geometry(x: i32, y: i32) -> Vec<u32> {
    let zigzag = |v: i32| ((v << 1) ^ (v >> 31)) as u32;
    vec![(1 & 0x7) | (1 << 3), zigzag(x), zigzag(y)]
}

/// One layer of points with properties `count`, `open` and `resolved` (and `lon`/`lat`, the public
/// position, for pop-ups).
fn encode(tile: Tile, points: &[Cluster]) -> Vec<u8> {
    let keys = ["count", "open", "resolved", "lon", "lat"];
    let mut values: Vec<Value> = Vec::new();
    let mut value_index = std::collections::HashMap::new();
    let mut tag = |v: Value, key: String| -> u32 {
        *value_index.entry(key).or_insert_with(|| {
            values.push(v);
            (values.len() - 1) as u32
        })
    };
    let features = points
        .iter()
        .map(|c| {
            let (x, y) = tile.grid_position(c.lon, c.lat, EXTENT);
            let mut tags = Vec::with_capacity(10);
            for (k, n) in [c.count, c.open, c.resolved].into_iter().enumerate() {
                tags.extend([
                    k as u32,
                    tag(Value { uint_value: Some(u64::from(n)), ..Default::default() }, format!("u{n}")),
                ]);
            }
            for (k, d) in [(3u32, c.lon), (4, c.lat)] {
                tags.extend([k, tag(Value { double_value: Some(d), ..Default::default() }, format!("d{d}"))]);
            }
            Feature { id: None, tags, r#type: Some(GeomType::Point as i32), geometry: point_geometry(x, y) }
        })
        .collect();
    let layer = Layer {
        version: 2,
        name: LAYER.to_owned(),
        features,
        keys: keys.map(str::to_owned).to_vec(),
        values,
        extent: Some(EXTENT),
    };
    VectorTile { layers: vec![layer] }.encode_to_vec()
}
