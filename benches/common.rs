#![allow(dead_code)]
//! Shared by the benches: the real model and an index of the built-in corpus in a temp folder.

use std::path::PathBuf;
use std::sync::Arc;

use landscape::corpus::Corpus;
use landscape::embed::{LocalModel, ModelPaths};
use landscape::indexer::{self, BuildOptions, BuildReport};
use landscape::store::Store;

pub fn model() -> Arc<LocalModel> {
    Arc::new(LocalModel::load(&ModelPaths::from_env()).expect("run scripts/setup-model first"))
}

pub fn builtin_corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

pub fn build(corpus: &Corpus, store: &Store, model: &LocalModel) -> BuildReport {
    indexer::build(
        store,
        corpus,
        model,
        model.token_counter(),
        &BuildOptions::default(),
        &mut |_, _| {},
    )
    .expect("build")
}

/// Questions of the kinds people type, for latency runs.
pub const QUERIES: &[&str] = &[
    "is GPT-4 generative AI?",
    "why do chatbots make things up",
    "RAG vs fine-tuning",
    "what is a transformer",
    "how does attention work",
    "diffusion model image generation",
    "GAN",
    "making models smaller with int8 weights",
    "reinforcement learning from human feedback",
    "difference between supervised and self-supervised learning",
    "what is BERT used for",
    "how are large language models pretrained",
    "chat gpt",
    "neural network layers and weights",
    "foundation model",
    "deep learning vs machine learning",
];
