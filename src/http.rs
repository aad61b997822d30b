//! The HTTP API (axum): search, pages, health.
//!
//! Every failure is a JSON body `{"error": {"code": "...", "message": "..."}}` with a 4xx
//! status for the caller's mistakes and 500 for ours; no input makes the service panic (and a
//! panic anyway would be caught and answered as a 500, not a dropped connection).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::corpus::{Page, Relation};
use crate::engine::{Engine, Mode, SearchRequest};
use crate::fusion::{Fusion, DEFAULT_RRF_K, DEFAULT_SEMANTIC_RATIO};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Most results one request may ask for.
pub const MAX_K: usize = 100;
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

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
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

/// Search parameters as they arrive, before validation. GET sends strings, POST sends JSON.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQueryString {
    q: Option<String>,
    k: Option<String>,
    mode: Option<String>,
    fusion: Option<String>,
    ratio: Option<String>,
    rrf_k: Option<String>,
    explain: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchBody {
    q: Option<String>,
    k: Option<i64>,
    mode: Option<String>,
    fusion: Option<String>,
    ratio: Option<f64>,
    rrf_k: Option<f64>,
    explain: Option<bool>,
}

/// `explain` as a query-string flag: absent, empty (`?explain`), true/false, 1/0 or yes/no.
fn parse_explain(value: Option<&str>) -> Result<Option<bool>, ApiError> {
    match value.map(str::trim) {
        None => Ok(None),
        Some("" | "true" | "1" | "yes") => Ok(Some(true)),
        Some("false" | "0" | "no") => Ok(Some(false)),
        Some(other) => Err(ApiError::bad(
            "invalid_explain",
            format!("explain must be true or false, got `{other}`"),
        )),
    }
}

/// The query text: present, not blank, at most [`MAX_QUERY_CHARS`] characters.
fn valid_query(q: Option<String>) -> Result<String, ApiError> {
    let query = q.ok_or_else(|| ApiError::bad("missing_query", "q is required"))?;
    if query.trim().is_empty() {
        return Err(ApiError::bad("empty_query", "q is empty"));
    }
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(ApiError::bad(
            "query_too_long",
            format!("q has {chars} characters; the limit is {MAX_QUERY_CHARS}"),
        ));
    }
    Ok(query)
}

/// `GET /answer` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerQuery {
    q: Option<String>,
    explain: Option<String>,
}

impl SearchQueryString {
    fn into_body(self) -> Result<SearchBody, ApiError> {
        fn number<T: std::str::FromStr>(
            name: &str,
            value: Option<String>,
            code: &'static str,
        ) -> Result<Option<T>, ApiError> {
            value
                .map(|v| {
                    v.trim().parse::<T>().map_err(|_| {
                        ApiError::bad(code, format!("{name} must be a number, got `{v}`"))
                    })
                })
                .transpose()
        }
        let explain = parse_explain(self.explain.as_deref())?;
        Ok(SearchBody {
            q: self.q,
            k: number("k", self.k, "invalid_k")?,
            mode: self.mode,
            fusion: self.fusion,
            ratio: number("ratio", self.ratio, "invalid_ratio")?,
            rrf_k: number("rrf_k", self.rrf_k, "invalid_rrf_k")?,
            explain,
        })
    }
}

