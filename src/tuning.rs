//! The knobs of a build and of the query path, as the command line and `landscape eval`
//! expose them, and the one place that brings each into its valid range.
//!
//! Every default here is the measured best (BENCHMARKS.md, "Which choices moved the numbers");
//! the flags exist so that a change can be measured before it becomes a default.

use clap::Args;

use crate::chunk::ChunkParams;
use crate::corpus::Profile;
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
    /// Longest chunk in model tokens, prefix included (a build parameter) [default: 128 for
    /// sites, 256 for the concept format and evaluation documents].
    #[arg(long)]
    pub chunk_tokens: Option<usize>,
    /// Index each page title in its chunks' body text too (a build parameter).
    #[arg(long, default_value_t = KeywordParams::default().title_in_body, action = clap::ArgAction::Set)]
    pub title_in_body: bool,
    /// What BM25 scores: chunk or page (a build parameter).
    #[arg(long, default_value = "page")]
    pub keyword_unit: KeywordUnit,
    /// Keyword boost of the title field [default: 1 for sites, 0 for the concept format and
    /// evaluation documents].
    #[arg(long)]
    pub title_boost: Option<f32>,
    /// Keyword boost of the aliases field.
    #[arg(long, default_value_t = FieldBoosts::default().aliases)]
    pub aliases_boost: f32,
    /// Keyword boost of the section headings field.
    #[arg(long, default_value_t = FieldBoosts::default().headings)]
    pub headings_boost: f32,
    /// Keyword boost of the code blocks field.
    #[arg(long, default_value_t = FieldBoosts::default().code)]
    pub code_boost: f32,
    /// The site's language, for the keyword stemmer: english, french, german, spanish, … or
    /// simple (no stemming) (a build parameter).
    #[arg(long, default_value = "english", env = "LANDSCAPE_LANGUAGE")]
    pub language: Language,
    /// Build and serve the keyword leg only: no embeddings, no vector index. For sites in a
    /// language the English embedding model does not read (a build parameter).
    #[arg(long, env = "LANDSCAPE_KEYWORD_ONLY")]
    pub keyword_only: bool,
    /// Semantic share of weighted fusion when a request gives no `ratio` [default: 0.4 for
    /// sites, 0.5 for the concept format and evaluation documents].
    #[arg(long)]
    pub semantic_ratio: Option<f32>,
    /// Hybrid mode fuses chunk rankings or page rankings: chunk or page.
    #[arg(long, default_value = "page")]
    pub fuse_level: FuseLevel,
    /// A page's score in a leg from its chunks' scores: max or sum.
    #[arg(long, default_value = "max")]
    pub aggregation: Aggregation,
    /// Match misspelled words to the index's words, for requests that do not say (`typos`).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, env = "LANDSCAPE_TYPOS")]
    pub typos: bool,
    /// Match the last word as a beginning while it is typed, for requests that do not say
    /// (`prefix`).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, env = "LANDSCAPE_PREFIX")]
    pub prefix: bool,
    /// Query vectors kept for repeated queries; 0 embeds every query (for load tests).
    #[arg(long, default_value_t = EngineConfig::default().query_cache)]
    pub query_cache: usize,
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
            chunk_tokens: None,
            title_in_body: build.keyword.title_in_body,
            keyword_unit: build.keyword.unit,
            language: build.keyword.language,
            keyword_only: !build.semantic,
            title_boost: None,
            semantic_ratio: None,
            aliases_boost: engine.boosts.aliases,
            headings_boost: engine.boosts.headings,
            code_boost: engine.boosts.code,
            fuse_level: engine.fuse_level,
            aggregation: engine.aggregation,
            typos: engine.spelling.typos,
            prefix: engine.spelling.prefix,
            query_cache: engine.query_cache,
        }
    }
}

/// The defaults that depend on what kind of text a corpus holds, each measured on its kind
/// (BENCHMARKS.md, "Your own site as it is"): documentation sites gain from shorter chunks (a
/// reference page covers many small topics), from their titles (which name the topic) and,
/// with titles counted, from leaning fusion towards keywords (semantic share 0.4), while the
/// concept pages and SciFact's abstracts measured best with 256-token chunks, no separate
/// title boost and an even fusion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindDefaults {
    pub chunk_tokens: usize,
    pub title_boost: f32,
    pub semantic_ratio: f32,
}

