//! From a name as typed ("chat gpt", "LLMs", "generativ AI") to a concept page.
//!
//! Names come first, because a question names its concepts: titles, the acronym in a title's
//! parentheses, and aliases, compared without case, spaces or punctuation ("GPT4" = "GPT-4").
//! Then, in order: a plural or a generic trailing word removed ("LLMs", "machine learning
//! model"), an adjective that opens exactly one name ("supervised" → Supervised Learning), a
//! small misspelling (the search box's rules, [`crate::spelling`]). Only when no name fits
//! does the hybrid index decide, and only when its best page is close in meaning to the words
//! typed (cosine of the name and the page's best passage at least [`SEARCH_THRESHOLD`]);
//! otherwise the side stays unresolved and a verdict is `unknown`.

use std::collections::HashMap;

use serde::Serialize;

use crate::corpus::{Corpus, PageKind};

/// Least cosine similarity between a name typed and the best passage of the page the hybrid
/// index ranks first, for that page to count as what the name means. Measured on the built-in
/// corpus (docs/answers.md): names of things it does not describe scored at most 0.48 (Monte
/// Carlo tree search → AlphaGo), everyday ones far less (Kubernetes 0.29, toaster 0.19);
/// paraphrases of concepts it does describe scored 0.46 to 0.61 ("translation software" →
/// Machine Translation 0.55). 0.5 keeps every wrong match out at the price of a few right
/// ones, which become `unknown` rather than a wrong verdict.
pub const SEARCH_THRESHOLD: f32 = 0.5;

/// Trailing words that qualify a name without changing which concept it names.
const GENERIC_TAILS: &[&str] = &[
    "model",
    "models",
    "method",
    "methods",
    "technique",
    "techniques",
    "algorithm",
    "algorithms",
    "approach",
    "system",
    "systems",
    "tool",
    "thing",
    "task",
    "tasks",
    "objective",
    "objectives",
    "network",
    "networks",
];

/// How a side was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    Title,
    Alias,
    /// The name with a plural ending or a generic last word removed.
    Trimmed,
    /// The typed word opens exactly one concept's name ("supervised").
    Prefix,
    /// Within a small edit distance of a name.
    Misspelling,
    /// The hybrid index's best page, close enough in meaning.
    Search,
    /// Nothing fitted with enough confidence.
    Unresolved,
}

/// The best page the hybrid index found for a name, as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchEvidence {
    pub page: String,
    /// Fused score (relative within the query).
    pub score: f32,
    /// Cosine similarity of the name and the page's best passage: the confidence measure.
    pub similarity: f32,
    pub threshold: f32,
}

/// How one side of a question became a concept, for `explain=true`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Resolution {
    /// The words as typed (lower-cased).
    pub mention: String,
    pub concept: Option<String>,
    pub method: Method,
    /// The title or alias that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// 1 for an exact name; lower for looser matches; the similarity for a search.
    pub confidence: f32,
    /// Other concepts sharing the name, when it is ambiguous.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ambiguous_with: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchEvidence>,
}

impl Resolution {
    pub(crate) fn unresolved(mention: &str) -> Resolution {
        Resolution {
            mention: mention.to_string(),
            concept: None,
            method: Method::Unresolved,
            matched: None,
            confidence: 0.0,
            ambiguous_with: Vec::new(),
            search: None,
        }
    }

    /// Resolved by a name (not by search): what the cutter of an is-a question trusts.
    pub fn by_name(&self) -> bool {
        self.concept.is_some() && self.method != Method::Search
    }
}

/// One name of one concept.
struct Name {
    /// As written, for explanations.
    text: String,
    /// Lower-cased words.
    words: Vec<String>,
    /// [`compact`] of `text`: the lookup key, and what misspellings are measured against.
    compact: String,
    page: String,
    is_title: bool,
}

/// Every concept's names, looked up without case, spaces or punctuation.
pub struct NameIndex {
    names: Vec<Name>,
    /// Compact name → indexes into `names`.
    exact: HashMap<String, Vec<usize>>,
}

