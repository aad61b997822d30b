//! Answers, not just links: verdicts for "is X a Y?", comparisons and definitions, read off the
//! concept graph and cited from the pages.
//!
//! Deterministic and explainable: [`question`] recognises the kind of question and cuts out
//! its names, [`resolve`] turns each name into a concept (names first, the hybrid index only
//! when no name fits and only above a similarity threshold), [`reason`] walks the graph, and
//! [`cite`] finds the passages that state the answer. No language model writes text: every
//! sentence of an answer is a template filled with titles, or a quotation from a page.

pub mod cite;
pub mod question;
pub mod reason;
pub mod resolve;

use serde::Serialize;
use tantivy::tokenizer::TextAnalyzer;

use crate::corpus::{Corpus, Page, PageKind, COMPARISON_SECTIONS};
use cite::{Citation, DEFINING_SECTION};
use question::{Asked, Question};
use reason::{Edge, Finding, NoBecause, Step, YesBecause};
use resolve::{NameIndex, Resolution, SearchFn};

/// What kind of question was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerKind {
    IsA,
    PartOf,
    /// "does X use Y", "is Y used in X", "is X built on Y".
    Uses,
    Comparison,
    Definition,
    /// "what is X built on?": what X and its kinds are built on and use.
    BuiltOn,
}

/// The verdict of an is-a or part-of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Yes,
    No,
    /// A side could not be resolved with confidence.
    Unknown,
    /// Both sides are known, but the corpus says neither yes nor no: the graph is open-world,
    /// and a missing edge is not a "no".
    #[serde(rename = "not_stated")]
    NotStated,
}

/// A concept named in an answer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ConceptRef {
    pub id: String,
    pub title: String,
    /// Where a reader finds the concept; set by the front end ([`Answer::link`]), which
    /// alone knows its routes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// One edge of an answer's path, with titles.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PathStep {
    pub from: ConceptRef,
    pub relation: Edge,
    pub to: ConceptRef,
}

/// How the answer was reached, when `explain` is asked for.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AnswerExplain {
    /// The cuts of the question into two names that were considered, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cuts: Vec<(String, String)>,
    /// How each side was resolved.
    pub resolutions: Vec<Resolution>,
    /// Least similarity for a side resolved by search.
    pub search_threshold: f32,
}

/// An answer to a question.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Answer {
    pub kind: AnswerKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// The answer in one or two sentences.
    pub text: String,
    /// The concepts the question names, as resolved (X then Y).
    pub concepts: Vec<ConceptRef>,
    /// For `yes`: the path from X to Y. For `no`: the path that shows the reason, if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<PathStep>,
    /// For `no` and `unknown`: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Each concept's ancestry from its root down to itself (definitions, and verdicts that
    /// say no).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ancestries: Vec<Vec<ConceptRef>>,
    /// The id of the page that answers it (the comparison page, or the defined concept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Where a reader finds that page; set by the front end ([`Answer::link`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Passages that state the answer.
    pub citations: Vec<Citation>,
    /// For a verdict read from a page's text rather than the graph: that sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Citation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<AnswerExplain>,
}

impl Answer {
    /// An answer of `kind` with its text and concepts, and nothing else yet: each kind's
    /// constructor below adds what that kind carries.
    fn of(kind: AnswerKind, text: String, concepts: Vec<ConceptRef>) -> Answer {
        Answer {
            kind,
            verdict: None,
            text,
            concepts,
            path: Vec::new(),
            reason: None,
            ancestries: Vec::new(),
            page: None,
            link: None,
            citations: Vec::new(),
            evidence: None,
            explain: None,
        }
    }

    /// "Yes", with the path that shows it and the passages that state each step.
    fn yes(kind: AnswerKind, text: String, concepts: Vec<ConceptRef>) -> Answer {
        Answer {
            verdict: Some(Verdict::Yes),
            ..Answer::of(kind, text, concepts)
        }
    }

