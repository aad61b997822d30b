//! The write routes: `PUT /pages/{id}`, `DELETE /pages/{id}`, `POST /pages` (a batch) and
//! `GET /tasks/{id}`. Admin key required; without one configured they are disabled (403).
//!
//! A write is validated against the pages as they will be (422 with `file:line: problem` for
//! each problem, and nothing changes), made durable, and acknowledged with a task (202); with
//! `?wait=true` the reply waits until the write is searchable (or failed), up to
//! [`WAIT_AT_MOST`].

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{auth, query_string_rejected, ApiError, AppState, ErrorBody};
use crate::corpus::{Change, Problem, Profile};
use crate::update::{Task, WriteError, Writer};

/// A response refusing the request, boxed (responses are large).
type Refusal = Box<Response>;

/// Largest page accepted by `PUT /pages/{id}`, in bytes.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;
/// Largest batch accepted by `POST /pages`, in bytes and in pages (written and removed).
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_BATCH_PAGES: usize = 1_000;
/// How long `?wait=true` waits for a write to become searchable.
pub const WAIT_AT_MOST: Duration = Duration::from_secs(60);

/// `?wait=true`: reply when the write is searchable.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct WriteQuery {
    /// Wait until the write is searchable (or failed) before replying: `true` or `false`
    /// (also `1`, `0`, and empty for true, as `?wait` alone).
    #[param(value_type = Option<String>, pattern = "^(true|false|1|0|)$")]
    wait: Option<String>,
}

/// A page as JSON: the front matter's fields, and the Markdown `body`; or the whole source
/// as `markdown`.
pub(super) type PageJson = serde_json::Map<String, serde_json::Value>;

/// `POST /pages`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Batch {
    /// Pages to write: each with its `id`, and either `markdown` (the whole source, front
    /// matter included) or the front matter's fields with the Markdown `body`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pages: Vec<PageJson>,
    /// Ids of pages to remove.
    #[serde(default)]
    delete: Vec<String>,
}

/// One problem of a refused page.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ProblemView {
    file: String,
    line: usize,
    message: String,
}

/// The 422 body: the error, and each problem with its file and line.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct InvalidPages {
    error: InvalidDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
struct InvalidDetail {
    /// Always `invalid_page`.
    code: &'static str,
    message: String,
    problems: Vec<ProblemView>,
}

fn refused(e: WriteError) -> Response {
    let (status, code) = match &e {
        WriteError::Invalid(problems) => return invalid(problems),
        WriteError::UnknownPage(_) => (StatusCode::NOT_FOUND, "unknown_page"),
        WriteError::QueueFull => return super::unavailable("write_queue_full", e.to_string()),
        WriteError::Stopped => return super::unavailable("writes_unavailable", e.to_string()),
        WriteError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    ApiError {
        status,
        code,
        message: e.to_string(),
    }
    .into_response()
}

fn invalid(problems: &[Problem]) -> Response {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    let body = InvalidPages {
        error: InvalidDetail {
            code: "invalid_page",
            message: format!("the page was not written: {}", lines.join("; ")),
            problems: problems
                .iter()
                .map(|p| ProblemView {
                    file: p.file.display().to_string(),
                    line: p.line,
                    message: p.message.clone(),
                })
                .collect(),
        },
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// The writer, once the key is checked; or the response that refuses the request.
fn writer(state: &AppState, headers: &HeaderMap) -> Result<Arc<Writer>, Refusal> {
    auth::require_admin(state.admin_key.as_deref(), headers)?;
    state.writer.clone().ok_or_else(|| {
        Box::new(super::unavailable(
            "writes_unavailable",
            "this server does not take writes (it serves an index it cannot write to)".into(),
        ))
    })
}

/// The writer and whether the caller waits, for a write the key admits.
fn admit(
    state: &AppState,
    headers: &HeaderMap,
    query: Result<Query<WriteQuery>, QueryRejection>,
) -> Result<(Arc<Writer>, bool), Refusal> {
    Ok((writer(state, headers)?, wants_wait(query)?))
}

fn wants_wait(query: Result<Query<WriteQuery>, QueryRejection>) -> Result<bool, Refusal> {
    let Query(q) = query.map_err(|e| Box::new(query_string_rejected(e).into_response()))?;
    match q.wait.as_deref() {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") | Some("") => Ok(true),
        Some(_) => Err(Box::new(
            ApiError::bad("invalid_wait", "wait must be true or false").into_response(),
        )),
    }
}

fn body_rejected(e: BytesRejection, limit: usize) -> Response {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "body_too_large",
            message: format!("the body is larger than {limit} bytes"),
        }
        .into_response()
    } else {
        ApiError::bad("malformed_page", e.body_text()).into_response()
    }
}

/// The source of page `id` from a JSON object: its `markdown`, or its fields written as front
/// matter (one `field: <JSON>` line each: JSON values are YAML) above its `body`.
pub fn source_from_json(id: &str, page: &PageJson, profile: Profile) -> Result<String, String> {
    if let Some(markdown) = page.get("markdown") {
        if page.keys().any(|k| k != "markdown" && k != "id") {
            return Err(format!(
                "page `{id}`: `markdown` is the whole source; send the other fields inside it"
            ));
        }
        return markdown
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("page `{id}`: `markdown` must be a string"));
    }
    let body = match page.get("body") {
        None => "",
        Some(serde_json::Value::String(b)) => b.as_str(),
        Some(_) => return Err(format!("page `{id}`: `body` must be a string")),
    };
    let mut front = String::from("---\n");
    if profile == Profile::Concepts && !page.contains_key("id") {
        front.push_str(&format!("id: {}\n", serde_json::Value::from(id)));
    }
    for (field, value) in page.iter().filter(|(k, _)| *k != "body") {
        if field.is_empty()
            || !field
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "page `{id}`: `{field}` is not a front matter field name"
            ));
        }
        front.push_str(&format!("{field}: {value}\n"));
    }
    front.push_str("---\n");
    Ok(front + body)
}

