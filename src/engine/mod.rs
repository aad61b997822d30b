//! The query path: a loaded generation that answers searches.
//!
//! A search runs the keyword leg and/or the semantic leg for chunk candidates, fuses them,
//! groups chunks into pages (the page's best chunk becomes its passage), and decorates each
//! page with its title, ancestry and highlighted passage.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use lru::LruCache;
use serde::{Deserialize, Serialize};
use tantivy::tokenizer::TextAnalyzer;

use crate::answer::resolve::NameIndex;
use crate::answer::{self, Answer};
use crate::chunk::{page_ranges, Chunk};
use crate::corpus::{Corpus, Page, PageKind};
use crate::embed::{Embed, EmbedError, ModelIdentity};
use crate::fusion::{self, Aggregation, FusedHit, Fusion, GroupedHit, LegRank};
use crate::keyword::{self, FieldBoosts, KeywordError, KeywordIndex, KeywordUnit, Language};
use crate::named::from_name_table;
pub use crate::request::{Mode, QueryText, RequestDefaults, SearchRequest};
use crate::retrieve::{
    ChunkSet, KeywordQuery, KeywordRetriever, LegHit, QueryWord, RetrieveError, VectorRetriever,
};
use crate::snippet::{AnalysedText, Highlighter, Passage, TermSet};
use crate::spelling::Spelling;
use crate::store::{self, Store, StoreError, CHUNKS_FILE, KEYWORD_DIR, PAGES_FILE};
use crate::vector::{VectorError, VectorIndex};

mod answering;
mod meaning;

/// Query-time settings of an engine.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EngineConfig {
    pub boosts: FieldBoosts,
    /// Chunks each leg contributes before fusion.
    pub candidates: usize,
    pub ef_search: usize,
    /// Where hybrid mode fuses: chunk rankings (then pages take their best fused chunk) or page
    /// rankings (each leg's chunks grouped into pages first).
    pub fuse_level: FuseLevel,
    /// How a page's chunks score in a leg when pages are ranked per leg.
    pub aggregation: Aggregation,
    /// The semantic share of weighted fusion for requests that do not give `ratio`.
    #[serde(default = "default_semantic_ratio")]
    pub semantic_ratio: f32,
    /// Typo and prefix tolerance for requests that do not say.
    #[serde(default)]
    pub spelling: Spelling,
    /// Query vectors kept for repeated queries (0: none, every query is embedded: what a load
    /// test of distinct queries measures).
    #[serde(default = "default_query_cache")]
    pub query_cache: usize,
}

fn default_query_cache() -> usize {
    1024
}

fn default_semantic_ratio() -> f32 {
    crate::fusion::DEFAULT_SEMANTIC_RATIO
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            boosts: FieldBoosts::default(),
            candidates: 100,
            ef_search: crate::vector::HnswParams::default().ef_search,
            fuse_level: FuseLevel::Page,
            aggregation: Aggregation::Max,
            semantic_ratio: crate::fusion::DEFAULT_SEMANTIC_RATIO,
            spelling: Spelling::default(),
            query_cache: default_query_cache(),
        }
    }
}

/// Query text as typed, and how the keyword leg reads misspelled and half-typed words
/// (`None`: the served index's default, [`EngineConfig::spelling`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Typed<'a> {
    pub text: &'a str,
    pub spelling: Option<Spelling>,
}

impl<'a> From<&'a str> for Typed<'a> {
    fn from(text: &'a str) -> Typed<'a> {
        Typed {
            text,
            spelling: None,
        }
    }
}

/// The unit-length mean of unit vectors: one query vector for several readings of a query.
pub fn blend(vectors: &[Vec<f32>]) -> Vec<f32> {
    let dim = vectors.first().map_or(0, Vec::len);
    let mut sum = vec![0.0f32; dim];
    for v in vectors {
        for (s, x) in sum.iter_mut().zip(v) {
            *s += x;
        }
    }
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        sum.iter_mut().for_each(|x| *x /= norm);
    }
    sum
}

/// The text with the keyword leg's corrections in place of the words it corrected.
fn meaning_text(text: &str, words: &[QueryWord]) -> String {
    let corrected: Vec<(&str, &str)> = words
        .iter()
        .filter_map(|w| Some((w.typed.as_str(), w.correction.as_deref()?)))
        .collect();
    if corrected.is_empty() {
        return text.to_string();
    }
    crate::spelling::replace_words(text, |word| {
        corrected
            .iter()
            .find(|(typed, _)| *typed == word)
            .map(|(_, fixed)| fixed.to_string())
    })
}

/// A query's text and its words as the keyword leg reads them, planned once per search
/// ([`Engine::words`]: the vocabulary walks for typos and prefixes are not free).
#[derive(Clone, Copy)]
struct Planned<'a> {
    text: &'a str,
    words: &'a [QueryWord],
}

