//! Demand for planning: weighted points (people by community, or opinions by H3 cell) that the
//! stations should reach. Positions are WGS84 lon/lat degrees; a weight is the point's count in its
//! own unit (residents, opinions), finite and `>= 0`.

use super::LonLat;

/// The longest id a demand point may have.
pub const MAX_ID_LEN: usize = 64;

/// One weighted demand point.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DemandPoint {
    pub id: String,
    pub position: LonLat,
    pub weight: f64,
}

/// Why a demand point was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DemandError {
    #[error("a demand point needs an id of 1-{MAX_ID_LEN} characters")]
    Id,
    #[error("weight {0} is not a finite number >= 0")]
    Weight(f64),
}

impl DemandPoint {
    /// A checked demand point.
    ///
    /// ```
    /// use liaison::domain::{DemandPoint, LonLat};
    /// let here = LonLat::new(121.55, 29.87).unwrap();
    /// assert!(DemandPoint::new("c1", here, 1200.0).is_ok());
    /// assert!(DemandPoint::new("c1", here, -1.0).is_err());
    /// assert!(DemandPoint::new("", here, 1.0).is_err());
    /// ```
    pub fn new(id: impl Into<String>, position: LonLat, weight: f64) -> Result<Self, DemandError> {
        let id = id.into();
        if id.trim().is_empty() || id.chars().count() > MAX_ID_LEN {
            return Err(DemandError::Id);
        }
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(DemandError::Weight(weight));
        }
        Ok(Self { id, position, weight })
    }
}
