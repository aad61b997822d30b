//! The keyword leg: a tantivy index of chunks, ranked by BM25 with English stemming.
//!
//! Each chunk is a document with three text fields: the page title, the page aliases and the
//! chunk body. Title and aliases are repeated on every chunk of a page, so that a query naming
//! the concept ("GPT-4") lifts all of its passages and the body decides which one answers.
//!
//! User text never reaches tantivy's query grammar. Raw questions are full of characters that
//! grammar reads as syntax ("GPT-4" as a phrase, "AND"/"NOT" as operators, a stray quote as an
//! error); instead the text goes through the same analyzer as the documents and each resulting
//! term becomes a boosted `TermQuery` in one disjunction. Any text is a valid query.
//!
//! A word the index does not hold, or the last word while it is being typed, also stands for
//! the index words [`expand`] finds for it (typo corrections, completions).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::collector::{FilterCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    doc, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use crate::chunk::{page_ranges, Chunk};
use crate::named::from_name_table;
pub use crate::retrieve::KeywordUnit;
use crate::retrieve::{ChunkSet, KeywordQuery, KeywordRetriever, LegHit, RetrieveError};
use crate::spelling::Spelling;

pub mod expand;

pub use expand::{Expansion, How, QueryWord};

/// A site's language, for the keyword leg's stemmer: each of the Snowball stemmers tantivy
/// ships, or none (`simple`: lower-cased words, for languages without one). The embedding
/// model reads English only; a site in another language runs keyword-only
/// (`--keyword-only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    English,
    Arabic,
    Danish,
    Dutch,
    Finnish,
    French,
    German,
    Greek,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Tamil,
    Turkish,
    /// No stemming.
    Simple,
}

from_name_table!(
    Language,
    "language",
    &[
        ("english", Language::English),
        ("arabic", Language::Arabic),
        ("danish", Language::Danish),
        ("dutch", Language::Dutch),
        ("finnish", Language::Finnish),
        ("french", Language::French),
        ("german", Language::German),
        ("greek", Language::Greek),
        ("hungarian", Language::Hungarian),
        ("italian", Language::Italian),
        ("norwegian", Language::Norwegian),
        ("portuguese", Language::Portuguese),
        ("romanian", Language::Romanian),
        ("russian", Language::Russian),
        ("spanish", Language::Spanish),
        ("swedish", Language::Swedish),
        ("tamil", Language::Tamil),
        ("turkish", Language::Turkish),
        ("simple", Language::Simple)
    ]
);

impl Language {
    /// The tokenizer name the schema records: tantivy's own `en_stem` for English, so that an
    /// English index is what it always was.
    fn analyzer_name(self) -> String {
        match self {
            Language::English => "en_stem".to_string(),
            other => format!("landscape_{other:?}").to_lowercase(),
        }
    }

    fn stemmer(self) -> Option<tantivy::tokenizer::Language> {
        use tantivy::tokenizer::Language as L;
        Some(match self {
            Language::English => L::English,
            Language::Arabic => L::Arabic,
            Language::Danish => L::Danish,
            Language::Dutch => L::Dutch,
            Language::Finnish => L::Finnish,
            Language::French => L::French,
            Language::German => L::German,
            Language::Greek => L::Greek,
            Language::Hungarian => L::Hungarian,
            Language::Italian => L::Italian,
            Language::Norwegian => L::Norwegian,
            Language::Portuguese => L::Portuguese,
            Language::Romanian => L::Romanian,
            Language::Russian => L::Russian,
            Language::Spanish => L::Spanish,
            Language::Swedish => L::Swedish,
            Language::Tamil => L::Tamil,
            Language::Turkish => L::Turkish,
            Language::Simple => return None,
        })
    }
}

/// Words so frequent in questions that they only add noise ("what is the ..."). They are
/// dropped from queries, never from documents, and only when something else remains.
pub(crate) const QUERY_STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "doe", "does", "for", "from",
    "how", "i", "in", "is", "it", "of", "on", "or", "that", "the", "this", "to", "was", "what",
    "when", "where", "which", "who", "whi", "why", "with",
];

/// How chunks are laid out in the index. Recorded in the manifest: another value means
/// another index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeywordParams {
    /// Also index the page title in each chunk's body, so that title words and body words are
    /// counted in one field (BM25 saturates term frequency per field).
    #[serde(default)]
    pub title_in_body: bool,
    /// What one keyword document is.
    #[serde(default)]
    pub unit: KeywordUnit,
    /// The stemmer of documents and queries.
    #[serde(default)]
    pub language: Language,
}

