//! A Markdown body as sites write it, cut into sections.
//!
//! The introduction (text before the first heading) and every heading, at any level, start a
//! section. Each section keeps the anchor the site generators give its heading: an explicit
//! `{#id}`, else the GitHub-style slug of its text, numbered when a page repeats a heading
//! (Hugo, Jekyll, MkDocs and Docusaurus all do this), so that a result can link to the very
//! place on the live page. A first-level heading that opens the page is its title, not a
//! section: the text under it is the introduction.
//!
//! Code blocks are kept apart from the prose ([`Section::code`]): the keyword index searches
//! them, the embedding model does not see them (it is trained on English prose, and a block
//! of code would fill a chunk's 256-token window with tokens it cannot place).

use std::collections::HashMap;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::Section;

/// What the body says about itself.
pub(super) struct Body {
    /// The text of a first-level heading before any other heading.
    pub title: Option<String>,
    pub sections: Vec<Section>,
}

/// The Markdown extensions sites use: tables, footnotes, strikethrough, task lists, and
/// `{#id}` heading attributes.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// One section being read.
struct Open {
    section: Section,
    text: String,
    code: String,
}

impl Open {
    fn new(heading: String, anchor: String, level: u8, line: usize) -> Open {
        Open {
            section: Section {
                heading,
                text: String::new(),
                line,
                anchor,
                level,
                code: String::new(),
            },
            text: String::new(),
            code: String::new(),
        }
    }

    fn close(mut self) -> Section {
        // Template tags only exist in sources; in built HTML such text is meant for readers.
        self.section.text = if self.text.contains('{') {
            tidy(&without_template_tags(&self.text))
        } else {
            tidy(&self.text)
        };
        self.section.code = self.code.trim().to_string();
        self.section
    }
}

/// Reads `body`, whose first line is line `first_line` of its file.
pub(super) fn read(body: &str, first_line: usize) -> Body {
    let line_of = |offset: usize| first_line + body[..offset].matches('\n').count();
    let mut anchors = Anchors::default();
    let mut title = None;
    let mut done: Vec<Section> = Vec::new();
    // The introduction; its line is where its first text is.
    let mut open = Open::new(String::new(), String::new(), 0, 0);
    let mut heading: Option<(HeadingLevel, Option<String>, usize, String)> = None;
    let mut in_code = false;
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((
                    level,
                    id.map(|i| i.to_string()),
                    line_of(range.start),
                    String::new(),
                ));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, id, line, text)) = heading.take() else {
                    continue;
                };
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let is_first = done.is_empty() && open.section.level == 0;
                if level == HeadingLevel::H1 && title.is_none() && is_first {
                    // The page's title: the text under it is still the introduction.
                    title = Some(text);
                    continue;
                }
                let anchor = anchors.assign(id.as_deref(), &text);
                let previous =
                    std::mem::replace(&mut open, Open::new(text, anchor, level as u8, line));
                let previous = located(previous.close(), first_line);
                if previous.level > 0 || !previous.text.is_empty() || !previous.code.is_empty() {
                    done.push(previous);
                }
            }
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                open.code.push('\n');
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, _, h)) = heading.as_mut() {
                    h.push_str(&t);
                } else if in_code {
                    if open.section.level == 0 && open.section.line == 0 && !t.trim().is_empty() {
                        open.section.line = line_of(range.start);
                    }
                    open.code.push_str(&t);
                } else {
                    if open.section.level == 0 && open.section.line == 0 && !t.trim().is_empty() {
                        open.section.line = line_of(range.start);
                    }
                    open.text.push_str(&t);
                }
            }
            Event::SoftBreak => push(&mut heading, &mut open.text, " "),
            Event::HardBreak => push(&mut heading, &mut open.text, "\n"),
            Event::End(TagEnd::TableCell) => open.text.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::BlockQuote(_)
                | TagEnd::FootnoteDefinition,
            ) => open.text.push_str("\n\n"),
            _ => {}
        }
    }
    let last = located(open.close(), first_line);
    if last.level > 0 || !last.text.is_empty() || !last.code.is_empty() {
        done.push(last);
    }
    Body {
        title,
        sections: done,
    }
}

