//! TREC files: runs (`qid Q0 docid rank score tag`) and qrels, in TREC format
//! (`qid iter docid rel`) or BEIR's tsv (`query-id<TAB>corpus-id<TAB>score`, with a header line).
//!
//! Runs written here are read by trec_eval and pytrec_eval (`parse_run`) and by [`read_run`];
//! qrels are read from either TREC collections or BEIR datasets.

use std::collections::HashMap;
use std::io::{Error, ErrorKind, Write};

use super::metrics::{Qrels, Run};

/// A TREC file that cannot be read; `line` is 1-based.
#[derive(Debug, thiserror::Error)]
pub enum TrecError {
    #[error("line {line}: {problem}")]
    Parse { line: usize, problem: String },
}

fn parse_error(line: usize, problem: impl Into<String>) -> TrecError {
    TrecError::Parse {
        line,
        problem: problem.into(),
    }
}

/// Writes a run in TREC format: `qid Q0 docid rank score tag`, one line per doc, ranks 1-based in
/// the given order.
///
/// Scores are written with Rust's `{}` for f64, the shortest decimal that parses back to the very
/// same f64 (no exponent, so `1e-7` is `0.0000001`). trec_eval orders by the score column, not the
/// rank, so rounding (say `{:.6}`) would turn near-ties of fused f32 scores into exact ties and
/// reorder them by doc id; the exact value keeps the order the engine produced.
///
/// Query ids, doc ids and the tag must be non-empty and free of whitespace, since the format is
/// whitespace-separated; otherwise this fails with [`ErrorKind::InvalidInput`] before writing
/// the offending line.
pub fn write_run(
    out: &mut dyn Write,
    run: &[(String, Vec<(String, f64)>)],
    tag: &str,
) -> std::io::Result<()> {
    check_field("tag", tag)?;
    for (qid, docs) in run {
        check_field("query id", qid)?;
        for (rank, (doc, score)) in docs.iter().enumerate() {
            check_field("doc id", doc)?;
            writeln!(out, "{qid} Q0 {doc} {} {score} {tag}", rank + 1)?;
        }
    }
    Ok(())
}

fn check_field(what: &str, value: &str) -> std::io::Result<()> {
    if value.is_empty() || value.chars().any(char::is_whitespace) {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{what} {value:?} cannot be written to a TREC file: empty or has whitespace"),
        ));
    }
    Ok(())
}

/// Reads a TREC run file (6 whitespace-separated columns) into a [`Run`]; errors name the line
/// number.
///
/// Documents keep the file's order, but only the score matters to the metrics: trec_eval ignores
/// the rank column (and so do we, beyond requiring it), as well as `Q0` and the tag. Blank lines
/// are skipped. A document listed twice for one query is an error, as in trec_eval
/// ("duplicate docs") and pytrec_eval's `parse_run`.
pub fn read_run(text: &str) -> Result<Run, TrecError> {
    let mut run = Run::new();
    // (qid, docid) -> line of first occurrence
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            continue;
        }
        let [qid, _q0, doc, _rank, score, _tag] = cols[..] else {
            return Err(parse_error(
                n,
                format!(
                    "expected 6 columns `qid Q0 docid rank score tag`, found {}",
                    cols.len()
                ),
            ));
        };
        let score: f64 = score
            .parse()
            .map_err(|_| parse_error(n, format!("score {score:?} is not a number")))?;
        if let Some(first) = seen.insert((qid, doc), n) {
            return Err(parse_error(
                n,
                format!("document {doc} listed twice for query {qid} (first on line {first})"),
            ));
        }
        run.entry(qid.to_string())
            .or_default()
            .push((doc.to_string(), score));
    }
    Ok(run)
}

