//! What visitors search for and fail to find, for the site owner: a query log that keeps no
//! trace of who searched, and its report.
//!
//! Each line of the log is one search as JSON: the time (Unix seconds), the query normalised
//! (lower case, spaces collapsed, at most [`MAX_LOGGED_CHARS`]), the mode, how many results
//! it had and the first one with its score. No address, no user agent, no cookie: nothing that
//! ties two searches to one visitor. The log rotates by size (the full file becomes `.1`,
//! replacing the one before), so it never grows past twice [`QueryLog::max_bytes`].
//!
//! A search that found something may still have found nothing relevant: the report lists the
//! *weak* ones apart. The fused score cannot tell (it is min-max normalised per query, so every
//! query's first result scores alike), so each line also keeps two scores that mean the same
//! for every query ([`Strength`]): the best chunk's cosine similarity to the query (searches
//! that embed it), and the share of the query's words the first result contains (every
//! search). A search is weak when the first is below [`WEAK_SIMILARITY`], or, without it
//! (keyword mode, keyword-only indexes), when the second is below [`WEAK_COVERAGE`]. The
//! thresholds were measured on the development questions against off-topic queries
//! (`scripts/weak-queries`, docs/analytics.md); the judgement is made when the report is read,
//! so a new threshold applies to old lines too.
//!
//! The search box asks for keyword results at every keystroke; those half-typed queries
//! (keyword mode, last word still open) are not logged, the search it sends when the typing
//! pauses is.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Longest query text kept in the log.
pub const MAX_LOGGED_CHARS: usize = 200;
/// Default size at which the log rotates.
pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// Entries listed per table of the report.
pub const REPORT_ROWS: usize = 20;
/// Below this cosine similarity between the query and its closest chunk, a search is weak.
/// Measured (docs/analytics.md): 2 of the 261 development questions fall below it (both
/// half-typed), 1 of 60 off-topic queries does not.
pub const WEAK_SIMILARITY: f32 = 0.30;
/// Below this share of the query's words in the first result, a search without a similarity
/// (keyword mode) is weak. Measured (docs/analytics.md): 6 of the 261 development questions
/// fall below it, 17 of 60 off-topic queries have results and do not (a coarse signal: a
/// common word the corpus uses in passing is covered).
pub const WEAK_COVERAGE: f32 = 0.5;

/// How well a search matched, in scores comparable across queries (unlike the fused score,
/// which is normalised per query).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Strength {
    /// The cosine similarity of the query's vector and the closest chunk the semantic leg
    /// found; none when the search did not embed the query.
    pub similarity: Option<f32>,
    /// The share of the query's words (stop words dropped; a corrected or completed word
    /// counts as found) that the first result's text contains, from 0 to 1; none without
    /// results.
    pub coverage: Option<f32>,
}

/// One logged search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Unix seconds.
    pub t: u64,
    pub q: String,
    pub mode: String,
    pub results: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// [`Strength::similarity`] (absent from lines written before it was logged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
    /// [`Strength::coverage`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f32>,
}

impl Entry {
    /// The line a search and its response make (time and normalised text set when recorded).
    pub fn of_search(
        request: &crate::request::SearchRequest,
        response: &crate::engine::SearchResponse,
    ) -> Entry {
        let top = response.results.first();
        Entry {
            t: 0,
            q: request.query().to_string(),
            mode: format!("{:?}", response.mode).to_lowercase(),
            results: response.results.len(),
            top: top.map(|r| r.id.clone()),
            score: top.map(|r| r.score),
            similarity: response.strength.similarity,
            coverage: response.strength.coverage,
        }
    }

    /// The score this search is judged by, when it found something and logged one: its
    /// similarity when the query was embedded, else its coverage.
    pub fn judged_by(&self) -> Option<(Signal, f32)> {
        if self.results == 0 {
            return None;
        }
        match (self.similarity, self.coverage) {
            (Some(s), _) => Some((Signal::Similarity, s)),
            (None, Some(c)) => Some((Signal::Coverage, c)),
            (None, None) => None,
        }
    }

    /// Whether the search found something, but nothing that matches well.
    pub fn is_weak(&self) -> bool {
        self.judged_by()
            .is_some_and(|(signal, score)| score < signal.threshold())
    }
}

/// Which score judged a weak search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    /// The closest chunk's cosine similarity ([`WEAK_SIMILARITY`]).
    Similarity,
    /// The share of the query's words in the first result ([`WEAK_COVERAGE`]).
    Coverage,
}

