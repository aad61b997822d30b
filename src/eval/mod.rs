//! Measuring retrieval quality the way IR research does: standard collections (BEIR layout)
//! and the built-in question set, trec_eval-compatible metrics, TREC run files and reports.

pub mod dataset;
pub mod metrics;
pub mod report;
pub mod runner;
pub mod trec;
