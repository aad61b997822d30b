//! Is X a Y? Walking the concept graph for the path that says yes, or the facts that say no.
//!
//! Yes means a path from X to Y along is-a edges (`parents`, and the `instance-of` and
//! `example-of` relations), or, when the question asks "part of", along `part-of` edges too.
//! Anything else is no, with the most telling reason found, in this order: Y is a kind of X
//! (the other way round); X is part of Y but not a kind of it; X is an alternative to Y; X is
//! built on a Y without being one (a product on a model); both sit under a nearest common
//! ancestor in different branches; or their ancestries never meet.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use super::question::Asked;
use crate::corpus::{Corpus, Relation};

/// The kind of an edge on a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edge {
    IsA,
    InstanceOf,
    ExampleOf,
    PartOf,
    AlternativeTo,
    /// `uses` or `builds-on`: X runs on, or extends, Y.
    BuiltOn,
}

impl Edge {
    /// How the edge reads in a sentence: "GPT-4 is a kind of Large Language Model".
    pub fn phrase(self) -> &'static str {
        match self {
            Edge::IsA => "a kind of",
            Edge::InstanceOf => "an instance of",
            Edge::ExampleOf => "an example of",
            Edge::PartOf => "part of",
            Edge::AlternativeTo => "an alternative to",
            Edge::BuiltOn => "built on",
        }
    }
}

/// One edge of a path, by page id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub from: String,
    pub edge: Edge,
    pub to: String,
}

/// Why the answer is no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoBecause {
    /// Y is a kind of X: the path from Y to X.
    Reversed(Vec<Step>),
    /// X is part of Y (or of a kind of Y), which is not being a kind of Y.
    PartNotKind(Vec<Step>),
    /// X (or one of its ancestors) and Y are alternatives to each other.
    Alternative(Step),
    /// X is built on Y, or on a kind of Y, without being one: the built-on step, then the
    /// path from what X is built on up to Y.
    BuiltOn(Vec<Step>),
    /// The nearest ancestor both share, and each one's path up to it.
    Siblings {
        common: String,
        left: Vec<Step>,
        right: Vec<Step>,
    },
    /// The two ancestries never meet.
    Unrelated,
}

/// What the graph says about "is X a Y".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Yes(Vec<Step>),
    No(NoBecause),
}

/// The edges leaving `id` that count for a question, each with its kind.
fn edges<'a>(corpus: &'a Corpus, id: &str, part_of: bool) -> Vec<(Edge, &'a str)> {
    let Some(page) = corpus.get(id) else {
        return Vec::new();
    };
    let mut out: Vec<(Edge, &str)> = page
        .parents
        .iter()
        .map(|p| (Edge::IsA, p.as_str()))
        .collect();
    let related = |relation: Relation| page.relations.get(&relation).into_iter().flatten();
    out.extend(related(Relation::InstanceOf).map(|t| (Edge::InstanceOf, t.as_str())));
    out.extend(related(Relation::ExampleOf).map(|t| (Edge::ExampleOf, t.as_str())));
    if part_of {
        out.extend(related(Relation::PartOf).map(|t| (Edge::PartOf, t.as_str())));
    }
    out
}

/// Shortest path from `from` to `to` (breadth-first, edges in page order, so deterministic).
fn path(corpus: &Corpus, from: &str, to: &str, part_of: bool) -> Option<Vec<Step>> {
    let distances = reach(corpus, from, part_of);
    let mut steps = Vec::new();
    let mut current = to;
    distances.get(to)?;
    while current != from {
        let (_, (edge, previous)) = distances.get(current)?;
        steps.push(Step {
            from: previous.clone(),
            edge: *edge,
            to: current.to_string(),
        });
        current = previous;
    }
    steps.reverse();
    Some(steps)
}

