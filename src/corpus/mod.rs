//! The corpus: a site's pages (Markdown with optional front matter, or built HTML), and the
//! concept graph that the pages carrying concept fields form.
//!
//! A corpus is loaded whole and validated whole: if any page is malformed, [`Corpus::load`]
//! returns every problem it found (each with file and line) and nothing is indexed. A search
//! index built from half a corpus would silently answer wrong, which is worse than no answer.
//! Only what is really broken is an error (unreadable files, front matter that does not parse,
//! duplicate ids, links to pages that do not exist); the house rules of the built-in corpus
//! are a [`Profile`] of their own and `landscape check`'s business.

pub mod check;
mod frontmatter;
mod graph;
mod html;
pub mod markdown;
mod parse;
pub mod site;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use graph::Graph;
pub use parse::{markdown_body, CONCEPT_FIELDS};
pub use site::{Profile, ReadOptions};

/// Section headings every concept page must have, in this order.
pub const CONCEPT_SECTIONS: [&str; 2] = ["Simple explanation", "Technical deep dive"];
/// Section headings every comparison page must have, in this order.
pub const COMPARISON_SECTIONS: [&str; 3] =
    ["How they relate", "How they differ", "When to use which"];

/// What a page describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// One idea, explained simply and technically, placed in the graph.
    Concept,
    /// "X vs Y": how two concepts relate and differ.
    Comparison,
}

crate::named::from_name_table!(
    PageKind,
    "kind",
    &[
        ("concept", PageKind::Concept),
        ("comparison", PageKind::Comparison)
    ]
);

/// Typed edges between concepts, besides is-a ancestry (which lives in `parents`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    PartOf,
    Uses,
    TrainedWith,
    BuildsOn,
    AlternativeTo,
    ExampleOf,
    InstanceOf,
    /// The network this model or system is built as ("Whisper: architecture transformer"):
    /// unlike `uses`, it answers "is X a Y?" with yes.
    Architecture,
    /// Nothing is both: a declared exclusion (supervised vs unsupervised learning) that lets
    /// a verdict say "no" for every kind of the one against every kind of the other. Read both
    /// ways; declaring it on one side is enough.
    DisjointWith,
    Related,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::PartOf => "part-of",
            Relation::Uses => "uses",
            Relation::TrainedWith => "trained-with",
            Relation::BuildsOn => "builds-on",
            Relation::AlternativeTo => "alternative-to",
            Relation::ExampleOf => "example-of",
            Relation::InstanceOf => "instance-of",
            Relation::Architecture => "architecture",
            Relation::DisjointWith => "disjoint-with",
            Relation::Related => "related",
        }
    }
}

/// One part of a page: its introduction (empty heading) or a heading of any level with the
/// text under it, as plain text (markup removed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Section {
    pub heading: String,
    /// Prose: chunked, embedded and searched by keyword.
    pub text: String,
    /// 1-based line of the heading in the source file (of the first text, for an introduction;
    /// 1 in HTML pages).
    pub line: usize,
    /// The fragment the live page gives the heading (`#requirements`); empty for the
    /// introduction, which is the top of the page.
    #[serde(default)]
    pub anchor: String,
    /// Heading level, 1 to 6; 0 for the introduction.
    #[serde(default)]
    pub level: u8,
    /// Code blocks: searched by keyword, never embedded (see [`markdown`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
}

/// A parsed, validated page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page {
    pub id: String,
    pub kind: PageKind,
    pub title: String,
    pub aliases: Vec<String>,
    pub group: Option<String>,
    /// Is-a ancestry: this page is a kind (or an instance) of each parent.
    pub parents: Vec<String>,
    pub relations: BTreeMap<Relation, Vec<String>>,
    /// For comparisons: the two sides.
    pub compares: Vec<String>,
    pub sections: Vec<Section>,
    /// Path relative to the corpus root, for error messages and links.
    #[schema(value_type = String)]
    pub source: PathBuf,
    /// Why a concept without parents is a root of the graph: the `# root: ...` comment above
    /// `parents` in its front matter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_reason: Option<String>,
    /// Where the page lives on the site: its `url`/`permalink`, else the base URL plus its path
    /// (built HTML pages always know their path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Front matter fields landscape does not read itself (`tags`, `date`, `description`, …),
    /// returned with results; string and list fields can filter searches.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// Whether the page takes part in the concept layer (it has concept fields, or the corpus
    /// follows [`Profile::Concepts`]): only such pages get ancestry verdicts and answers.
    #[serde(default)]
    pub concept: bool,
}

