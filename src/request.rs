//! One search request, validated in one place.
//!
//! The HTTP API (query string and JSON body), the command line and the evaluation's mode specs
//! all fill a [`SearchParams`] and call [`SearchParams::validate`] (or
//! [`SearchParams::ranking`] when no query is involved), so every limit, default and message
//! is written once, here. A [`SearchRequest`] can only be made through these constructors,
//! which is what lets the engine trust it.

use serde::{Deserialize, Serialize};

use crate::corpus::PageKind;
use crate::filter::{Filter, FilterParam};
use crate::fusion::{Fusion, FusionMethod, DEFAULT_RRF_K, DEFAULT_SEMANTIC_RATIO};
use crate::named::{from_name_table, UnknownName};
use crate::spelling::Spelling;

/// Longest query accepted, in characters: long enough for any question or pasted claim, short
/// enough that one request cannot make the model work on pages of text.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Results when the caller does not say.
pub const DEFAULT_K: usize = 10;
/// Most results one request may ask for.
pub const MAX_K: usize = 100;
/// Deepest page of results: `offset` + `k` pages are ranked for every request, so paging
/// costs what the depth costs.
pub const MAX_OFFSET: usize = 1000;
/// Largest RRF constant accepted; far beyond it every rank scores the same.
pub const MAX_RRF_K: f64 = 10_000.0;

/// Which legs run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Keyword,
    Semantic,
    #[default]
    Hybrid,
}

from_name_table!(
    Mode,
    "mode",
    &[
        ("keyword", Mode::Keyword),
        ("semantic", Mode::Semantic),
        ("hybrid", Mode::Hybrid)
    ]
);

/// Why a request was refused. Each kind has a stable code ([`RequestError::code`]) that the
/// HTTP API returns beside the message; the command line prints the message alone.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    #[error("q is required")]
    MissingQuery,
    #[error("q is empty")]
    EmptyQuery,
    #[error("q has {0} characters; the limit is {MAX_QUERY_CHARS}")]
    QueryTooLong(usize),
    #[error("{name} must be a number, got `{value}`")]
    NotANumber { name: &'static str, value: String },
    #[error("{name} must be true or false, got `{value}`")]
    InvalidFlag { name: &'static str, value: String },
    #[error("k is {0}; it must be from 1 to {MAX_K}")]
    KOutOfRange(i64),
    #[error(transparent)]
    Unknown(#[from] UnknownName),
    #[error("ratio is {0}; it must be from 0 to 1")]
    RatioOutOfRange(f64),
    #[error("rrf_k is {0}; it must be above 0 and at most {MAX_RRF_K}")]
    RrfKOutOfRange(f64),
    #[error("ratio goes with fusion=weighted and rrf_k with fusion=rrf; dbsf takes neither")]
    ConflictingFusion,
    #[error("filter: {0}")]
    InvalidFilter(String),
    #[error("under is empty; give a page id")]
    EmptyUnder,
    #[error("offset is {0}; it must be from 0 to {MAX_OFFSET}")]
    OffsetOutOfRange(i64),
    #[error("vector has {found} numbers; this index's model gives {expected}")]
    VectorWrongLength { found: usize, expected: usize },
    #[error("vector: {0}")]
    InvalidVector(String),
    #[error("vector: this index has no semantic leg (built --keyword-only)")]
    VectorNotServed,
}

impl RequestError {
    /// The machine-readable code of the error, stable across releases.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::MissingQuery => "missing_query",
            RequestError::EmptyQuery => "empty_query",
            RequestError::QueryTooLong(_) => "query_too_long",
            RequestError::NotANumber { name: "k", .. } => "invalid_k",
            RequestError::NotANumber { name: "offset", .. } => "invalid_offset",
            RequestError::NotANumber { name: "ratio", .. } => "invalid_ratio",
            RequestError::NotANumber { .. } => "invalid_rrf_k",
            RequestError::InvalidFlag {
                name: "explain", ..
            } => "invalid_explain",
            RequestError::InvalidFlag { name: "typos", .. } => "invalid_typos",
            RequestError::InvalidFlag { .. } => "invalid_prefix",
            RequestError::KOutOfRange(_) => "k_out_of_range",
            RequestError::Unknown(UnknownName { what: "mode", .. }) => "unknown_mode",
            RequestError::Unknown(UnknownName { what: "kind", .. }) => "unknown_kind",
            RequestError::Unknown(_) => "unknown_fusion",
            RequestError::RatioOutOfRange(_) => "ratio_out_of_range",
            RequestError::RrfKOutOfRange(_) => "rrf_k_out_of_range",
            RequestError::ConflictingFusion => "conflicting_fusion",
            RequestError::InvalidFilter(_) => "invalid_filter",
            RequestError::EmptyUnder => "empty_under",
            RequestError::OffsetOutOfRange(_) => "offset_out_of_range",
            RequestError::VectorWrongLength { .. } => "vector_wrong_length",
            RequestError::InvalidVector(_) => "invalid_vector",
            RequestError::VectorNotServed => "vector_not_served",
        }
    }
}