impl Signal {
    /// The score below which a search is weak.
    pub fn threshold(self) -> f32 {
        match self {
            Signal::Similarity => WEAK_SIMILARITY,
            Signal::Coverage => WEAK_COVERAGE,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("query log {path}: {source}")]
pub struct LogError {
    pub path: String,
    #[source]
    pub source: std::io::Error,
}

/// The append-only query log of a running server.
#[derive(Debug)]
pub struct QueryLog {
    path: PathBuf,
    max_bytes: u64,
    file: Mutex<Option<File>>,
}

/// A query as the log keeps it.
pub fn normalise(q: &str) -> String {
    let words: Vec<&str> = q.split_whitespace().collect();
    words
        .join(" ")
        .to_lowercase()
        .chars()
        .take(MAX_LOGGED_CHARS)
        .collect()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl QueryLog {
    pub fn new(path: PathBuf, max_bytes: u64) -> QueryLog {
        QueryLog {
            path,
            max_bytes: max_bytes.max(1024),
            file: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The size at which the log rotates.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Appends one search. A failure to log is the caller's to report; it never fails the
    /// search.
    pub fn record(&self, mut entry: Entry) -> Result<(), LogError> {
        let err = |source| LogError {
            path: self.path.display().to_string(),
            source,
        };
        entry.q = normalise(&entry.q);
        if entry.t == 0 {
            entry.t = now();
        }
        let mut line = serde_json::to_string(&entry).map_err(|e| err(e.into()))?;
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if file.is_none() {
            if let Some(dir) = self.path.parent() {
                fs::create_dir_all(dir).map_err(err)?;
            }
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(err)?;
            *file = Some(f);
        }
        let Some(f) = file.as_mut() else {
            return Ok(());
        };
        f.write_all(line.as_bytes()).map_err(err)?;
        if f.metadata().map_err(err)?.len() >= self.max_bytes {
            *file = None;
            fs::rename(&self.path, rotated(&self.path)).map_err(err)?;
        }
        Ok(())
    }
}

fn rotated(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

/// What visitors searched for over some days.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub days: u32,
    pub searches: usize,
    /// Most frequent queries, with their counts.
    pub top: Vec<QueryCount>,
    /// Most frequent queries that found nothing: what the site lacks or names otherwise.
    pub no_results: Vec<QueryCount>,
    /// Most frequent queries that found only weak matches (see the module's documentation):
    /// as telling as `no_results`, since a search engine always finds something.
    pub weak: Vec<WeakQuery>,
    /// Searches per day (UTC date `YYYY-MM-DD`).
    pub daily: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QueryCount {
    pub q: String,
    pub count: usize,
}

/// A query whose searches found only weak matches.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WeakQuery {
    pub q: String,
    /// Weak searches of this query.
    pub count: usize,
    /// The score that judged the latest of them.
    pub signal: Signal,
    /// Its value (below the signal's threshold).
    pub score: f32,
}

/// The report of the log at `path` (and its rotated predecessor) over the last `days`.
pub fn report(path: &Path, days: u32) -> Result<Report, LogError> {
    let since = now().saturating_sub(u64::from(days) * 86_400);
    let mut entries = Vec::new();
    for file in [rotated(path), path.to_path_buf()] {
        let f = match File::open(&file) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(LogError {
                    path: file.display().to_string(),
                    source,
                })
            }
        };
        // A line cut by a crash mid-write is skipped, not an error.
        entries.extend(
            BufReader::new(f)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| serde_json::from_str::<Entry>(&l).ok())
                .filter(|e| e.t >= since),
        );
    }
    Ok(summarise(&entries, days))
}

fn summarise(entries: &[Entry], days: u32) -> Report {
    let ranked = |keep: &dyn Fn(&Entry) -> bool| {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for e in entries.iter().filter(|e| keep(e)) {
            *counts.entry(e.q.as_str()).or_default() += 1;
        }
        let mut rows: Vec<QueryCount> = counts
            .into_iter()
            .map(|(q, count)| QueryCount {
                q: q.to_string(),
                count,
            })
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.q.cmp(&b.q)));
        rows.truncate(REPORT_ROWS);
        rows
    };
    let mut daily = BTreeMap::new();
    for e in entries {
        *daily.entry(day_of(e.t)).or_default() += 1;
    }
    Report {
        days,
        searches: entries.len(),
        top: ranked(&|_| true),
        no_results: ranked(&|e| e.results == 0),
        weak: weak(entries),
        daily,
    }
}

