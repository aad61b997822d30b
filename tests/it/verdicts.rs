//! Every way a verdict is reached, through the real engine and the answer's JSON: a path
//! through a second parent, an `architecture` relation, a page's own sentence, a declared
//! exclusion, "not stated" when nothing says either way, and "does X use Y" questions.

use std::sync::OnceLock;

use landscape::engine::{Engine, QueryText};
use serde_json::Value;

use crate::common::Site;

/// A small corpus with several natures per concept, written as raw pages so that relations
/// and sentences are exactly what each rule needs.
fn pages() -> Vec<(&'static str, String)> {
    let page = |id: &str, title: &str, extra: &str, simple: &str| {
        format!(
            "---\nid: {id}\ntitle: \"{title}\"\n{extra}---\n\n## Simple explanation\n\n{simple}\n\n## Technical deep dive\n\nMore about {title}.\n"
        )
    };
    vec![
        (
            "learning",
            page(
                "learning",
                "Learning",
                "# root: test\nparents: []\n",
                "Learning is getting better with experience.",
            ),
        ),
        (
            "network",
            page(
                "network",
                "Network",
                "parents: [learning]\n",
                "A network is a learning model made of layers.",
            ),
        ),
        (
            "transformer",
            page(
                "transformer",
                "Transformer",
                "parents: [network]\n",
                "A transformer is a network built from attention.",
            ),
        ),
        (
            "attention",
            page(
                "attention",
                "Attention",
                "parents: [learning]\nrelations:\n  part-of: [transformer]\n",
                "Attention is a learning mechanism inside every transformer.",
            ),
        ),
        (
            "speech",
            page(
                "speech",
                "Speech Recognizer",
                "parents: [learning]\n",
                "A speech recognizer is learning applied to turning sound into text.",
            ),
        ),
        (
            "listener",
            page(
                "listener",
                "Listener",
                "parents: [speech]\nrelations:\n  architecture: [transformer]\n",
                "Listener is a speech recognizer built as a transformer.",
            ),
        ),
        (
            "painter",
            page(
                "painter",
                "Painter",
                "parents: [network]\n",
                "Painter is a network. Painter is a diffusion model that paints pictures.",
            ),
        ),
        (
            "diffusion",
            page(
                "diffusion",
                "Diffusion Model",
                "parents: [learning]\n",
                "A diffusion model is a learning method that removes noise step by step.",
            ),
        ),
        (
            "labelled",
            page(
                "labelled",
                "Labelled Learning",
                "parents: [learning]\nrelations:\n  disjoint-with: [unlabelled]\n",
                "Labelled learning is learning from answers.",
            ),
        ),
        (
            "unlabelled",
            page(
                "unlabelled",
                "Unlabelled Learning",
                "parents: [learning]\n",
                "Unlabelled learning is learning without answers.",
            ),
        ),
        (
            "grouping",
            page(
                "grouping",
                "Grouping",
                "parents: [unlabelled]\n",
                "Grouping is unlabelled learning that gathers similar items.",
            ),
        ),
        (
            "tree",
            page(
                "tree",
                "Decision Tree",
                "parents: [labelled]\n",
                "A decision tree is labelled learning with yes or no splits.",
            ),
        ),
        (
            "captioner",
            page(
                "captioner",
                "Captioner",
                "parents: [speech, network]\n",
                "Captioner is a speech recognizer, and like every such system here it is a network.",
            ),
        ),
    ]
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<(Site, Engine)> = OnceLock::new();
    &ENGINE
        .get_or_init(|| {
            let site = Site::new();
            std::fs::create_dir_all(&site.corpus).unwrap();
            for (id, text) in pages() {
                std::fs::write(site.corpus.join(format!("{id}.md")), text).unwrap();
            }
            site.build();
            let engine = site.engine();
            (site, engine)
        })
        .1
}

