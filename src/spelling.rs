//! Spelling tolerance: which words may stand for which, for the keyword leg (a misspelled or
//! half-typed query word) and for answers (a misspelled concept name). One set of rules, so a
//! word the search box corrects is a word the answer resolves, and the other way round.
//!
//! The rules are the ones the established site-search engines use (Meilisearch, Typesense,
//! Algolia), so that visitors meet what they already know:
//! - no typo in words under 5 characters, one edit from 5, two from 9 ([`max_edits`]);
//! - an edit is an inserted, deleted or replaced character, or two neighbours swapped
//!   (optimal string alignment: "retreival" is one edit from "retrieval");
//! - the first character is never a typo (misspellings of the first letter are rare, and
//!   allowing them multiplies the candidates: "bert" would reach "cert", "pert", …).
//!
//! Search-as-you-type adds the prefix: the last word of a query that does not end with a space
//! or punctuation is still being typed, so it also stands for the longer words it opens.

use serde::{Deserialize, Serialize};

/// Shortest word that may carry one typo.
pub const ONE_TYPO_FROM: usize = 5;
/// Shortest word that may carry two typos.
pub const TWO_TYPOS_FROM: usize = 9;
/// Shortest last word expanded as a prefix: "tr" opens thousands of words and ranks none of
/// them usefully.
pub const PREFIX_FROM: usize = 3;

/// Which tolerances a search applies. Both are on by default; a request switches them off
/// with `typos=false` / `prefix=false`, a site at start with `--typos false` / `--prefix
/// false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spelling {
    /// Words the index does not hold are matched to the index's words within [`max_edits`].
    pub typos: bool,
    /// The last word, when still being typed, also matches the words it begins.
    pub prefix: bool,
}

impl Default for Spelling {
    fn default() -> Self {
        Spelling {
            typos: true,
            prefix: true,
        }
    }
}

impl Spelling {
    /// Exact words only: what evaluations of other systems and scripts expect.
    pub const EXACT: Spelling = Spelling {
        typos: false,
        prefix: false,
    };
}

/// The most edits a typed word of this many characters may be away from a word it stands for.
pub fn max_edits(chars: usize) -> usize {
    if chars >= TWO_TYPOS_FROM {
        2
    } else if chars >= ONE_TYPO_FROM {
        1
    } else {
        0
    }
}

/// Edits between two words: insertions, deletions, replacements and swaps of neighbours.
pub fn edits(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// How many edits `typed` is from `word` when `word` is a correction the rules allow: the same
/// first character and at most [`max_edits`] of the typed length. `None` otherwise (and for
/// identical words, which are not typos).
pub fn typo_edits(typed: &str, word: &str) -> Option<usize> {
    let allowed = max_edits(typed.chars().count());
    if allowed == 0 || typed == word || typed.chars().next() != word.chars().next() {
        return None;
    }
    let length_gap = typed.chars().count().abs_diff(word.chars().count());
    if length_gap > allowed {
        return None;
    }
    let d = edits(typed, word);
    (d <= allowed).then_some(d)
}

/// How many edits `typed` is from the beginning of `word`, when `word` is one the typed
/// beginning may be heading to: `typed` opens it exactly (0), or with typos, within
/// [`max_edits`], the first character kept. `None` when the word is too short to be expanded
/// ([`PREFIX_FROM`]) or is not reached.
pub fn prefix_edits(typed: &str, word: &str, typos: bool) -> Option<usize> {
    let n = typed.chars().count();
    if n < PREFIX_FROM || word == typed {
        return None;
    }
    if word.starts_with(typed) {
        return Some(0);
    }
    let allowed = if typos { max_edits(n) } else { 0 };
    if allowed == 0 || typed.chars().next() != word.chars().next() {
        return None;
    }
    // The best alignment of the typed text with a beginning of the word: beginnings of the
    // typed length give or take the edits allowed.
    let chars: Vec<char> = word.chars().collect();
    (n.saturating_sub(allowed)..=(n + allowed).min(chars.len()))
        .map(|len| edits(typed, &chars[..len].iter().collect::<String>()))
        .min()
        .filter(|&d| d <= allowed)
}

/// Whether the last word of `text` is still being typed: the text ends inside a word, not with
/// a space or punctuation.
pub fn last_word_open(text: &str) -> bool {
    text.chars().last().is_some_and(char::is_alphanumeric)
}

/// `text` with each word that `replacement` gives another form for replaced by it (looked
/// up lower-cased); everything between words kept as it was.
pub fn replace_words(text: &str, replacement: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            match replacement(&word.to_lowercase()) {
                Some(other) => out.push_str(&other),
                None => out.push_str(word),
            }
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_allowed_grow_with_the_word() {
        assert_eq!(max_edits(4), 0);
        assert_eq!(max_edits(5), 1);
        assert_eq!(max_edits(8), 1);
        assert_eq!(max_edits(9), 2);
        assert_eq!(max_edits(20), 2);
    }

    #[test]
    fn typos_follow_the_rules() {
        // One edit from 5 characters, a swap is one edit.
        assert_eq!(typo_edits("embeding", "embedding"), Some(1));
        assert_eq!(typo_edits("retreival", "retrieval"), Some(1));
        assert_eq!(typo_edits("gradiant", "gradient"), Some(1));
        // Two from 9.
        assert_eq!(typo_edits("reinforcmnt", "reinforcement"), Some(2));
        assert_eq!(typo_edits("lerning", "learning"), Some(1));
        // Too short, too far, first letter, identical.
        assert_eq!(typo_edits("bret", "bert"), None);
        assert_eq!(typo_edits("gradaunt", "gradient"), None);
        assert_eq!(typo_edits("fradient", "gradient"), None);
        assert_eq!(typo_edits("gradient", "gradient"), None);
    }

    #[test]
    fn prefixes_open_longer_words() {
        assert_eq!(prefix_edits("tokeniz", "tokenization", false), Some(0));
        assert_eq!(prefix_edits("to", "tokenization", true), None);
        assert_eq!(prefix_edits("tokenz", "tokenization", false), None);
        assert_eq!(prefix_edits("tokenz", "tokenization", true), Some(1));
        assert_eq!(prefix_edits("xokeniz", "tokenization", true), None);
        assert_eq!(prefix_edits("token", "token", true), None);
    }

    #[test]
    fn words_are_replaced_whole_and_the_rest_is_kept() {
        let fixed = replace_words("Is RLHF reinforcment-lerning?", |w| match w {
            "reinforcment" => Some("reinforcement".into()),
            "lerning" => Some("learning".into()),
            _ => None,
        });
        assert_eq!(fixed, "Is RLHF reinforcement-learning?");
    }

    #[test]
    fn a_word_is_open_until_a_space_or_punctuation() {
        assert!(last_word_open("retrieval aug"));
        assert!(!last_word_open("retrieval aug "));
        assert!(!last_word_open("is gpt-4 generative ai?"));
        assert!(!last_word_open(""));
    }
}
