//! The three front ends (HTTP API, `landscape search`, `landscape eval --modes`) refuse the
//! same bad requests with the same message, because they share one validator
//! (`landscape::request`). The router is driven in process (`tower::ServiceExt::oneshot`) over an
//! engine assembled with `Engine::from_parts`, the seam another backend would use.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use landscape::embed::Embed;
use landscape::engine::{Engine, EngineConfig, Parts};
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::common::{model, Site};

/// The zoo, built once, and an engine assembled from its parts (`Engine::from_parts`, the
/// seam another backend would use).
fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<(Site, Arc<Engine>)> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let site = Site::zoo();
            site.build();
            let model = model();
            let config = EngineConfig::default();
            let parts = Parts::embedded(&site.store(), model.identity(), &config).unwrap();
            let engine = Engine::from_parts(parts, model, config);
            (site, Arc::new(engine))
        })
        .1
        .clone()
}

async fn call(request: Request<Body>) -> (StatusCode, Value) {
    crate::common::send_json(&landscape::http::router(engine()), request).await
}

async fn get(uri: &str) -> (StatusCode, Value) {
    call(Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(body: &str, content_type: &str) -> (StatusCode, Value) {
    let request = Request::post("/search")
        .header("content-type", content_type)
        .body(Body::from(body.to_string()))
        .unwrap();
    call(request).await
}

/// One bad request, as fields, and the message every front end must give for it.
struct Bad {
    fields: &'static [(&'static str, &'static str)],
    /// The same mistake in `landscape eval --modes`, where it can be said there.
    eval_modes: Option<&'static str>,
    code: &'static str,
    message: &'static str,
}

const BAD: &[Bad] = &[
    Bad {
        fields: &[("q", "   ")],
        eval_modes: None,
        code: "empty_query",
        message: "q is empty",
    },
    Bad {
        fields: &[("q", "cat"), ("k", "0")],
        eval_modes: None,
        code: "k_out_of_range",
        message: "k is 0; it must be from 1 to 100",
    },
    Bad {
        fields: &[("q", "cat"), ("k", "101")],
        eval_modes: None,
        code: "k_out_of_range",
        message: "k is 101; it must be from 1 to 100",
    },
    Bad {
        fields: &[("q", "cat"), ("k", "ten")],
        eval_modes: None,
        code: "invalid_k",
        message: "k must be a number, got `ten`",
    },
    Bad {
        fields: &[("q", "cat"), ("mode", "fast")],
        eval_modes: None,
        code: "unknown_mode",
        message: "unknown mode `fast`; use keyword, semantic or hybrid",
    },
    Bad {
        fields: &[("q", "cat"), ("fusion", "max")],
        eval_modes: Some("max"),
        code: "unknown_fusion",
        message: "unknown fusion `max`; use rrf, weighted or dbsf",
    },
    Bad {
        fields: &[("q", "cat"), ("ratio", "1.5")],
        eval_modes: Some("weighted:1.5"),
        code: "ratio_out_of_range",
        message: "ratio is 1.5; it must be from 0 to 1",
    },
    Bad {
        fields: &[("q", "cat"), ("rrf_k", "0")],
        eval_modes: Some("rrf:0"),
        code: "rrf_k_out_of_range",
        message: "rrf_k is 0; it must be above 0 and at most 10000",
    },
    Bad {
        fields: &[("q", "cat"), ("rrf_k", "20000")],
        eval_modes: Some("rrf:20000"),
        code: "rrf_k_out_of_range",
        message: "rrf_k is 20000; it must be above 0 and at most 10000",
    },
    Bad {
        fields: &[("q", "cat"), ("rrf_k", "abc")],
        eval_modes: Some("rrf:abc"),
        code: "invalid_rrf_k",
        message: "rrf_k must be a number, got `abc`",
    },
    Bad {
        fields: &[("q", "cat"), ("fusion", "dbsf"), ("ratio", "0.5")],
        eval_modes: Some("dbsf:0.5"),
        code: "conflicting_fusion",
        message: "ratio goes with fusion=weighted and rrf_k with fusion=rrf; dbsf takes neither",
    },
    Bad {
        fields: &[("q", "cat"), ("filter", "tags")],
        eval_modes: None,
        code: "invalid_filter",
        message: "filter: `tags` is not `field:value` (for example `tags:setup`)",
    },
    Bad {
        fields: &[("q", "cat"), ("offset", "1001")],
        eval_modes: None,
        code: "offset_out_of_range",
        message: "offset is 1001; it must be from 0 to 1000",
    },
    Bad {
        fields: &[("q", "cat"), ("offset", "two")],
        eval_modes: None,
        code: "invalid_offset",
        message: "offset must be a number, got `two`",
    },
    Bad {
        fields: &[("q", "cat"), ("kind", "page")],
        eval_modes: None,
        code: "unknown_kind",
        message: "unknown kind `page`; use concept or comparison",
    },
    Bad {
        fields: &[("q", "cat"), ("under", " ")],
        eval_modes: None,
        code: "empty_under",
        message: "under is empty; give a page id",
    },
];

fn query_string(fields: &[(&str, &str)]) -> String {
    let encoded: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "%20")))
        .collect();
    format!("/search?{}", encoded.join("&"))
}

