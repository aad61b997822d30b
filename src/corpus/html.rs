//! A built HTML page, read the way Pagefind reads a site: whatever generator made it.
//!
//! The rule, in order:
//! * **Skipped pages**: a page whose `<html>` or `<body>` carries `data-landscape-ignore`, whose
//!   robots meta says `noindex` (mdBook's print and table-of-contents pages), that is a
//!   redirect stub (`<meta http-equiv="refresh">`), or whose `<link rel="canonical">` names
//!   another page (a duplicate: the canonical one is indexed instead).
//! * **Content**: the first element with `data-landscape-body`, else `<main>`, else
//!   `<article>`, else `[role=main]`, else `<body>` without its `header`, `footer` and
//!   `aside`. Inside it, `nav`, `script`, `style`, `noscript`, `template`, `svg`, `button`,
//!   `form` and anything marked `data-landscape-ignore` are left out.
//! * **Title**: the first `<h1>` of the content, else `<title>`. **Description**: `<meta
//!   name="description">`. **Language**: `<html lang>`. Both become metadata.
//! * **Sections**: like Markdown: the introduction, then one section per heading (`h1`–`h6`),
//!   anchored by the heading's `id` (else the GitHub slug of its text). `<pre>` blocks are
//!   code: searched by keyword, not embedded.
//!
//! Parsing is html5ever's (through `scraper`), which reads any HTML a browser would.

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node, Selector};

use super::markdown::{tidy, Anchors};
use super::Section;

/// A page worth indexing.
pub(super) struct HtmlPage {
    pub title: Option<String>,
    pub description: Option<String>,
    pub lang: Option<String>,
    pub sections: Vec<Section>,
}

/// Why a page is not indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    Ignored,
    NoIndex,
    Redirect,
    /// Its canonical URL is another page.
    Duplicate(String),
}

/// Reads one page. `own_path` is the page's URL path on the site (`/docs/install/` or
/// `/docs/retention.html`), to tell a canonical link to itself from one to another page.
pub(super) fn read(html: &str, own_path: &str) -> Result<HtmlPage, Skipped> {
    let doc = Html::parse_document(html);
    if let Some(skip) = skipped(&doc, own_path) {
        return Err(skip);
    }
    let content = content_root(&doc);
    let mut reader = Reader::default();
    if let Some(root) = content {
        let body_fallback = root.value().name() == "body";
        reader.walk(*root, body_fallback);
    }
    let title = reader.title.clone().or_else(|| {
        first(&doc, "title")
            .map(|t| text_of(t))
            .filter(|t| !t.is_empty())
    });
    Ok(HtmlPage {
        title,
        description: first(&doc, "meta[name=description]")
            .and_then(|m| m.value().attr("content"))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
        lang: first(&doc, "html")
            .and_then(|h| h.value().attr("lang"))
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty()),
        sections: reader.finish(),
    })
}

fn first<'a>(doc: &'a Html, selector: &str) -> Option<ElementRef<'a>> {
    let selector = Selector::parse(selector).ok()?;
    doc.select(&selector).next()
}

fn skipped(doc: &Html, own_path: &str) -> Option<Skipped> {
    if first(
        doc,
        "html[data-landscape-ignore], body[data-landscape-ignore]",
    )
    .is_some()
    {
        return Some(Skipped::Ignored);
    }
    let robots = first(doc, "meta[name=robots]").and_then(|m| m.value().attr("content"));
    if robots.is_some_and(|c| c.to_lowercase().contains("noindex")) {
        return Some(Skipped::NoIndex);
    }
    let meta = Selector::parse("meta[http-equiv]").ok()?;
    if doc.select(&meta).any(|m| {
        m.value()
            .attr("http-equiv")
            .is_some_and(|v| v.eq_ignore_ascii_case("refresh"))
    }) {
        return Some(Skipped::Redirect);
    }
    let canonical = first(doc, "link[rel=canonical]").and_then(|l| l.value().attr("href"))?;
    let target = url_path(canonical);
    (!target.is_empty() && page_key(&target) != page_key(own_path))
        .then(|| Skipped::Duplicate(canonical.to_string()))
}

/// The path part of a URL (`https://x.org/a/b/?q#f` → `/a/b/`).
fn url_path(url: &str) -> String {
    let rest = match url.find("://") {
        Some(i) => {
            let after = &url[i + 3..];
            after.find('/').map_or("/", |j| &after[j..])
        }
        None => url,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    rest[..end].to_string()
}

/// A URL path without `index.html`, `.html` and slashes at its ends, so that `/a/`,
/// `/a/index.html` and `a` compare equal.
fn page_key(path: &str) -> String {
    let p = path.trim_matches('/');
    let p = p.strip_suffix("index.html").unwrap_or(p);
    let p = p.strip_suffix(".html").unwrap_or(p);
    p.trim_matches('/').to_string()
}

fn content_root(doc: &Html) -> Option<ElementRef<'_>> {
    [
        "[data-landscape-body]",
        "main",
        "article",
        "[role=main]",
        "body",
    ]
    .iter()
    .find_map(|s| first(doc, s))
}

