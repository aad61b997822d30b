//! Property-based runs (proptest, on stable) of the inputs strangers control: page files
//! (read, and validated as a corpus as `landscape check` does), questions and spelling, query
//! strings and JSON bodies as axum reads them, and the search path in every mode. None of them
//! may panic; a bad page is a list of problems that name the file and a line inside it; a
//! refused request carries a documented code. The coverage-guided fuzzing of the same four
//! kinds of input is `scripts/fuzz` (docs/fuzzing.md); each crash it found is a test here or
//! next to the code.

use std::path::Path;
use std::sync::OnceLock;

use axum::extract::Query;
use axum::http::Uri;
use axum::Json;
use landscape::answer::question::{self, Question};
use landscape::corpus::check;
use landscape::corpus::{Corpus, Profile, ReadOptions};
use landscape::engine::{Engine, Mode};
use landscape::http::openapi::ERROR_CODES;
use landscape::request::{RequestError, SearchParams, TextParams};
use landscape::spelling;
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::common::Site;

/// Text that looks like what arrives: words, Markdown and front-matter punctuation, odd
/// Unicode, control characters.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,200}",
        "(---\n|\\+\\+\\+\n|#{1,7} |id: |parents: \\[|\\]|\"|\\{#|```|<main>|</|\n|[a-z]{1,8}| ){0,60}",
    ]
}

fn zoo_engine() -> &'static Engine {
    static SITE: OnceLock<(Site, Engine)> = OnceLock::new();
    &SITE
        .get_or_init(|| {
            let site = Site::zoo();
            site.build();
            let engine = site.engine();
            (site, engine)
        })
        .1
}

/// A refused request carries a code of the API's table, as a 400.
fn documented(e: &RequestError) -> bool {
    ERROR_CODES
        .iter()
        .any(|(code, status, _)| *code == e.code() && *status == 400)
}

/// Writes `files` as a corpus of `profile` and validates it as `landscape check` does: a
/// corpus that loads is checked, one that does not lists its problems with lines.
fn check_as_corpus(files: &[(&str, &str)], profile: Profile) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    if profile == Profile::Concepts {
        std::fs::write(
            dir.path().join("landscape.toml"),
            "profile = \"concepts\"\n",
        )
        .unwrap();
    }
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    match Corpus::load(dir.path()) {
        Ok(corpus) => {
            let report = check::check(&corpus, dir.path(), None);
            for p in report.problems.iter().chain(&report.warnings) {
                prop_assert!(p.line >= 1, "{p}");
            }
        }
        Err(landscape::corpus::CorpusError::Invalid(problems)) => {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert!(p.line >= 1, "{p}");
            }
        }
        Err(other) => prop_assert!(false, "not a list of problems: {other}"),
    }
    Ok(())
}

/// The fields a search takes, in the query string and in a JSON body alike.
const SEARCH_FIELDS: &[&str] = &[
    "q", "k", "offset", "mode", "fusion", "ratio", "rrf_k", "explain", "filter", "kind", "under",
    "typos", "prefix",
];