/// The fields as a JSON body, or `None` when a number field holds text (JSON would say that
/// with its own type error, tested below).
fn json_body(fields: &[(&str, &str)]) -> Option<Value> {
    let mut body = serde_json::Map::new();
    for &(name, value) in fields {
        let v = match name {
            "k" | "offset" => json!(value.parse::<i64>().ok()?),
            "ratio" | "rrf_k" => json!(value.parse::<f64>().ok()?),
            _ => json!(value),
        };
        body.insert(name.to_string(), v);
    }
    Some(Value::Object(body))
}

/// `landscape search` with the fields as flags; it refuses before loading the model or index.
fn cli(fields: &[(&str, &str)]) -> std::process::Output {
    let site = Site::new();
    let mut cmd = site.command("search");
    for &(name, value) in fields {
        match name {
            "q" => cmd.arg(value),
            _ => cmd.arg(format!("--{}={value}", name.replace('_', "-"))),
        };
    }
    cmd.output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_front_end_refuses_the_same_requests_with_the_same_message() {
    for bad in BAD {
        let (status, body) = get(&query_string(bad.fields)).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "GET {:?}: {body}",
            bad.fields
        );
        assert_eq!(body["error"]["code"], bad.code, "GET {:?}", bad.fields);
        assert_eq!(
            body["error"]["message"], bad.message,
            "GET {:?}",
            bad.fields
        );

        if let Some(json) = json_body(bad.fields) {
            let (status, body) = post(&json.to_string(), "application/json").await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "POST {json}: {body}");
            assert_eq!(body["error"]["message"], bad.message, "POST {json}");
        }

        let out = cli(bad.fields);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "search {:?}", bad.fields);
        assert!(
            stderr.contains(bad.message),
            "search {:?}: {stderr}",
            bad.fields
        );

        if let Some(modes) = bad.eval_modes {
            let out = Site::new()
                .command("eval")
                .args(["--questions", "unused.jsonl", "--modes", modes])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "eval --modes {modes}");
            assert!(
                stderr.contains(bad.message),
                "eval --modes {modes}: {stderr}"
            );
        }
    }
}

/// The result ids of a JSON search response, best first.
fn ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// Pages of results follow each other: the second never repeats the first, and together they
/// are the first four.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_pages_through_one_ranking() {
    let (_, four) = get("/search?q=pet%20animal&k=4").await;
    let (_, first) = get("/search?q=pet%20animal&k=2").await;
    let (_, second) = get("/search?q=pet%20animal&k=2&offset=2").await;
    assert_eq!(second["offset"], 2);
    let mut both = ids(&first);
    both.extend(ids(&second));
    assert_eq!(both, ids(&four));
    assert_eq!(ids(&four).len(), 4, "{four}");
    let (_, beyond) = get("/search?q=pet%20animal&k=2&offset=1000").await;
    assert!(ids(&beyond).is_empty());
}

