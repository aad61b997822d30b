//! The HTTP API (axum): search, pages, health, the web page and its description
//! ([`openapi`]).
//!
//! Every failure is a JSON body `{"error": {"code": "...", "message": "..."}}` with a 4xx
//! status for the caller's mistakes and 500 for ours; no input makes the service panic (and a
//! panic anyway would be caught and answered as a 500, not a dropped connection).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::handler::Handler;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::corpus::Page;
use crate::engine::Engine;
use crate::live::LiveEngine;
use crate::request::{RequestError, SearchParams, SearchRequest, TextParams};
use crate::web;

mod auth;
pub mod openapi;
pub mod pages;
pub use auth::check_key;
pub mod prometheus;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A failed request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }
}

/// A query string that does not even parse (a repeated or unknown field, bad encoding).
fn query_string_rejected(e: QueryRejection) -> ApiError {
    ApiError::bad("invalid_query_string", e.body_text())
}

/// A refused search parameter is the caller's mistake: 400, with the request module's code.
impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> ApiError {
        ApiError::bad(e.code(), e.to_string())
    }
}

/// Every failure's body.
#[derive(Serialize, utoipa::ToSchema)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ErrorDetail<'a> {
    /// Stable and machine-readable: one of [`openapi::ERROR_CODES`].
    code: &'a str,
    /// For people: what was wrong and what is allowed.
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// `GET /answer` parameters: the query and `explain`, nothing else.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AnswerQuery {
    /// The question: 1 to 1000 characters, not only spaces.
    #[param(required = true, min_length = 1, max_length = 1000, pattern = "\\S")]
    q: Option<String>,
    /// Also say how each name was resolved.
    #[param(value_type = Option<bool>)]
    explain: Option<String>,
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The engine being served; replaced between requests when a new generation goes live.
    pub live: Arc<LiveEngine>,
    /// Permits for engine work ([`HttpOptions::engine_slots`]).
    pub slots: Arc<EngineSlots>,
    pub query_log: Option<Arc<crate::analytics::QueryLog>>,
    pub admin_key: Option<Arc<str>>,
    /// The index's writer, when writes are enabled.
    pub writer: Option<Arc<crate::update::Writer>>,
    /// When set, the JSON API's read routes need it or the admin key ([`auth::SearchAccess`]).
    pub search_key: Option<Arc<str>>,
    /// Where page sources are read from for the concept view's Markdown.
    pub corpus_dir: Option<Arc<std::path::PathBuf>>,
}

/// Settings of the HTTP front end.
#[derive(Clone)]
pub struct HttpOptions {
    /// Origins (`https://docs.example.org`) whose pages may call this API from a browser. None
    /// by default: a request from another origin gets no CORS headers, so browsers keep its
    /// answer from the calling page.
    pub cors_origins: Vec<HeaderValue>,
    /// The corpus folder, for rendering pages from their Markdown at `/c/{id}` (without it the
    /// view shows the indexed text).
    pub corpus_dir: Option<std::path::PathBuf>,
    /// How many searches and answers run at once and how many more may wait; beyond that a
    /// request is refused at once with 503 and `Retry-After` instead of queueing CPU work
    /// without bound. Shared by every router made with these options.
    pub engine_slots: Arc<EngineSlots>,
    /// Where searches are logged for the site owner's analytics; none: not logged.
    pub query_log: Option<Arc<crate::analytics::QueryLog>>,
    /// The key that opens the owner's routes (`/analytics/queries`, the writes); none: those
    /// are disabled.
    pub admin_key: Option<Arc<str>>,
    /// The index's writer (`PUT`/`POST`/`DELETE /pages`); none: writes are unavailable.
    pub writer: Option<Arc<crate::update::Writer>>,
    /// The public, revocable key the JSON API's read routes (search, answer, pages) then need
    /// (the admin key also opens them); none: they are public. The page at `/` is given it.
    pub search_key: Option<Arc<str>>,
}

/// Engine work running per core: the work is CPU-bound, so more would only share the cores
/// (4 per core cost SciFact's keyword and vector-given searches a fifth more CPU each). A
/// search waiting for a batched model call uses no CPU and gives its slot back meanwhile
/// ([`EngineSlots::run`]).
pub const RUNNING_PER_CORE: usize = 2;
/// Engine work waiting per core: a hybrid search costs about 10 ms of a core, so a full queue
/// is about a third of a second of work; beyond it a caller is better told to retry.
pub const WAITING_PER_CORE: usize = 64;

