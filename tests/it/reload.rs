//! Updates without downtime: a running server switches to the generation `landscape index`
//! makes live, between requests, and no request fails meanwhile.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use landscape::engine::EngineConfig;
use landscape::http::{serve, HttpOptions};
use landscape::live::LiveEngine;
use serde_json::Value;

use crate::common::{model, write_pages, PageSpec, Site};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_keep_succeeding_while_a_new_generation_goes_live() {
    let site = Site::zoo();
    site.build();
    let first = site.engine();
    let old = first.generation().to_string();
    let live = Arc::new(LiveEngine::watching(
        Arc::new(first),
        site.store(),
        model(),
        EngineConfig::default(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, live, HttpOptions::default(), async {
        let _ = stopped.await;
    }));

    // A client searching in a loop, recording each status and the generation that answered.
    let done = Arc::new(AtomicBool::new(false));
    let client = {
        let (done, base) = (done.clone(), base.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut seen: Vec<(u16, String)> = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let r = http
                    .get(format!("{base}/search?q=a+small+furry+pet&mode=keyword"))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                seen.push((
                    status,
                    body["generation"].as_str().unwrap_or("").to_string(),
                ));
            }
            seen
        })
    };

    // A new page, indexed by the command line while the server runs.
    write_pages(
        &site.corpus,
        &[PageSpec {
            id: "axolotl",
            title: "Axolotl",
            aliases: &[],
            parents: &["animal"],
            simple: "An axolotl is an animal, a salamander that keeps its gills all its life.",
            deep: "Axolotls regrow lost limbs.",
        }],
    );
    let out = tokio::task::spawn_blocking({
        let mut cmd = site.command("index");
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The server switches by itself; the new page is found.
    let http = reqwest::Client::new();
    let started = Instant::now();
    let found = loop {
        let body: Value = http
            .get(format!("{base}/search?q=axolotl&mode=keyword"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["generation"] != old.as_str() {
            break body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never switched"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(found["results"][0]["id"], "axolotl", "{found}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    done.store(true, Ordering::Relaxed);
    let seen = client.await.unwrap();
    assert!(seen.iter().all(|(status, _)| *status == 200), "{seen:?}");
    let generations: std::collections::BTreeSet<&str> =
        seen.iter().map(|(_, g)| g.as_str()).collect();
    assert!(generations.contains(old.as_str()), "{generations:?}");
    assert!(
        generations.len() >= 2,
        "answers from both generations: {generations:?}"
    );
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
