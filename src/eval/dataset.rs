//! Evaluation sets: a collection of documents, the queries asked of it, and graded judgements.
//!
//! Two sources share one shape so that every later step (indexing, running, scoring) is the same:
//!
//! * a **BEIR dataset** folder (`corpus.jsonl` with `_id`, `title`, `text`; `queries.jsonl` with
//!   `_id`, `text`; `qrels/test.tsv`), the layout of the standard collections researchers
//!   publish numbers on. Each document becomes a page with one untitled section, so it goes
//!   through exactly the chunking, indexing and ranking the service uses;
//! * the **built-in question set** (`corpus/queries/*.jsonl`) over a corpus of concept pages.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::corpus::{Corpus, CorpusError, Page, PageKind, Profile, Section};
use crate::eval::metrics::{Judgements, Qrels};
use crate::eval::trec::{self, TrecError};

/// Heading of the one section a BEIR document becomes. Empty, so that the chunk prefix the
/// model sees is the document title alone.
pub const DOCUMENT_SECTION: &str = "";

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {problem}")]
    Malformed {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error("{path}: {source}")]
    Qrels {
        path: PathBuf,
        #[source]
        source: TrecError,
    },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Corpus(#[from] CorpusError),
}

/// One query to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub id: String,
    /// The text, [`crate::request::normalise`]d as a typed query is.
    pub text: String,
}

/// A collection, its queries and their judgements.
pub struct EvalSet {
    /// Short name for file names and reports ("scifact", "dev").
    pub name: String,
    pub corpus: Corpus,
    /// Only the queries that have judgements, in file order.
    pub queries: Vec<Query>,
    pub qrels: Qrels,
    /// Query id → question type, for the built-in questions (empty for BEIR datasets).
    pub types: BTreeMap<String, String>,
    /// Query id → the correct verdict, for the yes/no questions of the built-in set.
    pub verdicts: BTreeMap<String, crate::answer::Verdict>,
    /// Where the set was read from, for reports.
    pub source: PathBuf,
}

impl EvalSet {
    /// Loads a dataset in BEIR layout, judged by `qrels/{split}.tsv`.
    pub fn load_beir(dir: &Path, split: &str) -> Result<EvalSet, DatasetError> {
        let corpus = beir_corpus(&dir.join("corpus.jsonl"))?;
        let qrels_path = dir.join("qrels").join(format!("{split}.tsv"));
        let qrels_text = read(&qrels_path)?;
        let qrels = trec::read_qrels(&qrels_text).map_err(|source| DatasetError::Qrels {
            path: qrels_path.clone(),
            source,
        })?;
        let queries_path = dir.join("queries.jsonl");
        let mut queries = Vec::new();
        for_each_json_line(&queries_path, |_, q: BeirQuery| {
            if qrels.contains_key(&q.id) {
                queries.push(Query {
                    id: q.id,
                    text: crate::request::normalise(&q.text).to_string(),
                });
            }
            Ok(())
        })?;
        let asked: std::collections::HashSet<&str> =
            queries.iter().map(|q| q.id.as_str()).collect();
        if let Some(missing) = qrels.keys().find(|id| !asked.contains(id.as_str())) {
            return Err(DatasetError::Invalid(format!(
                "{} judges query `{missing}`, which {} does not have",
                qrels_path.display(),
                queries_path.display()
            )));
        }
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "dataset".into());
        Ok(EvalSet {
            name,
            corpus,
            queries,
            qrels,
            types: BTreeMap::new(),
            verdicts: BTreeMap::new(),
            source: dir.to_path_buf(),
        })
    }

    /// Loads the built-in question set `questions` (JSON lines, see `corpus/queries/README.md`)
    /// over the concept pages in `corpus_dir`. Every judged id must be a page.
    pub fn load_questions(questions: &Path, corpus_dir: &Path) -> Result<EvalSet, DatasetError> {
        let corpus = Corpus::load(corpus_dir)?;
        let mut queries = Vec::new();
        let mut qrels = Qrels::new();
        let mut types = BTreeMap::new();
        let mut verdicts = BTreeMap::new();
        for_each_json_line(questions, |_, q: Question| {
            if q.relevant.is_empty() {
                return Err(format!("question `{}` has no relevant pages", q.id));
            }
            if let Some(unknown) = q.relevant.keys().find(|id| corpus.get(id).is_none()) {
                return Err(format!(
                    "question `{}` judges `{unknown}`, which is not a page of {}",
                    q.id,
                    corpus_dir.display()
                ));
            }
            if qrels.contains_key(&q.id) {
                return Err(format!("duplicate question id `{}`", q.id));
            }
            qrels.insert(q.id.clone(), q.relevant.into_iter().collect::<Judgements>());
            types.insert(q.id.clone(), q.kind);
            if let Some(v) = q.verdict {
                verdicts.insert(q.id.clone(), v);
            }
            queries.push(Query {
                id: q.id,
                text: crate::request::normalise(&q.query).to_string(),
            });
            Ok(())
        })?;
        let name = questions
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "questions".into());
        Ok(EvalSet {
            name,
            corpus,
            queries,
            qrels,
            types,
            verdicts,
            source: questions.to_path_buf(),
        })
    }
}

