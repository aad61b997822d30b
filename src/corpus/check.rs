//! Editorial checks, beyond what indexing needs, and what a corpus enables.
//!
//! [`super::Corpus::load`] refuses what would make an index wrong (bad YAML, unknown ids,
//! cycles, alias clashes). The checker adds rules that make answers good: roots that say why
//! they are roots, comparison pages that state their relationship first, parents named in the
//! text. Under [`Profile::Concepts`] (the built-in corpus) they are errors, together with the
//! house rules (section lengths, spec coverage); under [`Profile::Site`] the answer rules are
//! warnings on the pages that carry concept fields, and the house rules do not apply.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use std::collections::BTreeMap;

use super::{Corpus, Page, PageKind, Problem, Profile};

/// The root every chain of parents should reach unless a page documents another root.
pub const MAIN_ROOT: &str = "artificial-intelligence";

/// Word-count bounds of a section, inclusive.
pub const SECTION_WORDS: [(&str, usize, usize); 5] = [
    ("Simple explanation", 120, 220),
    ("Technical deep dive", 150, 300),
    ("How they relate", 40, 120),
    ("How they differ", 60, 200),
    ("When to use which", 40, 150),
];

/// What the spec lists ask for.
#[derive(Debug, Default, Clone)]
pub struct Spec {
    /// (slug, title, group)
    pub concepts: Vec<(String, String, String)>,
    /// (left, right)
    pub comparisons: Vec<(String, String)>,
}

impl Spec {
    /// Reads `concepts.tsv` (slug, title, group) and `comparisons.tsv` (left, right), each with
    /// a header line.
    pub fn load(dir: &Path) -> std::io::Result<Spec> {
        let rows = |name: &str| -> std::io::Result<Vec<Vec<String>>> {
            let text = std::fs::read_to_string(dir.join(name))?;
            Ok(text
                .lines()
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.split('\t').map(|c| c.trim().to_string()).collect())
                .collect())
        };
        Ok(Spec {
            concepts: rows("concepts.tsv")?
                .into_iter()
                .filter(|r| r.len() >= 3)
                .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
                .collect(),
            comparisons: rows("comparisons.tsv")?
                .into_iter()
                .filter(|r| r.len() >= 2)
                .map(|r| (r[0].clone(), r[1].clone()))
                .collect(),
        })
    }
}

/// How much of the spec the corpus covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub concepts_found: usize,
    pub concepts_wanted: usize,
    pub comparisons_found: usize,
    pub comparisons_wanted: usize,
}

impl Coverage {
    pub fn complete(&self) -> bool {
        self.concepts_found == self.concepts_wanted
            && self.comparisons_found == self.comparisons_wanted
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "coverage: {}/{} concepts, {}/{} comparisons",
            self.concepts_found,
            self.concepts_wanted,
            self.comparisons_found,
            self.comparisons_wanted
        )
    }
}

/// What a corpus enables: which pages take part in the concept layer, what can filter
/// searches, where results link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Features {
    pub profile: Profile,
    pub pages: usize,
    /// Files read and not indexed (drafts, redirects, noindex pages, duplicates).
    pub skipped: usize,
    /// Pages with concept fields: they get ancestry and answers.
    pub concept_pages: usize,
    pub with_parents: usize,
    pub with_relations: usize,
    pub with_aliases: usize,
    pub comparisons: usize,
    /// Pages that know their address on the live site.
    pub with_url: usize,
    /// Metadata fields that can filter searches, with how many pages have each.
    pub filters: BTreeMap<String, usize>,
}

impl Features {
    /// Whether questions ("is X a Y?", "X vs Y", "what is X") can be answered at all.
    pub fn answers(&self) -> bool {
        self.concept_pages > 0
    }
}

/// What the corpus enables.
pub fn features(corpus: &Corpus) -> Features {
    let pages = corpus.pages();
    let count = |f: &dyn Fn(&Page) -> bool| pages.iter().filter(|p| f(p)).count();
    Features {
        profile: corpus.profile(),
        pages: pages.len(),
        skipped: corpus.skipped().len(),
        concept_pages: count(&|p| p.concept),
        with_parents: count(&|p| !p.parents.is_empty()),
        with_relations: count(&|p| !p.relations.is_empty()),
        with_aliases: count(&|p| !p.aliases.is_empty()),
        comparisons: count(&|p| p.kind == PageKind::Comparison),
        with_url: count(&|p| p.url.is_some()),
        filters: crate::filter::fields_of(pages),
    }
}