impl Page {
    pub fn section(&self, heading: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.heading == heading)
    }

    /// Every name the page goes by, each with whether it is a form of the title: the title,
    /// for a title like "Generative AI (GenAI)" also "Generative AI" and "GenAI", then the
    /// aliases.
    pub fn names(&self) -> Vec<(&str, bool)> {
        let mut names = vec![(self.title.as_str(), true)];
        if let (Some(open), Some(close)) = (self.title.find('('), self.title.rfind(')')) {
            if open < close {
                names.push((self.title[..open].trim(), true));
                names.push((self.title[open + 1..close].trim(), true));
            }
        }
        names.extend(self.aliases.iter().map(|a| (a.as_str(), false)));
        names
    }

    /// The length in words of the longest of the page's names (or its plural) that starts at
    /// `words[at]`, if one does: for reading sentences like "GPT-4 is a large language model".
    pub fn name_at(&self, words: &[String], at: usize) -> Option<usize> {
        let rest = words.get(at..)?;
        self.names()
            .iter()
            .filter_map(|(name, _)| {
                let name = self::words(name);
                let n = name.len();
                if n == 0 || rest.len() < n {
                    return None;
                }
                let (last, init) = name.split_last()?;
                let fits = rest[..n - 1] == *init
                    && (rest[n - 1] == *last || rest[n - 1] == format!("{last}s"));
                fits.then_some(n)
            })
            .max()
    }

    /// Whether `words` (as from [`words`]) contain one of the page's names, or a name with a
    /// plural last word ("large language models").
    pub fn is_named_in(&self, words: &[String]) -> bool {
        self.names().iter().any(|(name, _)| {
            let mut name = self::words(name);
            if name.is_empty() {
                return false;
            }
            let found = |name: &[String]| words.windows(name.len()).any(|w| w == name);
            if found(&name) {
                return true;
            }
            if let Some(last) = name.last_mut() {
                last.push('s');
            }
            found(&name)
        })
    }
}

/// The lower-cased words of `text`: runs of letters and digits ("GPT-4" → "gpt", "4").
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A problem with one page, located to the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read corpus at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("corpus at {0} has no pages (*.md or *.html files)")]
    Empty(PathBuf),
    #[error("{0}")]
    Config(String),
    #[error("corpus has {} problem(s):\n{}", .0.len(), .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// Where a pushed page's source says it comes from: not a file of the corpus folder.
pub const PUSHED_PREFIX: &str = "@pushed/";

/// A change pushed through the write API: a page's new source in the corpus format, or
/// (`source: None`) its removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub id: String,
    pub source: Option<String>,
}

/// Each pushed page id with the sha256 of its source, or `None` for a removal: what a
/// generation records it was built with, to tell which pushes it lacks.
pub type Fingerprint = BTreeMap<String, Option<String>>;

/// The [`Fingerprint`] of `changes`.
pub fn fingerprint(changes: &[Change]) -> Fingerprint {
    changes
        .iter()
        .map(|c| (c.id.clone(), c.fingerprint()))
        .collect()
}

impl Change {
    /// The sha256 of the source, `None` for a removal.
    pub fn fingerprint(&self) -> Option<String> {
        self.source
            .as_ref()
            .map(|s| hex::encode(Sha256::digest(s.as_bytes())))
    }
}

