//! A graph with updates on top: points added since the graph was built are scored exactly,
//! and points of replaced or removed pages are skipped, until a compaction builds a fresh
//! graph ([`crate::update`]).
//!
//! hnsw_rs cannot delete points, and inserting into the flat copy the queries walk would mean
//! rebuilding it. Qdrant does the same with its appendable segments: new points are searched
//! by brute force until its optimizer indexes them. Exact scoring of a few thousand points
//! costs less than a walk of the graph, and it is exact.

use std::sync::Arc;

use super::{dot, VectorIndex};
use crate::retrieve::{ChunkSet, LegHit, RetrieveError, VectorRetriever};

/// [`VectorIndex`] plus points added since its build, minus points no longer live.
pub struct UpdatedVectors {
    base: Arc<VectorIndex>,
    /// The graph's points still live (`None`: all of them).
    alive: Option<ChunkSet>,
    /// Points added since the build: chunk id and unit vector.
    fresh: Arc<Vec<(u32, Vec<f32>)>>,
}

impl UpdatedVectors {
    /// `dead`: the graph's points that no longer count. `fresh`: points added since.
    pub fn new(
        base: Arc<VectorIndex>,
        dead: &[u32],
        fresh: Arc<Vec<(u32, Vec<f32>)>>,
    ) -> UpdatedVectors {
        let alive = (!dead.is_empty()).then(|| {
            let dead = ChunkSet::new(base.len(), dead.iter().map(|&d| d as usize));
            ChunkSet::new(
                base.len(),
                (0..base.len() as u32)
                    .filter(|&id| !dead.contains(id))
                    .map(|id| id as usize),
            )
        });
        UpdatedVectors { base, alive, fresh }
    }
}

impl VectorRetriever for UpdatedVectors {
    fn search(
        &self,
        vector: &[f32],
        limit: usize,
        within: Option<&ChunkSet>,
    ) -> Result<Vec<LegHit>, RetrieveError> {
        let allowed = match (within, &self.alive) {
            (None, None) => None,
            (Some(w), None) => Some(w.clone()),
            (None, Some(a)) => Some(a.clone()),
            (Some(w), Some(a)) => Some(w.intersection(a)),
        };
        let mut hits = self.base.search(vector, limit, allowed.as_ref())?;
        hits.extend(
            self.fresh
                .iter()
                .filter(|(id, _)| within.is_none_or(|w| w.contains(*id)))
                .map(|(id, v)| LegHit {
                    chunk: *id,
                    score: dot(v, vector),
                }),
        );
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.chunk.cmp(&b.chunk)));
        hits.truncate(limit);
        Ok(hits)
    }
}
