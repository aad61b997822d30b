//! What an evaluation leaves behind: one TREC run file per mode (for trec_eval or pytrec_eval),
//! a JSON report for machines, a Markdown table for people and an SVG chart comparing modes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
use serde::Serialize;

use crate::embed::ModelIdentity;
use crate::engine::EngineConfig;
use crate::eval::metrics::Metrics;
use crate::eval::runner::{ModeResult, VerdictScore};
use crate::eval::trec;
use crate::indexer::BuildOptions;

/// The six measures, in report order, with their column names.
/// A measure's column name and how to read it from [`Metrics`].
pub type Measure = (&'static str, fn(&Metrics) -> f64);

pub const MEASURES: [Measure; 6] = [
    ("nDCG@10", |m| m.ndcg_10),
    ("MRR@10", |m| m.mrr_10),
    ("Recall@10", |m| m.recall_10),
    ("Recall@100", |m| m.recall_100),
    ("MAP@100", |m| m.map_100),
    ("P@1", |m| m.p_1),
];

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot draw chart {path}: {message}")]
    Chart { path: PathBuf, message: String },
}

/// Everything about one evaluation, as written to `report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dataset: String,
    /// Where the documents and judgements came from.
    pub source: String,
    pub documents: usize,
    pub chunks: usize,
    pub queries: usize,
    pub model: ModelIdentity,
    pub build: BuildOptions,
    pub engine: EngineConfig,
    pub generation: String,
    /// False when an index built earlier from the same documents and options was reused.
    pub index_built: bool,
    pub index_seconds: f64,
    /// Share of the exact 10 nearest chunks that the HNSW graph returned, over the queries.
    pub hnsw_recall_at_10: f64,
    pub modes: Vec<ModeResult>,
    /// Verdict accuracy of the answers, when the set has yes/no questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdicts: Option<VerdictScore>,
    /// Mean metrics per query type (the built-in questions' `type`), per mode.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_type: BTreeMap<String, BTreeMap<String, TypeSummary>>,
    /// Per-query metrics per mode.
    pub per_query: BTreeMap<String, BTreeMap<String, Metrics>>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct TypeSummary {
    pub queries: usize,
    pub mean: Metrics,
}

impl Report {
    /// Fills `by_type` from each query's type.
    pub fn summarise_types(&mut self, types: &BTreeMap<String, String>) {
        if types.is_empty() {
            return;
        }
        for mode in &self.modes {
            let mut groups: BTreeMap<String, Vec<Metrics>> = BTreeMap::new();
            for (qid, m) in &mode.per_query {
                if let Some(t) = types.get(qid) {
                    groups.entry(t.clone()).or_default().push(*m);
                }
            }
            for (t, ms) in groups {
                self.by_type.entry(t).or_default().insert(
                    mode.spec.name.clone(),
                    TypeSummary {
                        queries: ms.len(),
                        mean: mean(&ms),
                    },
                );
            }
        }
    }

