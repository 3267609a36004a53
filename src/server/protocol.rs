//! The awsJson1.1 protocol: reading what a request's headers say (its [`Envelope`]), and writing
//! answers and errors exactly as AWS does (`__type`, `message`, `x-amzn-ErrorType`,
//! `x-amzn-RequestId`). Two APIs share the listener, told apart by the target's prefix
//! ([`Target`]): Redshift Serverless (`RedshiftServerless.<Operation>`) and the Redshift Data
//! API (`RedshiftData.<Operation>`). The body goes on as sent; its JSON is read there.

use crate::control::error::ApiError;
use crate::control::ops::Failure;
use crate::model::{self, data};
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

/// The API and operation a request's `X-Amz-Target` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `RedshiftServerless.<Operation>`.
    Serverless(model::Operation),
    /// `RedshiftData.<Operation>`.
    Data(data::Operation),
}

impl Target {
    /// The operation's name, without its API's prefix.
    pub fn name(self) -> &'static str {
        match self {
            Target::Serverless(op) => op.name(),
            Target::Data(op) => op.name(),
        }
    }
}

/// A request refused before it reached an operation.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    #[error(
        "Missing or malformed X-Amz-Target header: expected '{}.<Operation>' or '{}.<Operation>'.",
        model::TARGET_PREFIX,
        data::TARGET_PREFIX
    )]
    BadTarget,
    /// `prefix` is the API the target named.
    #[error("The operation '{name}' is not part of the {prefix} API.")]
    UnknownOperation { prefix: &'static str, name: String },
    #[error("{0}")]
    Serialization(String),
    #[error("The request body is larger than the limit of {0} bytes.")]
    TooLarge(usize),
}

impl ProtocolError {
    fn code(&self) -> &'static str {
        match self {
            ProtocolError::BadTarget | ProtocolError::Serialization(_) => "SerializationException",
            ProtocolError::UnknownOperation { .. } => "UnknownOperationException",
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

    /// The API and operation named by `X-Amz-Target`, read as bytes: only the name needs to
    /// be text. Redshift Serverless's prefix is tried first, as most requests carry it.
    pub fn operation(&self) -> Result<Target, ProtocolError> {
        let target = self.target.map(HeaderValue::as_bytes);
        let name_after = |prefix: &str| {
            target
                .and_then(|t| t.strip_prefix(prefix.as_bytes()))
                .and_then(|rest| rest.strip_prefix(b"."))
        };
        let unknown = |prefix: &'static str, name: &str| ProtocolError::UnknownOperation {
            prefix,
            name: name.to_string(),
        };
        if let Some(name) = name_after(model::TARGET_PREFIX) {
            let name = operation_name(name)?;
            return model::Operation::from_name(name)
                .map(Target::Serverless)
                .ok_or_else(|| unknown(model::TARGET_PREFIX, name));
        }
        if let Some(name) = name_after(data::TARGET_PREFIX) {
            let name = operation_name(name)?;
            return data::Operation::from_name(name)
                .map(Target::Data)
                .ok_or_else(|| unknown(data::TARGET_PREFIX, name));
        }
        Err(ProtocolError::BadTarget)
    }

    /// The body's length as the client declared it.
    pub fn content_length(&self) -> Option<usize> {
        self.content_length
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }
}

/// The operation part of a target, which must be non-empty text.
fn operation_name(name: &[u8]) -> Result<&str, ProtocolError> {
    std::str::from_utf8(name)
        .ok()
        .filter(|name| !name.is_empty())
        .ok_or(ProtocolError::BadTarget)
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

/// An error answer whose body the caller made (`__type` and the members its shape has).
pub fn error_with_body(
    status: u16,
    code: &str,
    body: serde_json::Value,
    request_id: &str,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    with_headers(
        (status, body.to_string()).into_response(),
        request_id,
        Some(code),
    )
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
        assert_eq!(
            envelope.operation(),
            Ok(Target::Serverless(model::Operation::GetWorkgroup))
        );
        assert_eq!(envelope.content_length(), Some(29));
        assert!(envelope.security_token);
        assert!(envelope.authorization.is_none());
        assert!(!Envelope::of(&headers(&[])).security_token);
    }

    #[test]
    fn the_prefix_says_which_api() {
        let operation = |target| Envelope::of(&headers(&[("x-amz-target", target)])).operation();
        assert_eq!(
            operation("RedshiftData.ExecuteStatement"),
            Ok(Target::Data(data::Operation::ExecuteStatement))
        );
        assert_eq!(
            operation("RedshiftServerless.ListNamespaces"),
            Ok(Target::Serverless(model::Operation::ListNamespaces))
        );
        assert_eq!(
            operation("RedshiftData.ListTables").map(Target::name),
            Ok("ListTables")
        );
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
            Err(ProtocolError::UnknownOperation {
                prefix: "RedshiftServerless",
                name: "GetCluster".into()
            })
        );
        assert_eq!(
            operation("RedshiftServerless.ExecuteStatement"),
            Err(ProtocolError::UnknownOperation {
                prefix: "RedshiftServerless",
                name: "ExecuteStatement".into()
            })
        );
        assert_eq!(operation("RedshiftData."), Err(ProtocolError::BadTarget));
        assert_eq!(
            operation("RedshiftDataExecuteStatement"),
            Err(ProtocolError::BadTarget)
        );
        let unknown = operation("RedshiftData.GetWorkgroup").unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "The operation 'GetWorkgroup' is not part of the RedshiftData API."
        );
        assert_eq!(
            Envelope::of(&headers(&[])).operation(),
            Err(ProtocolError::BadTarget)
        );
    }
}