/// The result of a check: problems (each `file:line: problem`), warnings, and, with a spec,
/// coverage.
#[derive(Debug, Clone)]
pub struct Report {
    pub problems: Vec<Problem>,
    /// What would make answers better but does not stop a site from being searched.
    pub warnings: Vec<Problem>,
    pub coverage: Option<Coverage>,
    /// Pages without parents, with the reason each gives.
    pub roots: Vec<(String, String)>,
    pub features: Features,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.problems.is_empty() && self.coverage.as_ref().is_none_or(Coverage::complete)
    }
}

/// Runs every editorial check on a loaded corpus. `dir` is the corpus folder (to locate lines).
/// The spec's coverage is checked only under [`Profile::Concepts`].
pub fn check(corpus: &Corpus, dir: &Path, spec: Option<&Spec>) -> Report {
    let strict = corpus.profile() == Profile::Concepts;
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut roots = Vec::new();
    for page in corpus.pages() {
        let located = |line: usize, message: String| Problem {
            file: page.source.clone(),
            line,
            message,
        };
        if strict {
            problems.extend(section_lengths(page).map(|(line, m)| located(line, m)));
        }
        if !page.concept {
            continue;
        }
        // The answer rules: errors in the concept format, advice elsewhere.
        let found = if strict { &mut problems } else { &mut warnings };
        match page.kind {
            PageKind::Concept if page.parents.is_empty() => match root_reason(page) {
                Some(reason) => roots.push((page.id.clone(), reason)),
                None if strict => found.push(located(
                    line_of(dir, page, "parents:"),
                    format!("no parents: the ancestry does not reach `{MAIN_ROOT}`; add a parent, or document a root with a `# root: reason` line"),
                )),
                None => {}
            },
            PageKind::Comparison => {
                if let Some(problem) = first_sentence_problem(corpus, page) {
                    let section = page.section("How they relate");
                    found.push(located(section.map_or(1, |s| s.line), problem));
                }
            }
            PageKind::Concept => {}
        }
        for message in unnamed_parents(corpus, page) {
            found.push(located(line_of(dir, page, "parents:"), message));
        }
    }
    let coverage = spec
        .filter(|_| strict)
        .map(|spec| coverage(corpus, spec, &mut problems));
    problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    warnings.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Report {
        problems,
        warnings,
        coverage,
        roots,
        features: features(corpus),
    }
}

/// The first line of `page`'s file that contains `needle` (1 when none does).
fn line_of(dir: &Path, page: &Page, needle: &str) -> usize {
    std::fs::read_to_string(dir.join(&page.source))
        .ok()
        .and_then(|t| t.lines().position(|l| l.contains(needle)))
        .map(|i| i + 1)
        .unwrap_or(1)
}

/// Sections whose length is outside [`SECTION_WORDS`], as (line, problem).
fn section_lengths(page: &Page) -> impl Iterator<Item = (usize, String)> + '_ {
    page.sections.iter().filter_map(|section| {
        let (_, lo, hi) = SECTION_WORDS
            .iter()
            .find(|(h, _, _)| *h == section.heading)?;
        let words = section.text.split_whitespace().count();
        (words < *lo || words > *hi).then(|| {
            (
                section.line,
                format!(
                    "`## {}` has {words} words; it must have {lo} to {hi}",
                    section.heading
                ),
            )
        })
    })
}

/// Why a page without parents may be a root: it is the main root, or it says why.
fn root_reason(page: &Page) -> Option<String> {
    if page.id == MAIN_ROOT {
        return Some("the main root".to_string());
    }
    page.root_reason.clone()
}

