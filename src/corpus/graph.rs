//! The concept graph: is-a ancestry (`parents`) plus typed relations, and its validation.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Corpus, Page, Problem, Relation};

/// The graph's edges read backwards (who names this page as a parent, who points a relation
/// at it), computed once when a corpus is made, so that a page view costs a lookup rather than
/// a scan of every page.
#[derive(Debug, Clone, Default)]
pub(super) struct Incoming {
    children: HashMap<String, Vec<String>>,
    referenced_by: HashMap<String, BTreeMap<Relation, Vec<String>>>,
}

impl Incoming {
    pub(super) fn of(pages: &[Page]) -> Incoming {
        let mut incoming = Incoming::default();
        for page in pages {
            for parent in &page.parents {
                incoming
                    .children
                    .entry(parent.clone())
                    .or_default()
                    .push(page.id.clone());
            }
            for (relation, targets) in &page.relations {
                for target in targets {
                    let by = incoming.referenced_by.entry(target.clone()).or_default();
                    let sources = by.entry(*relation).or_default();
                    if !sources.contains(&page.id) {
                        sources.push(page.id.clone());
                    }
                }
            }
        }
        incoming
    }
}

/// Read-only view of the graph a corpus forms.
pub struct Graph<'a> {
    corpus: &'a Corpus,
}

impl<'a> Graph<'a> {
    pub(super) fn new(corpus: &'a Corpus) -> Self {
        Graph { corpus }
    }

    /// The ancestry of `id` from the root down to `id`, following the first parent at each
    /// step: the chain a reader sees as breadcrumbs ("AI › ML › Deep Learning").
    pub fn breadcrumbs(&self, id: &str) -> Vec<String> {
        let mut chain = vec![id.to_string()];
        let mut seen: HashSet<&str> = HashSet::from([id]);
        let mut current = id;
        while let Some(parent) = self
            .corpus
            .get(current)
            .and_then(|p| p.parents.first())
            .map(String::as_str)
        {
            if !seen.insert(parent) {
                break; // validated corpora have no cycles; stay safe on any other input
            }
            chain.push(parent.to_string());
            current = parent;
        }
        chain.reverse();
        chain
    }

    /// Pages whose parents include `id`, in corpus order.
    pub fn children(&self, id: &str) -> &'a [String] {
        self.corpus
            .incoming
            .children
            .get(id)
            .map_or(&[], Vec::as_slice)
    }

    /// Pages whose relations point at `id`, by relation, each list in corpus order.
    pub fn referenced_by(&self, id: &str) -> Option<&'a BTreeMap<Relation, Vec<String>>> {
        self.corpus.incoming.referenced_by.get(id)
    }

    /// Every ancestor of `id` through any parent, nearest first (breadth-first).
    pub fn ancestors(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen: HashSet<&str> = HashSet::from([id]);
        let mut queue = std::collections::VecDeque::from([id]);
        while let Some(current) = queue.pop_front() {
            if let Some(page) = self.corpus.get(current) {
                for parent in &page.parents {
                    if seen.insert(parent) {
                        out.push(parent.clone());
                        queue.push_back(parent);
                    }
                }
            }
        }
        out
    }
}

/// Checks what only the whole corpus can show: duplicate ids, references to pages that do not
/// exist, alias clashes and ancestry cycles. `pages` holds each page with its source text, so
/// problems can point at the line that names the bad reference.
pub(super) fn validate(pages: &[(Page, String)]) -> Vec<Problem> {
    let (ids, mut problems) = duplicate_ids(pages);
    problems.extend(dangling_references(pages, &ids));
    problems.extend(alias_clashes(pages));
    let cycles = cycles(pages);
    if cycles.is_empty() {
        // Only an acyclic graph has ancestors to compare.
        problems.extend(contradictory_exclusions(pages));
    }
    problems.extend(cycles);
    problems
}

/// A `disjoint-with` between a page and one of its own kinds (or a kind of it) says that
/// something both is and is not a Y: refuse it.
fn contradictory_exclusions(pages: &[(Page, String)]) -> Vec<Problem> {
    let by_id: HashMap<&str, &Page> = pages.iter().map(|(p, _)| (p.id.as_str(), p)).collect();
    // Each page with itself and all its kinds, computed once.
    let lineages: HashMap<&str, HashSet<String>> = pages
        .iter()
        .map(|(p, _)| {
            let mut lineage = HashSet::from([p.id.clone()]);
            let mut stack = vec![p.id.clone()];
            while let Some(current) = stack.pop() {
                let edges = by_id.get(current.as_str()).map(|p| kind_edges(p));
                for next in edges.unwrap_or_default() {
                    if lineage.insert(next.clone()) {
                        stack.push(next);
                    }
                }
            }
            (p.id.as_str(), lineage)
        })
        .collect();
    let is_kind_of = |a: &str, b: &str| lineages.get(a).is_some_and(|l| l.contains(b));
    let mut problems = Vec::new();
    for (page, text) in pages {
        for other in page
            .relations
            .get(&Relation::DisjointWith)
            .into_iter()
            .flatten()
        {
            // The first page, in corpus order, that is a kind of both sides.
            let both = || {
                pages
                    .iter()
                    .map(|(p, _)| p.id.as_str())
                    .find(|id| is_kind_of(id, &page.id) && is_kind_of(id, other))
            };
            let message = if is_kind_of(&page.id, other) || is_kind_of(other, &page.id) {
                format!("`disjoint-with` names `{other}`, which is a kind of this page or one of its kinds: nothing could be both, yet one is the other")
            } else if let Some(id) = both() {
                format!("`disjoint-with` names `{other}`, yet `{id}` is a kind of both")
            } else {
                continue;
            };
            problems.push(located(page, text, other, message));
        }
    }
    problems
}