/// `kind` and `under` narrow the pages; an `under` that is no page is a 400 naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kind_and_under_narrow_the_pages() {
    let (status, all) = get("/search?q=animal%20with%20fur&k=10").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert!(ids(&all).contains(&"animal".to_string()), "{all}");
    let (_, under) = get("/search?q=animal%20with%20fur&k=10&under=animal").await;
    let mut found = ids(&under);
    found.sort();
    assert_eq!(
        found,
        ["cat", "dog"],
        "only kinds of animal, not animal itself"
    );
    let (_, living) = get("/search?q=animal&k=10&under=living-thing").await;
    let mut found = ids(&living);
    found.sort();
    assert_eq!(
        found,
        ["animal", "cat", "dog"],
        "ancestry, not only parents"
    );
    let body = r#"{"q": "animal", "kind": "comparison"}"#;
    let (status, none) = post(body, "application/json").await;
    assert_eq!(status, StatusCode::OK, "{none}");
    assert!(ids(&none).is_empty(), "the zoo has no comparison pages");
    let (_, concepts) = get("/search?q=animal&kind=concept&under=animal").await;
    assert!(!ids(&concepts).is_empty());
    let (status, err) = get("/search?q=animal&under=unicorn").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["code"], "unknown_under");
    assert_eq!(
        err["error"]["message"],
        "under: no page has the id `unicorn`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_requests_agree_across_get_and_post() {
    let (status, by_get) = get("/search?q=furry%20pet&k=2&fusion=rrf&rrf_k=30").await;
    assert_eq!(status, StatusCode::OK, "{by_get}");
    let body = r#"{"q": "  furry pet ", "k": 2, "fusion": "rrf", "rrf_k": 30}"#;
    let (status, by_post) = post(body, "application/json").await;
    assert_eq!(status, StatusCode::OK, "{by_post}");
    assert_eq!(by_get["results"], by_post["results"]);
    assert_eq!(by_post["query"], "furry pet", "the query is trimmed once");
    assert_eq!(by_post["fusion"], json!({"method": "rrf", "k": 30.0}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_and_routes_get_json_errors() {
    let cases = [
        (post("{", "application/json").await, 400, "malformed_json"),
        (
            post(r#"{"q": "cat", "k": "ten"}"#, "application/json").await,
            422,
            "invalid_field",
        ),
        (
            post(r#"{"q": "cat", "size": 3}"#, "application/json").await,
            422,
            "invalid_field",
        ),
        (
            post("q=cat", "text/plain").await,
            415,
            "unsupported_media_type",
        ),
        (
            post(
                &format!(r#"{{"q": "{}"}}"#, "x".repeat(20_000)),
                "application/json",
            )
            .await,
            413,
            "body_too_large",
        ),
        (get("/nowhere").await, 404, "not_found"),
        (get("/concepts/unicorn").await, 404, "unknown_concept"),
        (
            get("/answer?q=is%20a%20cat%20an%20animal&k=3").await,
            400,
            "invalid_query_string",
        ),
        (get("/answer").await, 400, "missing_query"),
    ];
    for ((status, body), want_status, want_code) in cases {
        assert_eq!(status.as_u16(), want_status, "{body}");
        assert_eq!(body["error"]["code"], want_code, "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    let (status, body) = call(Request::delete("/search").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_show_their_place_in_the_graph_and_answers_link_to_pages() {
    let (status, animal) = get("/concepts/animal").await;
    assert_eq!(status, StatusCode::OK, "{animal}");
    assert_eq!(animal["children"], json!(["cat", "dog"]));
    assert_eq!(animal["ancestry"], json!(["living-thing", "animal"]));

    let (_, answer) = get("/answer?q=what%20is%20a%20kitty").await;
    assert_eq!(answer["kind"], "definition");
    assert_eq!(answer["page"], "cat");
    assert_eq!(answer["link"], "/concepts/cat", "the HTTP layer sets links");
    assert_eq!(answer["concepts"][0]["link"], "/concepts/cat");

    let (_, health) = get("/healthz").await;
    assert_eq!(health["pages"], 5);
    assert_eq!(health["generation"], engine().generation());
}

/// CORS: origins are allowed only when configured; another origin gets no CORS headers, and a
/// malformed origin is refused at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_configured_origins_get_cors_headers() {
    use landscape::http::{router_with, HttpOptions};
    let allowed = "https://docs.example.org";
    let options = HttpOptions::with_cors_origins(&[format!("{allowed}/")]).unwrap();
    let send = |method: &str, origin: &str, options: &HttpOptions| {
        let router = router_with(engine(), options);
        let mut request = Request::builder()
            .method(method)
            .uri("/search?q=cat")
            .header("origin", origin);
        if method == "OPTIONS" {
            request = request
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type");
        }
        let request = request.body(Body::empty()).unwrap();
        async move { router.oneshot(request).await.unwrap() }
    };
    let allow = |r: &axum::response::Response| {
        r.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string())
    };
    let ok = send("GET", allowed, &options).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(allow(&ok).as_deref(), Some(allowed));
    let preflight = send("OPTIONS", allowed, &options).await;
    assert_eq!(allow(&preflight).as_deref(), Some(allowed));
    let methods = preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let other = send("GET", "https://evil.example.com", &options).await;
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "the answer is served, without CORS headers"
    );
    assert_eq!(allow(&other), None);
    let unconfigured = send("GET", allowed, &HttpOptions::default()).await;
    assert_eq!(
        allow(&unconfigured),
        None,
        "no origin is allowed by default"
    );
    for bad in [
        "docs.example.org",
        "https://docs.example.org/path",
        "ftp://x.org",
    ] {
        let err = HttpOptions::with_cors_origins(&[bad.to_string()]).unwrap_err();
        assert!(err.contains("is not an origin"), "{bad}: {err}");
    }
}

/// The concept view: the page's Markdown as HTML (headings carry the index's anchors, so a
/// result's link lands on them), its ancestry and relations as links to other views, and
/// nothing a page could smuggle in as markup.
#[tokio::test]
async fn the_concept_view_renders_the_page_and_links_its_graph() {
    use landscape::http::{router_with, HttpOptions};
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let options = HttpOptions {
        corpus_dir: Some(corpus),
        ..HttpOptions::default()
    };
    let engine = Arc::new(crate::search::builtin().engine());
    let app = router_with(engine.clone(), &options);
    let fetch = |uri: &str| {
        let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
                .await
                .unwrap();
            (status, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    let (status, html) = fetch("/c/gpt-4").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>GPT-4</h1>"), "{html}");
    // The anchors every search result of this page links to exist on it.
    let page = engine.page("gpt-4").unwrap();
    for section in page.sections.iter().filter(|s| s.level > 0) {
        assert!(
            html.contains(&format!("id=\"{}\"", section.anchor)),
            "{}",
            section.anchor
        );
    }
    // Breadcrumbs down to it, and its relations as links.
    assert!(
        html.contains("<a href=\"/c/generative-ai\">"),
        "breadcrumbs"
    );
    assert!(
        html.contains("href=\"/c/transformer\""),
        "uses: transformer"
    );
    assert!(!html.contains("{{"), "every placeholder filled");
    let (status, body) = fetch("/c/unicorn").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("unknown_concept"), "{body}");
}

/// Engine work beyond the configured slots is refused at once with a 503 that says when to
/// retry, not queued; the next request after a slot frees is served.
#[tokio::test]
async fn engine_work_beyond_the_slots_is_shed_with_retry_after() {
    use landscape::http::{router_with, HttpOptions};
    let options = HttpOptions {
        engine_slots: Arc::new(landscape::http::EngineSlots::new(1, 0)),
        ..HttpOptions::default()
    };
    let app = router_with(engine(), &options);
    let send = |uri: &'static str| {
        let app = app.clone();
        async move {
            let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
            app.oneshot(request).await.unwrap()
        }
    };
    let busy = options.engine_slots.try_take().unwrap();
    for uri in ["/search?q=cat", "/answer?q=is+a+cat+an+animal"] {
        let response = send(uri).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert_eq!(response.headers()["retry-after"], "1");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"]["code"], "overloaded", "{body}");
    }
    // Pages and health need no engine slot.
    assert_eq!(send("/healthz").await.status(), StatusCode::OK);
    drop(busy);
    assert_eq!(send("/search?q=cat").await.status(), StatusCode::OK);
}

/// `/metrics` speaks Prometheus: requests by matched route (never the raw path), method and
/// status with latency histograms, searches by mode, query embeddings, what is served.
#[tokio::test]
async fn metrics_count_requests_by_route_and_searches_by_mode() {
    let app = landscape::http::router(engine());
    let send = |uri: String| {
        let app = app.clone();
        async move {
            let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
                .await
                .unwrap();
            (status, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    send("/search?q=a+furry+pet+that+purrs&mode=hybrid".into()).await;
    send("/concepts/cat".into()).await;
    send("/nowhere/at/all".into()).await;
    let (status, text) = send("/metrics".into()).await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "landscape_http_requests_total{route=\"/search\",method=\"GET\",status=\"200\"}",
        "landscape_http_requests_total{route=\"/concepts/{*id}\",method=\"GET\",status=\"200\"}",
        "landscape_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}",
        "landscape_http_request_duration_seconds_bucket{route=\"/search\"",
        "landscape_searches_total{mode=\"hybrid\"}",
        "landscape_query_embedding_seconds_bucket",
        "landscape_pages 5",
        "landscape_generation ",
    ] {
        assert!(text.contains(needle), "{needle} not in:\n{text}");
    }
    assert!(!text.contains("/concepts/cat"), "raw paths are not labels");
}

/// The owner's query analytics: searches are logged without anything that identifies the
/// visitor (half-typed keystroke searches not at all), and the report needs the admin key;
/// with no key configured the route is disabled, not open. A scripted set of searches gives
/// the expected top, no-result and weak lists: weak by similarity for an embedded query about
/// nothing the zoo describes, by word coverage in keyword mode.
#[tokio::test]
async fn query_analytics_need_the_admin_key_and_log_no_visitor() {
    use landscape::analytics::QueryLog;
    use landscape::http::{router_with, HttpOptions};
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("queries.jsonl");
    let options = HttpOptions {
        query_log: Some(Arc::new(QueryLog::new(log_path.clone(), 1 << 20))),
        admin_key: Some(Arc::from("s3cret-key")),
        ..HttpOptions::default()
    };
    let app = router_with(engine(), &options);
    let send = |uri: &str, key: Option<&str>| {
        let mut request = Request::builder()
            .uri(uri)
            .header("x-forwarded-for", "203.0.113.9")
            .header("user-agent", "VisitorBrowser/1.0");
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let app = app.clone();
        let request = request.body(Body::empty()).unwrap();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    for uri in [
        "/search?q=Furry+Pet",
        "/search?q=furry%20%20pet",
        "/search?q=zzzq+qqqz%3F&mode=keyword",
        "/search?q=furr&mode=keyword", // a keystroke: last word open, not logged
        "/search?q=quarterly+tax+filing+deadline",
        "/search?q=Quarterly+Tax+filing+deadline",
        "/search?q=cat+spaceship+rocket+fuel%3F&mode=keyword",
    ] {
        assert_eq!(send(uri, None).await.0, StatusCode::OK, "{uri}");
    }
    let (status, body) = send("/analytics/queries", None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (status, _) = send("/analytics/queries", Some("s3cret-kez")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, report) = send("/analytics/queries?days=7", Some("s3cret-key")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["searches"], 6, "{report}");
    assert_eq!(report["top"][0], json!({"q": "furry pet", "count": 2}));
    assert_eq!(
        report["top"][1],
        json!({"q": "quarterly tax filing deadline", "count": 2})
    );
    assert_eq!(
        report["no_results"],
        json!([{"q": "zzzq qqqz?", "count": 1}])
    );
    let weak: Vec<(&str, u64, &str)> = report["weak"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let (signal, score) = (w["signal"].as_str().unwrap(), w["score"].as_f64().unwrap());
            let threshold = match signal {
                "similarity" => landscape::analytics::WEAK_SIMILARITY,
                _ => landscape::analytics::WEAK_COVERAGE,
            };
            assert!(score < f64::from(threshold), "{w}");
            (
                w["q"].as_str().unwrap(),
                w["count"].as_u64().unwrap(),
                signal,
            )
        })
        .collect();
    assert_eq!(
        weak,
        [
            ("quarterly tax filing deadline", 2, "similarity"),
            ("cat spaceship rocket fuel?", 1, "coverage"),
        ],
        "{report}"
    );
    let (status, body) = send("/analytics/queries?days=0", Some("s3cret-key")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("days_out_of_range"))
    );
    // The log: only what the report needs.
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(!logged.contains("203.0.113.9") && !logged.contains("VisitorBrowser"));
    for line in logged.lines() {
        let entry: Value = serde_json::from_str(line).unwrap();
        let mut keys: Vec<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert!(
            keys.iter().all(|k| [
                "coverage",
                "mode",
                "q",
                "results",
                "score",
                "similarity",
                "t",
                "top"
            ]
            .contains(k)),
            "{keys:?}"
        );
    }
    // No admin key configured: disabled, whatever is sent.
    let open = router_with(engine(), &HttpOptions::default());
    let request = Request::builder()
        .uri("/analytics/queries")
        .header("authorization", "Bearer ")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        open.oneshot(request).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

/// A search key, when configured, guards the JSON API's read routes (the admin key also opens
/// them), while health, metrics, the description and the pages for people stay open, and the
/// page at `/` (and every concept view, which carries the search form) is given the key for
/// its script. Without a search key, searching is public.
#[tokio::test]
async fn a_search_key_guards_the_read_routes_and_the_page_carries_it() {
    use landscape::http::{router_with, HttpOptions};
    let keyed = HttpOptions {
        search_key: Some(Arc::from("public-search-key-1")),
        admin_key: Some(Arc::from("owner-secret-key-1")),
        ..HttpOptions::default()
    };
    let open = HttpOptions::default();
    let send = |options: &HttpOptions, method: &str, uri: &str, key: Option<&str>| {
        let app = router_with(engine(), options);
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let request = match method {
            "POST" => request
                .header("content-type", "application/json")
                .body(Body::from(r#"{"q": "a furry pet"}"#)),
            _ => request.body(Body::empty()),
        }
        .unwrap();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let challenge = response.headers().get("www-authenticate").cloned();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (
                status,
                challenge,
                String::from_utf8_lossy(&bytes).to_string(),
            )
        }
    };
    for (method, uri) in [
        ("GET", "/search?q=a+furry+pet"),
        ("POST", "/search"),
        ("GET", "/answer?q=is+a+cat+an+animal"),
        ("GET", "/concepts"),
        ("GET", "/concepts/cat"),
    ] {
        for key in [None, Some("public-search-key-2"), Some("")] {
            let (status, challenge, body) = send(&keyed, method, uri, key).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri} {key:?}");
            assert_eq!(
                challenge.as_ref().map(|h| h.to_str().unwrap()),
                Some("Bearer")
            );
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["error"]["code"], "unauthorized", "{body}");
            assert!(!body.to_string().contains("public-search-key-1"));
        }
        for key in [Some("public-search-key-1"), Some("owner-secret-key-1")] {
            let (status, _, body) = send(&keyed, method, uri, key).await;
            assert_eq!(status, StatusCode::OK, "{method} {uri} {key:?}: {body}");
        }
        let (status, _, body) = send(&open, method, uri, None).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "public without a search key: {body}"
        );
    }
    // The search key opens nothing of the owner's.
    let (status, _, _) = send(
        &keyed,
        "GET",
        "/analytics/queries",
        Some("public-search-key-1"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for uri in [
        "/healthz",
        "/metrics",
        "/openapi.json",
        "/widget.js",
        "/assets/app.js",
    ] {
        let (status, _, _) = send(&keyed, "GET", uri, None).await;
        assert_eq!(status, StatusCode::OK, "{uri} stays open");
    }
    let meta = r#"<meta name="landscape-search-key" content="public-search-key-1">"#;
    for uri in ["/", "/c/cat"] {
        let (status, _, page) = send(&keyed, "GET", uri, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(page.contains(meta), "{uri} carries the search key");
        assert!(!page.contains("owner-secret-key-1"));
        let (_, _, page) = send(&open, "GET", uri, None).await;
        assert!(
            !page.contains("landscape-search-key"),
            "{uri} without a key"
        );
    }
}
