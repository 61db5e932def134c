//! Integration tests: the real router over real HTTP, on a fresh SQLite file per test.

mod helpers;

mod activities;
mod analytics;
mod bad_input;
mod batch;
mod browser;
mod calendars;
mod dashboard;
mod duty;
mod follow;
mod grids;
mod imports;
mod languages;
mod layers;
mod logins;
mod map;
mod notices;
mod openapi;
mod operations;
mod opinions;
mod pages;
mod photos;
mod planning;
mod probe;
mod projects;
mod replicas;
mod rota;
mod search;
mod staff;
mod staff_map;
mod stations;
mod store;
mod warnings;
mod webhooks;