/// Elements whose text is never content.
const NEVER: &[&str] = &[
    "nav", "script", "style", "noscript", "template", "svg", "button", "form", "head",
];
/// Page chrome, left out when the content falls back to the whole body.
const CHROME: &[&str] = &["header", "footer", "aside"];
/// Elements that end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "tr",
    "table",
    "blockquote",
    "section",
    "article",
    "figure",
    "figcaption",
    "br",
    "hr",
    "details",
    "summary",
];

#[derive(Default)]
struct Reader {
    title: Option<String>,
    anchors: Anchors,
    done: Vec<Section>,
    /// The section being read: (heading, anchor, level), its text and code.
    current: (String, String, u8),
    text: String,
    code: String,
}

impl Reader {
    fn walk(&mut self, node: NodeRef<'_, Node>, body_fallback: bool) {
        for child in node.children() {
            match child.value() {
                Node::Text(t) => self.text.push_str(&t.text),
                Node::Element(e) => {
                    let name = e.name();
                    if NEVER.contains(&name)
                        || e.attr("data-landscape-ignore").is_some()
                        || (body_fallback && CHROME.contains(&name))
                    {
                        continue;
                    }
                    let Some(element) = ElementRef::wrap(child) else {
                        continue;
                    };
                    if let Some(level) = heading_level(name) {
                        self.heading(element, level);
                    } else if name == "pre" {
                        self.code.push_str(&element.text().collect::<String>());
                        self.code.push('\n');
                    } else {
                        let block = BLOCKS.contains(&name);
                        if block {
                            self.text.push_str("\n\n");
                        }
                        self.walk(child, body_fallback);
                        if block {
                            self.text.push_str("\n\n");
                        } else if name == "td" || name == "th" {
                            self.text.push(' ');
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn heading(&mut self, element: ElementRef<'_>, level: u8) {
        let text = text_of(element);
        if level == 1 && self.title.is_none() && self.done.is_empty() && self.current.2 == 0 {
            self.title = Some(text);
            return;
        }
        let anchor = self.anchors.assign(element.value().attr("id"), &text);
        self.close();
        self.current = (text, anchor, level);
    }

    fn close(&mut self) {
        let (heading, anchor, level) = std::mem::take(&mut self.current);
        let text = tidy(&std::mem::take(&mut self.text));
        let code = std::mem::take(&mut self.code).trim().to_string();
        if level > 0 || !text.is_empty() || !code.is_empty() {
            self.done.push(Section {
                heading,
                text,
                // HTML sections are located by anchor; the file is named in problems.
                line: 1,
                anchor,
                level,
                code,
            });
        }
    }

    fn finish(mut self) -> Vec<Section> {
        self.close();
        self.done
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// An element's text with runs of white space collapsed.
fn text_of(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html lang="en"><head><title>Install | Harbor</title>
<meta name="description" content="How to install."></head><body>
<header>Harbor site</header><nav><a href="/">Home</a></nav>
<main><h1>Installing</h1><p>Intro <b>text</b>.</p>
<h2 id="req">Requirements</h2><p>A computer.</p><pre><code>apt install harbor</code></pre>
<div data-landscape-ignore>secret</div><h3>On Debian</h3><ul><li>one</li><li>two</li></ul></main>
<footer>Privacy policy</footer></body></html>"#;

    #[test]
    fn reads_main_sections_and_anchors() {
        let page = read(PAGE, "/docs/install/").unwrap();
        assert_eq!(page.title.as_deref(), Some("Installing"));
        assert_eq!(page.description.as_deref(), Some("How to install."));
        assert_eq!(page.lang.as_deref(), Some("en"));
        let got: Vec<_> = page
            .sections
            .iter()
            .map(|s| {
                (
                    s.heading.as_str(),
                    s.anchor.as_str(),
                    s.text.as_str(),
                    s.code.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("", "", "Intro text.", ""),
                ("Requirements", "req", "A computer.", "apt install harbor"),
                ("On Debian", "on-debian", "one\n\ntwo", ""),
            ]
        );
    }

    #[test]
    fn body_fallback_drops_chrome() {
        let html = PAGE.replace("<main>", "<div>").replace("</main>", "</div>");
        let page = read(&html, "/x.html").unwrap();
        let all: String = page.sections.iter().map(|s| s.text.clone()).collect();
        assert!(!all.contains("Privacy") && !all.contains("Harbor site") && !all.contains("Home"));
        assert!(all.contains("A computer."));
    }

    #[test]
    fn skips_noindex_redirects_ignored_and_duplicates() {
        let with = |head: &str| PAGE.replace("</head>", &format!("{head}</head>"));
        assert_eq!(
            read(&with(r#"<meta name="robots" content="noindex">"#), "/p").err(),
            Some(Skipped::NoIndex)
        );
        assert_eq!(
            read(
                &with(r#"<meta http-equiv="Refresh" content="0; url=/a/">"#),
                "/p"
            )
            .err(),
            Some(Skipped::Redirect)
        );
        assert_eq!(
            read(
                &PAGE.replace("<body>", "<body data-landscape-ignore>"),
                "/p"
            )
            .err(),
            Some(Skipped::Ignored)
        );
        let canonical = with(r#"<link rel="canonical" href="https://h.org/docs/install/">"#);
        assert!(read(&canonical, "/docs/install/index.html").is_ok());
        assert!(matches!(
            read(&canonical, "/docs/amp.html"),
            Err(Skipped::Duplicate(_))
        ));
    }
}