/// Lower case, letters and digits only: "GPT-4" and "gpt 4" → "gpt4".
pub fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl NameIndex {
    pub fn new(corpus: &Corpus) -> NameIndex {
        let mut names = Vec::new();
        for page in corpus.pages() {
            // Comparison pages and pages outside the concept layer (a site's ordinary pages)
            // are never the subject of an answer.
            if page.kind != PageKind::Concept || !page.concept {
                continue;
            }
            for (text, is_title) in page.names() {
                let key = compact(text);
                if !key.is_empty() {
                    names.push(Name {
                        text: text.to_string(),
                        words: crate::corpus::words(text),
                        compact: key,
                        page: page.id.clone(),
                        is_title,
                    });
                }
            }
        }
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            exact.entry(name.compact.clone()).or_default().push(i);
        }
        NameIndex { names, exact }
    }

    /// The concepts named exactly `text` (ignoring case, spaces and punctuation), each once,
    /// titles first.
    fn exact(&self, text: &str) -> Vec<&Name> {
        let mut found: Vec<&Name> = self
            .exact
            .get(&compact(text))
            .into_iter()
            .flatten()
            .map(|&i| &self.names[i])
            .collect();
        found.sort_by_key(|n| !n.is_title);
        let mut seen = std::collections::HashSet::new();
        found.retain(|n| seen.insert(n.page.clone()));
        found
    }

    /// Resolves `mention` by names alone; `None` when no name fits.
    pub fn by_name(&self, mention: &str) -> Option<Resolution> {
        let resolution = |found: Vec<&Name>, method: Method, confidence: f32| {
            let first = found.first()?;
            let method = match method {
                Method::Title if !first.is_title => Method::Alias,
                m => m,
            };
            Some(Resolution {
                mention: mention.to_string(),
                concept: Some(first.page.clone()),
                method,
                matched: Some(first.text.clone()),
                // An ambiguous name is a weaker claim.
                confidence: if found.len() > 1 {
                    confidence * 0.7
                } else {
                    confidence
                },
                ambiguous_with: found[1..].iter().map(|n| n.page.clone()).collect(),
                search: None,
            })
        };
        if let Some(r) = resolution(self.exact(mention), Method::Title, 1.0) {
            return Some(r);
        }
        let trimmed = trimmed_forms(mention);
        for t in &trimmed {
            if let Some(r) = resolution(self.exact(t), Method::Trimmed, 0.9) {
                return Some(r);
            }
        }
        // "generative model" → "generative" → Generative AI.
        for t in std::iter::once(mention).chain(trimmed.iter().map(String::as_str)) {
            if let Some(mut r) = self.prefix(t) {
                r.mention = mention.to_string();
                return Some(r);
            }
        }
        self.misspelling(mention)
    }

    /// "supervised" → the one title that starts with those words and has the fewest words
    /// after them. Titles only: aliases are looser ("chatbot hallucination" would make
    /// "chatbot" mean hallucination).
    fn prefix(&self, mention: &str) -> Option<Resolution> {
        let typed = crate::corpus::words(mention);
        if typed.is_empty() || typed.iter().map(String::len).sum::<usize>() < 5 {
            return None;
        }
        let opens =
            |n: &&Name| n.is_title && n.words.len() > typed.len() && n.words.starts_with(&typed);
        let rank = |n: &Name| n.words.len();
        let best = self.names.iter().filter(opens).map(rank).min()?;
        let mut pages: Vec<&Name> = self
            .names
            .iter()
            .filter(opens)
            .filter(|n| rank(n) == best)
            .collect();
        pages.dedup_by(|a, b| a.page == b.page);
        match pages.as_slice() {
            [only] => Some(Resolution {
                mention: mention.to_string(),
                concept: Some(only.page.clone()),
                method: Method::Prefix,
                matched: Some(only.text.clone()),
                confidence: 0.8,
                ambiguous_with: Vec::new(),
                search: None,
            }),
            _ => None,
        }
    }

    /// The one name a misspelled mention stands for, by the search box's own rules
    /// ([`crate::spelling::typo_edits`]: one edit from 5 letters, two from 9, the first letter
    /// kept), measured on the compact forms ("generativ ai" → "generativai" → "generativeai").
    fn misspelling(&self, mention: &str) -> Option<Resolution> {
        let typed = compact(mention);
        let mut best: Option<(usize, &Name)> = None;
        let mut tie = false;
        for name in &self.names {
            let Some(d) = crate::spelling::typo_edits(&typed, &name.compact) else {
                continue;
            };
            match best {
                Some((bd, b)) if d > bd || (d == bd && b.page == name.page) => {}
                Some((bd, _)) if d == bd => tie = true,
                _ => {
                    best = Some((d, name));
                    tie = false;
                }
            }
        }
        let (d, name) = best.filter(|_| !tie)?;
        Some(Resolution {
            mention: mention.to_string(),
            concept: Some(name.page.clone()),
            method: Method::Misspelling,
            matched: Some(name.text.clone()),
            confidence: 1.0 - d as f32 / typed.chars().count() as f32,
            ambiguous_with: Vec::new(),
            search: None,
        })
    }
}