/// A page's source from a `PUT` body: Markdown as sent, or a JSON object.
fn source_of(
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
    profile: Profile,
) -> Result<String, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().starts_with("application/json"));
    if json {
        let page: PageJson = serde_json::from_slice(body).map_err(|e| {
            ApiError::bad(
                "malformed_json",
                format!("the body is not a JSON object: {e}"),
            )
        })?;
        return source_from_json(id, &page, profile)
            .map_err(|m| ApiError::bad("malformed_page", m));
    }
    String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::bad("malformed_page", "the page is not UTF-8 text"))
}

/// Accepts `changes` off the async workers, then replies with the task (202), or with the
/// finished task (200) when the caller waits.
async fn submit(writer: Arc<Writer>, changes: Vec<Change>, wait: bool) -> Response {
    let accepting = writer.clone();
    let task = match tokio::task::spawn_blocking(move || accepting.accept(changes)).await {
        Ok(Ok(task)) => task,
        Ok(Err(e)) => return refused(e),
        Err(e) => return super::internal(format!("the write task failed: {e}")),
    };
    if !wait {
        return (StatusCode::ACCEPTED, Json(task)).into_response();
    }
    match writer.tasks().wait(task.task, WAIT_AT_MOST).await {
        Some(done) if done.is_finished() => Json(done).into_response(),
        Some(pending) => (StatusCode::ACCEPTED, Json(pending)).into_response(),
        None => (StatusCode::ACCEPTED, Json(task)).into_response(),
    }
}

#[utoipa::path(
    put,
    path = "/pages/{id}",
    tag = "owner",
    summary = "Write a page (Markdown with front matter, or JSON with the same fields and `body`) (admin key)",
    params(("id" = String, Path, description = "Page id"), WriteQuery),
    request_body(content = String, content_type = "text/markdown", description = "The page in the corpus format; or `application/json`: the front matter's fields and `body`"),
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "With `wait=true`: the write is searchable (or failed)", body = Task),
        (status = 202, description = "Durable and queued", body = Task),
        (status = 400, description = "`malformed_page`, `malformed_json`, `invalid_wait`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`admin_disabled`", body = ErrorBody),
        (status = 413, description = "The page is larger than 1 MiB", body = ErrorBody),
        (status = 422, description = "`invalid_page`: each problem with file and line", body = InvalidPages),
        (status = 500, body = ErrorBody),
        (status = 503, description = "`write_queue_full` or `writes_unavailable`", body = ErrorBody),
    )
)]
pub(super) async fn put_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<WriteQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (writer, wait) = match admit(&state, &headers, query) {
        Ok(admitted) => admitted,
        Err(r) => return *r,
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => return body_rejected(e, MAX_PAGE_BYTES),
    };
    let source = match source_of(&id, &headers, &body, writer.profile()) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    submit(
        writer,
        vec![Change {
            id,
            source: Some(source),
        }],
        wait,
    )
    .await
}