/// Engine work (searches, answers): at most so many running, so many more waiting, the rest
/// refused.
#[derive(Debug)]
pub struct EngineSlots {
    running: Arc<tokio::sync::Semaphore>,
    waiting: std::sync::atomic::AtomicUsize,
    max_waiting: usize,
}

/// Counts a caller in the queue until it leaves it, even by giving up (a dropped request).
struct InQueue<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for InQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl EngineSlots {
    pub fn new(running: usize, max_waiting: usize) -> EngineSlots {
        EngineSlots {
            running: Arc::new(tokio::sync::Semaphore::new(running.max(1))),
            waiting: Default::default(),
            max_waiting,
        }
    }

    /// [`RUNNING_PER_CORE`] and [`WAITING_PER_CORE`] for this machine's cores.
    pub fn for_this_machine() -> EngineSlots {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        EngineSlots::new(RUNNING_PER_CORE * cores, WAITING_PER_CORE * cores)
    }

    /// A running slot, after waiting in the queue if there is room in it; `None`: refuse.
    pub async fn enter(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        use std::sync::atomic::Ordering::SeqCst;
        if let Ok(slot) = self.running.clone().try_acquire_owned() {
            return Some(slot);
        }
        if self.waiting.fetch_add(1, SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, SeqCst);
            return None;
        }
        let _queued = InQueue(&self.waiting);
        self.running.clone().acquire_owned().await.ok()
    }

    /// Runs `work` on this (blocking) thread in the running slot `slot`, which it gives back
    /// while `work` waits for a batched model call and takes again after, behind the callers
    /// already waiting. The model call's batch can only hold the searches that reach it: with
    /// the slot held while waiting, calls averaged 1.5 texts at 8 connections (BENCHMARKS.md,
    /// "Served path").
    pub fn run<T>(
        &self,
        slot: tokio::sync::OwnedSemaphorePermit,
        runtime: tokio::runtime::Handle,
        work: impl FnOnce() -> T,
    ) -> T {
        struct GiveBack {
            slot: Option<tokio::sync::OwnedSemaphorePermit>,
            running: Arc<tokio::sync::Semaphore>,
            runtime: tokio::runtime::Handle,
        }
        impl crate::embed::ModelWait for GiveBack {
            fn waiting(&mut self) {
                self.slot = None;
            }
            fn resumed(&mut self) {
                // A blocking thread outside the runtime's workers may block on it.
                self.slot = self
                    .runtime
                    .block_on(self.running.clone().acquire_owned())
                    .ok();
            }
        }
        let hook = GiveBack {
            slot: Some(slot),
            running: self.running.clone(),
            runtime,
        };
        crate::embed::with_model_wait(Box::new(hook), work)
    }

    /// A running slot if one is free now (tests hold slots with it).
    pub fn try_take(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.running.clone().try_acquire_owned().ok()
    }

    /// Running slots free now.
    pub fn free(&self) -> usize {
        self.running.available_permits()
    }

    /// Callers waiting now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Longest a search or answer may take before the caller gets a 503 `timeout`.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Shows everything but the key, which is never printed or logged.
impl std::fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpOptions")
            .field("cors_origins", &self.cors_origins)
            .field("corpus_dir", &self.corpus_dir)
            .field("engine_slots", &self.engine_slots)
            .field(
                "query_log",
                &self.query_log.as_ref().map(|l| l.path().to_path_buf()),
            )
            .field("admin_key", &self.admin_key.as_ref().map(|_| "<set>"))
            .field("search_key", &self.search_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            cors_origins: Vec::new(),
            corpus_dir: None,
            engine_slots: Arc::new(EngineSlots::for_this_machine()),
            query_log: None,
            admin_key: None,
            writer: None,
            search_key: None,
        }
    }
}

