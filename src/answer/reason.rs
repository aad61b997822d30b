//! Is X a Y? Does X use Y? Walking the concept graph, then the pages' own sentences, for the
//! evidence that says yes or no, and saying "not stated" when there is none.
//!
//! The graph is open-world: a missing edge is not a "no". The rules, in order:
//!
//! | question | evidence | verdict |
//! |---|---|---|
//! | is X a Y | a path along `parents`, `instance-of`, `example-of`, `architecture` | yes |
//! | is X part of Y | the same, or `part-of` edges | yes |
//! | does X use Y | a path along the above and `uses`, `builds-on`, `trained-with`, or Y `part-of` something on it | yes |
//! | is X a Y | Y is a kind of X (the other way round) | no |
//! | is X a Y | X is part of Y (part, not kind) | no |
//! | is X a Y | X (or an ancestor) is an `alternative-to` Y | no |
//! | is X a Y | an ancestor-or-self of X is `disjoint-with` one of Y | no |
//! | any | a sentence of X's page: "X is (also) a Y" / "X is not a Y" | yes / no, from the text |
//! | any | nothing of the above | not stated, with what the corpus does say |

use std::collections::{HashMap, VecDeque};

use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

use super::question::Asked;
use crate::corpus::{words, Corpus, Page, Relation};

/// The kind of an edge on a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Edge {
    IsA,
    InstanceOf,
    ExampleOf,
    PartOf,
    AlternativeTo,
    /// X is built as a Y network: licenses "is X a Y".
    Architecture,
    Uses,
    BuildsOn,
    TrainedWith,
    /// The reverse of `part-of`: "Transformer has Self-Attention as a part".
    HasPart,
    DisjointWith,
}

impl Edge {
    /// The edge as a predicate of its `from` side: "is a kind of Large Language Model".
    pub fn predicate(self, to: &str) -> String {
        match self {
            Edge::IsA => format!("is a kind of {to}"),
            Edge::InstanceOf => format!("is an instance of {to}"),
            Edge::ExampleOf => format!("is an example of {to}"),
            Edge::PartOf => format!("is part of {to}"),
            Edge::AlternativeTo => format!("is an alternative to {to}"),
            Edge::Architecture => format!("is built on the {to} architecture"),
            Edge::Uses => format!("uses {to}"),
            Edge::BuildsOn => format!("builds on {to}"),
            Edge::TrainedWith => format!("is trained with {to}"),
            Edge::HasPart => format!("has {to} as a part"),
            Edge::DisjointWith => format!("excludes {to} (nothing is both)"),
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

/// A sentence of a page that states the answer when the graph has no path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextEvidence {
    pub page: String,
    pub section: String,
    pub sentence: String,
}

/// Why the answer is yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YesBecause {
    /// A path in the graph (empty when X and Y are the same concept).
    Path(Vec<Step>),
    /// A sentence of X's page says so.
    Text(TextEvidence),
}

/// Why the answer is no: always positive evidence, never a missing edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoBecause {
    /// Y is a kind of X: the path from Y to X.
    Reversed(Vec<Step>),
    /// X is part of Y (or of a kind of Y), which is not being a kind of Y.
    PartNotKind(Vec<Step>),
    /// X (or one of its ancestors) and Y are alternatives to each other.
    Alternative(Step),
    /// X is a kind of A, Y a kind of B, and the corpus declares that nothing is both A and B:
    /// X's path up to A, the declared exclusion, and Y's path up to B.
    Disjoint {
        left: Vec<Step>,
        exclusion: Step,
        right: Vec<Step>,
    },
    /// A sentence of X's page says X is not a Y.
    Text(TextEvidence),
}

/// What the corpus does say when it says neither yes nor no.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NotStated {
    /// The nearest ancestor both share, if any.
    pub common: Option<String>,
    /// A path of other relations between them (ChatGPT uses Large Language Model), if any.
    pub related: Vec<Step>,
}

/// What the corpus says about the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Yes(YesBecause),
    No(NoBecause),
    NotStated(NotStated),
}

/// Which edges a walk may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// Kind-of edges: parents, instance-of, example-of, architecture.
    Kind,
    /// Kind-of edges and part-of.
    Part,
    /// Kind-of edges and every "relies on" edge: uses, builds-on, trained-with, has-part.
    Use,
}