/// Everything reachable from `from`: id → (distance, (edge in, previous id)).
fn reach(corpus: &Corpus, from: &str, part_of: bool) -> HashMap<String, (usize, (Edge, String))> {
    let mut seen: HashMap<String, (usize, (Edge, String))> = HashMap::new();
    seen.insert(from.to_string(), (0, (Edge::IsA, from.to_string())));
    let mut queue = VecDeque::from([from.to_string()]);
    while let Some(current) = queue.pop_front() {
        let d = seen[&current].0;
        for (edge, next) in edges(corpus, &current, part_of) {
            if !seen.contains_key(next) {
                seen.insert(next.to_string(), (d + 1, (edge, current.clone())));
                queue.push_back(next.to_string());
            }
        }
    }
    seen
}

/// Answers "is `x` a `y`" (or "part of") from the graph.
pub fn judge(corpus: &Corpus, x: &str, y: &str, asked: Asked) -> Finding {
    let part_of = asked == Asked::PartOf;
    if let Some(p) = path(corpus, x, y, part_of) {
        return Finding::Yes(p);
    }
    if let Some(p) = path(corpus, y, x, false).filter(|p| !p.is_empty()) {
        return Finding::No(NoBecause::Reversed(p));
    }
    if !part_of {
        if let Some(p) = path(corpus, x, y, true) {
            return Finding::No(NoBecause::PartNotKind(p));
        }
    }
    if let Some(step) = alternative(corpus, x, y) {
        return Finding::No(NoBecause::Alternative(step));
    }
    if let Some(p) = built_on(corpus, x, y) {
        return Finding::No(NoBecause::BuiltOn(p));
    }
    match nearest_common_ancestor(corpus, x, y) {
        Some(common) => Finding::No(NoBecause::Siblings {
            left: path(corpus, x, &common, false).unwrap_or_default(),
            right: path(corpus, y, &common, false).unwrap_or_default(),
            common,
        }),
        None => Finding::No(NoBecause::Unrelated),
    }
}

/// `x` uses or builds on `y`, or on something that is a kind of `y`: the shortest such path
/// (ChatGPT —built on→ GPT-4 —is a→ Large Language Model), direct targets first.
fn built_on(corpus: &Corpus, x: &str, y: &str) -> Option<Vec<Step>> {
    let page = corpus.get(x)?;
    let targets: Vec<&String> = [Relation::Uses, Relation::BuildsOn]
        .iter()
        .flat_map(|r| page.relations.get(r).into_iter().flatten())
        .collect();
    targets
        .iter()
        .filter_map(|z| Some((z, path(corpus, z, y, false)?)))
        .min_by_key(|(_, p)| p.len())
        .map(|(z, rest)| {
            let mut steps = vec![Step {
                from: x.to_string(),
                edge: Edge::BuiltOn,
                to: z.to_string(),
            }];
            steps.extend(rest);
            steps
        })
}

/// An `alternative-to` edge between `x` or one of its ancestors and `y`, either way round.
fn alternative(corpus: &Corpus, x: &str, y: &str) -> Option<Step> {
    let alternatives = |id: &str| -> Vec<String> {
        corpus
            .get(id)
            .and_then(|p| p.relations.get(&Relation::AlternativeTo))
            .cloned()
            .unwrap_or_default()
    };
    let mut lineage = vec![x.to_string()];
    lineage.extend(corpus.graph().ancestors(x));
    for a in &lineage {
        if alternatives(a).iter().any(|t| t == y) || alternatives(y).iter().any(|t| t == a) {
            return Some(Step {
                from: a.clone(),
                edge: Edge::AlternativeTo,
                to: y.to_string(),
            });
        }
    }
    None
}

