//! Retrieval metrics, computed exactly as `trec_eval` (through `pytrec_eval`, as BEIR uses it)
//! computes them, so that numbers from this crate can be put next to published BEIR results.
//!
//! | field        | trec_eval measure                                   |
//! |--------------|-----------------------------------------------------|
//! | `ndcg_10`    | `ndcg_cut_10` (graded gains)                        |
//! | `mrr_10`     | `recip_rank` of the ranking cut to its top 10       |
//! | `recall_10`  | `recall_10`                                         |
//! | `recall_100` | `recall_100`                                        |
//! | `map_100`    | `map_cut_100`                                       |
//! | `p_1`        | `P_1`                                               |
//!
//! Every choice below follows trec_eval 9 (`form_res_rels.c`, `m_ndcg_cut.c`, `m_recall.c`,
//! `m_map_cut.c`, `m_recip_rank.c`, `m_P.c`), and is checked against pytrec_eval's own numbers
//! on the fixtures in `tests/fixtures/trec/` (`scripts/pytrec-reference.py`,
//! `tests/it/metrics.rs`):
//!
//! * **Order.** The scores decide the order, never the order the documents were given in (trec_eval
//!   ignores the rank column of a run file). Higher score first; equal scores are broken by the
//!   document id in *descending* byte order (`strcmp(b, a)` in trec_eval's `comp_sim_docno`):
//!   of `a` and `b` with equal scores, `b` ranks first, and `a` ranks before `B` (0x61 > 0x42).
//!   `0.0` and `-0.0` are equal scores. A NaN score (which trec_eval leaves undefined) ranks last.
//! * **Relevant** means grade >= 1 (trec_eval's default `relevance_level` 1). Grade 0 and
//!   negative grades are non-relevant; a retrieved grade-0 document counts as retrieved and
//!   non-relevant, exactly like an unjudged one.
//! * **Gains** of nDCG are the grades themselves (not `2^g - 1`), the discount is
//!   `1 / log2(rank + 1)`, and the ideal ranking is the judged grades >= 1 sorted descending.
//! * **Cutoffs** pad with non-relevant documents: recall@100 of a 20-document ranking is its
//!   recall, P@1 of an empty ranking is 0.
//! * **No relevant document** in the judgements: every metric is 0 (trec_eval divides by nothing
//!   and leaves its zero-initialised value), and the query *is* reported — see [`evaluate`].

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Graded judgements of one query: doc id -> grade (>= 1 relevant, 0 judged non-relevant).
pub type Judgements = HashMap<String, i32>;
/// All judgements: query id -> judgements.
pub type Qrels = BTreeMap<String, Judgements>;
/// A run: query id -> scored documents (any order; the metrics sort them the way trec_eval does).
pub type Run = BTreeMap<String, Vec<(String, f64)>>;

/// The six numbers reported for a ranking. See the [module docs](self) for the exact definitions.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Metrics {
    /// nDCG@10 = trec_eval `ndcg_cut_10`.
    pub ndcg_10: f64,
    /// MRR@10 = trec_eval `recip_rank` on the ranking cut to its top 10.
    pub mrr_10: f64,
    /// Recall@10 = trec_eval `recall_10`.
    pub recall_10: f64,
    /// Recall@100 = trec_eval `recall_100`.
    pub recall_100: f64,
    /// MAP@100 = trec_eval `map_cut_100`.
    pub map_100: f64,
    /// P@1 = trec_eval `P_1`.
    pub p_1: f64,
}