/// A ranking of pages and what it was made from.
struct Ranked {
    pages: Vec<GroupedHit>,
    /// The semantic leg's chunk candidates (empty when it did not run, or when hybrid mode
    /// fuses chunks), from which a page's passage is chosen.
    semantic: Vec<LegHit>,
}

/// How much the share of query words a chunk contains counts, next to its cosine, when
/// choosing a page's passage (not its rank).
const PASSAGE_WORDS_WEIGHT: f32 = 0.1;

/// Which rankings hybrid mode fuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FuseLevel {
    Chunk,
    Page,
}

from_name_table!(
    FuseLevel,
    "fusion level",
    &[("chunk", FuseLevel::Chunk), ("page", FuseLevel::Page)]
);

/// How one result was ranked, when `explain` is on.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Explanation {
    pub keyword: Option<LegRank>,
    pub semantic: Option<LegRank>,
    pub fused: f32,
    /// Chunk id of the passage.
    pub chunk: u32,
    /// How many of the page's chunks were candidates.
    pub matched_chunks: usize,
}

/// A section of a result page that matched the query.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MatchedSection {
    /// The section's heading (empty for the page's introduction).
    pub name: String,
    pub anchor: String,
    pub passage_html: String,
}

/// Most matched sections listed per result.
pub const MAX_SECTIONS: usize = 3;

/// One page in the results.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchResult {
    pub id: String,
    pub kind: PageKind,
    pub title: String,
    pub score: f32,
    /// Section of the passage.
    pub section: String,
    /// The section's anchor on the page (empty: the top of the page).
    pub anchor: String,
    /// Where the passage is on the live site: the page's URL and the section's anchor. Absent
    /// when the page's address is not known (no `url` and no `--base-url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The page's own front matter fields (tags, date, description, …).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// The sections of the page that matched, best first (the first is the passage's).
    pub sections: Vec<MatchedSection>,
    pub passage: String,
    /// `passage` HTML-escaped with matches in `<mark>`.
    pub passage_html: String,
    /// Byte ranges of `passage` that match the query's words.
    #[schema(value_type = Vec<crate::snippet::ByteRange>)]
    pub highlights: Vec<std::ops::Range<usize>>,
    /// Is-a ancestry from the root down to the page's parent.
    pub ancestry: Vec<String>,
    /// `ancestry` with titles, for breadcrumbs.
    pub breadcrumbs: Vec<PageRef>,
    /// The page's typed relations to other pages (uses, trained-with, …), at most
    /// [`MAX_RELATED`], for links under a result.
    pub related: Vec<RelatedRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Explanation>,
}

/// Most relations listed under one result.
pub const MAX_RELATED: usize = 8;

/// A page named by another: enough to link to it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PageRef {
    pub id: String,
    pub title: String,
}

/// A relation of a result's page to another page.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RelatedRef {
    pub relation: &'static str,
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    pub query: String,
    /// Results skipped (the request's `offset`).
    pub offset: usize,
    pub mode: Mode,
    /// The fusion used, in hybrid mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fusion: Option<Fusion>,
    pub results: Vec<SearchResult>,
    /// A direct answer when the query is a question of a kind answered from the concept graph
    /// (is X a Y, X vs Y, what is X); null otherwise.
    pub answer: Option<Answer>,
    pub generation: String,
    pub took_ms: f64,
    /// How well the first results match, for the query log (not part of the API).
    #[serde(skip)]
    pub strength: crate::analytics::Strength,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keyword(#[from] KeywordError),
    #[error(transparent)]
    Vector(#[from] VectorError),
    #[error(transparent)]
    Retrieve(#[from] RetrieveError),
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error("index generation {generation} is inconsistent: {problem}; run `landscape index` to rebuild")]
    Inconsistent { generation: String, problem: String },
    /// A caller asked for the semantic leg without a query vector: a bug in the caller, not
    /// a failure of the model.
    #[error("semantic and hybrid search need a query vector")]
    MissingVector,
    /// The request filters on a field no page has (the caller's mistake).
    #[error("no page has the field `{field}` to filter on; the fields are: {}", if known.is_empty() { "none (the pages have no metadata)".to_string() } else { known.join(", ") })]
    UnknownFilterField { field: String, known: Vec<String> },
    /// `under` names no page (the caller's mistake).
    #[error("under: no page has the id `{0}`")]
    UnknownUnder(String),
}

impl EngineError {
    /// The stable code of an error that is the caller's mistake (a 4xx over HTTP), `None`
    /// for a failure of ours.
    pub fn caller_code(&self) -> Option<&'static str> {
        match self {
            EngineError::UnknownFilterField { .. } => Some("unknown_filter_field"),
            EngineError::UnknownUnder(_) => Some("unknown_under"),
            _ => None,
        }
    }
}

