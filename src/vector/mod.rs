//! The semantic leg: an HNSW graph over unit-length chunk embeddings.
//!
//! hnsw_rs builds the graph and writes it to disk; [`walk`] searches a flat copy of it
//! (see there for why). hnsw_rs cannot delete points. The design does not need it to: every
//! build writes a new generation with a fresh graph, and anything that must be hidden at query
//! time (a section, a group) is expressed as a filter over chunk ids, applied during the walk.

mod distance;
mod updated;
mod walk;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use hnsw_rs::api::AnnT;
use hnsw_rs::hnsw::Hnsw;
use hnsw_rs::hnswio::HnswIo;
use serde::{Deserialize, Serialize};

use crate::retrieve::{ChunkSet, LegHit, RetrieveError, VectorRetriever};
pub use distance::{dot, UnitDot};
pub use updated::UpdatedVectors;
use walk::FlatGraph;

/// Base name of the dumped graph: `vectors.hnsw.graph` and `vectors.hnsw.data`.
pub const BASENAME: &str = "vectors";

/// HNSW parameters. `m` and `ef_construction` shape the graph and are recorded in the
/// manifest; `ef_search` is a query-time knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HnswParams {
    /// Links per node (hnsw_rs keeps twice as many on the bottom layer).
    pub m: usize,
    /// Candidate list size while inserting: higher builds slower and finds better neighbours.
    pub ef_construction: usize,
    /// Candidate list size while searching; raised to `limit` when smaller.
    pub ef_search: usize,
}