/// The mention with a plural ending or generic last words removed, most faithful first.
fn trimmed_forms(mention: &str) -> Vec<String> {
    let words: Vec<&str> = mention.split_whitespace().collect();
    let mut out = Vec::new();
    let singular = |w: &str| -> Option<String> {
        if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
            Some(w[..w.len() - 1].to_string())
        } else {
            None
        }
    };
    if let Some((last, head)) = words.split_last() {
        if let Some(s) = singular(last) {
            let mut v: Vec<String> = head.iter().map(|w| w.to_string()).collect();
            v.push(s);
            out.push(v.join(" "));
        }
        if GENERIC_TAILS.contains(last) && !head.is_empty() {
            out.push(head.join(" "));
            if let Some((last, rest)) = head.split_last() {
                if let Some(s) = singular(last) {
                    let mut v: Vec<String> = rest.iter().map(|w| w.to_string()).collect();
                    v.push(s);
                    out.push(v.join(" "));
                }
            }
        }
    }
    out
}

/// Searching the hybrid index for a text: its best pages, best first.
pub type SearchFn<'a, E> = dyn Fn(&str) -> Result<Vec<Found>, E> + 'a;

/// A page the hybrid index found for a name: its id, fused score and semantic similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub page: String,
    pub score: f32,
    pub similarity: Option<f32>,
}