/// What an engine is assembled from: the seam where other backends plug in. The embedded
/// backend ([`Engine::open`]) reads these from a generation on disk; another deployment can
/// fill the two retrievers with clients of a distributed engine.
pub struct Parts {
    /// Names the generation in responses and health checks.
    pub generation: String,
    pub pages: Corpus,
    /// The chunk table: a chunk id, in either leg, is a position in it.
    pub chunks: Vec<Chunk>,
    pub keyword: Box<dyn KeywordRetriever>,
    /// The semantic leg; `None` for a keyword-only generation, which serves every mode as
    /// keyword search (and says so in each response's `mode`).
    pub vectors: Option<Box<dyn VectorRetriever>>,
    /// The keyword leg's language: passages are highlighted with the same stemmer.
    pub language: Language,
}

/// A generation's embedded legs and tables as read from disk, checked to agree: what
/// [`Parts::embedded`] serves, and what the write path ([`crate::update`]) starts from.
pub struct EmbeddedGeneration {
    pub generation: crate::store::Generation,
    pub pages: Corpus,
    pub chunks: Vec<Chunk>,
    pub keyword: KeywordIndex,
    pub vectors: Option<VectorIndex>,
}

impl EmbeddedGeneration {
    /// Reads the live generation of `store`, after checking that the manifest, the chunk
    /// table and both indexes agree.
    pub fn read(
        store: &Store,
        model: &ModelIdentity,
        config: &EngineConfig,
    ) -> Result<EmbeddedGeneration, EngineError> {
        let generation = store.open_current(model)?;
        let dir = &generation.dir;
        let manifest = &generation.manifest;
        let inconsistent = |problem: String| EngineError::Inconsistent {
            generation: manifest.generation.clone(),
            problem,
        };
        let chunks: Vec<Chunk> = store::read_json(dir, CHUNKS_FILE)?;
        let pages: Vec<Page> = store::read_json(dir, PAGES_FILE)?;
        let keyword = KeywordIndex::open(&dir.join(KEYWORD_DIR), config.boosts, manifest.keyword)?;
        let vectors = if manifest.semantic {
            Some(VectorIndex::load(
                dir,
                manifest.model.dimensions,
                config.ef_search,
            )?)
        } else {
            None
        };
        let vector_count = vectors.as_ref().map_or(chunks.len(), VectorIndex::len);
        let keyword_docs = match keyword.unit() {
            KeywordUnit::Chunk => chunks.len(),
            // Pages without text have no chunks and no keyword document.
            KeywordUnit::Page => page_ranges(&chunks).len(),
        };
        if chunks.len() != manifest.chunks
            || keyword.num_docs() as usize != keyword_docs
            || vector_count != chunks.len()
        {
            return Err(inconsistent(format!(
                "manifest says {} chunks, chunk table {}, keyword index {}, vector index {}",
                manifest.chunks,
                chunks.len(),
                keyword.num_docs(),
                vector_count
            )));
        }
        let pages = Corpus::from_pages(pages, manifest.corpus_hash.clone());
        if let Some(orphan) = chunks.iter().find(|c| pages.get(&c.concept).is_none()) {
            return Err(inconsistent(format!(
                "chunk of unknown page `{}`",
                orphan.concept
            )));
        }
        Ok(EmbeddedGeneration {
            generation,
            pages,
            chunks,
            keyword,
            vectors,
        })
    }
}

impl Parts {
    /// The live generation of `store` as parts with the embedded legs (tantivy and HNSW),
    /// after checking that the manifest, the chunk table and both indexes agree.
    pub fn embedded(
        store: &Store,
        model: &ModelIdentity,
        config: &EngineConfig,
    ) -> Result<Parts, EngineError> {
        let read = EmbeddedGeneration::read(store, model, config)?;
        let manifest = read.generation.manifest;
        Ok(Parts {
            generation: manifest.generation.clone(),
            pages: read.pages,
            chunks: read.chunks,
            keyword: Box::new(read.keyword),
            vectors: read
                .vectors
                .map(|v| Box::new(v) as Box<dyn VectorRetriever>),
            language: manifest.keyword.language,
        })
    }
}

/// Recent query vectors by query text.
type QueryVectors = Mutex<LruCache<String, Arc<Vec<f32>>>>;

/// A live generation, ready to search.
pub struct Engine {
    generation: String,
    /// The claim on the generation's files while this engine (any clone of its `Arc`) lives.
    lease: Option<Arc<crate::store::Lease>>,
    pages: Corpus,
    chunks: Vec<Chunk>,
    keyword: Box<dyn KeywordRetriever>,
    vectors: Option<Box<dyn VectorRetriever>>,
    model: Arc<dyn Embed>,
    analyzer: TextAnalyzer,
    /// Recent query vectors (none with `query_cache: 0`).
    /// Shared by an engine and its successors ([`Engine::successor`]): the model and the
    /// queries are the same.
    query_vectors: Option<Arc<QueryVectors>>,
    /// Query texts the model has embedded since the engine opened (cache hits not counted):
    /// what search-as-you-type must keep low, reported by `/healthz`.
    embedded: std::sync::atomic::AtomicU64,
    /// Model calls for queries since the engine opened ([`Engine::query_model_calls`]).
    model_calls: std::sync::atomic::AtomicU64,
    config: EngineConfig,
    /// Each page's chunk ids (a page's chunks are contiguous in the chunk table).
    page_chunks: HashMap<String, Range<usize>>,
    /// For each chunk, the id of its page's first chunk: a page key that costs nothing to hash.
    chunk_page: Vec<u32>,
    /// Every concept's title and aliases, for resolving the names in a question.
    names: NameIndex,
    /// Filterable metadata fields and how many pages have each.
    filter_fields: BTreeMap<String, usize>,
    /// Each chunk's words (section heading and text) and their places, analysed on first
    /// use, for choosing and cutting passages.
    chunk_terms: Vec<OnceLock<AnalysedText>>,
    /// Whether any page takes part in the concept layer: without one no question is answered.
    has_concepts: bool,
}

