//! The application layer: use cases as plain functions (and, later, one service type) over the
//! catalog and the store, called by every adapter (HTTP, CLI) and calling none of them. No axum,
//! maud or sqlx here; positions are WGS84 lon/lat degrees inside, distances metres.

pub mod batch;