#[utoipa::path(
    delete,
    path = "/pages/{id}",
    tag = "owner",
    summary = "Remove a page (admin key)",
    params(("id" = String, Path, description = "Page id"), WriteQuery),
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "With `wait=true`: the removal is searchable (or failed)", body = Task),
        (status = 202, description = "Durable and queued", body = Task),
        (status = 400, description = "`invalid_wait`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`admin_disabled`", body = ErrorBody),
        (status = 404, description = "`unknown_page`", body = ErrorBody),
        (status = 422, description = "`invalid_page`: other pages name this one", body = InvalidPages),
        (status = 500, body = ErrorBody),
        (status = 503, description = "`write_queue_full` or `writes_unavailable`", body = ErrorBody),
    )
)]
pub(super) async fn delete_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<WriteQuery>, QueryRejection>,
) -> Response {
    let (writer, wait) = match admit(&state, &headers, query) {
        Ok(admitted) => admitted,
        Err(r) => return *r,
    };
    submit(writer, vec![Change { id, source: None }], wait).await
}

#[utoipa::path(
    post,
    path = "/pages",
    tag = "owner",
    summary = "Write and remove pages in one batch, all or nothing (admin key)",
    params(WriteQuery),
    request_body = Batch,
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "With `wait=true`: the batch is searchable (or failed)", body = Task),
        (status = 202, description = "Durable and queued", body = Task),
        (status = 400, description = "`malformed_json`, `malformed_page`, `too_many_pages`, `invalid_wait`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`admin_disabled`", body = ErrorBody),
        (status = 404, description = "`unknown_page`", body = ErrorBody),
        (status = 413, description = "The body is larger than 16 MiB", body = ErrorBody),
        (status = 422, description = "`invalid_page`: each problem with file and line", body = InvalidPages),
        (status = 500, body = ErrorBody),
        (status = 503, description = "`write_queue_full` or `writes_unavailable`", body = ErrorBody),
    )
)]
pub(super) async fn post_pages(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<WriteQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (writer, wait) = match admit(&state, &headers, query) {
        Ok(admitted) => admitted,
        Err(r) => return *r,
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => return body_rejected(e, MAX_BATCH_BYTES),
    };
    let batch: Batch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return ApiError::bad("malformed_json", format!("the body is not a batch: {e}"))
                .into_response()
        }
    };
    match changes_of(batch, writer.profile()) {
        Ok(changes) => submit(writer, changes, wait).await,
        Err(e) => e.into_response(),
    }
}

/// A batch's changes, each page once.
fn changes_of(batch: Batch, profile: Profile) -> Result<Vec<Change>, ApiError> {
    let count = batch.pages.len() + batch.delete.len();
    if count == 0 || count > MAX_BATCH_PAGES {
        return Err(ApiError::bad(
            "too_many_pages",
            format!("a batch has {count} pages; it must have from 1 to {MAX_BATCH_PAGES}"),
        ));
    }
    let mut changes = Vec::with_capacity(count);
    let mut seen = std::collections::HashSet::new();
    for page in &batch.pages {
        let Some(id) = page.get("id").and_then(|v| v.as_str()) else {
            return Err(ApiError::bad(
                "malformed_page",
                "each page needs a string `id`",
            ));
        };
        let source =
            source_from_json(id, page, profile).map_err(|m| ApiError::bad("malformed_page", m))?;
        changes.push(Change {
            id: id.to_string(),
            source: Some(source),
        });
    }
    changes.extend(
        batch
            .delete
            .into_iter()
            .map(|id| Change { id, source: None }),
    );
    for change in &changes {
        if !seen.insert(change.id.clone()) {
            return Err(ApiError::bad(
                "malformed_page",
                format!("page `{}` is in the batch twice", change.id),
            ));
        }
    }
    Ok(changes)
}

#[utoipa::path(
    get,
    path = "/tasks/{id}",
    tag = "owner",
    summary = "What became of a write (admin key)",
    params(("id" = u64, Path, description = "Task id, from the write's reply")),
    security(("admin_key" = [])),
    responses(
        (status = 200, body = Task),
        (status = 400, description = "`invalid_task`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`admin_disabled`", body = ErrorBody),
        (status = 404, description = "`unknown_task`: not a task of this server since it started", body = ErrorBody),
        (status = 503, description = "`writes_unavailable`", body = ErrorBody),
    )
)]
pub(super) async fn task(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let writer = match writer(&state, &headers) {
        Ok(w) => w,
        Err(r) => return *r,
    };
    let Ok(id) = id.trim().parse::<u64>() else {
        return ApiError::bad("invalid_task", "a task id is a number").into_response();
    };
    match writer.tasks().get(id) {
        Some(task) => Json(task).into_response(),
        None => ApiError {
            status: StatusCode::NOT_FOUND,
            code: "unknown_task",
            message: format!("no task {id} since this server started"),
        }
        .into_response(),
    }
}