/// Query text as the engine sees it: trimmed, not empty, at most [`MAX_QUERY_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct QueryText(String);

impl QueryText {
    pub fn new(raw: &str) -> Result<QueryText, RequestError> {
        let text = normalise(raw);
        if text.is_empty() {
            return Err(RequestError::EmptyQuery);
        }
        let chars = text.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(RequestError::QueryTooLong(chars));
        }
        Ok(QueryText(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for QueryText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// What every query goes through before either leg or the answer sees it. Evaluation sets
/// use it too, so that a judged query is ranked exactly as a typed one.
pub fn normalise(text: &str) -> &str {
    text.trim()
}

/// A search as a front end received it: every field optional and unchecked. The JSON body of
/// `POST /search` has exactly these fields. The schema attributes state the limits checked in
/// [`SearchParams::validate`], so that the API document promises what the service accepts
/// (schemathesis holds the one to the other: `scripts/schemathesis`).
#[derive(Debug, Default, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// The query or question: 1 to 1000 characters, not only spaces.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 1000, pattern = "\\S")]
    pub q: Option<String>,
    /// Results wanted, 1 to 100 (default 10).
    #[schema(minimum = 1, maximum = 100)]
    #[serde(default, deserialize_with = "whole_number")]
    pub k: Option<i64>,
    /// Results to skip, for the next page: 0 to 1000.
    #[schema(minimum = 0, maximum = 1000)]
    #[serde(default, deserialize_with = "whole_number")]
    pub offset: Option<i64>,
    #[schema(value_type = Option<Mode>)]
    pub mode: Option<String>,
    /// `weighted` (default), `rrf` or `dbsf`; `ratio` goes with weighted, `rrf_k` with rrf.
    #[schema(value_type = Option<crate::fusion::FusionMethod>)]
    pub fusion: Option<String>,
    /// Semantic share of weighted fusion, 0 to 1.
    #[schema(minimum = 0, maximum = 1)]
    pub ratio: Option<f64>,
    /// The RRF constant: above 0, at most 10000.
    #[schema(exclusive_minimum = 0, maximum = 10000)]
    pub rrf_k: Option<f64>,
    pub explain: Option<bool>,
    /// Metadata conditions: `"tags:setup,lang:en"` or `{"tags": ["setup"], "lang": "en"}`.
    pub filter: Option<FilterParam>,
    /// Only pages of this kind: `concept` or `comparison`.
    #[schema(value_type = Option<PageKind>)]
    pub kind: Option<String>,
    /// Only pages whose ancestry includes this page id.
    #[schema(min_length = 1, pattern = "\\S")]
    pub under: Option<String>,
    /// Match misspelled words to the index's words (default: the server's, normally true).
    pub typos: Option<bool>,
    /// Match the last word as a beginning unless the text ends with a space or punctuation
    /// (default: the server's, normally true).
    pub prefix: Option<bool>,
    /// The query's vector from the caller's own copy of the model: as many finite numbers as
    /// the model's dimensions (384 for the built-in model). The semantic leg uses it instead of
    /// embedding `q`, which then serves the keyword leg, highlighting and answers. Scaled to
    /// unit length.
    #[schema(value_type = Option<Vec<f64>>)]
    pub vector: Option<Vec<f64>>,
}

/// A whole number as JSON may write it: `5`, or `5.0`, which JSON Schema's `integer` (the type
/// the API document gives `k` and `offset`) admits too. A fraction or a number beyond `i64` is
/// refused like any value of the wrong type.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::de::{Error, Unexpected, Visitor};

    struct Whole;

    impl<'de> Visitor<'de> for Whole {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }

        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(Whole)
        }

        fn visit_i64<E: Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
        }

        fn visit_f64<E: Error>(self, v: f64) -> Result<Self::Value, E> {
            // 2^63 is the first float past i64::MAX; the cast is exact below it.
            if v.fract() == 0.0
                && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v)
            {
                Ok(Some(v as i64))
            } else {
                Err(E::invalid_value(Unexpected::Float(v), &self))
            }
        }
    }

    d.deserialize_option(Whole)
}