    /// "No" or "Not stated", and why; both sides' ancestries show where each sits.
    fn reasoned(
        kind: AnswerKind,
        verdict: Verdict,
        reason: String,
        concepts: Vec<ConceptRef>,
        ancestries: Vec<Vec<ConceptRef>>,
    ) -> Answer {
        let lead = match verdict {
            Verdict::NotStated => "Not stated.",
            _ => "No.",
        };
        Answer {
            verdict: Some(verdict),
            reason: Some(reason.clone()),
            ancestries,
            ..Answer::of(kind, format!("{lead} {reason}"), concepts)
        }
    }

    /// A verdict that cannot be given, or a comparison that cannot be made, and why.
    fn unresolved(
        kind: AnswerKind,
        lead: &str,
        reason: String,
        concepts: Vec<ConceptRef>,
    ) -> Answer {
        Answer {
            verdict: matches!(
                kind,
                AnswerKind::IsA | AnswerKind::PartOf | AnswerKind::Uses
            )
            .then_some(Verdict::Unknown),
            reason: Some(reason.clone()),
            ..Answer::of(kind, format!("{lead}: {reason}"), concepts)
        }
    }

    /// An answer read off a page: a comparison page's first statement, or a definition.
    fn from_page(
        kind: AnswerKind,
        page: &str,
        statement: Citation,
        concepts: Vec<ConceptRef>,
    ) -> Answer {
        Answer {
            page: Some(page.to_string()),
            ..Answer::of(kind, statement.passage.clone(), concepts)
        }
        .cited(vec![statement])
    }

    fn along(mut self, path: Vec<PathStep>) -> Answer {
        self.path = path;
        self
    }

    fn with_evidence(mut self, evidence: Citation) -> Answer {
        self.citations = vec![evidence.clone()];
        self.evidence = Some(evidence);
        self
    }

    fn cited(mut self, citations: Vec<Citation>) -> Answer {
        self.citations = citations;
        self
    }

    fn with_ancestries(mut self, ancestries: Vec<Vec<ConceptRef>>) -> Answer {
        self.ancestries = ancestries;
        self
    }

    fn with_explain(mut self, explain: Option<AnswerExplain>) -> Answer {
        self.explain = explain;
        self
    }

    /// Sets every link of the answer from a page id: the front end decides what a link
    /// looks like (the HTTP API links to `/concepts/{id}`).
    pub fn link(&mut self, link_of: impl Fn(&str) -> String) {
        let mut set = |c: &mut ConceptRef| c.link = Some(link_of(&c.id));
        self.concepts.iter_mut().for_each(&mut set);
        for step in &mut self.path {
            set(&mut step.from);
            set(&mut step.to);
        }
        self.ancestries.iter_mut().flatten().for_each(&mut set);
        self.link = self.page.as_deref().map(&link_of);
    }
}

/// What answering needs: the pages, their names, the analyzer for highlighting, and a way to
/// search the hybrid index for names no title or alias covers.
pub struct Context<'a, E> {
    pub corpus: &'a Corpus,
    pub names: &'a NameIndex,
    pub analyzer: &'a TextAnalyzer,
    pub search: Option<&'a SearchFn<'a, E>>,
}

/// The title a reader sees in a sentence: without a trailing "(acronym)".
fn short_title(page: &Page) -> &str {
    match page.title.find(" (") {
        Some(i) if page.title.ends_with(')') => &page.title[..i],
        _ => &page.title,
    }
}