impl Metrics {
    /// The fields as `(name, value)`, in declaration order (for reports and tests).
    pub fn fields(&self) -> [(&'static str, f64); 6] {
        [
            ("ndcg_10", self.ndcg_10),
            ("mrr_10", self.mrr_10),
            ("recall_10", self.recall_10),
            ("recall_100", self.recall_100),
            ("map_100", self.map_100),
            ("p_1", self.p_1),
        ]
    }
}

/// The lowest grade that counts as relevant (trec_eval's default `-l 1`).
pub const RELEVANCE_LEVEL: i32 = 1;

/// trec_eval's order of two scored documents (`comp_sim_docno` in `form_res_rels.c`): score
/// descending, then doc id descending, bytewise. Reproduced exactly because ties are common
/// (fused ranks, quantised scores) and moving one relevant document by one rank changes every
/// metric here; with this order our numbers equal trec_eval's, and so published BEIR results.
///
/// `-0.0 == 0.0` as in C. NaN, for which trec_eval's comparison is not even an order, sorts
/// after every number so that this is a total order (Rust's sort requires one).
pub fn trec_order(a: &(String, f64), b: &(String, f64)) -> Ordering {
    let by_score = match (a.1.is_nan(), b.1.is_nan()) {
        (false, false) => b.1.partial_cmp(&a.1).expect("neither is NaN"),
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (true, true) => Ordering::Equal,
    };
    by_score.then_with(|| b.0.as_bytes().cmp(a.0.as_bytes()))
}

/// `results` in trec_eval's order ([`trec_order`]), each document once.
///
/// trec_eval refuses a ranking that lists a document twice (`form_res_rels`: "duplicate docs"),
/// and pytrec_eval cannot be given one (it takes a dict; its `parse_run` asserts), so there is no
/// reference number to match. We keep each document's best-ranked occurrence and drop the rest,
/// so that a duplicate can neither count a relevant document twice (recall above 1) nor push
/// other documents down. [`crate::eval::trec::read_run`] rejects duplicates in run files, as
/// trec_eval does.
pub fn ranked(results: &[(String, f64)]) -> Vec<(&str, f64)> {
    let mut sorted: Vec<&(String, f64)> = results.iter().collect();
    sorted.sort_by(|a, b| trec_order(a, b));
    let mut seen = HashSet::with_capacity(sorted.len());
    sorted
        .into_iter()
        .filter(|(doc, _)| seen.insert(doc.as_str()))
        .map(|(doc, score)| (doc.as_str(), *score))
        .collect()
}

/// Metrics of one query's results against its judgements.
///
/// `results` may be in any order and of any length (the metrics look at the top 100 at most,
/// after sorting them as trec_eval does, see [`ranked`]). Arithmetic is in f64 and in the same
/// order of operations as trec_eval, so results agree with pytrec_eval to the last bit or two.
pub fn evaluate_query(judgements: &Judgements, results: &[(String, f64)]) -> Metrics {
    let grades: Vec<i32> = ranked(results)
        .iter()
        .map(|(doc, _)| judgements.get(*doc).copied().unwrap_or(0))
        .collect();
    let num_rel = judgements
        .values()
        .filter(|&&g| g >= RELEVANCE_LEVEL)
        .count();
    let relevant = |g: &i32| *g >= RELEVANCE_LEVEL;
    let rel_in_top = |k: usize| grades.iter().take(k).filter(|g| relevant(g)).count();

    // recall_k / map_cut_k: trec_eval returns before computing anything when num_rel == 0,
    // leaving 0.
    let recall = |k: usize| {
        if num_rel == 0 {
            0.0
        } else {
            rel_in_top(k) as f64 / num_rel as f64
        }
    };
    let map_100 = if num_rel == 0 {
        0.0
    } else {
        let (mut rel_so_far, mut sum) = (0u64, 0.0f64);
        for (i, g) in grades.iter().take(100).enumerate() {
            if relevant(g) {
                rel_so_far += 1;
                sum += rel_so_far as f64 / (i + 1) as f64;
            }
        }
        sum / num_rel as f64
    };
    // recip_rank of the ranking cut to 10: the first relevant document within the top 10.
    let mrr_10 = grades
        .iter()
        .take(10)
        .position(relevant)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64);
    // P_1: relevant in the top 1 over the cutoff 1 (a missing document is non-relevant).
    let p_1 = rel_in_top(1) as f64;

    Metrics {
        ndcg_10: ndcg_cut(judgements, &grades, 10),
        mrr_10,
        recall_10: recall(10),
        recall_100: recall(100),
        map_100,
        p_1,
    }
}