impl Engine {
    /// Opens the live generation of `store` with the embedded tantivy + HNSW legs, after
    /// checking that its parts agree (a generation is never served half-built).
    pub fn open(
        store: &Store,
        model: Arc<dyn Embed>,
        config: EngineConfig,
    ) -> Result<Engine, EngineError> {
        let parts = Parts::embedded(store, model.identity(), &config)?;
        let lease = match store.lease(&parts.generation) {
            Ok(lease) => Some(lease),
            Err(e) => {
                // A read-only index folder: serving still works, sweeping cannot see us.
                tracing::warn!(error = %e, "cannot lease the generation");
                None
            }
        };
        let mut engine = Engine::from_parts(parts, model, config);
        engine.lease = lease.map(Arc::new);
        Ok(engine)
    }

    /// An engine over `parts` that takes the place of this one: same model and settings, the
    /// same query-vector cache, and `lease` on the files the parts read. `live` gives each
    /// page's chunk ids when the chunk table also holds chunks no leg returns any more (pages
    /// replaced through the write API), which a page's range must not cover.
    pub fn successor(
        &self,
        parts: Parts,
        lease: Option<Arc<crate::store::Lease>>,
        live: HashMap<String, Range<usize>>,
    ) -> Engine {
        let mut engine = Engine::from_parts(parts, self.model.clone(), self.config);
        engine.lease = lease;
        engine.query_vectors = self.query_vectors.clone();
        for range in live.values() {
            engine.chunk_page[range.clone()].fill(range.start as u32);
        }
        engine.page_chunks = live;
        engine
    }

    /// Assembles an engine from any retrievers: the seam for other backends.
    pub fn from_parts(parts: Parts, model: Arc<dyn Embed>, config: EngineConfig) -> Engine {
        let Parts {
            generation,
            pages,
            chunks,
            keyword,
            vectors,
            language,
        } = parts;
        let ranges = page_ranges(&chunks);
        let mut chunk_page = vec![0; chunks.len()];
        for r in &ranges {
            chunk_page[r.clone()].fill(r.start as u32);
        }
        let page_chunks = ranges
            .into_iter()
            .map(|r| (chunks[r.start].concept.clone(), r))
            .collect();
        Engine {
            lease: None,
            chunk_terms: (0..chunks.len()).map(|_| OnceLock::new()).collect(),
            has_concepts: pages.pages().iter().any(|p| p.concept),
            filter_fields: crate::filter::fields_of(pages.pages()),
            names: NameIndex::new(&pages),
            page_chunks,
            chunk_page,
            generation,
            pages,
            chunks,
            keyword,
            vectors,
            model,
            analyzer: keyword::analyzer(language),
            embedded: std::sync::atomic::AtomicU64::new(0),
            model_calls: std::sync::atomic::AtomicU64::new(0),
            query_vectors: NonZeroUsize::new(config.query_cache)
                .map(|n| Arc::new(Mutex::new(LruCache::new(n)))),
            config,
        }
    }

    /// The name of the generation being served.
    pub fn generation(&self) -> &str {
        &self.generation
    }

    /// What requests to this engine get for the fields they leave out.
    pub fn request_defaults(&self) -> RequestDefaults {
        RequestDefaults {
            semantic_ratio: self.config.semantic_ratio,
            spelling: self.config.spelling,
            dimensions: self
                .vectors
                .as_ref()
                .map(|_| self.model.identity().dimensions),
        }
    }

    /// Whether the semantic leg exists (false for a `--keyword-only` generation).
    pub fn has_semantic(&self) -> bool {
        self.vectors.is_some()
    }

    /// The embedding model queries are embedded with.
    pub fn model(&self) -> &ModelIdentity {
        self.model.identity()
    }

    /// The generation's chunk table; a chunk id is a position in it.
    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    pub fn pages(&self) -> &Corpus {
        &self.pages
    }

    pub fn page(&self, id: &str) -> Option<&Page> {
        self.pages.get(id)
    }