/// The same fields as text, as a query string or a command line carries them.
#[derive(Debug, Default, Clone, PartialEq, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TextParams {
    /// The query or question, 1 to 1000 characters, not only spaces. Its last word is
    /// matched as a beginning unless it ends with a space or punctuation.
    #[param(required = true, min_length = 1, max_length = 1000, pattern = "\\S")]
    pub q: Option<String>,
    /// Results wanted, 1 to 100 (default 10).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub k: Option<String>,
    /// Results skipped, 0 to 1000: the next page of the same ranking.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 1000)]
    pub offset: Option<String>,
    /// `hybrid` (default), `keyword` or `semantic`.
    #[param(value_type = Option<Mode>)]
    pub mode: Option<String>,
    /// How hybrid mode fuses the legs: `weighted` (default), `rrf` or `dbsf`; `ratio` goes
    /// with weighted, `rrf_k` with rrf.
    #[param(value_type = Option<crate::fusion::FusionMethod>)]
    pub fusion: Option<String>,
    /// Semantic share of weighted fusion, 0 to 1.
    #[param(value_type = Option<f64>, minimum = 0, maximum = 1)]
    pub ratio: Option<String>,
    /// The RRF constant: above 0, at most 10000.
    #[param(value_type = Option<f64>, exclusive_minimum = 0, maximum = 10000)]
    pub rrf_k: Option<String>,
    /// Show each leg's rank and score, and how the answer's names were resolved.
    #[param(value_type = Option<bool>)]
    pub explain: Option<String>,
    /// `field:value` conditions separated by commas.
    pub filter: Option<String>,
    /// Only pages of this kind: `concept` or `comparison`.
    #[param(value_type = Option<crate::corpus::PageKind>)]
    pub kind: Option<String>,
    /// Only pages whose ancestry includes this page id.
    #[param(min_length = 1, pattern = "\\S")]
    pub under: Option<String>,
    /// Match misspelled words to the index's words (default: the server's, normally true).
    #[param(value_type = Option<bool>)]
    pub typos: Option<String>,
    /// Match the last word as a beginning while it is typed (default: the server's).
    #[param(value_type = Option<bool>)]
    pub prefix: Option<String>,
}

impl TextParams {
    /// Parses the numbers and the flag; the rest is checked by [`SearchParams::validate`].
    pub fn parse(self) -> Result<SearchParams, RequestError> {
        Ok(SearchParams {
            k: number("k", self.k)?,
            offset: number("offset", self.offset)?,
            ratio: number("ratio", self.ratio)?,
            rrf_k: number("rrf_k", self.rrf_k)?,
            explain: flag("explain", self.explain.as_deref())?,
            typos: flag("typos", self.typos.as_deref())?,
            prefix: flag("prefix", self.prefix.as_deref())?,
            q: self.q,
            mode: self.mode,
            fusion: self.fusion,
            filter: self.filter.map(FilterParam::Text),
            kind: self.kind,
            under: self.under,
            vector: None,
        })
    }
}

fn number<T: std::str::FromStr>(
    name: &'static str,
    value: Option<String>,
) -> Result<Option<T>, RequestError> {
    value
        .map(|v| {
            v.trim()
                .parse::<T>()
                .map_err(|_| RequestError::NotANumber { name, value: v })
        })
        .transpose()
}

/// A switch as text: absent, empty (`?explain`), true/false, 1/0 or yes/no.
fn flag(name: &'static str, value: Option<&str>) -> Result<Option<bool>, RequestError> {
    match value.map(str::trim) {
        None => Ok(None),
        Some("" | "true" | "1" | "yes") => Ok(Some(true)),
        Some("false" | "0" | "no") => Ok(Some(false)),
        Some(other) => Err(RequestError::InvalidFlag {
            name,
            value: other.to_string(),
        }),
    }
}

/// What a request gets for the fields it leaves out, where that depends on the index served
/// (a site's weighted fusion leans towards keywords: [`crate::tuning::KindDefaults`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestDefaults {
    /// The semantic share of weighted fusion when `ratio` is not given.
    pub semantic_ratio: f32,
    /// Typo and prefix tolerance when `typos` / `prefix` are not given.
    pub spelling: Spelling,
    /// The length a given `vector` must have (`None`: no semantic leg, a vector is refused).
    pub dimensions: Option<usize>,
}

