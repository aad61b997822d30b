//! Splitting pages into chunks the embedding model can read whole.
//!
//! The model truncates at 256 tokens, so a chunk longer than that would be embedded without its
//! tail and that tail could never be found semantically. Chunks are therefore bounded by the
//! model's own tokenizer (not by characters or words), split at sentence boundaries, and carry a
//! short "Title — Section" prefix so that a chunk about "its training data" still knows whose
//! training data it is.

use std::path::Path;

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::corpus::Corpus;

/// How pages are cut. Recorded in the index manifest: another value means another index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkParams {
    /// Upper bound on a chunk's tokens, including `[CLS]`, `[SEP]` and the prefix.
    pub max_tokens: usize,
    /// Sentences repeated at the start of the next chunk, so that an idea spanning a cut is
    /// whole in at least one chunk.
    pub overlap_sentences: usize,
}

impl Default for ChunkParams {
    fn default() -> Self {
        ChunkParams {
            max_tokens: 256,
            overlap_sentences: 1,
        }
    }
}

/// One piece of one section of one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Page id.
    pub concept: String,
    /// Page title, repeated here because the prefix and the keyword title field need it.
    pub title: String,
    pub section: String,
    /// The section's anchor on the live page (empty for a page's introduction).
    #[serde(default)]
    pub anchor: String,
    /// Position of this chunk within its section, from 0.
    pub position: u32,
    /// The chunk's own text, without prefix.
    pub text: String,
}

impl Chunk {
    /// The text that is embedded: prefix plus chunk text.
    pub fn embedding_text(&self) -> String {
        format!("{}\n{}", prefix(&self.title, &self.section), self.text)
    }
}

/// "Title — Section"; a document with one untitled section (a BEIR abstract) gets its title alone.
fn prefix(title: &str, section: &str) -> String {
    match (title.is_empty(), section.is_empty()) {
        (_, true) => title.to_string(),
        (true, false) => section.to_string(),
        (false, false) => format!("{title} — {section}"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChunkError {
    #[error("cannot load tokenizer {path}: {message}")]
    Tokenizer { path: String, message: String },
}

/// Counts tokens the way the embedding model will see them.
///
/// The packaged `tokenizer.json` truncates and pads at 128 tokens; both are switched off here,
/// otherwise every long text would count as 128 and chunks would silently overflow.
#[derive(Clone)]
pub struct TokenCounter {
    tokenizer: tokenizers::Tokenizer,
}

impl TokenCounter {
    pub fn from_file(path: &Path) -> Result<TokenCounter, ChunkError> {
        let err = |message: String| ChunkError::Tokenizer {
            path: path.display().to_string(),
            message,
        };
        let mut tokenizer =
            tokenizers::Tokenizer::from_file(path).map_err(|e| err(e.to_string()))?;
        tokenizer
            .with_truncation(None)
            .map_err(|e| err(e.to_string()))?;
        tokenizer.with_padding(None);
        Ok(TokenCounter { tokenizer })
    }

    /// Tokens of `text` including the model's special tokens.
    pub fn count(&self, text: &str) -> usize {
        self.tokenizer
            .encode(text, true)
            .map(|e| e.len())
            // A text the tokenizer rejects is counted pessimistically by bytes.
            .unwrap_or(text.len())
    }

    /// The longest start of `text` that is at most `tokens` tokens with the special ones,
    /// cut after a whole word piece: `text` itself when it is short enough.
    pub fn prefix_within<'t>(&self, text: &'t str, tokens: usize) -> &'t str {
        let Ok(encoding) = self.tokenizer.encode(text, false) else {
            return text;
        };
        // [CLS] and [SEP] take two of the tokens.
        let keep = tokens.saturating_sub(2);
        if encoding.len() <= keep {
            return text;
        }
        let end = match keep.checked_sub(1) {
            Some(last) => encoding.get_offsets()[last].1,
            None => 0,
        };
        if text.is_char_boundary(end) {
            text[..end].trim_end()
        } else {
            text
        }
    }

    /// Tokens of `text` without special tokens. WordPiece splits on whitespace first, so the
    /// counts of space-joined pieces add up.
    fn count_plain(&self, text: &str) -> usize {
        self.tokenizer
            .encode(text, false)
            .map(|e| e.len())
            .unwrap_or(text.len())
    }
}

/// Each page's run of chunks, in chunk-table order: [`chunk_corpus`] emits a page's chunks
/// together, so a page is one contiguous range of chunk ids.
pub fn page_ranges(chunks: &[Chunk]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for i in 1..=chunks.len() {
        if i == chunks.len() || chunks[i].concept != chunks[start].concept {
            ranges.push(start..i);
            start = i;
        }
    }
    ranges
}

/// Cuts every section of every page into chunks.
pub fn chunk_corpus(corpus: &Corpus, counter: &TokenCounter, params: ChunkParams) -> Vec<Chunk> {
    let mut out = Vec::new();
    for page in corpus.pages() {
        for section in &page.sections {
            for (position, text) in split_text(
                &section.text,
                &prefix(&page.title, &section.heading),
                counter,
                params,
            )
            .into_iter()
            .enumerate()
            {
                out.push(Chunk {
                    concept: page.id.clone(),
                    title: page.title.clone(),
                    section: section.heading.clone(),
                    anchor: section.anchor.clone(),
                    position: position as u32,
                    text,
                });
            }
        }
    }
    out
}

/// Splits `text` into pieces whose `prefix + "\n" + piece` fits `params.max_tokens`.
pub fn split_text(
    text: &str,
    prefix: &str,
    counter: &TokenCounter,
    params: ChunkParams,
) -> Vec<String> {
    // [CLS] + prefix + [SEP] is the fixed cost of every chunk.
    let budget = params
        .max_tokens
        .saturating_sub(counter.count(prefix))
        .max(16);
    let mut sentences: Vec<(String, usize)> = Vec::new();
    for paragraph in text.split("\n\n") {
        for sentence in paragraph.split_sentence_bounds() {
            let sentence = sentence.trim();
            if sentence.is_empty() {
                continue;
            }
            let tokens = counter.count_plain(sentence);
            if tokens <= budget {
                sentences.push((sentence.to_string(), tokens));
            } else {
                for piece in split_long_sentence(sentence, budget, counter) {
                    let tokens = counter.count_plain(&piece);
                    sentences.push((piece, tokens));
                }
            }
        }
    }

    let mut chunks = Vec::new();
    let mut start = 0;
    while start < sentences.len() {
        let mut end = start;
        let mut used = 0;
        while end < sentences.len() && used + sentences[end].1 <= budget {
            used += sentences[end].1;
            end += 1;
        }
        let end = end.max(start + 1); // split_long_sentence guarantees one sentence fits
        chunks.push(
            sentences[start..end]
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        if end == sentences.len() {
            break;
        }
        // Overlap, but always move forward.
        start = end.saturating_sub(params.overlap_sentences).max(start + 1);
    }
    chunks
}

/// Cuts one over-long sentence at word boundaries into pieces of at most `budget` tokens.
fn split_long_sentence(sentence: &str, budget: usize, counter: &TokenCounter) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for word in sentence.split_whitespace() {
        let tokens = counter.count_plain(word);
        if used + tokens > budget && !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
            used = 0;
        }
        if tokens > budget {
            // A single "word" longer than the budget (a URL, a hash): keep its head only.
            let mut head = String::new();
            for ch in word.chars() {
                head.push(ch);
                if counter.count_plain(&head) > budget {
                    head.pop();
                    break;
                }
            }
            pieces.push(head);
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        used += tokens;
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}