/// One line of the built-in question set.
#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    pub id: String,
    pub query: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub relevant: BTreeMap<String, i32>,
    /// The correct answer to a yes/no question: `yes`, `no` (or `unknown` for a question about
    /// something the corpus does not describe).
    #[serde(default)]
    pub verdict: Option<crate::answer::Verdict>,
}

fn read(path: &Path) -> Result<String, DatasetError> {
    std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses every non-blank line of a JSON-lines file; a bad line is an error naming file and line.
fn for_each_json_line<T: serde::de::DeserializeOwned>(
    path: &Path,
    mut each: impl FnMut(usize, T) -> Result<(), String>,
) -> Result<(), DatasetError> {
    let io = |source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |problem: String| DatasetError::Malformed {
            path: path.to_path_buf(),
            line: i + 1,
            problem,
        };
        let value: T = serde_json::from_str(&line).map_err(|e| malformed(e.to_string()))?;
        each(i + 1, value).map_err(malformed)?;
    }
    Ok(())
}

/// A document of a BEIR `corpus.jsonl`.
#[derive(Deserialize)]
struct BeirDoc {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    title: String,
    text: String,
}

/// A query of a BEIR `queries.jsonl`.
#[derive(Deserialize)]
struct BeirQuery {
    #[serde(rename = "_id")]
    id: String,
    text: String,
}

/// A BEIR `corpus.jsonl` as pages: each document one page with one section, hashed like a
/// corpus folder so that a rerun reuses its index.
fn beir_corpus(path: &Path) -> Result<Corpus, DatasetError> {
    let mut hasher = Sha256::new();
    let mut pages = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for_each_json_line(path, |line, doc: BeirDoc| {
        for part in [&doc.id, &doc.title, &doc.text] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        if !seen.insert(doc.id.clone()) {
            return Err(format!("duplicate document id `{}`", doc.id));
        }
        let title = doc.title.trim().to_string();
        pages.push(Page {
            id: doc.id,
            kind: PageKind::Concept,
            title,
            aliases: Vec::new(),
            group: None,
            parents: Vec::new(),
            relations: BTreeMap::new(),
            compares: Vec::new(),
            sections: vec![Section {
                heading: DOCUMENT_SECTION.to_string(),
                text: doc.text,
                line,
                anchor: String::new(),
                level: 0,
                code: String::new(),
            }],
            source: PathBuf::from("corpus.jsonl"),
            root_reason: None,
            url: None,
            metadata: BTreeMap::new(),
            concept: false,
        });
        Ok(())
    })?;
    if pages.is_empty() {
        return Err(DatasetError::Invalid(format!(
            "{} has no documents",
            path.display()
        )));
    }
    Ok(Corpus::from_pages(pages, hex::encode(hasher.finalize())).with_profile(Profile::Documents))
}