/// Measured with `landscape eval` (BENCHMARKS.md): whole pages with their titles in the body
/// beat chunks with a separately boosted title field on SciFact (nDCG@10 0.619 → 0.689) and on
/// the built-in questions (0.818 → 0.827).
impl Default for KeywordParams {
    fn default() -> Self {
        KeywordParams {
            title_in_body: true,
            unit: KeywordUnit::Page,
            language: Language::English,
        }
    }
}

/// Query-time weights of the three fields.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FieldBoosts {
    pub title: f32,
    pub aliases: f32,
    pub body: f32,
    /// Section headings (documentation sites put the names of things there).
    #[serde(default)]
    pub headings: f32,
    /// Code blocks.
    #[serde(default = "code_boost")]
    pub code: f32,
}

fn code_boost() -> f32 {
    FieldBoosts::default().code
}

impl Default for FieldBoosts {
    fn default() -> Self {
        // The title is in the body (KeywordParams::title_in_body); boosting a separate title
        // field on top cost 0.05 nDCG@10 on SciFact and 0.02 on the built-in questions.
        FieldBoosts {
            title: 0.0,
            aliases: 2.0,
            body: 1.0,
            headings: 0.0,
            // Measured on the Cargo book (BENCHMARKS.md, "Your own site as it is"): code in the
            // body or at boost 1 let pages full of examples outrank the prose; 0.25 raised the
            // keyword leg by 0.034 / 0.009 nDCG@10 (question set / held-out set).
            code: 0.25,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeywordError {
    #[error("keyword index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("keyword index at {path}: {message}")]
    Open { path: String, message: String },
}

struct Fields {
    chunk: Field,
    /// The page id, indexed whole (never scored): what a page's documents are deleted by when
    /// the page is replaced or removed ([`KeywordWriter`]).
    page: Field,
    title: Field,
    aliases: Field,
    body: Field,
    /// Comparison pages only: the names of both sides.
    sides: Field,
    /// The section headings of the document's page (or of its own section, for a chunk).
    headings: Field,
    /// Code blocks: in a field of their own, so that a page full of examples does not outweigh
    /// the prose that explains them.
    code: Field,
    /// The prose's words as written (lower-cased, not stemmed), never scored: its term
    /// dictionary is the vocabulary that misspelled and half-typed query words are matched
    /// against ([`crate::spelling`]). Stems would not do: "tokeniz" opens "tokenization",
    /// whose stem "token" it does not.
    words: Field,
}

fn schema(language: Language) -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let name = language.analyzer_name();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(&name)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let chunk = builder.add_u64_field("chunk", NumericOptions::default().set_fast().set_stored());
    let page = builder.add_text_field("page", tantivy::schema::STRING);
    let title = builder.add_text_field("title", text.clone());
    let aliases = builder.add_text_field("aliases", text.clone());
    let body = builder.add_text_field("body", text.clone());
    let sides = builder.add_text_field("sides", text.clone());
    let headings = builder.add_text_field("headings", text.clone());
    let code = builder.add_text_field("code", text);
    let words = builder.add_text_field(
        "words",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORDS_ANALYZER)
                .set_index_option(IndexRecordOption::Basic),
        ),
    );
    (
        builder.build(),
        Fields {
            chunk,
            page,
            title,
            aliases,
            body,
            sides,
            headings,
            code,
            words,
        },
    )
}

/// The analyzer of the [`Fields::words`] vocabulary and of query words before stemming.
const WORDS_ANALYZER: &str = "landscape_words";

fn words_analyzer() -> TextAnalyzer {
    use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer};
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

/// What the keyword index needs to know about a page besides its chunks.
#[derive(Debug, Clone, Default)]
pub struct PageFields {
    pub aliases: Vec<String>,
    /// A comparison page's names of its two sides.
    pub sides: Vec<String>,
    /// Each section's heading by anchor (the introduction has none).
    pub headings: Vec<(String, String)>,
    /// The page's whole prose, for [`KeywordUnit::Page`] (chunks overlap, so joining them would
    /// count the overlapping sentences twice).
    pub text: String,
    /// Each section's code blocks by section anchor: with [`KeywordUnit::Chunk`] they are
    /// searched with the section's first chunk.
    pub code: Vec<(String, String)>,
}