/// The answer as the API serialises it.
fn ask(question: &str) -> Value {
    let answer = engine()
        .answer(&QueryText::new(question).unwrap(), false)
        .unwrap()
        .unwrap_or_else(|| panic!("no answer to {question:?}"));
    serde_json::to_value(answer).unwrap()
}

fn path(answer: &Value) -> Vec<(String, String, String)> {
    answer["path"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    let field = |v: &Value| v.as_str().unwrap_or_default().to_string();
                    (
                        field(&s["from"]["id"]),
                        field(&s["relation"]),
                        field(&s["to"]["id"]),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn step(from: &str, relation: &str, to: &str) -> (String, String, String) {
    (from.into(), relation.into(), to.into())
}

#[test]
fn a_second_parent_and_an_architecture_say_yes_with_the_path() {
    let a = ask("is Listener a transformer?");
    assert_eq!(a["verdict"], "yes", "{a}");
    assert_eq!(path(&a), [step("listener", "architecture", "transformer")]);
    assert!(
        a["text"]
            .as_str()
            .unwrap()
            .contains("built on the Transformer architecture"),
        "{a}"
    );
    assert!(!a["citations"].as_array().unwrap().is_empty());
    assert!(
        a.get("evidence").is_none(),
        "a graph verdict has a path, not text evidence"
    );

    let a = ask("is Captioner a network?");
    assert_eq!(a["verdict"], "yes", "the second parent counts: {a}");
    assert_eq!(path(&a), [step("captioner", "is-a", "network")]);

    let a = ask("is Listener a network?");
    assert_eq!(a["verdict"], "yes");
    assert_eq!(
        path(&a),
        [
            step("listener", "architecture", "transformer"),
            step("transformer", "is-a", "network")
        ]
    );
}

#[test]
fn a_pages_own_sentence_says_yes_when_the_graph_is_silent() {
    let a = ask("is Painter a diffusion model?");
    assert_eq!(a["verdict"], "yes", "{a}");
    assert_eq!(a["evidence"]["page"], "painter");
    assert_eq!(
        a["evidence"]["passage"],
        "Painter is a diffusion model that paints pictures."
    );
    assert!(
        a["text"].as_str().unwrap().contains("does not link them"),
        "{a}"
    );
    assert!(a["path"].is_null(), "no graph path: {a}");
}

#[test]
fn a_declared_exclusion_says_no_for_every_kind_of_either_side() {
    let a = ask("is a decision tree a grouping method?");
    assert_eq!(a["verdict"], "no", "{a}");
    assert_eq!(
        path(&a),
        [
            step("tree", "is-a", "labelled"),
            step("labelled", "disjoint-with", "unlabelled")
        ]
    );
    assert!(
        a["text"].as_str().unwrap().contains("exclude each other"),
        "{a}"
    );
}

#[test]
fn without_evidence_the_verdict_is_not_stated_with_what_is_said() {
    let a = ask("is Listener a diffusion model?");
    assert_eq!(a["verdict"], "not_stated", "{a}");
    let text = a["text"].as_str().unwrap();
    assert!(text.starts_with("Not stated."), "{text}");
    assert!(text.contains("Both are kinds of Learning"), "{text}");
    assert_eq!(a["ancestries"].as_array().unwrap().len(), 2);
}

#[test]
fn does_x_use_y_follows_kinds_architectures_and_parts() {
    let a = ask("does Listener use attention?");
    assert_eq!(a["kind"], "uses");
    assert_eq!(a["verdict"], "yes", "{a}");
    assert_eq!(
        path(&a),
        [
            step("listener", "architecture", "transformer"),
            step("transformer", "has-part", "attention")
        ]
    );
    let a = ask("is attention used in Listener?");
    assert_eq!(
        a["verdict"], "yes",
        "the same question, named the other way round: {a}"
    );
    let a = ask("does a decision tree use attention?");
    assert_eq!(a["verdict"], "not_stated", "{a}");
    let a = ask("what is Listener built on?");
    assert_eq!(a["kind"], "built-on");
    assert!(a["text"].as_str().unwrap().contains("Transformer"), "{a}");
}
