//! Keys: the admin key guards what only a site's owner may read or change (query analytics,
//! and writes when they come). Searching stays public.
//!
//! With no admin key configured the guarded routes are disabled (403 saying how to enable
//! them), never open. Keys are compared in constant time and never logged.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::ApiError;

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
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(key.as_bytes())) && !key.is_empty() {
        return Ok(());
    }
    let mut response = ApiError {
        status: StatusCode::UNAUTHORIZED,
        code: "unauthorized",
        message: "missing or wrong admin key (`Authorization: Bearer <key>`)".into(),
    }
    .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    Err(response.into())
}
