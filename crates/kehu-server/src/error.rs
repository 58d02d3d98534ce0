//! Errors as HTTP answers, in one place: the user's message is specific and separate from the
//! logged detail; a store failure is a 500 whose body never carries the database's words.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed: names the field where it can.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("sign in first (请先登录)")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooMany(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::TooMany(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<kehu_store::StoreError> for ApiError {
    fn from(e: kehu_store::StoreError) -> ApiError {
        match e {
            kehu_store::StoreError::Engine(e @ kehu_core::engine::EngineError::Failed(_)) => {
                ApiError::Internal(e.to_string())
            }
            kehu_store::StoreError::Engine(e) => ApiError::invalid("act", e.to_string()),
            kehu_store::StoreError::KeyReused => ApiError::invalid(
                "Idempotency-Key",
                "这个键已用于另一个请求；新的操作请用新的键 (this key was used for a different request; use a new key for a new act)",
            ),
            e => ApiError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let field = match &self {
            ApiError::Invalid { field, .. } if !field.is_empty() => Some(field.as_str()),
            _ => None,
        };
        let body = Body {
            error: code,
            message: self.to_string(),
            field,
        };
        (status, Json(body)).into_response()
    }
}
