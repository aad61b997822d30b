//! Combining the two legs' rankings, and grouping chunk hits into page results.
//!
//! Pure functions over [`LegHit`] lists: no index, no model, so the arithmetic is tested exactly.
//!
//! * **RRF** (reciprocal rank fusion): `Σ 1 / (k + rank)` over the legs that found a chunk.
//!   Only ranks matter, so the legs' incomparable scales (BM25 is unbounded, cosine is in
//!   [-1, 1]) never need reconciling. `k` damps the advantage of the very top ranks.
//! * **Weighted** (the default): each leg's scores are min-max normalised to [0, 1] over its
//!   candidates, then `ratio · semantic + (1 − ratio) · keyword`; a leg that missed the item
//!   contributes 0. Unlike RRF it keeps how far ahead a leg's top hit is, which measured better
//!   on both evaluation sets.
//! * **DBSF**: like weighted, but each leg is scaled by its mean ± 3 standard deviations.
//!
//! Fusion works on any item: chunks ([`fuse`]) or pages ranked per leg ([`pages_of_leg`], then
//! [`fuse_ranked`]), which is how the engine uses it by default.

use std::collections::HashMap;
use std::hash::Hash;

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use crate::named::from_name_table;
use crate::retrieve::LegHit;

/// How hybrid mode combines the legs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum Fusion {
    Rrf {
        k: f32,
    },
    Weighted {
        semantic_ratio: f32,
    },
    /// Distribution-based score fusion: each leg's scores are scaled so that its mean ± 3
    /// standard deviations spans [0, 1], then summed. Robust to one leg's outliers, which
    /// min-max is not.
    Dbsf,
}

/// Min-max weighted fusion at an even ratio: the best of the three methods on both SciFact and
/// the built-in questions (BENCHMARKS.md, "Which choices moved the numbers").
impl Default for Fusion {
    fn default() -> Self {
        Fusion::Weighted {
            semantic_ratio: DEFAULT_SEMANTIC_RATIO,
        }
    }
}

/// The fusions by name, before their constants are known (`fusion=rrf`, `--modes rrf:30`).
/// Described in the API document as the names a request gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum FusionMethod {
    Rrf,
    Weighted,
    Dbsf,
}

from_name_table!(
    FusionMethod,
    "fusion",
    &[
        ("rrf", FusionMethod::Rrf),
        ("weighted", FusionMethod::Weighted),
        ("dbsf", FusionMethod::Dbsf)
    ]
);

pub const DEFAULT_SEMANTIC_RATIO: f32 = 0.5;

pub const DEFAULT_RRF_K: f32 = 60.0;

/// Where a chunk (or page) stood in one leg.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LegRank {
    /// 1-based.
    pub rank: usize,
    pub score: f32,
}

/// A chunk after fusion, remembering how each leg saw it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FusedHit {
    pub chunk: u32,
    pub score: f32,
    pub keyword: Option<LegRank>,
    pub semantic: Option<LegRank>,
}

/// Fuses two chunk rankings, best first. Ties are broken by chunk id, so results are
/// deterministic.
pub fn fuse(keyword: &[LegHit], semantic: &[LegHit], fusion: Fusion) -> Vec<FusedHit> {
    fuse_ranked(&pairs(keyword), &pairs(semantic), fusion)
        .into_iter()
        .map(FusedHit::from)
        .collect()
}

fn pairs(hits: &[LegHit]) -> Vec<(u32, f32)> {
    hits.iter().map(|h| (h.chunk, h.score)).collect()
}

impl From<Fused<u32>> for FusedHit {
    fn from(f: Fused<u32>) -> FusedHit {
        FusedHit {
            chunk: f.id,
            score: f.score,
            keyword: f.keyword,
            semantic: f.semantic,
        }
    }
}

/// One item (chunk or page) after fusion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fused<K> {
    pub id: K,
    pub score: f32,
    pub keyword: Option<LegRank>,
    pub semantic: Option<LegRank>,
}