impl<E> Context<'_, E> {
    fn concept(&self, id: &str) -> ConceptRef {
        ConceptRef {
            id: id.to_string(),
            title: self.corpus.get(id).map_or(id, short_title).to_string(),
            link: None,
        }
    }

    fn title(&self, id: &str) -> String {
        self.concept(id).title
    }

    fn resolve(&self, mention: &str) -> Result<Resolution, E> {
        resolve::resolve(self.names, self.corpus, mention, self.search)
    }

    /// A name two concepts share ("ANN": neural network, or approximate nearest neighbour
    /// search) goes to the one the hybrid index ranks higher for the whole question.
    fn disambiguate(&self, r: Resolution, question: &str) -> Result<Resolution, E> {
        let (Some(search), Some(first)) = (self.search, r.concept.clone()) else {
            return Ok(r);
        };
        if r.ambiguous_with.is_empty() {
            return Ok(r);
        }
        let found = search(question)?;
        let rank = |id: &str| {
            found
                .iter()
                .position(|f| f.page == id)
                .unwrap_or(usize::MAX)
        };
        let mut candidates = vec![first];
        candidates.extend(r.ambiguous_with.iter().cloned());
        candidates.sort_by_key(|c| rank(c));
        let mut r = r;
        r.concept = Some(candidates.remove(0));
        r.ambiguous_with = candidates;
        Ok(r)
    }

    fn steps(&self, steps: &[Step]) -> Vec<PathStep> {
        steps
            .iter()
            .map(|s| PathStep {
                from: self.concept(&s.from),
                relation: s.edge,
                to: self.concept(&s.to),
            })
            .collect()
    }

    /// "GPT-4 is a kind of Large Language Model, which is built on the Transformer
    /// architecture"
    fn chain(&self, steps: &[Step]) -> String {
        let mut out = String::new();
        for (i, s) in steps.iter().enumerate() {
            let predicate = s.edge.predicate(&self.title(&s.to));
            if i == 0 {
                out.push_str(&format!("{} {predicate}", self.title(&s.from)));
            } else {
                out.push_str(&format!(", which {predicate}"));
            }
        }
        out
    }

    /// The sentence a text verdict rests on, with both sides' names highlighted.
    fn cite_text(&self, evidence: &reason::TextEvidence, other: &str) -> Option<Citation> {
        let page = self.corpus.get(&evidence.page)?;
        let terms = format!(
            "{} {}",
            cite::names_of(page),
            self.corpus
                .get(other)
                .map(cite::names_of)
                .unwrap_or_default()
        );
        Some(cite::sentence(
            self.analyzer,
            page,
            &evidence.section,
            &evidence.sentence,
            &terms,
        ))
    }

    fn ancestry(&self, id: &str) -> Vec<ConceptRef> {
        self.corpus
            .graph()
            .breadcrumbs(id)
            .iter()
            .map(|a| self.concept(a))
            .collect()
    }

    /// For each step, where the `from` page mentions the `to` concept.
    fn cite_steps(&self, steps: &[Step]) -> Vec<Citation> {
        steps
            .iter()
            .filter_map(|s| {
                let (from, to) = (self.corpus.get(&s.from)?, self.corpus.get(&s.to)?);
                Some(cite::naming(self.analyzer, from, to))
            })
            .collect()
    }

    fn define_citation(&self, id: &str) -> Option<Citation> {
        let page = self.corpus.get(id)?;
        Some(cite::opening(
            self.analyzer,
            page,
            DEFINING_SECTION,
            2,
            &cite::names_of(page),
        ))
    }
}

/// Answers `text`, or `None` when it is not a question of a kind answered here.
pub fn answer<E>(ctx: &Context<'_, E>, text: &str, explain: bool) -> Result<Option<Answer>, E> {
    let Some(question) = question::parse(text) else {
        return Ok(None);
    };
    let mut answer = match question {
        Question::Verdict { asked, cuts } => verdict(ctx, text, asked, &cuts)?,
        Question::Comparison { left, right } => comparison(ctx, text, &left, &right)?,
        Question::Definition { subject } => match definition(ctx, text, &subject)? {
            Some(a) => a,
            None => return Ok(None),
        },
        Question::BuiltOn { subject } => match built_on(ctx, text, &subject)? {
            Some(a) => a,
            None => return Ok(None),
        },
    };
    if let Some(note) = answer
        .explain
        .as_ref()
        .map(|e| ambiguity_note(ctx, &e.resolutions))
        .unwrap_or_default()
    {
        answer.text = format!("{} {note}", answer.text);
    }
    if !explain {
        answer.explain = None;
    }
    Ok(Some(answer))
}

