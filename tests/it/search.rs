//! End-to-end search through the engine: the built-in corpus and a small one built here.

use std::path::Path;
use std::sync::OnceLock;

use landscape::engine::{Mode, SearchRequest};
use landscape::request::SearchParams;

use crate::common::{build_with, ids, Site};

/// The built-in corpus, indexed once per test run.
pub fn builtin() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let site = Site::new();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        build_with(&corpus, &site.store(), &Default::default());
        site
    })
}

#[test]
fn is_gpt4_generative_ai_finds_gpt4_first_and_generative_ai_in_the_top_5() {
    let site = builtin();
    let engine = site.engine();
    let request = SearchRequest::new("is GPT-4 generative AI?")
        .unwrap()
        .with_explain(true);
    let response = engine.search(&request).unwrap();
    // The subject answers; the category is relevant. GPT and ChatGPT may come between them
    // (they are about the same model family); the yes/no itself comes from the graph.
    let top5 = &ids(&response)[..5];
    assert_eq!(top5[0], "gpt-4", "top 5: {top5:?}");
    assert!(top5.contains(&"generative-ai"), "top 5: {top5:?}");
    let first = &response.results[0];
    assert!(
        !first.highlights.is_empty(),
        "the passage highlights matching words"
    );
    for r in &first.highlights {
        let word = first.passage[r.clone()].to_lowercase();
        assert!(
            ["gpt", "4", "generative", "ai"].contains(&word.as_str()),
            "highlighted {word}"
        );
    }
    assert!(first.passage_html.contains("<mark>"));
    let explain = first.explain.as_ref().unwrap();
    assert!(explain.keyword.is_some() && explain.semantic.is_some());
    // The answer's ancestry leads from the root to its parent.
    let gpt4 = response.results.iter().find(|r| r.id == "gpt-4").unwrap();
    assert_eq!(
        gpt4.ancestry.first().map(String::as_str),
        Some("artificial-intelligence")
    );
    assert_eq!(
        gpt4.ancestry.last().map(String::as_str),
        Some("large-language-model")
    );
}

#[test]
fn everyday_questions_find_the_obvious_page_in_every_mode() {
    let site = builtin();
    let engine = site.engine();
    for (query, expected) in [
        ("why do chatbots make things up", "hallucination"),
        (
            "RAG vs fine-tuning",
            "retrieval-augmented-generation-vs-fine-tuning",
        ),
        ("making models smaller with int8 weights", "quantization"),
    ] {
        let hybrid = engine.search(&SearchRequest::new(query).unwrap()).unwrap();
        assert_eq!(ids(&hybrid)[0], expected, "hybrid: {query}");
    }
    // A paraphrase without shared words is what the semantic leg is for.
    let request = SearchRequest::new("a computer program that learns from examples")
        .unwrap()
        .with_mode(Mode::Semantic);
    let semantic = engine.search(&request).unwrap();
    assert!(
        ids(&semantic)[..3].contains(&"machine-learning"),
        "{:?}",
        ids(&semantic)
    );
}

#[test]
fn modes_and_fusions_differ_and_respect_k() {
    let site = Site::zoo();
    site.build();
    let engine = site.engine();
    let params = SearchParams {
        q: Some("a furry pet that purrs".into()),
        k: Some(2),
        explain: Some(true),
        ..SearchParams::default()
    };
    for mode in [Mode::Keyword, Mode::Semantic, Mode::Hybrid] {
        let request = params.clone().validate().unwrap().with_mode(mode);
        let r = engine.search(&request).unwrap();
        assert_eq!(ids(&r)[0], "cat", "{mode:?}");
        assert!(r.results.len() <= 2);
        let e = r.results[0].explain.as_ref().unwrap();
        match mode {
            Mode::Keyword => assert!(e.keyword.is_some() && e.semantic.is_none()),
            Mode::Semantic => assert!(e.semantic.is_some() && e.keyword.is_none()),
            Mode::Hybrid => assert!(e.keyword.is_some() && e.semantic.is_some()),
        }
    }
    let weighted = SearchParams {
        fusion: Some("weighted".into()),
        ratio: Some(0.5),
        ..params.clone()
    };
    let r = engine.search(&weighted.validate().unwrap()).unwrap();
    assert_eq!(ids(&r)[0], "cat");
    assert!(
        r.results[0].score <= 1.0 + 1e-6,
        "weighted scores are in [0, 1]"
    );
    // Keyword mode with words that occur nowhere finds nothing; semantic always finds something.
    let nowhere = SearchRequest::new("zzzz qqqq").unwrap();
    let keyword = nowhere.clone().with_mode(Mode::Keyword);
    assert!(engine.search(&keyword).unwrap().results.is_empty());
    let semantic = nowhere.with_mode(Mode::Semantic);
    assert!(!engine.search(&semantic).unwrap().results.is_empty());
}

#[test]
fn odd_text_is_a_query_not_an_error() {
    let site = Site::zoo();
    site.build();
    let engine = site.engine();
    for q in [
        "cat AND NOT dog",
        "\"unbalanced",
        "bike-riding (fast) [x]",
        "+-*/:^~",
        "ÄÖÜ 🐱 猫",
        "!!!",
    ] {
        engine
            .search(&SearchRequest::new(q).unwrap())
            .unwrap_or_else(|e| panic!("{q}: {e}"));
    }
    let r = engine
        .search(&SearchRequest::new("cat AND NOT dog").unwrap())
        .unwrap();
    assert!(ids(&r)[..2].contains(&"cat"));
}

/// BM25 scores whole pages, so a keyword hit names no chunk: the passage must still be the
/// chunk whose words match, not the page's opening.
#[test]
fn keyword_mode_shows_the_chunk_that_matches() {
    let site = Site::zoo();
    site.build();
    let engine = site.engine();
    let request = SearchRequest::new("retractable claws night vision")
        .unwrap()
        .with_mode(Mode::Keyword);
    let response = engine.search(&request).unwrap();
    let first = &response.results[0];
    assert_eq!(first.id, "cat");
    assert_eq!(first.section, "Technical deep dive", "{first:?}");
    assert!(first.passage.contains("retractable claws"), "{first:?}");
    assert!(!first.highlights.is_empty());
}
