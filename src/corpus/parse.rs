//! Turning one file into a [`Page`]: a Markdown page with optional front matter, or a built
//! HTML page.
//!
//! The concept fields (`parents`, `relations`, `aliases`, `compares`, …) are read wherever
//! they appear; every other front matter field is kept as the page's metadata. Under
//! [`Profile::Concepts`] the concept format is enforced instead: front matter with an `id`
//! equal to the file name, no other fields, the fixed `##` sections and no introduction.
//! Every problem carries the line in the source file, so that a writer can jump to it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::frontmatter::{self, Split};
use super::site::{self, Profile, ReadOptions};
use super::{html, markdown};
use super::{Page, PageKind, Problem, Relation, Section, COMPARISON_SECTIONS, CONCEPT_SECTIONS};

/// The front matter fields of the concept format.
pub const CONCEPT_FIELDS: [&str; 8] = [
    "id",
    "title",
    "kind",
    "aliases",
    "group",
    "parents",
    "relations",
    "compares",
];
/// Fields that steer reading and are not metadata: `draft: true` skips a page; `url` and
/// `permalink` say where it lives.
const READING_FIELDS: [&str; 3] = ["draft", "url", "permalink"];

/// What one file gave.
#[derive(Debug)]
pub(super) enum Read {
    Page(Box<Page>),
    /// Not indexed, and why (a draft, a redirect stub, a noindex page, a duplicate).
    Skipped(String),
}

/// The concept fields of a page, each optional.
#[derive(Default)]
struct ConceptFields {
    id: Option<String>,
    title: Option<String>,
    kind: Option<PageKind>,
    aliases: Option<Vec<String>>,
    group: Option<String>,
    parents: Option<Vec<String>>,
    relations: Option<BTreeMap<Relation, Vec<String>>>,
    compares: Option<Vec<String>>,
}

impl ConceptFields {
    /// Whether the page takes part in the concept layer (ancestry, relations, answers).
    fn any(&self) -> bool {
        self.kind.is_some()
            || self.aliases.is_some()
            || self.group.is_some()
            || self.parents.is_some()
            || self.relations.is_some()
            || self.compares.is_some()
    }
}

/// Reads one file: HTML by its extension, else Markdown.
pub(super) fn read(
    file: &Path,
    text: &str,
    profile: Profile,
    options: &ReadOptions,
) -> Result<Read, Vec<Problem>> {
    if super::is_html(file) {
        Ok(html_page(file, text, options))
    } else {
        markdown_page(file, text, profile, options)
    }
}

