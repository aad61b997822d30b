//! Measuring retrieval quality the way IR research does: standard collections (BEIR layout)
//! and the built-in question set, trec_eval-compatible metrics, TREC run files and reports.

pub mod metrics;
pub mod trec;
pub mod dataset;
pub mod report;
pub mod runner;