/// Verdicts cite the sentence where a page says what it is a kind of: every parent (and every
/// instance-of, example-of and architecture target, which also answer "is X a Y") must be
/// named in a concept page's text.
fn unnamed_parents(corpus: &Corpus, page: &Page) -> Vec<String> {
    if page.kind != PageKind::Concept {
        return Vec::new();
    }
    let text: Vec<String> = page
        .sections
        .iter()
        .flat_map(|s| super::words(&s.text))
        .collect();
    super::graph::kind_edges(page)
        .into_iter()
        .filter_map(|parent| {
            let p = corpus.get(&parent).filter(|p| !p.is_named_in(&text))?;
            Some(format!(
                "the text never names the parent `{parent}` (“{}” or an alias): say what kind of thing this is, so answers can cite it",
                p.title
            ))
        })
        .collect()
}

/// A comparison opens by stating the relationship: its first sentence names both sides.
fn first_sentence_problem(corpus: &Corpus, page: &Page) -> Option<String> {
    let text = &page.section("How they relate")?.text;
    let first = super::words(text.split_terminator(". ").next().unwrap_or(text));
    let missing: Vec<&str> = page
        .compares
        .iter()
        .filter(|id| corpus.get(id).is_some_and(|side| !side.is_named_in(&first)))
        .map(String::as_str)
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "the first sentence must state how the two sides relate, but does not name {}",
            missing.join(" and ")
        )
    })
}

fn coverage(corpus: &Corpus, spec: &Spec, problems: &mut Vec<Problem>) -> Coverage {
    let mut concepts_found = 0;
    for (slug, title, group) in &spec.concepts {
        match corpus.get(slug) {
            Some(page) if page.kind == PageKind::Concept => {
                concepts_found += 1;
                if &page.title != title {
                    problems.push(Problem {
                        file: page.source.clone(),
                        line: 3,
                        message: format!("title is `{}`; the spec says `{title}`", page.title),
                    });
                }
                if page.group.as_deref() != Some(group.as_str()) {
                    problems.push(Problem {
                        file: page.source.clone(),
                        line: 3,
                        message: format!(
                            "group is `{}`; the spec says `{group}`",
                            page.group.as_deref().unwrap_or("")
                        ),
                    });
                }
            }
            _ => {}
        }
    }
    let pairs: HashMap<BTreeSet<&str>, &Page> = corpus
        .pages()
        .iter()
        .filter(|p| p.kind == PageKind::Comparison)
        .map(|p| (p.compares.iter().map(String::as_str).collect(), p))
        .collect();
    let comparisons_found = spec
        .comparisons
        .iter()
        .filter(|(l, r)| pairs.contains_key(&BTreeSet::from([l.as_str(), r.as_str()])))
        .count();
    Coverage {
        concepts_found,
        concepts_wanted: spec.concepts.len(),
        comparisons_found,
        comparisons_wanted: spec.comparisons.len(),
    }
}