/// Reads a Markdown page.
pub(super) fn markdown_page(
    file: &Path,
    text: &str,
    profile: Profile,
    options: &ReadOptions,
) -> Result<Read, Vec<Problem>> {
    let problem = |line: usize, message: String| Problem {
        file: file.to_path_buf(),
        line,
        message,
    };
    let split = frontmatter::split(file, text).map_err(|p| vec![p])?;
    let mut fields = split.fields.clone();
    if fields
        .remove("draft")
        .is_some_and(|d| d == Value::Bool(true))
    {
        return Ok(Read::Skipped("a draft (`draft: true`)".into()));
    }
    let mut problems = Vec::new();
    if profile == Profile::Concepts {
        if !split.present {
            return Err(vec![problem(
                1,
                "missing front matter: the first line must be `---`".into(),
            )]);
        }
        problems.extend(unknown_fields(file, &split, &fields));
    }
    let concept = concept_fields(file, &split, &mut fields, profile, &mut problems);
    let body = if file.extension().is_some_and(|e| e == "mdx") {
        markdown::read(
            &markdown::without_mdx_statements(&split.body),
            split.body_line,
        )
    } else {
        markdown::read(&split.body, split.body_line)
    };
    let url_field = ["url", "permalink"]
        .iter()
        .find_map(|f| fields.remove(*f))
        .and_then(|v| v.as_str().map(str::to_string));
    let id = page_id(file, &concept, profile, &split, &mut problems);
    let kind = concept.kind.unwrap_or(PageKind::Concept);
    if profile == Profile::Concepts {
        problems.extend(concept_format_problems(
            file,
            &split,
            &concept,
            &body.sections,
            kind,
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let url = markdown_url(&id, url_field, options);
    let title = concept
        .title
        .clone()
        .or(body.title)
        .unwrap_or_else(|| title_from_path(file));
    let is_concept = profile == Profile::Concepts || concept.any();
    Ok(Read::Page(Box::new(Page {
        id,
        kind,
        title: title.trim().to_string(),
        aliases: concept.aliases.unwrap_or_default(),
        group: concept.group,
        parents: concept.parents.unwrap_or_default(),
        relations: concept.relations.unwrap_or_default(),
        compares: concept.compares.unwrap_or_default(),
        sections: body.sections,
        source: file.to_path_buf(),
        root_reason: split.root_reason(),
        url,
        metadata: metadata(fields),
        concept: is_concept,
    })))
}

/// In the concept format, only the concept fields.
fn unknown_fields(file: &Path, split: &Split<'_>, fields: &Map<String, Value>) -> Vec<Problem> {
    fields
        .keys()
        .filter(|k| !CONCEPT_FIELDS.contains(&k.as_str()))
        .map(|name| Problem {
            file: file.to_path_buf(),
            line: split.field_line(&format!("{name}:")),
            message: format!(
                "front matter: unknown field `{name}`, expected one of {}",
                CONCEPT_FIELDS.map(|f| format!("`{f}`")).join(", ")
            ),
        })
        .collect()
}

/// Where a Markdown page lives: its `url`/`permalink` (after the base URL when it is a path),
/// else the base URL plus its pretty path; unknown without either.
fn markdown_url(id: &str, given: Option<String>, options: &ReadOptions) -> Option<String> {
    let base = options.base_url.as_deref();
    match given {
        Some(path) => Some(site::join_url(base, &path)),
        None => base.map(|base| site::join_url(Some(base), &site::markdown_path(id))),
    }
}

/// Reads a built HTML page; `file` is relative to the site's root folder.
pub(super) fn html_page(file: &Path, text: &str, options: &ReadOptions) -> Read {
    let path = site::html_path(file);
    let page = match html::read(text, &path) {
        Ok(page) => page,
        Err(skipped) => return Read::Skipped(skipped.to_string()),
    };
    let mut metadata = BTreeMap::new();
    if let Some(d) = page.description {
        metadata.insert("description".to_string(), Value::String(d));
    }
    if let Some(l) = page.lang {
        metadata.insert("lang".to_string(), Value::String(l));
    }
    Read::Page(Box::new(Page {
        id: site::id_from_path(file),
        kind: PageKind::Concept,
        title: page.title.unwrap_or_else(|| title_from_path(file)),
        aliases: Vec::new(),
        group: None,
        parents: Vec::new(),
        relations: BTreeMap::new(),
        compares: Vec::new(),
        sections: page.sections,
        source: file.to_path_buf(),
        root_reason: None,
        url: Some(site::join_url(options.base_url.as_deref(), &path)),
        metadata,
        concept: false,
    }))
}

/// Takes the concept fields out of `fields`, each parsed on its own so that a bad one is
/// reported at its line.
fn concept_fields(
    file: &Path,
    split: &Split<'_>,
    fields: &mut Map<String, Value>,
    profile: Profile,
    problems: &mut Vec<Problem>,
) -> ConceptFields {
    // Hugo's `aliases` are old URLs of the page (`/posts/old/`), not names: outside the concept
    // format, a list of paths stays metadata.
    let url_aliases = profile == Profile::Site
        && fields
            .get("aliases")
            .and_then(Value::as_array)
            .is_some_and(|a| {
                !a.is_empty()
                    && a.iter().all(|v| {
                        v.as_str()
                            .is_some_and(|s| s.starts_with('/') || s.contains("://"))
                    })
            });
    let mut typed_field = |name: &str| -> Option<Value> {
        if name == "aliases" && url_aliases {
            return None;
        }
        fields.remove(name)
    };
    let at = Field { file, split };
    ConceptFields {
        id: at.typed("id", typed_field("id"), problems),
        title: at.typed("title", typed_field("title"), problems),
        kind: at.typed("kind", typed_field("kind"), problems),
        aliases: at.typed("aliases", typed_field("aliases"), problems),
        group: at.typed("group", typed_field("group"), problems),
        parents: at.typed("parents", typed_field("parents"), problems),
        relations: at.typed("relations", typed_field("relations"), problems),
        compares: at.typed("compares", typed_field("compares"), problems),
    }
}

/// Where a front matter field is, for its problems.
struct Field<'a> {
    file: &'a Path,
    split: &'a Split<'a>,
}

impl Field<'_> {
    /// One field as `T`, or a problem at its line.
    fn typed<T: DeserializeOwned>(
        &self,
        name: &str,
        value: Option<Value>,
        problems: &mut Vec<Problem>,
    ) -> Option<T> {
        let value = value.filter(|v| !v.is_null())?;
        match serde_json::from_value(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let message = e.to_string();
                // Point at the offending word when the message names one (an unknown relation).
                let line = message
                    .split('`')
                    .nth(1)
                    .filter(|w| {
                        self.split
                            .lines
                            .iter()
                            .any(|l| l.contains(&format!("{w}:")))
                    })
                    .map(|w| self.split.field_line(&format!("{w}:")))
                    .unwrap_or_else(|| self.split.field_line(&format!("{name}:")));
                problems.push(Problem {
                    file: self.file.to_path_buf(),
                    line,
                    message: format!("front matter: `{name}`: {message}"),
                });
                None
            }
        }
    }
}

