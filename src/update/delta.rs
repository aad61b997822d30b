//! The live generation with the pushes it lacks applied in place: the keyword index updated
//! by tantivy delete + add, the vector leg with new points scored exactly and replaced ones
//! skipped ([`UpdatedVectors`]), the chunk table and pages extended. Each application makes a
//! new engine; the generation on disk is never touched.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use crate::chunk::{chunk_corpus, page_ranges, Chunk, ChunkParams, TokenCounter};
use crate::corpus::{Change, Corpus, Fingerprint, Page, Profile, ReadOptions};
use crate::embed::{embed_cached, Embed, EmbeddingCache};
use crate::engine::{EmbeddedGeneration, Engine, EngineConfig, Parts};
use crate::indexer::keyword_fields;
use crate::keyword::{KeywordWriter, Language};
use crate::retrieve::VectorRetriever;
use crate::store::{Lease, Store, KEYWORD_DIR};
use crate::vector::{UpdatedVectors, VectorIndex};

use super::UpdateError;

/// Where a generation's updated keyword index is written (inside the generation's folder, so
/// that it is swept with it).
const UPDATES_DIR: &str = "updates";

/// What applying changes needs besides the delta.
pub(super) struct Tools<'a> {
    pub model: &'a dyn Embed,
    pub cache: &'a mut EmbeddingCache,
    pub counter: &'a TokenCounter,
    pub read: &'a ReadOptions,
    pub batch_size: usize,
}

/// One generation and the changes applied on top of it.
pub(super) struct Delta {
    generation: String,
    lease: Option<Arc<Lease>>,
    keyword: KeywordWriter,
    base_vectors: Option<Arc<VectorIndex>>,
    /// Chunks of the generation itself; ids from here on are added ones.
    base_chunks: usize,
    chunks: Vec<Chunk>,
    /// Each live page's chunk ids.
    ranges: HashMap<String, Range<usize>>,
    /// Chunks of the generation no longer live.
    dead: Vec<u32>,
    /// Added chunks still live, with their vectors.
    fresh: Vec<(u32, Vec<f32>)>,
    pages: Corpus,
    /// The pushes the pages reflect.
    applied: Fingerprint,
    updates: u64,
    language: Language,
    chunk_params: ChunkParams,
    semantic: bool,
}

impl Delta {
    /// The live generation of `store`, with nothing applied yet.
    pub fn open(
        store: &Store,
        model: &dyn Embed,
        config: &EngineConfig,
        profile: Profile,
    ) -> Result<Delta, UpdateError> {
        let read = EmbeddedGeneration::read(store, model.identity(), config)?;
        let manifest = read.generation.manifest;
        let dir = read.generation.dir;
        let lease = store.lease(&manifest.generation).ok().map(Arc::new);
        let keyword = KeywordWriter::open_copy(
            &dir.join(KEYWORD_DIR),
            &dir.join(UPDATES_DIR).join(KEYWORD_DIR),
            config.boosts,
            manifest.keyword,
        )?;
        let ranges = page_ranges(&read.chunks)
            .into_iter()
            .map(|r| (read.chunks[r.start].concept.clone(), r))
            .collect();
        Ok(Delta {
            generation: manifest.generation.clone(),
            lease,
            keyword,
            base_vectors: read.vectors.map(Arc::new),
            base_chunks: read.chunks.len(),
            chunks: read.chunks,
            ranges,
            dead: Vec::new(),
            fresh: Vec::new(),
            pages: read.pages.with_profile(profile),
            applied: manifest.pushed,
            updates: 0,
            language: manifest.keyword.language,
            chunk_params: manifest.chunker,
            semantic: manifest.semantic,
        })
    }

    /// The generation this delta is over.
    pub fn generation(&self) -> &str {
        &self.generation
    }

    /// The pages as they are with the changes applied.
    pub fn pages(&self) -> &Corpus {
        &self.pages
    }

    /// Of `changes`, those the pages do not reflect yet.
    pub fn missing(&self, changes: &[Change]) -> Vec<Change> {
        changes
            .iter()
            .filter(|c| self.applied.get(&c.id) != Some(&c.fingerprint()))
            .cloned()
            .collect()
    }

