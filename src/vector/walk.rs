//! A read-only, flat copy of an hnsw_rs graph, and the HNSW search over it.
//!
//! hnsw_rs builds and stores the graph; queries walk this copy. The walk is the same
//! algorithm (greedy descent through the upper layers, then a best-first search of width `ef`
//! on the bottom layer) over the same links, but its data is laid out for reading: all
//! vectors in one array indexed by chunk id, links as arrays of chunk ids, visited points in a
//! bit set. hnsw_rs's own search allocates three reference-counted nodes per point it keeps
//! and hashes visited ids with SipHash; on SciFact (10,554 chunks, 100 candidates) the flat walk
//! is several times faster (BENCHMARKS.md, "SciFact query latency").

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use hnsw_rs::hnsw::Hnsw;

use super::distance::{dot, UnitDot};

/// The graph, flattened. Point ids are chunk ids (hnsw_rs's "origin ids").
pub(crate) struct FlatGraph {
    dimensions: usize,
    /// Point `i`'s vector is `vectors[i * dimensions..(i + 1) * dimensions]`.
    vectors: Vec<f32>,
    /// Bottom-layer links of point `i`: `links[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    links: Vec<u32>,
    /// Links on layers 1 and up (`upper[l - 1]`), held by the few points that reach them.
    upper: Vec<HashMap<u32, Vec<u32>>>,
    /// Where every search starts: a point on the top layer.
    entry: Option<u32>,
}

