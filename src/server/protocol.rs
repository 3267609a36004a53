//! The awsJson1.1 protocol: reading what a request's headers say (its [`Envelope`]), and writing
//! answers and errors exactly as AWS does (`__type`, `message`, `x-amzn-ErrorType`,
//! `x-amzn-RequestId`). The body goes to `control::ops` as sent; its JSON is read there.

use crate::control::error::ApiError;
use crate::control::ops::Failure;
use crate::model::{Operation, TARGET_PREFIX};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE as CONTENT_TYPE_HEADER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

// Header names built once: naming a header by `&str` parses the name on every request.
const TARGET: HeaderName = HeaderName::from_static("x-amz-target");
/// Sent with temporary credentials.
const SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
const ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");

/// A request refused before it reached an operation.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    #[error("Missing or malformed X-Amz-Target header: expected '{TARGET_PREFIX}.<Operation>'.")]
    BadTarget,
    #[error("The operation '{0}' is not part of the {TARGET_PREFIX} API.")]
    UnknownOperation(String),
    #[error("{0}")]
    Serialization(String),
    #[error("The request body is larger than the limit of {0} bytes.")]
    TooLarge(usize),
}

impl ProtocolError {
    fn code(&self) -> &'static str {
        match self {
            ProtocolError::BadTarget | ProtocolError::Serialization(_) => "SerializationException",
            ProtocolError::UnknownOperation(_) => "UnknownOperationException",
            ProtocolError::TooLarge(_) => "RequestEntityTooLargeException",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ProtocolError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// What the protocol reads of a request's headers, found in one pass over them (looking each
/// up by name would hash every name). A header sent twice counts by its first value.
#[derive(Default)]
pub struct Envelope<'a> {
    pub target: Option<&'a HeaderValue>,
    pub content_length: Option<&'a HeaderValue>,
    pub authorization: Option<&'a HeaderValue>,
    /// Temporary credentials were used: the caller is an assumed role.
    pub security_token: bool,
}

impl<'a> Envelope<'a> {
    pub fn of(headers: &'a HeaderMap) -> Envelope<'a> {
        let mut envelope = Envelope::default();
        for (name, value) in headers {
            let slot = if name == TARGET {
                &mut envelope.target
            } else if name == CONTENT_LENGTH {
                &mut envelope.content_length
            } else if name == AUTHORIZATION {
                &mut envelope.authorization
            } else {
                envelope.security_token |= name == SECURITY_TOKEN;
                continue;
            };
            slot.get_or_insert(value);
        }
        envelope
    }

    /// The operation named by `X-Amz-Target`, read as bytes: only the name needs to be text.
    pub fn operation(&self) -> Result<Operation, ProtocolError> {
        let name = self
            .target
            .and_then(|v| v.as_bytes().strip_prefix(TARGET_PREFIX.as_bytes()))
            .and_then(|rest| rest.strip_prefix(b"."))
            .and_then(|name| std::str::from_utf8(name).ok())
            .filter(|name| !name.is_empty())
            .ok_or(ProtocolError::BadTarget)?;
        Operation::from_name(name).ok_or_else(|| ProtocolError::UnknownOperation(name.to_string()))
    }

    /// The body's length as the client declared it.
    pub fn content_length(&self) -> Option<usize> {
        self.content_length
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }
}

fn with_headers(mut response: Response, request_id: &str, error_type: Option<&str>) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE_HEADER, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID, id);
    }
    if let Some(code) = error_type.and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.insert(ERROR_TYPE, code);
    }
    response
}

pub fn success(body: axum::body::Bytes, request_id: &str) -> Response {
    with_headers((StatusCode::OK, body).into_response(), request_id, None)
}

fn error(
    status: StatusCode,
    code: &str,
    message: &str,
    resource_name: Option<&str>,
    request_id: &str,
) -> Response {
    let mut body = json!({ "__type": code, "message": message });
    if let Some(name) = resource_name {
        body["resourceName"] = json!(name);
    }
    let response = (status, body.to_string()).into_response();
    with_headers(response, request_id, Some(code))
}

pub fn protocol_error(e: &ProtocolError, request_id: &str) -> Response {
    error(e.status(), e.code(), &e.to_string(), None, request_id)
}

pub fn api_error(e: &ApiError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error(
        status,
        e.code.as_str(),
        &e.message,
        e.resource_name.as_deref(),
        request_id,
    )
}

pub fn failure(f: &Failure, request_id: &str) -> Response {
    match f {
        Failure::Serialization(message) => {
            protocol_error(&ProtocolError::Serialization(message.clone()), request_id)
        }
        Failure::Api(e) => api_error(e, request_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_envelope_reads_each_header_once_and_keeps_the_first_value() {
        let map = headers(&[
            ("x-amz-target", "RedshiftServerless.GetWorkgroup"),
            ("x-amz-target", "RedshiftServerless.ListWorkgroups"),
            ("content-length", "29"),
            ("x-amz-security-token", "token"),
        ]);
        let envelope = Envelope::of(&map);
        assert_eq!(envelope.operation(), Ok(Operation::GetWorkgroup));
        assert_eq!(envelope.content_length(), Some(29));
        assert!(envelope.security_token);
        assert!(envelope.authorization.is_none());
        assert!(!Envelope::of(&headers(&[])).security_token);
    }

    #[test]
    fn targets_outside_the_api_are_refused() {
        let operation = |target| Envelope::of(&headers(&[("x-amz-target", target)])).operation();
        assert_eq!(
            operation("RedshiftServerless."),
            Err(ProtocolError::BadTarget)
        );
        assert_eq!(
            operation("Redshift.GetWorkgroup"),
            Err(ProtocolError::BadTarget)
        );
        assert_eq!(
            operation("RedshiftServerlessGetWorkgroup"),
            Err(ProtocolError::BadTarget)
        );
        assert_eq!(
            operation("RedshiftServerless.GetCluster"),
            Err(ProtocolError::UnknownOperation("GetCluster".into()))
        );
        assert_eq!(
            Envelope::of(&headers(&[])).operation(),
            Err(ProtocolError::BadTarget)
        );
    }
}
