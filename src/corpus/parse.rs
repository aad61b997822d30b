//! Parsing one page: YAML front matter between `---` lines, then `## Section` blocks of Markdown.
//!
//! Every error carries the line in the source file, so that a writer can jump to it.

use std::collections::BTreeMap;
use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Deserialize;

use super::{Page, PageKind, Problem, Relation, Section, COMPARISON_SECTIONS, CONCEPT_SECTIONS};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    title: String,
    #[serde(default)]
    kind: Option<PageKind>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    parents: Vec<String>,
    #[serde(default)]
    relations: BTreeMap<Relation, Vec<String>>,
    #[serde(default)]
    compares: Vec<String>,
}

/// The page's text, located: where problems point.
struct Source<'a> {
    file: &'a Path,
    lines: Vec<&'a str>,
    /// Index of the line that closes the front matter.
    close: usize,
}

impl Source<'_> {
    fn problem(&self, line: usize, message: impl Into<String>) -> Problem {
        Problem {
            file: self.file.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    /// The front matter's lines (between the two `---`).
    fn front_matter(&self) -> &[&str] {
        &self.lines[1..self.close]
    }

    /// The 1-based line of the front matter field containing `needle` (its first line if none).
    fn field_line(&self, needle: &str) -> usize {
        self.front_matter()
            .iter()
            .position(|l| l.contains(needle))
            .map(|i| i + 2)
            .unwrap_or(2)
    }

    /// The 1-based line of the first body line, after the closing `---`.
    fn body_line(&self) -> usize {
        self.close + 2
    }
}

/// Parses one page. `file` is the path shown in problems.
pub(super) fn parse_page(file: &Path, text: &str) -> Result<Page, Vec<Problem>> {
    let src = locate(file, text).map_err(|p| vec![p])?;
    let yaml = src.front_matter().join("\n");
    let fm: FrontMatter = serde_yaml_ng::from_str(&yaml).map_err(|e| {
        // The YAML starts on line 2 of the file.
        let line = e.location().map(|l| l.line() + 1).unwrap_or(1);
        vec![src.problem(line, format!("front matter: {e}"))]
    })?;
    let kind = fm.kind.unwrap_or(PageKind::Concept);
    let mut problems = front_matter_problems(&src, &fm, kind);
    let body = src.lines[src.close + 1..].join("\n");
    let sections = parse_sections(&body, src.body_line()).map_err(|(line, message)| {
        let mut all = std::mem::take(&mut problems);
        all.push(src.problem(line, message));
        all
    })?;
    problems.extend(section_problems(&src, &sections, kind));
    if !problems.is_empty() {
        return Err(problems);
    }
    let root_reason = src.front_matter().iter().find_map(|l| {
        l.trim()
            .strip_prefix("# root:")
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
    });
    Ok(Page {
        id: fm.id,
        kind,
        title: fm.title.trim().to_string(),
        aliases: fm.aliases,
        group: fm.group,
        parents: fm.parents,
        relations: fm.relations,
        compares: fm.compares,
        sections,
        source: file.to_path_buf(),
        root_reason,
    })
}

/// Finds the front matter: the first line must be `---` and another `---` must close it.
fn locate<'a>(file: &'a Path, text: &'a str) -> Result<Source<'a>, Problem> {
    let mut src = Source {
        file,
        lines: text.lines().collect(),
        close: 0,
    };
    if src.lines.first().map(|l| l.trim_end()) != Some("---") {
        return Err(src.problem(1, "missing front matter: the first line must be `---`"));
    }
    let Some(close) = src.lines.iter().skip(1).position(|l| l.trim_end() == "---") else {
        return Err(src.problem(1, "front matter is not closed: no second `---` line"));
    };
    src.close = close + 1;
    Ok(src)
}

/// The id must be a slug equal to the file name, the title must not be empty, and only a
/// comparison names exactly two `compares`.
fn front_matter_problems(src: &Source<'_>, fm: &FrontMatter, kind: PageKind) -> Vec<Problem> {
    let mut problems = Vec::new();
    let id_line = src.field_line("id:");
    let stem = src
        .file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned());
    if stem.as_deref() != Some(fm.id.as_str()) {
        let stem = stem.unwrap_or_default();
        let message = format!("id `{}` must equal the file name `{stem}`", fm.id);
        problems.push(src.problem(id_line, message));
    }
    if !is_slug(&fm.id) {
        let message = format!(
            "id `{}` must be a slug: lower-case letters, digits and single hyphens",
            fm.id
        );
        problems.push(src.problem(id_line, message));
    }
    if fm.title.trim().is_empty() {
        problems.push(src.problem(src.field_line("title:"), "title is empty"));
    }
    let compares_line = src.field_line("compares:");
    if kind == PageKind::Comparison && fm.compares.len() != 2 {
        let message = format!(
            "a comparison must name exactly two concepts in `compares`, found {}",
            fm.compares.len()
        );
        problems.push(src.problem(compares_line, message));
    }
    if kind == PageKind::Concept && !fm.compares.is_empty() {
        let message = "`compares` is only for pages with `kind: comparison`";
        problems.push(src.problem(compares_line, message));
    }
    problems
}