impl Default for RequestDefaults {
    fn default() -> Self {
        RequestDefaults {
            semantic_ratio: DEFAULT_SEMANTIC_RATIO,
            spelling: Spelling::default(),
            dimensions: None,
        }
    }
}

impl SearchParams {
    /// Checks every field and builds the request with the library's defaults; the first
    /// problem found is reported, in field order (q, k, mode, fusion).
    pub fn validate(self) -> Result<SearchRequest, RequestError> {
        self.validate_with(RequestDefaults::default())
    }

    /// [`SearchParams::validate`] with the served index's defaults.
    pub fn validate_with(self, defaults: RequestDefaults) -> Result<SearchRequest, RequestError> {
        let query = self.query()?;
        let k = match self.k {
            None => DEFAULT_K,
            Some(k) if (1..=MAX_K as i64).contains(&k) => k as usize,
            Some(k) => return Err(RequestError::KOutOfRange(k)),
        };
        let offset = match self.offset {
            None => 0,
            Some(o) if (0..=MAX_OFFSET as i64).contains(&o) => o as usize,
            Some(o) => return Err(RequestError::OffsetOutOfRange(o)),
        };
        let (mode, fusion) = self.ranking_with(defaults)?;
        let filter = match self.filter {
            Some(f) => f.validate()?,
            None => Filter::default(),
        };
        let kind = self.kind.as_deref().map(str::parse).transpose()?;
        let under = match self.under.as_deref().map(str::trim) {
            Some("") => return Err(RequestError::EmptyUnder),
            other => other.map(str::to_string),
        };
        let vector = match &self.vector {
            None => None,
            Some(v) => Some(std::sync::Arc::new(unit_vector(v, defaults.dimensions)?)),
        };
        Ok(SearchRequest {
            vector,
            query,
            k,
            offset,
            mode,
            fusion,
            explain: self.explain.unwrap_or(false),
            filter,
            kind,
            under,
            spelling: Spelling {
                typos: self.typos.unwrap_or(defaults.spelling.typos),
                // The text is trimmed before the engine sees it, so a space typed after the
                // last word (which says it is finished) is read here.
                prefix: self.prefix.unwrap_or(defaults.spelling.prefix)
                    && !self
                        .q
                        .as_deref()
                        .is_some_and(|q| q.ends_with(char::is_whitespace)),
            },
        })
    }

    /// The query text alone (for `/answer`, which takes no ranking options).
    pub fn query(&self) -> Result<QueryText, RequestError> {
        QueryText::new(self.q.as_deref().ok_or(RequestError::MissingQuery)?)
    }

    /// The mode and fusion the fields ask for, with their defaults. `ratio` alone asks for
    /// weighted fusion and `rrf_k` alone for RRF; a constant that does not belong to the
    /// fusion named is refused rather than ignored.
    pub fn ranking(&self) -> Result<(Mode, Fusion), RequestError> {
        self.ranking_with(RequestDefaults::default())
    }

    /// [`SearchParams::ranking`] with the served index's defaults.
    pub fn ranking_with(&self, defaults: RequestDefaults) -> Result<(Mode, Fusion), RequestError> {
        let mode = match &self.mode {
            None => Mode::default(),
            Some(m) => m.parse()?,
        };
        if let Some(r) = self.ratio {
            if !(0.0..=1.0).contains(&r) {
                return Err(RequestError::RatioOutOfRange(r));
            }
        }
        if let Some(k) = self.rrf_k {
            if !(k > 0.0 && k <= MAX_RRF_K) {
                return Err(RequestError::RrfKOutOfRange(k));
            }
        }
        let method = self
            .fusion
            .as_deref()
            .map(str::parse::<FusionMethod>)
            .transpose()?;
        let fusion = match (method, self.ratio, self.rrf_k) {
            (None, None, None) => Fusion::Weighted {
                semantic_ratio: defaults.semantic_ratio,
            },
            (Some(FusionMethod::Dbsf), None, None) => Fusion::Dbsf,
            (Some(FusionMethod::Weighted) | None, ratio, None) => Fusion::Weighted {
                semantic_ratio: ratio.map_or(defaults.semantic_ratio, |r| r as f32),
            },
            (Some(FusionMethod::Rrf) | None, None, rrf_k) => Fusion::Rrf {
                // Above 0 stays above 0 in the f32 the fusion computes with (5e-324 is 0 as an
                // f32; found by schemathesis).
                k: rrf_k.map_or(DEFAULT_RRF_K, |k| (k as f32).max(f32::MIN_POSITIVE)),
            },
            _ => return Err(RequestError::ConflictingFusion),
        };
        Ok((mode, fusion))
    }
}