/// Writes the keyword index of `chunks` into `dir` (which must be empty). `page` gives the
/// other fields of a page by page id.
pub fn build(
    dir: &Path,
    chunks: &[Chunk],
    page: &dyn Fn(&str) -> PageFields,
    params: KeywordParams,
) -> Result<(), KeywordError> {
    let (schema, f) = schema(params.language);
    let index = Index::create_in_dir(dir, schema)?;
    register(&index, params.language);
    // One thread: the index is small next to embedding, and one segment keeps it deterministic.
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 64 * 1024 * 1024)?;
    add_documents(&writer, &f, chunks, 0, page, params)?;
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// Adds the documents of `chunks` (whole pages' chunks, contiguous), whose ids start at
/// `first_id` in the chunk table.
fn add_documents(
    writer: &IndexWriter,
    f: &Fields,
    chunks: &[Chunk],
    first_id: usize,
    page: &dyn Fn(&str) -> PageFields,
    params: KeywordParams,
) -> Result<(), KeywordError> {
    // Each document is named by its first chunk.
    let firsts: Vec<usize> = match params.unit {
        KeywordUnit::Chunk => (0..chunks.len()).collect(),
        KeywordUnit::Page => page_ranges(chunks).into_iter().map(|r| r.start).collect(),
    };
    for i in firsts {
        let chunk = &chunks[i];
        let fields = page(&chunk.concept);
        let vocabulary = [
            chunk.title.as_str(),
            &fields.aliases.join(" ; "),
            &fields.sides.join(" ; "),
            &fields
                .headings
                .iter()
                .map(|(_, h)| h.as_str())
                .collect::<Vec<_>>()
                .join(" ; "),
        ]
        .join("\n");
        let (text, code) = match params.unit {
            KeywordUnit::Chunk => {
                let code = fields
                    .code
                    .iter()
                    .find(|(anchor, _)| chunk.position == 0 && *anchor == chunk.anchor)
                    .map(|(_, code)| code.clone())
                    .unwrap_or_default();
                (chunk.text.clone(), code)
            }
            KeywordUnit::Page => {
                let code: Vec<&str> = fields.code.iter().map(|(_, c)| c.as_str()).collect();
                (fields.text, code.join("\n\n"))
            }
        };
        let words = format!("{vocabulary}\n{text}");
        writer.add_document(doc!(
            f.chunk => (first_id + i) as u64,
            f.page => chunk.concept.clone(),
            f.words => words,
            f.title => chunk.title.clone(),
            f.aliases => fields.aliases.join(" ; "),
            f.body => if params.title_in_body {
                format!("{}\n{}", chunk.title, text)
            } else {
                text
            },
            f.sides => fields.sides.join(" ; "),
            f.code => code,
            f.headings => match params.unit {
                KeywordUnit::Chunk => fields
                    .headings
                    .iter()
                    .find(|(anchor, _)| *anchor == chunk.anchor)
                    .map(|(_, h)| h.clone())
                    .unwrap_or_default(),
                KeywordUnit::Page => fields
                    .headings
                    .iter()
                    .map(|(_, h)| h.as_str())
                    .collect::<Vec<_>>()
                    .join(" ; "),
            },
        ))?;
    }
    Ok(())
}

/// An open keyword index.
pub struct KeywordIndex {
    /// A snapshot: a generation's index never changes, and a [`KeywordWriter`]'s updates make
    /// new snapshots, so one searcher and its per-segment chunk-id columns serve for the
    /// snapshot's whole life (a request never sees documents its chunk table lacks).
    searcher: Searcher,
    chunk_ids: Vec<Column<u64>>,
    analyzer: TextAnalyzer,
    fields: Fields,
    boosts: FieldBoosts,
    unit: KeywordUnit,
    language: Language,
    vocabulary: expand::Vocabulary,
}

impl KeywordIndex {
    /// Opens the index in `dir`, built with `params` (the manifest says which).
    pub fn open(
        dir: &Path,
        boosts: FieldBoosts,
        params: KeywordParams,
    ) -> Result<KeywordIndex, KeywordError> {
        let index = open_index(dir, params)?;
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        KeywordIndex::at(&index, reader.searcher(), boosts, params)
    }

    /// The index as `searcher` sees it: a fixed snapshot, even while a [`KeywordWriter`]
    /// commits newer ones.
    fn at(
        index: &Index,
        searcher: Searcher,
        boosts: FieldBoosts,
        params: KeywordParams,
    ) -> Result<KeywordIndex, KeywordError> {
        let (_, fields) = schema(params.language);
        let analyzer = index.tokenizer_for_field(fields.body)?;
        let chunk_ids = searcher
            .segment_readers()
            .iter()
            .map(|s| s.fast_fields().u64("chunk"))
            .collect::<Result<Vec<_>, _>>()?;
        let vocabulary = expand::Vocabulary::new(
            fields.words,
            searcher
                .segment_readers()
                .iter()
                .map(|s| s.inverted_index(fields.words))
                .collect::<Result<Vec<_>, _>>()?,
        );
        Ok(KeywordIndex {
            vocabulary,
            searcher,
            chunk_ids,
            analyzer,
            fields,
            boosts,
            unit: params.unit,
            language: params.language,
        })
    }

