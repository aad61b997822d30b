//! The API described: an OpenAPI 3.1 document generated from the handlers' annotations and the
//! response types' schemas (utoipa), served at `/openapi.json`, and the one table of error
//! codes. The test `tests/it/openapi.rs` holds the document to the router (the same routes)
//! and to real responses (each validates against its schema).

use utoipa::openapi::schema::{Object, Schema, Type};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi};

use super::*;

/// Every error code the API answers with, its HTTP status, and when. Request codes come from
/// [`crate::request::RequestError::code`], engine codes from
/// [`crate::engine::EngineError::caller_code`]; the rest are the HTTP layer's own.
pub const ERROR_CODES: &[(&str, u16, &str)] = &[
    ("missing_query", 400, "`q` is absent"),
    ("empty_query", 400, "`q` is only spaces"),
    ("query_too_long", 400, "`q` is longer than the limit"),
    ("invalid_k", 400, "`k` is not a number"),
    ("invalid_offset", 400, "`offset` is not a number"),
    ("invalid_ratio", 400, "`ratio` is not a number"),
    ("invalid_rrf_k", 400, "`rrf_k` is not a number"),
    ("invalid_explain", 400, "`explain` is not true or false"),
    ("invalid_typos", 400, "`typos` is not true or false"),
    ("invalid_prefix", 400, "`prefix` is not true or false"),
    ("k_out_of_range", 400, "`k` is not from 1 to 100"),
    ("offset_out_of_range", 400, "`offset` is not from 0 to 1000"),
    (
        "unknown_mode",
        400,
        "`mode` is not keyword, semantic or hybrid",
    ),
    ("unknown_kind", 400, "`kind` is not concept or comparison"),
    (
        "unknown_fusion",
        400,
        "`fusion` is not weighted, rrf or dbsf",
    ),
    ("ratio_out_of_range", 400, "`ratio` is not from 0 to 1"),
    (
        "rrf_k_out_of_range",
        400,
        "`rrf_k` is not above 0 and at most the limit",
    ),
    (
        "conflicting_fusion",
        400,
        "a fusion constant that does not belong to the fusion named",
    ),
    (
        "invalid_filter",
        400,
        "`filter` is not `field:value,…` or an object of strings",
    ),
    (
        "unknown_filter_field",
        400,
        "`filter` names a field no page has",
    ),
    ("empty_under", 400, "`under` is empty"),
    (
        "vector_wrong_length",
        400,
        "`vector` does not have the model's dimensions",
    ),
    (
        "invalid_vector",
        400,
        "`vector` holds a number that is not a finite 32-bit float, or has length 0",
    ),
    (
        "vector_not_served",
        400,
        "`vector` given to an index without a semantic leg",
    ),
    ("unknown_under", 400, "`under` names no page"),
    (
        "invalid_query_string",
        400,
        "the query string does not parse (repeated or unknown field)",
    ),
    (
        "malformed_json",
        400,
        "the body is not the JSON object described",
    ),
    (
        "invalid_field",
        422,
        "a body field has the wrong type or is unknown",
    ),
    ("body_too_large", 413, "the body is larger than 16 KiB"),
    (
        "unsupported_media_type",
        415,
        "the body is not `application/json`",
    ),
    ("unknown_concept", 404, "no page has that id"),
    ("not_found", 404, "no such route"),
    (
        "method_not_allowed",
        405,
        "the route does not take that method",
    ),
    ("invalid_days", 400, "`days` is not a number"),
    ("days_out_of_range", 400, "`days` is not from 1 to 365"),
    (
        "unauthorized",
        401,
        "the admin key (owner's routes) or the search key (read routes, when one is configured) is missing or wrong",
    ),
    (
        "admin_disabled",
        403,
        "the route needs an admin key and none is configured",
    ),
    ("invalid_wait", 400, "`wait` is not true or false"),
    (
        "malformed_page",
        400,
        "a pushed page is not UTF-8 text, or a batch entry is not a page",
    ),
    (
        "too_many_pages",
        400,
        "a batch has no pages or more than the limit",
    ),
    (
        "invalid_page",
        422,
        "a pushed page has problems (each with file and line); nothing was written",
    ),
    ("unknown_page", 404, "the page to remove does not exist"),
    ("invalid_task", 400, "a task id is not a number"),
    (
        "unknown_task",
        404,
        "no task with that id since the server started",
    ),
    (
        "write_queue_full",
        503,
        "too many writes wait to be indexed; retry after `Retry-After` seconds",
    ),
    (
        "writes_unavailable",
        503,
        "this server does not take writes",
    ),
    ("not_ready", 503, "the model does not answer (`/readyz`)"),
    (
        "overloaded",
        503,
        "all engine slots are busy; retry after `Retry-After` seconds",
    ),
    (
        "timeout",
        503,
        "the search took longer than the request timeout",
    ),
    (
        "internal",
        500,
        "the service failed; the message says where",
    ),
];

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "landscape",
        description = "Hybrid (BM25 + vector) search over a corpus of pages, with direct answers from their concept graph. Every error is `{\"error\": {\"code\", \"message\"}}`; the codes are listed in the `ErrorDetail` schema."
    ),
    paths(
        search_get,
        search_post,
        answer,
        concept_list,
        concept,
        health,
        ready,
        metrics_text,
        analytics_queries,
        pages::put_page,
        pages::delete_page,
        pages::post_pages,
        pages::task,
        openapi_json,
        web::index,
        concept_view,
        web::app_css,
        web::app_js,
        web::widget_js,
    ),
    modifiers(&ErrorCodes, &AdminKey)
)]
pub struct ApiDoc;

/// Lists [`ERROR_CODES`] as the values of `ErrorDetail.code`.
struct ErrorCodes;

impl Modify for ErrorCodes {
    fn modify(&self, doc: &mut Document) {
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        let Some(RefOr::T(Schema::Object(detail))) = components.schemas.get_mut("ErrorDetail")
        else {
            return;
        };
        let codes: Vec<&str> = ERROR_CODES.iter().map(|(code, _, _)| *code).collect();
        let mut code = Object::with_type(Type::String);
        code.enum_values = Some(codes.into_iter().map(Into::into).collect());
        code.description = Some(
            ERROR_CODES
                .iter()
                .map(|(c, status, when)| format!("`{c}` ({status}): {when}"))
                .collect::<Vec<_>>()
                .join("; "),
        );
        detail.properties.insert("code".into(), code.into());
    }
}

/// The admin key and the search key, as bearer tokens.
struct AdminKey;

impl Modify for AdminKey {
    fn modify(&self, doc: &mut Document) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The secret of the site's owner (`--admin-key`): opens the owner's routes, and the read routes too.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "search_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Only when the server is started with `--search-key`: then search, answer and the page routes need it (or the admin key); otherwise they are public. Public but revocable: the page at `/` and the widget tag carry it.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as served.
pub fn document() -> Document {
    ApiDoc::openapi()
}