/// Reads qrels in TREC format (`qid iter docid rel`) or BEIR tsv (`query-id\tcorpus-id\tscore`
/// with header line) — detect which.
///
/// The first non-blank line decides: three tab-separated fields make it BEIR tsv (that line is
/// skipped as the header when its third field is not an integer, as BEIR's always is), four
/// whitespace-separated fields make it TREC. Every later line must have the same shape. Grades
/// are integers (`int(...)` in BEIR, `atol` in trec_eval); blank lines are skipped.
///
/// A (query, document) pair judged twice: in TREC format an error, as trec_eval refuses it
/// ("duplicate docs"); in BEIR tsv the last line wins, as in BEIR's own loader (a dict
/// assignment), so numbers match those computed with BEIR.
pub fn read_qrels(text: &str) -> Result<Qrels, TrecError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let Some(&(first_n, first)) = lines.peek() else {
        return Ok(Qrels::new());
    };
    let beir = first.split('\t').count() == 3;
    if !beir && first.split_whitespace().count() != 4 {
        return Err(parse_error(
            first_n,
            "expected TREC qrels `qid iter docid rel` or BEIR tsv `query-id<TAB>corpus-id<TAB>score`",
        ));
    }
    if beir {
        let score = first.split('\t').nth(2).unwrap_or_default().trim();
        if score.parse::<i32>().is_err() {
            lines.next(); // header
        }
    }

    let mut qrels = Qrels::new();
    // (qid, docid) -> line of first occurrence, for TREC qrels' duplicate check
    let mut first_line: HashMap<(&str, &str), usize> = HashMap::new();
    for (n, line) in lines {
        let (qid, doc, grade) = if beir {
            let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
            let [qid, doc, grade] = cols[..] else {
                return Err(parse_error(
                    n,
                    format!(
                        "expected 3 tab-separated columns `query-id corpus-id score` (BEIR tsv), found {}",
                        cols.len()
                    ),
                ));
            };
            (qid, doc, grade)
        } else {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let [qid, _iter, doc, grade] = cols[..] else {
                return Err(parse_error(
                    n,
                    format!(
                        "expected 4 columns `qid iter docid rel` (TREC qrels), found {}",
                        cols.len()
                    ),
                ));
            };
            (qid, doc, grade)
        };
        if qid.is_empty() || doc.is_empty() {
            return Err(parse_error(n, "empty query or document id"));
        }
        let grade: i32 = grade
            .parse()
            .map_err(|_| parse_error(n, format!("relevance {grade:?} is not an integer")))?;
        if !beir {
            if let Some(first) = first_line.insert((qid, doc), n) {
                return Err(parse_error(
                    n,
                    format!("document {doc} judged twice for query {qid} (first on line {first})"),
                ));
            }
        }
        qrels
            .entry(qid.to_string())
            .or_default()
            .insert(doc.to_string(), grade);
    }
    Ok(qrels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eval_run_round_trips_exact_scores_and_order() {
        let tiny = f64::from(f32::MIN_POSITIVE);
        let run = vec![
            (
                "q1".to_string(),
                vec![
                    ("d1".to_string(), f64::from(1.0f32 / 61.0 + 1.0 / 62.0)),
                    ("d2".to_string(), f64::from(1.0f32 / 62.0 + 1.0 / 61.0)),
                    ("d3".to_string(), 0.1 + 0.2),
                    ("d4".to_string(), -0.0),
                    ("d5".to_string(), tiny),
                    ("d6".to_string(), 1e300),
                ],
            ),
            ("q2".to_string(), vec![("x".to_string(), -3.5)]),
        ];
        let mut out = Vec::new();
        write_run(&mut out, &run, "test").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("q1 Q0 d1 1 "), "{text}");
        let back = read_run(&text).unwrap();
        let expected: Run = run.into_iter().collect();
        assert_eq!(back, expected);
        for (a, b) in back["q1"].iter().zip(&expected["q1"]) {
            assert_eq!(a.1.to_bits(), b.1.to_bits(), "{} not bit-identical", a.0);
        }
    }

    #[test]
    fn eval_write_run_refuses_ids_with_whitespace() {
        let run = vec![("q 1".to_string(), vec![("d".to_string(), 1.0)])];
        let err = write_run(&mut Vec::new(), &run, "t").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}