/// Fuses two rankings of any kind of item, each best first. Ties are broken by id.
pub fn fuse_ranked<K: Copy + Eq + Hash + Ord>(
    keyword: &[(K, f32)],
    semantic: &[(K, f32)],
    fusion: Fusion,
) -> Vec<Fused<K>> {
    let blank = |id| Fused {
        id,
        score: 0.0,
        keyword: None,
        semantic: None,
    };
    let mut hits: FxHashMap<K, Fused<K>> = FxHashMap::default();
    hits.reserve(keyword.len() + semantic.len());
    for (i, &(id, score)) in keyword.iter().enumerate() {
        let e = hits.entry(id).or_insert_with(|| blank(id));
        e.keyword.get_or_insert(LegRank { rank: i + 1, score });
    }
    for (i, &(id, score)) in semantic.iter().enumerate() {
        let e = hits.entry(id).or_insert_with(|| blank(id));
        e.semantic.get_or_insert(LegRank { rank: i + 1, score });
    }
    let kw_scale = Scale::of(keyword, fusion);
    let se_scale = Scale::of(semantic, fusion);
    let mut out: Vec<Fused<K>> = hits
        .into_values()
        .map(|mut h| {
            let kw = h.keyword.map(|r| kw_scale.apply(r.score));
            let se = h.semantic.map(|r| se_scale.apply(r.score));
            h.score = match fusion {
                Fusion::Rrf { k } => {
                    h.keyword.map_or(0.0, |r| 1.0 / (k + r.rank as f32))
                        + h.semantic.map_or(0.0, |r| 1.0 / (k + r.rank as f32))
                }
                Fusion::Weighted { semantic_ratio } => {
                    semantic_ratio * se.unwrap_or(0.0) + (1.0 - semantic_ratio) * kw.unwrap_or(0.0)
                }
                Fusion::Dbsf => se.unwrap_or(0.0) + kw.unwrap_or(0.0),
            };
            h
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    out
}

/// Maps one leg's scores into [0, 1] (min-max for weighted fusion, mean ± 3σ for DBSF).
struct Scale {
    low: f32,
    high: f32,
}

impl Scale {
    fn of<K>(hits: &[(K, f32)], fusion: Fusion) -> Scale {
        match fusion {
            Fusion::Dbsf if !hits.is_empty() => {
                let n = hits.len() as f32;
                let mean = hits.iter().map(|h| h.1).sum::<f32>() / n;
                let var = hits.iter().map(|h| (h.1 - mean).powi(2)).sum::<f32>() / n;
                let sd = var.sqrt();
                Scale {
                    low: mean - 3.0 * sd,
                    high: mean + 3.0 * sd,
                }
            }
            _ => hits.iter().fold(
                Scale {
                    low: f32::INFINITY,
                    high: f32::NEG_INFINITY,
                },
                |s, h| Scale {
                    low: s.low.min(h.1),
                    high: s.high.max(h.1),
                },
            ),
        }
    }

    /// When every candidate scored the same, each gets 1.
    fn apply(&self, score: f32) -> f32 {
        if self.high > self.low {
            ((score - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
        } else {
            1.0
        }
    }
}

/// How a page's chunk scores in one leg become the page's score in that leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Aggregation {
    /// The page's best chunk: a page is as good as its best passage, whatever its length.
    #[default]
    Max,
    /// All of the page's candidate chunks: favours pages that match in many places.
    Sum,
}

from_name_table!(
    Aggregation,
    "aggregation",
    &[("max", Aggregation::Max), ("sum", Aggregation::Sum)]
);

/// A page as one leg saw it: the page's score in that leg and the chunk that earned it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageHit<K> {
    pub page: K,
    /// The page's chunk scores, aggregated.
    pub score: f32,
    /// The page's best chunk in this leg (its first in the leg's ranking).
    pub best_chunk: u32,
    /// That chunk's own score in the leg (a cosine in the semantic leg), whatever the
    /// aggregation made of the page's score.
    pub best_score: f32,
    /// How many of the page's chunks the leg returned.
    pub chunks: usize,
}

/// Turns one leg's chunk ranking into a page ranking, best first (ties by page key).
pub fn pages_of_leg<K: Copy + Eq + Hash + Ord>(
    hits: &[LegHit],
    page_of: impl Fn(u32) -> Option<K>,
    aggregation: Aggregation,
) -> Vec<PageHit<K>> {
    let mut order: Vec<PageHit<K>> = Vec::new();
    let mut index: FxHashMap<K, usize> = FxHashMap::default();
    index.reserve(hits.len());
    for hit in hits {
        let Some(page) = page_of(hit.chunk) else {
            continue;
        };
        match index.get(&page) {
            Some(&i) => {
                let p = &mut order[i];
                p.chunks += 1;
                p.score = match aggregation {
                    Aggregation::Sum => p.score + hit.score,
                    Aggregation::Max => p.score.max(hit.score),
                };
            }
            None => {
                index.insert(page, order.len());
                order.push(PageHit {
                    page,
                    score: hit.score,
                    best_chunk: hit.chunk,
                    best_score: hit.score,
                    chunks: 1,
                });
            }
        }
    }
    order.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.page.cmp(&b.page)));
    order
}

/// A page ranking as `(page, score)` pairs, the shape [`fuse_ranked`] and [`single_ranked`] take.
pub fn page_scores<K: Copy>(pages: &[PageHit<K>]) -> Vec<(K, f32)> {
    pages.iter().map(|p| (p.page, p.score)).collect()
}