/// The page's id: its `id` field, else its path. The concept format requires the field, equal
/// to the file name and a slug.
fn page_id(
    file: &Path,
    concept: &ConceptFields,
    profile: Profile,
    split: &Split<'_>,
    problems: &mut Vec<Problem>,
) -> String {
    let problem = |line, message| Problem {
        file: file.to_path_buf(),
        line,
        message,
    };
    let id_line = split.field_line("id:");
    let Some(id) = concept.id.clone() else {
        if profile == Profile::Concepts {
            problems.push(problem(2, "front matter: missing field `id`".to_string()));
        }
        return site::id_from_path(file);
    };
    match profile {
        Profile::Concepts => {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if stem != id {
                let message = format!("id `{id}` must equal the file name `{stem}`");
                problems.push(problem(id_line, message));
            }
            if !is_slug(&id) {
                let message = format!(
                    "id `{id}` must be a slug: lower-case letters, digits and single hyphens"
                );
                problems.push(problem(id_line, message));
            }
        }
        Profile::Site | Profile::Documents if !site::is_page_id(&id) => {
            let message = format!(
                "id `{id}` must be letters, digits, `-`, `_` and `.`, in parts separated by `/`"
            );
            problems.push(problem(id_line, message));
        }
        Profile::Site | Profile::Documents => {}
    }
    id
}

/// The concept format's own rules: a title, `compares` only on comparisons (and exactly two),
/// every section the kind requires and nothing before the first `##` heading.
fn concept_format_problems(
    file: &Path,
    split: &Split<'_>,
    concept: &ConceptFields,
    sections: &[Section],
    kind: PageKind,
) -> Vec<Problem> {
    let problem = |line, message: String| Problem {
        file: file.to_path_buf(),
        line,
        message,
    };
    let mut problems = Vec::new();
    match &concept.title {
        None => problems.push(problem(2, "front matter: missing field `title`".into())),
        Some(t) if t.trim().is_empty() => {
            problems.push(problem(split.field_line("title:"), "title is empty".into()))
        }
        Some(_) => {}
    }
    let compares = concept.compares.as_deref().unwrap_or_default();
    let compares_line = split.field_line("compares:");
    if kind == PageKind::Comparison && compares.len() != 2 {
        let message = format!(
            "a comparison must name exactly two concepts in `compares`, found {}",
            compares.len()
        );
        problems.push(problem(compares_line, message));
    }
    if kind == PageKind::Concept && !compares.is_empty() {
        let message = "`compares` is only for pages with `kind: comparison`".to_string();
        problems.push(problem(compares_line, message));
    }
    if let Some(intro) = sections.iter().find(|s| s.level == 0) {
        let message = "text before the first `## ` section heading".to_string();
        problems.push(problem(intro.line, message));
        return problems;
    }
    let mut seen = std::collections::HashSet::new();
    for s in sections {
        if !seen.insert(s.heading.as_str()) {
            problems.push(problem(
                s.line,
                format!("section `## {}` appears twice", s.heading),
            ));
            return problems;
        }
    }
    let required: &[&str] = match kind {
        PageKind::Concept => &CONCEPT_SECTIONS,
        PageKind::Comparison => &COMPARISON_SECTIONS,
    };
    for heading in required {
        match sections.iter().find(|s| s.heading == *heading) {
            None => problems.push(problem(
                split.body_line,
                format!("missing section `## {heading}`"),
            )),
            Some(s) if s.text.trim().is_empty() => {
                problems.push(problem(s.line, format!("section `## {heading}` is empty")))
            }
            Some(_) => {}
        }
    }
    problems
}

