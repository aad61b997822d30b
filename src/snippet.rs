//! Passages: the part of a chunk shown under a result, with the query's words highlighted.
//!
//! Highlighting uses the keyword analyzer (stemmed, lower-cased), so "generative" in a query
//! lights up "Generative" and "generation" alike, whichever leg found the chunk.
//!
//! A chunk is analysed once ([`AnalysedText`]: its distinct words, and where each word of its
//! text stands); every later passage of it is a scan of those positions. Running the stemmer
//! over the result chunks again for each query was most of a keyword search's CPU. The window
//! chosen is the one tantivy's `SnippetGenerator` chooses (a test compares them).

use std::ops::Range;

use serde::Serialize;
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
        let mut hashes = Vec::new();
        each_token(analyzer, text, |term, _| hashes.push(term_hash(term)));
        TermSet::from_hashes(hashes)
    }

    fn from_hashes(mut hashes: Vec<u64>) -> TermSet {
        hashes.sort_unstable();
        hashes.dedup();
        TermSet(hashes.into())
    }

    /// Where this hash stands in the set: the number a word's positions carry.
    fn position(&self, hash: u64) -> Option<u32> {
        let at = self.0.binary_search(&hash).ok()?;
        u32::try_from(at).ok()
    }

    fn contains(&self, hash: u64) -> bool {
        self.0.binary_search(&hash).is_ok()
    }

    /// Whether the text holds this analysed term.
    pub fn contains_term(&self, term: &str) -> bool {
        self.contains(term_hash(term))
    }
}

/// One word of a text: which of the text's distinct words it is, and its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spot {
    /// Index into the text's [`TermSet`].
    term: u32,
    from: u32,
    to: u32,
}

/// A chunk as the highlighter needs it: the words of its heading and text (for counting the
/// query words it holds) and where each word of its text stands (for cutting its passage).
/// Twelve bytes per word of text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalysedText {
    terms: TermSet,
    spots: Box<[Spot]>,
}

impl AnalysedText {
    /// `heading`'s words count as the chunk's, but passages are cut from `text` alone.
    pub fn of(analyzer: &TextAnalyzer, heading: &str, text: &str) -> AnalysedText {
        let mut hashes = Vec::new();
        each_token(analyzer, heading, |term, _| hashes.push(term_hash(term)));
        let mut words = Vec::new();
        // Offsets are kept in 32 bits: a text longer than 4 GiB gets no positions, and its
        // passage is its opening.
        let fits = u32::try_from(text.len()).is_ok();
        each_token(analyzer, text, |term, bytes| {
            let hash = term_hash(term);
            hashes.push(hash);
            if fits {
                words.push((hash, bytes.start as u32, bytes.end as u32));
            }
        });
        let terms = TermSet::from_hashes(hashes);
        let spots = words
            .into_iter()
            .filter_map(|(hash, from, to)| {
                let term = terms.position(hash)?;
                Some(Spot { term, from, to })
            })
            .collect();
        AnalysedText { terms, spots }
    }

    /// The distinct words of the heading and text.
    pub fn terms(&self) -> &TermSet {
        &self.terms
    }
}

/// Calls `each` with every analysed token of `text` and its byte range.
fn each_token(analyzer: &TextAnalyzer, text: &str, mut each: impl FnMut(&str, Range<usize>)) {
    let mut analyzer = analyzer.clone();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        each(&token.text, token.offset_from..token.offset_to);
    }
}

fn term_hash(term: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    term.hash(&mut hasher);
    hasher.finish()
}

/// The window a passage is cut from: bytes `start..stop` of the text, spots `first..end`.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: usize,
    stop: usize,
    score: usize,
    first: usize,
    end: usize,
}

/// The window with most query words, the earliest among equals. As tantivy's
/// `SnippetGenerator` does, the text is cut into consecutive windows: one opens at the first
/// word and takes words while they end within `max` bytes of its start; the word that does
/// not fit opens the next window.
fn best_window(spots: &[Spot], hit: impl Fn(u32) -> bool, max: usize) -> Option<Window> {
    let mut best: Option<Window> = None;
    let mut window = Window {
        start: 0,
        stop: 0,
        score: 0,
        first: 0,
        end: 0,
    };
    let better = |w: &Window, best: &Option<Window>| w.score > best.map_or(0, |b| b.score);
    for (i, spot) in spots.iter().enumerate() {
        let (from, to) = (spot.from as usize, spot.to as usize);
        if to - window.start > max {
            if better(&window, &best) {
                best = Some(window);
            }
            window = Window {
                start: from,
                stop: from,
                score: 0,
                first: i,
                end: i,
            };
        }
        window.stop = to;
        window.end = i + 1;
        if hit(spot.term) {
            window.score += 1;
        }
    }
    if better(&window, &best) {
        best = Some(window);
    }
    best
}

/// Builds passages for one query.
pub struct Highlighter {
    analyzer: TextAnalyzer,
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
        let mut term_hashes: Vec<u64> = terms.into_iter().map(|t| term_hash(&t)).collect();
        term_hashes.sort_unstable();
        term_hashes.dedup();
        Highlighter {
            analyzer: analyzer.clone(),
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
        self.passage_of(text, &AnalysedText::of(&self.analyzer, "", text))
    }

