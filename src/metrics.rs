//! Operational metrics: the names the service exports in Prometheus text format at `/metrics`,
//! the one process-wide recorder, and small functions that record them, so callers write
//! `crate::metrics::analytics_refreshed(secs)` instead of metric names and labels.
//!
//! Durations are in seconds; counts are plain numbers.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests answered, labelled `method`, `route` (the matched route pattern, or `unmatched`) and `status`.
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// Time from a request's arrival to its answer's head, labelled `method` and `route` (a histogram).
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
/// Opinions by workflow status (`status` label), as the analytics last saw them.
pub const OPINIONS: &str = "liaison_opinions";
/// How long the last refresh of the analytics' copy of the opinions took.
pub const ANALYTICS_REFRESH: &str = "liaison_analytics_refresh_seconds";
/// The reference data's change number the catalog was built from.
pub const CATALOG_VERSION: &str = "liaison_catalog_version";
/// Records written by `liaison import` (a counter; the process that imports exports it).
pub const IMPORT_RECORDS: &str = "liaison_import_records";
/// Webhook delivery attempts, labelled `outcome`: delivered, retry or gave_up.
pub const WEBHOOK_ATTEMPTS: &str = "liaison_webhook_attempts_total";
/// Notices to citizens sent (or tried), labelled `channel` (email, sms) and `outcome`: delivered,
/// retry or gave_up.
pub const NOTICE_ATTEMPTS: &str = "liaison_notice_attempts_total";
/// Connections open now.
pub const OPEN_CONNECTIONS: &str = "liaison_open_connections";

/// Histogram buckets for request latency, from 1 ms to 30 s (the request deadline).
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder once per process and returns its handle; later calls return
/// the same handle. `None` when another recorder was installed first (then nothing is exported).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), LATENCY_BUCKETS)
                .inspect_err(|e| tracing::warn!(error = %e, "cannot set latency buckets"))
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot install the metrics recorder");
                    None
                }
            }
        })
        .as_ref()
}

/// The metrics in Prometheus text format (empty when no recorder is installed).
pub fn render() -> String {
    match install() {
        Some(handle) => {
            // Without the exporter's own task, upkeep (draining histogram buffers) is ours to run.
            handle.run_upkeep();
            handle.render()
        }
        None => String::new(),
    }
}

fn describe() {
    ::metrics::describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, route and status");
    ::metrics::describe_histogram!(
        HTTP_DURATION,
        ::metrics::Unit::Seconds,
        "HTTP request latency, by method and route"
    );
    ::metrics::describe_gauge!(OPINIONS, "Opinions by workflow status");
    ::metrics::describe_gauge!(ANALYTICS_REFRESH, ::metrics::Unit::Seconds, "Duration of the last analytics refresh");
    ::metrics::describe_gauge!(CATALOG_VERSION, "Reference data change number the catalog was built from");
    ::metrics::describe_counter!(IMPORT_RECORDS, "Records written by imports in this process");
    ::metrics::describe_gauge!(OPEN_CONNECTIONS, "Open client connections");
    ::metrics::describe_counter!(NOTICE_ATTEMPTS, "Attempts to send notices to citizens, by channel and outcome");
    ::metrics::describe_counter!(WEBHOOK_ATTEMPTS, "Webhook delivery attempts, by outcome");
}

/// Records one webhook delivery attempt: `delivered`, `retry` or `gave_up`.
pub fn webhook_attempt(outcome: &'static str) {
    ::metrics::counter!(WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(1);
}

/// Records one attempt to send a notice by `channel`: `delivered`, `retry` or `gave_up`.
pub fn notice_attempt(channel: &'static str, outcome: &'static str) {
    ::metrics::counter!(NOTICE_ATTEMPTS, "channel" => channel, "outcome" => outcome).increment(1);
}

/// Records one answered request. `route` must be a route pattern or `unmatched`, never a raw
/// path, so that the number of series stays bounded.
pub fn request_answered(method: &str, route: &str, status: u16, elapsed: Duration) {
    let (method, route) = (method.to_owned(), route.to_owned());
    ::metrics::counter!(HTTP_REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    ::metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route).record(elapsed.as_secs_f64());
}

/// Records a refresh of the analytics that took `secs`.
pub fn analytics_refreshed(secs: f64) {
    ::metrics::gauge!(ANALYTICS_REFRESH).set(secs);
}

/// Sets the count of opinions in workflow status `status` (its code).
pub fn opinions_in_status(status: &'static str, count: usize) {
    ::metrics::gauge!(OPINIONS, "status" => status).set(count as f64);
}

/// Records the catalog version now served.
pub fn catalog_version(version: i64) {
    ::metrics::gauge!(CATALOG_VERSION).set(version as f64);
}

/// Adds `n` records to the import progress counter.
pub fn import_progress(n: u64) {
    ::metrics::counter!(IMPORT_RECORDS).increment(n);
}

/// Records that a connection opened (`+1`) or closed (`-1`).
pub fn connections_changed(delta: f64) {
    ::metrics::gauge!(OPEN_CONNECTIONS).increment(delta);
}
