//! An operator's PMTiles basemap (`--basemap FILE.pmtiles`), served at `/basemap.pmtiles` with HTTP
//! range requests (`206 Partial Content`), which is how the map's PMTiles reader fetches the header,
//! the directories and each tile. Without the flag the path answers 404 and the map draws no basemap.
//! The file's header is checked at start: PMTiles version 3, and what its tiles are.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use axum::Router;
use tower_http::services::ServeFile;

use super::AppState;

/// Where the map finds the basemap.
pub const PATH: &str = "/basemap.pmtiles";

/// A checked PMTiles file.
#[derive(Debug, Clone)]
pub struct Basemap {
    pub path: PathBuf,
    /// What a tile is: `vector` (Mapbox Vector Tiles) or `raster` (PNG, JPEG, WebP or AVIF).
    pub kind: &'static str,
}

impl Basemap {
    /// Reads the header of `path`: the magic `PMTiles`, spec version 3, a tile type it can draw.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        use std::io::Read;
        let mut header = [0u8; 127];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut header))
            .with_context(|| format!("cannot read the PMTiles header of {}", path.display()))?;
        if &header[..7] != b"PMTiles" {
            bail!("{} is not a PMTiles file (its first bytes are not \"PMTiles\")", path.display());
        }
        if header[7] != 3 {
            bail!("{} is PMTiles version {}; only version 3 is read", path.display(), header[7]);
        }
        let kind = match header[99] {
            1 => "vector",
            2..=5 => "raster",
            other => bail!("{}: tile type {other} cannot be drawn (vector or raster tiles only)", path.display()),
        };
        Ok(Self { path: path.to_owned(), kind })
    }
}

/// The basemap's route, when there is one.
pub fn router(basemap: Option<&Basemap>) -> Router<AppState> {
    match basemap {
        Some(b) => Router::new().route_service(PATH, ServeFile::new(&b.path)),
        None => Router::new(),
    }
}
