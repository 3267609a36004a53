//! The Redshift Data API (`RedshiftData.<Operation>`), which shares the listener with Redshift
//! Serverless: [`request`] decodes one request against the Data API's model, hands it to
//! `dataapi::DataApi`, and answers its output or its refusal.

use super::protocol::{self, ProtocolError};
use super::App;
use crate::control::store::{Caller, Scope};
use crate::dataapi::{DataApi, DataError};
use crate::model::data::Operation;
use crate::model::validate::{self, Rejection};
use axum::body::Bytes;
use axum::response::Response;
use serde::Serialize;

/// Answers the Data API operation `op` for `caller` in `scope`. `body` is the request body as
/// sent (its declared length already checked against the limit).
pub async fn request(
    app: &App,
    scope: &Scope,
    caller: &Caller,
    op: Operation,
    body: &Bytes,
    request_id: &str,
) -> Response {
    let Some(api) = app.data.as_ref() else {
        let error = DataError {
            code: "DatabaseConnectionException",
            message: "The emulator runs without SQL (--sql false): the Data API has no engine."
                .into(),
            detail: None,
        };
        return refused(&error, op, request_id);
    };
    let answered = answer(api, scope, caller, op, body).await;
    match answered {
        Ok(bytes) => {
            tracing::debug!(operation = op.name(), "ok");
            protocol::success(bytes, request_id)
        }
        Err(Refusal::Protocol(e)) => super::log_refusal(
            protocol::protocol_error(&e, request_id),
            op.name(),
            &e.to_string(),
        ),
        Err(Refusal::Data(e)) => refused(&e, op, request_id),
    }
}

enum Refusal {
    Protocol(ProtocolError),
    Data(DataError),
}

impl From<DataError> for Refusal {
    fn from(e: DataError) -> Refusal {
        Refusal::Data(e)
    }
}

impl From<Rejection> for Refusal {
    fn from(rejection: Rejection) -> Refusal {
        match rejection {
            Rejection::Serialization(message) => {
                Refusal::Protocol(ProtocolError::Serialization(message))
            }
            Rejection::Validation(message) => Refusal::Data(DataError {
                code: "ValidationException",
                message,
                detail: None,
            }),
        }
    }
}

fn encoded(output: impl Serialize) -> Result<Bytes, Refusal> {
    serde_json::to_vec(&output).map(Bytes::from).map_err(|e| {
        Refusal::Data(DataError {
            code: "InternalServerException",
            message: format!("The answer could not be encoded: {e}"),
            detail: None,
        })
    })
}

/// The operation table: each operation's input decoded by the model, then its handler.
async fn answer(
    api: &std::sync::Arc<DataApi>,
    scope: &Scope,
    caller: &Caller,
    op: Operation,
    body: &[u8],
) -> Result<Bytes, Refusal> {
    let shape = op.info().input;
    macro_rules! run {
        ($handler:ident($($arg:expr),*)) => {
            encoded(api.$handler($($arg,)* validate::decode(shape, body)?).await?)
        };
    }
    match op {
        Operation::BatchExecuteStatement => run!(batch_execute_statement(scope, caller)),
        Operation::CancelStatement => run!(cancel_statement(scope)),
        Operation::DescribeStatement => run!(describe_statement(scope)),
        Operation::DescribeTable => run!(describe_table(scope, caller)),
        Operation::ExecuteStatement => run!(execute_statement(scope, caller)),
        Operation::GetStatementResult => run!(get_statement_result(scope)),
        Operation::GetStatementResultV2 => run!(get_statement_result_v2(scope)),
        Operation::ListDatabases => run!(list_databases(scope, caller)),
        Operation::ListSchemas => run!(list_schemas(scope, caller)),
        Operation::ListSessions => run!(list_sessions(scope, caller)),
        Operation::ListStatements => run!(list_statements(scope, caller)),
        Operation::ListTables => run!(list_tables(scope, caller)),
    }
}

/// A refusal as the Data API sends it: `__type`, `Message`, and the member its shape adds.
fn refused(e: &DataError, op: Operation, request_id: &str) -> Response {
    let mut body = serde_json::json!({ "__type": e.code, "Message": e.message });
    if let Some((member, value)) = &e.detail {
        body[*member] = serde_json::json!(value);
    }
    let response = protocol::error_with_body(e.status(), e.code, body, request_id);
    super::log_refusal(response, op.name(), &e.message)
}