    /// [`Highlighter::passage`] of a text already analysed: `words` must be `text`'s.
    pub fn passage_of(&self, text: &str, words: &AnalysedText) -> Passage {
        let wanted: Vec<u32> = self
            .term_hashes
            .iter()
            .filter_map(|&h| words.terms.position(h))
            .collect();
        let window = best_window(&words.spots, |t| wanted.contains(&t), PASSAGE_CHARS);
        // `words` not of `text` (a caller's mistake) must not panic a request: show the opening.
        let fits = |w: &Window| text.is_char_boundary(w.start) && text.is_char_boundary(w.stop);
        let Some(window) = window.filter(fits) else {
            return opening_passage(text);
        };
        let (before, after) = cut_marks(text, window.start..window.stop);
        let mut passage = Passage {
            text: String::with_capacity(window.stop - window.start + 8),
            highlights: Vec::new(),
            html: String::with_capacity(window.stop - window.start + 64),
        };
        passage.text.push_str(before);
        passage.html.push_str(before);
        let mut written = window.start;
        for spot in &words.spots[window.first..window.end] {
            if !wanted.contains(&spot.term) {
                continue;
            }
            let (from, to) = (spot.from as usize, spot.to as usize);
            passage.text.push_str(&text[written..to]);
            passage
                .highlights
                .push(before.len() + from - window.start..before.len() + to - window.start);
            escape_into(&mut passage.html, &text[written..from]);
            passage.html.push_str("<mark>");
            escape_into(&mut passage.html, &text[from..to]);
            passage.html.push_str("</mark>");
            written = to;
        }
        passage.text.push_str(&text[written..window.stop]);
        passage.text.push_str(after);
        escape_into(&mut passage.html, &text[written..window.stop]);
        escape_into(&mut passage.html, after);
        passage
    }
}

/// A text's opening, for a text with none of the query's words.
fn opening_passage(text: &str) -> Passage {
    let text = opening(text, PASSAGE_CHARS);
    Passage {
        html: escape(&text),
        text,
        highlights: Vec::new(),
    }
}

/// What goes before and after the window `cut` of `text`: an ellipsis where the passage is
/// cut out of a longer text; else nothing before, and the closing punctuation after (a window
/// stops at its last word).
fn cut_marks(text: &str, cut: Range<usize>) -> (&'static str, &str) {
    let has_words = |s: &str| s.chars().any(char::is_alphanumeric);
    let before = if has_words(&text[..cut.start]) {
        "…"
    } else {
        ""
    };
    let tail = &text[cut.end..];
    let after = if has_words(tail) {
        "…"
    } else {
        tail.trim_end()
    };
    (before, after)
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
    let mut html = String::with_capacity(text.len() + 16);
    escape_into(&mut html, text);
    html
}

/// Appends `text` with the five characters that HTML reads as markup replaced by entities (the
/// ones tantivy's snippets replace).
fn escape_into(html: &mut String, text: &str) {
    let mut written = 0;
    for (i, c) in text.char_indices() {
        let entity = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#x27;",
            _ => continue,
        };
        html.push_str(&text[written..i]);
        html.push_str(entity);
        written = i + 1;
    }
    html.push_str(&text[written..]);
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

    /// The passage tantivy's `SnippetGenerator` gives, as this module made it before it kept
    /// each chunk's analysed words: the reference for the window and highlights.
    fn tantivy_passage(analyzer: &TextAnalyzer, terms: &[String], text: &str) -> Passage {
        use tantivy::schema::Field;
        use tantivy::snippet::SnippetGenerator;
        let terms = terms.iter().map(|t| (t.clone(), 1.0)).collect();
        let generator = SnippetGenerator::new(
            terms,
            analyzer.clone(),
            Field::from_field_id(0),
            PASSAGE_CHARS,
        );
        let mut snippet = generator.snippet(text);
        if snippet.is_empty() {
            return opening_passage(text);
        }
        snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
        let (before, after) = cut_marks(text, snippet.fragment_range());
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

    #[test]
    fn passages_from_kept_words_are_tantivys_snippets() {
        let a = analyzer(Language::English);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut texts = Vec::new();
        for folder in ["concepts", "comparisons"] {
            let mut files: Vec<_> = std::fs::read_dir(root.join(folder))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            for file in files.iter().step_by(7) {
                let page = std::fs::read_to_string(file).unwrap();
                // Whole pages (many windows), and paragraphs (one or two).
                texts.extend(page.split("\n\n").map(str::to_string));
                texts.push(page);
            }
        }
        let marks = "Tokens & <tags> with \"quotes\" and it's ünïcode: naïve café attention.";
        texts.push(marks.into());
        let dev = std::fs::read_to_string(root.join("queries/dev.jsonl")).unwrap();
        let queries: Vec<String> = dev
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| Some(v["query"].as_str()?.to_string()))
            .chain(["attention".to_string(), "the model's tokens".to_string()])
            .collect();
        assert!(texts.len() > 100 && queries.len() > 40);
        let mut highlighted = 0;
        for query in &queries {
            let terms = query_terms(&a, Language::English, query);
            let h = Highlighter::for_terms(&a, terms.clone());
            for text in &texts {
                let words = AnalysedText::of(&a, "A heading", text);
                let ours = h.passage_of(text, &words);
                assert_eq!(
                    ours,
                    tantivy_passage(&a, &terms, text),
                    "{query:?} in {text:?}"
                );
                highlighted += usize::from(!ours.highlights.is_empty());
            }
        }
        assert!(
            highlighted > 1000,
            "the comparison covers highlighted passages: {highlighted}"
        );
    }

    #[test]
    fn a_heading_counts_for_matches_but_is_not_cut_from() {
        let a = analyzer(Language::English);
        let h = Highlighter::new(&a, "zebra stripes");
        let words = AnalysedText::of(&a, "Zebra", "Its stripes are black.");
        assert_eq!(h.matches_in(words.terms()), 2);
        let p = h.passage_of("Its stripes are black.", &words);
        assert_eq!(p.html, "Its <mark>stripes</mark> are black.");
    }
}
