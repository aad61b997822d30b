//! `request`: arbitrary query strings (read by axum's `Query` extractor, as `GET /search`
//! reads them) and JSON bodies (axum's `Json`, as `POST /search`) through validation into a
//! `SearchRequest`. A request is either valid within every documented limit or refused with
//! a code of the API's error table; a panic is a bug.
//!
//! Input: one byte (bit 0: JSON body instead of query string; bit 1: a site's defaults), then
//! the query string or body.
#![no_main]

use axum::extract::Query;
use axum::http::Uri;
use axum::Json;
use landscape::fusion::Fusion;
use landscape::http::openapi::ERROR_CODES;
use landscape::request::{
    RequestDefaults, RequestError, SearchParams, TextParams, MAX_K, MAX_OFFSET, MAX_QUERY_CHARS,
    MAX_RRF_K,
};
use landscape::spelling::Spelling;
use libfuzzer_sys::fuzz_target;

/// A refusal must carry a code the API documents, as a 400.
fn documented(e: &RequestError) {
    let code = e.code();
    assert!(
        ERROR_CODES.iter().any(|(c, status, _)| *c == code && *status == 400),
        "{code} ({e}) is not a documented 400"
    );
    assert!(!e.to_string().is_empty());
}

fuzz_target!(|data: &[u8]| {
    let Some((&how, rest)) = data.split_first() else {
        return;
    };
    let params: SearchParams = if how & 1 == 0 {
        let Ok(query) = std::str::from_utf8(rest) else {
            return;
        };
        // What the HTTP server would hand the router; a target it refuses never gets here.
        let Ok(uri) = format!("/search?{query}").parse::<Uri>() else {
            return;
        };
        match Query::<TextParams>::try_from_uri(&uri) {
            Ok(Query(text)) => match text.parse() {
                Ok(params) => params,
                Err(e) => return documented(&e),
            },
            Err(rejected) => {
                let _ = rejected.body_text();
                return;
            }
        }
    } else {
        match Json::<SearchParams>::from_bytes(rest) {
            Ok(Json(params)) => params,
            Err(rejected) => {
                let _ = (rejected.status(), rejected.body_text());
                return;
            }
        }
    };
    let defaults = if how & 2 == 0 {
        RequestDefaults::default()
    } else {
        RequestDefaults {
            semantic_ratio: 0.4,
            spelling: Spelling::EXACT,
        }
    };
    let _ = params.query();
    let _ = params.ranking_with(defaults);
    match params.clone().validate_with(defaults) {
        Err(e) => documented(&e),
        Ok(request) => {
            let q = request.query().as_str();
            assert!(!q.is_empty() && q.trim() == q, "query {q:?}");
            assert!(q.chars().count() <= MAX_QUERY_CHARS);
            assert!((1..=MAX_K).contains(&request.k()));
            assert!(request.offset() <= MAX_OFFSET);
            match request.fusion() {
                Fusion::Weighted { semantic_ratio } => {
                    assert!((0.0..=1.0).contains(&semantic_ratio), "ratio {semantic_ratio}")
                }
                Fusion::Rrf { k } => assert!(k > 0.0 && f64::from(k) <= MAX_RRF_K, "rrf_k {k}"),
                Fusion::Dbsf => {}
            }
            if let Some(under) = request.under() {
                assert!(!under.is_empty() && under.trim() == under);
            }
        }
    }
});
