//! `GET /metrics` in the Prometheus text format (the `metrics` facade with its Prometheus
//! recorder): every request by route, method and status with its latency, searches by mode,
//! query embeddings (time, cache hits and misses), shed requests, and what is being served
//! (pages, chunks, the generation's number, free engine slots).
//! The library records with the facade's macros wherever the thing happens (the engine times
//! its embeddings); this module installs the recorder and times requests.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::AppState;

/// Latency buckets, in seconds: from a cached keyword search to a request at the timeout.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's one recorder, installed on first use. `None` when another recorder was
/// installed first (an embedding program's own): its metrics are then its business.
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets(BUCKETS).ok()?;
            builder.install_recorder().ok()
        })
        .as_ref()
}

/// Counts and times every request, by the route that matched (not the raw path, so ids and
/// queries do not become label values).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("landscape_http_requests_total",
        "route" => route.clone(), "method" => method.clone(), "status" => status)
    .increment(1);
    metrics::histogram!("landscape_http_request_duration_seconds",
        "route" => route, "method" => method)
    .record(started.elapsed().as_secs_f64());
    response
}

/// The current values of what is served, then everything recorded.
pub async fn render(State(state): State<AppState>) -> Response {
    let engine = state.engine();
    metrics::gauge!("landscape_pages").set(engine.pages().pages().len() as f64);
    metrics::gauge!("landscape_chunks").set(engine.chunks().len() as f64);
    // The generation's number, not its name as a label: a label would leave the previous
    // generation's series behind after a reload.
    // "gen-000007+3" is generation 7 with 3 updates applied by the writer.
    let (generation, updates) = engine
        .generation()
        .split_once('+')
        .unwrap_or((engine.generation(), "0"));
    let number = generation
        .rsplit('-')
        .next()
        .and_then(|n| n.parse::<f64>().ok());
    metrics::gauge!("landscape_generation_updates").set(updates.parse::<f64>().unwrap_or(0.0));
    metrics::gauge!("landscape_generation").set(number.unwrap_or(0.0));
    metrics::gauge!("landscape_engine_slots_free").set(state.slots.free() as f64);
    metrics::gauge!("landscape_engine_queue").set(state.slots.waiting() as f64);
    let body = handle().map(|h| h.render()).unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
