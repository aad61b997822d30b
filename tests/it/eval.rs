//! `landscape eval`: a BEIR-layout dataset and a question set run end to end through the binary
//! with the real model, indexes and metrics.

use std::collections::BTreeMap;
use std::path::Path;

use landscape::eval::metrics::{self, Metrics};
use landscape::eval::trec;
use serde_json::{json, Value};

use crate::common::{write_zoo, Site};

const MODES: [&str; 5] = [
    "keyword",
    "semantic",
    "hybrid-rrf",
    "hybrid-weighted",
    "hybrid-dbsf",
];

/// A long document: many sentences about lighthouses, then one about penguins at the very end,
/// far past the model's 256 tokens.
fn long_text() -> String {
    let mut s = String::new();
    for i in 0..40 {
        s.push_str(&format!(
            "Lighthouse number {i} stands on a rocky headland and its lamp turns all night for ships. "
        ));
    }
    s.push_str(
        "Emperor penguins huddle together on the Antarctic ice to survive the winter storms.",
    );
    s
}

fn write_beir(dir: &Path) {
    std::fs::create_dir_all(dir.join("qrels")).unwrap();
    let docs = [
        (
            "d1",
            "Cats",
            "A cat is a small furry pet that purrs, hunts mice and sleeps most of the day.",
        ),
        (
            "d2",
            "Dogs",
            "A dog is a loyal pet that barks, fetches sticks and loves long walks.",
        ),
        (
            "d3",
            "Bicycles",
            "A bicycle has two wheels and pedals; a chain drives the rear wheel.",
        ),
        (
            "d4",
            "Volcanoes",
            "A volcano erupts when molten rock from deep underground reaches the surface.",
        ),
        (
            "d5",
            "Bread",
            "Bakers knead flour, water and yeast into dough, let it rise, then bake it.",
        ),
        ("d6", "Lighthouses and penguins", &long_text()),
    ];
    let corpus: Vec<String> = docs
        .iter()
        .map(|(id, title, text)| json!({"_id": id, "title": title, "text": text}).to_string())
        .collect();
    std::fs::write(dir.join("corpus.jsonl"), corpus.join("\n") + "\n").unwrap();
    let queries = [
        ("q1", "which pet purrs and chases mice"),
        ("q2", "how does lava come out of a mountain"),
        ("q3", "how do penguins survive the antarctic winter"),
        ("q4", "making dough rise with yeast"),
        ("q5", "an unjudged query that must not be run"),
    ];
    let lines: Vec<String> = queries
        .iter()
        .map(|(id, text)| json!({"_id": id, "text": text}).to_string())
        .collect();
    std::fs::write(dir.join("queries.jsonl"), lines.join("\n") + "\n").unwrap();
    std::fs::write(
        dir.join("qrels/test.tsv"),
        "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t1\nq2\td4\t1\nq3\td6\t1\nq4\td5\t1\n",
    )
    .unwrap();
}