/// An introduction without a line of prose or code (only an empty code block) is placed at
/// the body's first line: a problem reported on it must point inside the file, and line 0 is
/// nowhere (the page property run found `---\n---\n```\n---\n` under the concept profile).
fn located(mut section: Section, first_line: usize) -> Section {
    if section.line == 0 {
        section.line = first_line;
    }
    section
}

fn push(
    heading: &mut Option<(HeadingLevel, Option<String>, usize, String)>,
    text: &mut String,
    s: &str,
) {
    match heading.as_mut() {
        Some((_, _, _, h)) => h.push(' '),
        None => text.push_str(s),
    }
}

/// An MDX body (Docusaurus, Astro) without its ESM lines (`import …`, `export …`), which are
/// code, not content; lines keep their places so that problems still point at the right line.
/// JSX elements are HTML to the Markdown parser and are left out like any HTML.
pub(super) fn without_mdx_statements(body: &str) -> String {
    let mut in_fence = false;
    body.lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
            }
            let esm = !in_fence && (line.starts_with("import ") || line.starts_with("export "));
            if esm {
                ""
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Template tags a generator expands when it builds the page (Hugo shortcodes `{{< … >}}` and
/// `{{% … %}}`, Liquid and Jinja `{% … %}`): not words of the page.
fn without_template_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let open = ["{{<", "{{%", "{%"]
            .iter()
            .filter_map(|o| rest.find(o).map(|i| (i, *o)))
            .min();
        let Some((at, open)) = open else {
            out.push_str(rest);
            return out;
        };
        let close = match open {
            "{{<" => ">}}",
            "{{%" => "%}}",
            _ => "%}",
        };
        match rest[at + open.len()..].find(close) {
            Some(end) => {
                out.push_str(&rest[..at]);
                rest = &rest[at + open.len() + end + close.len()..];
            }
            None => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// Collapses runs of spaces inside paragraphs and keeps one blank line between paragraphs.
pub(super) fn tidy(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Heading anchors of one page, unique within it.
#[derive(Default)]
pub(super) struct Anchors {
    seen: HashMap<String, usize>,
}

impl Anchors {
    /// The explicit id if there is one, else the slug of `text`; a repeat gets `-1`, `-2`, …
    pub(super) fn assign(&mut self, explicit: Option<&str>, text: &str) -> String {
        if let Some(id) = explicit.map(str::trim).filter(|i| !i.is_empty()) {
            self.seen.entry(id.to_string()).or_insert(0);
            return id.to_string();
        }
        let base = slug(text);
        let n = self.seen.entry(base.clone()).or_insert(0);
        let anchor = if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        *n += 1;
        anchor
    }
}

/// `body` as HTML for the concept view, its headings carrying the anchors [`read`] gives their
/// sections (so a result's link lands on the heading), each with a link to itself. A
/// first-level heading that opens the page is left out (the view shows the title), the other
/// headings start at level 2 (one `h1` per page), and raw HTML in the source is shown as text:
/// the view never runs markup a page author did not mean as prose.
pub fn to_html(body: &str) -> String {
    use pulldown_cmark::CowStr;
    let mut anchors = Anchors::default();
    let mut out: Vec<Event> = Vec::new();
    let mut heading: Option<(HeadingLevel, Option<CowStr>, Vec<Event>)> = None;
    let mut seen_heading = false;
    let mut seen_text = false;
    for event in Parser::new_ext(body, options()) {
        let event = match event {
            Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
            other => other,
        };
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => heading = Some((level, id, Vec::new())),
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, id, inner)) = heading.take() else {
                    continue;
                };
                let text: String = inner
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let opens_page = level == HeadingLevel::H1 && !seen_heading && !seen_text;
                seen_heading = true;
                if opens_page {
                    continue;
                }
                let anchor = anchors.assign(id.as_deref(), &text);
                let level = level.max(HeadingLevel::H2);
                out.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(CowStr::from(anchor.clone())),
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }));
                out.extend(inner);
                out.push(Event::InlineHtml(CowStr::from(format!(
                    " <a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this section\">#</a>",
                    html_escape(&anchor)
                ))));
                out.push(Event::End(TagEnd::Heading(level)));
            }
            e => match heading.as_mut() {
                Some((_, _, inner)) => inner.push(e),
                None => {
                    seen_text |= matches!(e, Event::Text(_));
                    out.push(e);
                }
            },
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    html
}

