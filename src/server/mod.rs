//! The HTTP face of the emulator: `POST /` speaks awsJson1.1 and hands each Redshift
//! Serverless operation to `control::ops::execute` and each Data API operation to
//! [`data::request`]; everything that is not AWS lives under `/_emulator/`.
//!
//! Invariant: this module owns the wire format; `control` never sees HTTP.

pub mod admin;
pub mod auth;
pub mod data;
pub mod protocol;

use crate::control::error::ApiError;
use crate::control::ops;
use crate::control::store::Durable;
use crate::control::store::{Caller, Scope, Store};
use crate::model;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use bytes::BytesMut;
use std::pin::Pin;
use std::sync::Arc;

/// The largest request body accepted; the largest documented input (a resource policy) is far
/// smaller. Bodies are read up to this limit and no further.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every request handler gets. axum clones it per request, so it holds only `Arc`s.
#[derive(Clone)]
pub struct App {
    pub store: Arc<Store>,
    pub defaults: Arc<auth::Defaults>,
    /// The SQL endpoints, when the server runs them.
    pub sql: Option<Arc<crate::sql::DataPlane>>,
    /// The Redshift Data API, over the SQL endpoints' engines (so only with them).
    pub data: Option<Arc<crate::dataapi::DataApi>>,
}

impl App {
    /// The server's parts: the store, the SDK's defaults and, when SQL is served, the data
    /// plane, with the Data API over it.
    pub async fn new(
        store: Arc<Store>,
        defaults: Arc<auth::Defaults>,
        sql: Option<Arc<crate::sql::DataPlane>>,
    ) -> App {
        // The process's one TLS provider (ring), for the HTTP clients that take the default
        // (the S3 client of COPY and UNLOAD).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let data = match &sql {
            Some(plane) => Some(crate::dataapi::DataApi::start(store.clone(), plane.clone()).await),
            None => None,
        };
        App {
            store,
            defaults,
            sql,
            data,
        }
    }

    /// Waits until the SQL endpoints reflect every change made so far, so that an answer
    /// never names an endpoint before it listens (or after it closed). Two atomic loads when
    /// nothing changed.
    pub async fn sql_caught_up(&self) {
        if let Some(sql) = &self.sql {
            sql.caught_up(self.store.sql_revision()).await;
        }
    }

    /// Whether the SQL endpoints reflect every change made so far.
    fn sql_is_caught_up(&self) -> bool {
        self.sql
            .as_ref()
            .is_none_or(|sql| sql.is_caught_up(self.store.sql_revision()))
    }
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/", post(aws_request))
        .nest("/_emulator", admin::router())
        .with_state(app)
}

async fn aws_request(State(app): State<App>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut id_buffer = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let request_id: &str = uuid::Uuid::new_v4()
        .hyphenated()
        .encode_lower(&mut id_buffer);
    let envelope = protocol::Envelope::of(&parts.headers);
    let target = match envelope.operation() {
        Ok(target) => target,
        Err(e) => {
            return log_refusal(
                protocol::protocol_error(&e, request_id),
                "?",
                &e.to_string(),
            )
        }
    };
    let too_large = protocol::ProtocolError::TooLarge(MAX_BODY_BYTES);
    let declared = envelope.content_length();
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return log_refusal(
            protocol::protocol_error(&too_large, request_id),
            target.name(),
            "body too large",
        );
    }
    let Some(bytes) = read_body(body, declared).await else {
        return log_refusal(
            protocol::protocol_error(&too_large, request_id),
            target.name(),
            "body too large",
        );
    };
    let (scope, caller) = auth::identify(&envelope, &app.defaults);
    match target {
        protocol::Target::Serverless(op) => {
            serverless_request(&app, &scope, &caller, op, &bytes, request_id).await
        }
        protocol::Target::Data(op) => {
            data::request(&app, &scope, &caller, op, &bytes, request_id).await
        }
    }
}

/// Runs a Redshift Serverless operation and answers it once it is durable.
async fn serverless_request(
    app: &App,
    scope: &Scope,
    caller: &Caller,
    op: model::Operation,
    bytes: &Bytes,
    request_id: &str,
) -> Response {
    let mut executed = ops::execute(&app.store, scope, caller, op, ops::Body::Sent(bytes));
    if !app.sql_is_caught_up() {
        // What the SQL endpoints serve changed (this request fired a transition, say):
        // wait for them, and let a read answer again so that it names where they listen.
        app.sql_caught_up().await;
        if ops::reads(op) {
            executed = ops::execute(&app.store, scope, caller, op, ops::Body::Sent(bytes));
        }
    }
    match executed {
        Ok((output, durable)) => {
            if let Err(e) = made_durable(durable).await {
                let error =
                    ApiError::internal(format!("The change could not be made durable: {e}"));
                return log_refusal(
                    protocol::api_error(&error, request_id),
                    op.name(),
                    &e.to_string(),
                );
            }
            tracing::debug!(operation = op.name(), account = %scope.account, region = %scope.region, "ok");
            protocol::success(output, request_id)
        }
        Err(failure) => {
            let response = protocol::failure(&failure, request_id);
            log_refusal(response, op.name(), &format!("{failure:?}"))
        }
    }
}

/// The body, or `None` when it is larger than `MAX_BODY_BYTES` or breaks off. A body of a
/// declared length is read up to that length and, when it came in one piece (as a small body
/// does), handed on as that piece, without the per-request buffer list of `to_bytes`.
async fn read_body(mut body: Body, declared: Option<usize>) -> Option<Bytes> {
    let Some(length) = declared else {
        return axum::body::to_bytes(body, MAX_BODY_BYTES).await.ok();
    };
    let mut read = BytesMut::new();
    while read.len() < length {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx))
            .await?
            .ok()?;
        if let Ok(data) = frame.into_data() {
            if read.is_empty() && data.len() == length {
                return Some(data);
            }
            read.extend_from_slice(&data);
        }
    }
    Some(read.freeze())
}

/// Waits until a change is on disk (at once when the store keeps no journal).
pub async fn made_durable(durable: Durable) -> std::io::Result<()> {
    match durable {
        None => Ok(()),
        Some(ack) => ack
            .await
            .unwrap_or_else(|_| Err(std::io::Error::other("the journal writer stopped"))),
    }
}

/// Logs a refused request once, here, at a level that matches who is at fault.
fn log_refusal(response: Response, operation: &str, detail: &str) -> Response {
    if response.status().is_server_error() {
        tracing::warn!(
            operation,
            status = response.status().as_u16(),
            detail,
            "request failed"
        );
    } else {
        tracing::debug!(
            operation,
            status = response.status().as_u16(),
            detail,
            "request refused"
        );
    }
    response
}

/// Serves `app` on `listener` and runs the lifecycle driver until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let store = app.store.clone();
    let mut driver_stop = stop_rx.clone();
    let driver = tokio::spawn(crate::control::store::drive(store, async move {
        let _ = driver_stop.wait_for(|stop| *stop).await;
    }));
    let result = axum::serve(listener, router(app))
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        })
        .await;
    let _ = driver.await;
    result
}