impl SearchBody {
    /// Checks every field and builds the engine's request; the first problem found is reported.
    pub fn validate(self) -> Result<SearchRequest, ApiError> {
        let query = valid_query(self.q)?;
        let k = match self.k {
            None => 10,
            Some(k) if (1..=MAX_K as i64).contains(&k) => k as usize,
            Some(k) => {
                return Err(ApiError::bad(
                    "k_out_of_range",
                    format!("k is {k}; it must be from 1 to {MAX_K}"),
                ))
            }
        };
        let mode: Mode = match self.mode.as_deref() {
            None => Mode::Hybrid,
            Some(m) => m
                .parse()
                .map_err(|e: String| ApiError::bad("unknown_mode", e))?,
        };
        if let Some(r) = self.ratio {
            if !(0.0..=1.0).contains(&r) {
                return Err(ApiError::bad(
                    "ratio_out_of_range",
                    format!("ratio is {r}; it must be from 0 to 1"),
                ));
            }
        }
        if let Some(k) = self.rrf_k {
            if !(k > 0.0 && k <= 10_000.0) {
                return Err(ApiError::bad(
                    "rrf_k_out_of_range",
                    format!("rrf_k is {k}; it must be above 0 and at most 10000"),
                ));
            }
        }
        // `ratio` alone asks for weighted fusion; `rrf_k` alone for RRF.
        let fusion =
            match (self.fusion.as_deref(), self.ratio, self.rrf_k) {
                (None, None, None) => Fusion::default(),
                (Some("dbsf"), None, None) => Fusion::Dbsf,
                (Some("weighted") | None, Some(ratio), None) => Fusion::Weighted {
                    semantic_ratio: ratio as f32,
                },
                (Some("weighted"), None, None) => Fusion::Weighted {
                    semantic_ratio: DEFAULT_SEMANTIC_RATIO,
                },
                (Some("rrf") | None, None, rrf_k) => Fusion::Rrf {
                    k: rrf_k.unwrap_or(DEFAULT_RRF_K as f64) as f32,
                },
                (None | Some("rrf" | "weighted" | "dbsf"), _, _) => return Err(ApiError::bad(
                    "conflicting_fusion",
                    "ratio goes with fusion=weighted and rrf_k with fusion=rrf; dbsf takes neither",
                )),
                (Some(other), _, _) => {
                    return Err(ApiError::bad(
                        "unknown_fusion",
                        format!("unknown fusion `{other}`; use rrf, weighted or dbsf"),
                    ))
                }
            };
        Ok(SearchRequest {
            query,
            k,
            mode,
            fusion,
            explain: self.explain.unwrap_or(false),
        })
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
}

/// The service's routes with their limits and layers.
pub fn router(engine: Arc<Engine>) -> Router {
    Router::new()
        .route("/search", get(search_get).post(search_post))
        .route("/answer", get(answer))
        .route("/concepts/{id}", get(concept))
        .route("/healthz", get(health))
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
        .layer(TraceLayer::new_for_http())
        .with_state(AppState { engine })
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    engine: Arc<Engine>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(engine))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn search_get(
    State(state): State<AppState>,
    params: Result<Query<SearchQueryString>, QueryRejection>,
) -> Response {
    let request = params
        .map_err(|e| ApiError::bad("invalid_query_string", e.body_text()))
        .and_then(|Query(p)| p.into_body())
        .and_then(SearchBody::validate);
    run_search(state, request).await
}

async fn search_post(
    State(state): State<AppState>,
    body: Result<Json<SearchBody>, JsonRejection>,
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
        .and_then(|Json(b)| b.validate());
    run_search(state, request).await
}

async fn run_search(state: AppState, request: Result<SearchRequest, ApiError>) -> Response {
    let request = match request {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let engine = state.engine.clone();
    blocking("search", move || engine.search(&request)).await
}

/// Runs engine work (embedding, ranking: CPU, not I/O) off the async workers and turns its
/// result into JSON, or into a 500 whose message names `what` failed.
async fn blocking<T: Serialize + Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T, crate::engine::EngineError> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Json(value).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "{what} failed");
            internal(e.to_string())
        }
        Err(e) => {
            tracing::error!(error = %e, "{what} task failed");
            internal(format!("the {what} task failed"))
        }
    }
}

/// The answer alone: the object `/search` carries as `answer`, or `null` when the question
/// is not of a kind answered from the concept graph.
async fn answer(
    State(state): State<AppState>,
    params: Result<Query<AnswerQuery>, QueryRejection>,
) -> Response {
    let parsed = params
        .map_err(|e| ApiError::bad("invalid_query_string", e.body_text()))
        .and_then(|Query(p)| Ok((valid_query(p.q)?, parse_explain(p.explain.as_deref())?)));
    let (question, explain) = match parsed {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let engine = state.engine.clone();
    blocking("answer", move || {
        engine.answer(&question, explain.unwrap_or(false))
    })
    .await
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
#[derive(Serialize)]
struct PageView<'a> {
    #[serde(flatten)]
    page: &'a Page,
    /// Is-a ancestry from the root down to the page itself.
    ancestry: Vec<String>,
    /// Pages whose parents include this one.
    children: Vec<&'a str>,
    /// Pages whose relations point at this one, by relation.
    referenced_by: BTreeMap<&'static str, Vec<&'a str>>,
}

async fn concept(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let pages = state.engine.pages();
    let Some(page) = pages.get(&id) else {
        return ApiError {
            status: StatusCode::NOT_FOUND,
            code: "unknown_concept",
            message: format!("no page with id `{id}`"),
        }
        .into_response();
    };
    let children = pages
        .pages()
        .iter()
        .filter(|p| p.parents.iter().any(|x| x == &id))
        .map(|p| p.id.as_str())
        .collect();
    let mut referenced_by: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    for p in pages.pages() {
        for (relation, targets) in &p.relations {
            if targets.iter().any(|t| t == &id) {
                referenced_by
                    .entry(Relation::as_str(*relation))
                    .or_default()
                    .push(p.id.as_str());
            }
        }
    }
    Json(PageView {
        page,
        ancestry: pages.graph().breadcrumbs(&id),
        children,
        referenced_by,
    })
    .into_response()
}

#[derive(Serialize)]
struct Health<'a> {
    status: &'a str,
    generation: &'a str,
    pages: usize,
    chunks: usize,
    model: &'a str,
}

async fn health(State(state): State<AppState>) -> Response {
    let m = state.engine.manifest();
    Json(Health {
        status: "ok",
        generation: &m.generation,
        pages: m.pages,
        chunks: m.chunks,
        model: &m.model.id,
    })
    .into_response()
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