/// Every section the page's kind requires is present and not empty.
fn section_problems(src: &Source<'_>, sections: &[Section], kind: PageKind) -> Vec<Problem> {
    let required: &[&str] = match kind {
        PageKind::Concept => &CONCEPT_SECTIONS,
        PageKind::Comparison => &COMPARISON_SECTIONS,
    };
    required
        .iter()
        .filter_map(
            |heading| match sections.iter().find(|s| s.heading == *heading) {
                None => {
                    Some(src.problem(src.body_line(), format!("missing section `## {heading}`")))
                }
                Some(s) if s.text.trim().is_empty() => {
                    Some(src.problem(s.line, format!("section `## {heading}` is empty")))
                }
                Some(_) => None,
            },
        )
        .collect()
}

/// Splits a Markdown body at its level-2 headings and turns each section into plain text.
/// Text before the first `##` heading is an error: it would belong to no section.
fn parse_sections(body: &str, first_line: usize) -> Result<Vec<Section>, (usize, String)> {
    let line_of = |offset: usize| first_line + body[..offset].matches('\n').count();
    let mut sections: Vec<Section> = Vec::new();
    let mut in_heading: Option<(usize, String)> = None;
    let mut text = String::new();
    for (event, range) in Parser::new(body).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => {
                if let Some(last) = sections.last_mut() {
                    last.text = tidy(&text);
                }
                text.clear();
                in_heading = Some((line_of(range.start), String::new()));
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                if let Some((line, heading)) = in_heading.take() {
                    let heading = heading.trim().to_string();
                    if sections.iter().any(|s| s.heading == heading) {
                        return Err((line, format!("section `## {heading}` appears twice")));
                    }
                    sections.push(Section {
                        heading,
                        text: String::new(),
                        line,
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, heading)) = in_heading.as_mut() {
                    heading.push_str(&t);
                } else if sections.is_empty() {
                    if !t.trim().is_empty() {
                        return Err((
                            line_of(range.start),
                            "text before the first `## ` section heading".into(),
                        ));
                    }
                } else {
                    text.push_str(&t);
                }
            }
            Event::SoftBreak => text.push(' '),
            Event::HardBreak => text.push('\n'),
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_)) => {
                text.push_str("\n\n")
            }
            Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {}
        }
    }
    if let Some(last) = sections.last_mut() {
        last.text = tidy(&text);
    }
    Ok(sections)
}

/// Collapses runs of spaces inside paragraphs and keeps one blank line between paragraphs.
fn tidy(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

pub(super) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nid: gpt-4\ntitle: GPT-4\naliases: [GPT4]\nparents: [large-language-model]\nrelations:\n  uses: [transformer]\n---\n\n## Simple explanation\n\nGPT-4 is a *large* language model.\nIt writes text.\n\n## Technical deep dive\n\nA `decoder-only` transformer.\n";

    #[test]
    fn parses_front_matter_and_sections() {
        let page = parse_page(Path::new("gpt-4.md"), GOOD).unwrap();
        assert_eq!(page.id, "gpt-4");
        assert_eq!(page.kind, PageKind::Concept);
        assert_eq!(page.aliases, vec!["GPT4"]);
        assert_eq!(page.relations[&Relation::Uses], vec!["transformer"]);
        assert_eq!(page.sections.len(), 2);
        assert_eq!(page.sections[0].heading, "Simple explanation");
        assert_eq!(page.sections[0].line, 10);
        assert_eq!(
            page.sections[0].text,
            "GPT-4 is a large language model. It writes text."
        );
        assert_eq!(page.sections[1].text, "A decoder-only transformer.");
    }

    #[test]
    fn yaml_errors_name_the_file_line() {
        let bad = GOOD.replace("aliases: [GPT4]", "aliases: [GPT4");
        let problems = parse_page(Path::new("gpt-4.md"), &bad).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].line >= 4, "{:?}", problems[0]);
        assert!(problems[0].to_string().starts_with("gpt-4.md:"));
    }

    #[test]
    fn unknown_relation_and_field_are_errors() {
        let bad = GOOD.replace("uses:", "eats:");
        let problems = parse_page(Path::new("gpt-4.md"), &bad).unwrap_err();
        assert!(problems[0].message.contains("eats"), "{:?}", problems);
        assert_eq!(problems[0].line, 7);
        let bad = GOOD.replace("aliases:", "nicknames:");
        let problems = parse_page(Path::new("gpt-4.md"), &bad).unwrap_err();
        assert!(problems[0].message.contains("nicknames"));
    }

    #[test]
    fn id_must_match_file_and_sections_must_exist() {
        let problems = parse_page(Path::new("gpt4.md"), GOOD).unwrap_err();
        assert_eq!(problems[0].line, 2);
        assert!(problems[0].message.contains("file name"));
        let bad = GOOD.replace("## Technical deep dive", "## Deep dive");
        let problems = parse_page(Path::new("gpt-4.md"), &bad).unwrap_err();
        assert!(problems.iter().any(|p| p
            .message
            .contains("missing section `## Technical deep dive`")));
    }

    #[test]
    fn missing_front_matter_is_line_one() {
        let problems = parse_page(Path::new("x.md"), "# Hello\n").unwrap_err();
        assert_eq!(problems[0].line, 1);
    }

    #[test]
    fn text_before_first_section_is_located() {
        let bad = GOOD.replace("\n\n## Simple", "\nStray words.\n\n## Simple");
        let problems = parse_page(Path::new("gpt-4.md"), &bad).unwrap_err();
        assert_eq!(problems[0].line, 9, "{:?}", problems);
    }
}
