//! The two retrieval legs as small traits: the seam where another engine can be plugged in.
//!
//! The embedded defaults are [`crate::keyword::KeywordIndex`] (tantivy, BM25) and
//! [`crate::vector::VectorIndex`] (hnsw_rs). A deployment that outgrows one machine can
//! implement these traits over an existing distributed engine (OpenSearch or Quickwit for
//! keywords, Qdrant for vectors) and keep fusion, grouping, answers and the HTTP API as they are.
//! Both legs speak in chunk ids, the positions of chunks in the generation's chunk table, and
//! a metadata filter reaches them as the set of chunk ids it allows ([`ChunkSet`]); a remote
//! engine would translate the page filter into its own filter instead.

use serde::{Deserialize, Serialize};

pub use crate::keyword::QueryWord;
use crate::named::from_name_table;
use crate::spelling::Spelling;

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

/// A keyword search: the query's words as the leg reads them ([`KeywordRetriever::words`]) and
/// what the engine read from the text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeywordQuery<'a> {
    pub words: &'a [QueryWord],
    /// The question asks to compare two things (one grammar decides:
    /// [`crate::answer::question::asks_for_comparison`]), so comparison pages' side names
    /// count as names.
    pub comparison: bool,
}

/// The chunks a filtered search may return: every chunk of every page that passes the
/// request's metadata filter. Cheap to clone (the bits are shared), because tantivy's filter
/// collector wants a predicate it can own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSet {
    bits: std::sync::Arc<[u64]>,
    len: usize,
}

impl ChunkSet {
    /// The set of `ids`, out of a table of `total` chunks (ids beyond it are ignored).
    pub fn new(total: usize, ids: impl IntoIterator<Item = usize>) -> ChunkSet {
        let mut bits = vec![0u64; total.div_ceil(64)];
        let mut len = 0;
        for id in ids.into_iter().filter(|&id| id < total) {
            let (word, bit) = (id / 64, 1u64 << (id % 64));
            if bits[word] & bit == 0 {
                bits[word] |= bit;
                len += 1;
            }
        }
        ChunkSet {
            bits: bits.into(),
            len,
        }
    }

    pub fn contains(&self, id: u32) -> bool {
        let id = id as usize;
        self.bits
            .get(id / 64)
            .is_some_and(|w| w & (1u64 << (id % 64)) != 0)
    }

    /// The chunks in both sets (as large as the larger table).
    pub fn intersection(&self, other: &ChunkSet) -> ChunkSet {
        let words = self.bits.len().max(other.bits.len());
        let bits: Vec<u64> = (0..words)
            .map(|i| self.bits.get(i).unwrap_or(&0) & other.bits.get(i).unwrap_or(&0))
            .collect();
        let len = bits.iter().map(|w| w.count_ones() as usize).sum();
        ChunkSet {
            bits: bits.into(),
            len,
        }
    }

    /// How many chunks the set holds.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The members, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, &word)| {
            (0..64u32)
                .filter(move |b| word & (1u64 << b) != 0)
                .map(move |b| w as u32 * 64 + b)
        })
    }
}

/// Ranks chunks by the words of a query.
pub trait KeywordRetriever: Send + Sync {
    /// The words of raw user text as this leg matches them: each word's term, and the index
    /// words a misspelled or half-typed word stands for under `spelling`. Computed once per
    /// search, for [`KeywordRetriever::search`] and for highlighting what actually matched.
    /// Never fails on odd input: any text is a valid query (operators and punctuation are not
    /// syntax).
    fn words(&self, text: &str, spelling: Spelling) -> Vec<QueryWord>;

    /// The best `limit` chunks for the query's words, best first, only from `within` when
    /// given.
    fn search(
        &self,
        query: KeywordQuery<'_>,
        limit: usize,
        within: Option<&ChunkSet>,
    ) -> Result<Vec<LegHit>, RetrieveError>;

    /// What one hit stands for: with [`KeywordUnit::Page`] the engine chooses the passage.
    fn unit(&self) -> KeywordUnit;
}

/// Ranks chunks by similarity to a query vector.
pub trait VectorRetriever: Send + Sync {
    /// The `limit` nearest chunks to a unit vector, most similar first, only from `within`
    /// when given.
    fn search(
        &self,
        vector: &[f32],
        limit: usize,
        within: Option<&ChunkSet>,
    ) -> Result<Vec<LegHit>, RetrieveError>;
}

#[cfg(test)]
mod tests {
    use super::ChunkSet;

    #[test]
    fn chunk_sets_hold_what_they_are_given() {
        let set = ChunkSet::new(130, [0, 5, 64, 129, 129, 500]);
        assert_eq!(set.len(), 4);
        assert!(set.contains(64) && set.contains(129) && !set.contains(1) && !set.contains(500));
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![0, 5, 64, 129]);
        let both = set.intersection(&ChunkSet::new(70, [5, 6, 64]));
        assert_eq!(both.iter().collect::<Vec<_>>(), vec![5, 64]);
        assert_eq!(both.len(), 2);
    }
}
