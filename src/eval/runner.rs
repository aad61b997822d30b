//! Running an evaluation set through the real engine: build (or reuse) its index, embed the
//! queries once, rank every query in every mode, and score the runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::answer::Verdict;
use crate::chunk::TokenCounter;
use crate::embed::{embed_cached, Embed, EmbedError, EmbeddingCache};
use crate::engine::{Engine, EngineConfig, EngineError, Mode};
use crate::eval::dataset::EvalSet;
use crate::eval::metrics::{self, Metrics, Run};
use crate::eval::report::Report;
use crate::fusion::Fusion;
use crate::indexer::{self, BuildError, BuildOptions};
use crate::request::{QueryText, RequestError, SearchParams};
use crate::store::{Store, StoreError};
use crate::tuning::Tuning;

/// Documents scored per query: Recall@100 and MAP@100 need a hundred.
pub const RUN_DEPTH: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error("query {id}: {source}")]
    Query {
        id: String,
        #[source]
        source: RequestError,
    },
}

/// One way of ranking: a mode and, in hybrid mode, a fusion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeSpec {
    /// Name used in reports and as the TREC run tag ("keyword", "hybrid-rrf", ...).
    pub name: String,
    pub mode: Mode,
    pub fusion: Fusion,
    /// Whether the spec named its weighted-fusion ratio (`weighted:0.3`); without one, the
    /// engine's default for the corpus applies, as it does for a request.
    pub ratio_given: bool,
}

impl ModeSpec {
    /// The fusion to run with `defaults` for what the spec left out.
    pub fn fusion_with(&self, defaults: crate::request::RequestDefaults) -> Fusion {
        match self.fusion {
            Fusion::Weighted { .. } if !self.ratio_given => Fusion::Weighted {
                semantic_ratio: defaults.semantic_ratio,
            },
            other => other,
        }
    }