    /// The generation's points that no longer count plus the points added since, as a share
    /// of the generation's: what decides when to compact.
    pub fn churn(&self) -> f64 {
        (self.dead.len() + self.fresh.len()) as f64 / self.base_chunks.max(1) as f64
    }

    /// Dead and fresh points, for metrics.
    pub fn points(&self) -> (usize, usize) {
        (self.dead.len(), self.fresh.len())
    }

    /// Applies those of `changes` (one per page id) the pages lack. The changes were validated
    /// when accepted; they are validated again against the pages as they are now (the
    /// generation may have changed since), and a change that no longer fits fails the whole
    /// application, which then changes nothing.
    pub fn apply(&mut self, changes: &[Change], tools: &mut Tools<'_>) -> Result<(), UpdateError> {
        let todo = self.missing(changes);
        if todo.is_empty() {
            return Ok(());
        }
        let pages = self
            .pages
            .with_changes(&todo, tools.read)
            .map_err(UpdateError::Invalid)?;
        let added: Vec<Page> = todo
            .iter()
            .filter(|c| c.source.is_some())
            .filter_map(|c| pages.get(&c.id).cloned())
            .collect();
        let new_chunks = chunk_corpus(
            &Corpus::from_pages(added, String::new()),
            tools.counter,
            self.chunk_params,
        );
        // Embed first: a failure of the model leaves everything as it was.
        let vectors = if self.semantic && !new_chunks.is_empty() {
            let texts: Vec<String> = new_chunks.iter().map(Chunk::embedding_text).collect();
            let started = std::time::Instant::now();
            let vectors = embed_cached(
                tools.model,
                tools.cache,
                &texts,
                tools.batch_size,
                &mut |_, _| {},
            )?;
            metrics::histogram!("landscape_update_embedding_seconds")
                .record(started.elapsed().as_secs_f64());
            vectors
        } else {
            Vec::new()
        };
        for change in &todo {
            self.keyword.delete_page(&change.id);
            if let Some(range) = self.ranges.remove(&change.id) {
                self.retire(range);
            }
        }
        let first = self.chunks.len();
        self.keyword
            .add(&new_chunks, first, &|id| keyword_fields(&pages, id))?;
        for range in page_ranges(&new_chunks) {
            let id = new_chunks[range.start].concept.clone();
            self.ranges
                .insert(id, first + range.start..first + range.end);
        }
        self.fresh.extend(
            vectors
                .into_iter()
                .enumerate()
                .map(|(i, v)| ((first + i) as u32, v)),
        );
        self.chunks.extend(new_chunks);
        self.pages = pages;
        for change in &todo {
            self.applied.insert(change.id.clone(), change.fingerprint());
        }
        self.updates += 1;
        Ok(())
    }

    /// Takes a replaced or removed page's chunks out of the legs.
    fn retire(&mut self, range: Range<usize>) {
        if range.start >= self.base_chunks {
            self.fresh
                .retain(|(id, _)| !range.contains(&(*id as usize)));
        } else {
            self.dead.extend(range.map(|id| id as u32));
        }
    }

    /// An engine serving the pages as they are now, in the place of `previous`.
    pub fn engine(&mut self, previous: &Engine) -> Result<Engine, UpdateError> {
        let keyword = self.keyword.commit()?;
        let vectors = self.base_vectors.as_ref().map(|base| {
            Box::new(UpdatedVectors::new(
                base.clone(),
                &self.dead,
                Arc::new(self.fresh.clone()),
            )) as Box<dyn VectorRetriever>
        });
        let generation = if self.updates == 0 {
            self.generation.clone()
        } else {
            format!("{}+{}", self.generation, self.updates)
        };
        let parts = Parts {
            generation,
            pages: self.pages.clone(),
            chunks: self.chunks.clone(),
            keyword: Box::new(keyword),
            vectors,
            language: self.language,
        };
        Ok(previous.successor(parts, self.lease.clone(), self.ranges.clone()))
    }
}