impl HttpOptions {
    /// Options with these CORS origins, each checked to be an origin (`scheme://host[:port]`).
    pub fn with_cors_origins(origins: &[String]) -> Result<HttpOptions, String> {
        let cors_origins = origins
            .iter()
            .map(|o| {
                let o = o.trim().trim_end_matches('/');
                let valid = (o.starts_with("http://") || o.starts_with("https://"))
                    && !o
                        .split_once("://")
                        .is_some_and(|(_, rest)| rest.is_empty() || rest.contains('/'));
                if !valid {
                    return Err(format!(
                        "--cors-origin `{o}` is not an origin like https://docs.example.org"
                    ));
                }
                HeaderValue::from_str(o).map_err(|e| format!("--cors-origin `{o}`: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(HttpOptions {
            cors_origins,
            ..HttpOptions::default()
        })
    }
}

impl AppState {
    /// The engine one request is answered by, start to end.
    fn engine(&self) -> Arc<Engine> {
        self.live.get()
    }
}

/// The service's routes with their limits and layers, with default options.
pub fn router(engine: Arc<Engine>) -> Router {
    router_with(engine, &HttpOptions::default())
}

/// [`router_live`] over an engine that is never replaced.
pub fn router_with(engine: Arc<Engine>, options: &HttpOptions) -> Router {
    router_live(Arc::new(LiveEngine::fixed(engine)), options)
}

/// The router's routes, and each route's path and method as the OpenAPI document names them:
/// both come from the same calls, so the test that compares the list with the document
/// compares what the router serves.
struct Routes {
    router: Router<AppState>,
    served: Vec<(String, Method)>,
}

impl Routes {
    fn add(mut self, methods: &[Method], path: &str, route: MethodRouter<AppState>) -> Routes {
        for method in methods {
            // `{*id}` (the rest of the path) is `{id}` in OpenAPI, which has no wildcards.
            self.served.push((path.replace("{*", "{"), method.clone()));
        }
        self.router = self.router.route(path, route);
        self
    }

    fn get<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Routes {
        self.add(&[Method::GET], path, get(handler))
    }
}

fn routes() -> Routes {
    let routes = Routes {
        router: Router::new(),
        served: Vec::new(),
    };
    routes
        .add(
            &[Method::GET, Method::POST],
            "/search",
            get(search_get).post(search_post),
        )
        .get("/answer", answer)
        .get("/concepts", concept_list)
        // Page ids of a site are paths (`docs/install`), so the id is the rest of the path.
        .get("/concepts/{*id}", concept)
        .get("/healthz", health)
        .get("/readyz", ready)
        .get("/metrics", metrics_text)
        .get("/analytics/queries", analytics_queries)
        .add(
            &[Method::PUT, Method::DELETE],
            "/pages/{*id}",
            axum::routing::put(pages::put_page)
                .delete(pages::delete_page)
                .layer(DefaultBodyLimit::max(pages::MAX_PAGE_BYTES)),
        )
        .add(
            &[Method::POST],
            "/pages",
            axum::routing::post(pages::post_pages)
                .layer(DefaultBodyLimit::max(pages::MAX_BATCH_BYTES)),
        )
        .get("/tasks/{id}", pages::task)
        .get("/openapi.json", openapi_json)
        .get("/", web::index)
        .get("/c/{*id}", concept_view)
        .get("/assets/app.css", web::app_css)
        .get("/assets/app.js", web::app_js)
        .get("/widget.js", web::widget_js)
}

/// Every route served, as `(OpenAPI path, method)`.
pub fn served_routes() -> Vec<(String, Method)> {
    routes().served
}

/// The service's routes with their limits and layers.
pub fn router_live(live: Arc<LiveEngine>, options: &HttpOptions) -> Router {
    // Installed before the first request is counted.
    let _ = prometheus::handle();
    let router = routes()
        .router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                code: "internal",
                message: "the request could not be served".into(),
            }
            .into_response()
        }))
        .layer(axum::middleware::from_fn(prometheus::track))
        .layer(TraceLayer::new_for_http())
        .with_state(AppState {
            live,
            slots: options.engine_slots.clone(),
            query_log: options.query_log.clone(),
            admin_key: options.admin_key.clone(),
            writer: options.writer.clone(),
            search_key: options.search_key.clone(),
            corpus_dir: options.corpus_dir.clone().map(Arc::new),
        });
    if options.cors_origins.is_empty() {
        return router;
    }
    // Every route is read-only (search, answers, pages, health), so GET and POST from the
    // listed origins only, with the header a JSON body needs and the search key's.
    router.layer(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(options.cors_origins.clone()))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
    )
}

