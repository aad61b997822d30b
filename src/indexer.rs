//! The indexing path: corpus → chunks → keyword index + embeddings → HNSW → a new generation.
//!
//! Nothing here is visible to searchers until [`crate::store::Build::commit`] flips the
//! generation pointer at the very end.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::chunk::{chunk_corpus, Chunk, ChunkParams, TokenCounter};
use crate::corpus::{Corpus, CorpusError, ReadOptions};
use crate::embed::{embed_cached, Embed, EmbedError, EmbeddingCache};
use crate::keyword::{self, KeywordError, KeywordParams, PageFields};
use crate::store::{self, Manifest, Store, StoreError, CHUNKS_FILE, KEYWORD_DIR, PAGES_FILE};
use crate::vector::{HnswParams, VectorError, VectorIndex};

/// Everything that shapes a build. Recorded in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BuildOptions {
    pub chunk: ChunkParams,
    pub hnsw: HnswParams,
    pub keyword: KeywordParams,
    /// Texts per model call. ONNX Runtime's memory grows with it (about 1 GB at 16).
    pub batch_size: usize,
    /// Whether to embed chunks and build the vector index; without it the generation serves
    /// keyword search only (a site the English model cannot read).
    pub semantic: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            chunk: ChunkParams::default(),
            hnsw: HnswParams::default(),
            keyword: KeywordParams::default(),
            batch_size: 8,
            semantic: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error(transparent)]
    Keyword(#[from] KeywordError),
    #[error(transparent)]
    Vector(#[from] VectorError),
    #[error("pushed pages: {0}")]
    Pushed(String),
    #[error("the corpus produced no chunks")]
    NoChunks,
    #[error("nothing was indexed from {dir}: {source}")]
    Corpus {
        dir: String,
        #[source]
        source: CorpusError,
    },
}

/// What [`refresh`] did to the live generation.
#[derive(Debug)]
pub enum Refresh {
    /// It was already built from this corpus, model and options.
    UpToDate,
    Built(BuildReport),
    /// The corpus could not be indexed (a malformed page, say) and the previous generation
    /// stays live; the error says why, so that it can be reported without stopping service.
    KeptPrevious(BuildError),
}

/// Brings the live generation of `store` up to date with the corpus in `corpus_dir`, building
/// only when something changed (or when `force`d). This is the serving policy: a broken corpus
/// never takes down a working index. When there is no previous generation to keep, the error
/// is returned instead.
#[allow(clippy::too_many_arguments)]
pub fn refresh(
    store: &Store,
    corpus_dir: &Path,
    read: &ReadOptions,
    model: &dyn Embed,
    counter: &TokenCounter,
    options: &BuildOptions,
    force: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Refresh, BuildError> {
    let mut attempt = || -> Result<Refresh, BuildError> {
        let corpus = load_corpus(store, corpus_dir, read)?;
        if !force && is_up_to_date(store, &corpus, model, options)? {
            return Ok(Refresh::UpToDate);
        }
        Ok(Refresh::Built(build(
            store, &corpus, model, counter, options, progress,
        )?))
    };
    match attempt() {
        Err(e) if store.current_name().ok().flatten().is_some() => Ok(Refresh::KeptPrevious(e)),
        other => other,
    }
}

/// The corpus folder with the pages pushed into `store` over it
/// ([`crate::update::pushed`]): what every build indexes.
pub fn load_corpus(
    store: &Store,
    corpus_dir: &Path,
    read: &ReadOptions,
) -> Result<Corpus, BuildError> {
    let overlay = match crate::update::pushed::PushedPages::existing(store.root()) {
        Ok(Some(pushed)) => pushed.load(),
        Ok(None) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
    .map_err(|e| BuildError::Pushed(e.to_string()))?;
    Corpus::load_overlaid(corpus_dir, read, &overlay).map_err(|source| BuildError::Corpus {
        dir: corpus_dir.display().to_string(),
        source,
    })
}

/// What a build did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub manifest: Manifest,
    /// Chunks whose vectors had to be computed.
    pub embedded: usize,
    /// Chunks whose vectors came from the cache.
    pub cached: usize,
    pub elapsed: Duration,
}

/// True when the live generation was built from this corpus, model and options, so a build
/// would produce the same index again.
pub fn is_up_to_date(
    store: &Store,
    corpus: &Corpus,
    model: &dyn Embed,
    options: &BuildOptions,
) -> Result<bool, StoreError> {
    Ok(store.current_manifest()?.is_some_and(|m| {
        m.format_version == store::FORMAT_VERSION
            && m.corpus_hash == corpus.hash()
            && m.model == *model.identity()
            && m.chunker == options.chunk
            && m.keyword == options.keyword
            && m.semantic == options.semantic
            && m.hnsw.m == options.hnsw.m
            && m.hnsw.ef_construction == options.hnsw.ef_construction
    }))
}

/// Builds a new generation from `corpus` and makes it live.
/// `progress(done, total)` reports embedding progress.
pub fn build(
    store: &Store,
    corpus: &Corpus,
    model: &dyn Embed,
    counter: &TokenCounter,
    options: &BuildOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let build = store.begin_build()?;
    let dir = build.dir().to_path_buf();
    tracing::info!(generation = build.name(), "building");

    let chunks: Vec<Chunk> = chunk_corpus(corpus, counter, options.chunk);
    if chunks.is_empty() {
        return Err(BuildError::NoChunks);
    }
    store::write_json(&dir, CHUNKS_FILE, &chunks)?;
    store::write_json(&dir, PAGES_FILE, &corpus.pages())?;

    let keyword_dir = dir.join(KEYWORD_DIR);
    std::fs::create_dir(&keyword_dir).map_err(|source| StoreError::Io {
        path: keyword_dir.clone(),
        source,
    })?;
    let page_fields = |id: &str| keyword_fields(corpus, id);
    keyword::build(&keyword_dir, &chunks, &page_fields, options.keyword)?;

    let (mut embedded, mut cached) = (0, 0);
    if options.semantic {
        let mut cache = EmbeddingCache::open(&store.embeddings_dir(), model.identity())?;
        let texts: Vec<String> = chunks.iter().map(Chunk::embedding_text).collect();
        cached = texts.iter().filter(|t| cache.get(t).is_some()).count();
        embedded = texts.len() - cached;
        let vectors = embed_cached(model, &mut cache, &texts, options.batch_size, progress)?;
        let index = VectorIndex::build(&vectors, model.identity().dimensions, options.hnsw)?;
        index.dump(&dir)?;
    }

    let manifest = manifest_for(corpus, model, options, chunks.len());
    let manifest = build.commit(manifest)?;
    tracing::info!(generation = %manifest.generation, chunks = manifest.chunks, "generation is live");
    Ok(BuildReport {
        manifest,
        embedded,
        cached,
        elapsed: started.elapsed(),
    })
}

/// What the keyword index holds for a page besides its chunks. A comparison page is also known
/// by the names of both its sides, in a field that only comparison questions ("RAG vs
/// fine-tuning") search.
pub(crate) fn keyword_fields(corpus: &Corpus, id: &str) -> PageFields {
    let Some(page) = corpus.get(id) else {
        return PageFields::default();
    };
    let mut sides = Vec::new();
    for side in page.compares.iter().filter_map(|s| corpus.get(s)) {
        sides.push(side.title.clone());
        sides.extend(side.aliases.iter().cloned());
    }
    // Code blocks are searched by keyword only (they are not embedded), in a field of their own.
    let code = page
        .sections
        .iter()
        .filter(|s| !s.code.is_empty())
        .map(|s| (s.anchor.clone(), s.code.clone()))
        .collect::<Vec<_>>();
    let text = page
        .sections
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    let headings = page
        .sections
        .iter()
        .filter(|s| !s.heading.is_empty())
        .map(|s| (s.anchor.clone(), s.heading.clone()))
        .collect();
    PageFields {
        aliases: page.aliases.clone(),
        sides,
        text,
        code,
        headings,
    }
}

/// The manifest of a build; the store fills in the generation's name and files on commit.
fn manifest_for(
    corpus: &Corpus,
    model: &dyn Embed,
    options: &BuildOptions,
    chunks: usize,
) -> Manifest {
    Manifest {
        format_version: store::FORMAT_VERSION,
        generation: String::new(),
        created_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        corpus_hash: corpus.hash().to_string(),
        model: model.identity().clone(),
        chunker: options.chunk,
        keyword: options.keyword,
        hnsw: options.hnsw,
        semantic: options.semantic,
        pages: corpus.pages().len(),
        chunks,
        pushed: corpus.pushed().clone(),
        files: Default::default(),
    }
}
