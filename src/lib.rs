//! liaison: a map service for deputy liaison stations (人大代表联络站) and member workstations
//! (政协委员工作室): find the nearest station, learn who your member is and when they receive.
//!
//! Layers, with dependencies pointing one way: `http`/`cli` → `service` → `catalog`/`analytics`/`store`/`import` →
//! `spatial`/`formats` → `domain`. Coordinates are WGS84 lon/lat degrees inside; GCJ-02 and BD-09
//! are converted at the edges.

pub mod analytics;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod domain;
pub mod formats;
pub mod http;
pub mod i18n;
pub mod import;
pub mod metrics;
pub mod outbound;
pub mod sample;
pub mod senders;
pub mod server;
pub mod service;
pub mod spatial;
pub mod store;