impl KindDefaults {
    pub fn of(profile: Profile) -> KindDefaults {
        match profile {
            Profile::Site => KindDefaults {
                chunk_tokens: 128,
                title_boost: 1.0,
                semantic_ratio: 0.4,
            },
            Profile::Concepts | Profile::Documents => KindDefaults {
                chunk_tokens: ChunkParams::default().max_tokens,
                title_boost: FieldBoosts::default().title,
                semantic_ratio: crate::fusion::DEFAULT_SEMANTIC_RATIO,
            },
        }
    }
}

impl Tuning {
    /// The build settings for a corpus of `profile`, each brought into its valid range (an
    /// HNSW graph needs two links per node; a chunk must fit the model's window and hold more
    /// than its prefix).
    pub fn build_options(&self, profile: Profile) -> BuildOptions {
        let defaults = KindDefaults::of(profile);
        let chunk_tokens = self.chunk_tokens.unwrap_or(defaults.chunk_tokens);
        BuildOptions {
            hnsw: HnswParams {
                m: self.hnsw_m.max(2),
                ef_construction: self.ef_construction.max(1),
                ef_search: self.ef_search.max(1),
            },
            chunk: ChunkParams {
                max_tokens: chunk_tokens.clamp(MIN_CHUNK_TOKENS, MAX_TOKENS),
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

    /// The query settings for a corpus of `profile`, each brought into its valid range (boosts
    /// are not negative).
    pub fn engine_config(&self, profile: Profile) -> EngineConfig {
        let defaults = KindDefaults::of(profile);
        let title_boost = self.title_boost.unwrap_or(defaults.title_boost);
        let semantic_ratio = self.semantic_ratio.unwrap_or(defaults.semantic_ratio);
        EngineConfig {
            ef_search: self.ef_search.max(1),
            candidates: self.candidates.clamp(1, MAX_CANDIDATES),
            fuse_level: self.fuse_level,
            boosts: FieldBoosts {
                title: title_boost.max(0.0),
                aliases: self.aliases_boost.max(0.0),
                body: 1.0,
                headings: self.headings_boost.max(0.0),
                code: self.code_boost.max(0.0),
            },
            aggregation: self.aggregation,
            semantic_ratio: semantic_ratio.clamp(0.0, 1.0),
            spelling: crate::spelling::Spelling {
                typos: self.typos,
                prefix: self.prefix,
            },
            query_cache: self.query_cache,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_library_defaults() {
        let t = Tuning::default();
        for profile in [Profile::Concepts, Profile::Documents] {
            assert_eq!(t.build_options(profile), BuildOptions::default());
            assert_eq!(t.engine_config(profile), EngineConfig::default());
        }
        assert_eq!(t.build_options(Profile::Site).chunk.max_tokens, 128);
        assert_eq!(t.engine_config(Profile::Site).boosts.title, 1.0);
        assert_eq!(t.engine_config(Profile::Site).semantic_ratio, 0.4);
        let given = Tuning {
            chunk_tokens: Some(200),
            title_boost: Some(0.0),
            ..Tuning::default()
        };
        assert_eq!(given.build_options(Profile::Site).chunk.max_tokens, 200);
        assert_eq!(given.engine_config(Profile::Site).boosts.title, 0.0);
    }

    #[test]
    fn values_out_of_range_are_brought_in() {
        let t = Tuning {
            hnsw_m: 0,
            chunk_tokens: Some(5),
            candidates: 0,
            aliases_boost: -1.0,
            ..Tuning::default()
        };
        let p = Profile::Site;
        assert_eq!(t.build_options(p).hnsw.m, 2);
        assert_eq!(t.build_options(p).chunk.max_tokens, MIN_CHUNK_TOKENS);
        assert_eq!(t.engine_config(p).candidates, 1);
        assert_eq!(t.engine_config(p).boosts.aliases, 0.0);
    }
}