/// A validated search request; made by [`SearchParams::validate`] or [`SearchRequest::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    query: QueryText,
    k: usize,
    offset: usize,
    mode: Mode,
    fusion: Fusion,
    explain: bool,
    filter: Filter,
    kind: Option<PageKind>,
    under: Option<String>,
    spelling: Spelling,
    vector: Option<std::sync::Arc<Vec<f32>>>,
}

/// A caller's query vector, checked and scaled to unit length (the legs compare unit vectors
/// by their dot product).
fn unit_vector(v: &[f64], dimensions: Option<usize>) -> Result<Vec<f32>, RequestError> {
    let expected = dimensions.ok_or(RequestError::VectorNotServed)?;
    if v.len() != expected {
        return Err(RequestError::VectorWrongLength {
            found: v.len(),
            expected,
        });
    }
    let mut out = Vec::with_capacity(v.len());
    for (i, &x) in v.iter().enumerate() {
        let x = x as f32;
        if !x.is_finite() {
            return Err(RequestError::InvalidVector(format!(
                "number {i} is not a finite 32-bit float"
            )));
        }
        out.push(x);
    }
    let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
    if !norm.is_normal() {
        return Err(RequestError::InvalidVector(
            "its length is 0 (or too small or large to scale)".into(),
        ));
    }
    out.iter_mut().for_each(|x| *x /= norm);
    Ok(out)
}

impl SearchRequest {
    /// A hybrid search with the default fusion and [`DEFAULT_K`] results.
    pub fn new(query: &str) -> Result<SearchRequest, RequestError> {
        SearchParams {
            q: Some(query.to_string()),
            ..SearchParams::default()
        }
        .validate()
    }

    pub fn with_mode(mut self, mode: Mode) -> SearchRequest {
        self.mode = mode;
        self
    }

    pub fn with_explain(mut self, explain: bool) -> SearchRequest {
        self.explain = explain;
        self
    }

    pub fn query(&self) -> &QueryText {
        &self.query
    }

    pub fn k(&self) -> usize {
        self.k
    }

    /// Results skipped before the `k` returned.
    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn fusion(&self) -> Fusion {
        self.fusion
    }

    pub fn explain(&self) -> bool {
        self.explain
    }

    /// Which pages may be returned (empty: all).
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Only pages of this kind, when given.
    pub fn kind(&self) -> Option<PageKind> {
        self.kind
    }

    /// Only pages whose ancestry includes this page, when given (checked by the engine, which
    /// knows the pages).
    pub fn under(&self) -> Option<&str> {
        self.under.as_deref()
    }

    /// How misspelled and half-typed words are read.
    /// The query vector the caller gave, at unit length.
    pub fn vector(&self) -> Option<&std::sync::Arc<Vec<f32>>> {
        self.vector.as_ref()
    }

    pub fn spelling(&self) -> Spelling {
        self.spelling
    }

    pub fn with_spelling(mut self, spelling: Spelling) -> SearchRequest {
        self.spelling = spelling;
        self
    }