/// "“ann” was read as Approximate Nearest Neighbor Search; it can also mean Neural Network."
fn ambiguity_note<E>(ctx: &Context<'_, E>, resolutions: &[Resolution]) -> Option<String> {
    let notes: Vec<String> = resolutions
        .iter()
        .filter(|r| !r.ambiguous_with.is_empty())
        .filter_map(|r| {
            let chosen = ctx.title(r.concept.as_deref()?);
            let others: Vec<String> = r.ambiguous_with.iter().map(|id| ctx.title(id)).collect();
            Some(format!(
                "(“{}” was read as {chosen}; it can also mean {}.)",
                r.mention,
                others.join(" or ")
            ))
        })
        .collect();
    (!notes.is_empty()).then(|| notes.join(" "))
}

/// The explanation is always built (the ambiguity note needs it) and dropped at the end
/// unless asked for.
fn explained(cuts: Vec<(String, String)>, resolutions: Vec<Resolution>) -> Option<AnswerExplain> {
    Some(AnswerExplain {
        cuts,
        resolutions,
        search_threshold: resolve::SEARCH_THRESHOLD,
    })
}

/// Picks the cut whose sides name concepts by name (both, else the one covering more),
/// then resolves any side still open by search.
fn resolve_cut<E>(
    ctx: &Context<'_, E>,
    question: &str,
    cuts: &[(String, String)],
) -> Result<(Resolution, Resolution), E> {
    let mut best = None;
    for cut in cuts {
        let x = ctx.names.by_name(&cut.0);
        let y = ctx.names.by_name(&cut.1);
        let score = usize::from(x.is_some()) + usize::from(y.is_some());
        if best.as_ref().is_none_or(|b: &(usize, _, _, _)| score > b.0) {
            let both = score == 2;
            best = Some((score, cut, x, y));
            if both {
                break;
            }
        }
    }
    let Some((_, cut, x, y)) = best else {
        return Ok((Resolution::unresolved(""), Resolution::unresolved("")));
    };
    let x = match x {
        Some(x) => ctx.disambiguate(x, question)?,
        None => ctx.resolve(&cut.0)?,
    };
    let y = match y {
        Some(y) => ctx.disambiguate(y, question)?,
        None => ctx.resolve(&cut.1)?,
    };
    Ok((x, y))
}

/// Both sides of a comparison, each by name, else by search, a name of two meanings decided by
/// the question.
fn resolve_pair<E>(
    ctx: &Context<'_, E>,
    question: &str,
    left: &str,
    right: &str,
) -> Result<(Resolution, Resolution), E> {
    Ok((
        resolve_subject(ctx, question, left)?,
        resolve_subject(ctx, question, right)?,
    ))
}

/// The one concept a question is about, by name, else by search.
fn resolve_subject<E>(
    ctx: &Context<'_, E>,
    question: &str,
    subject: &str,
) -> Result<Resolution, E> {
    ctx.disambiguate(ctx.resolve(subject)?, question)
}

/// Runs only the name resolution an answer to `text` starts with, so that a `search` that
/// records its texts learns every text the answer will search (the names no title or alias
/// covers, and the question when a name has two meanings), at a fraction of the answer's cost:
/// what they are never depends on what a search finds. The engine embeds them all in the
/// query's own model call.
pub fn lookups<E>(ctx: &Context<'_, E>, text: &str) -> Result<(), E> {
    match question::parse(text) {
        None => {}
        Some(Question::Verdict { cuts, .. }) => {
            resolve_cut(ctx, text, &cuts)?;
        }
        Some(Question::Comparison { left, right }) => {
            resolve_pair(ctx, text, &left, &right)?;
        }
        Some(Question::Definition { subject } | Question::BuiltOn { subject }) => {
            resolve_subject(ctx, text, &subject)?;
        }
    }
    Ok(())
}