/// Resolves by names, then by search when `search` is given and no name fits.
pub fn resolve<E>(
    names: &NameIndex,
    corpus: &Corpus,
    mention: &str,
    search: Option<&SearchFn<'_, E>>,
) -> Result<Resolution, E> {
    if let Some(r) = names.by_name(mention) {
        return Ok(r);
    }
    let Some(search) = search else {
        return Ok(Resolution::unresolved(mention));
    };
    let found = search(mention)?;
    let best = found.into_iter().find(|f| {
        corpus
            .get(&f.page)
            .is_some_and(|p| p.kind == PageKind::Concept)
    });
    let mut r = Resolution::unresolved(mention);
    if let Some(best) = best {
        let similarity = best.similarity.unwrap_or(0.0);
        if similarity >= SEARCH_THRESHOLD {
            r.concept = Some(best.page.clone());
            r.method = Method::Search;
            r.confidence = similarity;
        }
        r.search = Some(SearchEvidence {
            page: best.page,
            score: best.score,
            similarity,
            threshold: SEARCH_THRESHOLD,
        });
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::tests_support::corpus_of;

    fn index() -> (Corpus, NameIndex) {
        let corpus = corpus_of(&[
            (
                "generative-ai",
                "Generative AI (GenAI)",
                "[generative artificial intelligence]",
                "",
            ),
            ("gan", "Generative Adversarial Network", "[GAN, GANs]", ""),
            ("supervised-learning", "Supervised Learning", "[]", ""),
            ("unsupervised-learning", "Unsupervised Learning", "[]", ""),
            ("machine-learning", "Machine Learning", "[ML]", ""),
            (
                "large-language-model",
                "Large Language Model",
                "[LLM, LLMs]",
                "",
            ),
            ("chatgpt", "ChatGPT", "[\"chat gpt\"]", ""),
            ("neural-network", "Neural Network", "[ANN]", ""),
            (
                "ann-search",
                "Approximate Nearest Neighbor Search (ANN)",
                "[]",
                "",
            ),
        ]);
        let names = NameIndex::new(&corpus);
        (corpus, names)
    }

    fn concept(names: &NameIndex, mention: &str) -> (Option<String>, Method) {
        match names.by_name(mention) {
            Some(r) => (r.concept, r.method),
            None => (None, Method::Unresolved),
        }
    }

    #[test]
    fn names_titles_acronyms_and_aliases() {
        let (_, names) = index();
        let id = |s: &str| Some(s.to_string());
        assert_eq!(
            concept(&names, "generative ai"),
            (id("generative-ai"), Method::Title)
        );
        assert_eq!(
            concept(&names, "genai"),
            (id("generative-ai"), Method::Title)
        );
        assert_eq!(
            concept(&names, "Gen-AI"),
            (id("generative-ai"), Method::Title),
            "spelled like the title's acronym"
        );
        assert_eq!(
            concept(&names, "generative artificial intelligence"),
            (id("generative-ai"), Method::Alias)
        );
        assert_eq!(concept(&names, "chat gpt"), (id("chatgpt"), Method::Title));
        assert_eq!(
            concept(&names, "llms"),
            (id("large-language-model"), Method::Alias)
        );
        assert_eq!(
            concept(&names, "machine learning model"),
            (id("machine-learning"), Method::Trimmed)
        );
        assert_eq!(
            concept(&names, "supervised"),
            (id("supervised-learning"), Method::Prefix)
        );
        assert_eq!(
            concept(&names, "generative"),
            (id("generative-ai"), Method::Prefix)
        );
        assert_eq!(
            concept(&names, "generativ ai"),
            (id("generative-ai"), Method::Misspelling)
        );
        assert_eq!(concept(&names, "kalman filter"), (None, Method::Unresolved));
        assert_eq!(
            concept(&names, "gun"),
            (None, Method::Unresolved),
            "too short to guess"
        );
    }

    #[test]
    fn an_acronym_two_concepts_share_is_marked_ambiguous() {
        let (_, names) = index();
        let r = names.by_name("ANN").unwrap();
        assert_eq!(
            r.concept.as_deref(),
            Some("ann-search"),
            "the title's acronym first"
        );
        assert_eq!(r.ambiguous_with, vec!["neural-network".to_string()]);
        assert!(r.confidence < 1.0);
    }

    #[test]
    fn search_decides_only_above_the_threshold() {
        let (corpus, names) = index();
        let close = |_: &str| -> Result<Vec<Found>, ()> {
            Ok(vec![Found {
                page: "chatgpt".into(),
                score: 1.0,
                similarity: Some(0.7),
            }])
        };
        let far = |_: &str| -> Result<Vec<Found>, ()> {
            Ok(vec![Found {
                page: "chatgpt".into(),
                score: 1.0,
                similarity: Some(0.3),
            }])
        };
        let r = resolve(&names, &corpus, "openai chatbot", Some(&close)).unwrap();
        assert_eq!(
            (r.concept.as_deref(), r.method),
            (Some("chatgpt"), Method::Search)
        );
        let r = resolve(&names, &corpus, "kalman filter", Some(&far)).unwrap();
        assert_eq!((r.concept, r.method), (None, Method::Unresolved));
        assert_eq!(
            r.search.unwrap().page,
            "chatgpt",
            "the evidence is kept for explain"
        );
    }
}