/// What remains of the front matter: the page's own fields, returned with results.
fn metadata(fields: Map<String, Value>) -> BTreeMap<String, Value> {
    fields
        .into_iter()
        .filter(|(k, _)| !READING_FIELDS.contains(&k.as_str()))
        .collect()
}

/// A title for a page that gives none: its file name (its folder's for an index page), with
/// hyphens and underscores as spaces and the first letter upper-cased.
fn title_from_path(file: &Path) -> String {
    let id = site::id_from_path(file);
    let last = id.rsplit('/').next().unwrap_or(&id);
    let words = last.replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => id,
    }
}

pub(super) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl std::fmt::Display for html::Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            html::Skipped::Ignored => write!(f, "marked `data-landscape-ignore`"),
            html::Skipped::NoIndex => write!(f, "robots `noindex`"),
            html::Skipped::Redirect => write!(f, "a redirect stub (`meta http-equiv=refresh`)"),
            html::Skipped::Duplicate(to) => write!(f, "a duplicate of its canonical page {to}"),
        }
    }
}

/// A page in the concept format, for the unit tests of other corpus modules.
#[cfg(test)]
pub(super) fn parse_page(file: &Path, text: &str) -> Result<Page, Vec<Problem>> {
    match markdown_page(file, text, Profile::Concepts, &ReadOptions::default())? {
        Read::Page(p) => Ok(*p),
        Read::Skipped(why) => panic!("skipped: {why}"),
    }
}

