//! Query latency per mode on the built-in corpus.
//!
//! `cargo bench --bench query` runs criterion (mean and confidence intervals) and then a
//! percentile pass that prints p50/p99 per mode, the numbers BENCHMARKS.md records.

use std::time::Instant;

use criterion::Criterion;
use landscape::corpus::Corpus;
use landscape::embed::Embed;
use landscape::engine::{Engine, EngineConfig, Mode, SearchRequest};
use landscape::fusion::Fusion;
use landscape::store::Store;

#[path = "common.rs"]
mod common;
use common::QUERIES;

struct Fixture {
    engine: Engine,
    model: std::sync::Arc<landscape::embed::LocalModel>,
    vectors: Vec<Vec<f32>>,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("index"));
    let model = common::model();
    let corpus = Corpus::load(&common::builtin_corpus()).unwrap();
    common::build(&corpus, &store, &model);
    let engine = Engine::open(&store, model.clone(), EngineConfig::default()).unwrap();
    let texts: Vec<String> = QUERIES.iter().map(|q| q.to_string()).collect();
    let vectors = model.embed(&texts, 1).unwrap();
    Fixture {
        engine,
        model,
        vectors,
        _dir: dir,
    }
}

fn request(q: &str, mode: Mode) -> SearchRequest {
    SearchRequest::new(q)
        .expect("bench queries are valid")
        .with_mode(mode)
}

/// The operations timed, each given query index i.
/// A named operation over query number `i`.
type Operation<'a> = (&'static str, Box<dyn Fn(usize) + 'a>);

fn operations(f: &Fixture) -> Vec<Operation<'_>> {
    vec![
        (
            "keyword leg alone (top 100 chunks)",
            Box::new(move |i| {
                f.engine
                    .rank_chunks(QUERIES[i], None, Mode::Keyword, Fusion::default(), None)
                    .unwrap();
            }),
        ),
        (
            "semantic leg alone (top 100 chunks, vector given)",
            Box::new(move |i| {
                f.engine
                    .rank_chunks(
                        QUERIES[i],
                        Some(&f.vectors[i]),
                        Mode::Semantic,
                        Fusion::default(),
                        None,
                    )
                    .unwrap();
            }),
        ),
        (
            "both legs + fusion of chunks (vector given)",
            Box::new(move |i| {
                f.engine
                    .rank_chunks(
                        QUERIES[i],
                        Some(&f.vectors[i]),
                        Mode::Hybrid,
                        Fusion::default(),
                        None,
                    )
                    .unwrap();
            }),
        ),
        (
            "keyword search, full response",
            Box::new(move |i| {
                f.engine
                    .search_with_vector(&request(QUERIES[i], Mode::Keyword), None)
                    .unwrap();
            }),
        ),
        (
            "semantic search, full response (vector given)",
            Box::new(move |i| {
                f.engine
                    .search_with_vector(&request(QUERIES[i], Mode::Semantic), Some(&f.vectors[i]))
                    .unwrap();
            }),
        ),
        (
            "hybrid search, full response (vector given)",
            Box::new(move |i| {
                f.engine
                    .search_with_vector(&request(QUERIES[i], Mode::Hybrid), Some(&f.vectors[i]))
                    .unwrap();
            }),
        ),
        (
            "hybrid search incl. query embedding",
            Box::new(move |i| {
                let v = f.model.embed(&[QUERIES[i].to_string()], 1).unwrap();
                f.engine
                    .search_with_vector(&request(QUERIES[i], Mode::Hybrid), Some(&v[0]))
                    .unwrap();
            }),
        ),
        (
            "hybrid search, cached query vector",
            Box::new(move |i| {
                f.engine.search(&request(QUERIES[i], Mode::Hybrid)).unwrap();
            }),
        ),
        (
            "embedding one query",
            Box::new(move |i| {
                f.model.embed(&[QUERIES[i].to_string()], 1).unwrap();
            }),
        ),
    ]
}

fn percentiles(f: &Fixture) {
    println!(
        "\npercentiles over {} queries, built-in corpus ({} chunks):",
        QUERIES.len(),
        f.engine.chunks().len()
    );
    println!("| operation | p50 | p99 | runs |\n|---|---|---|---|");
    for (name, op) in operations(f) {
        let runs = 3000;
        for i in 0..200 {
            op(i % QUERIES.len());
        }
        let mut times: Vec<f64> = (0..runs)
            .map(|i| {
                let t = Instant::now();
                op(i % QUERIES.len());
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!(
            "| {name} | {:.3} ms | {:.3} ms | {runs} |",
            p(0.50),
            p(0.99)
        );
    }
}

fn main() {
    let f = fixture();
    let mut c = Criterion::default().configure_from_args();
    {
        let mut group = c.benchmark_group("query");
        for (name, op) in operations(&f) {
            let mut i = 0;
            group.bench_function(name, |b| {
                b.iter(|| {
                    op(i % QUERIES.len());
                    i += 1;
                })
            });
        }
        group.finish();
    }
    c.final_summary();
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        percentiles(&f);
    }
}
