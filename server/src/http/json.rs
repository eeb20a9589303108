//! JSON and query extractors whose rejections are our JSON errors, never axum's plain text.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => {
                ApiError::BadRequest(format!("the request's fields aren't right: {}", e.body_text()))
            }
            JsonRejection::JsonSyntaxError(_) => ApiError::BadRequest("the request body isn't valid JSON".into()),
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::BadRequest("send the body as JSON, with `Content-Type: application/json`".into())
            }
            JsonRejection::BytesRejection(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge { limit: crate::config::BODY_LIMIT }
            }
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(format!("the query isn't right: {}", rejection.body_text()))
    }
}