/// One leg's chunks alone, as fused hits whose score is the leg's own score.
pub fn single_leg(hits: &[LegHit], semantic: bool) -> Vec<FusedHit> {
    single_ranked(&pairs(hits), semantic)
        .into_iter()
        .map(FusedHit::from)
        .collect()
}

/// One leg's ranking of any kind of item alone, each item keeping the leg's own score.
pub fn single_ranked<K: Copy>(hits: &[(K, f32)], semantic: bool) -> Vec<Fused<K>> {
    hits.iter()
        .enumerate()
        .map(|(i, &(id, score))| {
            let rank = Some(LegRank { rank: i + 1, score });
            Fused {
                id,
                score,
                keyword: if semantic { None } else { rank },
                semantic: if semantic { rank } else { None },
            }
        })
        .collect()
}

/// A page's place in the results: its best chunk stands for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupedHit {
    pub page: String,
    pub best: FusedHit,
    /// How many of the page's chunks were among the fused hits.
    pub matched_chunks: usize,
    /// The cosine similarity of the page's best chunk to the query, when the semantic leg
    /// found the page: how close in meaning the page is, whatever fusion made of its rank.
    pub similarity: Option<f32>,
}

/// Groups fused chunk hits by page (in fused order), keeping each page's best chunk, and
/// returns the first `limit` pages.
pub fn group_by_page<'a>(
    hits: &[FusedHit],
    page_of: impl Fn(u32) -> Option<&'a str>,
    limit: usize,
) -> Vec<GroupedHit> {
    let mut order: Vec<GroupedHit> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for hit in hits {
        let Some(page) = page_of(hit.chunk) else {
            continue;
        };
        match index.get(page) {
            Some(&i) => order[i].matched_chunks += 1,
            None => {
                index.insert(page, order.len());
                order.push(GroupedHit {
                    page: page.to_string(),
                    best: *hit,
                    matched_chunks: 1,
                    similarity: hit.semantic.map(|s| s.score),
                });
            }
        }
    }
    order.truncate(limit);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(pairs: &[(u32, f32)]) -> Vec<LegHit> {
        pairs
            .iter()
            .map(|&(chunk, score)| LegHit { chunk, score })
            .collect()
    }

    #[test]
    fn rrf_sums_reciprocal_ranks() {
        let kw = hits(&[(1, 9.0), (2, 5.0)]);
        let se = hits(&[(2, 0.9), (3, 0.8)]);
        let fused = fuse(&kw, &se, Fusion::Rrf { k: 60.0 });
        let by: HashMap<u32, f32> = fused.iter().map(|h| (h.chunk, h.score)).collect();
        assert!((by[&2] - (1.0 / 62.0 + 1.0 / 61.0)).abs() < 1e-7);
        assert!((by[&1] - 1.0 / 61.0).abs() < 1e-7);
        assert!((by[&3] - 1.0 / 62.0).abs() < 1e-7);
        assert_eq!(fused[0].chunk, 2, "found by both legs wins");
        assert_eq!(fused[0].keyword.unwrap().rank, 2);
        assert_eq!(fused[0].semantic.unwrap().rank, 1);
        // Equal scores (chunks 1 and 3 would tie at k=60 only by rank; here 1/61 > 1/62).
        assert_eq!(fused[1].chunk, 1);
    }

    #[test]
    fn rrf_k_changes_the_balance() {
        let kw = hits(&[(1, 1.0), (2, 1.0), (3, 1.0)]);
        let se = hits(&[(3, 1.0), (4, 1.0), (5, 1.0)]);
        // Chunk 3: ranks 3 and 1. Chunk 1: rank 1 only.
        let small_k = fuse(&kw, &se, Fusion::Rrf { k: 1.0 });
        let s: HashMap<u32, f32> = small_k.iter().map(|h| (h.chunk, h.score)).collect();
        assert!((s[&3] - (1.0 / 4.0 + 1.0 / 2.0)).abs() < 1e-7);
        assert!((s[&1] - 0.5).abs() < 1e-7);
    }

    #[test]
    fn weighted_normalises_each_leg() {
        let kw = hits(&[(1, 10.0), (2, 6.0), (3, 2.0)]);
        let se = hits(&[(3, 0.9), (4, 0.5)]);
        let fused = fuse(
            &kw,
            &se,
            Fusion::Weighted {
                semantic_ratio: 0.25,
            },
        );
        let by: HashMap<u32, f32> = fused.iter().map(|h| (h.chunk, h.score)).collect();
        assert!((by[&1] - 0.75).abs() < 1e-6); // kw 1.0
        assert!((by[&2] - 0.75 * 0.5).abs() < 1e-6); // kw 0.5
        assert!((by[&3] - 0.25).abs() < 1e-6); // kw 0.0, se 1.0
        assert!((by[&4] - 0.0).abs() < 1e-6); // se 0.0
                                              // ratio 1 is semantic only, 0 keyword only.
        let only_sem = fuse(
            &kw,
            &se,
            Fusion::Weighted {
                semantic_ratio: 1.0,
            },
        );
        assert_eq!(only_sem[0].chunk, 3);
        let only_kw = fuse(
            &kw,
            &se,
            Fusion::Weighted {
                semantic_ratio: 0.0,
            },
        );
        assert_eq!(only_kw[0].chunk, 1);
    }

    #[test]
    fn weighted_single_candidate_counts_fully() {
        let fused = fuse(
            &hits(&[(7, 3.0)]),
            &[],
            Fusion::Weighted {
                semantic_ratio: 0.5,
            },
        );
        assert_eq!(fused.len(), 1);
        assert!((fused[0].score - 0.5).abs() < 1e-7);
    }

    #[test]
    fn ties_break_by_chunk_id() {
        let fused = fuse(&hits(&[(9, 1.0)]), &hits(&[(4, 1.0)]), Fusion::default());
        assert_eq!(
            fused.iter().map(|h| h.chunk).collect::<Vec<_>>(),
            vec![4, 9]
        );
    }

    #[test]
    fn grouping_keeps_best_chunk_per_page() {
        let fused = single_leg(&hits(&[(10, 5.0), (11, 4.0), (20, 3.0), (12, 2.0)]), false);
        let page = |c: u32| Some(if c < 20 { "a" } else { "b" });
        let grouped = group_by_page(&fused, page, 10);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[0].page, "a");
        assert_eq!(grouped[0].best.chunk, 10);
        assert_eq!(grouped[0].matched_chunks, 3);
        assert_eq!(grouped[1].page, "b");
        assert_eq!(group_by_page(&fused, page, 1).len(), 1);
    }

    #[test]
    fn dbsf_scales_each_leg_by_mean_and_three_deviations() {
        // Keyword scores 1, 2, 3: mean 2, sd sqrt(2/3); semantic has one candidate (scale 1).
        let kw = hits(&[(1, 3.0), (2, 2.0), (3, 1.0)]);
        let se = hits(&[(3, 0.5)]);
        let fused = fuse(&kw, &se, Fusion::Dbsf);
        let by: HashMap<u32, f32> = fused.iter().map(|h| (h.chunk, h.score)).collect();
        let sd = (2.0f32 / 3.0).sqrt();
        let scaled = |x: f32| (x - (2.0 - 3.0 * sd)) / (6.0 * sd);
        assert!((by[&1] - scaled(3.0)).abs() < 1e-6);
        assert!((by[&2] - 0.5).abs() < 1e-6, "the mean maps to the middle");
        assert!((by[&3] - (scaled(1.0) + 1.0)).abs() < 1e-6);
        assert_eq!(fused[0].chunk, 3, "found by both legs");
    }

    #[test]
    fn pages_of_leg_ranks_pages_by_best_or_summed_chunks() {
        // Chunks 10, 11 belong to page a; 20, 21 to page b.
        let leg = hits(&[(20, 0.9), (10, 0.8), (11, 0.7), (21, 0.1)]);
        let page = |c: u32| Some(if c < 20 { "a" } else { "b" });
        let best = pages_of_leg(&leg, page, Aggregation::Max);
        assert_eq!(page_scores(&best), vec![("b", 0.9), ("a", 0.8)]);
        assert_eq!((best[0].best_chunk, best[0].chunks), (20, 2));
        assert_eq!((best[1].best_chunk, best[1].chunks), (10, 2));
        let summed = pages_of_leg(&leg, page, Aggregation::Sum);
        assert_eq!(summed[0].page, "a");
        assert_eq!(
            summed[0].best_chunk, 10,
            "the best chunk, not the sum's last"
        );
        assert!((summed[0].score - 1.5).abs() < 1e-6 && (summed[1].score - 1.0).abs() < 1e-6);
    }

    #[test]
    fn fuse_ranked_fuses_pages_like_chunks() {
        let kw = [("a", 10.0), ("b", 5.0)];
        let se = [("b", 0.9), ("c", 0.8)];
        let fused = fuse_ranked(&kw, &se, Fusion::default());
        let order: Vec<&str> = fused.iter().map(|f| f.id).collect();
        // Weighted 0.5: a = 0.5·1, b = 0.5·0 + 0.5·1, c = 0.5·0: a and b tie, broken by id.
        assert_eq!(order, ["a", "b", "c"]);
        assert_eq!(fused[1].keyword.map(|r| r.rank), Some(2));
        assert_eq!(fused[1].semantic.map(|r| r.rank), Some(1));
    }
}
