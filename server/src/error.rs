//! The one error type of the server, mapped once to `{ "error": code, "message": text }`.
//!
//! Internal causes are logged, never sent: a client gets a code it can act on.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::borrow::Cow;
use thiserror::Error;

/// How long a client is asked to wait before retrying when storage is full or read-only.
pub const STORAGE_RETRY_SECS: u64 = 30;
/// How long a client with too many live streams open is asked to wait before another.
const STREAMS_RETRY_SECS: u64 = 60;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "this app is out of date for the server (it speaks protocol {client}, schema {schema}); please update it. Nothing you wrote has been lost."
    )]
    UnsupportedVersion { client: String, schema: String },
    /// A chosen PIN or password that a guesser would try early (`auth::guessable`).
    #[error("{0}")]
    EasyToGuess(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("enter the code your authenticator app shows for Tandem")]
    TwoStepNeeded,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("your service asks staff to set up two-step sign-in before anything else (under Your account)")]
    SetUpTwoStepFirst,
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(Cow<'static, str>),
    #[error(
        "this server's changes end before that cursor: it has been restored from a backup (or is another server); pull from the start and send again what it lacks"
    )]
    CursorAhead,
    #[error("that address doesn't take that method")]
    MethodNotAllowed,
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error(
        "too many live connections are open as you on this server (the most is {most}); close Tandem on a device or tab you aren't using"
    )]
    TooManyStreams { most: usize },
    #[error("the request body is too large (the most is {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    #[error(
        "the server can't save anything just now (its storage is full or read-only); what you sent is not lost: keep it and send it again later"
    )]
    StorageUnavailable(String),
    /// Something Tandem relies on outside itself (the organisation's sign-in) can't be reached.
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("something went wrong on the server; try again later")]
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code a client can act on, such as `unauthorized` or `invalid_body`.
    pub error: &'static str,
    /// What went wrong, in plain words.
    pub message: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::EasyToGuess(_) | ApiError::UnsupportedVersion { .. } => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Unauthorized(_) | ApiError::TwoStepNeeded => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::SetUpTwoStepFirst => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::CursorAhead => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooManyAttempts { .. } | ApiError::TooManyStreams { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::StorageUnavailable(_) | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "invalid_request",
            ApiError::UnsupportedVersion { .. } => "unsupported_version",
            // Say why and ask for another: nothing else was wrong with the request.
            ApiError::EasyToGuess(_) => "easy_to_guess",
            ApiError::Unauthorized(_) => "unauthorized",
            // The name and password were right: ask for the code and send them again with it.
            ApiError::TwoStepNeeded => "two_step_needed",
            ApiError::Forbidden(_) => "forbidden",
            // Signed in, but the service wants two-step sign-in set up first: show that screen.
            ApiError::SetUpTwoStepFirst => "two_step_setup_needed",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::CursorAhead => "cursor_ahead",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::TooManyAttempts { .. } => "too_many_attempts",
            ApiError::TooManyStreams { .. } => "too_many_streams",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::StorageUnavailable(_) => "storage_unavailable",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(cause) => tracing::error!(%cause, "internal error"),
            ApiError::StorageUnavailable(cause) => tracing::warn!(%cause, "storage unavailable"),
            _ => {}
        }
        let status = self.status();
        let body = ErrorBody { error: self.code(), message: self.to_string() };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        let retry_after = match self {
            ApiError::TooManyAttempts { retry_after_secs } => Some(retry_after_secs),
            ApiError::StorageUnavailable(_) => Some(STORAGE_RETRY_SECS),
            ApiError::TooManyStreams { .. } => Some(STREAMS_RETRY_SECS),
            _ => None,
        };
        if let Some(v) = retry_after.and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match e.sqlite_error_code() {
            Some(ReadOnly | DiskFull | CannotOpen | DatabaseBusy | DatabaseLocked) => {
                ApiError::StorageUnavailable(e.to_string())
            }
            Some(ConstraintViolation) => {
                ApiError::Conflict("that would clash with something that already exists".into())
            }
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        if let Some(code) = e.code() {
            let class = &code.code()[..2];
            return if [SqlState::UNIQUE_VIOLATION, SqlState::FOREIGN_KEY_VIOLATION, SqlState::CHECK_VIOLATION]
                .contains(code)
            {
                ApiError::Conflict("that would clash with something that already exists".into())
            } else if matches!(class, "08" | "40" | "53" | "57") {
                // Connection lost, deadlock after every retry, disk or memory full, shutting down.
                ApiError::StorageUnavailable(e.to_string())
            } else {
                ApiError::Internal(e.to_string())
            };
        }
        let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
        if e.is_closed() || io {
            ApiError::StorageUnavailable(e.to_string())
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::Internal(e.to_string())
    }
}
