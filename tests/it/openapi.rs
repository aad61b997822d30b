//! The API's description against the API: `/openapi.json` lists exactly the routes the
//! router serves, and real responses (answers, pages, errors) validate against the schemas the
//! document gives them.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{json, Value};

use landscape::http::{openapi, served_routes};

use crate::search::builtin;

/// Sends one request through the router (no socket: axum's `oneshot`).
async fn send(app: &axum::Router, method: Method, uri: &str, body: Option<Value>) -> (u16, Value) {
    // The owner's routes answer to the test key (see `app`).
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {TEST_KEY}"));
    let body = match body {
        Some(b) => {
            request = request.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let (status, json) = crate::common::send_json(app, request.body(body).unwrap()).await;
    (status.as_u16(), json)
}

const TEST_KEY: &str = "openapi-test-key";

/// The router over the built-in corpus, with an admin key and a query log, so that every
/// route, the owner's included, can answer.
fn app() -> axum::Router {
    let log = std::env::temp_dir().join(format!("landscape-openapi-{}.jsonl", std::process::id()));
    let options = landscape::http::HttpOptions {
        admin_key: Some(Arc::from(TEST_KEY)),
        query_log: Some(Arc::new(landscape::analytics::QueryLog::new(log, 1 << 20))),
        ..Default::default()
    };
    landscape::http::router_with(Arc::new(builtin().engine()), &options)
}

pub(crate) fn document() -> Value {
    serde_json::to_value(openapi::document()).unwrap()
}

/// A concrete request path for a documented path (`{id}` filled in).
fn concrete(path: &str) -> String {
    path.replace("{id}", "gpt-4")
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_served() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
                .map(move |m| (path.clone(), m.to_uppercase()))
        })
        .collect();
    let served: BTreeSet<(String, String)> = served_routes()
        .into_iter()
        .map(|(path, method)| (path, method.to_string()))
        .collect();
    assert_eq!(documented, served);

    // And each is really answered by the router: no `not_found`, no `method_not_allowed`.
    let app = app();
    for (path, method) in &served {
        let uri = match path.as_str() {
            "/search" | "/answer" if method == "GET" => format!("{path}?q=gpt-4"),
            p => concrete(p),
        };
        let body = (method == "POST").then(|| json!({"q": "gpt-4"}));
        let (status, value) = send(&app, method.parse().unwrap(), &uri, body).await;
        if path.starts_with("/pages") || path.starts_with("/tasks") {
            // This router has no writer (tests/it/writes.rs has one): a documented refusal.
            let documented = &doc["paths"][path][method.to_lowercase()]["responses"];
            assert!(
                documented.get(status.to_string()).is_some()
                    && !["not_found", "method_not_allowed"]
                        .contains(&value["error"]["code"].as_str().unwrap_or("")),
                "{method} {uri}: {status} {value}"
            );
            continue;
        }
        assert_eq!(status, 200, "{method} {uri}: {value}");
    }
    let (_, served_doc) = send(&app, Method::GET, "/openapi.json", None).await;
    assert_eq!(served_doc, doc);
}

/// The schema the document gives the JSON response of `method path` with `status`, as a
/// standalone JSON Schema (the components travel along, so `$ref`s resolve).
fn response_schema(doc: &Value, path: &str, method: &str, status: u16) -> Value {
    let schema = &doc["paths"][path][method]["responses"][status.to_string()]["content"]
        ["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} {status} has no JSON schema"
    );
    json!({"allOf": [schema], "components": doc["components"]})
}

