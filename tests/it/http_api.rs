//! The HTTP API through a real TCP server: searches, pages, health, and every 4xx path.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::common::Site;

struct Server {
    base: String,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _site: Site,
}

async fn start() -> Server {
    let site = Site::zoo();
    site.build();
    let engine = Arc::new(landscape::live::LiveEngine::fixed(Arc::new(site.engine())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = landscape::http::HttpOptions::default();
    let task = tokio::spawn(landscape::http::serve(listener, engine, options, async {
        let _ = stopped.await;
    }));
    Server {
        base,
        client: reqwest::Client::new(),
        stop: Some(stop),
        task,
        _site: site,
    }
}

impl Server {
    async fn get(&self, path_and_query: &str) -> (u16, Value) {
        let r = self
            .client
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(
        &self,
        body: impl Into<reqwest::Body>,
        content_type: Option<&str>,
    ) -> (u16, Value) {
        let mut r = self.client.post(format!("{}/search", self.base)).body(body);
        if let Some(ct) = content_type {
            r = r.header("content-type", ct);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap().unwrap();
    }
}

fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_over_tcp_get_and_post() {
    let server = start().await;
    let (status, body) = server
        .get("/search?q=a%20furry%20pet%20that%20purrs&k=3&explain=true")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["id"], "cat");
    assert_eq!(body["mode"], "hybrid");
    assert_eq!(body["fusion"]["method"], "weighted", "the default fusion");
    assert!(body["results"].as_array().unwrap().len() <= 3);
    assert!(body["results"][0]["explain"]["semantic"]["rank"]
        .as_u64()
        .is_some());
    assert!(body["results"][0]["passage_html"]
        .as_str()
        .unwrap()
        .contains("<mark>"));
    assert_eq!(
        body["results"][0]["ancestry"],
        json!(["living-thing", "animal"])
    );

    let (status, body) = server
        .post(
            json!({"q": "two wheels and pedals", "mode": "keyword", "k": 1}).to_string(),
            Some("application/json"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["id"], "bicycle");
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    assert!(body.get("fusion").is_none());

    let (status, body) = server.get("/search?q=loyal%20pet&ratio=0.7").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fusion"]["method"], "weighted");
    assert_eq!(body["results"][0]["id"], "dog");

    let (status, body) = server.get("/concepts/cat").await;
    assert_eq!(status, 200);
    assert_eq!(body["title"], "Cat");
    assert_eq!(body["ancestry"], json!(["living-thing", "animal", "cat"]));
    assert_eq!(body["sections"][0]["heading"], "Simple explanation");
    let (_, body) = server.get("/concepts/animal").await;
    assert_eq!(body["children"], json!(["cat", "dog"]));

    let (status, body) = server.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["pages"], 5);
    server.shutdown().await;
}

/// A caller with its own embedder sends the query's vector: the results are those of the
/// server's own embedding, the model does not run, and a vector of the wrong length, with a
/// number beyond f32, or of length 0 is a 400 with its code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_may_bring_its_own_query_vector() {
    use landscape::embed::Embed;
    let server = start().await;
    let q = "a furry pet that purrs";
    let own = crate::common::model()
        .embed(&[q.to_string()], 1)
        .unwrap()
        .remove(0);
    let (_, embedded) = server.get("/search?q=a%20furry%20pet%20that%20purrs").await;
    let (_, health) = server.get("/healthz").await;
    let embeddings_before = health["query_embeddings"].as_u64().unwrap();
    // Scaled by 3: the server brings it to unit length.
    let scaled: Vec<f32> = own.iter().map(|x| x * 3.0).collect();
    for mode in ["hybrid", "semantic"] {
        let (status, given) = server
            .post(
                json!({"q": q, "vector": scaled, "mode": mode}).to_string(),
                Some("application/json"),
            )
            .await;
        assert_eq!(status, 200, "{given}");
        assert_eq!(given["results"][0]["id"], "cat", "{mode}");
        if mode == "hybrid" {
            let ids = |b: &Value| {
                b["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(ids(&given), ids(&embedded));
        }
    }
    let (_, health) = server.get("/healthz").await;
    assert_eq!(
        health["query_embeddings"].as_u64().unwrap(),
        embeddings_before,
        "the model did not run"
    );

    let mut huge = own.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    huge[7] = 1e39;
    for (vector, code) in [
        (json!(own[..100]), "vector_wrong_length"),
        (json!(huge), "invalid_vector"),
        (json!(vec![0.0; own.len()]), "invalid_vector"),
        (json!("not a list"), "invalid_field"),
    ] {
        let (status, body) = server
            .post(
                json!({"q": q, "vector": vector}).to_string(),
                Some("application/json"),
            )
            .await;
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!((400..500).contains(&status), "{status}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_in_search_and_alone() {
    let server = start().await;
    let (status, body) = server
        .get("/search?q=is%20a%20kitty%20an%20animal%3F&k=2")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["answer"]["verdict"], "yes");
    assert_eq!(body["answer"]["path"][0]["from"]["id"], "cat");
    assert_eq!(body["answer"]["path"][0]["relation"], "is-a");
    assert_eq!(body["answer"]["path"][0]["to"]["link"], "/concepts/animal");
    assert!(
        body["answer"].get("explain").is_none(),
        "explain only on request"
    );
    assert_eq!(body["results"][0]["id"], "cat");

    let (status, body) = server.get("/search?q=furry%20pet").await;
    assert_eq!(status, 200);
    assert!(body["answer"].is_null(), "present and null: {body}");

    let (status, body) = server
        .get("/answer?q=is%20a%20dog%20a%20cat&explain=true")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["kind"], "is-a");
    assert_eq!(
        body["verdict"], "not_stated",
        "siblings are no evidence of a no"
    );
    assert_eq!(body["explain"]["resolutions"][0]["concept"], "dog");
    assert_eq!(body["explain"]["resolutions"][0]["method"], "title");
    assert!(body["explain"]["search_threshold"].as_f64().is_some());

    let (status, body) = server.get("/answer?q=cat%20food").await;
    assert_eq!((status, body), (200, Value::Null));

    for (path, code_expected) in [
        ("/answer", "missing_query"),
        ("/answer?q=%20", "empty_query"),
        (
            "/answer?q=is%20a%20cat%20an%20animal&explain=maybe",
            "invalid_explain",
        ),
        ("/answer?q=cat&k=3", "invalid_query_string"),
    ] {
        let (status, body) = server.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(code(&body), code_expected, "{path}");
    }
    let long = format!("/answer?q={}", "a".repeat(1001));
    let (status, body) = server.get(&long).await;
    assert_eq!((status, code(&body)), (400, "query_too_long"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_request_gets_a_4xx_json_error() {
    let server = start().await;
    let long = "a".repeat(1001);
    let get_cases: Vec<(String, u16, &str)> = vec![
        ("/search".into(), 400, "missing_query"),
        ("/search?q=%20%20".into(), 400, "empty_query"),
        (format!("/search?q={long}"), 400, "query_too_long"),
        ("/search?q=x&k=0".into(), 400, "k_out_of_range"),
        ("/search?q=x&k=101".into(), 400, "k_out_of_range"),
        ("/search?q=x&k=ten".into(), 400, "invalid_k"),
        ("/search?q=x&mode=fuzzy".into(), 400, "unknown_mode"),
        ("/search?q=x&ratio=1.5".into(), 400, "ratio_out_of_range"),
        ("/search?q=x&ratio=NaN".into(), 400, "ratio_out_of_range"),
        ("/search?q=x&ratio=half".into(), 400, "invalid_ratio"),
        ("/search?q=x&rrf_k=0".into(), 400, "rrf_k_out_of_range"),
        ("/search?q=x&fusion=magic".into(), 400, "unknown_fusion"),
        (
            "/search?q=x&fusion=rrf&ratio=0.5".into(),
            400,
            "conflicting_fusion",
        ),
        ("/search?q=x&explain=maybe".into(), 400, "invalid_explain"),
        ("/search?q=x&typos=some".into(), 400, "invalid_typos"),
        ("/concepts/unicorn".into(), 404, "unknown_concept"),
        ("/nowhere".into(), 404, "not_found"),
    ];
    for (path, status, expected) in &get_cases {
        let (got, body) = server.get(path).await;
        assert_eq!(
            (got, code(&body)),
            (*status, *expected),
            "GET {path}: {body}"
        );
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    let (_, body) = server.get(&format!("/search?q={long}")).await;
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("1001 characters"));

    let json_ct = Some("application/json");
    let post_cases: Vec<(String, Option<&str>, u16, &str)> = vec![
        ("{\"q\": \"cat\"".into(), json_ct, 400, "malformed_json"),
        ("{\"q\": 5}".into(), json_ct, 422, "invalid_field"),
        (
            "{\"q\": \"cat\", \"colour\": \"red\"}".into(),
            json_ct,
            422,
            "invalid_field",
        ),
        (
            "{\"q\": \"cat\", \"k\": 1000}".into(),
            json_ct,
            400,
            "k_out_of_range",
        ),
        ("{\"k\": 3}".into(), json_ct, 400, "missing_query"),
        (
            "{\"q\": \"cat\"}".into(),
            None,
            415,
            "unsupported_media_type",
        ),
        (
            json!({"q": "x".repeat(20_000)}).to_string(),
            json_ct,
            413,
            "body_too_large",
        ),
    ];
    for (body_text, ct, status, expected) in post_cases {
        let shown: String = body_text.chars().take(60).collect();
        let (got, body) = server.post(body_text, ct).await;
        assert_eq!(
            (got, code(&body)),
            (status, expected),
            "POST {shown}: {body}"
        );
    }

    let r = server
        .client
        .delete(format!("{}/search", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "method_not_allowed");

    // After all that, the service still answers.
    let (status, _) = server.get("/search?q=cat").await;
    assert_eq!(status, 200);
    server.shutdown().await;
}

/// The binary end to end: `serve` builds the missing index, answers over TCP, and stops
/// cleanly on SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serve_command_indexes_serves_and_shuts_down_gracefully() {
    let site = Site::zoo();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = site
        .command("serve")
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{url}/healthz")).send().await {
            assert_eq!(r.status().as_u16(), 200);
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "serve exited early");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "serve never came up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let body: Value = client
        .get(format!("{url}/search?q=kitty"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["results"][0]["id"], "cat", "{body}");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
}
