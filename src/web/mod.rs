//! The search page, the concept view and the widget: hand-written HTML, CSS and JavaScript
//! (in `assets/`), compiled into the binary so that a site owner runs one file and a visitor's
//! browser fetches nothing from anywhere else.
//!
//! The page and the widget speak the JSON API like any other client. While the visitor types
//! they ask for keyword results only (cheap: no embedding) and the full hybrid search once the
//! typing pauses; `QUICK_MS` and `PAUSE_MS` at the top of `assets/app.js` and
//! `assets/widget.js` set the rhythm, and `scripts/typing-load.py` replays it
//! (BENCHMARKS.md, "As you type").

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

pub mod render;

const INDEX_TEMPLATE: &str = include_str!("assets/index.html");
const CONCEPT_TEMPLATE: &str = include_str!("assets/concept.html");
/// The search form both pages open with (`{{search}}` in their templates).
const SEARCH_FORM: &str = include_str!("assets/search-form.html");

/// The search page, its form in place.
pub static INDEX_HTML: LazyLock<String> =
    LazyLock::new(|| INDEX_TEMPLATE.replace("{{search}}", SEARCH_FORM));
/// The concept view's template, its form in place; [`render::concept_page`] fills the rest.
pub static CONCEPT_HTML: LazyLock<String> =
    LazyLock::new(|| CONCEPT_TEMPLATE.replace("{{search}}", SEARCH_FORM));
pub const APP_CSS: &str = include_str!("assets/app.css");
pub const APP_JS: &str = include_str!("assets/app.js");
pub const WIDGET_JS: &str = include_str!("assets/widget.js");

/// Assets change only with the binary; an hour of caching spares repeat visits a request and
/// a new release still reaches everyone the same day.
const CACHE: &str = "public, max-age=3600";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, CACHE),
        ],
        body,
    )
        .into_response()
}

/// `GET /`: the search page. It reads its state (q, mode, kind, under) from the address.
#[utoipa::path(
    get,
    path = "/",
    tag = "web",
    summary = "The search page",
    responses((status = 200, content_type = "text/html", body = String))
)]
pub async fn index(
    axum::extract::State(state): axum::extract::State<crate::http::AppState>,
) -> Html<String> {
    Html(with_search_key(&INDEX_HTML, state.search_key.as_deref()).into_owned())
}

/// A page with the server's search key in a `<meta name="landscape-search-key">` for its
/// script to send: the key is public by design (`http::auth`), and the page must keep working
/// when one is configured. Unchanged without a key.
pub fn with_search_key<'a>(html: &'a str, key: Option<&str>) -> std::borrow::Cow<'a, str> {
    let Some(key) = key else {
        return html.into();
    };
    let escaped: String = key
        .chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            c => c.to_string(),
        })
        .collect();
    let meta = format!("<meta name=\"landscape-search-key\" content=\"{escaped}\">\n</head>");
    html.replacen("</head>", &meta, 1).into()
}

/// `GET /assets/app.css`.
#[utoipa::path(
    get,
    path = "/assets/app.css",
    tag = "web",
    summary = "The page's styles",
    responses((status = 200, content_type = "text/css", body = String))
)]
pub async fn app_css() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

/// `GET /assets/app.js`.
#[utoipa::path(
    get,
    path = "/assets/app.js",
    tag = "web",
    summary = "The page's script",
    responses((status = 200, content_type = "text/javascript", body = String))
)]
pub async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// `GET /widget.js`: fetched cross-origin by other sites' pages, which is why the route is
/// open to every origin (a script tag needs no CORS; the widget's searches do).
#[utoipa::path(
    get,
    path = "/widget.js",
    tag = "web",
    summary = "The one-tag search widget for other sites",
    responses((status = 200, content_type = "text/javascript", body = String))
)]
pub async fn widget_js() -> Response {
    asset("text/javascript; charset=utf-8", WIDGET_JS)
}
