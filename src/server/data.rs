//! The Redshift Data API (`RedshiftData.<Operation>`), which shares the listener with Redshift
//! Serverless: [`request`] answers one Data API request. None of its operations is served yet,
//! so each is answered `UnknownOperationException`, as AWS answers an operation it does not
//! know.

use super::protocol::{self, ProtocolError};
use super::App;
use crate::control::store::{Caller, Scope};
use crate::model::data;
use axum::body::Bytes;
use axum::response::Response;

/// Answers the Data API operation `op` for `caller` in `scope`. `body` is the request body as
/// sent (its declared length already checked against the limit) and `request_id` the id every
/// answer carries (`x-amzn-RequestId`). `model::validate::decode(op.info().input, body)` turns
/// the body into the operation's typed input (`model::data::<Op>Input` or `<Op>Request`), or
/// gives the refusal AWS words for it.
pub async fn request(
    app: &App,
    scope: &Scope,
    caller: &Caller,
    op: data::Operation,
    body: &Bytes,
    request_id: &str,
) -> Response {
    let _ = (app, scope, caller, body);
    let e = ProtocolError::NotServed {
        prefix: data::TARGET_PREFIX,
        name: op.name(),
    };
    super::log_refusal(
        protocol::protocol_error(&e, request_id),
        op.name(),
        "not served",
    )
}