    /// Whether the request narrows the pages at all.
    pub fn narrows(&self) -> bool {
        !self.filter.is_empty() || self.kind.is_some() || self.under.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Result<SearchRequest, RequestError> {
        let mut t = TextParams::default();
        for &(name, value) in pairs {
            let slot = match name {
                "q" => &mut t.q,
                "k" => &mut t.k,
                "offset" => &mut t.offset,
                "mode" => &mut t.mode,
                "fusion" => &mut t.fusion,
                "ratio" => &mut t.ratio,
                "rrf_k" => &mut t.rrf_k,
                "filter" => &mut t.filter,
                "kind" => &mut t.kind,
                "under" => &mut t.under,
                "typos" => &mut t.typos,
                "prefix" => &mut t.prefix,
                _ => &mut t.explain,
            };
            *slot = Some(value.to_string());
        }
        t.parse()?.validate()
    }

    #[test]
    fn defaults_and_trimming() {
        let r = params(&[("q", "  is GPT-4 generative AI?\n")]).unwrap();
        assert_eq!(r.query().as_str(), "is GPT-4 generative AI?");
        assert_eq!(
            (r.k(), r.mode(), r.fusion(), r.explain()),
            (DEFAULT_K, Mode::Hybrid, Fusion::default(), false)
        );
    }

    #[test]
    fn a_constant_alone_names_its_fusion() {
        let ratio = params(&[("q", "x"), ("ratio", "0.25")]).unwrap();
        assert_eq!(
            ratio.fusion(),
            Fusion::Weighted {
                semantic_ratio: 0.25
            }
        );
        let rrf = params(&[("q", "x"), ("rrf_k", "30")]).unwrap();
        assert_eq!(rrf.fusion(), Fusion::Rrf { k: 30.0 });
        let dbsf = params(&[("q", "x"), ("fusion", "dbsf")]).unwrap();
        assert_eq!(dbsf.fusion(), Fusion::Dbsf);
    }

    #[test]
    fn a_tiny_rrf_k_stays_above_zero() {
        // Schema-valid (above 0) and 0 as an f32: schemathesis sent it.
        for tiny in ["5e-324", "1e-50"] {
            let r = params(&[("q", "x"), ("rrf_k", tiny)]).unwrap();
            assert!(matches!(r.fusion(), Fusion::Rrf { k } if k > 0.0), "{tiny}");
        }
    }

    #[test]
    fn a_whole_number_may_be_written_as_a_float_in_json() {
        // JSON Schema's `integer` admits 61.0; schemathesis sent it and got a 422.
        let p: SearchParams =
            serde_json::from_str(r#"{"q": "x", "k": 61.0, "offset": 2.0}"#).unwrap();
        assert_eq!((p.k, p.offset), (Some(61), Some(2)));
        let p: SearchParams = serde_json::from_str(r#"{"q": "x", "k": null}"#).unwrap();
        assert_eq!(p.k, None);
        for bad in [
            r#"{"k": 6.5}"#,
            r#"{"k": "6"}"#,
            r#"{"k": 1e300}"#,
            r#"{"k": 18446744073709551615}"#,
        ] {
            assert!(serde_json::from_str::<SearchParams>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_space_after_the_last_word_finishes_it() {
        let open = params(&[("q", "retrieval aug")]).unwrap();
        assert!(open.spelling().prefix);
        let finished = params(&[("q", "retrieval aug ")]).unwrap();
        assert!(!finished.spelling().prefix && finished.spelling().typos);
        let off = params(&[("q", "x"), ("typos", "false"), ("prefix", "no")]).unwrap();
        assert_eq!(off.spelling(), Spelling::EXACT);
    }

    #[test]
    fn each_bad_field_has_its_code() {
        for (pairs, code) in [
            (&[("k", "3")][..], "missing_query"),
            (&[("q", "  ")][..], "empty_query"),
            (&[("q", "x"), ("k", "0")][..], "k_out_of_range"),
            (&[("q", "x"), ("k", "ten")][..], "invalid_k"),
            (&[("q", "x"), ("mode", "fast")][..], "unknown_mode"),
            (&[("q", "x"), ("fusion", "max")][..], "unknown_fusion"),
            (&[("q", "x"), ("ratio", "1.5")][..], "ratio_out_of_range"),
            (&[("q", "x"), ("rrf_k", "0")][..], "rrf_k_out_of_range"),
            (&[("q", "x"), ("rrf_k", "abc")][..], "invalid_rrf_k"),
            (&[("q", "x"), ("ratio", "NaN")][..], "ratio_out_of_range"),
            (&[("q", "x"), ("rrf_k", "inf")][..], "rrf_k_out_of_range"),
            (
                &[("q", "x"), ("fusion", "dbsf"), ("ratio", "0.5")][..],
                "conflicting_fusion",
            ),
            (&[("q", "x"), ("explain", "maybe")][..], "invalid_explain"),
            (&[("q", "x"), ("typos", "some")][..], "invalid_typos"),
            (&[("q", "x"), ("prefix", "2")][..], "invalid_prefix"),
            (&[("q", "x"), ("filter", "tags")][..], "invalid_filter"),
            (&[("q", "x"), ("kind", "page")][..], "unknown_kind"),
            (&[("q", "x"), ("offset", "1001")][..], "offset_out_of_range"),
            (&[("q", "x"), ("offset", "-1")][..], "offset_out_of_range"),
            (&[("q", "x"), ("offset", "two")][..], "invalid_offset"),
            (&[("q", "x"), ("under", " ")][..], "empty_under"),
        ] {
            assert_eq!(params(pairs).unwrap_err().code(), code, "{pairs:?}");
        }
        let long = "x".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(
            params(&[("q", &long)]).unwrap_err().code(),
            "query_too_long"
        );
    }
}