/// A loaded, validated corpus.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The pushed pages read over the folder's ([`Corpus::load_overlaid`]).
    pushed: Fingerprint,
    profile: Profile,
    /// Files that were read and deliberately not indexed, with the reason.
    skipped: Vec<(PathBuf, String)>,
    pages: Vec<Page>,
    by_id: HashMap<String, usize>,
    incoming: graph::Incoming,
    /// sha256 over every page's path and bytes: the index records it to know when to rebuild.
    hash: String,
}

impl Corpus {
    /// Reads every page below `root` (`*.md`, except `README.md` files, and `*.html`), with
    /// the profile `root/landscape.toml` names, and validates them.
    pub fn load(root: &Path) -> Result<Corpus, CorpusError> {
        Corpus::load_with(root, &ReadOptions::default())
    }

    /// [`Corpus::load`] with the site's settings (its base URL).
    pub fn load_with(root: &Path, options: &ReadOptions) -> Result<Corpus, CorpusError> {
        Corpus::load_overlaid(root, options, &[])
    }

    /// [`Corpus::load_with`], with the pages pushed through the write API over the folder's:
    /// a pushed page replaces the folder's page of the same id, a removal hides it. The whole
    /// is validated as one corpus.
    pub fn load_overlaid(
        root: &Path,
        options: &ReadOptions,
        overlay: &[Change],
    ) -> Result<Corpus, CorpusError> {
        let profile = Profile::of_folder(root).map_err(CorpusError::Config)?;
        let files = page_files(root)?;
        let mut hasher = Sha256::new();
        // Settings that change what pages say (their URLs) change the corpus.
        hasher.update(format!("{profile:?}\0{:?}\0", options.base_url).as_bytes());
        let mut pages = Vec::new();
        let mut problems = Vec::new();
        let mut skipped = Vec::new();
        for file in &files {
            let bytes = std::fs::read(file).map_err(|source| CorpusError::Io {
                path: file.clone(),
                source,
            })?;
            let relative = file.strip_prefix(root).unwrap_or(file).to_path_buf();
            let Ok(text) = String::from_utf8(bytes) else {
                problems.push(Problem {
                    file: relative,
                    line: 1,
                    message: "not UTF-8 text".into(),
                });
                continue;
            };
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
            match parse::read(&relative, &text, profile, options) {
                Ok(parse::Read::Page(page)) => pages.push((*page, text)),
                Ok(parse::Read::Skipped(why)) => skipped.push((relative, why)),
                Err(mut found) => problems.append(&mut found),
            }
        }
        if files.is_empty() {
            return Err(CorpusError::Empty(root.to_path_buf()));
        }
        let replaced: std::collections::HashSet<&str> =
            overlay.iter().map(|c| c.id.as_str()).collect();
        pages.retain(|(p, _)| !replaced.contains(p.id.as_str()));
        for change in overlay {
            hasher.update(change.id.as_bytes());
            hasher.update([0]);
            match &change.source {
                Some(source) => hasher.update(source.as_bytes()),
                None => hasher.update([1]),
            }
            hasher.update([0]);
        }
        read_pushed_into(overlay, profile, options, &mut pages, &mut problems);
        let pages = validated(pages, problems).map_err(CorpusError::Invalid)?;
        let mut corpus = Corpus::from_pages(pages, hex::encode(hasher.finalize()));
        corpus.profile = profile;
        corpus.skipped = skipped;
        corpus.pushed = fingerprint(overlay);
        Ok(corpus)
    }

    /// Reads one file's text as a page of a corpus with `profile`: `Ok(None)` when the page is
    /// deliberately not indexed (a draft, a redirect stub, …). `file` is the path relative to
    /// the corpus folder; its extension says Markdown or HTML. Checks against other pages
    /// (unknown ids, duplicates) need the whole corpus: [`Corpus::load`].
    pub fn read_page(
        file: &Path,
        text: &str,
        profile: Profile,
        options: &ReadOptions,
    ) -> Result<Option<Page>, Vec<Problem>> {
        match parse::read(file, text, profile, options)? {
            parse::Read::Page(page) => Ok(Some(*page)),
            parse::Read::Skipped(_) => Ok(None),
        }
    }

