//! Answers from the concept graph through the real engine: verdicts with their path and
//! citations, comparisons, definitions, resolution of aliases and misspellings, unknown
//! concepts, and text that is not a question. A small corpus built here (the zoo) and the
//! built-in corpus (for its development questions).

use std::sync::OnceLock;

use landscape::answer::resolve::Method;
use landscape::answer::{Answer, AnswerKind, Verdict};
use landscape::engine::{Engine, Mode, QueryText, SearchRequest};
use landscape::eval::dataset::EvalSet;
use landscape::eval::runner;

use crate::common::Site;
use crate::search::builtin;

fn zoo() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let site = Site::zoo();
        site.build();
        site
    })
}

fn ask(engine: &Engine, q: &str) -> Answer {
    engine
        .answer(&QueryText::new(q).unwrap(), true)
        .unwrap()
        .unwrap_or_else(|| panic!("no answer to {q:?}"))
}

fn path_ids(a: &Answer) -> Vec<&str> {
    let mut ids: Vec<&str> = a.path.iter().map(|s| s.from.id.as_str()).collect();
    ids.extend(a.path.last().map(|s| s.to.id.as_str()));
    ids
}

#[test]
fn is_a_yes_names_the_path_and_cites_it() {
    let engine = zoo().engine();
    let a = ask(&engine, "is a kitty a living thing?");
    assert_eq!(a.kind, AnswerKind::IsA);
    assert_eq!(a.verdict, Some(Verdict::Yes), "{}", a.text);
    assert_eq!(path_ids(&a), ["cat", "animal", "living-thing"]);
    assert_eq!(
        a.text,
        "Yes. Cat is a kind of Animal, which is a kind of Living Thing."
    );
    assert_eq!(a.citations.len(), 2, "one citation per step");
    assert_eq!(a.citations[0].page, "cat");
    // The animal page says in words that it is a living thing: that sentence is cited, with
    // the parent's name highlighted.
    let c = &a.citations[1];
    assert_eq!(c.page, "animal");
    assert!(c.passage.contains("living thing"), "{}", c.passage);
    assert!(c.passage_html.contains("<mark>"), "{}", c.passage_html);
    let explain = a.explain.as_ref().unwrap();
    assert_eq!(
        explain.resolutions[0].method,
        Method::Alias,
        "kitty is an alias"
    );
    assert_eq!(explain.resolutions[1].method, Method::Title);
}

#[test]
fn is_a_without_evidence_is_not_stated_and_no_needs_evidence() {
    let engine = zoo().engine();
    // Siblings are not evidence of a "no": the graph is open-world.
    let siblings = ask(&engine, "is a dog a cat?");
    assert_eq!(
        siblings.verdict,
        Some(Verdict::NotStated),
        "{}",
        siblings.text
    );
    assert!(
        siblings.text.contains("Both are kinds of Animal"),
        "{}",
        siblings.text
    );
    assert_eq!(siblings.ancestries.len(), 2, "both ancestries are shown");
    assert_eq!(siblings.citations.len(), 2, "what each side is");

    let reversed = ask(&engine, "is an animal a dog");
    assert_eq!(reversed.verdict, Some(Verdict::No));
    assert!(
        reversed.text.contains("other way round"),
        "{}",
        reversed.text
    );
    assert_eq!(path_ids(&reversed), ["dog", "animal"]);

    let unrelated = ask(&engine, "is a bike an animal?");
    assert_eq!(unrelated.verdict, Some(Verdict::NotStated));
    assert!(
        unrelated.text.contains("share no ancestor"),
        "{}",
        unrelated.text
    );
}