/// Serves on `listener` until `shutdown` resolves, then lets requests in flight finish;
/// meanwhile switches to each new generation that goes live ([`crate::live::watch`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    live: Arc<LiveEngine>,
    options: HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let watcher = tokio::spawn(crate::live::watch(live.clone(), stopped));
    let served = axum::serve(listener, router_live(live, &options))
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop.send(true);
    let _ = watcher.await;
    served
}

#[utoipa::path(
    get,
    path = "/search",
    tag = "search",
    summary = "Search: ranked pages, and an answer when the query is a question the concept graph answers",
    params(TextParams),
    security((), ("search_key" = []), ("admin_key" = [])),
    responses(
        (status = 200, body = crate::engine::SearchResponse),
        (status = 400, description = "A parameter is missing, malformed or out of range", body = ErrorBody),
        (status = 401, description = "`unauthorized`: a search key is configured and the request has neither it nor the admin key", body = ErrorBody),
        (status = 500, body = ErrorBody),
        (status = 503, description = "`overloaded` or `timeout`: retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
async fn search_get(
    _: auth::SearchAccess,
    State(state): State<AppState>,
    params: Result<Query<TextParams>, QueryRejection>,
) -> Response {
    let request = params.map_err(query_string_rejected).and_then(|Query(p)| {
        Ok(p.parse()?
            .validate_with(state.engine().request_defaults())?)
    });
    run_search(state, request).await
}

#[utoipa::path(
    post,
    path = "/search",
    tag = "search",
    summary = "Search with a JSON body (the same fields as the query string)",
    request_body = SearchParams,
    security((), ("search_key" = []), ("admin_key" = [])),
    responses(
        (status = 200, body = crate::engine::SearchResponse),
        (status = 400, description = "A field is out of range, or the body is not JSON", body = ErrorBody),
        (status = 401, description = "`unauthorized`: a search key is configured and the request has neither it nor the admin key", body = ErrorBody),
        (status = 413, description = "The body is larger than 16 KiB", body = ErrorBody),
        (status = 415, description = "The body is not application/json", body = ErrorBody),
        (status = 422, description = "A field has the wrong type or is unknown", body = ErrorBody),
        (status = 500, body = ErrorBody),
        (status = 503, description = "`overloaded` or `timeout`: retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
async fn search_post(
    _: auth::SearchAccess,
    State(state): State<AppState>,
    body: Result<Json<SearchParams>, JsonRejection>,
) -> Response {
    let request = body
        .map_err(|e| ApiError {
            status: e.status(),
            code: match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                StatusCode::UNPROCESSABLE_ENTITY => "invalid_field",
                _ => "malformed_json",
            },
            message: if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                format!("the body is larger than {MAX_BODY_BYTES} bytes")
            } else {
                e.body_text()
            },
        })
        .and_then(|Json(b)| Ok(b.validate_with(state.engine().request_defaults())?));
    run_search(state, request).await
}

async fn run_search(state: AppState, request: Result<SearchRequest, ApiError>) -> Response {
    let request = match request {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let engine = state.engine();
    let mode = format!("{:?}", request.mode()).to_lowercase();
    metrics::counter!("landscape_searches_total", "mode" => mode).increment(1);
    let log = state.query_log.clone();
    blocking(&state, "search", move || {
        let mut response = engine.search(&request)?;
        if let Some(log) = log.filter(|_| worth_logging(&request)) {
            let entry = crate::analytics::Entry::of_search(&request, &response);
            if let Err(e) = log.record(entry) {
                tracing::warn!(error = %e, "search not logged");
            }
        }
        if let Some(answer) = &mut response.answer {
            answer.link(concept_link);
        }
        Ok(response)
    })
    .await
}

/// Whether a search goes into the query log: not the keyword searches a search box sends while
/// the last word is still being typed (half words are not what visitors look for).
fn worth_logging(request: &SearchRequest) -> bool {
    request.mode() != crate::engine::Mode::Keyword
        || !(request.spelling().prefix && crate::spelling::last_word_open(request.query()))
}

/// `GET /analytics/queries` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AnalyticsQuery {
    /// Days back from now, 1 to 365 (default 7).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 365)]
    days: Option<String>,
}

/// What visitors searched for: the most frequent queries, those that found nothing, and
/// searches per day. Admin key required.
#[utoipa::path(
    get,
    path = "/analytics/queries",
    tag = "owner",
    summary = "Query analytics: top queries, queries without results or with only weak matches, daily counts (admin key)",
    params(AnalyticsQuery),
    security(("admin_key" = [])),
    responses(
        (status = 200, body = crate::analytics::Report),
        (status = 400, description = "`invalid_days` or `days_out_of_range`", body = ErrorBody),
        (status = 401, description = "`unauthorized`: missing or wrong key", body = ErrorBody),
        (status = 403, description = "`admin_disabled`: no admin key configured", body = ErrorBody),
        (status = 500, body = ErrorBody),
    )
)]
async fn analytics_queries(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    params: Result<Query<AnalyticsQuery>, QueryRejection>,
) -> Response {
    if let Err(refused) = auth::require_admin(state.admin_key.as_deref(), &headers) {
        return *refused;
    }
    let days = match params.map_err(query_string_rejected) {
        Err(e) => return e.into_response(),
        Ok(Query(p)) => match p.days.as_deref().map(|d| d.trim().parse::<i64>()) {
            None => 7,
            Some(Ok(d)) if (1..=365).contains(&d) => d as u32,
            Some(Ok(d)) => {
                let message = format!("days is {d}; it must be from 1 to 365");
                return ApiError::bad("days_out_of_range", message).into_response();
            }
            Some(Err(_)) => {
                return ApiError::bad("invalid_days", "days must be a number").into_response()
            }
        },
    };
    let Some(log) = state.query_log.clone() else {
        return internal("this server keeps no query log (started with --no-query-log)".into());
    };
    match tokio::task::spawn_blocking(move || crate::analytics::report(log.path(), days)).await {
        Ok(Ok(report)) => Json(report).into_response(),
        Ok(Err(e)) => internal(e.to_string()),
        Err(e) => internal(format!("the analytics task failed: {e}")),
    }
}