fn schema_errors(doc: &Value, path: &str, method: &str, status: u16, body: &Value) -> Vec<String> {
    let schema = response_schema(doc, path, method, status);
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

pub(crate) fn assert_valid(doc: &Value, path: &str, method: &str, status: u16, body: &Value) {
    let errors = schema_errors(doc, path, method, status, body);
    assert!(errors.is_empty(), "{method} {path} {status}: {errors:#?}");
}

/// The schemas do constrain: a response missing a required field, with a field of the wrong
/// type, or with an undocumented error code fails.
#[tokio::test]
async fn the_schemas_refuse_what_the_api_never_sends() {
    let doc = document();
    let app = app();
    let (_, mut body) = send(&app, Method::GET, "/search?q=is+gpt4+generative+ai", None).await;
    assert_valid(&doc, "/search", "get", 200, &body);
    body["results"][0]["score"] = json!("high");
    assert!(!schema_errors(&doc, "/search", "get", 200, &body).is_empty());
    body.as_object_mut().unwrap().remove("results");
    assert!(!schema_errors(&doc, "/search", "get", 200, &body).is_empty());
    let made_up = json!({"error": {"code": "teapot", "message": "short and stout"}});
    assert!(!schema_errors(&doc, "/search", "get", 400, &made_up).is_empty());
}

#[tokio::test]
async fn real_responses_validate_against_their_schemas() {
    let doc = document();
    let app = app();
    // Each of these answers a different shape: a yes with a path and citations and
    // explanations, a comparison, a definition, a plain search, a filtered empty search.
    let cases: &[(&str, &str, u16)] = &[
        (
            "/search",
            "/search?q=is+gpt4+generative+ai&explain=true",
            200,
        ),
        ("/search", "/search?q=gpt-4+vs+bert&k=3", 200),
        (
            "/search",
            "/search?q=what+is+tokenization&mode=keyword",
            200,
        ),
        ("/search", "/search?q=is+a+toaster+a+transformer", 200),
        (
            "/search",
            "/search?q=attention&kind=comparison&under=deep-learning",
            200,
        ),
        ("/answer", "/answer?q=is+bert+an+llm&explain=true", 200),
        ("/answer", "/answer?q=kubernetes", 200),
        ("/concepts/{id}", "/concepts/gpt-4", 200),
        ("/concepts", "/concepts", 200),
        ("/healthz", "/healthz", 200),
        ("/readyz", "/readyz", 200),
        ("/analytics/queries", "/analytics/queries?days=30", 200),
        ("/analytics/queries", "/analytics/queries?days=0", 400),
        ("/search", "/search?q=x&k=0", 400),
        ("/search", "/search?q=x&typos=some", 400),
        ("/search", "/search?q=x&under=unicorn", 400),
        ("/search", "/search?q=x&filter=colour:red", 400),
        ("/search", "/search?q=x&q=y", 400),
        ("/answer", "/answer", 400),
        ("/concepts/{id}", "/concepts/unicorn", 404),
    ];
    for &(path, uri, status) in cases {
        let (got, body) = send(&app, Method::GET, uri, None).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert_valid(&doc, path, "get", status, &body);
    }
    let posts: &[(Value, u16)] = &[
        (
            json!({"q": "is gpt4 generative ai", "k": 2, "filter": {"group": "models-and-products"}}),
            400,
        ),
        (
            json!({"q": "is gpt4 generative ai", "k": 2, "kind": "concept"}),
            200,
        ),
        (json!({"q": "x", "k": "ten"}), 422),
        (json!({"q": "x", "offset": 5000}), 400),
    ];
    for (body, status) in posts {
        let (got, value) = send(&app, Method::POST, "/search", Some(body.clone())).await;
        assert_eq!(got, *status, "{body}: {value}");
        assert_valid(&doc, "/search", "post", *status, &value);
    }
}

/// A parameter's documented schema, standalone.
fn parameter_schema(doc: &Value, path: &str, method: &str, name: &str) -> (bool, Value) {
    let parameters = doc["paths"][path][method]["parameters"].as_array().unwrap();
    let p = parameters
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"));
    (p["required"] == json!(true), p["schema"].clone())
}

/// Whether `value` is valid for `schema` (its `$ref`s resolved against the document).
fn fits(doc: &Value, schema: &Value, value: &Value) -> bool {
    let schema = json!({"allOf": [schema], "components": doc["components"]});
    jsonschema::draft202012::new(&schema)
        .unwrap()
        .is_valid(value)
}

/// What schemathesis found (scripts/schemathesis, docs/fuzzing.md): requests the document
/// called valid that the service refused. The document now states the limits (`q` required,
/// not empty, not only spaces; `fusion` one of three names; `rrf_k` above 0), and the service
/// accepts what the document allows (`k` as 61.0 in JSON; an `rrf_k` that is 0 as an f32).
#[tokio::test]
async fn the_document_promises_what_the_service_accepts() {
    let doc = document();
    for (path, method) in [("/search", "get"), ("/answer", "get")] {
        let (required, q) = parameter_schema(&doc, path, method, "q");
        assert!(required, "{method} {path}: q must be required");
        for refused in ["", "   ", &"x".repeat(1001)] {
            assert!(!fits(&doc, &q, &json!(refused)), "{path} q={refused:?}");
        }
        assert!(fits(&doc, &q, &json!(" gpt-4 ")));
    }
    let (_, fusion) = parameter_schema(&doc, "/search", "get", "fusion");
    assert!(fits(&doc, &fusion, &json!("rrf")) && !fits(&doc, &fusion, &json!("")));
    let (_, rrf_k) = parameter_schema(&doc, "/search", "get", "rrf_k");
    assert!(!fits(&doc, &rrf_k, &json!(0)) && fits(&doc, &rrf_k, &json!(5e-324)));
    let body = json!({"$ref": "#/components/schemas/SearchParams"});
    assert!(
        !fits(&doc, &body, &json!({"k": 3})),
        "q is required in the body"
    );
    assert!(!fits(&doc, &body, &json!({"q": null})));
    assert!(!fits(&doc, &body, &json!({"q": "x", "fusion": "max"})));
    assert!(fits(
        &doc,
        &body,
        &json!({"q": "x", "k": 61.0, "rrf_k": 5e-324})
    ));

    let app = app();
    for (method, uri, body) in [
        (
            Method::POST,
            "/search",
            Some(json!({"q": "gpt-4", "k": 61.0, "offset": 0.0})),
        ),
        (
            Method::POST,
            "/search",
            Some(json!({"q": "gpt-4", "rrf_k": 5e-324})),
        ),
        (Method::GET, "/search?q=gpt-4&fusion=rrf&rrf_k=5e-324", None),
    ] {
        let (status, value) = send(&app, method.clone(), uri, body.clone()).await;
        assert_eq!(status, 200, "{method} {uri} {body:?}: {value}");
        assert_valid(
            &doc,
            "/search",
            &method.as_str().to_lowercase(),
            200,
            &value,
        );
    }
}

/// Every code the API answers with is in the one table, once: the codes written where errors
/// are made (the HTTP layer, the request checks, the engine's caller errors) are read from the
/// source, so a new code without a row fails here.
#[test]
fn error_codes_are_listed_once() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let made = regex::Regex::new(
        r#"(?:code: |ApiError::bad\(\s*|unavailable\(\s*|=> |Some\()"([a-z_]+)""#,
    )
    .unwrap();
    let mut sources = vec![root.join("request.rs")];
    for folder in ["http", "engine"] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            sources.push(entry.unwrap().path());
        }
    }
    let listed: BTreeSet<&str> = openapi::ERROR_CODES.iter().map(|c| c.0).collect();
    let mut found = 0;
    for file in &sources {
        let text = std::fs::read_to_string(file).unwrap();
        for code in made
            .captures_iter(&text)
            .map(|c| c.get(1).unwrap().as_str())
        {
            if code.contains('_')
                || ["internal", "unauthorized", "overloaded", "timeout"].contains(&code)
            {
                assert!(
                    listed.contains(code),
                    "{code} ({}) is not in ERROR_CODES",
                    file.display()
                );
                found += 1;
            }
        }
    }
    assert!(found >= 30, "{found}");
    let codes: Vec<&str> = openapi::ERROR_CODES.iter().map(|c| c.0).collect();
    let unique: BTreeSet<&str> = codes.iter().copied().collect();
    assert_eq!(unique.len(), codes.len());
    for (code, status, _) in openapi::ERROR_CODES {
        assert!((400..600).contains(status), "{code}");
    }
}
