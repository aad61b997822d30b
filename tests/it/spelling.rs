//! Typo and prefix tolerance on the keyword leg (issue 14): misspelled and half-typed queries
//! over the built-in corpus, exact queries left alone, and the switches.

use std::collections::HashMap;
use std::path::Path;

use landscape::engine::{Engine, Mode, SearchRequest, SearchResponse};
use landscape::eval::metrics::evaluate_query;
use landscape::request::TextParams;
use landscape::spelling::Spelling;

use crate::common::{build_with, ids, PageSpec, Site};
use crate::search::builtin;

fn search(engine: &Engine, q: &str, mode: Mode, spelling: Spelling) -> SearchResponse {
    let request = SearchRequest::new(q)
        .unwrap()
        .with_mode(mode)
        .with_spelling(spelling);
    engine.search(&request).unwrap()
}

/// The issue's own examples: each finds the concept meant first, in the keyword-only path the
/// search box takes while the visitor types and in the hybrid search it runs on a pause.
#[test]
fn misspelled_and_half_typed_queries_find_the_concept_first() {
    let site = builtin().engine();
    let cases = [
        ("atention mechanism", "attention-mechanism"),
        ("gradiant descent", "gradient-descent"),
        ("convolutonal neural netwrk", "convolutional-neural-network"),
        ("reinforcment lerning", "reinforcement-learning"),
        (
            "retreival augmented generation",
            "retrieval-augmented-generation",
        ),
        ("quantisation", "quantization"),
        ("embeding", "embedding"),
        ("tokeniz", "tokenization"),
        ("retrieval aug", "retrieval-augmented-generation"),
    ];
    for (q, meant) in cases {
        for mode in [Mode::Keyword, Mode::Hybrid] {
            let response = search(&site, q, mode, Spelling::default());
            assert_eq!(ids(&response).first(), Some(&meant), "{q} ({mode:?})");
        }
    }
}

/// Without the tolerances the same queries miss, so the test above measures them and not
/// the corpus.
#[test]
fn the_switches_turn_each_tolerance_off() {
    let site = builtin().engine();
    let no_typos = Spelling {
        typos: false,
        prefix: true,
    };
    let r = search(&site, "atention", Mode::Keyword, no_typos);
    assert!(r.results.is_empty(), "{:?}", ids(&r));
    let no_prefix = Spelling {
        typos: true,
        prefix: false,
    };
    let r = search(&site, "tokeniz", Mode::Keyword, no_prefix);
    assert!(r.results.is_empty(), "{:?}", ids(&r));
    // A space after the word says it is finished: no completion.
    let request = SearchRequest::new("tokeniz ")
        .unwrap()
        .with_mode(Mode::Keyword);
    assert!(site.search(&request).unwrap().results.is_empty());
    // And the request parameters reach the engine.
    let request = TextParams {
        q: Some("atention".into()),
        mode: Some("keyword".into()),
        typos: Some("false".into()),
        ..TextParams::default()
    }
    .parse()
    .unwrap()
    .validate()
    .unwrap();
    assert!(site.search(&request).unwrap().results.is_empty());
}

/// Passages mark the words that matched, corrections and completions included.
#[test]
fn passages_mark_corrected_and_completed_words() {
    let site = builtin().engine();
    let r = search(
        &site,
        "atention mechanism",
        Mode::Keyword,
        Spelling::default(),
    );
    let html = &r.results[0].passage_html;
    assert!(
        html.to_lowercase().contains("<mark>attention</mark>"),
        "{html}"
    );
    let r = search(&site, "tokeniz", Mode::Keyword, Spelling::default());
    let html = r.results[0].passage_html.to_lowercase();
    assert!(
        html.contains("<mark>tokenizer") || html.contains("<mark>tokenization"),
        "{html}"
    );
}

/// The development questions spelled right: turning typo tolerance on never lowers one's
/// nDCG@10, in the keyword leg or the default hybrid search.
#[test]
fn typo_tolerance_leaves_exactly_spelled_questions_as_they_were() {
    let site = builtin().engine();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("corpus/queries/dev.jsonl")).unwrap();
    let mut checked = 0;
    for line in text.lines() {
        let q: serde_json::Value = serde_json::from_str(line).unwrap();
        let kind = q["type"].as_str().unwrap();
        if matches!(kind, "typo" | "misspelling" | "partial") {
            continue;
        }
        let judgements: HashMap<String, i32> = q["relevant"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(page, grade)| (page.clone(), grade.as_i64().unwrap() as i32))
            .collect();
        let text = q["query"].as_str().unwrap();
        for mode in [Mode::Keyword, Mode::Hybrid] {
            let ndcg = |typos: bool| {
                let spelling = Spelling {
                    typos,
                    prefix: false,
                };
                let r = search(&site, text, mode, spelling);
                let run: Vec<(String, f64)> = r
                    .results
                    .iter()
                    .map(|h| (h.id.clone(), h.score as f64))
                    .collect();
                evaluate_query(&judgements, &run).ndcg_10
            };
            let (off, on) = (ndcg(false), ndcg(true));
            assert!(on >= off - 1e-9, "{text} ({mode:?}): {off} → {on}");
        }
        checked += 1;
    }
    assert!(checked >= 189, "{checked}");
}

/// A word the index holds ranks its own pages above pages that only hold words it opens, and
/// is never corrected into another word.
#[test]
fn exact_words_rank_above_their_completions_and_are_not_corrected() {
    let site = Site::new();
    let pages = [
        PageSpec {
            id: "lang",
            title: "Lang",
            aliases: &[],
            parents: &[],
            simple: "The lang tool prints every lang setting of a machine.",
            deep: "It reads the lang variable.",
        },
        PageSpec {
            id: "language",
            title: "Language",
            aliases: &[],
            parents: &[],
            simple: "A language is a system of words. Language language language.",
            deep: "Languages change over time.",
        },
        PageSpec {
            id: "lamp",
            title: "Lamp",
            aliases: &[],
            parents: &[],
            simple: "A lamp gives light.",
            deep: "Lamps use bulbs.",
        },
    ];
    crate::common::write_pages(&site.corpus, &pages);
    build_with(&site.corpus, &site.store(), &Default::default());
    let engine = site.engine();
    let r = search(&engine, "lang", Mode::Keyword, Spelling::default());
    assert_eq!(
        ids(&r),
        vec!["lang", "language"],
        "exact first, then the completion"
    );
    // "lamps" is one edit from "lamp", but "lang" is a word of the index: taken as typed.
    let request = SearchRequest::new("lang ")
        .unwrap()
        .with_mode(Mode::Keyword);
    assert_eq!(ids(&engine.search(&request).unwrap()), vec!["lang"]);
}

/// What the search box sends on each keystroke (keyword mode) never runs the embedding model,
/// answer included; the full search after the pause embeds the question once, and a repeat is
/// served from the query cache.
#[test]
fn keystrokes_in_keyword_mode_never_run_the_model() {
    let engine = builtin().engine();
    let question = "is gpt4 generative ai";
    for end in 1..=question.len() {
        let request = SearchRequest::new(&question[..end])
            .unwrap()
            .with_mode(Mode::Keyword);
        engine.search(&request).unwrap();
    }
    assert_eq!(engine.query_embeddings(), 0);
    let full = SearchRequest::new(question).unwrap();
    let response = engine.search(&full).unwrap();
    assert_eq!(ids(&response).first(), Some(&"gpt-4"));
    assert_eq!(engine.query_embeddings(), 1);
    engine.search(&full).unwrap();
    assert_eq!(engine.query_embeddings(), 1);
}