/// `m` 12: on SciFact (10,554 chunks) recall@10 against exact search is 0.997 (16: 0.998,
/// 8: 0.993) and the walk visits a quarter fewer points than at 16 (BENCHMARKS.md).
impl Default for HnswParams {
    fn default() -> Self {
        HnswParams {
            m: 12,
            ef_construction: 200,
            ef_search: 96,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    #[error("vector index at {path}: {message}")]
    Load { path: String, message: String },
    #[error("vector index dump failed: {0}")]
    Dump(String),
    #[error("vector {index} has {found} dimensions, expected {expected}")]
    Dimensions {
        index: usize,
        found: usize,
        expected: usize,
    },
}

/// An HNSW graph over chunk vectors; point ids are chunk ids.
pub struct VectorIndex {
    graph: FlatGraph,
    /// hnsw_rs's graph, kept after a build for [`VectorIndex::dump`] and
    /// [`VectorIndex::hnsw_rs_search`]; a loaded index drops it and keeps only the flat copy.
    built: Option<Hnsw<'static, f32, UnitDot>>,
    dimensions: usize,
    ef_search: usize,
}

impl VectorIndex {
    /// Builds the graph. `vectors[i]` is chunk `i`'s unit vector.
    pub fn build(
        vectors: &[Vec<f32>],
        dimensions: usize,
        params: HnswParams,
    ) -> Result<VectorIndex, VectorError> {
        for (index, v) in vectors.iter().enumerate() {
            if v.len() != dimensions {
                return Err(VectorError::Dimensions {
                    index,
                    found: v.len(),
                    expected: dimensions,
                });
            }
        }
        let max_layer = 16;
        let hnsw = Hnsw::new(
            params.m,
            vectors.len().max(1),
            max_layer,
            params.ef_construction,
            UnitDot,
        );
        let data: Vec<(&Vec<f32>, usize)> = vectors.iter().zip(0..).collect();
        hnsw.parallel_insert(&data);
        let mut hnsw = hnsw;
        hnsw.set_searching_mode(true);
        let graph = FlatGraph::from_hnsw(&hnsw, dimensions).map_err(VectorError::Dump)?;
        Ok(VectorIndex {
            graph,
            built: Some(hnsw),
            dimensions,
            ef_search: params.ef_search,
        })
    }

    /// Writes `vectors.hnsw.graph` and `vectors.hnsw.data` into `dir`. Only a freshly built
    /// index has hnsw_rs's graph to write.
    pub fn dump(&self, dir: &Path) -> Result<(), VectorError> {
        let hnsw = self.built.as_ref().ok_or_else(|| {
            VectorError::Dump(
                "a loaded index is already on disk; only a built one is dumped".into(),
            )
        })?;
        let written = hnsw
            .file_dump(dir, BASENAME)
            .map_err(|e| VectorError::Dump(e.to_string()))?;
        if written != BASENAME {
            return Err(VectorError::Dump(format!(
                "hnsw_rs wrote basename {written}, expected {BASENAME} (files already there?)"
            )));
        }
        Ok(())
    }

    /// Loads a dumped graph. The caller checks file checksums first; hnsw_rs asserts on some
    /// malformed input, so a panic while loading is caught and reported as a load error.
    pub fn load(
        dir: &Path,
        dimensions: usize,
        ef_search: usize,
    ) -> Result<VectorIndex, VectorError> {
        let err = |message: String| VectorError::Load {
            path: dir.display().to_string(),
            message,
        };
        // hnsw_rs ties the graph's lifetime to its loader. Without mmap the graph owns its data
        // and the loader is a few paths, so it is leaked once per generation loaded.
        let hnsw = catch_unwind(AssertUnwindSafe(|| {
            let loader: &'static mut HnswIo = Box::leak(Box::new(HnswIo::new(dir, BASENAME)));
            loader.load_hnsw::<f32, UnitDot>()
        }))
        .map_err(|_| err("the graph files are malformed".into()))?
        .map_err(|e| err(e.to_string()))?;
        if hnsw.get_nb_point() > 0 && hnsw.get_point_indexation().get_data_dimension() != dimensions
        {
            return Err(err(format!(
                "graph has {} dimensions, the manifest says {dimensions}",
                hnsw.get_point_indexation().get_data_dimension()
            )));
        }
        let graph = FlatGraph::from_hnsw(&hnsw, dimensions).map_err(err)?;
        Ok(VectorIndex {
            graph,
            built: None,
            dimensions,
            ef_search,
        })
    }

    pub fn len(&self) -> usize {
        self.graph.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn set_ef_search(&mut self, ef_search: usize) {
        self.ef_search = ef_search;
    }

    /// The `limit` nearest chunks accepted by `keep`, most similar first.
    pub fn search_filtered(
        &self,
        vector: &[f32],
        limit: usize,
        keep: Option<&dyn Fn(&usize) -> bool>,
    ) -> Result<Vec<LegHit>, RetrieveError> {
        if vector.len() != self.dimensions {
            return Err(RetrieveError {
                leg: "semantic",
                message: format!(
                    "query vector has {} dimensions, the index {}",
                    vector.len(),
                    self.dimensions
                ),
            });
        }
        if limit == 0 || self.is_empty() {
            return Ok(Vec::new());
        }
        let ef = self.ef_search.max(limit);
        let keep = keep.map(|k| move |id: u32| k(&(id as usize)));
        Ok(self
            .graph
            .search(
                vector,
                limit,
                ef,
                keep.as_ref().map(|k| k as &dyn Fn(u32) -> bool),
            )
            .into_iter()
            .map(|(chunk, distance)| LegHit {
                chunk,
                score: 1.0 - distance,
            })
            .collect())
    }

    /// hnsw_rs's own search over the same graph, on a freshly built index (`None` once
    /// loaded): the reference the flat walk is tested against.
    pub fn hnsw_rs_search(&self, vector: &[f32], limit: usize) -> Option<Vec<LegHit>> {
        let hnsw = self.built.as_ref()?;
        Some(
            hnsw.search(vector, limit, self.ef_search.max(limit))
                .into_iter()
                .map(|n| LegHit {
                    chunk: n.d_id as u32,
                    score: 1.0 - n.distance,
                })
                .collect(),
        )
    }
}

impl VectorRetriever for VectorIndex {
    fn search(
        &self,
        vector: &[f32],
        limit: usize,
        within: Option<&ChunkSet>,
    ) -> Result<Vec<LegHit>, RetrieveError> {
        let Some(set) = within else {
            return self.search_filtered(vector, limit, None);
        };
        // A walk that may only return a few points wanders the whole graph to find them; below
        // this share it is cheaper, and exact, to score the allowed points directly.
        if set.len() * EXACT_BELOW_SHARE < self.len() || set.len() <= self.ef_search.max(limit) {
            return self.exact_within(vector, limit, set);
        }
        let keep = |id: &usize| u32::try_from(*id).is_ok_and(|c| set.contains(c));
        self.search_filtered(vector, limit, Some(&keep))
    }
}

/// A filter that keeps fewer than one point in this many is searched exactly.
const EXACT_BELOW_SHARE: usize = 10;

impl VectorIndex {
    /// The nearest points of `set` by brute force.
    fn exact_within(
        &self,
        vector: &[f32],
        limit: usize,
        set: &ChunkSet,
    ) -> Result<Vec<LegHit>, RetrieveError> {
        if vector.len() != self.dimensions {
            return self.search_filtered(vector, limit, None);
        }
        let mut all: Vec<LegHit> = set
            .iter()
            .filter(|&id| (id as usize) < self.len())
            .map(|id| LegHit {
                chunk: id,
                score: 1.0 - self.graph.distance(vector, id),
            })
            .collect();
        all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.chunk.cmp(&b.chunk)));
        all.truncate(limit);
        Ok(all)
    }
}

/// Exact nearest neighbours by brute force: the ground truth HNSW recall is measured against.
pub fn exact_search(vectors: &[Vec<f32>], query: &[f32], limit: usize) -> Vec<LegHit> {
    let mut all: Vec<LegHit> = vectors
        .iter()
        .enumerate()
        .map(|(i, v)| LegHit {
            chunk: i as u32,
            score: dot(v, query),
        })
        .collect();
    all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.chunk.cmp(&b.chunk)));
    all.truncate(limit);
    all
}
