//! Keys: the admin key guards what only a site's owner may read or change (query analytics,
//! and writes when they come); the optional search key guards the read routes of the JSON API.
//!
//! With no admin key configured the owner's routes are disabled (403 saying how to enable
//! them), never open. With no search key configured searching is public. The search key is
//! meant to be public but revocable, like Meilisearch's search keys: the page at `/` carries it
//! and so does a site's widget tag, so anyone who loads them can read it. It lets the owner
//! limit who calls the API directly and cut off a copied key by rotating it; the admin key is
//! the secret. Keys are compared in constant time and never logged.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::{ApiError, AppState};

/// The bearer token of a request ("" without one).
fn bearer(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
}

/// A 401 in the API's error format, with the challenge browsers and clients expect.
fn unauthorized(message: &str) -> Response {
    let mut response = ApiError {
        status: StatusCode::UNAUTHORIZED,
        code: "unauthorized",
        message: message.into(),
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Whether `given` is `key`, in time that does not depend on where they differ.
fn same(given: &str, key: &str) -> subtle::Choice {
    given.as_bytes().ct_eq(key.as_bytes()) & subtle::Choice::from(u8::from(!key.is_empty()))
}

/// Admission to the read routes of the JSON API (search, answer, pages): granted to everyone
/// when no search key is configured, else to a request bearing the search key or the admin
/// key. Taken as a handler's first argument, so the 401 comes before any other check.
pub struct SearchAccess;

impl FromRequestParts<AppState> for SearchAccess {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<SearchAccess, Response> {
        let Some(search_key) = state.search_key.as_deref() else {
            return Ok(SearchAccess);
        };
        let given = bearer(&parts.headers);
        // Both compared, without short-circuit, so timing does not tell which key was near.
        let admin = state
            .admin_key
            .as_deref()
            .map_or(0.into(), |k| same(given, k));
        if bool::from(same(given, search_key) | admin) {
            return Ok(SearchAccess);
        }
        Err(unauthorized(
            "missing or wrong search key (`Authorization: Bearer <search key>`)",
        ))
    }
}

/// A key fit for a bearer token and an HTML attribute (RFC 6750's token68: letters, digits and
/// `-._~+/`, then `=` padding), at least 16 characters.
pub fn check_key(flag: &str, key: &str) -> Result<(), String> {
    let body = key.trim_end_matches('=');
    let token68 = !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~+/".contains(c));
    if !token68 {
        return Err(format!(
            "{flag}: use letters, digits and -._~+/ only (a bearer token)"
        ));
    }
    if key.len() < 16 {
        return Err(format!("{flag}: use at least 16 characters"));
    }
    Ok(())
}

/// Checks `Authorization: Bearer <key>` against the configured admin key.
pub fn require_admin(configured: Option<&str>, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let Some(key) = configured else {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            code: "admin_disabled",
            message: "this route needs an admin key, and none is configured: start the server \
                      with --admin-key (or LANDSCAPE_ADMIN_KEY)"
                .into(),
        }
        .into_response()
        .into());
    };
    if bool::from(same(bearer(headers), key)) {
        return Ok(());
    }
    Err(unauthorized("missing or wrong admin key (`Authorization: Bearer <key>`)").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bearer_tokens_of_16_characters_or_more() {
        assert!(check_key("--search-key", "pk_live-0123456789abcdef").is_ok());
        assert!(check_key("--search-key", "YWJjZGVmZ2hpamtsbW5vcA==").is_ok());
        assert!(check_key("--search-key", "short").is_err());
        assert!(check_key("--search-key", "has a space in it, too").is_err());
        assert!(check_key("--search-key", "quote\"breaks<the>page!").is_err());
    }
}