    /// Whether the model embeds a text now (for readiness probes): the query cache is
    /// bypassed, so a broken runtime cannot hide behind cached vectors. A keyword-only engine
    /// needs no model and is ready.
    pub fn model_answers(&self) -> Result<(), EngineError> {
        if self.vectors.is_none() {
            return Ok(());
        }
        let vectors = self.model.embed(&["ready".to_string()], 1)?;
        match vectors.first() {
            Some(v) if v.len() == self.model.identity().dimensions => Ok(()),
            _ => Err(EmbedError::Inference(
                "the model returned no vector of the right size".into(),
            )
            .into()),
        }
    }

    /// How many query texts the model has embedded since the engine opened.
    pub fn query_embeddings(&self) -> u64 {
        self.embedded.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs a search end to end, embedding the query when the mode needs it, and answers it
    /// when it is a question the concept graph answers.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, EngineError> {
        let started = Instant::now();
        let keyword_only;
        let request = if self.vectors.is_none() && request.mode() != Mode::Keyword {
            keyword_only = request.clone().with_mode(Mode::Keyword);
            &keyword_only
        } else {
            request
        };
        // Planned once: both the semantic leg's text and the keyword leg read these words.
        let words = self.words(Typed {
            text: request.query().as_str(),
            spelling: Some(request.spelling()),
        });
        // Neither keystrokes (keyword mode) nor a caller who brought its own vector wait for
        // the model: names no title or alias covers then stay unresolved in the answer.
        let use_model = request.mode() != Mode::Keyword && request.vector().is_none();
        let own = if use_model {
            self.meaning_texts_of(request.query().as_str(), &words)
        } else {
            Vec::new()
        };
        // The query's texts and the names its answer looks up share one model call.
        let answered =
            self.answer_embedding(request.query(), request.explain(), use_model, &own)?;
        let vector = match (request.mode(), request.vector()) {
            (Mode::Keyword, _) => None,
            // The caller's own embedding: the model does not run for this search.
            (_, Some(given)) => Some(given.clone()),
            (Mode::Semantic | Mode::Hybrid, None) => Some(meaning::blended(&answered.own)),
        };
        let mut response =
            self.search_planned(request, vector.as_deref().map(Vec::as_slice), &words)?;
        response.answer = answered.answer;
        response.took_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(response)
    }

    /// Both legs, fusion and grouping for a query whose vector is already known (benchmarks and
    /// evaluation embed queries up front). `vector` may be `None` only in keyword mode.
    pub fn search_with_vector(
        &self,
        request: &SearchRequest,
        vector: Option<&[f32]>,
    ) -> Result<SearchResponse, EngineError> {
        let words = self.words(Typed {
            text: request.query().as_str(),
            spelling: Some(request.spelling()),
        });
        self.search_planned(request, vector, &words)
    }

    /// [`Engine::search_with_vector`] with the query's words already planned.
    fn search_planned(
        &self,
        request: &SearchRequest,
        vector: Option<&[f32]>,
        words: &[QueryWord],
    ) -> Result<SearchResponse, EngineError> {
        let started = Instant::now();
        let within = self.allowed(request)?;
        if within.as_ref().is_some_and(ChunkSet::is_empty) {
            return Ok(self.response(request, Vec::new(), started));
        }
        // Pages are ranked from the same candidates whatever the offset, so the next page
        // continues this one: it never repeats a result of the page before.
        let Ranked {
            pages: grouped,
            semantic,
        } = self.rank_pages_and_chunks(
            Planned {
                text: request.query().as_str(),
                words,
            },
            vector,
            request.mode(),
            request.fusion(),
            request.offset() + request.k(),
            within.as_ref(),
        )?;
        let strength = self.strength(grouped.first(), &semantic, words);
        let grouped: Vec<GroupedHit> = grouped.into_iter().skip(request.offset()).collect();
        let highlighter = Highlighter::for_terms(
            &self.analyzer,
            words.iter().flat_map(|w| w.terms().map(str::to_string)),
        );
        let mut results = Vec::with_capacity(grouped.len());
        for hit in grouped {
            let ranked = self.ranked_chunks(&hit, &highlighter, &semantic);
            let chunk_id = ranked.first().copied().unwrap_or(hit.best.chunk);
            let (Some(chunk), Some(page)) = (
                self.chunks.get(chunk_id as usize),
                self.pages.get(&hit.page),
            ) else {
                continue;
            };
            let passage = self.passage(&highlighter, chunk_id as usize);
            let (ancestry, breadcrumbs, related) = self.links(page);
            let url = page.url.as_ref().map(|url| match chunk.anchor.as_str() {
                "" => url.clone(),
                anchor => format!("{url}#{anchor}"),
            });
            results.push(SearchResult {
                id: page.id.clone(),
                kind: page.kind,
                title: page.title.clone(),
                score: hit.best.score,
                section: chunk.section.clone(),
                anchor: chunk.anchor.clone(),
                url,
                metadata: page.metadata.clone(),
                sections: self.matched_sections(&ranked, &highlighter, &passage.html),
                passage: passage.text,
                passage_html: passage.html,
                highlights: passage.highlights,
                ancestry,
                breadcrumbs,
                related,
                explain: request.explain().then_some(Explanation {
                    keyword: hit.best.keyword,
                    semantic: hit.best.semantic,
                    fused: hit.best.score,
                    chunk: chunk_id,
                    matched_chunks: hit.matched_chunks,
                }),
            });
        }
        let mut response = self.response(request, results, started);
        response.strength = strength;
        Ok(response)
    }

