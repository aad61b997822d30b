//! Ranking latency on BEIR SciFact (5,183 abstracts, 10,554 chunks, 300 queries): the
//! collection the relevance targets are set on, large enough for the HNSW walk to matter.
//!
//! `cargo bench --bench scifact` reuses the index `landscape eval --dataset
//! ../shared/datasets/scifact` builds under `index/eval/scifact` (or builds it, about 3.5
//! minutes). Set `LANDSCAPE_SCIFACT` to read the collection from elsewhere. Query vectors come
//! from the embedding cache: the numbers are ranking only, as a search with a cached vector.

use std::path::PathBuf;
use std::time::Instant;

use criterion::Criterion;
use landscape::embed::{Embed, EmbeddingCache};
use landscape::engine::{Engine, EngineConfig, Mode};
use landscape::eval::dataset::EvalSet;
use landscape::eval::runner;
use landscape::fusion::Fusion;
use landscape::indexer::BuildOptions;
use landscape::store::Store;

#[path = "common.rs"]
mod common;

struct Fixture {
    engine: Engine,
    queries: Vec<String>,
    vectors: Vec<Vec<f32>>,
}

fn fixture() -> Fixture {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("LANDSCAPE_SCIFACT")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/datasets/scifact"));
    let set = EvalSet::load_beir(&dir, "test").expect("SciFact in BEIR layout");
    let store = Store::new(root.join("index/eval").join(&set.name));
    let model = common::model();
    let prepared = runner::prepare_index(
        &set,
        &store,
        model.clone(),
        model.token_counter(),
        &BuildOptions::default(),
        EngineConfig::default(),
        &mut |_, _| {},
    )
    .expect("SciFact index");
    let mut cache = EmbeddingCache::open(&store.embeddings_dir(), model.identity()).expect("cache");
    let vectors =
        runner::embed_queries(&set, &prepared.engine, model.as_ref(), &mut cache).expect("queries");
    Fixture {
        engine: prepared.engine,
        queries: set
            .queries
            .iter()
            .map(|q| q.text.trim().to_string())
            .collect(),
        vectors,
    }
}

/// What is timed: one mode, ranked to a depth of pages (10 for a results page, 100 for an
/// eval run), or with `depth` 0 the mode's legs alone (100 chunk candidates each).
struct Operation {
    name: &'static str,
    mode: Mode,
    depth: usize,
}

const OPERATIONS: &[Operation] = &[
    Operation {
        name: "keyword leg alone (100 candidates)",
        mode: Mode::Keyword,
        depth: 0,
    },
    Operation {
        name: "semantic leg alone (100 candidates, vector given)",
        mode: Mode::Semantic,
        depth: 0,
    },
    Operation {
        name: "keyword, top 10 pages",
        mode: Mode::Keyword,
        depth: 10,
    },
    Operation {
        name: "semantic, top 10 pages (vector given)",
        mode: Mode::Semantic,
        depth: 10,
    },
    Operation {
        name: "hybrid: both legs + fusion, top 10 pages (vector given)",
        mode: Mode::Hybrid,
        depth: 10,
    },
    Operation {
        name: "hybrid: both legs + fusion, top 100 pages (vector given)",
        mode: Mode::Hybrid,
        depth: 100,
    },
];

fn run(f: &Fixture, op: &Operation, i: usize) {
    let i = i % f.queries.len();
    if op.depth == 0 {
        f.engine
            .rank_chunks(
                f.queries[i].as_str(),
                Some(&f.vectors[i]),
                op.mode,
                Fusion::default(),
                None,
            )
            .expect("rank");
        return;
    }
    f.engine
        .rank_pages(
            f.queries[i].as_str(),
            Some(&f.vectors[i]),
            op.mode,
            Fusion::default(),
            op.depth,
            None,
        )
        .expect("rank");
}

/// p50 and p99 per operation. The operations take turns, so a slow spell of this shared
/// machine lands on all of them alike instead of on whichever ran then; each turn asks a
/// different query, so no operation finds the previous one's graph walk in the CPU cache.
fn percentiles(f: &Fixture) {
    let rounds = 5;
    println!(
        "\npercentiles, {} SciFact queries x {rounds} ({} chunks):",
        f.queries.len(),
        f.engine.chunks().len()
    );
    for op in OPERATIONS {
        for i in 0..f.queries.len() {
            run(f, op, i);
        }
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); OPERATIONS.len()];
    for i in 0..f.queries.len() * rounds {
        for (j, (op, times)) in OPERATIONS.iter().zip(&mut times).enumerate() {
            let t = Instant::now();
            run(f, op, i + j * 97);
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    println!("| operation | p50 | p99 |\n|---|---|---|");
    for (op, mut times) in OPERATIONS.iter().zip(times) {
        times.sort_by(f64::total_cmp);
        let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!("| {} | {:.3} ms | {:.3} ms |", op.name, p(0.50), p(0.99));
    }
}

fn main() {
    let f = fixture();
    let mut c = Criterion::default().configure_from_args();
    {
        let mut group = c.benchmark_group("scifact");
        for op in OPERATIONS {
            let mut i = 0;
            group.bench_function(op.name, |b| {
                b.iter(|| {
                    run(&f, op, i);
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