/// Where the API serves a concept: every link in an answer points here.
fn concept_link(id: &str) -> String {
    format!("/concepts/{id}")
}

/// Runs engine work (embedding, ranking: CPU, not I/O) off the async workers and turns its
/// result into JSON, or into a 500 whose message names `what` failed. Work starts only with a
/// running slot, after waiting in a bounded queue (a full queue: 503 `overloaded` at once),
/// and holds it until it ends (but for its waits for the model), even if the caller gave up;
/// a caller waits at most [`REQUEST_TIMEOUT`] in all (then 503 `timeout`).
async fn blocking<T: Serialize + Send + 'static>(
    state: &AppState,
    what: &'static str,
    work: impl FnOnce() -> Result<T, crate::engine::EngineError> + Send + 'static,
) -> Response {
    let slots = state.slots.clone();
    let run = async move {
        let Some(slot) = slots.enter().await else {
            return Err(());
        };
        let runtime = tokio::runtime::Handle::current();
        Ok(tokio::task::spawn_blocking(move || slots.run(slot, runtime, work)).await)
    };
    let Ok(started) = tokio::time::timeout(REQUEST_TIMEOUT, run).await else {
        tracing::warn!("{what} timed out");
        return unavailable(
            "timeout",
            format!("the {what} took longer than {REQUEST_TIMEOUT:?}"),
        );
    };
    let Ok(done) = started else {
        return unavailable(
            "overloaded",
            format!("the service is busy ({what} refused); retry shortly"),
        );
    };
    match done {
        Ok(Ok(value)) => Json(value).into_response(),
        Ok(Err(e)) => match e.caller_code() {
            Some(code) => ApiError::bad(code, e.to_string()).into_response(),
            None => {
                tracing::error!(error = %e, "{what} failed");
                internal(e.to_string())
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "{what} task failed");
            internal(format!("the {what} task failed"))
        }
    }
}