/// The weak searches grouped by query, most frequent first, each with its latest score.
fn weak(entries: &[Entry]) -> Vec<WeakQuery> {
    let mut by_query: HashMap<&str, WeakQuery> = HashMap::new();
    for e in entries {
        let Some((signal, score)) = e.judged_by().filter(|_| e.is_weak()) else {
            continue;
        };
        let row = by_query.entry(e.q.as_str()).or_insert_with(|| WeakQuery {
            q: e.q.clone(),
            count: 0,
            signal,
            score,
        });
        // Entries are in log order, oldest first.
        row.count += 1;
        row.signal = signal;
        row.score = score;
    }
    let mut rows: Vec<WeakQuery> = by_query.into_values().collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.q.cmp(&b.q)));
    rows.truncate(REPORT_ROWS);
    rows
}

/// The UTC date of a Unix time, `YYYY-MM-DD`. A time beyond the calendar's range (only a
/// damaged log line has one) counts on the last day `time` knows rather than failing the report.
fn day_of(t: u64) -> String {
    let seconds = i64::try_from(t).unwrap_or(i64::MAX);
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .map_or(time::Date::MAX, |d| d.date())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(q: &str, results: usize) -> Entry {
        Entry {
            t: 0,
            q: q.into(),
            mode: "hybrid".into(),
            results,
            top: None,
            score: None,
            similarity: None,
            coverage: None,
        }
    }

    #[test]
    fn weak_searches_are_judged_by_similarity_else_coverage() {
        let judged = |results, similarity, coverage| Entry {
            similarity,
            coverage,
            ..entry("q", results)
        };
        assert!(judged(3, Some(WEAK_SIMILARITY - 0.01), Some(1.0)).is_weak());
        assert!(!judged(3, Some(WEAK_SIMILARITY), Some(0.0)).is_weak());
        assert!(judged(3, None, Some(WEAK_COVERAGE - 0.01)).is_weak());
        assert!(!judged(3, None, Some(1.0)).is_weak());
        assert!(
            !judged(0, Some(0.0), Some(0.0)).is_weak(),
            "no results is its own list"
        );
        assert!(!judged(3, None, None).is_weak(), "old lines are not judged");
        let old: Entry =
            serde_json::from_str(r#"{"t":1,"q":"x","mode":"hybrid","results":2}"#).unwrap();
        assert_eq!((old.similarity, old.coverage), (None, None));
        let entries = [
            judged(3, Some(0.1), None),
            Entry {
                q: "w".into(),
                ..judged(3, Some(0.2), None)
            },
            judged(3, Some(0.25), None),
            judged(3, Some(0.9), None),
        ];
        assert_eq!(
            weak(&entries),
            vec![
                WeakQuery {
                    q: "q".into(),
                    count: 2,
                    signal: Signal::Similarity,
                    score: 0.25
                },
                WeakQuery {
                    q: "w".into(),
                    count: 1,
                    signal: Signal::Similarity,
                    score: 0.2
                }
            ]
        );
    }

    #[test]
    fn the_report_counts_top_and_empty_queries_and_days() {
        let dir = tempfile::tempdir().unwrap();
        let log = QueryLog::new(dir.path().join("queries.jsonl"), 1 << 20);
        for (q, n) in [
            ("What is  RAG", 3),
            ("what is rag", 3),
            ("kubernetes", 0),
            ("bert", 2),
        ] {
            log.record(entry(q, n)).unwrap();
        }
        let r = report(log.path(), 7).unwrap();
        assert_eq!(r.searches, 4);
        assert_eq!(
            r.top[0],
            QueryCount {
                q: "what is rag".into(),
                count: 2
            }
        );
        assert_eq!(
            r.no_results,
            vec![QueryCount {
                q: "kubernetes".into(),
                count: 1
            }]
        );
        assert_eq!(r.daily.values().sum::<usize>(), 4);
    }

    #[test]
    fn the_log_rotates_by_size_and_keeps_one_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let log = QueryLog::new(dir.path().join("q.jsonl"), 1024);
        for i in 0..200 {
            log.record(entry(&format!("query number {i}"), 1)).unwrap();
        }
        let size = |p: &Path| fs::metadata(p).map_or(0, |m| m.len());
        assert!(size(log.path()) < 1024 + 200);
        assert!(size(&rotated(log.path())) >= 1024);
        assert!(
            report(log.path(), 1).unwrap().searches < 200,
            "older rotations are gone"
        );
    }

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(1_796_601_600), "2026-12-07");
    }
}