/// The Markdown body of a page file as the reader sees it (front matter and MDX statements
/// removed), for rendering; `None` for HTML files and files whose front matter cannot be read.
pub fn markdown_body(file: &Path, text: &str) -> Option<String> {
    let ext = file.extension()?.to_str()?;
    if !matches!(ext, "md" | "markdown" | "mdx") {
        return None;
    }
    let split = frontmatter::split(file, text).ok()?;
    Some(if ext == "mdx" {
        markdown::without_mdx_statements(&split.body)
    } else {
        split.body
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nid: gpt-4\ntitle: GPT-4\naliases: [GPT4]\nparents: [large-language-model]\nrelations:\n  uses: [transformer]\n---\n\n## Simple explanation\n\nGPT-4 is a *large* language model.\nIt writes text.\n\n## Technical deep dive\n\nA `decoder-only` transformer.\n";

    fn concept_page(file: &str, text: &str) -> Result<Page, Vec<Problem>> {
        parse_page(Path::new(file), text)
    }

    fn site_page(file: &str, text: &str, base: Option<&str>) -> Read {
        let options = ReadOptions {
            base_url: base.map(str::to_string),
        };
        markdown_page(Path::new(file), text, Profile::Site, &options).unwrap()
    }

    #[test]
    fn parses_front_matter_and_sections() {
        let page = concept_page("gpt-4.md", GOOD).unwrap();
        assert_eq!(page.id, "gpt-4");
        assert_eq!(page.kind, PageKind::Concept);
        assert_eq!(page.aliases, vec!["GPT4"]);
        assert_eq!(page.relations[&Relation::Uses], vec!["transformer"]);
        assert_eq!(page.sections.len(), 2);
        assert_eq!(page.sections[0].heading, "Simple explanation");
        assert_eq!(page.sections[0].anchor, "simple-explanation");
        assert_eq!(page.sections[0].line, 10);
        assert_eq!(
            page.sections[0].text,
            "GPT-4 is a large language model. It writes text."
        );
        assert_eq!(page.sections[1].text, "A decoder-only transformer.");
        assert!(page.concept && page.metadata.is_empty() && page.url.is_none());
    }

    #[test]
    fn yaml_errors_name_the_file_line() {
        let bad = GOOD.replace("aliases: [GPT4]", "aliases: [GPT4");
        let problems = concept_page("gpt-4.md", &bad).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].line >= 4, "{:?}", problems[0]);
        assert!(problems[0].to_string().starts_with("gpt-4.md:"));
    }

    #[test]
    fn unknown_relation_and_field_are_errors_in_the_concept_format() {
        let bad = GOOD.replace("uses:", "eats:");
        let problems = concept_page("gpt-4.md", &bad).unwrap_err();
        assert!(problems[0].message.contains("eats"), "{:?}", problems);
        assert_eq!(problems[0].line, 7);
        let bad = GOOD.replace("aliases:", "nicknames:");
        let problems = concept_page("gpt-4.md", &bad).unwrap_err();
        assert!(problems[0].message.contains("nicknames"));
        assert_eq!(problems[0].line, 4);
    }

    #[test]
    fn id_must_match_file_and_sections_must_exist() {
        let problems = concept_page("gpt4.md", GOOD).unwrap_err();
        assert_eq!(problems[0].line, 2);
        assert!(problems[0].message.contains("file name"));
        let bad = GOOD.replace("## Technical deep dive", "## Deep dive");
        let problems = concept_page("gpt-4.md", &bad).unwrap_err();
        assert!(problems.iter().any(|p| p
            .message
            .contains("missing section `## Technical deep dive`")));
    }

    #[test]
    fn missing_front_matter_is_line_one() {
        let problems = concept_page("x.md", "# Hello\n").unwrap_err();
        assert_eq!(problems[0].line, 1);
    }

    #[test]
    fn an_introduction_of_code_alone_is_located() {
        // Found by tests/it/properties.rs: the problem was reported at line 0.
        for text in [
            "---\n---\n```\n---\n",
            "---\n---\n```\n```\n",
            "---\n---\n\n    code\n",
        ] {
            let problems = concept_page("x.md", text).unwrap_err();
            let lines = text.lines().count();
            for p in &problems {
                assert!(p.line >= 1 && p.line <= lines + 1, "{text:?}: {p}");
            }
        }
    }

    #[test]
    fn text_before_first_section_is_located() {
        let bad = GOOD.replace("\n\n## Simple", "\nStray words.\n\n## Simple");
        let problems = concept_page("gpt-4.md", &bad).unwrap_err();
        assert_eq!(problems[0].line, 9, "{:?}", problems);
    }

    #[test]
    fn a_site_page_needs_nothing_and_keeps_its_fields() {
        let text = "+++\ntitle = \"Install\"\ntags = [\"setup\"]\ndate = 2024-03-02\nweight = 3\n+++\nIntro.\n\n### Deep {#deep}\nMore.\n";
        let Read::Page(page) = site_page("docs/install.md", text, Some("https://h.org")) else {
            panic!()
        };
        assert_eq!(page.id, "docs/install");
        assert_eq!(page.title, "Install");
        assert_eq!(page.url.as_deref(), Some("https://h.org/docs/install/"));
        assert_eq!(page.metadata["tags"], serde_json::json!(["setup"]));
        assert_eq!(page.metadata["date"], "2024-03-02");
        assert!(!page.concept);
        assert_eq!(page.sections[0].heading, "");
        assert_eq!(page.sections[1].anchor, "deep");

        let Read::Page(page) = site_page("guides/_index.md", "Just text.", None) else {
            panic!()
        };
        assert_eq!(
            (page.id.as_str(), page.title.as_str()),
            ("guides", "Guides")
        );
        assert_eq!(page.url, None);
        let Read::Page(page) = site_page("a.md", "---\nurl: /news/a/\n---\n# Alpha\nText", None)
        else {
            panic!()
        };
        assert_eq!(
            (page.title.as_str(), page.url.as_deref()),
            ("Alpha", Some("/news/a/"))
        );
        assert!(matches!(
            site_page("d.md", "---\ndraft: true\n---\nx", None),
            Read::Skipped(_)
        ));
        let Read::Page(page) = site_page("h.md", "---\naliases: [/old/h/]\n---\nx", None) else {
            panic!()
        };
        assert!(page.aliases.is_empty() && !page.concept);
        assert_eq!(page.metadata["aliases"], serde_json::json!(["/old/h/"]));
    }
}
