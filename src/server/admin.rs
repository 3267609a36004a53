//! `/_emulator/`: what is not AWS. Health for docker-compose and CI; control of time so tests
//! never sleep (advance the clock, or settle every pending transition now); and the state
//! itself: export it, import an export, or reset it.

use super::{made_durable, App};
use crate::control::store::{Durable, Scope, StateImage};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router() -> Router<App> {
    Router::new()
        .route("/health", get(health))
        .route("/settle", post(settle))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/state", get(export).post(import))
        .route("/reset", post(reset))
        .route("/ca.pem", get(ca_pem))
}

/// The CA that signs the SQL endpoints' certificate, for `sslmode=verify-full`.
async fn ca_pem(State(app): State<App>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(sql) = &app.sql else {
        return refuse(StatusCode::NOT_FOUND, "this server runs no SQL endpoints").into_response();
    };
    match sql.ca_pem().await {
        Ok(pem) => (
            [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
            pem,
        )
            .into_response(),
        Err(e) => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("no certificate could be made: {e}"),
        )
        .into_response(),
    }
}

type Answer = (StatusCode, Json<Value>);

fn refuse(status: StatusCode, message: impl Into<String>) -> Answer {
    (status, Json(json!({ "message": message.into() })))
}

/// Answers `body` once `durable` is on disk.
async fn when_durable(app: &App, durable: Durable, body: Value) -> Answer {
    let durable = made_durable(durable).await;
    app.sql_caught_up().await;
    match durable {
        Ok(()) => (StatusCode::OK, Json(body)),
        Err(e) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the change could not be made durable: {e}"),
        ),
    }
}

async fn health(State(app): State<App>) -> Json<Value> {
    Json(json!({
        "status": "running",
        "service": "redshift-serverless",
        "version": env!("CARGO_PKG_VERSION"),
        "pendingTransitions": app.store.pending_transitions(),
        "engine": app.sql.as_ref().map(|sql| sql.health()),
    }))
}

/// Completes every pending lifecycle transition now, and waits for the data plane's
/// captures and restores, which the transitions of snapshots and restores wait on.
async fn settle(State(app): State<App>) -> Answer {
    let (settled, durable) = app.store.settle_all();
    if let Some(sql) = &app.sql {
        sql.work_settled().await;
    }
    when_durable(&app, durable, json!({ "settled": settled })).await
}

fn clock_state(app: &App) -> Value {
    json!({
        "now": app.store.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "offsetSeconds": app.store.clock.offset().num_milliseconds() as f64 / 1000.0,
    })
}

async fn clock(State(app): State<App>) -> Json<Value> {
    Json(clock_state(&app))
}

#[derive(Deserialize)]
struct Advance {
    seconds: f64,
}

/// Moves the clock forward by `seconds` and fires every timer that became due.
async fn advance(State(app): State<App>, body: axum::body::Bytes) -> Answer {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(Advance { seconds }) if (0.0..1e10).contains(&seconds) => {
            let durable = app
                .store
                .advance(chrono::Duration::milliseconds((seconds * 1000.0) as i64));
            when_durable(&app, durable, clock_state(&app)).await
        }
        _ => refuse(
            StatusCode::BAD_REQUEST,
            "expected a JSON body {\"seconds\": <non-negative number>}",
        ),
    }
}

/// The whole state as JSON, in the form `POST /_emulator/state` takes back.
async fn export(State(app): State<App>) -> Answer {
    match serde_json::to_value(app.store.export()) {
        Ok(state) => (StatusCode::OK, Json(state)),
        Err(e) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("exporting the state failed: {e}"),
        ),
    }
}

/// Replaces the whole state with an export; a malformed one changes nothing.
async fn import(State(app): State<App>, body: axum::body::Bytes) -> Answer {
    match serde_json::from_slice::<StateImage>(&body) {
        Ok(image) => {
            let partitions = image.partitions.len();
            when_durable(
                &app,
                app.store.import(image),
                json!({ "imported": true, "partitions": partitions }),
            )
            .await
        }
        Err(e) => refuse(StatusCode::BAD_REQUEST, format!("not a state export: {e}")),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Reset {
    account: Option<String>,
    region: Option<String>,
}

/// Forgets everything; or, given `{"account": ..., "region": ...}`, that account and region.
async fn reset(State(app): State<App>, body: axum::body::Bytes) -> Answer {
    let parsed = if body.iter().all(u8::is_ascii_whitespace) {
        Ok(Reset::default())
    } else {
        serde_json::from_slice::<Reset>(&body)
    };
    let scope = match parsed {
        Ok(Reset {
            account: None,
            region: None,
        }) => None,
        Ok(Reset {
            account: Some(account),
            region: Some(region),
        }) => Some(Scope::new(&account, &region)),
        Ok(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "give both account and region, or neither",
            )
        }
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("expected {{\"account\", \"region\"}} or nothing: {e}"),
            )
        }
    };
    when_durable(&app, app.store.reset(scope), json!({ "reset": true })).await
}