#[test]
fn comparisons_and_definitions() {
    let engine = zoo().engine();
    let cmp = ask(&engine, "difference between a cat and a dog");
    assert_eq!(cmp.kind, AnswerKind::Comparison);
    assert!(
        cmp.text.contains("no comparison page") && cmp.text.contains("both kinds of Animal"),
        "{}",
        cmp.text
    );
    assert_eq!(cmp.citations.len(), 2, "each side's first sentences");

    let def = ask(&engine, "what is a cat?");
    assert_eq!(def.kind, AnswerKind::Definition);
    assert!(
        def.text.starts_with("A cat is a small furry pet"),
        "{}",
        def.text
    );
    assert_eq!(def.page.as_deref(), Some("cat"));
    assert_eq!(def.link, None, "links are the front end's to set");
    let ancestry: Vec<&str> = def.ancestries[0].iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ancestry, ["living-thing", "animal", "cat"]);

    let builtin = builtin().engine();
    let page = ask(&builtin, "RAG or fine-tuning, which should I use?");
    assert_eq!(page.kind, AnswerKind::Comparison);
    assert_eq!(
        page.page.as_deref(),
        Some("retrieval-augmented-generation-vs-fine-tuning")
    );
    assert!(
        page.text
            .starts_with("Retrieval-augmented generation and fine-tuning"),
        "{}",
        page.text
    );
}

#[test]
fn aliases_misspellings_and_unknown_concepts_on_the_builtin_corpus() {
    let engine = builtin().engine();
    // An alias, and a product built on a model family: not a kind of it. The "no" rests on
    // the ChatGPT page's own sentence, cited as the evidence.
    let alias = ask(&engine, "is chat gpt an llm");
    assert_eq!(alias.verdict, Some(Verdict::No), "{}", alias.text);
    let evidence = alias
        .evidence
        .as_ref()
        .expect("a text verdict cites its sentence");
    assert_eq!(evidence.page, "chatgpt");
    assert!(
        evidence
            .passage
            .contains("not itself a large language model"),
        "{evidence:?}"
    );
    let generative = ask(&engine, "is chatgpt generative ai?");
    assert_eq!(
        generative.verdict,
        Some(Verdict::Yes),
        "{}",
        generative.text
    );

    let typo = ask(&engine, "is a trasnformer a neural netwrk?");
    assert_eq!(typo.verdict, Some(Verdict::Yes), "{}", typo.text);
    let methods: Vec<Method> = typo
        .explain
        .as_ref()
        .unwrap()
        .resolutions
        .iter()
        .map(|r| r.method)
        .collect();
    assert_eq!(methods, [Method::Misspelling, Method::Misspelling]);

    let adjective = ask(&engine, "is k-means supervised?");
    assert_eq!(adjective.verdict, Some(Verdict::No), "{}", adjective.text);

    for q in [
        "is Kubernetes a large language model?",
        "is a toaster generative AI",
    ] {
        let a = ask(&engine, q);
        assert_eq!(a.verdict, Some(Verdict::Unknown), "{q}: {}", a.text);
        let r = &a.explain.as_ref().unwrap().resolutions[0];
        assert_eq!(r.method, Method::Unresolved);
        let search = r.search.as_ref().expect("the search evidence is shown");
        assert!(search.similarity < search.threshold, "{q}: {search:?}");
    }

    // "ANN" names two concepts; the question's other words choose, and the answer says so.
    let ann = ask(&engine, "is HNSW an ANN algorithm?");
    assert_eq!(ann.verdict, Some(Verdict::Yes), "{}", ann.text);
    assert!(
        ann.text.contains("can also mean Neural Network"),
        "{}",
        ann.text
    );
}

#[test]
fn text_that_is_not_such_a_question_gets_no_answer() {
    let engine = zoo().engine();
    for q in [
        "cat food",
        "is it raining",
        "how do cats purr",
        "bicycle",
        "what is the weather like",
    ] {
        let q = QueryText::new(q).unwrap();
        assert_eq!(engine.answer(&q, false).unwrap(), None, "{q:?}");
    }
    let response = engine
        .search(&SearchRequest::new("furry pet").unwrap())
        .unwrap();
    assert_eq!(response.answer, None);
    let response = engine
        .search(&SearchRequest::new("is a cat an animal?").unwrap())
        .unwrap();
    assert_eq!(response.answer.and_then(|a| a.verdict), Some(Verdict::Yes));
    // Statements, such as a claim pasted into the box, are not questions: no answer, and no
    // name is looked up for one (the model is not asked).
    let before = engine.query_embeddings();
    for q in [
        "a cat is domesticated around grain stores",
        "Mercaptopurine is anabolized into the inactive methylmercaptopurine",
        "the cat is a small furry pet that purrs and hunts mice and sleeps all day",
    ] {
        let q = QueryText::new(q).unwrap();
        assert_eq!(engine.answer(&q, false).unwrap(), None, "{q:?}");
    }
    assert_eq!(engine.query_embeddings(), before);
    let stated = SearchRequest::new("a cat is a animal").unwrap();
    assert!(
        engine.search(&stated).unwrap().answer.is_some(),
        "a short is-a sentence is asked"
    );
}