/// Spec entries with no page, for the report.
pub fn missing(corpus: &Corpus, spec: &Spec) -> (Vec<String>, Vec<String>) {
    let concepts = spec
        .concepts
        .iter()
        .filter(|(slug, _, _)| corpus.get(slug).is_none())
        .map(|(slug, _, _)| slug.clone())
        .collect();
    let pairs: BTreeSet<BTreeSet<&str>> = corpus
        .pages()
        .iter()
        .filter(|p| p.kind == PageKind::Comparison)
        .map(|p| p.compares.iter().map(String::as_str).collect())
        .collect();
    let comparisons = spec
        .comparisons
        .iter()
        .filter(|(l, r)| !pairs.contains(&BTreeSet::from([l.as_str(), r.as_str()])))
        .map(|(l, r)| format!("{l} vs {r}"))
        .collect();
    (concepts, comparisons)
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_page;
    use super::*;

    fn words(n: usize) -> String {
        vec!["word"; n].join(" ")
    }

    /// A concept whose simple explanation opens with its parents' names (titles equal ids).
    fn concept(id: &str, parents: &str, extra: &str, simple: usize, deep: usize) -> Page {
        let named: Vec<String> = parents.split(',').flat_map(super::super::words).collect();
        let text = format!(
            "---\nid: {id}\ntitle: {id}\ngroup: g\n{extra}parents: [{parents}]\n---\n## Simple explanation\n{} {}\n## Technical deep dive\n{}\n",
            named.join(" "),
            words(simple.saturating_sub(named.len())),
            words(deep)
        );
        parse_page(Path::new(&format!("{id}.md")), &text).unwrap()
    }

    fn run(pages: Vec<Page>, spec: Option<&Spec>) -> Report {
        let corpus = Corpus::from_pages(pages, String::new()).with_profile(Profile::Concepts);
        check(&corpus, Path::new("/nonexistent"), spec)
    }

    #[test]
    fn a_site_gets_warnings_where_the_concept_format_gets_errors() {
        let pages = vec![
            concept(MAIN_ROOT, "", "", 150, 200),
            concept("short", MAIN_ROOT, "", 10, 10),
            concept("orphan", "", "", 150, 200),
        ];
        let mut unnamed = concept("unnamed", "", "", 150, 200);
        unnamed.parents = vec!["short".into()];
        let mut all = pages.clone();
        all.push(unnamed);
        let corpus = Corpus::from_pages(all, String::new());
        let report = check(&corpus, Path::new("/nonexistent"), None);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
        assert!(report.warnings[0]
            .message
            .contains("never names the parent `short`"));
        assert_eq!(report.features.concept_pages, 4);
        assert!(report.features.answers());
    }

    #[test]
    fn section_lengths_are_bounded() {
        let report = run(
            vec![
                concept(MAIN_ROOT, "", "", 150, 200),
                concept("short", MAIN_ROOT, "", 119, 200),
                concept("long", MAIN_ROOT, "", 150, 301),
            ],
            None,
        );
        let messages: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages
            .iter()
            .any(|m| m.starts_with("short.md:7:")
                && m.contains("119 words; it must have 120 to 220")));
        assert!(messages
            .iter()
            .any(|m| m.starts_with("long.md:9:") && m.contains("301 words")));
        assert!(!report.passed());
    }

    #[test]
    fn roots_must_be_documented() {
        let report = run(
            vec![
                concept(MAIN_ROOT, "", "", 150, 200),
                concept("orphan", "", "", 150, 200),
                concept(
                    "metric",
                    "",
                    "# root: a measurement, not a kind of AI\n",
                    150,
                    200,
                ),
            ],
            None,
        );
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0]
            .message
            .contains("does not reach `artificial-intelligence`"));
        assert_eq!(
            report.roots,
            vec![
                (MAIN_ROOT.to_string(), "the main root".to_string()),
                (
                    "metric".to_string(),
                    "a measurement, not a kind of AI".to_string()
                )
            ]
        );
    }

    #[test]
    fn comparisons_name_both_sides_first_and_coverage_counts() {
        let cmp = |first: &str| {
            let text = format!(
                "---\nid: a-vs-b\nkind: comparison\ntitle: A vs B\ncompares: [a, b]\n---\n## How they relate\n{first} {}\n## How they differ\n{}\n## When to use which\n{}\n",
                words(50),
                words(70),
                words(50)
            );
            parse_page(Path::new("a-vs-b.md"), &text).unwrap()
        };
        let mut a = concept("a", MAIN_ROOT, "", 150, 200);
        a.title = "Alpha Method (AM)".into();
        let mut b = concept("b", MAIN_ROOT, "", 150, 200);
        b.aliases = vec!["beta".into()];
        let root = concept(MAIN_ROOT, "", "", 150, 200);
        let spec = Spec {
            concepts: vec![
                ("a".into(), "Alpha Method (AM)".into(), "g".into()),
                ("missing".into(), "Missing".into(), "g".into()),
            ],
            comparisons: vec![("b".into(), "a".into())],
        };
        let good = run(
            vec![
                root.clone(),
                a.clone(),
                b.clone(),
                cmp("The AM is a kind of beta."),
            ],
            Some(&spec),
        );
        assert!(good.problems.is_empty(), "{:?}", good.problems);
        let coverage = good.coverage.unwrap();
        assert_eq!((coverage.concepts_found, coverage.concepts_wanted), (1, 2));
        assert_eq!(
            (coverage.comparisons_found, coverage.comparisons_wanted),
            (1, 1)
        );
        assert!(!coverage.complete());

        let bad = run(
            vec![root, a, b, cmp("Alpha methods are old. Beta is new.")],
            None,
        );
        assert_eq!(bad.problems.len(), 1);
        assert!(
            bad.problems[0].message.contains("does not name b"),
            "{:?}",
            bad.problems
        );
    }
}
