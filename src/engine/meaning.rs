//! Query vectors: the texts a search reads for its meaning, embedded through the query cache.
//!
//! Everything a request needs from the model goes through [`Engine::query_vectors`] in one
//! call: the query's own readings and the names its answer looks up by meaning
//! ([`super::answering`]). Behind a batching model ([`crate::embed::Batched`]) that call also
//! shares the model with other requests arriving at the same time.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{blend, meaning_text, Engine, EngineError, QueryWord, Typed};
use crate::embed::{EmbedError, MAX_QUERY_TOKENS};

impl Engine {
    /// The query's unit vector, from a small LRU cache when the same text was asked before.
    pub fn query_vector(&self, query: &str) -> Result<Arc<Vec<f32>>, EngineError> {
        let mut vectors = self.query_vectors(&[query.to_string()])?;
        vectors
            .pop()
            .ok_or_else(|| EmbedError::Inference("the model returned no vector".into()).into())
    }

    /// Unit vectors of `texts`, in order: each from the query cache when asked before, all the
    /// others embedded together in one model call.
    pub(super) fn query_vectors(
        &self,
        texts: &[String],
    ) -> Result<Vec<Arc<Vec<f32>>>, EngineError> {
        let mut found: Vec<Option<Arc<Vec<f32>>>> = vec![None; texts.len()];
        if let Some(Ok(mut cache)) = self.query_vectors.as_deref().map(Mutex::lock) {
            for (slot, text) in found.iter_mut().zip(texts) {
                *slot = cache.get(text).cloned();
            }
        }
        let mut missing: Vec<String> = Vec::new();
        for (slot, text) in found.iter().zip(texts) {
            if slot.is_some() {
                metrics::counter!("landscape_query_cache_hits_total").increment(1);
            } else if !missing.contains(text) {
                metrics::counter!("landscape_query_cache_misses_total").increment(1);
                missing.push(text.clone());
            }
        }
        if !missing.is_empty() {
            self.embedded
                .fetch_add(missing.len() as u64, Ordering::Relaxed);
            self.model_calls.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let vectors = self.model.embed(&missing, missing.len())?;
            metrics::histogram!("landscape_query_embedding_seconds")
                .record(started.elapsed().as_secs_f64());
            if vectors.len() != missing.len() {
                let message = "the model returned a vector count other than asked".into();
                return Err(EmbedError::Inference(message).into());
            }
            let vectors: Vec<Arc<Vec<f32>>> = vectors.into_iter().map(Arc::new).collect();
            let mut cache = self.query_vectors.as_deref().map(Mutex::lock);
            for (text, v) in missing.iter().zip(&vectors) {
                if let Some(Ok(cache)) = cache.as_mut() {
                    cache.put(text.clone(), v.clone());
                }
                for (slot, t) in found.iter_mut().zip(texts) {
                    if slot.is_none() && t == text {
                        *slot = Some(v.clone());
                    }
                }
            }
        }
        found
            .into_iter()
            .map(|v| v.ok_or_else(|| EmbedError::Inference("a text was not embedded".into())))
            .collect::<Result<_, _>>()
            .map_err(EngineError::from)
    }

    /// The texts the semantic leg embeds for a query, whose vectors [`blend`] into one: the
    /// text as typed, and, when the keyword leg corrected any of its words, the text with each
    /// replaced by its best correction. The model reads a misspelled word as unrelated word
    /// pieces ("reinforcment lerning" lands nearer reranking than reinforcement learning), so
    /// the correction serves both legs; but a word the index lacks may be a right word the
    /// model knows ("tricking", which the index would read as "tracking"), so the reading as
    /// typed keeps half the say. A half-typed last word is left as typed: which of its
    /// completions is meant is a guess the keyword leg can afford (it ranks them all) and an
    /// embedding cannot. The model reads the first [`MAX_QUERY_TOKENS`] tokens of each.
    pub fn meaning_texts(&self, query: Typed<'_>) -> Vec<String> {
        self.meaning_texts_of(query.text, &self.words(query))
    }

    /// [`Engine::meaning_texts`] of a query whose words are already planned.
    pub(super) fn meaning_texts_of(&self, text: &str, words: &[QueryWord]) -> Vec<String> {
        let text = self.model.within_tokens(text, MAX_QUERY_TOKENS);
        let corrected = meaning_text(text, words);
        if corrected == text {
            vec![corrected]
        } else {
            vec![text.to_string(), corrected]
        }
    }

    /// The query vector of a search: [`Engine::meaning_texts`] embedded (each through the
    /// query cache) and blended.
    pub fn query_vector_for(&self, query: Typed<'_>) -> Result<Arc<Vec<f32>>, EngineError> {
        let texts = self.meaning_texts(query);
        Ok(blended(&self.query_vectors(&texts)?))
    }

    /// How many model calls queries have made since the engine opened: at most one per
    /// request, however many texts the request embeds.
    pub fn query_model_calls(&self) -> u64 {
        self.model_calls.load(Ordering::Relaxed)
    }
}

/// One vector for the readings of a query: the only one as it is, several [`blend`]ed.
pub(super) fn blended(vectors: &[Arc<Vec<f32>>]) -> Arc<Vec<f32>> {
    match vectors {
        [only] => only.clone(),
        _ => {
            let owned: Vec<Vec<f32>> = vectors.iter().map(|v| v.as_ref().clone()).collect();
            Arc::new(blend(&owned))
        }
    }
}