fn verdict<E>(
    ctx: &Context<'_, E>,
    question: &str,
    asked: Asked,
    cuts: &[(String, String)],
) -> Result<Answer, E> {
    let (rx, ry) = resolve_cut(ctx, question, cuts)?;
    let kind = match asked {
        Asked::IsA => AnswerKind::IsA,
        Asked::PartOf => AnswerKind::PartOf,
        Asked::Uses => AnswerKind::Uses,
    };
    let explain = explained(cuts.to_vec(), vec![rx.clone(), ry.clone()]);
    let (Some(x), Some(y)) = (rx.concept.clone(), ry.concept.clone()) else {
        return Ok(unresolved(
            ctx,
            kind,
            "Unknown",
            vec![rx, ry],
            cuts.to_vec(),
        ));
    };
    let concepts = vec![ctx.concept(&x), ctx.concept(&y)];
    let ancestries = || vec![ctx.ancestry(&x), ctx.ancestry(&y)];
    let answer = match reason::judge(ctx.corpus, &x, &y, asked) {
        Finding::Yes(YesBecause::Path(steps)) if steps.is_empty() => {
            let text = format!("Yes: both names stand for {}.", ctx.title(&x));
            Answer::yes(kind, text, concepts).cited(ctx.define_citation(&x).into_iter().collect())
        }
        Finding::Yes(YesBecause::Path(steps)) => {
            Answer::yes(kind, format!("Yes. {}.", ctx.chain(&steps)), concepts)
                .along(ctx.steps(&steps))
                .cited(ctx.cite_steps(&steps))
        }
        Finding::Yes(YesBecause::Text(evidence)) => {
            let text = format!(
                "Yes, in the words of the {} page (the concept graph does not link them): “{}”",
                ctx.title(&evidence.page),
                evidence.sentence
            );
            let answer = Answer::yes(kind, text, concepts).with_ancestries(ancestries());
            match ctx.cite_text(&evidence, &y) {
                Some(c) => answer.with_evidence(c),
                None => answer,
            }
        }
        Finding::No(NoBecause::Text(evidence)) => {
            let reason = format!(
                "In the words of the {} page: “{}”",
                ctx.title(&evidence.page),
                evidence.sentence
            );
            let answer = Answer::reasoned(kind, Verdict::No, reason, concepts, ancestries());
            match ctx.cite_text(&evidence, &y) {
                Some(c) => answer.with_evidence(c),
                None => answer,
            }
        }
        Finding::No(because) => {
            let (reason, steps) = no_reason(ctx, &x, &y, &because);
            let mut citations = ctx.cite_steps(&steps);
            if citations.is_empty() {
                // What each side is, in its own page's words.
                citations.extend(ctx.define_citation(&x));
                citations.extend(ctx.define_citation(&y));
            }
            Answer::reasoned(kind, Verdict::No, reason, concepts, ancestries())
                .along(ctx.steps(&steps))
                .cited(citations)
        }
        Finding::NotStated(said) => {
            let reason = not_stated_reason(ctx, &x, &y, asked, &said);
            let citations = [ctx.define_citation(&x), ctx.define_citation(&y)];
            Answer::reasoned(kind, Verdict::NotStated, reason, concepts, ancestries())
                .along(ctx.steps(&said.related))
                .cited(citations.into_iter().flatten().collect())
        }
    };
    Ok(answer.with_explain(explain))
}

/// The sentence that says why not, and the path it stands on. Text evidence is answered by
/// the caller, which cites the sentence itself.
fn no_reason<E>(
    ctx: &Context<'_, E>,
    x: &str,
    y: &str,
    because: &NoBecause,
) -> (String, Vec<Step>) {
    let ty = ctx.title(y);
    match because {
        NoBecause::Reversed(p) => (
            format!("It is the other way round: {}.", ctx.chain(p)),
            p.clone(),
        ),
        NoBecause::PartNotKind(p) => (
            format!(
                "{}: being part of {ty} is not being a kind of it.",
                ctx.chain(p)
            ),
            p.clone(),
        ),
        NoBecause::Alternative(step) => (alternative_reason(ctx, x, step), vec![step.clone()]),
        NoBecause::Disjoint {
            left,
            exclusion,
            right,
        } => {
            let mut steps = left.clone();
            steps.push(exclusion.clone());
            (disjoint_reason(ctx, x, y, left, exclusion, right), steps)
        }
        NoBecause::Text(evidence) => (evidence.sentence.clone(), Vec::new()),
    }
}