/// The answer alone: the object `/search` carries as `answer`, or `null` when the question
/// is not of a kind answered from the concept graph.
#[utoipa::path(
    get,
    path = "/answer",
    tag = "search",
    summary = "The answer alone (null when the query is not a question the graph answers)",
    params(AnswerQuery),
    security((), ("search_key" = []), ("admin_key" = [])),
    responses(
        (status = 200, body = Option<crate::answer::Answer>),
        (status = 400, body = ErrorBody),
        (status = 401, description = "`unauthorized`: a search key is configured and the request has neither it nor the admin key", body = ErrorBody),
        (status = 500, body = ErrorBody),
        (status = 503, description = "`overloaded` or `timeout`: retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
async fn answer(
    _: auth::SearchAccess,
    State(state): State<AppState>,
    params: Result<Query<AnswerQuery>, QueryRejection>,
) -> Response {
    let parsed = params.map_err(query_string_rejected).and_then(|Query(p)| {
        let p = TextParams {
            q: p.q,
            explain: p.explain,
            ..TextParams::default()
        }
        .parse()?;
        Ok((p.query()?, p.explain.unwrap_or(false)))
    });
    let (question, explain) = match parsed {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let engine = state.engine();
    blocking(&state, "answer", move || {
        let mut answer = engine.answer(&question, explain)?;
        if let Some(answer) = &mut answer {
            answer.link(concept_link);
        }
        Ok(answer)
    })
    .await
}

/// A 503 that says when to come back: the caller did nothing wrong.
fn unavailable(code: &'static str, message: String) -> Response {
    metrics::counter!("landscape_requests_shed_total", "reason" => code).increment(1);
    let mut response = ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code,
        message,
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

fn internal(message: String) -> Response {
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "internal",
        message,
    }
    .into_response()
}

/// A page as `GET /concepts/{id}` returns it: the page plus its place in the graph.
#[derive(Serialize, utoipa::ToSchema)]
struct PageView<'a> {
    #[serde(flatten)]
    #[schema(value_type = Page)]
    page: &'a Page,
    /// Is-a ancestry from the root down to the page itself.
    ancestry: Vec<String>,
    /// Pages whose parents include this one.
    #[schema(value_type = Vec<String>)]
    children: &'a [String],
    /// Pages whose relations point at this one, by relation.
    #[schema(value_type = BTreeMap<String, Vec<String>>)]
    referenced_by: BTreeMap<&'static str, &'a [String]>,
}

/// The 404 of both page routes.
fn unknown_concept(id: &str) -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "unknown_concept",
        message: format!("no page with id `{id}`"),
    }
}

#[utoipa::path(
    get,
    path = "/concepts/{id}",
    tag = "pages",
    summary = "One page as JSON, with its ancestry, children and incoming relations",
    params(("id" = String, Path, description = "Page id; a site's ids may contain `/`")),
    security((), ("search_key" = []), ("admin_key" = [])),
    responses(
        (status = 200, body = PageView),
        (status = 401, description = "`unauthorized`: a search key is configured and the request has neither it nor the admin key", body = ErrorBody),
        (status = 404, description = "`unknown_concept`", body = ErrorBody),
    )
)]
async fn concept(
    _: auth::SearchAccess,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    let engine = state.engine();
    let pages = engine.pages();
    let Some(page) = pages.get(&id) else {
        return unknown_concept(&id).into_response();
    };
    let graph = pages.graph();
    let referenced_by = graph
        .referenced_by(&id)
        .into_iter()
        .flatten()
        .map(|(relation, sources)| (relation.as_str(), sources.as_slice()))
        .collect();
    Json(PageView {
        page,
        ancestry: graph.breadcrumbs(&id),
        children: graph.children(&id),
        referenced_by,
    })
    .into_response()
}

/// One page in the list of `GET /concepts`.
#[derive(Serialize, utoipa::ToSchema)]
struct PageEntry<'a> {
    id: &'a str,
    title: &'a str,
    kind: crate::corpus::PageKind,
}