/// The edges leaving `id` that a walk follows, each with its kind.
fn edges<'a>(corpus: &'a Corpus, id: &str, walk: Walk) -> Vec<(Edge, &'a str)> {
    let Some(page) = corpus.get(id) else {
        return Vec::new();
    };
    let related = |relation: Relation| page.relations.get(&relation).into_iter().flatten();
    let mut out: Vec<(Edge, &str)> = page
        .parents
        .iter()
        .map(|p| (Edge::IsA, p.as_str()))
        .collect();
    for (relation, edge) in [
        (Relation::InstanceOf, Edge::InstanceOf),
        (Relation::ExampleOf, Edge::ExampleOf),
        (Relation::Architecture, Edge::Architecture),
    ] {
        out.extend(related(relation).map(|t| (edge, t.as_str())));
    }
    match walk {
        Walk::Kind => {}
        Walk::Part => out.extend(related(Relation::PartOf).map(|t| (Edge::PartOf, t.as_str()))),
        Walk::Use => {
            for (relation, edge) in [
                (Relation::Uses, Edge::Uses),
                (Relation::BuildsOn, Edge::BuildsOn),
                (Relation::TrainedWith, Edge::TrainedWith),
            ] {
                out.extend(related(relation).map(|t| (edge, t.as_str())));
            }
            let parts = corpus
                .graph()
                .referenced_by(id)
                .and_then(|r| r.get(&Relation::PartOf));
            out.extend(
                parts
                    .into_iter()
                    .flatten()
                    .map(|p| (Edge::HasPart, p.as_str())),
            );
        }
    }
    out
}

