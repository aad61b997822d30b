//! From the words a visitor typed to the index terms they stand for: each word's own (stemmed)
//! term, and, by the rules of [`crate::spelling`], the index's words a misspelled word was
//! meant to be and the words a half-typed last word opens.
//!
//! Candidates come from the vocabulary's term dictionary (an FST) walked with a Levenshtein
//! automaton, so a lookup costs the automaton's reach into the dictionary, not its size. Each
//! walk is bounded:
//! - a misspelled word looks at most [`TYPO_SCAN`] dictionary words within its edits and keeps
//!   the [`TYPO_KEEP`] closest (fewest edits, then the most frequent);
//! - a half-typed word looks at most [`PREFIX_SCAN`] words it may open, in dictionary order,
//!   and keeps the [`PREFIX_KEEP`] most frequent distinct terms (exact beginnings before
//!   beginnings with a typo). Past the bound, words later in the alphabet are not considered:
//!   only very short beginnings of a large site's vocabulary reach it ("con" on the Cargo book
//!   opens 180 words), and those rank by the other words of the query anyway.
//!
//! Exact matches rank above the rest: a word the index holds is never corrected (a typo that
//! makes another real word, "form" for "from", is taken as typed), so a corrected word has no
//! exact matches to compete with; and a known word's completions count at
//! [`KNOWN_PREFIX_WEIGHT`] of the word itself, each word scoring its best form only
//! (a disjunction-max, so that three completions of one word do not count three times).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{InvertedIndexReader, Term};

use super::{Language, QUERY_STOP_WORDS};
use crate::spelling::{self, Spelling};

/// Dictionary words looked at per misspelled word.
pub const TYPO_SCAN: usize = 256;
/// Corrections kept per misspelled word.
pub const TYPO_KEEP: usize = 3;
/// Dictionary words looked at per half-typed word.
pub const PREFIX_SCAN: usize = 2048;
/// Completions kept per half-typed word.
pub const PREFIX_KEEP: usize = 5;
/// Weight of the completions of a last word that is itself a word of the index ("lang" may be
/// finished): below the word as typed, so that its exact matches rank first.
pub const KNOWN_PREFIX_WEIGHT: f32 = 0.3;
/// Weight of a correction of a word the index does not hold.
pub const TYPO_WEIGHT: f32 = 0.5;
/// Weight of a completion reached only with a typo ("tokenz" → "tokenization").
pub const TYPO_PREFIX_WEIGHT: f32 = 0.8;

/// How an index word came to stand for a query word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// A correction of a word the index does not hold.
    Typo,
    /// A word the half-typed last word opens.
    Prefix,
}

/// An index word matched in place of a query word.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expansion {
    /// The index word, as written.
    pub word: String,
    /// Its stemmed term, which the scored fields hold.
    #[serde(skip)]
    pub term: String,
    pub how: How,
    /// Edits between the typed word (or beginning) and this word.
    pub edits: usize,
    /// Multiplies the term's field boosts.
    pub weight: f32,
}

/// One word of a query as the index matches it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryWord {
    /// As typed, lower-cased.
    pub typed: String,
    /// Its stemmed term.
    #[serde(skip)]
    pub term: String,
    /// Whether the index holds the word as typed.
    pub known: bool,
    /// The index word an unknown word most likely misspells (fewest edits, then the most
    /// frequent), even when its stem is the typed word's own ("reinforcment" and
    /// "reinforcement" stem alike, but only one is a word the embedding model reads); none
    /// when the nearest word only adds or drops an ending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expansions: Vec<Expansion>,
}

impl QueryWord {
    /// Every stemmed term the word matches: its own first, then its expansions'.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.term.as_str()).chain(self.expansions.iter().map(|e| e.term.as_str()))
    }
}

/// The index's words as written, with how many documents hold each: one term dictionary per
/// segment of the `words` field.
pub struct Vocabulary {
    field: Field,
    segments: Vec<Arc<InvertedIndexReader>>,
}

impl Vocabulary {
    pub fn new(field: Field, segments: Vec<Arc<InvertedIndexReader>>) -> Vocabulary {
        Vocabulary { field, segments }
    }

    /// Documents holding `word` (0: the index does not know it).
    pub fn doc_freq(&self, word: &str) -> u32 {
        self.segments
            .iter()
            .filter_map(|s| s.terms().get(word.as_bytes()).ok().flatten())
            .map(|info| info.doc_freq)
            .sum()
    }