/// Every page, by title: for pickers such as the search page's "under" filter.
#[utoipa::path(
    get,
    path = "/concepts",
    tag = "pages",
    summary = "Every page: id, title and kind, by title",
    security((), ("search_key" = []), ("admin_key" = [])),
    responses(
        (status = 200, body = Vec<PageEntry>),
        (status = 401, description = "`unauthorized`: a search key is configured and the request has neither it nor the admin key", body = ErrorBody),
    )
)]
async fn concept_list(_: auth::SearchAccess, State(state): State<AppState>) -> Response {
    let engine = state.engine();
    let mut pages: Vec<PageEntry> = engine
        .pages()
        .pages()
        .iter()
        .map(|p| PageEntry {
            id: &p.id,
            title: &p.title,
            kind: p.kind,
        })
        .collect();
    pages.sort_by_key(|p| p.title.to_lowercase());
    Json(pages).into_response()
}

/// The concept view: the page as HTML, or the 404 page of the API for an unknown id.
#[utoipa::path(
    get,
    path = "/c/{id}",
    tag = "web",
    summary = "A page rendered as HTML, with its place in the graph as links",
    params(("id" = String, Path, description = "Page id")),
    responses(
        (status = 200, content_type = "text/html", body = String),
        (status = 404, description = "`unknown_concept`", body = ErrorBody),
    )
)]
async fn concept_view(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let engine = state.engine();
    let pages = engine.pages();
    let Some(page) = pages.get(&id) else {
        return unknown_concept(&id).into_response();
    };
    let pushed = state.writer.as_ref().map(|w| w.pages_dir());
    let sources = web::render::Sources {
        corpus: state.corpus_dir.as_deref().map(|d| d.as_path()),
        pushed: pushed.as_deref(),
    };
    let html = web::render::concept_page(&web::CONCEPT_HTML, pages, page, sources);
    axum::response::Html(web::with_search_key(&html, state.search_key.as_deref()).into_owned())
        .into_response()
}

#[derive(Serialize, utoipa::ToSchema)]
struct Health<'a> {
    status: &'a str,
    generation: &'a str,
    pages: usize,
    chunks: usize,
    model: &'a str,
    /// Whether semantic and hybrid search are served (false: a `--keyword-only` index).
    semantic: bool,
    /// Metadata fields searches can filter on, with how many pages have each.
    #[schema(value_type = BTreeMap<String, usize>)]
    filters: &'a BTreeMap<String, usize>,
    /// Query texts embedded by the model since the service started (cache hits not
    /// counted): what search-as-you-type keeps low.
    query_embeddings: u64,
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    summary = "The generation served and what it offers",
    responses((status = 200, body = Health))
)]
async fn health(State(state): State<AppState>) -> Response {
    let engine = state.engine();
    Json(Health {
        status: "ok",
        generation: engine.generation(),
        pages: engine.pages().pages().len(),
        chunks: engine.chunks().len(),
        model: &engine.model().id,
        semantic: engine.has_semantic(),
        filters: engine.filter_fields(),
        query_embeddings: engine.query_embeddings(),
    })
    .into_response()
}

/// Ready for traffic: a verified generation is loaded (the engine exists only then) and the
/// model embeds a text now.
#[derive(Serialize, utoipa::ToSchema)]
struct Ready {
    status: &'static str,
    generation: String,
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    summary = "Ready for traffic: a generation is loaded and the model answers",
    responses(
        (status = 200, body = Ready),
        (status = 503, description = "`not_ready`: the model does not answer", body = ErrorBody),
    )
)]
async fn ready(State(state): State<AppState>) -> Response {
    let engine = state.engine();
    let checked = tokio::task::spawn_blocking({
        let engine = engine.clone();
        move || engine.model_answers()
    })
    .await;
    match checked {
        Ok(Ok(())) => Json(Ready {
            status: "ready",
            generation: engine.generation().to_string(),
        })
        .into_response(),
        Ok(Err(e)) => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "not_ready",
            message: e.to_string(),
        }
        .into_response(),
        Err(e) => internal(format!("the readiness check failed: {e}")),
    }
}

/// The service's metrics, for Prometheus.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    summary = "Metrics in the Prometheus text format",
    responses((status = 200, content_type = "text/plain", body = String))
)]
async fn metrics_text(state: State<AppState>) -> Response {
    prometheus::render(state).await
}

/// This API's description.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "service",
    summary = "This document",
    responses((status = 200, content_type = "application/json", body = Object))
)]
async fn openapi_json() -> Response {
    Json(openapi::document()).into_response()
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message: format!("no route for {}", uri.path()),
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        message: "this route does not accept that method".into(),
    }
}