/// trec_eval's `ndcg_cut_k`: DCG of the first `k` grades (gain = grade, counted when > 0,
/// discount `log2(i + 2)` for 0-based position `i`), divided by the DCG of the best possible
/// ranking of the judged documents with grade >= 1; 0 when that ideal DCG is 0.
fn ndcg_cut(judgements: &Judgements, grades: &[i32], k: usize) -> f64 {
    let dcg = |gains: &mut dyn Iterator<Item = i32>| {
        let mut sum = 0.0f64;
        for (i, gain) in gains.take(k).enumerate() {
            if gain > 0 {
                sum += f64::from(gain) / ((i + 2) as f64).log2();
            }
        }
        sum
    };
    let mut ideal: Vec<i32> = judgements.values().copied().filter(|&g| g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ideal_dcg = dcg(&mut ideal.into_iter());
    let sum = dcg(&mut grades.iter().copied());
    if ideal_dcg > 0.0 {
        sum / ideal_dcg
    } else {
        sum
    }
}

/// Per-query metrics for every query of `qrels` (every query id with at least one judgement
/// line, whatever its grades), and their mean over exactly those queries.
///
/// Which queries count:
///
/// * **A query in `qrels` with no relevant document** (only grade-0 judgements) is included, with
///   all metrics 0. That is what pytrec_eval reports for it (`evaluate` returns it with every
///   measure 0.0), and BEIR averages over what pytrec_eval returns, so the mean agrees with
///   published BEIR numbers. (trec_eval's own `-c`-less mean likewise includes it.)
/// * **A query in `qrels` absent from `run`** (or with an empty ranking) is included with all
///   metrics 0, like `trec_eval -c`: a system that returns nothing for a question scores 0 on it
///   rather than being excused. pytrec_eval itself silently drops such a query, but scores an
///   empty ranking 0 on every measure; when a system answers every query (as ours does) the two
///   agree.
/// * **A query in `run` but not in `qrels`** is ignored, as in trec_eval and pytrec_eval.
///
/// The mean is the arithmetic mean of the per-query values, summed in query-id order; with no
/// query at all it is all zeros rather than NaN.
pub fn evaluate(qrels: &Qrels, run: &Run) -> (BTreeMap<String, Metrics>, Metrics) {
    let per_query: BTreeMap<String, Metrics> = qrels
        .iter()
        .map(|(qid, judgements)| {
            let results = run.get(qid).map_or(&[][..], Vec::as_slice);
            (qid.clone(), evaluate_query(judgements, results))
        })
        .collect();
    let mean = mean(per_query.values());
    (per_query, mean)
}

/// Arithmetic mean of each field; all zeros for no input.
pub fn mean<'a>(metrics: impl IntoIterator<Item = &'a Metrics>) -> Metrics {
    let mut sum = Metrics::default();
    let mut n = 0usize;
    for m in metrics {
        sum.ndcg_10 += m.ndcg_10;
        sum.mrr_10 += m.mrr_10;
        sum.recall_10 += m.recall_10;
        sum.recall_100 += m.recall_100;
        sum.map_100 += m.map_100;
        sum.p_1 += m.p_1;
        n += 1;
    }
    if n == 0 {
        return Metrics::default();
    }
    let n = n as f64;
    Metrics {
        ndcg_10: sum.ndcg_10 / n,
        mrr_10: sum.mrr_10 / n,
        recall_10: sum.recall_10 / n,
        recall_100: sum.recall_100 / n,
        map_100: sum.map_100 / n,
        p_1: sum.p_1 / n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, i32)]) -> Judgements {
        pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
    }

    fn results(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
        pairs.iter().map(|(d, s)| (d.to_string(), *s)).collect()
    }

    #[test]
    fn eval_ties_break_by_doc_id_descending_bytewise() {
        let input = results(&[
            ("a", 1.0),
            ("B", 1.0),
            ("b", 1.0),
            ("c", 2.0),
            ("z", -0.0),
            ("y", 0.0),
            ("n", f64::NAN),
        ]);
        let order: Vec<&str> = ranked(&input).into_iter().map(|(d, _)| d).collect();
        assert_eq!(order, ["c", "b", "a", "B", "z", "y", "n"]);
    }

    #[test]
    fn eval_duplicates_count_once_at_their_best_rank() {
        let j = judged(&[("a", 1)]);
        let once = evaluate_query(&j, &results(&[("a", 2.0), ("x", 1.0)]));
        let twice = evaluate_query(&j, &results(&[("x", 1.0), ("a", 0.5), ("a", 2.0)]));
        assert_eq!(once, twice);
        assert_eq!(twice.recall_10, 1.0);
    }

    #[test]
    fn eval_hand_computed_values() {
        // Relevant: a (2), b (1); ranking: x, a, b.
        let j = judged(&[("a", 2), ("b", 1), ("x", 0)]);
        let m = evaluate_query(&j, &results(&[("x", 3.0), ("a", 2.0), ("b", 1.0)]));
        let dcg = 2.0 / 3f64.log2() + 1.0 / 2.0;
        let idcg = 2.0 + 1.0 / 3f64.log2();
        assert!((m.ndcg_10 - dcg / idcg).abs() < 1e-15);
        assert_eq!(m.mrr_10, 0.5);
        assert_eq!(m.p_1, 0.0);
        assert_eq!(m.recall_10, 1.0);
        assert!((m.map_100 - (1.0 / 2.0 + 2.0 / 3.0) / 2.0).abs() < 1e-15);
    }

    #[test]
    fn eval_no_relevant_or_no_results_is_all_zero() {
        let none = judged(&[("a", 0)]);
        assert_eq!(
            evaluate_query(&none, &results(&[("a", 1.0)])),
            Metrics::default()
        );
        let some = judged(&[("a", 1)]);
        assert_eq!(evaluate_query(&some, &[]), Metrics::default());
        assert_eq!(evaluate(&Qrels::new(), &Run::new()).1, Metrics::default());
    }
}