    /// Every mode the service offers, each hybrid fusion with its default constant.
    pub fn all() -> Vec<ModeSpec> {
        ["keyword", "semantic", "rrf", "weighted", "dbsf"]
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

impl std::str::FromStr for ModeSpec {
    type Err = RequestError;

    /// `keyword`, `semantic`, `hybrid`, or a fusion with its constant: `rrf[:K]`,
    /// `weighted[:SEMANTIC_RATIO]` or `dbsf`. Read with the same rules (and messages) as a
    /// search request's `mode`, `fusion`, `rrf_k` and `ratio`.
    fn from_str(s: &str) -> Result<ModeSpec, RequestError> {
        let (method, value) = match s.split_once(':') {
            Some((m, v)) => (m, Some(v.to_string())),
            None => (s, None),
        };
        let ratio_given = method == "weighted" && value.is_some();
        let mut text = crate::request::TextParams::default();
        match method {
            "keyword" | "semantic" | "hybrid" => text.mode = Some(method.to_string()),
            _ => text.fusion = Some(method.to_string()),
        }
        match method {
            "rrf" => text.rrf_k = value,
            "weighted" => text.ratio = value,
            // A constant where none belongs: say so in the terms of a request.
            _ if value.is_some() => return Err(RequestError::ConflictingFusion),
            _ => {}
        }
        let (mode, fusion) = SearchParams::ranking(&text.parse()?)?;
        let name = match mode {
            Mode::Hybrid if method != "hybrid" => format!("hybrid-{}", s.replace(':', "-")),
            _ => method.to_string(),
        };
        Ok(ModeSpec {
            name,
            mode,
            fusion,
            ratio_given,
        })
    }
}

/// Runs a whole evaluation: builds or reuses the set's index in `store`, ranks every query in
/// every mode, measures HNSW recall and the answers' verdicts, and gathers it all in a report
/// (not yet written: [`Report::write`]).
pub fn evaluate(
    set: &EvalSet,
    store: &Store,
    model: Arc<dyn Embed>,
    counter: &TokenCounter,
    tuning: &Tuning,
    modes: &[ModeSpec],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Report, EvalError> {
    let profile = set.corpus.profile();
    let (build, config) = (tuning.build_options(profile), tuning.engine_config(profile));
    let prepared = prepare_index(set, store, model.clone(), counter, &build, config, progress)?;
    let engine = &prepared.engine;
    let mut cache = EmbeddingCache::open(&store.embeddings_dir(), model.identity())?;
    let query_vectors = embed_queries(set, engine, model.as_ref(), &mut cache)?;
    let modes = run_modes(set, engine, &query_vectors, modes)?;
    let mut report = Report {
        hnsw_recall_at_10: hnsw_recall_at_10(engine, &cache, &query_vectors)?,
        verdicts: score_verdicts(set, engine)?,
        dataset: set.name.clone(),
        source: set.source.display().to_string(),
        documents: set.corpus.pages().len(),
        chunks: engine.chunks().len(),
        queries: set.queries.len(),
        model: engine.model().clone(),
        build,
        engine: config,
        generation: engine.generation().to_string(),
        index_built: prepared.built,
        index_seconds: prepared.elapsed.as_secs_f64(),
        per_query: modes
            .iter()
            .map(|m| (m.spec.name.clone(), m.per_query.clone()))
            .collect(),
        modes,
        by_type: Default::default(),
    };
    report.summarise_types(&set.types);
    Ok(report)
}

/// The index an evaluation set is searched in, and how it came to be.
pub struct PreparedIndex {
    pub engine: Engine,
    /// False when an index built earlier from the same documents and options was reused.
    pub built: bool,
    pub elapsed: Duration,
}

/// Opens the index of `set` in `store`, building it first unless the live generation was
/// built from the same documents, model and options.
pub fn prepare_index(
    set: &EvalSet,
    store: &Store,
    model: Arc<dyn Embed>,
    counter: &TokenCounter,
    build: &BuildOptions,
    engine: EngineConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<PreparedIndex, EvalError> {
    let started = Instant::now();
    let built = !indexer::is_up_to_date(store, &set.corpus, model.as_ref(), build)?;
    if built {
        indexer::build(store, &set.corpus, model.as_ref(), counter, build, progress)?;
    }
    Ok(PreparedIndex {
        engine: Engine::open(store, model, engine)?,
        built,
        elapsed: started.elapsed(),
    })
}

/// The results of one mode over every query.
#[derive(Debug, Clone, Serialize)]
pub struct ModeResult {
    pub spec: ModeSpec,
    pub mean: Metrics,
    #[serde(skip)]
    pub per_query: std::collections::BTreeMap<String, Metrics>,
    /// Ranked documents per query, in query order (what the TREC run file holds).
    #[serde(skip)]
    pub run: Vec<(String, Vec<(String, f64)>)>,
    /// Time to rank one query, excluding the query's embedding.
    pub latency: Latency,
}

/// Per-query ranking times in milliseconds: what a search costs once the query vector exists
/// (the embedding is cached or computed elsewhere).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Latency {
    /// Summarises per-query times; percentiles are nearest-rank.
    pub fn of(times: &[Duration]) -> Latency {
        if times.is_empty() {
            return Latency::default();
        }
        let mut ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
        Latency {
            mean_ms: ms.iter().sum::<f64>() / ms.len() as f64,
            p50_ms: rank(0.50),
            p99_ms: rank(0.99),
        }
    }
}

/// How many of the exact 10 nearest chunks the HNSW graph returns, averaged over the queries:
/// the price of approximate search, measured on the set's own data.
/// `query_vectors` are [`embed_queries`]'s; chunk vectors come from the build's cache.
pub fn hnsw_recall_at_10(
    engine: &Engine,
    cache: &EmbeddingCache,
    query_vectors: &[Vec<f32>],
) -> Result<f64, EvalError> {
    let chunk_vectors: Vec<Vec<f32>> = engine
        .chunks()
        .iter()
        .map(|c| {
            cache.get(&c.embedding_text()).cloned().ok_or_else(|| {
                EmbedError::Inference("a chunk's vector is missing from the cache".into())
            })
        })
        .collect::<Result<_, _>>()?;
    let mut total = 0.0;
    for vector in query_vectors {
        let exact: std::collections::HashSet<u32> =
            crate::vector::exact_search(&chunk_vectors, vector, 10)
                .into_iter()
                .map(|h| h.chunk)
                .collect();
        let approximate =
            engine.rank_chunks("", Some(vector), Mode::Semantic, Fusion::default(), None)?;
        let found = approximate
            .iter()
            .take(10)
            .filter(|h| exact.contains(&h.chunk))
            .count();
        total += found as f64 / exact.len().max(1) as f64;
    }
    Ok(total / query_vectors.len().max(1) as f64)
}

/// Every query's vector, in query order, through the embedding cache (so a rerun needs no
/// model time). The set's texts are already normalised like a typed query's, and embedded as
/// the served search embeds them ([`Engine::meaning_texts`], blended).
pub fn embed_queries(
    set: &EvalSet,
    engine: &Engine,
    model: &dyn Embed,
    cache: &mut EmbeddingCache,
) -> Result<Vec<Vec<f32>>, EvalError> {
    let readings: Vec<Vec<String>> = set
        .queries
        .iter()
        .map(|q| engine.meaning_texts(q.text.as_str().into()))
        .collect();
    let texts: Vec<String> = readings.iter().flatten().cloned().collect();
    let mut vectors = embed_cached(model, cache, &texts, 16, &mut |_, _| {})?.into_iter();
    Ok(readings
        .iter()
        .map(|r| {
            let own: Vec<Vec<f32>> = vectors.by_ref().take(r.len()).collect();
            match own.len() {
                1 => own.into_iter().next().unwrap_or_default(),
                _ => crate::engine::blend(&own),
            }
        })
        .collect())
}

/// Runs each mode over every query; `vectors` are [`embed_queries`]'s.
pub fn run_modes(
    set: &EvalSet,
    engine: &Engine,
    vectors: &[Vec<f32>],
    modes: &[ModeSpec],
) -> Result<Vec<ModeResult>, EvalError> {
    let mut results = Vec::new();
    for spec in modes {
        let fusion = spec.fusion_with(engine.request_defaults());
        let mut run = Vec::with_capacity(set.queries.len());
        let mut times = Vec::with_capacity(set.queries.len());
        for (query, vector) in set.queries.iter().zip(vectors) {
            let started = Instant::now();
            let pages = engine.rank_pages(
                query.text.as_str(),
                Some(vector),
                spec.mode,
                fusion,
                RUN_DEPTH,
                None,
            )?;
            times.push(started.elapsed());
            run.push((
                query.id.clone(),
                pages
                    .into_iter()
                    .map(|p| (p.page, f64::from(p.best.score)))
                    .collect::<Vec<_>>(),
            ));
        }
        let as_run: Run = run.iter().cloned().collect();
        let (per_query, mean) = metrics::evaluate(&set.qrels, &as_run);
        results.push(ModeResult {
            spec: ModeSpec {
                fusion,
                ..spec.clone()
            },
            mean,
            per_query,
            run,
            latency: Latency::of(&times),
        });
    }
    Ok(results)
}

/// How the answers' verdicts compare with the question set's, over its yes/no questions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VerdictScore {
    pub questions: usize,
    pub correct: usize,
    pub accuracy: f64,
    /// A `yes` that should have been `no`, or the reverse: the error that misleads.
    pub flipped: usize,
    /// `unknown`, or no answer at all, where a verdict was expected.
    pub unknown: usize,
    /// `not_stated`: both sides known, the corpus says neither yes nor no. Not right, but not
    /// a flip either.
    pub not_stated: usize,
    /// Every question answered wrongly, for reading.
    pub misses: Vec<VerdictMiss>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictMiss {
    pub id: String,
    pub query: String,
    pub expected: Verdict,
    /// `None` when the question got no verdict at all.
    pub got: Option<Verdict>,
}

/// Asks every question that has an expected verdict and scores the answers; `None` when the
/// set has no such questions.
pub fn score_verdicts(set: &EvalSet, engine: &Engine) -> Result<Option<VerdictScore>, EvalError> {
    if set.verdicts.is_empty() {
        return Ok(None);
    }
    let mut score = VerdictScore::default();
    for query in &set.queries {
        let Some(&expected) = set.verdicts.get(&query.id) else {
            continue;
        };
        let question = QueryText::new(&query.text).map_err(|source| EvalError::Query {
            id: query.id.clone(),
            source,
        })?;
        let got = engine.answer(&question, false)?.and_then(|a| a.verdict);
        score.questions += 1;
        match got {
            Some(v) if v == expected => score.correct += 1,
            Some(Verdict::Yes | Verdict::No) if expected != Verdict::Unknown => score.flipped += 1,
            Some(Verdict::NotStated) => score.not_stated += 1,
            Some(Verdict::Unknown) | None => score.unknown += 1,
            Some(_) => {}
        }
        if got != Some(expected) {
            score.misses.push(VerdictMiss {
                id: query.id.clone(),
                query: query.text.clone(),
                expected,
                got,
            });
        }
    }
    score.accuracy = score.correct as f64 / score.questions.max(1) as f64;
    Ok(Some(score))
}