/// Text made safe for HTML text and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// GitHub's heading slug: lower case, letters, digits, `-` and `_` kept, spaces to `-`, the
/// rest dropped ("The harbor.toml file" → `the-harbortoml-file`).
pub fn slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_headings_carry_the_section_anchors_and_raw_html_is_text() {
        let body = "# Install\n\nHarbor <b>installs</b> fast.\n\n## Requirements\n\n### On Debian {#debian}\n\n## Requirements\n";
        let html = to_html(body);
        assert!(!html.contains("<h1"), "{html}");
        assert!(
            html.contains("<h2 id=\"requirements\">Requirements"),
            "{html}"
        );
        assert!(html.contains("<h3 id=\"debian\">"), "{html}");
        assert!(html.contains("<h2 id=\"requirements-1\">"), "{html}");
        assert!(html.contains("&lt;b&gt;installs"), "{html}");
        let anchors: Vec<String> = read(body, 1)
            .sections
            .iter()
            .map(|s| s.anchor.clone())
            .collect();
        assert_eq!(anchors, ["", "requirements", "debian", "requirements-1"]);
    }

    #[test]
    fn intro_headings_anchors_and_code() {
        let body = "# Install\n\nHarbor installs fast.\n\n## Requirements\n\n### On Debian {#debian}\n\nRun this:\n\n```sh\napt install harbor\n```\n\n## Requirements\n\n| a | b |\n|---|---|\n| x | y |\n";
        let b = read(body, 5);
        assert_eq!(b.title.as_deref(), Some("Install"));
        let got: Vec<_> = b
            .sections
            .iter()
            .map(|s| (s.heading.as_str(), s.anchor.as_str(), s.level, s.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("", "", 0, 7),
                ("Requirements", "requirements", 2, 9),
                ("On Debian", "debian", 3, 11),
                ("Requirements", "requirements-1", 2, 19),
            ]
        );
        assert_eq!(b.sections[0].text, "Harbor installs fast.");
        assert_eq!(b.sections[2].text, "Run this:");
        assert_eq!(b.sections[2].code, "apt install harbor");
        assert_eq!(b.sections[3].text, "a b\n\nx y");
    }

    #[test]
    fn template_tags_and_mdx_statements_are_not_content() {
        let b = read(
            "Intro {{< figure src=\"a.png\" >}} text {{% note %}}kept{{% /note %}} and {% raw %}x.\n",
            1,
        );
        assert_eq!(b.sections[0].text, "Intro text kept and x.");
        let mdx = "import Tabs from '@theme/Tabs';\n\n# Install\n\n<Tabs>Use apt.</Tabs>\n\n```js\nimport x from 'y';\n```\n";
        let b = read(&without_mdx_statements(mdx), 1);
        assert_eq!(b.title.as_deref(), Some("Install"));
        assert!(b.sections[0].text.contains("Use apt."), "{:?}", b.sections);
        assert!(!b.sections[0].text.contains("import"));
        assert_eq!(b.sections[0].code, "import x from 'y';");
    }

    #[test]
    fn slugs_follow_github() {
        assert_eq!(slug("The harbor.toml file"), "the-harbortoml-file");
        assert_eq!(slug("On Debian and Ubuntu"), "on-debian-and-ubuntu");
        assert_eq!(slug("`cargo build` — options"), "cargo-build--options");
    }
}
