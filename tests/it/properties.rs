//! Property-based runs (proptest, on stable) of the inputs strangers control: page files,
//! questions, search parameters and the search path itself. None of them may panic; a bad
//! page is a list of problems that name the file and a line inside it. The coverage-guided
//! fuzzing of the same entry points is a separate, longer job (docs/notes.md, issue 15).

use std::path::Path;
use std::sync::OnceLock;

use landscape::corpus::{Corpus, Profile, ReadOptions};
use landscape::engine::{Engine, Mode};
use landscape::request::TextParams;
use proptest::prelude::*;

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
        let _ = landscape::answer::question::parse(&text);
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
}