    /// How well a search matched, in scores comparable across queries (for the query log):
    /// the closest chunk's cosine, and the share of the query's words the first page holds
    /// (a word counts when any of its terms, corrections and completions included, occurs).
    fn strength(
        &self,
        top: Option<&GroupedHit>,
        semantic: &[LegHit],
        words: &[QueryWord],
    ) -> crate::analytics::Strength {
        let similarity = semantic
            .iter()
            .map(|h| h.score)
            .reduce(f32::max)
            .or_else(|| top.and_then(|t| t.similarity));
        let coverage = top.and_then(|top| {
            let range = self.page_chunks.get(&top.page)?;
            let page = self.pages.get(&top.page)?;
            // The keyword leg matches names too ("genai" is an alias of Generative AI).
            let names = TermSet::of(
                &self.analyzer,
                &format!("{}\n{}", page.title, page.aliases.join("\n")),
            );
            let sets: Vec<&TermSet> = std::iter::once(&names)
                .chain(
                    range
                        .clone()
                        .filter_map(|c| self.terms_of(c).map(AnalysedText::terms)),
                )
                .collect();
            let found = words
                .iter()
                .filter(|w| w.terms().any(|t| sets.iter().any(|s| s.contains_term(t))))
                .count();
            (!words.is_empty()).then(|| found as f32 / words.len() as f32)
        });
        crate::analytics::Strength {
            similarity,
            coverage,
        }
    }

    /// A chunk's words (section heading and text), analysed on first use.
    fn terms_of(&self, chunk: usize) -> Option<&AnalysedText> {
        let (text, terms) = (self.chunks.get(chunk)?, self.chunk_terms.get(chunk)?);
        Some(terms.get_or_init(|| AnalysedText::of(&self.analyzer, &text.section, &text.text)))
    }

    /// A chunk's passage for this query.
    fn passage(&self, highlighter: &Highlighter, chunk: usize) -> Passage {
        let Some(text) = self.chunks.get(chunk) else {
            return highlighter.passage("");
        };
        match self.terms_of(chunk) {
            Some(words) => highlighter.passage_of(&text.text, words),
            None => highlighter.passage(&text.text),
        }
    }

    /// A result page's place in the graph: its ancestry (ids, and with titles) and its typed
    /// relations.
    fn links(&self, page: &Page) -> (Vec<String>, Vec<PageRef>, Vec<RelatedRef>) {
        let mut ancestry = self.pages.graph().breadcrumbs(&page.id);
        ancestry.pop();
        let title_of = |id: &str| self.pages.get(id).map_or(id, |p| &p.title).to_string();
        let breadcrumbs = ancestry
            .iter()
            .map(|id| PageRef {
                id: id.clone(),
                title: title_of(id),
            })
            .collect();
        let related = page
            .relations
            .iter()
            .flat_map(|(relation, ids)| ids.iter().map(move |id| (relation.as_str(), id)))
            .take(MAX_RELATED)
            .map(|(relation, id)| RelatedRef {
                relation,
                id: id.clone(),
                title: title_of(id),
            })
            .collect();
        (ancestry, breadcrumbs, related)
    }

