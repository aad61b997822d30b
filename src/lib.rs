//! landscape: hybrid search over concept pages.
//!
//! The crate is split along the two paths a search service has:
//!
//! * the **indexing path** ([`indexer`]) reads a [`corpus`], splits it into [`chunk`]s,
//!   embeds them ([`embed`]) and writes a keyword index ([`keyword`]) and a vector index
//!   ([`vector`]) into a new generation of the [`store`];
//! * the **query path** ([`engine`]) opens the live generation, runs both legs for a query,
//!   [`fusion`] combines them, [`answer`] reads verdicts, comparisons and definitions off the
//!   concept graph, and [`http`] serves the result.
//!
//! The two legs are reached through the small traits in [`retrieve`], so that a deployment that
//! outgrows one machine can put an existing distributed engine behind them.

pub mod analytics;
pub mod answer;
pub mod chunk;
pub mod corpus;
pub mod embed;
pub mod engine;
pub mod eval;
pub mod filter;
pub mod fusion;
pub mod http;
pub mod indexer;
pub mod keyword;
pub mod live;
pub mod named;
pub mod request;
pub mod retrieve;
pub mod snippet;
pub mod spelling;
pub mod store;
pub mod tuning;
pub mod update;
pub mod vector;
pub mod web;
