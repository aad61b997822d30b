//! The two retrieval legs as small traits: the seam where another engine can be plugged in.
//!
//! The embedded defaults are [`crate::keyword::KeywordIndex`] (tantivy, BM25) and
//! [`crate::vector::VectorIndex`] (hnsw_rs). A deployment that outgrows one machine can
//! implement these traits over an existing distributed engine (OpenSearch or Quickwit for
//! keywords, Qdrant for vectors) and keep fusion, grouping, answers and the HTTP API as they are.
//! Both legs speak in chunk ids, the positions of chunks in the generation's chunk table.

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

/// Ranks chunks by the words of a query.
pub trait KeywordRetriever: Send + Sync {
    /// The best `limit` chunks for raw user text, best first. Never fails on odd input: any
    /// text is a valid query (operators and punctuation are not syntax).
    fn search(&self, query: &str, limit: usize) -> Result<Vec<LegHit>, RetrieveError>;
}

/// Ranks chunks by similarity to a query vector.
pub trait VectorRetriever: Send + Sync {
    /// The `limit` nearest chunks to a unit vector, most similar first.
    fn search(&self, vector: &[f32], limit: usize) -> Result<Vec<LegHit>, RetrieveError>;
}
