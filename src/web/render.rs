//! The concept view at `/c/{id}`: a page of the index rendered from its Markdown, with its
//! place in the graph as links. Every text that comes from a page is escaped here; the
//! template (`assets/concept.html`) only receives finished HTML.

use std::path::Path;

use crate::corpus::markdown::{html_escape, to_html};
use crate::corpus::{markdown_body, Corpus, Page};

/// Where the concept view of `id` is.
pub fn view_link(id: &str) -> String {
    format!("/c/{id}")
}

fn link(corpus: &Corpus, id: &str, class: &str) -> String {
    let title = corpus.get(id).map_or(id, |p| p.title.as_str());
    format!(
        "<a{} href=\"{}\">{}</a>",
        if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{class}\"")
        },
        html_escape(&view_link(id)),
        html_escape(title)
    )
}

fn chips(corpus: &Corpus, ids: &[String]) -> String {
    let items: String = ids
        .iter()
        .map(|id| format!("<li>{}</li>", link(corpus, id, "chip")))
        .collect();
    format!("<ul class=\"chips\">{items}</ul>")
}

/// Where pages' source files are read from for their Markdown: the corpus folder, and the
/// folder of pages pushed through the write API (`index/pushed/pages`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources<'a> {
    pub corpus: Option<&'a Path>,
    pub pushed: Option<&'a Path>,
}

/// The whole page, its Markdown read from `sources`; without its file (or for built HTML)
/// the sections' text is shown as paragraphs.
pub fn concept_page(template: &str, corpus: &Corpus, page: &Page, sources: Sources<'_>) -> String {
    let title = html_escape(&page.title);
    template
        .replace("{{title}}", &title)
        .replace("{{crumbs}}", &crumbs(corpus, page))
        .replace("{{aliases}}", &aliases(page))
        .replace("{{body}}", &body(page, sources))
        .replace("{{graph}}", &graph(corpus, page))
}

fn crumbs(corpus: &Corpus, page: &Page) -> String {
    let chain = corpus.graph().breadcrumbs(&page.id);
    let mut items: Vec<String> = chain[..chain.len().saturating_sub(1)]
        .iter()
        .map(|id| format!("<li>{}</li>", link(corpus, id, "")))
        .collect();
    items.push(format!(
        "<li aria-current=\"page\">{}</li>",
        html_escape(&page.title)
    ));
    format!("<ol>{}</ol>", items.concat())
}

fn aliases(page: &Page) -> String {
    if page.aliases.is_empty() {
        return String::new();
    }
    let names: Vec<String> = page.aliases.iter().map(|a| html_escape(a)).collect();
    format!("<p class=\"aliases\">Also called: {}</p>", names.join(", "))
}

fn body(page: &Page, sources: Sources<'_>) -> String {
    let source = match page.source.strip_prefix(crate::corpus::PUSHED_PREFIX) {
        Ok(file) => sources.pushed.map(|dir| dir.join(file)),
        Err(_) => sources.corpus.map(|dir| dir.join(&page.source)),
    };
    let markdown = source.as_deref().and_then(|file| {
        let text = std::fs::read_to_string(file).ok()?;
        markdown_body(file, &text)
    });
    if let Some(markdown) = markdown {
        return to_html(&markdown);
    }
    page.sections
        .iter()
        .map(|s| {
            let paragraphs: String = s
                .text
                .split("\n\n")
                .filter(|p| !p.trim().is_empty())
                .map(|p| format!("<p>{}</p>", html_escape(p.trim())))
                .collect();
            if s.level == 0 {
                return paragraphs;
            }
            let anchor = html_escape(&s.anchor);
            format!(
                "<section id=\"{anchor}\"><h2>{} <a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this section\">#</a></h2>{paragraphs}</section>",
                html_escape(&s.heading)
            )
        })
        .collect()
}

fn graph(corpus: &Corpus, page: &Page) -> String {
    let graph = corpus.graph();
    let mut parts = Vec::new();
    if !page.parents.is_empty() {
        parts.push(format!(
            "<h2>A kind of</h2>{}",
            chips(corpus, &page.parents)
        ));
    }
    if !page.compares.is_empty() {
        parts.push(format!(
            "<h2>Compares</h2>{}",
            chips(corpus, &page.compares)
        ));
    }
    let children = graph.children(&page.id);
    if !children.is_empty() {
        parts.push(format!(
            "<h2>Kinds and instances</h2>{}",
            chips(corpus, children)
        ));
    }
    let relations: String = page
        .relations
        .iter()
        .map(|(relation, ids)| {
            format!(
                "<dt>{}</dt><dd>{}</dd>",
                relation.as_str().replace('-', " "),
                chips(corpus, ids)
            )
        })
        .collect();
    if !relations.is_empty() {
        parts.push(format!(
            "<h2>Relations</h2><dl class=\"relations\">{relations}</dl>"
        ));
    }
    if let Some(incoming) = graph.referenced_by(&page.id) {
        let rows: String = incoming
            .iter()
            .map(|(relation, ids)| {
                format!(
                    "<dt>{} this</dt><dd>{}</dd>",
                    relation.as_str().replace('-', " "),
                    chips(corpus, ids)
                )
            })
            .collect();
        parts.push(format!(
            "<h2>Referenced by</h2><dl class=\"relations\">{rows}</dl>"
        ));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(
        "<aside class=\"graph\" aria-label=\"Related concepts\">{}</aside>",
        parts.concat()
    )
}
