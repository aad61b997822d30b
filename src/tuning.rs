//! The knobs of a build and of the query path, as the command line and `landscape eval`
//! expose them, and the one place that brings each into its valid range.
//!
//! Every default here is the measured best (BENCHMARKS.md, "Which choices moved the numbers");
//! the flags exist so that a change can be measured before it becomes a default.

use clap::Args;

use crate::chunk::ChunkParams;
use crate::embed::MAX_TOKENS;
use crate::engine::{EngineConfig, FuseLevel};
use crate::fusion::Aggregation;
use crate::indexer::BuildOptions;
use crate::keyword::{FieldBoosts, KeywordParams, KeywordUnit, Language};
use crate::vector::HnswParams;

/// Most chunk candidates a leg may contribute: beyond it fusion costs more than it can gain.
pub const MAX_CANDIDATES: usize = 10_000;
/// Shortest chunk accepted, in model tokens: the page prefix alone takes about twenty.
pub const MIN_CHUNK_TOKENS: usize = 32;

/// Build and query settings. Build settings are recorded in the generation's manifest, so a
/// change of one means a new index; query settings apply when the engine opens.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct Tuning {
    /// HNSW links per node (a build parameter).
    #[arg(long, default_value_t = HnswParams::default().m)]
    pub hnsw_m: usize,
    /// HNSW candidate list while building (a build parameter).
    #[arg(long, default_value_t = HnswParams::default().ef_construction)]
    pub ef_construction: usize,
    /// HNSW candidate list while searching.
    #[arg(long, default_value_t = HnswParams::default().ef_search)]
    pub ef_search: usize,
    /// Chunks each leg contributes to fusion.
    #[arg(long, default_value_t = EngineConfig::default().candidates)]
    pub candidates: usize,
    /// Longest chunk in model tokens, prefix included (a build parameter).
    #[arg(long, default_value_t = ChunkParams::default().max_tokens)]
    pub chunk_tokens: usize,
    /// Index each page title in its chunks' body text too (a build parameter).
    #[arg(long, default_value_t = KeywordParams::default().title_in_body, action = clap::ArgAction::Set)]
    pub title_in_body: bool,
    /// What BM25 scores: chunk or page (a build parameter).
    #[arg(long, default_value = "page")]
    pub keyword_unit: KeywordUnit,
    /// Keyword boost of the title field.
    #[arg(long, default_value_t = FieldBoosts::default().title)]
    pub title_boost: f32,
    /// Keyword boost of the aliases field.
    #[arg(long, default_value_t = FieldBoosts::default().aliases)]
    pub aliases_boost: f32,
    /// Keyword boost of the section headings field.
    #[arg(long, default_value_t = FieldBoosts::default().headings)]
    pub headings_boost: f32,
    /// The site's language, for the keyword stemmer: english, french, german, spanish, … or
    /// simple (no stemming) (a build parameter).
    #[arg(long, default_value = "english", env = "LANDSCAPE_LANGUAGE")]
    pub language: Language,
    /// Build and serve the keyword leg only: no embeddings, no vector index. For sites in a
    /// language the English embedding model does not read (a build parameter).
    #[arg(long, env = "LANDSCAPE_KEYWORD_ONLY")]
    pub keyword_only: bool,
    /// Hybrid mode fuses chunk rankings or page rankings: chunk or page.
    #[arg(long, default_value = "page")]
    pub fuse_level: FuseLevel,
    /// A page's score in a leg from its chunks' scores: max or sum.
    #[arg(long, default_value = "max")]
    pub aggregation: Aggregation,
}

impl Default for Tuning {
    fn default() -> Tuning {
        let build = BuildOptions::default();
        let engine = EngineConfig::default();
        Tuning {
            hnsw_m: build.hnsw.m,
            ef_construction: build.hnsw.ef_construction,
            ef_search: engine.ef_search,
            candidates: engine.candidates,
            chunk_tokens: build.chunk.max_tokens,
            title_in_body: build.keyword.title_in_body,
            keyword_unit: build.keyword.unit,
            language: build.keyword.language,
            keyword_only: !build.semantic,
            title_boost: engine.boosts.title,
            aliases_boost: engine.boosts.aliases,
            headings_boost: engine.boosts.headings,
            fuse_level: engine.fuse_level,
            aggregation: engine.aggregation,
        }
    }
}

impl Tuning {
    /// The build settings, each brought into its valid range (an HNSW graph needs two links
    /// per node; a chunk must fit the model's window and hold more than its prefix).
    pub fn build_options(&self) -> BuildOptions {
        BuildOptions {
            hnsw: HnswParams {
                m: self.hnsw_m.max(2),
                ef_construction: self.ef_construction.max(1),
                ef_search: self.ef_search.max(1),
            },
            chunk: ChunkParams {
                max_tokens: self.chunk_tokens.clamp(MIN_CHUNK_TOKENS, MAX_TOKENS),
                ..ChunkParams::default()
            },
            keyword: KeywordParams {
                title_in_body: self.title_in_body,
                unit: self.keyword_unit,
                language: self.language,
            },
            semantic: !self.keyword_only,
            ..BuildOptions::default()
        }
    }

    /// The query settings, each brought into its valid range (boosts are not negative).
    pub fn engine_config(&self) -> EngineConfig {
        EngineConfig {
            ef_search: self.ef_search.max(1),
            candidates: self.candidates.clamp(1, MAX_CANDIDATES),
            fuse_level: self.fuse_level,
            boosts: FieldBoosts {
                title: self.title_boost.max(0.0),
                aliases: self.aliases_boost.max(0.0),
                body: 1.0,
                headings: self.headings_boost.max(0.0),
            },
            aggregation: self.aggregation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_library_defaults() {
        let t = Tuning::default();
        assert_eq!(t.build_options(), BuildOptions::default());
        assert_eq!(t.engine_config(), EngineConfig::default());
    }

    #[test]
    fn values_out_of_range_are_brought_in() {
        let t = Tuning {
            hnsw_m: 0,
            chunk_tokens: 5,
            candidates: 0,
            aliases_boost: -1.0,
            ..Tuning::default()
        };
        assert_eq!(t.build_options().hnsw.m, 2);
        assert_eq!(t.build_options().chunk.max_tokens, MIN_CHUNK_TOKENS);
        assert_eq!(t.engine_config().candidates, 1);
        assert_eq!(t.engine_config().boosts.aliases, 0.0);
    }
}