/// An answer that looks names up by meaning costs no model call beyond the query's own: the
/// query's texts and the names are embedded together, and the answer is the one it would be
/// with each name embedded alone.
#[test]
fn an_answer_shares_the_querys_model_call() {
    let engine = builtin().engine();
    for (q, searched) in [
        // "toaster" is no title or alias: looked up by meaning, found too far.
        ("is a toaster generative AI", "toaster"),
        // "ANN" names two concepts: the question's own vector chooses.
        ("is HNSW an ANN algorithm?", ""),
        // Both sides looked up by meaning.
        (
            "is translation software a kind of chat bot software?",
            "translation software",
        ),
    ] {
        let calls = engine.query_model_calls();
        let request = SearchRequest::new(q).unwrap().with_explain(true);
        let response = engine.search(&request).unwrap();
        assert_eq!(engine.query_model_calls(), calls + 1, "{q}: one model call");
        let answer = response.answer.unwrap_or_else(|| panic!("{q}: no answer"));
        let explain = answer.explain.as_ref().unwrap();
        if !searched.is_empty() {
            let r = explain
                .resolutions
                .iter()
                .find(|r| r.mention == searched)
                .unwrap_or_else(|| panic!("{q}: {explain:?}"));
            assert!(r.search.is_some(), "{q}: {searched} looked up by meaning");
        }
        // The same answer from a fresh engine whose answer embeds each name on its own
        // (`Engine::answer` embeds only what the answer looks up, not the query's readings).
        let alone = builtin()
            .engine()
            .answer(&QueryText::new(q).unwrap(), true)
            .unwrap();
        assert_eq!(alone.as_ref(), Some(&answer), "{q}");
        // Keyword mode never runs the model.
        let keyword = SearchRequest::new(q).unwrap().with_mode(Mode::Keyword);
        let calls = engine.query_model_calls();
        engine.search(&keyword).unwrap();
        assert_eq!(engine.query_model_calls(), calls, "{q}: keyword mode");
    }
}

/// The acceptance bar: at least 95% right on the development yes/no questions, and no `yes`
/// that should be `no` or the reverse.
#[test]
fn development_verdicts_are_right_and_never_flipped() {
    // The original questions, and the harder cross-cutting ones (issue 12): at least 95%
    // right each, and never a yes for a no or the reverse. `not_stated` is not right, but it
    // is not a flip either.
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let engine = builtin().engine();
    for (file, at_least) in [("queries/dev.jsonl", 40), ("queries/verdicts.jsonl", 60)] {
        let set = EvalSet::load_questions(&corpus.join(file), &corpus).unwrap();
        let score = runner::score_verdicts(&set, &engine).unwrap().unwrap();
        assert!(score.questions >= at_least, "{file}: {score:?}");
        assert_eq!(score.flipped, 0, "{file}: {:#?}", score.misses);
        assert!(score.accuracy >= 0.95, "{file}: {:#?}", score.misses);
    }
}

#[test]
fn the_terminal_search_shows_the_answer_first() {
    let site = zoo();
    let out = site
        .command("search")
        .args(["is a cat an animal?", "-k", "2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("Answer: Yes."), "{stdout}");
    assert!(
        stdout.find("Answer:") < stdout.find("result(s)"),
        "{stdout}"
    );
}
