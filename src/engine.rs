//! The query path: a loaded generation that answers searches.
//!
//! A search runs the keyword leg and/or the semantic leg for chunk candidates, fuses them,
//! groups chunks into pages (the page's best chunk becomes its passage), and decorates each
//! page with its title, ancestry and highlighted passage.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use lru::LruCache;
use serde::{Deserialize, Serialize};
use tantivy::tokenizer::TextAnalyzer;

use crate::answer::resolve::{Found, NameIndex};
use crate::answer::{self, Answer};
use crate::chunk::{page_ranges, Chunk};
use crate::corpus::{Corpus, Page, PageKind};
use crate::embed::{Embed, EmbedError, ModelIdentity};
use crate::fusion::{self, Aggregation, FusedHit, Fusion, GroupedHit, LegRank};
use crate::keyword::{self, FieldBoosts, KeywordError, KeywordIndex, KeywordUnit};
use crate::named::from_name_table;
pub use crate::request::{Mode, QueryText, SearchRequest};
use crate::retrieve::{KeywordQuery, KeywordRetriever, LegHit, RetrieveError, VectorRetriever};
use crate::snippet::Highlighter;
use crate::store::{self, Store, StoreError, CHUNKS_FILE, KEYWORD_DIR, PAGES_FILE};
use crate::vector::{VectorError, VectorIndex};

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
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            boosts: FieldBoosts::default(),
            candidates: 100,
            ef_search: crate::vector::HnswParams::default().ef_search,
            fuse_level: FuseLevel::Page,
            aggregation: Aggregation::Max,
        }
    }
}

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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub keyword: Option<LegRank>,
    pub semantic: Option<LegRank>,
    pub fused: f32,
    /// Chunk id of the passage.
    pub chunk: u32,
    /// How many of the page's chunks were candidates.
    pub matched_chunks: usize,
}

/// One page in the results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    pub id: String,
    pub kind: PageKind,
    pub title: String,
    pub score: f32,
    /// Section of the passage.
    pub section: String,
    pub passage: String,
    /// `passage` HTML-escaped with matches in `<mark>`.
    pub passage_html: String,
    /// Byte ranges of `passage` that match the query's words.
    pub highlights: Vec<std::ops::Range<usize>>,
    /// Is-a ancestry from the root down to the page's parent.
    pub ancestry: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Explanation>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResponse {
    pub query: String,
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
    pub vectors: Box<dyn VectorRetriever>,
}

impl Parts {
    /// The live generation of `store` as parts with the embedded legs (tantivy and HNSW),
    /// after checking that the manifest, the chunk table and both indexes agree.
    pub fn embedded(
        store: &Store,
        model: &ModelIdentity,
        config: &EngineConfig,
    ) -> Result<Parts, EngineError> {
        let generation = store.open_current(model)?;
        let dir = &generation.dir;
        let manifest = &generation.manifest;
        let inconsistent = |problem: String| EngineError::Inconsistent {
            generation: manifest.generation.clone(),
            problem,
        };
        let chunks: Vec<Chunk> = store::read_json(dir, CHUNKS_FILE)?;
        let pages: Vec<Page> = store::read_json(dir, PAGES_FILE)?;
        let keyword =
            KeywordIndex::open(&dir.join(KEYWORD_DIR), config.boosts, manifest.keyword.unit)?;
        let vectors = VectorIndex::load(dir, manifest.model.dimensions, config.ef_search)?;
        let keyword_docs = match keyword.unit() {
            KeywordUnit::Chunk => chunks.len(),
            // Pages without text have no chunks and no keyword document.
            KeywordUnit::Page => page_ranges(&chunks).len(),
        };
        if chunks.len() != manifest.chunks
            || keyword.num_docs() as usize != keyword_docs
            || vectors.len() != chunks.len()
        {
            return Err(inconsistent(format!(
                "manifest says {} chunks, chunk table {}, keyword index {}, vector index {}",
                manifest.chunks,
                chunks.len(),
                keyword.num_docs(),
                vectors.len()
            )));
        }
        let pages = Corpus::from_pages(pages, manifest.corpus_hash.clone());
        if let Some(orphan) = chunks.iter().find(|c| pages.get(&c.concept).is_none()) {
            return Err(inconsistent(format!(
                "chunk of unknown page `{}`",
                orphan.concept
            )));
        }
        Ok(Parts {
            generation: manifest.generation.clone(),
            pages,
            chunks,
            keyword: Box::new(keyword),
            vectors: Box::new(vectors),
        })
    }
}