/// A problem on `page`, at the front matter line that mentions `needle`.
fn located(page: &Page, text: &str, needle: &str, message: String) -> Problem {
    Problem {
        file: page.source.clone(),
        line: front_matter_line(text, needle),
        message,
    }
}

/// Every id (each with the first page that uses it), and a problem for each later page that
/// uses it again.
fn duplicate_ids(pages: &[(Page, String)]) -> (HashMap<&str, &Page>, Vec<Problem>) {
    let mut first_file: HashMap<&str, &Page> = HashMap::new();
    let mut problems = Vec::new();
    for (page, text) in pages {
        if let Some(other) = first_file.get(page.id.as_str()) {
            let message = format!(
                "duplicate id `{}`: also used by {}",
                page.id,
                other.source.display()
            );
            problems.push(located(page, text, "id:", message));
        } else {
            first_file.insert(&page.id, page);
        }
    }
    (first_file, problems)
}

/// Parents, relations and `compares` must name other pages that exist.
fn dangling_references(pages: &[(Page, String)], ids: &HashMap<&str, &Page>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (page, text) in pages {
        let relations = page
            .relations
            .iter()
            .flat_map(|(rel, ids)| ids.iter().map(move |id| (rel.as_str(), id)));
        let references = page
            .parents
            .iter()
            .map(|p| ("parents", p))
            .chain(relations)
            .chain(page.compares.iter().map(|c| ("compares", c)));
        for (field, target) in references {
            let message = if target == &page.id {
                format!("`{field}` names the page itself")
            } else if !ids.contains_key(target.as_str()) {
                format!("`{field}` names unknown id `{target}`")
            } else {
                continue;
            };
            problems.push(located(page, text, target, message));
        }
    }
    problems
}

/// An alias is a promise that typing it finds this page; two pages cannot both keep it.
fn alias_clashes(pages: &[(Page, String)]) -> Vec<Problem> {
    let mut names: HashMap<String, &Page> = HashMap::new();
    for (page, _) in pages {
        names.entry(normalise(&page.title)).or_insert(page);
    }
    let mut problems = Vec::new();
    for (page, text) in pages {
        for alias in &page.aliases {
            let key = normalise(alias);
            match names.get(&key) {
                Some(other) if other.id != page.id => {
                    let message = format!(
                        "alias `{alias}` is already the title or an alias of `{}`",
                        other.id
                    );
                    problems.push(located(page, text, alias, message));
                }
                _ => {
                    names.insert(key, page);
                }
            }
        }
    }
    problems
}

/// Reports each page that is its own ancestor, once per cycle.
/// The kind-of edges verdicts follow (parents, and the relations that make a page a kind of
/// its target); a cycle through any of them would make two concepts kinds of each other.
pub(super) fn kind_edges(page: &Page) -> Vec<String> {
    let mut out = page.parents.clone();
    for relation in [
        Relation::InstanceOf,
        Relation::ExampleOf,
        Relation::Architecture,
    ] {
        out.extend(page.relations.get(&relation).into_iter().flatten().cloned());
    }
    out
}