/// A query string of the fields `GET /search` takes, with values that are often valid and
/// sometimes anything, percent-encoded or not.
fn query_string() -> impl Strategy<Value = String> {
    let field = prop_oneof![proptest::sample::select(SEARCH_FIELDS), Just("other")];
    let value = prop_oneof![
        "[-0-9.e]{0,8}",
        "(keyword|semantic|hybrid|rrf|dbsf|weighted|true|no|concept|tags:pets|animal)",
        "(%[0-9A-Fa-f]{2}|[a-z +,:&=]){0,20}",
    ];
    proptest::collection::vec((field, value), 0..6).prop_map(|pairs| {
        pairs
            .iter()
            .map(|(f, v)| format!("{f}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

/// A JSON body of the fields `POST /search` takes, each of the right type or not.
fn json_body() -> impl Strategy<Value = Value> {
    let any_value = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::from),
        proptest::collection::vec("[a-z:]{0,6}", 0..3).prop_map(|v| json!(v)),
        proptest::collection::btree_map("[a-z]{1,5}", "[a-z]{0,5}", 0..3).prop_map(|m| json!(m)),
    ];
    let field = proptest::sample::select(SEARCH_FIELDS);
    proptest::collection::btree_map(field, any_value, 0..6)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_page_file_is_a_page_or_problems_with_lines(text in texty(), html in any::<bool>()) {
        let file = Path::new(if html { "docs/page.html" } else { "docs/page.md" });
        for profile in [Profile::Site, Profile::Concepts] {
            match Corpus::read_page(file, &text, profile, &ReadOptions::default()) {
                Ok(_) => {}
                Err(problems) => {
                    prop_assert!(!problems.is_empty());
                    let lines = text.lines().count().max(1);
                    for p in problems {
                        prop_assert_eq!(p.file.as_path(), file);
                        prop_assert!(p.line >= 1 && p.line <= lines + 1, "line {} of {}", p.line, lines);
                    }
                }
            }
        }
    }

    #[test]
    fn any_question_is_read_without_panicking(text in texty()) {
        let parsed = question::parse(&text);
        // One grammar decides comparisons: the keyword leg's test agrees with the parser.
        prop_assert_eq!(
            question::asks_for_comparison(&text),
            matches!(parsed, Some(Question::Comparison { .. }))
        );
        if let Some(Question::Verdict { cuts, .. }) = parsed {
            prop_assert!(!cuts.is_empty());
        }
    }

    #[test]
    fn spelling_stays_within_its_edits(text in texty(), word in "[a-zé]{0,12}") {
        for typed in question::words(&text) {
            let allowed = spelling::max_edits(typed.chars().count());
            if let Some(d) = spelling::typo_edits(&typed, &word) {
                prop_assert!(d >= 1 && d <= allowed);
            }
            if let Some(d) = spelling::prefix_edits(&typed, &word, true) {
                prop_assert!(d <= allowed);
            }
        }
        prop_assert_eq!(spelling::replace_words(&text, |_| None), text);
    }

    #[test]
    fn any_query_string_is_a_request_or_a_coded_error(
        q in proptest::option::of(texty()),
        k in proptest::option::of("[-0-9a-z.]{0,6}"),
        mode in proptest::option::of("[a-z]{0,9}"),
        typos in proptest::option::of("[a-z0-9]{0,5}"),
    ) {
        let params = TextParams { q, k, mode, typos, ..TextParams::default() };
        match params.parse().and_then(|p| p.validate()) {
            Ok(request) => prop_assert!((1..=100).contains(&request.k())),
            Err(e) => prop_assert!(!e.code().is_empty()),
        }
    }

    #[test]
    fn any_valid_query_is_searched_without_failing(text in texty()) {
        let Ok(request) = landscape::engine::SearchRequest::new(&text) else {
            return Ok(());
        };
        let response = zoo_engine().search(&request.with_mode(Mode::Keyword));
        prop_assert!(response.is_ok(), "{:?}", response.err());
    }

    #[test]
    fn any_query_string_as_axum_reads_it_is_a_request_or_a_coded_error(query in query_string()) {
        let Ok(uri) = format!("/search?{query}").parse::<Uri>() else {
            return Ok(());
        };
        let Ok(Query(text)) = Query::<TextParams>::try_from_uri(&uri) else {
            return Ok(()); // 400 invalid_query_string
        };
        match text.parse().and_then(SearchParams::validate) {
            Ok(request) => prop_assert!((1..=100).contains(&request.k()) && request.offset() <= 1000),
            Err(e) => prop_assert!(documented(&e), "{}: {e}", e.code()),
        }
    }

    #[test]
    fn any_json_body_is_a_request_or_a_coded_error(body in json_body()) {
        let Ok(Json(params)) = Json::<SearchParams>::from_bytes(body.to_string().as_bytes()) else {
            return Ok(()); // 400 malformed_json or 422 invalid_field
        };
        match params.validate() {
            Ok(request) => prop_assert!(!request.query().is_empty()),
            Err(e) => prop_assert!(documented(&e), "{}: {e}", e.code()),
        }
    }
}

proptest! {
    // Each case writes a corpus or runs a search with the model: fewer cases.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_one_or_two_pages_validate_as_a_corpus(
        first in texty(),
        second in proptest::option::of(texty()),
        html in any::<bool>(),
    ) {
        let mut files = vec![(if html { "a.html" } else { "a.md" }, first.as_str())];
        if let Some(second) = &second {
            files.push(("b.md", second.as_str()));
        }
        for profile in [Profile::Site, Profile::Concepts] {
            check_as_corpus(&files, profile)?;
        }
    }

    #[test]
    fn any_valid_search_in_any_mode_answers(
        text in texty(),
        mode in prop_oneof![Just("keyword"), Just("semantic"), Just("hybrid")],
        fusion in proptest::option::of(prop_oneof![Just("weighted"), Just("rrf"), Just("dbsf")]),
        k in 1i64..=100,
        offset in 0i64..=1000,
        kind in proptest::option::of(prop_oneof![Just("concept"), Just("comparison")]),
        under in proptest::option::of(prop_oneof![Just("animal"), Just("living-thing"), Just("nothing")]),
        explain in any::<bool>(),
    ) {
        let params = SearchParams {
            q: Some(text),
            k: Some(k),
            offset: Some(offset),
            mode: Some(mode.to_string()),
            fusion: fusion.map(str::to_string),
            kind: kind.map(str::to_string),
            under: under.map(str::to_string),
            explain: Some(explain),
            ..SearchParams::default()
        };
        let Ok(request) = params.validate() else {
            return Ok(());
        };
        match zoo_engine().search(&request) {
            Ok(response) => {
                prop_assert!(response.results.len() <= request.k());
                for r in &response.results {
                    prop_assert!(r.score.is_finite());
                    for h in &r.highlights {
                        prop_assert!(r.passage.get(h.clone()).is_some());
                    }
                }
            }
            Err(e) => prop_assert_eq!(e.caller_code(), Some("unknown_under"), "{}", e),
        }
    }
}

/// A page pushed as JSON: front matter field names, some real, some not, with any JSON values,
/// and a Markdown body.
fn json_page() -> impl Strategy<Value = serde_json::Map<String, Value>> {
    let field = prop_oneof![
        Just("title".to_string()),
        Just("aliases".to_string()),
        Just("parents".to_string()),
        Just("tags".to_string()),
        Just("draft".to_string()),
        "[a-z_-]{0,8}",
        "\\PC{0,6}",
    ];
    let value = prop_oneof![
        texty().prop_map(Value::from),
        proptest::collection::vec(texty(), 0..3).prop_map(|v| json!(v)),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
        Just(json!({"uses": ["animal"]})),
    ];
    (proptest::collection::btree_map(field, value, 0..5), texty()).prop_map(|(fields, body)| {
        let mut page: serde_json::Map<String, Value> = fields.into_iter().collect();
        page.insert("body".into(), Value::from(body));
        page
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever JSON a writer sends, its page source is a message or a page the corpus reader
    /// reads (or refuses with lines), and a plain title survives the trip through front matter.
    #[test]
    fn any_json_page_becomes_a_source_the_reader_takes(page in json_page(), title in "[A-Za-z][A-Za-z0-9 :#'\"-]{0,30}") {
        for profile in [Profile::Site, Profile::Concepts] {
            if let Ok(source) = landscape::http::pages::source_from_json("some-page", &page, profile) {
                let _ = Corpus::read_pushed("some-page", &source, profile, &ReadOptions::default());
            }
        }
        let plain = serde_json::Map::from_iter([
            ("title".to_string(), Value::from(title.clone())),
            ("body".to_string(), Value::from("Some text.")),
        ]);
        let source = landscape::http::pages::source_from_json("some-page", &plain, Profile::Site).unwrap();
        let read = Corpus::read_pushed("some-page", &source, Profile::Site, &ReadOptions::default());
        prop_assert!(matches!(&read, Ok(Some(p)) if p.title == title.trim()), "{source:?}: {read:?}");
    }
}