/// A live generation, ready to search.
pub struct Engine {
    generation: String,
    pages: Corpus,
    chunks: Vec<Chunk>,
    keyword: Box<dyn KeywordRetriever>,
    vectors: Box<dyn VectorRetriever>,
    model: Arc<dyn Embed>,
    analyzer: TextAnalyzer,
    query_vectors: Mutex<LruCache<String, Arc<Vec<f32>>>>,
    config: EngineConfig,
    /// Each page's chunk ids (a page's chunks are contiguous in the chunk table).
    page_chunks: HashMap<String, Range<usize>>,
    /// For each chunk, the id of its page's first chunk: a page key that costs nothing to hash.
    chunk_page: Vec<u32>,
    /// Every concept's title and aliases, for resolving the names in a question.
    names: NameIndex,
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
        Ok(Engine::from_parts(parts, model, config))
    }

    /// Assembles an engine from any retrievers: the seam for other backends.
    pub fn from_parts(parts: Parts, model: Arc<dyn Embed>, config: EngineConfig) -> Engine {
        let Parts {
            generation,
            pages,
            chunks,
            keyword,
            vectors,
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
            names: NameIndex::new(&pages),
            page_chunks,
            chunk_page,
            generation,
            pages,
            chunks,
            keyword,
            vectors,
            model,
            analyzer: keyword::analyzer(),
            query_vectors: Mutex::new(LruCache::new(
                NonZeroUsize::new(1024).unwrap_or(NonZeroUsize::MIN),
            )),
            config,
        }
    }

    /// The name of the generation being served.
    pub fn generation(&self) -> &str {
        &self.generation
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

    /// The query's unit vector, from a small LRU cache when the same text was asked before.
    pub fn query_vector(&self, query: &str) -> Result<Arc<Vec<f32>>, EngineError> {
        if let Ok(mut cache) = self.query_vectors.lock() {
            if let Some(v) = cache.get(query) {
                return Ok(v.clone());
            }
        }
        let mut vectors = self.model.embed(&[query.to_string()], 1)?;
        let v = Arc::new(
            vectors
                .pop()
                .ok_or_else(|| EmbedError::Inference("the model returned no vector".into()))?,
        );
        if let Ok(mut cache) = self.query_vectors.lock() {
            cache.put(query.to_string(), v.clone());
        }
        Ok(v)
    }

    /// The direct answer to `question`, or `None` when it is not a question of a kind answered
    /// from the graph. Names no title or alias covers are looked up in the hybrid index.
    pub fn answer(
        &self,
        question: &QueryText,
        explain: bool,
    ) -> Result<Option<Answer>, EngineError> {
        let search = |mention: &str| -> Result<Vec<Found>, EngineError> {
            let vector = self.query_vector(mention)?;
            let hits =
                self.rank_pages(mention, Some(&vector), Mode::Hybrid, Fusion::default(), 10)?;
            Ok(hits
                .into_iter()
                .map(|h| Found {
                    page: h.page,
                    score: h.best.score,
                    similarity: h.similarity,
                })
                .collect())
        };
        let context = answer::Context {
            corpus: &self.pages,
            names: &self.names,
            analyzer: &self.analyzer,
            search: Some(&search),
        };
        answer::answer(&context, question.as_str(), explain)
    }

    /// Runs a search end to end, embedding the query when the mode needs it, and answers it
    /// when it is a question the concept graph answers.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, EngineError> {
        let started = Instant::now();
        let vector = match request.mode() {
            Mode::Keyword => None,
            Mode::Semantic | Mode::Hybrid => Some(self.query_vector(request.query())?),
        };
        let mut response =
            self.search_with_vector(request, vector.as_deref().map(Vec::as_slice))?;
        response.answer = self.answer(request.query(), request.explain())?;
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
        let started = Instant::now();
        let query = request.query().as_str();
        let grouped =
            self.rank_pages(query, vector, request.mode(), request.fusion(), request.k())?;
        let highlighter = Highlighter::new(&self.analyzer, query);
        let mut results = Vec::with_capacity(grouped.len());
        for hit in grouped {
            // A page-level keyword hit names no particular chunk: show the one whose words
            // match the query best.
            let chunk_id = match (hit.best.semantic, self.keyword.unit()) {
                (None, KeywordUnit::Page) => self
                    .page_chunks
                    .get(&hit.page)
                    .and_then(|range| {
                        range.clone().max_by_key(|&c| {
                            let text = self.chunks.get(c).map_or("", |c| c.text.as_str());
                            // Earlier chunk wins a tie: it opens the page.
                            (highlighter.matches(text), std::cmp::Reverse(c))
                        })
                    })
                    .map_or(hit.best.chunk, |c| c as u32),
                _ => hit.best.chunk,
            };
            let (Some(chunk), Some(page)) = (
                self.chunks.get(chunk_id as usize),
                self.pages.get(&hit.page),
            ) else {
                continue;
            };
            let passage = highlighter.passage(&chunk.text);
            let mut ancestry = self.pages.graph().breadcrumbs(&page.id);
            ancestry.pop();
            results.push(SearchResult {
                id: page.id.clone(),
                kind: page.kind,
                title: page.title.clone(),
                score: hit.best.score,
                section: chunk.section.clone(),
                passage: passage.text,
                passage_html: passage.html,
                highlights: passage.highlights,
                ancestry,
                explain: request.explain().then_some(Explanation {
                    keyword: hit.best.keyword,
                    semantic: hit.best.semantic,
                    fused: hit.best.score,
                    chunk: chunk_id,
                    matched_chunks: hit.matched_chunks,
                }),
            });
        }
        Ok(SearchResponse {
            query: query.to_string(),
            mode: request.mode(),
            fusion: (request.mode() == Mode::Hybrid).then_some(request.fusion()),
            results,
            answer: None,
            generation: self.generation.clone(),
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// The best `limit` pages for a query (text already [`crate::request::normalise`]d), each
    /// with the chunk that stands for it.
    pub fn rank_pages(
        &self,
        query: &str,
        vector: Option<&[f32]>,
        mode: Mode,
        fusion: Fusion,
        limit: usize,
    ) -> Result<Vec<GroupedHit>, EngineError> {
        let page_of = |chunk: u32| self.chunks.get(chunk as usize).map(|c| c.concept.as_str());
        if mode == Mode::Hybrid && self.config.fuse_level == FuseLevel::Chunk {
            let fused = self.rank_chunks(query, vector, mode, fusion)?;
            return Ok(fusion::group_by_page(&fused, page_of, limit));
        }
        // Rank pages within each leg and fuse the page rankings. A page is keyed by its first
        // chunk id while ranking, so no page name is hashed or copied until the final `limit`.
        let (keyword, semantic) = self.legs(query, vector, mode)?;
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
        Ok(fused_pages
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
            .collect())
    }

    /// Each leg's chunk candidates, for the legs the mode asks for. The legs run one after the
    /// other: running them on two threads measured no faster on SciFact (waking a pool
    /// thread costs about what the shorter leg takes; BENCHMARKS.md).
    fn legs(
        &self,
        query: &str,
        vector: Option<&[f32]>,
        mode: Mode,
    ) -> Result<(Vec<LegHit>, Vec<LegHit>), EngineError> {
        let depth = self.config.candidates;
        let keyword = || {
            let query = KeywordQuery {
                text: query,
                comparison: answer::question::asks_for_comparison(query),
            };
            self.keyword.search(query, depth)
        };
        let semantic = || -> Result<Vec<LegHit>, EngineError> {
            let v = vector.ok_or(EngineError::MissingVector)?;
            Ok(self.vectors.search(v, depth)?)
        };
        Ok(match mode {
            Mode::Keyword => (keyword()?, Vec::new()),
            Mode::Semantic => (Vec::new(), semantic()?),
            Mode::Hybrid => (keyword()?, semantic()?),
        })
    }

    /// Chunk candidates from the legs the mode asks for, fused, best first.
    pub fn rank_chunks(
        &self,
        query: &str,
        vector: Option<&[f32]>,
        mode: Mode,
        fusion: Fusion,
    ) -> Result<Vec<FusedHit>, EngineError> {
        let (keyword, semantic) = self.legs(query, vector, mode)?;
        Ok(match mode {
            Mode::Keyword => fusion::single_leg(&keyword, false),
            Mode::Semantic => fusion::single_leg(&semantic, true),
            Mode::Hybrid => fusion::fuse(&keyword, &semantic, fusion),
        })
    }
}