    /// Reads `source` (the corpus format: Markdown with front matter) as page `id`, pushed
    /// through the write API: `Ok(None)` for a draft. Its `source` path is
    /// [`PUSHED_PREFIX`]`<id>.md`, so that problems and the concept view can tell it from the
    /// folder's files.
    pub fn read_pushed(
        id: &str,
        source: &str,
        profile: Profile,
        options: &ReadOptions,
    ) -> Result<Option<Page>, Vec<Problem>> {
        let file = PathBuf::from(format!("{PUSHED_PREFIX}{id}.md"));
        let relabel = |mut problems: Vec<Problem>| {
            problems.iter_mut().for_each(|p| p.file = file.clone());
            problems
        };
        if !site::is_page_id(id) || site::id_from_path(Path::new(&format!("{id}.md"))) != id {
            return Err(vec![Problem {
                file,
                line: 1,
                message: format!(
                    "`{id}` is not a page id: lower-case letters, digits, `-`, `_` and `.`, \
                     in parts separated by `/`"
                ),
            }]);
        }
        let read = parse::read(Path::new(&format!("{id}.md")), source, profile, options);
        let Some(mut page) = (match read.map_err(relabel)? {
            parse::Read::Page(page) => Some(*page),
            parse::Read::Skipped(_) => None,
        }) else {
            return Ok(None);
        };
        if page.id != id {
            return Err(vec![Problem {
                file,
                line: 1,
                message: format!(
                    "the page says its id is `{}`, but it is sent as `{id}`",
                    page.id
                ),
            }]);
        }
        page.source = file;
        Ok(Some(page))
    }

    /// This corpus with `changes` made, validated as a whole as [`Corpus::load`] would (a
    /// removal that leaves another page naming a missing page is refused too). Pages already
    /// here are not re-read: problems the change causes in them name their file, line 1.
    pub fn with_changes(
        &self,
        changes: &[Change],
        options: &ReadOptions,
    ) -> Result<Corpus, Vec<Problem>> {
        let changed: std::collections::HashSet<&str> =
            changes.iter().map(|c| c.id.as_str()).collect();
        let mut pages: Vec<(Page, String)> = self
            .pages
            .iter()
            .filter(|p| !changed.contains(p.id.as_str()))
            .map(|p| (p.clone(), String::new()))
            .collect();
        let mut problems = Vec::new();
        read_pushed_into(changes, self.profile, options, &mut pages, &mut problems);
        let pages = validated(pages, problems)?;
        let mut corpus = Corpus::from_pages(pages, self.hash.clone());
        corpus.profile = self.profile;
        Ok(corpus)
    }

    /// Builds a corpus from pages that were validated before (for example read back from an index).
    pub fn from_pages(pages: Vec<Page>, hash: String) -> Corpus {
        let by_id = pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        Corpus {
            pushed: Fingerprint::new(),
            profile: Profile::default(),
            skipped: Vec::new(),
            incoming: graph::Incoming::of(&pages),
            pages,
            by_id,
            hash,
        }
    }

    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    pub fn get(&self, id: &str) -> Option<&Page> {
        self.by_id.get(id).map(|&i| &self.pages[i])
    }

    /// The same pages under `profile` (for corpora assembled in code).
    pub fn with_profile(mut self, profile: Profile) -> Corpus {
        self.profile = profile;
        self
    }

    /// The rules the corpus follows (from its `landscape.toml`).
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Files read and not indexed (drafts, redirect stubs, noindex pages, duplicates), each
    /// with the reason.
    pub fn skipped(&self) -> &[(PathBuf, String)] {
        &self.skipped
    }

    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The pushed pages this corpus was read with.
    pub fn pushed(&self) -> &Fingerprint {
        &self.pushed
    }

    pub fn graph(&self) -> Graph<'_> {
        Graph::new(self)
    }
}