    /// The page's chunks that matched, best first; the first one's passage stands for the page.
    /// Among the chunks the semantic leg found, the closest in meaning come first, with a share
    /// of the query's words as a tie-breaker worth up to [`PASSAGE_WORDS_WEIGHT`] of cosine (so
    /// that "crontab line for nightly backups" shows the section about cron, not an
    /// introduction that mentions it). Without semantic candidates, the chunks with most query
    /// words (a page-level keyword hit names no chunk), or the page's opening when none has any.
    fn ranked_chunks(
        &self,
        hit: &GroupedHit,
        highlighter: &Highlighter,
        semantic: &[LegHit],
    ) -> Vec<u32> {
        let Some(range) = self.page_chunks.get(&hit.page) else {
            return vec![hit.best.chunk];
        };
        let words = |c: usize| {
            self.terms_of(c)
                .map_or(0, |t| highlighter.matches_in(t.terms()))
        };
        let candidates: Vec<&LegHit> = semantic
            .iter()
            .filter(|h| range.contains(&(h.chunk as usize)))
            .collect();
        if candidates.len() > 1 {
            let terms = highlighter.term_count().max(1) as f32;
            let mut scored: Vec<(f32, u32)> = candidates
                .into_iter()
                .map(|h| {
                    let share = words(h.chunk as usize) as f32 / terms;
                    (h.score + PASSAGE_WORDS_WEIGHT * share, h.chunk)
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            return scored.into_iter().map(|(_, c)| c).collect();
        }
        match (hit.best.semantic, self.keyword.unit()) {
            (None, KeywordUnit::Page) => {
                let mut scored: Vec<(usize, u32)> = range
                    .clone()
                    .map(|c| (words(c), c as u32))
                    .filter(|&(w, _)| w > 0)
                    .collect();
                // Earlier chunk wins a tie: it opens the page.
                scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                match scored.is_empty() {
                    true => vec![range.start as u32],
                    false => scored.into_iter().map(|(_, c)| c).collect(),
                }
            }
            _ => vec![hit.best.chunk],
        }
    }

    /// Up to [`MAX_SECTIONS`] sections of the page that matched, best first, each with its
    /// best chunk's passage; `first_html` is the first chunk's, already made for the result.
    fn matched_sections(
        &self,
        ranked: &[u32],
        highlighter: &Highlighter,
        first_html: &str,
    ) -> Vec<MatchedSection> {
        let mut sections: Vec<MatchedSection> = Vec::new();
        for (i, (id, chunk)) in ranked
            .iter()
            .filter_map(|&c| Some((c as usize, self.chunks.get(c as usize)?)))
            .enumerate()
        {
            if sections.len() == MAX_SECTIONS {
                break;
            }
            if sections
                .iter()
                .any(|s| s.anchor == chunk.anchor && s.name == chunk.section)
            {
                continue;
            }
            sections.push(MatchedSection {
                name: chunk.section.clone(),
                anchor: chunk.anchor.clone(),
                passage_html: match i {
                    0 => first_html.to_string(),
                    _ => self.passage(highlighter, id).html,
                },
            });
        }
        sections
    }

    fn response(
        &self,
        request: &SearchRequest,
        results: Vec<SearchResult>,
        started: Instant,
    ) -> SearchResponse {
        SearchResponse {
            query: request.query().to_string(),
            offset: request.offset(),
            mode: request.mode(),
            fusion: (request.mode() == Mode::Hybrid).then_some(request.fusion()),
            results,
            answer: None,
            generation: self.generation.clone(),
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            strength: Default::default(),
        }
    }

    /// The metadata fields pages can be filtered on, each with how many pages have it.
    pub fn filter_fields(&self) -> &BTreeMap<String, usize> {
        &self.filter_fields
    }

    /// The chunks of the pages the request allows (`None`: it does not narrow them): its
    /// metadata filter, `kind` and `under`. A filter field no page has, or an `under` that is
    /// no page, is refused, so that a misspelling says so instead of finding nothing.
    fn allowed(&self, request: &SearchRequest) -> Result<Option<ChunkSet>, EngineError> {
        if !request.narrows() {
            return Ok(None);
        }
        let filter = request.filter();
        if let Some(unknown) = filter
            .fields()
            .find(|f| !self.filter_fields.contains_key(*f))
        {
            return Err(EngineError::UnknownFilterField {
                field: unknown.to_string(),
                known: self.filter_fields.keys().cloned().collect(),
            });
        }
        let under = match request.under() {
            Some(id) if self.pages.get(id).is_none() => {
                return Err(EngineError::UnknownUnder(id.to_string()))
            }
            other => other,
        };
        let graph = self.pages.graph();
        let ids = self
            .pages
            .pages()
            .iter()
            .filter(|p| filter.matches(&p.metadata))
            .filter(|p| request.kind().is_none_or(|kind| p.kind == kind))
            .filter(|p| under.is_none_or(|u| graph.ancestors(&p.id).iter().any(|a| a == u)))
            .filter_map(|p| self.page_chunks.get(&p.id))
            .flat_map(Clone::clone);
        Ok(Some(ChunkSet::new(self.chunks.len(), ids)))
    }

    /// The best `limit` pages for a query (text already [`crate::request::normalise`]d), each
    /// with the chunk that stands for it; only pages with chunks in `within`, when given.
    pub fn rank_pages<'q>(
        &self,
        query: impl Into<Typed<'q>>,
        vector: Option<&[f32]>,
        mode: Mode,
        fusion: Fusion,
        limit: usize,
        within: Option<&ChunkSet>,
    ) -> Result<Vec<GroupedHit>, EngineError> {
        let query = query.into();
        let words = self.words(query);
        Ok(self
            .rank_pages_and_chunks(
                Planned {
                    text: query.text,
                    words: &words,
                },
                vector,
                mode,
                fusion,
                limit,
                within,
            )?
            .pages)
    }

    /// [`Engine::rank_pages`] of planned words, with what the ranking was made from.
    fn rank_pages_and_chunks(
        &self,
        Planned { text, words }: Planned<'_>,
        vector: Option<&[f32]>,
        mode: Mode,
        fusion: Fusion,
        limit: usize,
        within: Option<&ChunkSet>,
    ) -> Result<Ranked, EngineError> {
        let page_of = |chunk: u32| self.chunks.get(chunk as usize).map(|c| c.concept.as_str());
        if mode == Mode::Hybrid && self.config.fuse_level == FuseLevel::Chunk {
            let fused = self.fuse_chunks(text, words, vector, mode, fusion, within)?;
            return Ok(Ranked {
                pages: fusion::group_by_page(&fused, page_of, limit),
                semantic: Vec::new(),
            });
        }
        // Rank pages within each leg and fuse the page rankings. A page is keyed by its first
        // chunk id while ranking, so no page name is hashed or copied until the final `limit`.
        let (keyword, semantic) = self.legs(text, words, vector, mode, within)?;
        let first_chunk = |chunk: u32| self.chunk_page.get(chunk as usize).copied();
        let aggregation = self.config.aggregation;
        let kw_pages = fusion::pages_of_leg(&keyword, first_chunk, aggregation);
        let se_pages = fusion::pages_of_leg(&semantic, first_chunk, aggregation);
        let fused_pages = match mode {
            Mode::Keyword => fusion::single_ranked(&fusion::page_scores(&kw_pages), false),
            Mode::Semantic => fusion::single_ranked(&fusion::page_scores(&se_pages), true),
            Mode::Hybrid => fusion::fuse_ranked(
                &fusion::page_scores(&kw_pages),
                &fusion::page_scores(&se_pages),
                fusion,
            ),
        };
        // A page's passage: its best chunk by meaning when the semantic leg saw it, else the
        // keyword leg's chunk.
        let best: rustc_hash::FxHashMap<u32, &fusion::PageHit<u32>> = kw_pages
            .iter()
            .chain(&se_pages)
            .map(|p| (p.page, p))
            .collect();
        let similarity: rustc_hash::FxHashMap<u32, f32> =
            se_pages.iter().map(|p| (p.page, p.best_score)).collect();
        let pages = fused_pages
            .into_iter()
            .filter_map(|p| {
                let leg = best.get(&p.id)?;
                Some(GroupedHit {
                    page: page_of(p.id)?.to_string(),
                    best: FusedHit {
                        chunk: leg.best_chunk,
                        score: p.score,
                        keyword: p.keyword,
                        semantic: p.semantic,
                    },
                    matched_chunks: leg.chunks,
                    similarity: similarity.get(&p.id).copied(),
                })
            })
            .take(limit)
            .collect();
        Ok(Ranked { pages, semantic })
    }

    /// The query's words as the keyword leg reads them.
    fn words(&self, query: Typed<'_>) -> Vec<QueryWord> {
        let spelling = query.spelling.unwrap_or(self.config.spelling);
        self.keyword.words(query.text, spelling)
    }

    /// Each leg's chunk candidates, for the legs the mode asks for. The legs run one after the
    /// other: running them on two threads measured no faster on SciFact (waking a pool
    /// thread costs about what the shorter leg takes; BENCHMARKS.md).
    fn legs(
        &self,
        text: &str,
        words: &[QueryWord],
        vector: Option<&[f32]>,
        mode: Mode,
        within: Option<&ChunkSet>,
    ) -> Result<(Vec<LegHit>, Vec<LegHit>), EngineError> {
        let depth = self.config.candidates;
        let keyword = || {
            let query = KeywordQuery {
                words,
                comparison: answer::question::asks_for_comparison(text),
            };
            self.keyword.search(query, depth, within)
        };
        let semantic = || -> Result<Vec<LegHit>, EngineError> {
            let v = vector.ok_or(EngineError::MissingVector)?;
            let vectors = self.vectors.as_ref().ok_or(EngineError::MissingVector)?;
            Ok(vectors.search(v, depth, within)?)
        };
        Ok(match mode {
            Mode::Keyword => (keyword()?, Vec::new()),
            Mode::Semantic => (Vec::new(), semantic()?),
            Mode::Hybrid => (keyword()?, semantic()?),
        })
    }

    /// Chunk candidates from the legs the mode asks for, fused, best first.
    pub fn rank_chunks<'q>(
        &self,
        query: impl Into<Typed<'q>>,
        vector: Option<&[f32]>,
        mode: Mode,
        fusion: Fusion,
        within: Option<&ChunkSet>,
    ) -> Result<Vec<FusedHit>, EngineError> {
        let query = query.into();
        let words = self.words(query);
        self.fuse_chunks(query.text, &words, vector, mode, fusion, within)
    }

    fn fuse_chunks(
        &self,
        text: &str,
        words: &[QueryWord],
        vector: Option<&[f32]>,
        mode: Mode,
        fusion: Fusion,
        within: Option<&ChunkSet>,
    ) -> Result<Vec<FusedHit>, EngineError> {
        let (keyword, semantic) = self.legs(text, words, vector, mode, within)?;
        Ok(match mode {
            Mode::Keyword => fusion::single_leg(&keyword, false),
            Mode::Semantic => fusion::single_leg(&semantic, true),
            Mode::Hybrid => fusion::fuse(&keyword, &semantic, fusion),
        })
    }
}