    /// Writes `report.json`, `report.md`, `chart.svg` and `run-<mode>.trec` into `dir`.
    /// Returns the files written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ReportError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut written = Vec::new();
        for mode in &self.modes {
            let path = dir.join(format!("run-{}.trec", mode.spec.name));
            let mut out = std::io::BufWriter::new(std::fs::File::create(&path).map_err(io(&path))?);
            trec::write_run(&mut out, &mode.run, &mode.spec.name).map_err(io(&path))?;
            out.flush().map_err(io(&path))?;
            written.push(path);
        }
        let path = dir.join("report.json");
        let json = serde_json::to_vec_pretty(self).map_err(|e| ReportError::Io {
            path: path.clone(),
            source: e.into(),
        })?;
        std::fs::write(&path, json).map_err(io(&path))?;
        written.push(path);
        let path = dir.join("report.md");
        std::fs::write(&path, self.markdown()).map_err(io(&path))?;
        written.push(path);
        let path = dir.join("chart.svg");
        self.chart(&path)?;
        written.push(path);
        Ok(written)
    }

    /// The table of mean metrics per mode, and per query type when there are types.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "## {} ({} queries, {} documents, {} chunks; HNSW recall@10 vs exact {:.4})\n\n",
            self.dataset, self.queries, self.documents, self.chunks, self.hnsw_recall_at_10
        );
        s.push_str("| mode |");
        for (name, _) in MEASURES {
            s.push_str(&format!(" {name} |"));
        }
        s.push_str(" ms p50 | ms p99 |\n|---|");
        for _ in MEASURES {
            s.push_str("---:|");
        }
        s.push_str("---:|---:|\n");
        for mode in &self.modes {
            s.push_str(&format!("| {} |", mode.spec.name));
            for (_, get) in MEASURES {
                s.push_str(&format!(" {:.4} |", get(&mode.mean)));
            }
            s.push_str(&format!(
                " {:.3} | {:.3} |\n",
                mode.latency.p50_ms, mode.latency.p99_ms
            ));
        }
        if let Some(v) = &self.verdicts {
            s.push_str(&format!(
                "\nVerdicts (answers to the {} yes/no questions): {}/{} correct ({:.1}%), {} flipped yes/no, {} not stated, {} unknown.\n",
                v.questions,
                v.correct,
                v.questions,
                100.0 * v.accuracy,
                v.flipped,
                v.not_stated,
                v.unknown
            ));
            for m in &v.misses {
                let got = m
                    .got
                    .map_or("no answer".to_string(), |g| format!("{g:?}").to_lowercase());
                s.push_str(&format!(
                    "- {} “{}”: expected {}, got {got}\n",
                    m.id,
                    m.query,
                    format!("{:?}", m.expected).to_lowercase()
                ));
            }
        }
        if !self.by_type.is_empty() {
            s.push_str("\nnDCG@10 / P@1 by question type:\n\n| type | n |");
            for mode in &self.modes {
                s.push_str(&format!(" {} |", mode.spec.name));
            }
            s.push_str("\n|---|---:|");
            for _ in &self.modes {
                s.push_str("---:|");
            }
            s.push('\n');
            for (t, by_mode) in &self.by_type {
                let n = by_mode.values().next().map_or(0, |x| x.queries);
                s.push_str(&format!("| {t} | {n} |"));
                for mode in &self.modes {
                    match by_mode.get(&mode.spec.name) {
                        Some(x) => {
                            s.push_str(&format!(" {:.3} / {:.3} |", x.mean.ndcg_10, x.mean.p_1))
                        }
                        None => s.push_str(" - |"),
                    }
                }
                s.push('\n');
            }
        }
        s
    }

    /// Grouped bars: one group per measure, one bar per mode.
    fn chart(&self, path: &Path) -> Result<(), ReportError> {
        let err = |e: &dyn std::fmt::Display| ReportError::Chart {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let root = SVGBackend::new(path, (960, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let groups = MEASURES.len() as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{}: {} queries", self.dataset, self.queries),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0.0..groups, 0.0..1.0)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(MEASURES.len() * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - x.floor() - 0.5).abs() < 1e-6 && i < MEASURES.len() {
                    MEASURES[i].0.to_string()
                } else {
                    String::new()
                }
            })
            .y_desc("score")
            .draw()
            .map_err(|e| err(&e))?;
        let modes = self.modes.len().max(1) as f64;
        let width = 0.8 / modes;
        for (i, mode) in self.modes.iter().enumerate() {
            let colour = Palette99::pick(i).to_rgba();
            let bars = MEASURES.iter().enumerate().map(move |(g, (_, get))| {
                let x0 = g as f64 + 0.1 + i as f64 * width;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width * 0.9, get(&mode.mean))],
                    colour.filled(),
                )
            });
            chart
                .draw_series(bars)
                .map_err(|e| err(&e))?
                .label(mode.spec.name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
        Ok(())
    }
}

/// The mean of each measure.
pub fn mean(ms: &[Metrics]) -> Metrics {
    let n = ms.len().max(1) as f64;
    let sum = |get: fn(&Metrics) -> f64| ms.iter().map(get).sum::<f64>() / n;
    Metrics {
        ndcg_10: sum(|m| m.ndcg_10),
        mrr_10: sum(|m| m.mrr_10),
        recall_10: sum(|m| m.recall_10),
        recall_100: sum(|m| m.recall_100),
        map_100: sum(|m| m.map_100),
        p_1: sum(|m| m.p_1),
    }
}