    /// Index words the automaton of `query` accepts, at most `scan` per segment, with their
    /// document frequencies.
    fn walk(&self, query: &FuzzyTermQuery, scan: usize) -> BTreeMap<String, u32> {
        let mut found: BTreeMap<String, u32> = BTreeMap::new();
        for segment in &self.segments {
            let Ok(automaton) = query.automaton() else {
                return found;
            };
            let Ok(mut stream) = segment.terms().search(automaton).into_stream() else {
                continue;
            };
            let mut seen = 0;
            while seen < scan && stream.advance() {
                seen += 1;
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    *found.entry(word.to_string()).or_default() += stream.value().doc_freq;
                }
            }
        }
        found
    }

    /// The index words `typed` may be a misspelling of: fewest edits first, then the most
    /// frequent, at most [`TYPO_KEEP`], all at the fewest edits found.
    pub fn corrections(&self, typed: &str) -> Vec<(String, usize)> {
        let allowed = spelling::max_edits(typed.chars().count());
        if allowed == 0 {
            return Vec::new();
        }
        let term = Term::from_field_text(self.field, typed);
        let found = self.walk(&FuzzyTermQuery::new(term, allowed as u8, true), TYPO_SCAN);
        let mut scored: Vec<(usize, u32, String)> = found
            .into_iter()
            .filter_map(|(w, df)| spelling::typo_edits(typed, &w).map(|d| (d, df, w)))
            .collect();
        let Some(fewest) = scored.iter().map(|s| s.0).min() else {
            return Vec::new();
        };
        scored.retain(|s| s.0 == fewest);
        scored.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(&b.2)));
        scored
            .into_iter()
            .take(TYPO_KEEP)
            .map(|(d, _, w)| (w, d))
            .collect()
    }

    /// The index words a half-typed `typed` may open, exact beginnings first, each group most
    /// frequent first (not cut to [`PREFIX_KEEP`]: that counts distinct terms, which the
    /// caller knows).
    pub fn completions(&self, typed: &str, typos: bool) -> Vec<(String, usize)> {
        let n = typed.chars().count();
        if n < spelling::PREFIX_FROM {
            return Vec::new();
        }
        let allowed = if typos { spelling::max_edits(n) } else { 0 };
        let term = Term::from_field_text(self.field, typed);
        let query = FuzzyTermQuery::new_prefix(term, allowed as u8, true);
        let mut scored: Vec<(usize, u32, String)> = self
            .walk(&query, PREFIX_SCAN)
            .into_iter()
            .filter_map(|(w, df)| spelling::prefix_edits(typed, &w, typos).map(|d| (d, df, w)))
            .collect();
        scored.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.cmp(&a.1))
                .then_with(|| a.2.cmp(&b.2))
        });
        scored.into_iter().map(|(d, _, w)| (w, d)).collect()
    }
}

/// The words of `text` as the index matches them. Without a vocabulary (or with
/// [`Spelling::EXACT`]) each word stands for itself. English stop words are dropped when
/// anything else is left; a word repeated counts once.
pub fn plan(
    text: &str,
    stemmer: &TextAnalyzer,
    language: Language,
    vocabulary: Option<&Vocabulary>,
    spelling: Spelling,
) -> Vec<QueryWord> {
    let typed = tokens(&mut super::words_analyzer(), text);
    let open = spelling.prefix && spelling::last_word_open(text);
    let last = typed.len().saturating_sub(1);
    let mut stemmer = stemmer.clone();
    let mut words: Vec<(QueryWord, bool)> = Vec::new();
    for (i, word) in typed.iter().enumerate() {
        let Some(term) = tokens(&mut stemmer, word).into_iter().next() else {
            continue;
        };
        let stop = language == Language::English && QUERY_STOP_WORDS.contains(&term.as_str());
        let mut query_word = QueryWord {
            typed: word.clone(),
            term,
            known: true,
            correction: None,
            expansions: Vec::new(),
        };
        if let (Some(vocabulary), false) = (vocabulary, stop) {
            query_word.known = vocabulary.doc_freq(word) > 0;
            let completes = open && i == last;
            expand(
                &mut query_word,
                vocabulary,
                &mut stemmer,
                spelling,
                completes,
            );
        }
        // A repeated word counts once; a repeat that is the half-typed last word brings its
        // completions to the first.
        match words.iter_mut().find(|(w, _)| w.term == query_word.term) {
            Some((first, _)) => {
                for e in query_word.expansions {
                    if !first.terms().any(|t| t == e.term) {
                        first.expansions.push(e);
                    }
                }
            }
            None => words.push((query_word, stop)),
        }
    }
    if words.iter().all(|(_, stop)| *stop) {
        return words.into_iter().map(|(w, _)| w).collect();
    }
    words
        .into_iter()
        .filter(|(_, stop)| !stop)
        .map(|(w, _)| w)
        .collect()
}

/// Adds a word's corrections (when the index does not hold it) and then its completions (when
/// it is the half-typed last word), each a term the word's own term and earlier expansions are
/// not: "lerning" as a last word is first a typo of "learning", not its beginning.
fn expand(
    word: &mut QueryWord,
    vocabulary: &Vocabulary,
    stemmer: &mut TextAnalyzer,
    spelling: Spelling,
    completes: bool,
) {
    let mut add = |word: &mut QueryWord, found: &str, how: How, edits: usize, weight: f32| {
        let Some(term) = tokens(stemmer, found).into_iter().next() else {
            return false;
        };
        if word.terms().any(|t| t == term) {
            return false;
        }
        word.expansions.push(Expansion {
            word: found.to_string(),
            term,
            how,
            edits,
            weight,
        });
        true
    };
    if spelling.typos && !word.known {
        for (found, edits) in vocabulary.corrections(&word.typed) {
            // A word that only adds or drops an ending ("thumbs" for "thumb") is another form
            // of the same word, which the model reads as it is.
            let another_form = found.starts_with(&word.typed) || word.typed.starts_with(&found);
            if !another_form {
                word.correction.get_or_insert_with(|| found.clone());
            }
            add(word, &found, How::Typo, edits, TYPO_WEIGHT);
        }
    }
    if completes {
        let mut kept = 0;
        for (found, edits) in vocabulary.completions(&word.typed, spelling.typos) {
            let weight = match (word.known, edits) {
                (true, _) => KNOWN_PREFIX_WEIGHT,
                (false, 0) => 1.0,
                (false, _) => TYPO_PREFIX_WEIGHT,
            };
            if kept < PREFIX_KEEP && add(word, &found, How::Prefix, edits, weight) {
                kept += 1;
            }
        }
    }
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyword::analyzer;

    #[test]
    fn without_a_vocabulary_words_stand_for_themselves() {
        let words = plan(
            "What is the Attention attention mechanism",
            &analyzer(Language::English),
            Language::English,
            None,
            Spelling::default(),
        );
        let terms: Vec<&str> = words.iter().map(|w| w.term.as_str()).collect();
        assert_eq!(terms, ["attent", "mechan"]);
        assert!(words.iter().all(|w| w.expansions.is_empty() && w.known));
    }
}