/// "Supervised Learning and Unsupervised Learning exclude each other: K-Means is a kind of
/// Clustering, which is a kind of Unsupervised Learning."
fn disjoint_reason<E>(
    ctx: &Context<'_, E>,
    x: &str,
    y: &str,
    left: &[Step],
    exclusion: &Step,
    right: &[Step],
) -> String {
    let (a, b) = (ctx.title(&exclusion.from), ctx.title(&exclusion.to));
    let mut text = format!("{a} and {b} exclude each other (nothing is both)");
    for (side, path) in [(x, left), (y, right)] {
        if !path.is_empty() {
            text.push_str(&format!("; {}", ctx.chain(path)));
        } else if side != exclusion.from && side != exclusion.to {
            text.push_str(&format!("; {} is {}", ctx.title(side), ctx.title(side)));
        }
    }
    format!("{text}.")
}

/// What the corpus does say when it says neither yes nor no: a relation between the two if
/// there is one, else their nearest common ancestor.
fn not_stated_reason<E>(
    ctx: &Context<'_, E>,
    x: &str,
    y: &str,
    asked: Asked,
    said: &reason::NotStated,
) -> String {
    let (tx, ty) = (ctx.title(x), ctx.title(y));
    let question = match asked {
        Asked::IsA => format!("whether {tx} is a kind of {ty}"),
        Asked::PartOf => format!("whether {tx} is part of {ty}"),
        Asked::Uses => format!("whether {tx} uses {ty}"),
    };
    let mut text = format!("The corpus does not say {question}.");
    if !said.related.is_empty() {
        text.push_str(&format!(" It does say: {}.", ctx.chain(&said.related)));
    } else if let Some(common) = &said.common {
        if common != x && common != y {
            text.push_str(&format!(" Both are kinds of {}.", ctx.title(common)));
        }
    } else {
        text.push_str(" They share no ancestor in the concept graph.");
    }
    text
}

/// "RAG is an alternative to Fine-tuning, not a kind of it."
fn alternative_reason<E>(ctx: &Context<'_, E>, x: &str, step: &Step) -> String {
    let mut text = format!(
        "{} is an alternative to {}",
        ctx.title(&step.from),
        ctx.title(&step.to)
    );
    if step.from != x {
        text = format!(
            "{} is a kind of {}, and {text}",
            ctx.title(x),
            ctx.title(&step.from)
        );
    }
    format!("{text}, not a kind of it.")
}

/// The answer when a side names nothing the corpus describes: `unknown` for a verdict, no
/// verdict for a comparison, and the reason either way.
fn unresolved<E>(
    ctx: &Context<'_, E>,
    kind: AnswerKind,
    lead: &str,
    resolutions: Vec<Resolution>,
    cuts: Vec<(String, String)>,
) -> Answer {
    let missing: Vec<String> = resolutions
        .iter()
        .filter(|r| r.concept.is_none())
        .map(|r| format!("“{}”", r.mention))
        .collect();
    let reason = format!(
        "{} {} not a concept this corpus describes (no title or alias matches, and no page is close enough in meaning).",
        missing.join(" and "),
        if missing.len() == 1 { "is" } else { "are" }
    );
    let concepts = resolutions
        .iter()
        .filter_map(|r| r.concept.as_deref())
        .map(|id| ctx.concept(id))
        .collect();
    Answer::unresolved(kind, lead, reason, concepts).with_explain(explained(cuts, resolutions))
}