fn cycles(pages: &[(Page, String)]) -> Vec<Problem> {
    let edges: HashMap<&str, Vec<String>> = pages
        .iter()
        .map(|(p, _)| (p.id.as_str(), kind_edges(p)))
        .collect();
    let parents: HashMap<&str, &[String]> =
        edges.iter().map(|(id, e)| (*id, e.as_slice())).collect();
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    let mut marks: HashMap<&str, Mark> = HashMap::new();
    let mut problems = Vec::new();
    fn visit<'a>(
        id: &'a str,
        parents: &HashMap<&'a str, &'a [String]>,
        marks: &mut HashMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
        found: &mut Vec<Vec<String>>,
    ) {
        match marks.get(id) {
            Some(Mark::Done) => return,
            Some(Mark::Visiting) => {
                let start = path.iter().position(|p| *p == id).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(id.to_string());
                found.push(cycle);
                return;
            }
            None => {}
        }
        marks.insert(id, Mark::Visiting);
        path.push(id);
        for parent in parents.get(id).copied().unwrap_or_default() {
            if parents.contains_key(parent.as_str()) {
                visit(parent, parents, marks, path, found);
            }
        }
        path.pop();
        marks.insert(id, Mark::Done);
    }
    let mut found = Vec::new();
    for (page, _) in pages {
        visit(&page.id, &parents, &mut marks, &mut Vec::new(), &mut found);
    }
    for cycle in found {
        if let Some((page, text)) = pages.iter().find(|(p, _)| p.id == cycle[0]) {
            problems.push(Problem {
                file: page.source.clone(),
                line: front_matter_line(text, "parents:"),
                message: format!(
                    "ancestry cycle (parents, instance-of, example-of, architecture): {}",
                    cycle.join(" → ")
                ),
            });
        }
    }
    problems
}

fn normalise(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// 1-based line of the first front-matter line containing `needle` (line 2 if none does).
fn front_matter_line(text: &str, needle: &str) -> usize {
    text.lines()
        .enumerate()
        .skip(1)
        .take_while(|(_, l)| l.trim_end() != "---")
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .unwrap_or(2)
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_page;
    use super::*;
    use std::path::Path;

    fn page(id: &str, parents: &str, extra: &str) -> (Page, String) {
        let text = format!(
            "---\nid: {id}\ntitle: {id} title\nparents: [{parents}]\n{extra}---\n## Simple explanation\nx\n## Technical deep dive\ny\n"
        );
        (
            parse_page(Path::new(&format!("{id}.md")), &text).unwrap(),
            text,
        )
    }

    #[test]
    fn children_and_incoming_relations_are_read_backwards() {
        let pages = [
            page("ai", "", ""),
            page("ml", "ai", ""),
            page(
                "rag",
                "ai",
                "relations:\n  alternative-to: [ft]\n  uses: [ml]\n",
            ),
            page("ft", "ml", "relations:\n  related: [ml]\n"),
        ];
        let corpus = Corpus::from_pages(pages.into_iter().map(|(p, _)| p).collect(), "h".into());
        let graph = corpus.graph();
        assert_eq!(graph.children("ai"), ["ml", "rag"]);
        assert_eq!(graph.children("ft"), [] as [String; 0]);
        let into_ml = graph.referenced_by("ml").unwrap();
        assert_eq!(into_ml[&Relation::Uses], ["rag"]);
        assert_eq!(into_ml[&Relation::Related], ["ft"]);
        assert!(graph.referenced_by("ai").is_none());
    }

    #[test]
    fn exclusions_that_contradict_the_ancestry_and_architecture_cycles_are_refused() {
        let problems = validate(&[
            page("ml", "", ""),
            page("supervised", "ml", "relations:\n  disjoint-with: [ml]\n"),
        ]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].message.contains("disjoint-with"),
            "{problems:?}"
        );
        let problems = validate(&[
            page("a", "", "relations:\n  disjoint-with: [b]\n"),
            page("b", "", ""),
            page("c", "a, b", ""),
        ]);
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("`c` is a kind of both")),
            "{problems:?}"
        );
        let problems = validate(&[
            page("a", "", "relations:\n  architecture: [b]\n"),
            page("b", "a", ""),
        ]);
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("ancestry cycle")),
            "{problems:?}"
        );
    }

    #[test]
    fn unknown_parent_is_located() {
        let problems = validate(&[page("a", "", ""), page("b", "a, zzz", "")]);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "b.md:4: `parents` names unknown id `zzz`"
        );
    }

    #[test]
    fn cycles_are_found() {
        let problems = validate(&[page("a", "c", ""), page("b", "a", ""), page("c", "b", "")]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("ancestry cycle"));
    }

    #[test]
    fn alias_clash_and_duplicate_id() {
        let problems = validate(&[
            page("a", "", "aliases: [Thing]\n"),
            page("b", "", "aliases: [thing]\n"),
        ]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("alias `thing`"));
        let (mut dup, text) = page("a", "", "");
        dup.source = "other/a.md".into();
        let problems = validate(&[page("a", "", ""), (dup, text)]);
        assert!(problems[0].message.contains("duplicate id `a`"));
    }

    #[test]
    fn breadcrumbs_follow_first_parent() {
        let pages: Vec<Page> = [
            page("root", "", ""),
            page("mid", "root", ""),
            page("leaf", "mid", ""),
        ]
        .into_iter()
        .map(|(p, _)| p)
        .collect();
        let corpus = Corpus::from_pages(pages, String::new());
        assert_eq!(
            corpus.graph().breadcrumbs("leaf"),
            vec!["root", "mid", "leaf"]
        );
        assert_eq!(corpus.graph().ancestors("leaf"), vec!["mid", "root"]);
    }
}
