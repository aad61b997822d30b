//! Integration tests: real model, real tantivy index, real HNSW graph, small corpora built here.
//! One test binary, so the model loads once and the crate links once.

mod common;

mod answers;
mod browser;
mod builtin_corpus;
mod chunking;
mod corpus_errors;
mod embedding;
mod eval;
mod front_ends;
mod hnsw;
mod http_api;
mod metrics;
mod openapi;
mod properties;
mod rebuild;
mod reload;
mod search;
mod sites;
mod spelling;
mod store;
mod tuning;
mod verdicts;
mod writes;