fn eval(site: &Site, args: &[&str], out: &Path) -> std::process::Output {
    let output = site
        .command("eval")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "landscape eval failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn mean_of(report: &Value, mode: &str) -> Metrics {
    let entry = report["modes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["spec"]["name"] == mode)
        .unwrap_or_else(|| panic!("mode {mode} missing from report"));
    serde_json::from_value(entry["mean"].clone()).unwrap()
}

#[test]
fn beir_dataset_gives_runs_reports_and_a_reused_index() {
    let site = Site::new();
    let data = site._tmp.path().join("tiny");
    write_beir(&data);
    let out = site._tmp.path().join("out");
    let first = eval(&site, &["--dataset", data.to_str().unwrap()], &out);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(stdout.contains("| mode | nDCG@10 |"), "{stdout}");

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["documents"], 6);
    assert_eq!(report["queries"], 4, "only judged queries run");
    assert_eq!(report["index_built"], true);
    assert!(
        report["chunks"].as_u64().unwrap() > 6,
        "the long document is chunked: {}",
        report["chunks"]
    );
    let svg = std::fs::read_to_string(out.join("chart.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("hybrid-rrf"));
    assert!(std::fs::read_to_string(out.join("report.md"))
        .unwrap()
        .contains("| hybrid-dbsf |"));

    // Each run file, scored independently from the qrels, gives the report's numbers: what
    // trec_eval would say about the file is what landscape says.
    let qrels =
        trec::read_qrels(&std::fs::read_to_string(data.join("qrels/test.tsv")).unwrap()).unwrap();
    for mode in MODES {
        let text = std::fs::read_to_string(out.join(format!("run-{mode}.trec"))).unwrap();
        let run = trec::read_run(&text).unwrap();
        assert!(!run.contains_key("q5"));
        assert!(text.lines().all(|l| l.ends_with(mode)), "tag is the mode");
        let (_, mean) = metrics::evaluate(&qrels, &run);
        let reported = mean_of(&report, mode);
        assert!(
            (mean.ndcg_10 - reported.ndcg_10).abs() < 1e-9
                && (mean.p_1 - reported.p_1).abs() < 1e-9,
            "{mode}: file says {mean:?}, report says {reported:?}"
        );
    }
    // The questions are easy: every hybrid mode puts the judged document first, including
    // the penguin sentence at the tail of the long document.
    for mode in ["hybrid-rrf", "hybrid-weighted", "hybrid-dbsf"] {
        let m = mean_of(&report, mode);
        assert_eq!(m.p_1, 1.0, "{mode}: {m:?}");
        assert_eq!(m.recall_10, 1.0, "{mode}: {m:?}");
    }
    assert_eq!(mean_of(&report, "semantic").p_1, 1.0);

    // A second run reuses the index (by manifest) and gives the same numbers.
    let second = eval(&site, &["--dataset", data.to_str().unwrap()], &out);
    assert!(String::from_utf8_lossy(&second.stderr).contains("reused"));
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(again["index_built"], false);
    assert_eq!(modes_without_times(&again), modes_without_times(&report));
}

/// The per-mode results without their timings, which differ from run to run.
fn modes_without_times(report: &Value) -> Value {
    let mut modes = report["modes"].clone();
    for mode in modes.as_array_mut().unwrap() {
        mode.as_object_mut().unwrap().remove("latency");
    }
    modes
}

#[test]
fn a_malformed_dataset_line_is_named_and_nothing_is_built() {
    let site = Site::new();
    let data = site._tmp.path().join("bad");
    write_beir(&data);
    let mut corpus = std::fs::read_to_string(data.join("corpus.jsonl")).unwrap();
    corpus = corpus.replacen("{\"_id\":\"d3\"", "{\"_id\":\"d3\" oops", 1);
    std::fs::write(data.join("corpus.jsonl"), corpus).unwrap();
    let output = site
        .command("eval")
        .args(["--dataset", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("corpus.jsonl:3:"), "{stderr}");
    assert!(!site.index.join("eval").join("bad").join("CURRENT").exists());
}

#[test]
fn question_sets_report_by_type_and_reject_unknown_pages() {
    let site = Site::new();
    write_zoo(&site.corpus);
    let questions = site._tmp.path().join("questions.jsonl");
    let lines = [
        json!({"id": "q1", "query": "what purrs and hunts mice", "type": "paraphrase", "relevant": {"cat": 2, "animal": 1}}),
        json!({"id": "q2", "query": "is a dog an animal?", "type": "is-a", "relevant": {"dog": 2, "animal": 1}, "verdict": "yes"}),
        json!({"id": "q3", "query": "bike", "type": "acronym", "relevant": {"bicycle": 2}}),
    ];
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&questions, text.join("\n")).unwrap();
    let out = site._tmp.path().join("out");
    eval(&site, &["--questions", questions.to_str().unwrap()], &out);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let by_type: BTreeMap<String, Value> =
        serde_json::from_value(report["by_type"].clone()).unwrap();
    assert_eq!(
        by_type.keys().collect::<Vec<_>>(),
        ["acronym", "is-a", "paraphrase"]
    );
    assert_eq!(mean_of(&report, "hybrid-rrf").p_1, 1.0);

    std::fs::write(
        &questions,
        format!(
            "{}\n{}\n",
            text[0],
            json!({"id": "q9", "query": "unicorns", "type": "definition", "relevant": {"unicorn": 2}})
        ),
    )
    .unwrap();
    let output = site
        .command("eval")
        .args(["--questions", questions.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("questions.jsonl:2:") && stderr.contains("unicorn"),
        "{stderr}"
    );
}
