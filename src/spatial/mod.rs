//! Spatial core: coordinate systems, geodesic distances, and the point and polygon indexes.
//! Everything inside is WGS84 lon/lat degrees (x = lon, y = lat) and metres; other CRSs are
//! converted at the edges with [`crs`].

pub mod bbox;
pub mod crs;
pub mod geodesic;
pub mod hexagons;
pub mod points;
pub mod polygons;
pub mod tiles;
pub mod utm;

pub use bbox::{BBox, BBoxError};
pub use crs::{Crs, CrsError};
pub use geodesic::{ecef, geodesic_distance_m, LocalPlane};
pub use points::{Neighbour, PointIndex};
pub use polygons::{NearPolygon, PolygonIndex};
pub use utm::{Utm, UtmError};