impl FlatGraph {
    /// Copies the graph out of hnsw_rs. Fails when the points are not exactly the ids
    /// `0..len` or a link names a point that is not there: a damaged or foreign graph.
    pub(crate) fn from_hnsw(
        hnsw: &Hnsw<'_, f32, UnitDot>,
        dimensions: usize,
    ) -> Result<FlatGraph, String> {
        let indexation = hnsw.get_point_indexation();
        let len = hnsw.get_nb_point();
        let mut vectors = vec![0.0f32; len * dimensions];
        let mut layer0: Vec<Option<Vec<u32>>> = vec![None; len];
        let mut upper: Vec<HashMap<u32, Vec<u32>>> = Vec::new();
        let id_of = |id: usize| -> Result<u32, String> {
            if id < len {
                Ok(id as u32)
            } else {
                Err(format!("point id {id} is outside 0..{len}"))
            }
        };
        for point in indexation {
            let id = id_of(point.get_origin_id())?;
            let slot = &mut layer0[id as usize];
            if slot.is_some() {
                return Err(format!("point {id} appears twice"));
            }
            let v = point.get_v();
            if v.len() != dimensions {
                return Err(format!(
                    "point {id} has {} dimensions, expected {dimensions}",
                    v.len()
                ));
            }
            vectors[id as usize * dimensions..][..dimensions].copy_from_slice(v);
            let mut layers = point.get_neighborhood_id().into_iter();
            let bottom = layers.next().unwrap_or_default();
            *slot = Some(
                bottom
                    .iter()
                    .map(|n| id_of(n.d_id))
                    .collect::<Result<_, _>>()?,
            );
            for (l, neighbours) in layers.enumerate() {
                if upper.len() <= l {
                    upper.resize_with(l + 1, HashMap::new);
                }
                let ids = neighbours
                    .iter()
                    .map(|n| id_of(n.d_id))
                    .collect::<Result<_, _>>()?;
                upper[l].insert(id, ids);
            }
        }
        let mut offsets = Vec::with_capacity(len + 1);
        let mut links = Vec::new();
        offsets.push(0);
        for (id, slot) in layer0.into_iter().enumerate() {
            let ids = slot.ok_or_else(|| format!("point {id} is missing"))?;
            links.extend(ids);
            offsets.push(links.len() as u32);
        }
        // Trim layers that only hold points without links (a single point on top).
        while upper.last().is_some_and(HashMap::is_empty) {
            upper.pop();
        }
        let top = hnsw.get_max_level_observed() as usize;
        let entry = indexation
            .get_layer_iterator(top)
            .next()
            .map(|p| id_of(p.get_origin_id()))
            .transpose()?;
        Ok(FlatGraph {
            dimensions,
            vectors,
            offsets,
            links,
            upper,
            entry,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Point `id`'s bottom-layer links.
    fn links(&self, id: u32) -> &[u32] {
        let i = id as usize;
        &self.links[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    fn vector(&self, id: u32) -> &[f32] {
        &self.vectors[id as usize * self.dimensions..][..self.dimensions]
    }

    /// Hints the CPU to start loading a point's vector into cache.
    #[inline]
    fn prefetch(&self, id: u32) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let v = self.vector(id);
            for line in v.chunks(16) {
                // SAFETY: prefetching is a hint with no effect on memory; the address is in
                // bounds (it is taken from a slice of `vectors`).
                unsafe { _mm_prefetch(line.as_ptr().cast::<i8>(), _MM_HINT_T0) };
            }
        }
    }

    pub(crate) fn distance(&self, query: &[f32], id: u32) -> f32 {
        (1.0 - dot(query, self.vector(id))).max(0.0)
    }

    /// The `limit` nearest points accepted by `keep`, nearest first, as `(id, distance)`.
    /// `ef` is the width of the bottom-layer search (at least `limit`).
    pub(crate) fn search(
        &self,
        query: &[f32],
        limit: usize,
        ef: usize,
        keep: Option<&dyn Fn(u32) -> bool>,
    ) -> Vec<(u32, f32)> {
        let Some(mut current) = self.entry else {
            return Vec::new();
        };
        let mut current_distance = self.distance(query, current);
        for layer in self.upper.iter().rev() {
            // Greedy: move to the nearest linked point until none is nearer.
            loop {
                let mut moved = false;
                for &next in layer.get(&current).into_iter().flatten() {
                    let d = self.distance(query, next);
                    if d < current_distance {
                        (current, current_distance) = (next, d);
                        moved = true;
                    }
                }
                if !moved {
                    break;
                }
            }
        }
        let mut found = self.search_bottom(query, current, current_distance, ef.max(limit), keep);
        found.truncate(limit);
        found
    }

    /// Best-first search of width `ef` on the bottom layer, from `start`.
    fn search_bottom(
        &self,
        query: &[f32],
        start: u32,
        start_distance: f32,
        ef: usize,
        keep: Option<&dyn Fn(u32) -> bool>,
    ) -> Vec<(u32, f32)> {
        let accepts = |id: u32| keep.is_none_or(|k| k(id));
        let mut visited = VisitedSet::new(self.len());
        visited.insert(start);
        // Points to expand, nearest first; and the best `ef` accepted so far, farthest on top.
        let mut frontier = BinaryHeap::with_capacity(ef * 2);
        let mut best: BinaryHeap<Candidate> = BinaryHeap::with_capacity(ef + 1);
        frontier.push(Reverse(Candidate(start_distance, start)));
        if accepts(start) {
            best.push(Candidate(start_distance, start));
        }
        while let Some(Reverse(Candidate(distance, id))) = frontier.pop() {
            if best.len() >= ef && best.peek().is_some_and(|f| distance > f.0) {
                break;
            }
            // Mark the unvisited links and ask the memory system for all their vectors at once:
            // the walk waits on memory more than it computes, and the loads then overlap.
            for batch in self.links(id).chunks(64) {
                let mut fresh = [0u32; 64];
                let mut n = 0;
                for &next in batch {
                    if visited.insert(next) {
                        self.prefetch(next);
                        fresh[n] = next;
                        n += 1;
                    }
                }
                for &next in &fresh[..n] {
                    let d = self.distance(query, next);
                    let worst = best.peek().map_or(f32::INFINITY, |f| f.0);
                    if best.len() < ef || d < worst {
                        frontier.push(Reverse(Candidate(d, next)));
                        if accepts(next) {
                            best.push(Candidate(d, next));
                            if best.len() > ef {
                                best.pop();
                            }
                        }
                    }
                }
            }
        }
        let mut out: Vec<(u32, f32)> = best.into_iter().map(|c| (c.1, c.0)).collect();
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        out
    }
}

/// `(distance, id)`, ordered by distance and then id, so heaps are total and deterministic.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate(f32, u32);

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// One bit per point: 1.3 KB for 10,000 points, cleared per query at the cost of a memset.
struct VisitedSet(Vec<u64>);

impl VisitedSet {
    fn new(len: usize) -> VisitedSet {
        VisitedSet(vec![0; len.div_ceil(64)])
    }

    /// True when `id` was not in the set.
    fn insert(&mut self, id: u32) -> bool {
        let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
        match self.0.get_mut(word) {
            Some(w) if *w & bit == 0 => {
                *w |= bit;
                true
            }
            _ => false,
        }
    }
}