/// Reads the pages `changes` push (removals have none) into `pages`, their problems into
/// `problems`.
fn read_pushed_into(
    changes: &[Change],
    profile: Profile,
    options: &ReadOptions,
    pages: &mut Vec<(Page, String)>,
    problems: &mut Vec<Problem>,
) {
    for change in changes {
        let Some(source) = &change.source else {
            continue;
        };
        match Corpus::read_pushed(&change.id, source, profile, options) {
            Ok(Some(page)) => pages.push((page, source.clone())),
            Ok(None) => {}
            Err(mut found) => problems.append(&mut found),
        }
    }
}

/// The pages, once the checks only the whole corpus can make found nothing besides
/// `problems`; else every problem, by file and line.
fn validated(
    pages: Vec<(Page, String)>,
    mut problems: Vec<Problem>,
) -> Result<Vec<Page>, Vec<Problem>> {
    problems.extend(graph::validate(&pages));
    if !problems.is_empty() {
        problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(problems);
    }
    let mut pages: Vec<Page> = pages.into_iter().map(|(p, _)| p).collect();
    join_concept_layer(&mut pages);
    Ok(pages)
}

/// A page that a concept page names as its parent, relation or side is part of the concept
/// layer too, even without concept fields of its own: "is a snapshot a backup?" must resolve
/// "backup" when the snapshot page says `parents: [backup]`.
fn join_concept_layer(pages: &mut [Page]) {
    let named: std::collections::HashSet<String> = pages
        .iter()
        .filter(|p| p.concept)
        .flat_map(|p| {
            p.parents
                .iter()
                .chain(p.relations.values().flatten())
                .chain(&p.compares)
                .cloned()
        })
        .collect();
    for page in pages.iter_mut() {
        if named.contains(&page.id) {
            page.concept = true;
        }
    }
}

pub(super) fn is_html(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// Every page file below `root`, sorted: Markdown (`.md`, `.markdown`, `.mdx`; a `README.md` documents
/// its folder and is not a page) and HTML. Hidden files and folders are left out.
fn page_files(root: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| CorpusError::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| CorpusError::Io {
                path: dir.clone(),
                source,
            })?;
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if (path
                .extension()
                .is_some_and(|e| e == "md" || e == "markdown" || e == "mdx")
                && name != "README.md")
                || is_html(&path)
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Small corpora for unit tests elsewhere in the crate, parsed from real front matter.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// Concept pages from `(id, title, aliases, extra front matter)`; the extra lines hold
    /// `parents` and `relations` (a page without `parents` becomes a documented root). The
    /// simple explanation is "<title> is a test concept.".
    pub(crate) fn corpus_of(pages: &[(&str, &str, &str, &str)]) -> Corpus {
        let with_text: Vec<_> = pages
            .iter()
            .map(|&(id, title, aliases, extra)| (id, title, aliases, extra, ""))
            .collect();
        corpus_of_text(&with_text)
    }

    /// Like [`corpus_of`], with a sentence of one's own opening each simple explanation.
    pub(crate) fn corpus_of_text(pages: &[(&str, &str, &str, &str, &str)]) -> Corpus {
        let parsed: Vec<(Page, String)> = pages
            .iter()
            .map(|(id, title, aliases, extra, own)| {
                let parents = if extra.contains("parents:") {
                    String::new()
                } else {
                    "# root: test\nparents: []\n".to_string()
                };
                let text = format!(
                    "---\nid: {id}\ntitle: {title}\naliases: {aliases}\n{parents}{extra}---\n\
                     ## Simple explanation\n{own} {title} is a test concept. It has a second sentence.\n\
                     ## Technical deep dive\nDetails of {title}.\n"
                );
                let file = format!("{id}.md");
                let read = parse::markdown_page(
                    Path::new(&file),
                    &text,
                    Profile::Concepts,
                    &ReadOptions::default(),
                );
                let page = match read {
                    Ok(parse::Read::Page(page)) => *page,
                    other => panic!("{id}: {other:?}"),
                };
                (page, text)
            })
            .collect();
        let problems = graph::validate(&parsed);
        assert!(problems.is_empty(), "{problems:?}");
        Corpus::from_pages(parsed.into_iter().map(|(p, _)| p).collect(), String::new())
    }
}
