//! The configurable layouts and fusions that are not the defaults: BM25 over chunks
//! (`--keyword-unit chunk`), fusing chunk rankings (`--fuse-level chunk`) and summing a page's
//! chunk scores (`--aggregation sum`). Each test shows the setting changes what it claims to.

use landscape::engine::{Engine, EngineConfig, FuseLevel, Mode, SearchRequest, SearchResult};
use landscape::fusion::Aggregation;
use landscape::indexer::BuildOptions;
use landscape::keyword::{KeywordParams, KeywordUnit};

use crate::common::{build_with, model, Site};

/// The zoo with `unit` as its keyword documents. Each page has a chunk per section, so
/// chunk-level and page-level choices differ.
fn zoo_with(unit: KeywordUnit) -> Site {
    let site = Site::zoo();
    let options = BuildOptions {
        keyword: KeywordParams {
            unit,
            ..KeywordParams::default()
        },
        ..BuildOptions::default()
    };
    let report = build_with(&site.corpus, &site.store(), &options);
    assert!(
        report.manifest.chunks >= 2 * report.manifest.pages,
        "several chunks per page: {} chunks, {} pages",
        report.manifest.chunks,
        report.manifest.pages
    );
    site
}

fn open(site: &Site, config: EngineConfig) -> Engine {
    Engine::open(&site.store(), model(), config).unwrap()
}

fn top(engine: &Engine, query: &str, mode: Mode) -> SearchResult {
    let request = SearchRequest::new(query)
        .unwrap()
        .with_mode(mode)
        .with_explain(true);
    let response = engine.search(&request).unwrap();
    response.results[0].clone()
}

#[test]
fn keyword_unit_chunk_scores_chunks_and_names_the_one_that_matched() {
    let site = zoo_with(KeywordUnit::Chunk);
    let engine = open(&site, EngineConfig::default());
    let hit = top(&engine, "retractable claws night vision", Mode::Keyword);
    assert_eq!(hit.id, "cat");
    let chunk = hit.explain.as_ref().unwrap().chunk as usize;
    assert!(
        engine.chunks()[chunk].text.contains("retractable claws"),
        "a chunk-level hit is the matching chunk itself: {:?}",
        engine.chunks()[chunk]
    );
    assert!(hit.passage.contains("retractable claws"), "{hit:?}");
    // Words from both of the cat's sections: two chunk documents match, against one page
    // document when pages are the unit.
    let both = "purrs with retractable claws";
    let matched = |engine: &Engine| {
        let hit = top(engine, both, Mode::Keyword);
        assert_eq!(hit.id, "cat");
        hit.explain.unwrap().matched_chunks
    };
    let by_page = open(&zoo_with(KeywordUnit::Page), EngineConfig::default());
    assert_eq!((matched(&engine), matched(&by_page)), (2, 1));
}

/// The same query's top result from an engine with the default settings and from one with
/// `config`, over the same index: the two engines differ only in the setting under test.
fn default_and(
    site: &Site,
    config: EngineConfig,
    query: &str,
    mode: Mode,
) -> ((Engine, SearchResult), (Engine, SearchResult)) {
    let default = open(site, EngineConfig::default());
    let other = open(site, config);
    let (a, b) = (top(&default, query, mode), top(&other, query, mode));
    ((default, a), (other, b))
}

#[test]
fn aggregation_sum_adds_a_pages_chunk_scores() {
    let sum = EngineConfig {
        aggregation: Aggregation::Sum,
        ..EngineConfig::default()
    };
    let query = "a small furry cat that purrs and hunts mice";
    let site = zoo_with(KeywordUnit::Page);
    let ((_, by_max), (_, by_sum)) = default_and(&site, sum, query, Mode::Semantic);
    assert_eq!((by_max.id.as_str(), by_sum.id.as_str()), ("cat", "cat"));
    assert!(by_sum.explain.as_ref().unwrap().matched_chunks > 1);
    assert!(
        by_sum.score > by_max.score + 0.1,
        "sum {} over several chunks, max {} of one",
        by_sum.score,
        by_max.score
    );
    assert!(by_max.score <= 1.0, "max is one chunk's cosine");
}

#[test]
fn fuse_level_chunk_fuses_chunk_rankings() {
    let chunk_level = EngineConfig {
        fuse_level: FuseLevel::Chunk,
        ..EngineConfig::default()
    };
    let query = "a loyal pet that barks";
    let site = zoo_with(KeywordUnit::Chunk);
    let ((pages, by_page), (chunks, by_chunk)) =
        default_and(&site, chunk_level, query, Mode::Hybrid);
    assert_eq!((by_page.id.as_str(), by_chunk.id.as_str()), ("dog", "dog"));
    let e = by_chunk.explain.as_ref().unwrap();
    // A fused chunk carries both legs' ranks of that very chunk.
    assert!(e.keyword.is_some() && e.semantic.is_some(), "{e:?}");
    let scores = |engine: &Engine| -> Vec<f32> {
        let response = engine.search(&request(query)).unwrap();
        response.results.iter().map(|r| r.score).collect()
    };
    assert_ne!(
        scores(&pages),
        scores(&chunks),
        "fusing chunks ranks differently from fusing pages"
    );
}

fn request(query: &str) -> SearchRequest {
    SearchRequest::new(query).unwrap()
}

/// The same three settings from the command line, through `Tuning` into the build and the
/// engine: the index is built with chunk documents and the search fuses chunks, summed.
#[test]
fn the_command_line_sets_all_three() {
    let site = Site::zoo();
    let out = site
        .command("search")
        .args([
            "--keyword-unit",
            "chunk",
            "--fuse-level",
            "chunk",
            "--aggregation",
            "sum",
            "--chunk-tokens",
            "40",
            "--json",
            "--explain",
            "retractable claws",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let response: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(response["results"][0]["id"], "cat", "{response}");
    let manifest = site.store().current_manifest().unwrap().unwrap();
    assert_eq!(manifest.keyword.unit, KeywordUnit::Chunk);
    assert_eq!(manifest.chunker.max_tokens, 40);
    let bad = site
        .command("search")
        .args(["--aggregation", "mean", "cat"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("unknown aggregation `mean`; use max or sum"),
        "{stderr}"
    );
}