    /// Documents in the index: chunks, or pages when the unit is a page.
    pub fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// One clause per query word: its own term in every scored field, or, when the word
    /// stands for other index words too (corrections, completions), the best of those forms
    /// (a disjunction-max: one word counts once, whichever form matched).
    fn query(&self, query: KeywordQuery<'_>) -> Option<Box<dyn Query>> {
        if query.words.is_empty() {
            return None;
        }
        // Side names would pull comparison pages into every question that names one concept,
        // so they only count when the question asks for a comparison.
        let sides_boost = if query.comparison {
            self.boosts.aliases
        } else {
            0.0
        };
        let fields = [
            (self.fields.title, self.boosts.title),
            (self.fields.aliases, self.boosts.aliases),
            (self.fields.body, self.boosts.body),
            (self.fields.sides, sides_boost),
            (self.fields.headings, self.boosts.headings),
            (self.fields.code, self.boosts.code),
        ];
        let term_clauses = |term: &str, weight: f32| -> Vec<(Occur, Box<dyn Query>)> {
            fields
                .iter()
                .filter(|(_, boost)| *boost > 0.0)
                .map(|&(field, boost)| {
                    let q = TermQuery::new(
                        Term::from_field_text(field, term),
                        IndexRecordOption::WithFreqs,
                    );
                    let q: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(q), boost * weight));
                    (Occur::Should, q)
                })
                .collect()
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in query.words {
            if word.expansions.is_empty() {
                clauses.extend(term_clauses(&word.term, 1.0));
                continue;
            }
            let forms: Vec<Box<dyn Query>> = std::iter::once((word.term.as_str(), 1.0))
                .chain(word.expansions.iter().map(|e| (e.term.as_str(), e.weight)))
                .map(|(term, weight)| -> Box<dyn Query> {
                    Box::new(BooleanQuery::new(term_clauses(term, weight)))
                })
                .collect();
            clauses.push((Occur::Should, Box::new(DisjunctionMaxQuery::new(forms))));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }
}

/// Opens the tantivy index in `dir` with this version's schema.
fn open_index(dir: &Path, params: KeywordParams) -> Result<Index, KeywordError> {
    let index = Index::open_in_dir(dir)?;
    register(&index, params.language);
    let (expected, _) = schema(params.language);
    if index.schema() != expected {
        return Err(KeywordError::Open {
            path: dir.display().to_string(),
            message: "schema differs from this version's".into(),
        });
    }
    Ok(index)
}

/// Updates a generation's keyword index in place of a rebuild: a page's documents are
/// deleted by its id and its new ones added (tantivy delete + add), each commit a new
/// snapshot for [`KeywordIndex`].
///
/// It writes into a copy of the generation's folder made of hard links (tantivy never
/// rewrites a file, it writes new segments and replaces `meta.json` by rename), so the
/// generation itself stays exactly as its manifest's checksums say, and costs no copying.
pub struct KeywordWriter {
    index: Index,
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
    boosts: FieldBoosts,
    params: KeywordParams,
}

impl KeywordWriter {
    /// A writer over `work`, a fresh linked copy of the index in `base` (`work` is replaced
    /// if it exists).
    pub fn open_copy(
        base: &Path,
        work: &Path,
        boosts: FieldBoosts,
        params: KeywordParams,
    ) -> Result<KeywordWriter, KeywordError> {
        let io = |e: std::io::Error| KeywordError::Open {
            path: work.display().to_string(),
            message: e.to_string(),
        };
        if work.exists() {
            std::fs::remove_dir_all(work).map_err(io)?;
        }
        std::fs::create_dir_all(work).map_err(io)?;
        for entry in std::fs::read_dir(base).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name();
            if name.to_string_lossy().ends_with(".lock") || !entry.path().is_file() {
                continue;
            }
            let to = work.join(&name);
            if std::fs::hard_link(entry.path(), &to).is_err() {
                std::fs::copy(entry.path(), &to).map_err(io)?;
            }
        }
        let index = open_index(work, params)?;
        let (_, fields) = schema(params.language);
        let writer = index.writer_with_num_threads::<TantivyDocument>(1, 32 * 1024 * 1024)?;
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(KeywordWriter {
            index,
            writer,
            reader,
            fields,
            boosts,
            params,
        })
    }

    /// Deletes every document of page `id`.
    pub fn delete_page(&mut self, id: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.fields.page, id));
    }

    /// Adds the documents of whole pages' `chunks`, whose ids start at `first_id`.
    pub fn add(
        &mut self,
        chunks: &[Chunk],
        first_id: usize,
        page: &dyn Fn(&str) -> PageFields,
    ) -> Result<(), KeywordError> {
        add_documents(
            &self.writer,
            &self.fields,
            chunks,
            first_id,
            page,
            self.params,
        )
    }

    /// Commits what was deleted and added, and returns the index as it is now.
    pub fn commit(&mut self) -> Result<KeywordIndex, KeywordError> {
        self.writer.commit()?;
        self.reader.reload()?;
        KeywordIndex::at(
            &self.index,
            self.reader.searcher(),
            self.boosts,
            self.params,
        )
    }
}