/// The ancestor of both `a` and `b` (either may be it) with the shortest combined distance;
/// ties go to the smaller id.
pub fn nearest_common_ancestor(corpus: &Corpus, a: &str, b: &str) -> Option<String> {
    let from_a = reach(corpus, a, false);
    let from_b = reach(corpus, b, false);
    from_a
        .iter()
        .filter_map(|(id, (da, _))| from_b.get(id).map(|(db, _)| (da + db, id.clone())))
        .min()
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::tests_support::corpus_of;

    fn corpus() -> Corpus {
        corpus_of(&[
            ("ai", "AI", "[]", ""),
            ("ml", "Machine Learning", "[]", "parents: [ai]\n"),
            ("dl", "Deep Learning", "[]", "parents: [ml]\n"),
            ("nn", "Neural Network", "[]", "parents: [dl]\n"),
            ("transformer", "Transformer", "[]", "parents: [nn]\n"),
            ("rnn", "Recurrent Neural Network", "[]", "parents: [nn]\n"),
            ("lstm", "LSTM", "[]", "parents: [rnn]\n"),
            (
                "attention",
                "Self-Attention",
                "[]",
                "parents: [dl]\nrelations:\n  part-of: [transformer]\n",
            ),
            ("genai", "Generative AI", "[]", "parents: [ai]\n"),
            (
                "llm",
                "Large Language Model",
                "[]",
                "parents: [genai, dl]\n",
            ),
            ("gpt", "GPT", "[]", "parents: [llm]\n"),
            (
                "chatgpt",
                "ChatGPT",
                "[]",
                "parents: [llm]\nrelations:\n  instance-of: [gpt]\n",
            ),
            (
                "assistant",
                "Chat Assistant",
                "[]",
                "parents: [genai]\nrelations:\n  uses: [gpt]\n",
            ),
            (
                "rag",
                "RAG",
                "[]",
                "parents: [ai]\nrelations:\n  alternative-to: [finetune]\n",
            ),
            ("finetune", "Fine-tuning", "[]", "parents: [ml]\n"),
            ("hallucination", "Hallucination", "[]", ""),
        ])
    }

    fn ids(path: &[Step]) -> Vec<&str> {
        let mut out: Vec<&str> = path.iter().map(|s| s.from.as_str()).collect();
        out.extend(path.last().map(|s| s.to.as_str()));
        out
    }

    #[test]
    fn yes_follows_any_parent_and_names_the_path() {
        let c = corpus();
        match judge(&c, "gpt", "genai", Asked::IsA) {
            Finding::Yes(p) => assert_eq!(ids(&p), ["gpt", "llm", "genai"]),
            other => panic!("{other:?}"),
        }
        match judge(&c, "chatgpt", "gpt", Asked::IsA) {
            Finding::Yes(p) => assert_eq!(p[0].edge, Edge::InstanceOf),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            judge(&c, "ml", "ai", Asked::PartOf),
            Finding::Yes(_)
        ));
        match judge(&c, "attention", "nn", Asked::PartOf) {
            Finding::Yes(p) => assert_eq!(ids(&p), ["attention", "transformer", "nn"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_gives_the_most_telling_reason() {
        let c = corpus();
        assert!(matches!(
            judge(&c, "ml", "dl", Asked::IsA),
            Finding::No(NoBecause::Reversed(_))
        ));
        assert!(matches!(
            judge(&c, "attention", "transformer", Asked::IsA),
            Finding::No(NoBecause::PartNotKind(_))
        ));
        assert!(matches!(
            judge(&c, "rag", "finetune", Asked::IsA),
            Finding::No(NoBecause::Alternative(_))
        ));
        match judge(&c, "assistant", "llm", Asked::IsA) {
            Finding::No(NoBecause::BuiltOn(p)) => {
                assert_eq!(ids(&p), ["assistant", "gpt", "llm"]);
                assert_eq!(p[0].edge, Edge::BuiltOn);
            }
            other => panic!("a product on a model is not the model: {other:?}"),
        }
        match judge(&c, "lstm", "transformer", Asked::IsA) {
            Finding::No(NoBecause::Siblings {
                common,
                left,
                right,
            }) => {
                assert_eq!(common, "nn");
                assert_eq!(ids(&left), ["lstm", "rnn", "nn"]);
                assert_eq!(ids(&right), ["transformer", "nn"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            judge(&c, "hallucination", "genai", Asked::IsA),
            Finding::No(NoBecause::Unrelated),
            "a documented root is a kind of nothing"
        );
    }
}
