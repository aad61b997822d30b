//! Passages: the part of a chunk shown under a result, with the query's words highlighted.
//!
//! Highlighting uses the keyword analyzer (stemmed, lower-cased), so "generative" in a query
//! lights up "Generative" and "generation" alike, whichever leg found the chunk.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;

use crate::keyword::{query_terms, Language};

/// Longest passage shown, in characters.
pub const PASSAGE_CHARS: usize = 320;

/// A byte range `start..end` of a passage, as JSON carries it: for the API's description
/// (the code uses `std::ops::Range`, which serializes the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ByteRange {
    pub start: usize,
    pub end: usize,
}

/// A passage and where the query's words are in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Passage {
    /// Plain text.
    pub text: String,
    /// Byte ranges of `text` that match query terms.
    pub highlights: Vec<Range<usize>>,
    /// `text`, HTML-escaped, with matches wrapped in `<mark>`.
    pub html: String,
}

/// The distinct analysed words of a text, as hashes: computed once per chunk, so that choosing
/// a page's passage costs a lookup per query word instead of a pass of the analyzer over every
/// chunk of the page (a reference page of a documentation site has hundreds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermSet(Box<[u64]>);

impl TermSet {
    pub fn of(analyzer: &TextAnalyzer, text: &str) -> TermSet {
        let mut analyzer = analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut hashes = Vec::new();
        while let Some(token) = stream.next() {
            hashes.push(term_hash(&token.text));
        }
        hashes.sort_unstable();
        hashes.dedup();
        TermSet(hashes.into())
    }

    fn contains(&self, hash: u64) -> bool {
        self.0.binary_search(&hash).is_ok()
    }

    /// Whether the text holds this analysed term.
    pub fn contains_term(&self, term: &str) -> bool {
        self.contains(term_hash(term))
    }
}

fn term_hash(term: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    term.hash(&mut hasher);
    hasher.finish()
}

/// Builds passages for one query.
pub struct Highlighter {
    generator: SnippetGenerator,
    /// The query's distinct words, hashed as in [`TermSet`].
    term_hashes: Vec<u64>,
}

impl Highlighter {
    /// For the words of `query` as typed.
    pub fn new(analyzer: &TextAnalyzer, query: &str) -> Highlighter {
        Highlighter::for_terms(analyzer, query_terms(analyzer, Language::English, query))
    }

    /// For these analysed terms: a query's words with the corrections and completions the
    /// keyword leg matched for them, so that "atention" lights up "attention".
    pub fn for_terms(
        analyzer: &TextAnalyzer,
        terms: impl IntoIterator<Item = String>,
    ) -> Highlighter {
        let terms: BTreeMap<String, f32> = terms.into_iter().map(|t| (t, 1.0)).collect();
        let term_hashes = terms.keys().map(|t| term_hash(t)).collect();
        let generator = SnippetGenerator::new(
            terms,
            analyzer.clone(),
            Field::from_field_id(0),
            PASSAGE_CHARS,
        );
        Highlighter {
            generator,
            term_hashes,
        }
    }

    /// How many distinct query words a text with these words contains: for choosing among a
    /// page's chunks. Counts the whole chunk, not the best snippet window, so that a chunk
    /// covering more of the query wins even when its matches are spread out.
    pub fn matches_in(&self, words: &TermSet) -> usize {
        self.term_hashes
            .iter()
            .filter(|&&h| words.contains(h))
            .count()
    }

    /// How many distinct words the query has (stop words dropped).
    pub fn term_count(&self) -> usize {
        self.term_hashes.len()
    }

    /// The best-matching window of `text`; its opening when no query word occurs in it.
    pub fn passage(&self, text: &str) -> Passage {
        let mut snippet = self.generator.snippet(text);
        if snippet.is_empty() {
            let text = opening(text, PASSAGE_CHARS);
            return Passage {
                html: escape(&text),
                text,
                highlights: Vec::new(),
            };
        }
        snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
        // Ellipses say that the passage is cut out of a longer text.
        let range = snippet.fragment_range();
        let has_words = |s: &str| s.chars().any(char::is_alphanumeric);
        let before = if has_words(&text[..range.start]) {
            "…"
        } else {
            ""
        };
        let tail = &text[range.end..];
        // A fragment stops at its last word: keep the closing punctuation, mark a real cut.
        let after = if has_words(tail) {
            "…"
        } else {
            tail.trim_end()
        };
        Passage {
            text: format!("{before}{}{after}", snippet.fragment()),
            highlights: snippet
                .highlighted()
                .iter()
                .map(|r| r.start + before.len()..r.end + before.len())
                .collect(),
            html: format!("{before}{}{}", snippet.to_html(), escape(after)),
        }
    }
}

/// The first sentences of `text` that fit in `max` characters (at least one cut at a word).
fn opening(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if i > max {
            break;
        }
        if c == ' ' {
            end = i;
        }
    }
    if end == 0 {
        end = text
            .char_indices()
            .map(|(i, _)| i)
            .take_while(|&i| i <= max)
            .last()
            .unwrap_or(0);
    }
    format!("{}…", text[..end].trim_end())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyword::analyzer;

    #[test]
    fn highlights_stemmed_matches() {
        let h = Highlighter::new(&analyzer(Language::English), "is GPT-4 generative AI?");
        let p = h.passage("GPT-4 is a large language model, a kind of Generative AI.");
        let marked: Vec<&str> = p.highlights.iter().map(|r| &p.text[r.clone()]).collect();
        assert!(marked.contains(&"GPT"), "{marked:?}");
        assert!(marked.contains(&"Generative"), "{marked:?}");
        assert!(p.html.contains("<mark>Generative</mark>"), "{}", p.html);
        assert!(
            !marked.contains(&"is"),
            "stop words are not highlighted: {marked:?}"
        );
        assert!(!p.text.contains('…'), "the whole text fits: no ellipsis");
    }

    #[test]
    fn a_cut_passage_has_ellipses_and_shifted_highlights() {
        let h = Highlighter::new(&analyzer(Language::English), "zebra");
        let text = format!(
            "{} The zebra has stripes. {}",
            "Filler words here. ".repeat(30),
            "More filler. ".repeat(30)
        );
        let p = h.passage(&text);
        assert!(
            p.text.starts_with('…') && p.text.ends_with('…'),
            "{}",
            p.text
        );
        let marked: Vec<&str> = p.highlights.iter().map(|r| &p.text[r.clone()]).collect();
        assert_eq!(marked, vec!["zebra"]);
    }

    #[test]
    fn falls_back_to_opening_and_escapes() {
        let h = Highlighter::new(&analyzer(Language::English), "zebra");
        let long = "a <b> & c. ".repeat(100);
        let p = h.passage(&long);
        assert!(p.highlights.is_empty());
        assert!(p.text.len() <= PASSAGE_CHARS + '…'.len_utf8());
        assert!(p.html.contains("&lt;b&gt;"));
    }

    #[test]
    fn matches_count_distinct_query_words_after_stemming() {
        let a = analyzer(Language::English);
        let h = Highlighter::new(&a, "crontab line for nightly backups");
        assert_eq!(h.term_count(), 4, "`for` is a stop word");
        for (text, words) in [
            ("A crontab line backs up nightly.", 3),
            ("Nothing here.", 0),
            ("backup backups BACKUP", 1),
        ] {
            assert_eq!(h.matches_in(&TermSet::of(&a, text)), words, "{text}");
        }
    }
}