/// The analysed, de-duplicated terms of a query, each word as typed (no corrections or
/// completions), (English) stop words removed when anything else is left.
pub fn query_terms(analyzer: &TextAnalyzer, language: Language, text: &str) -> Vec<String> {
    expand::plan(text, analyzer, language, None, Spelling::EXACT)
        .into_iter()
        .map(|w| w.term)
        .collect()
}

/// The analyzer the keyword index uses for `language`, for highlighting passages the same way.
pub fn analyzer(language: Language) -> TextAnalyzer {
    use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer};
    match language.stemmer() {
        Some(stemmer) => TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(Stemmer::new(stemmer))
            .build(),
        None => TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .build(),
    }
}

/// Makes `language`'s analyzer (English's is built in) and the vocabulary's known to `index`.
fn register(index: &Index, language: Language) {
    index
        .tokenizers()
        .register(WORDS_ANALYZER, words_analyzer());
    if language != Language::English {
        index
            .tokenizers()
            .register(&language.analyzer_name(), analyzer(language));
    }
}

impl KeywordRetriever for KeywordIndex {
    fn unit(&self) -> KeywordUnit {
        self.unit
    }

    fn words(&self, text: &str, spelling: Spelling) -> Vec<QueryWord> {
        expand::plan(
            text,
            &self.analyzer,
            self.language,
            Some(&self.vocabulary),
            spelling,
        )
    }

    fn search(
        &self,
        query: KeywordQuery<'_>,
        limit: usize,
        within: Option<&ChunkSet>,
    ) -> Result<Vec<LegHit>, RetrieveError> {
        let err = |e: tantivy::TantivyError| RetrieveError {
            leg: "keyword",
            message: e.to_string(),
        };
        let Some(query) = self.query(query) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let top_docs = TopDocs::with_limit(limit).order_by_score();
        let top = match within {
            None => self.searcher.search(&query, &top_docs).map_err(err)?,
            // Filtered in the collector, on the chunk-id column: exact, whatever the share of
            // documents the filter keeps. (A page document is named by its first chunk, which
            // the set holds whenever it holds the page.)
            Some(set) => {
                let set = set.clone();
                let keep = move |chunk: u64| u32::try_from(chunk).is_ok_and(|c| set.contains(c));
                let filtered = FilterCollector::new("chunk".to_string(), keep, top_docs);
                self.searcher.search(&query, &filtered).map_err(err)?
            }
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let chunk = self
                .chunk_ids
                .get(address.segment_ord as usize)
                .and_then(|column| column.first(address.doc_id))
                .ok_or_else(|| RetrieveError {
                    leg: "keyword",
                    message: "document without chunk id".into(),
                })?;
            hits.push(LegHit {
                chunk: chunk as u32,
                score,
            });
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(language: Language, text: &str) -> Vec<String> {
        query_terms(&analyzer(language), language, text)
    }

    #[test]
    fn each_language_stems_its_own_words() {
        assert_eq!(
            tokens(Language::French, "chevaux"),
            tokens(Language::French, "cheval")
        );
        assert_ne!(
            tokens(Language::English, "chevaux"),
            tokens(Language::English, "cheval")
        );
        assert_eq!(
            tokens(Language::German, "Häuser"),
            tokens(Language::German, "Haus")
        );
        assert_eq!(tokens(Language::Simple, "Running"), vec!["running"]);
        // English stop words are dropped from English queries only.
        assert_eq!(
            tokens(Language::English, "what is a transformer"),
            vec!["transform"]
        );
        assert_eq!(tokens(Language::Simple, "a b").len(), 2);
        assert_eq!("french".parse::<Language>().unwrap(), Language::French);
    }
}
