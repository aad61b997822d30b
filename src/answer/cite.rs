//! The passages an answer cites: where a page says what the answer claims, highlighted.

use serde::Serialize;
use tantivy::tokenizer::TextAnalyzer;
use unicode_segmentation::UnicodeSegmentation;

use crate::corpus::{Page, CONCEPT_SECTIONS};
use crate::snippet::{Highlighter, PASSAGE_CHARS};

/// A passage of one page that backs an answer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Citation {
    pub page: String,
    pub title: String,
    pub section: String,
    pub passage: String,
    /// `passage` HTML-escaped, the words that carry the claim in `<mark>`.
    pub passage_html: String,
    #[schema(value_type = Vec<crate::snippet::ByteRange>)]
    pub highlights: Vec<std::ops::Range<usize>>,
}

/// A page's title and aliases, as one highlighting query.
pub fn names_of(page: &Page) -> String {
    let mut names = vec![page.title.clone()];
    names.extend(page.aliases.iter().cloned());
    names.join(" ")
}

/// One given sentence of `page`, with `terms` highlighted.
pub fn sentence(
    analyzer: &TextAnalyzer,
    page: &Page,
    section: &str,
    sentence: &str,
    terms: &str,
) -> Citation {
    let passage = Highlighter::new(analyzer, terms).passage(sentence.trim());
    Citation {
        page: page.id.clone(),
        title: page.title.clone(),
        section: section.to_string(),
        passage: passage.text,
        passage_html: passage.html,
        highlights: passage.highlights,
    }
}

/// The first sentence of `page` that names `target` (its title, the acronym in the title or
/// an alias, singular or plural), with the names highlighted: where GPT-4's page says it is a
/// large language model. `landscape check` makes sure every page names its parents. Falls
/// back to the page's opening sentences.
pub fn naming(analyzer: &TextAnalyzer, page: &Page, target: &Page) -> Citation {
    let terms = names_of(target);
    for section in &page.sections {
        for sentence in section.text.unicode_sentences() {
            if target.is_named_in(&crate::corpus::words(sentence)) {
                return self::sentence(analyzer, page, &section.heading, sentence, &terms);
            }
        }
    }
    opening(analyzer, page, DEFINING_SECTION, 2, &terms)
}

/// The opening sentences of a section (the first for concepts: the simple explanation; for
/// comparisons: "How they relate"), up to `sentences` of them within the passage length,
/// with `terms` highlighted.
pub fn opening(
    analyzer: &TextAnalyzer,
    page: &Page,
    heading: &str,
    sentences: usize,
    terms: &str,
) -> Citation {
    let text = page
        .section(heading)
        .or_else(|| page.sections.first())
        .map_or("", |s| s.text.as_str());
    let opening = first_sentences(text, sentences);
    let passage = Highlighter::new(analyzer, terms).passage(&opening);
    Citation {
        page: page.id.clone(),
        title: page.title.clone(),
        section: heading.to_string(),
        passage: passage.text,
        passage_html: passage.html,
        highlights: passage.highlights,
    }
}

/// The first section heading of a concept page: where its plain definition is.
pub const DEFINING_SECTION: &str = CONCEPT_SECTIONS[0];

/// Up to `n` sentences from the start of `text`, as many as fit in the passage length (at
/// least one).
pub fn first_sentences(text: &str, n: usize) -> String {
    let mut out = String::new();
    for sentence in text.unicode_sentences().take(n) {
        if !out.is_empty() && out.len() + sentence.len() > PASSAGE_CHARS {
            break;
        }
        out.push_str(sentence);
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sentences_stop_at_n_or_the_length() {
        let text = "One is short. Two is short too. Three.";
        assert_eq!(first_sentences(text, 2), "One is short. Two is short too.");
        let first = format!("{}.", ["word"; 80].join(" "));
        assert_eq!(first_sentences(&format!("{first} Second."), 2), first);
    }
}
