//! The two retrieval legs as small traits: the seam where another engine can be plugged in.
//!
//! The embedded defaults are [`crate::keyword::KeywordIndex`] (tantivy, BM25) and
//! [`crate::vector::VectorIndex`] (hnsw_rs). A deployment that outgrows one machine can
//! implement these traits over an existing distributed engine (OpenSearch or Quickwit for
//! keywords, Qdrant for vectors) and keep fusion, grouping, answers and the HTTP API as they are.
//! Both legs speak in chunk ids, the positions of chunks in the generation's chunk table.

use serde::{Deserialize, Serialize};

use crate::named::from_name_table;

/// One chunk found by one leg, with that leg's own score (BM25, or cosine similarity).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegHit {
    pub chunk: u32,
    pub score: f32,
}

#[derive(Debug, thiserror::Error)]
#[error("{leg} search failed: {message}")]
pub struct RetrieveError {
    pub leg: &'static str,
    pub message: String,
}

/// What the keyword leg scores. Chunks exist for the embedding model's 256-token window; BM25
/// has no such limit, and a page scored whole sees all of its matching words at once instead
/// of the best chunk's share of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeywordUnit {
    /// One document per chunk: a hit names the chunk that matched.
    Chunk,
    /// One document per page (all its text): a hit names the page's first chunk, and the
    /// engine picks the passage to show.
    #[default]
    Page,
}

from_name_table!(
    KeywordUnit,
    "keyword unit",
    &[("chunk", KeywordUnit::Chunk), ("page", KeywordUnit::Page)]
);

/// A keyword search: the user's text and what the engine read from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeywordQuery<'a> {
    /// Raw user text, trimmed.
    pub text: &'a str,
    /// The question asks to compare two things (one grammar decides:
    /// [`crate::answer::question::asks_for_comparison`]), so comparison pages' side names
    /// count as names.
    pub comparison: bool,
}

/// Ranks chunks by the words of a query.
pub trait KeywordRetriever: Send + Sync {
    /// The best `limit` chunks for raw user text, best first. Never fails on odd input: any
    /// text is a valid query (operators and punctuation are not syntax).
    fn search(&self, query: KeywordQuery<'_>, limit: usize) -> Result<Vec<LegHit>, RetrieveError>;

    /// What one hit stands for: with [`KeywordUnit::Page`] the engine chooses the passage.
    fn unit(&self) -> KeywordUnit;
}

/// Ranks chunks by similarity to a query vector.
pub trait VectorRetriever: Send + Sync {
    /// The `limit` nearest chunks to a unit vector, most similar first.
    fn search(&self, vector: &[f32], limit: usize) -> Result<Vec<LegHit>, RetrieveError>;
}
