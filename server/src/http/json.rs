//! JSON and query extractors whose rejections are our JSON errors, never axum's plain text.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

/// serde_json alone reads a body that is right. axum's reader, which records the path to every
/// value so an error can say where it was (a string allocated per key: a push carries hundreds),
/// runs only for a body that failed, to explain it.
impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !says_json(req.headers()) {
            return axum::Json::<T>::from_request(req, state).await.map(|axum::Json(v)| ApiJson(v)).map_err(Into::into);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| ApiError::from(JsonRejection::from(e)))?;
        let mut json = serde_json::Deserializer::from_slice(&bytes);
        match T::deserialize(StructsAsObjects(&mut json)).and_then(|value| json.end().map(|()| value)) {
            Ok(value) => Ok(ApiJson(value)),
            Err(_) => match axum::Json::<T>::from_bytes(&bytes) {
                Err(e) => Err(e.into()),
                // Only the rule below refused it.
                Ok(_) => Err(ApiError::BadRequest("the request body must be a JSON object, not a list".into())),
            },
        }
    }
}

/// serde_json fills a struct from a list of its fields' values in order (`[null, null]` for two
/// optional fields) as well as from an object; the API documents objects, and takes only them.
struct StructsAsObjects<D>(D);

impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for StructsAsObjects<D> {
    type Error = D::Error;

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_map(visitor)
    }

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_any(visitor)
    }

    // Bodies are structs or lists: JSON says what the rest is.
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// `application/json` or `application/…+json`, as axum's own check (anything else goes to it).
fn says_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

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