/// Shortest path from `from` to `to` (breadth-first, edges in page order, so deterministic).
fn path(corpus: &Corpus, from: &str, to: &str, walk: Walk) -> Option<Vec<Step>> {
    let distances = reach(corpus, from, walk);
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
fn reach(corpus: &Corpus, from: &str, walk: Walk) -> HashMap<String, (usize, (Edge, String))> {
    let mut seen: HashMap<String, (usize, (Edge, String))> = HashMap::new();
    seen.insert(from.to_string(), (0, (Edge::IsA, from.to_string())));
    let mut queue = VecDeque::from([from.to_string()]);
    while let Some(current) = queue.pop_front() {
        let d = seen[&current].0;
        for (edge, next) in edges(corpus, &current, walk) {
            if !seen.contains_key(next) {
                seen.insert(next.to_string(), (d + 1, (edge, current.clone())));
                queue.push_back(next.to_string());
            }
        }
    }
    seen
}

/// Groups whose concepts are fields or paradigms rather than classes of things: what a field
/// uses ("Computer Vision uses Vision Transformer") is not used by every member of it.
pub const FIELD_GROUPS: &[&str] = &["foundations", "applications", "learning-paradigms"];

/// "Does `x` use `y`": up `x`'s kinds (inheriting the relations of every kind that is a class,
/// not a field), across one relation (uses, builds-on, trained-with, architecture), then up the
/// target's kinds or down to its parts. One relation only: what a thing's tools use is not
/// what the thing uses.
fn use_path(corpus: &Corpus, x: &str, y: &str) -> Option<Vec<Step>> {
    // (node, relation taken) → (edge in, previous state)
    type State = (String, bool);
    let mut seen: HashMap<State, Option<(Edge, State)>> = HashMap::new();
    let start: State = (x.to_string(), false);
    seen.insert(start.clone(), None);
    let mut queue = VecDeque::from([start]);
    while let Some(state) = queue.pop_front() {
        let (id, crossed) = &state;
        if id == y {
            let mut steps = Vec::new();
            let mut current = state.clone();
            while let Some(Some((edge, previous))) = seen.get(&current) {
                steps.push(Step {
                    from: previous.0.clone(),
                    edge: *edge,
                    to: current.0.clone(),
                });
                current = previous.clone();
            }
            steps.reverse();
            return Some(steps);
        }
        let is_field = corpus
            .get(id)
            .and_then(|p| p.group.as_deref())
            .is_some_and(|g| FIELD_GROUPS.contains(&g));
        for (edge, next) in edges(corpus, id, Walk::Use) {
            let relation = matches!(edge, Edge::Uses | Edge::BuildsOn | Edge::TrainedWith);
            // A part of a thing X relies on is not something X itself uses: GPT is
            // trained with pretraining, yet not with every objective pretraining has.
            let allowed = match (relation, *crossed) {
                (true, true) => false,
                (true, false) => id == x || !is_field,
                (false, crossed) => edge != Edge::HasPart || !crossed,
            };
            let next_state: State = (
                next.to_string(),
                *crossed || relation || edge == Edge::HasPart,
            );
            if allowed && !seen.contains_key(&next_state) {
                seen.insert(next_state.clone(), Some((edge, state.clone())));
                queue.push_back(next_state);
            }
        }
    }
    None
}

/// Answers "is `x` a `y`", "is `x` part of `y`" or "does `x` use `y`" from the graph, then
/// from the text of `x`'s page.
pub fn judge(corpus: &Corpus, x: &str, y: &str, asked: Asked) -> Finding {
    let walk = match asked {
        Asked::IsA => Walk::Kind,
        Asked::PartOf => Walk::Part,
        Asked::Uses => Walk::Use,
    };
    let found = match walk {
        Walk::Use => use_path(corpus, x, y),
        _ => path(corpus, x, y, walk),
    };
    if let Some(p) = found {
        return Finding::Yes(YesBecause::Path(p));
    }
    if asked != Asked::Uses {
        if let Some(no) = graph_no(corpus, x, y, asked) {
            return Finding::No(no);
        }
    }
    match text_evidence(corpus, x, y, asked) {
        Some((true, evidence)) => Finding::Yes(YesBecause::Text(evidence)),
        Some((false, evidence)) => Finding::No(NoBecause::Text(evidence)),
        None => Finding::NotStated(NotStated {
            common: nearest_common_ancestor(corpus, x, y),
            related: path(corpus, x, y, Walk::Use)
                .or_else(|| path(corpus, y, x, Walk::Use))
                .unwrap_or_default(),
        }),
    }
}

/// The graph's positive evidence that `x` is not a `y`, strongest first.
fn graph_no(corpus: &Corpus, x: &str, y: &str, asked: Asked) -> Option<NoBecause> {
    if let Some(p) = path(corpus, y, x, Walk::Kind).filter(|p| !p.is_empty()) {
        return Some(NoBecause::Reversed(p));
    }
    if asked == Asked::IsA {
        if let Some(p) = path(corpus, x, y, Walk::Part) {
            return Some(NoBecause::PartNotKind(p));
        }
    }
    if let Some(step) = alternative(corpus, x, y) {
        return Some(NoBecause::Alternative(step));
    }
    disjoint(corpus, x, y)
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

/// What `x` is built on and uses: its own `architecture`, `uses`, `builds-on` and
/// `trained-with` targets, then those of its kinds (nearest first), each as the path from `x`.
/// A kind of `x` that is itself an architecture ("GPT-4 is a kind of Transformer") counts too.
/// At most [`BUILT_ON_ITEMS`], nearest first: an answer, not an inventory.
pub fn built_on(corpus: &Corpus, x: &str) -> Vec<Vec<Step>> {
    let mut kinds: Vec<(usize, String)> = reach(corpus, x, Walk::Kind)
        .into_iter()
        .map(|(id, (d, _))| (d, id))
        .collect();
    kinds.sort();
    let mut out: Vec<Vec<Step>> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (_, kind) in &kinds {
        let Some(page) = corpus.get(kind) else {
            continue;
        };
        let up = path(corpus, x, kind, Walk::Kind).unwrap_or_default();
        // A field's tools are not its members' (as in `use_path`).
        let field = page
            .group
            .as_deref()
            .is_some_and(|g| FIELD_GROUPS.contains(&g));
        if kind != x && field {
            continue;
        }
        if kind != x && page.group.as_deref() == Some(ARCHITECTURES) && seen.insert(kind.clone()) {
            out.push(up.clone());
        }
        for (relation, edge) in [
            (Relation::Architecture, Edge::Architecture),
            (Relation::Uses, Edge::Uses),
            (Relation::BuildsOn, Edge::BuildsOn),
            (Relation::TrainedWith, Edge::TrainedWith),
        ] {
            for target in page.relations.get(&relation).into_iter().flatten() {
                if seen.insert(target.clone()) {
                    let mut steps = up.clone();
                    steps.push(Step {
                        from: kind.clone(),
                        edge,
                        to: target.clone(),
                    });
                    out.push(steps);
                }
            }
        }
    }
    out.truncate(BUILT_ON_ITEMS);
    out
}

/// Most items a "what is X built on" answer lists.
pub const BUILT_ON_ITEMS: usize = 8;

/// The group of the built-in corpus whose concepts are network architectures.
pub const ARCHITECTURES: &str = "architectures";

/// A declared exclusion between an ancestor-or-self of `x` and one of `y`, nearest first.
fn disjoint(corpus: &Corpus, x: &str, y: &str) -> Option<NoBecause> {
    let (from_x, from_y) = (reach(corpus, x, Walk::Kind), reach(corpus, y, Walk::Kind));
    let excluded = |a: &str, b: &str| {
        corpus
            .get(a)
            .and_then(|p| p.relations.get(&Relation::DisjointWith))
            .is_some_and(|targets| targets.iter().any(|t| t == b))
    };
    let mut found: Option<(usize, &String, &String)> = None;
    for (a, (da, _)) in &from_x {
        for (b, (db, _)) in &from_y {
            if (excluded(a, b) || excluded(b, a)) && found.is_none_or(|f| da + db < f.0) {
                found = Some((da + db, a, b));
            }
        }
    }
    let (_, a, b) = found?;
    Some(NoBecause::Disjoint {
        left: path(corpus, x, a, Walk::Kind).unwrap_or_default(),
        exclusion: Step {
            from: a.clone(),
            edge: Edge::DisjointWith,
            to: b.clone(),
        },
        right: path(corpus, y, b, Walk::Kind).unwrap_or_default(),
    })
}

/// The ancestor of both `a` and `b` (either may be it) with the shortest combined distance;
/// ties go to the smaller id.
pub fn nearest_common_ancestor(corpus: &Corpus, a: &str, b: &str) -> Option<String> {
    let from_a = reach(corpus, a, Walk::Kind);
    let from_b = reach(corpus, b, Walk::Kind);
    from_a
        .iter()
        .filter_map(|(id, (da, _))| from_b.get(id).map(|(db, _)| (da + db, id.clone())))
        .min()
        .map(|(_, id)| id)
}

/// Words that may stand between the verb and Y's name without changing the claim.
const FILLER: &[&str] = &[
    "a",
    "an",
    "the",
    "also",
    "itself",
    "both",
    "kind",
    "type",
    "form",
    "sort",
    "of",
    "one",
    "on",
    "upon",
    "in",
    "entirely",
    "mainly",
    "essentially",
];
/// Words that open a clause: Y's name after one of them is not what X is said to be.
const CLAUSE: &[&str] = &[
    "that", "which", "who", "whose", "where", "when", "to", "for", "with", "by", "and", "or",
    "but", "because", "while", "than", "like", "unlike", "instead", "rather", "from", "into",
];
/// The verbs of a sentence that says X uses Y ("is built on", "is based on", "relies on").
const USE_VERBS: &[&str] = &[
    "uses", "use", "relies", "rely", "runs", "run", "built", "based", "trained",
];

/// A sentence of `x`'s page (or else of `y`'s) that states the answer: its subject is a name of `x`, then the
/// verb ("is"; for a uses question "uses", "is built on", "is based on", "relies on"), then at
/// most two words besides fillers, and a name of `y`. With "not" among them it says no. A
/// sentence that merely mentions both, or names Y inside a clause, is not evidence.
fn text_evidence(corpus: &Corpus, x: &str, y: &str, asked: Asked) -> Option<(bool, TextEvidence)> {
    let (px, py) = (corpus.get(x)?, corpus.get(y)?);
    // X's page first, then Y's ("… such as Sora. Sora is a diffusion model that …").
    for page in [px, py] {
        for section in &page.sections {
            for sentence in section.text.unicode_sentences() {
                if let Some(yes) = states(&Words::of(sentence), px, py, asked) {
                    let evidence = TextEvidence {
                        page: page.id.clone(),
                        section: section.heading.clone(),
                        sentence: sentence.trim().to_string(),
                    };
                    return Some((yes, evidence));
                }
            }
        }
    }
    None
}

/// A sentence's words (as [`words`] splits them), each marked with whether it ends a
/// whitespace-separated token: a name must not match half of "zero-shot" ("ZeRO").
struct Words {
    w: Vec<String>,
    ends: Vec<bool>,
}

impl Words {
    fn of(sentence: &str) -> Words {
        let mut out = Words {
            w: Vec::new(),
            ends: Vec::new(),
        };
        for token in sentence.split_whitespace() {
            let parts = words(token);
            let n = parts.len();
            for (k, part) in parts.into_iter().enumerate() {
                out.w.push(part);
                out.ends.push(k + 1 == n);
            }
        }
        out
    }

    /// The length of a name of `page` at `at` that covers whole tokens only.
    fn name_at(&self, page: &Page, at: usize) -> Option<usize> {
        let n = page.name_at(&self.w, at)?;
        let starts = at == 0 || self.ends[at - 1];
        (starts && self.ends[at + n - 1]).then_some(n)
    }
}

/// Whether the sentence says "X <verb> [not] … Y" (`Some(true)` for yes, `Some(false)` for
/// no), in its main clause or in a later one whose subject is "it" ("X is …, and it was not
/// trained with Y").
fn states(sentence: &Words, x: &Page, y: &Page, asked: Asked) -> Option<bool> {
    let w = &sentence.w;
    let start = usize::from(matches!(
        w.first().map(String::as_str),
        Some("a" | "an" | "the")
    ));
    let verb = start + sentence.name_at(x, start)?;
    predicate(sentence, verb, y, asked).or_else(|| {
        (verb..w.len())
            .filter(|&k| w[k] == "it" && matches!(w[k - 1].as_str(), "and" | "but" | "so"))
            .find_map(|k| predicate(sentence, k + 1, y, asked))
    })
}

/// The predicate from the verb at `i`: "is [not] … Y", "uses / is built on / was trained
/// with … Y", then at most two words besides fillers before Y's name.
fn predicate(sentence: &Words, mut i: usize, y: &Page, asked: Asked) -> Option<bool> {
    let w = &sentence.w;
    let word = |i: usize| w.get(i).map(String::as_str);
    let is = |i: usize| matches!(word(i), Some("is" | "are" | "was" | "were"));
    let uses = |i: usize| word(i).is_some_and(|v| USE_VERBS.contains(&v));
    let does = |i: usize| matches!(word(i), Some("does" | "do"));
    let mut negated = false;
    match asked {
        Asked::Uses if does(i) && word(i + 1) == Some("not") && uses(i + 2) => {
            negated = true;
            i += 3;
        }
        Asked::IsA | Asked::PartOf if is(i) => i += 1,
        Asked::Uses if uses(i) => i += 1,
        Asked::Uses if is(i) && (uses(i + 1) || word(i + 1) == Some("not") && uses(i + 2)) => {
            negated = word(i + 1) == Some("not");
            i += if negated { 3 } else { 2 };
        }
        _ => return None,
    }
    if asked == Asked::Uses && matches!(word(i), Some("on" | "upon" | "with")) {
        i += 1;
    }
    let mut other_words = 0;
    while i < w.len() {
        if sentence.name_at(y, i).is_some() {
            return Some(!negated);
        }
        match w[i].as_str() {
            "not" | "never" | "no" | "neither" => negated = true,
            // "not A or B" denies both.
            "or" | "nor" if negated => {}
            "part" if asked == Asked::IsA => return None,
            c if CLAUSE.contains(&c) => return None,
            f if FILLER.contains(&f) => {}
            _ if other_words < 2 => other_words += 1,
            _ => return None,
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::tests_support::corpus_of_text;

    /// One line per page: (id, title, aliases, front matter, an opening sentence).
    #[rustfmt::skip]
    fn corpus() -> Corpus {
        corpus_of_text(&[
            ("ai", "AI", "[]", "", ""),
            ("ml", "Machine Learning", "[]", "parents: [ai]\n", ""),
            ("dl", "Deep Learning", "[]", "parents: [ml]\n", ""),
            ("nn", "Neural Network", "[]", "parents: [dl]\n", ""),
            ("transformer", "Transformer", "[]", "parents: [nn]\ngroup: architectures\n", ""),
            ("rnn", "Recurrent Neural Network", "[RNN]", "parents: [nn]\n", ""),
            ("lstm", "LSTM", "[]", "parents: [rnn]\n", ""),
            ("attention", "Self-Attention", "[attention]", "parents: [dl]\nrelations:\n  part-of: [transformer]\n", ""),
            ("genai", "Generative AI", "[]", "parents: [ai]\n", ""),
            ("multimodal", "Multimodal Model", "[]", "parents: [dl]\n", ""),
            ("llm", "Large Language Model", "[LLM]", "parents: [genai, transformer]\n", ""),
            ("gpt", "GPT", "[]", "parents: [llm]\n", ""),
            ("gpt-4", "GPT-4", "[]", "parents: [gpt, multimodal]\n", ""),
            ("chatgpt", "ChatGPT", "[]", "parents: [genai]\nrelations:\n  uses: [gpt-4]\n",
                "ChatGPT is not itself a large language model but a product built on one."),
            ("whisper", "Whisper", "[]", "parents: [ml]\nrelations:\n  architecture: [transformer]\n", ""),
            ("sora", "Sora", "[]", "parents: [genai]\n", "Sora is a diffusion model that makes video."),
            ("diffusion", "Diffusion Model", "[]", "parents: [genai]\n",
                "Video generators use it too. Veo is a diffusion model for video."),
            ("veo", "Veo", "[]", "parents: [genai]\n", ""),
            ("supervised", "Supervised Learning", "[]", "parents: [ml]\nrelations:\n  disjoint-with: [unsupervised]\n", ""),
            ("unsupervised", "Unsupervised Learning", "[]", "parents: [ml]\n", ""),
            ("k-means", "K-Means", "[]", "parents: [unsupervised]\n", ""),
            ("svm", "Support Vector Machine", "[SVM]", "parents: [supervised]\n", ""),
            ("rag", "RAG", "[]", "parents: [ai]\nrelations:\n  alternative-to: [finetune]\n", ""),
            ("finetune", "Fine-tuning", "[]", "parents: [ml]\n", ""),
            ("hallucination", "Hallucination", "[]", "", ""),
        ])
    }

    fn ids(path: &[Step]) -> Vec<&str> {
        let mut out: Vec<&str> = path.iter().map(|s| s.from.as_str()).collect();
        out.extend(path.last().map(|s| s.to.as_str()));
        out
    }

    fn yes_path(c: &Corpus, x: &str, y: &str, asked: Asked) -> Vec<Step> {
        match judge(c, x, y, asked) {
            Finding::Yes(YesBecause::Path(p)) => p,
            other => panic!("{x} / {y}: {other:?}"),
        }
    }

    #[test]
    fn yes_follows_every_parent_and_the_architecture() {
        let c = corpus();
        let multi = yes_path(&c, "gpt-4", "multimodal", Asked::IsA);
        assert_eq!(
            ids(&multi),
            ["gpt-4", "multimodal"],
            "the second parent counts"
        );
        let p = yes_path(&c, "gpt-4", "genai", Asked::IsA);
        assert_eq!(ids(&p), ["gpt-4", "gpt", "llm", "genai"]);
        let built = yes_path(&c, "whisper", "transformer", Asked::IsA);
        assert_eq!(built[0].edge, Edge::Architecture);
        let nn = yes_path(&c, "whisper", "nn", Asked::IsA);
        assert_eq!(ids(&nn), ["whisper", "transformer", "nn"]);
        let part = yes_path(&c, "attention", "nn", Asked::PartOf);
        assert_eq!(ids(&part), ["attention", "transformer", "nn"]);
    }

    #[test]
    fn uses_follows_relations_kinds_and_parts() {
        let c = corpus();
        let p = yes_path(&c, "gpt-4", "transformer", Asked::Uses);
        assert_eq!(ids(&p), ["gpt-4", "gpt", "llm", "transformer"]);
        let p = yes_path(&c, "gpt-4", "attention", Asked::Uses);
        assert_eq!(
            p.last().unwrap().edge,
            Edge::HasPart,
            "attention is part of a transformer"
        );
        let p = yes_path(&c, "chatgpt", "llm", Asked::Uses);
        assert_eq!(p[0].edge, Edge::Uses);
        assert!(matches!(
            judge(&c, "k-means", "transformer", Asked::Uses),
            Finding::NotStated(_)
        ));
    }

    #[test]
    fn no_needs_positive_evidence() {
        let c = corpus();
        let no = |x: &str, y: &str| match judge(&c, x, y, Asked::IsA) {
            Finding::No(because) => because,
            other => panic!("{x} / {y}: {other:?}"),
        };
        assert!(matches!(no("ml", "dl"), NoBecause::Reversed(_)));
        assert!(matches!(
            no("attention", "transformer"),
            NoBecause::PartNotKind(_)
        ));
        assert!(matches!(no("rag", "finetune"), NoBecause::Alternative(_)));
        match no("k-means", "svm") {
            NoBecause::Disjoint {
                left,
                exclusion,
                right,
            } => {
                assert_eq!(ids(&left), ["k-means", "unsupervised"]);
                assert_eq!(
                    (exclusion.from.as_str(), exclusion.to.as_str()),
                    ("unsupervised", "supervised")
                );
                assert_eq!(ids(&right), ["svm", "supervised"]);
            }
            other => panic!("a declared exclusion, read both ways: {other:?}"),
        }
        match no("chatgpt", "llm") {
            NoBecause::Text(e) => assert!(e.sentence.starts_with("ChatGPT is not itself")),
            other => panic!("the page says so: {other:?}"),
        }
    }

    #[test]
    fn sentences_are_read_by_whole_words_and_later_clauses() {
        let page = |id: &str, title: &str, aliases: &str| {
            corpus_of_text(&[(id, title, aliases, "", "")])
                .get(id)
                .cloned()
                .unwrap()
        };
        let (clip, zero) = (page("clip", "CLIP", "[]"), page("zero", "ZeRO", "[]"));
        let said = |text: &str, y: &Page, asked| states(&Words::of(text), &clip, y, asked);
        assert_eq!(
            said("CLIP is a zero-shot classifier.", &zero, Asked::IsA),
            None
        );
        assert_eq!(
            said("CLIP is a ZeRO optimiser.", &zero, Asked::IsA),
            Some(true)
        );
        let rlhf = page("rlhf", "RLHF", "[]");
        let text = "CLIP is not generative, and it was not trained with RLHF.";
        assert_eq!(said(text, &rlhf, Asked::Uses), Some(false));
    }

    #[test]
    fn text_says_yes_when_the_graph_is_silent() {
        let c = corpus();
        match judge(&c, "veo", "diffusion", Asked::IsA) {
            Finding::Yes(YesBecause::Text(e)) => assert_eq!(e.page, "diffusion", "Y's page too"),
            other => panic!("{other:?}"),
        }
        match judge(&c, "sora", "diffusion", Asked::IsA) {
            Finding::Yes(YesBecause::Text(e)) => {
                assert_eq!(e.page, "sora");
                assert_eq!(e.sentence, "Sora is a diffusion model that makes video.");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn without_evidence_it_is_not_stated() {
        let c = corpus();
        match judge(&c, "lstm", "transformer", Asked::IsA) {
            Finding::NotStated(said) => assert_eq!(said.common.as_deref(), Some("nn")),
            other => panic!("siblings are not a no: {other:?}"),
        }
        match judge(&c, "hallucination", "genai", Asked::IsA) {
            Finding::NotStated(said) => assert_eq!(said.common, None),
            other => panic!("separate roots alone are not a no: {other:?}"),
        }
        match judge(&c, "chatgpt", "gpt", Asked::IsA) {
            Finding::NotStated(said) => assert_eq!(ids(&said.related), ["chatgpt", "gpt-4", "gpt"]),
            other => panic!("what the corpus does say comes along: {other:?}"),
        }
    }

    #[test]
    fn built_on_lists_own_and_inherited_foundations() {
        let c = corpus();
        let found: Vec<Vec<String>> = built_on(&c, "gpt-4")
            .into_iter()
            .map(|p| ids(&p).iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(found, [vec!["gpt-4", "gpt", "llm", "transformer"]]);
        let whisper: Vec<Vec<String>> = built_on(&c, "whisper")
            .into_iter()
            .map(|p| ids(&p).iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(whisper, [vec!["whisper", "transformer"]]);
    }
}