fn comparison<E>(
    ctx: &Context<'_, E>,
    question: &str,
    left: &str,
    right: &str,
) -> Result<Answer, E> {
    let (rl, rr) = resolve_pair(ctx, question, left, right)?;
    let resolutions = vec![rl.clone(), rr.clone()];
    let (Some(l), Some(r)) = (rl.concept.clone(), rr.concept.clone()) else {
        return Ok(unresolved(
            ctx,
            AnswerKind::Comparison,
            "Cannot compare",
            resolutions,
            Vec::new(),
        ));
    };
    let concepts = vec![ctx.concept(&l), ctx.concept(&r)];
    let explain = explained(Vec::new(), resolutions);
    let page = ctx.corpus.pages().iter().find(|p| {
        p.kind == PageKind::Comparison
            && p.compares.len() == 2
            && ((p.compares[0] == l && p.compares[1] == r)
                || (p.compares[0] == r && p.compares[1] == l))
    });
    if let Some(page) = page {
        let terms = format!(
            "{} {}",
            ctx.corpus.get(&l).map(cite::names_of).unwrap_or_default(),
            ctx.corpus.get(&r).map(cite::names_of).unwrap_or_default()
        );
        let statement = cite::opening(ctx.analyzer, page, COMPARISON_SECTIONS[0], 1, &terms);
        return Ok(
            Answer::from_page(AnswerKind::Comparison, &page.id, statement, concepts)
                .with_explain(explain),
        );
    }
    let (tl, tr) = (ctx.title(&l), ctx.title(&r));
    let text = match reason::nearest_common_ancestor(ctx.corpus, &l, &r) {
        Some(c) if c == l => format!("{tr} is a kind of {tl}."),
        Some(c) if c == r => format!("{tl} is a kind of {tr}."),
        Some(c) => format!("{tl} and {tr} are both kinds of {}.", ctx.title(&c)),
        None => format!("{tl} and {tr} share no ancestor in the concept graph."),
    };
    let text = format!("There is no comparison page for these two yet. {text}");
    let citations = [ctx.define_citation(&l), ctx.define_citation(&r)];
    Ok(Answer::of(AnswerKind::Comparison, text, concepts)
        .with_ancestries(vec![ctx.ancestry(&l), ctx.ancestry(&r)])
        .cited(citations.into_iter().flatten().collect())
        .with_explain(explain))
}

fn definition<E>(ctx: &Context<'_, E>, question: &str, subject: &str) -> Result<Option<Answer>, E> {
    let r = resolve_subject(ctx, question, subject)?;
    let Some(id) = r.concept.clone() else {
        // "What is the weather" is a question, but not about a concept: no answer, just results.
        return Ok(None);
    };
    let Some(citation) = ctx.define_citation(&id) else {
        return Ok(None);
    };
    let concepts = vec![ctx.concept(&id)];
    Ok(Some(
        Answer::from_page(AnswerKind::Definition, &id, citation, concepts)
            .with_ancestries(vec![ctx.ancestry(&id)])
            .with_explain(explained(Vec::new(), vec![r])),
    ))
}

/// "What is X built on?": each thing X or one of its kinds is built on or uses, with the path.
fn built_on<E>(ctx: &Context<'_, E>, question: &str, subject: &str) -> Result<Option<Answer>, E> {
    let r = resolve_subject(ctx, question, subject)?;
    let Some(id) = r.concept.clone() else {
        return Ok(None);
    };
    let paths = reason::built_on(ctx.corpus, &id);
    let title = ctx.title(&id);
    let text = if paths.is_empty() {
        format!("The corpus does not say what {title} is built on.")
    } else {
        let items: Vec<String> = paths.iter().map(|p| ctx.chain(p)).collect();
        format!("{}.", items.join("; "))
    };
    let citations = paths
        .iter()
        .filter_map(|p| p.last())
        .flat_map(|step| ctx.cite_steps(std::slice::from_ref(step)))
        .collect();
    let concepts = vec![ctx.concept(&id)];
    Ok(Some(
        Answer::of(AnswerKind::BuiltOn, text, concepts)
            .with_ancestries(vec![ctx.ancestry(&id)])
            .cited(citations)
            .with_explain(explained(Vec::new(), vec![r])),
    ))
}
