//! trec_eval-compatible metrics: every number of `tests/fixtures/trec/reference.json`, computed by
//! pytrec_eval (`scripts/pytrec-reference.py`), is reproduced from the same qrels and run files
//! read with our own readers. No model needed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use landscape::eval::metrics::{evaluate, evaluate_query, Metrics, Qrels, Run};
use landscape::eval::trec::{read_qrels, read_run, write_run, TrecError};

/// Absolute tolerance. The Rust code repeats trec_eval's arithmetic in the same order, and its
/// values are bit-identical to the f64s that Python wrote into reference.json; what differs, by
/// one ulp in a few of the 216 numbers, is serde_json's default decimal-to-f64 parsing (not
/// correctly rounded without its `float_roundtrip` feature). 1e-9 leaves room for that and for
/// summation order in the means, while being far below the smallest real difference between two
/// rankings of these fixtures (moving one document by one rank changes a metric by more than
/// 1e-4), so a wrong tie-break, cutoff or gain still fails.
const TOLERANCE: f64 = 1e-9;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trec")
}

fn read(name: &str) -> String {
    let path = fixtures().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[derive(serde::Deserialize)]
struct Reference {
    qrels: String,
    runs: BTreeMap<String, RunReference>,
}

#[derive(serde::Deserialize)]
struct RunReference {
    per_query: BTreeMap<String, Metrics>,
    mean: Metrics,
}

fn reference() -> Reference {
    serde_json::from_str(&read("reference.json")).expect("reference.json")
}

fn qrels() -> Qrels {
    read_qrels(&read(&reference().qrels)).expect("qrels")
}

/// Every field of `got` within [`TOLERANCE`] of `want`, or a message naming each that is not.
fn differences(what: &str, got: &Metrics, want: &Metrics) -> Vec<String> {
    got.fields()
        .iter()
        .zip(want.fields())
        .filter(|((_, g), (_, w))| (g - w).abs() > TOLERANCE)
        .map(|((name, g), (_, w))| format!("{what} {name}: ours {g}, pytrec_eval {w}"))
        .collect()
}

#[test]
fn metrics_equal_pytrec_eval_on_every_fixture_query_and_mean() {
    let reference = reference();
    assert_eq!(reference.runs.len(), 4, "fixture runs");
    let qrels = qrels();
    let mut wrong = Vec::new();
    let mut compared = 0;
    for (file, want) in &reference.runs {
        let run = read_run(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let (per_query, mean) = evaluate(&qrels, &run);
        assert_eq!(
            per_query.keys().collect::<Vec<_>>(),
            want.per_query.keys().collect::<Vec<_>>(),
            "{file}: the queries evaluated"
        );
        for (qid, want) in &want.per_query {
            wrong.extend(differences(&format!("{file} {qid}"), &per_query[qid], want));
            compared += 6;
        }
        wrong.extend(differences(&format!("{file} mean"), &mean, &want.mean));
        compared += 6;
    }
    assert!(
        wrong.is_empty(),
        "{} of {compared} numbers differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(compared, 4 * 9 * 6);
}

/// The fixtures would not catch a wrong tie-break if ties never decided anything: check that the
/// opposite order (ascending doc id) gives different numbers for every run that has ties.
#[test]
fn metrics_fixture_ties_decide_the_numbers() {
    let reference = reference();
    let qrels = qrels();
    for (file, want) in &reference.runs {
        let run = read_run(&read(file)).unwrap();
        // Rescore so that the order is score descending, ties by doc id *ascending*.
        let flipped: Run = run
            .iter()
            .map(|(qid, docs)| {
                let mut docs = docs.clone();
                docs.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let n = docs.len() as f64;
                let docs = docs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (d, _))| (d, n - i as f64))
                    .collect();
                (qid.clone(), docs)
            })
            .collect();
        let (per_query, _) = evaluate(&qrels, &flipped);
        let differing = want
            .per_query
            .iter()
            .filter(|(qid, w)| !differences(qid, &per_query[*qid], w).is_empty())
            .count();
        assert!(
            differing > 0,
            "{file}: ascending tie-break gives the same numbers"
        );
    }
}

#[test]
fn metrics_beir_tsv_and_trec_qrels_read_the_same() {
    let trec = read_qrels(&read("qrels.trec")).unwrap();
    let tsv = read_qrels(&read("qrels.tsv")).unwrap();
    assert_eq!(trec, tsv);
    assert_eq!(trec.len(), 8);
    assert_eq!(trec["q2"]["d1"], 2);
    assert_eq!(trec["q6"]["dé1"], 1);
    // A BEIR file's header is optional for us; CRLF line ends are fine.
    let no_header = read_qrels("q1\td1\t1\r\nq1\td2\t0\r\n").unwrap();
    assert_eq!(no_header["q1"].len(), 2);
}

#[test]
fn metrics_duplicate_documents_count_once_at_their_best_rank() {
    let reference = reference();
    let qrels = qrels();
    let run = read_run(&read("run_a.trec")).unwrap();
    let want = &reference.runs["run_a.trec"].per_query;
    for (qid, docs) in &run {
        let Some(judgements) = qrels.get(qid) else {
            continue;
        };
        // Every document again, lower than the lowest score: must change nothing.
        let floor = docs.iter().map(|d| d.1).fold(f64::INFINITY, f64::min) - 1.0;
        let mut doubled = docs.clone();
        doubled.extend(docs.iter().map(|(d, _)| (d.clone(), floor)));
        let got = evaluate_query(judgements, &doubled);
        assert!(
            differences(qid, &got, &want[qid]).is_empty(),
            "{qid}: {got:?}"
        );
    }
    // Run files with a duplicate are refused, as trec_eval refuses them.
    let err = read_run("q1 Q0 d1 1 2.0 t\nq1 Q0 d2 2 1.0 t\nq1 Q0 d1 3 0.5 t\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3: document d1 listed twice for query q1 (first on line 1)"
    );
}

#[test]
fn metrics_query_sets_follow_qrels() {
    let qrels = qrels();
    let run = read_run(&read("run_a.trec")).unwrap();
    assert!(run.contains_key("q99") && !qrels.contains_key("q99"));
    assert!(!run.contains_key("q4") && qrels.contains_key("q4"));
    let (per_query, _) = evaluate(&qrels, &run);
    assert!(!per_query.contains_key("q99"), "not in qrels: ignored");
    assert_eq!(per_query["q4"], Metrics::default(), "not in run: all zero");
    assert_eq!(
        per_query["q3"],
        Metrics::default(),
        "no relevant doc: all zero"
    );
}

#[test]
fn metrics_run_files_round_trip_through_write_and_read() {
    let run = read_run(&read("run_c.trec")).unwrap();
    let ordered: Vec<(String, Vec<(String, f64)>)> = run.clone().into_iter().collect();
    let mut out = Vec::new();
    write_run(&mut out, &ordered, "landscape").unwrap();
    let text = String::from_utf8(out).unwrap();
    let back = read_run(&text).unwrap();
    assert_eq!(back, run);
    for (qid, docs) in &run {
        for (a, b) in docs.iter().zip(&back[qid]) {
            assert_eq!(
                a.1.to_bits(),
                b.1.to_bits(),
                "{qid} {}: score not bit-identical",
                a.0
            );
        }
    }
    let first: Vec<&str> = text.lines().next().unwrap().split(' ').collect();
    assert_eq!(
        (first.len(), first[1], first[3], first[5]),
        (6, "Q0", "1", "landscape")
    );
}

#[test]
fn metrics_parse_errors_name_the_line() {
    let line = |e: TrecError| match e {
        TrecError::Parse { line, .. } => line,
    };
    assert_eq!(
        line(read_run("q1 Q0 d1 1 1.0 t\n\nq1 Q0 d2 2 x t\n").unwrap_err()),
        3
    );
    assert_eq!(line(read_run("q1 Q0 d1 1 1.0\n").unwrap_err()), 1);
    assert_eq!(line(read_qrels("q1 0 d1 1\nq1 0 d2\n").unwrap_err()), 2);
    assert_eq!(line(read_qrels("q1 0 d1 1\nq1 0 d1 0\n").unwrap_err()), 2);
    assert_eq!(
        line(read_qrels("query-id\tcorpus-id\tscore\nq1\td1\tyes\n").unwrap_err()),
        2
    );
    assert_eq!(line(read_qrels("\nq1 d1\n").unwrap_err()), 2);
    // BEIR: a pair judged twice keeps the last grade, as BEIR's loader does.
    let q = read_qrels("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td1\t2\n").unwrap();
    assert_eq!(q["q1"]["d1"], 2);
}
