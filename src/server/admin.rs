//! `/_emulator/`: what is not AWS. Health for docker-compose and CI, and control of time so
//! tests never sleep: advance the clock, or settle every pending transition now.

use super::App;
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
}

async fn health(State(app): State<App>) -> Json<Value> {
    Json(json!({
        "status": "running",
        "service": "redshift-serverless",
        "version": env!("CARGO_PKG_VERSION"),
        "pendingTransitions": app.store.pending_transitions(),
    }))
}

/// Completes every pending lifecycle transition now.
async fn settle(State(app): State<App>) -> Json<Value> {
    let settled = app.store.settle_all();
    Json(json!({ "settled": settled }))
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
async fn advance(State(app): State<App>, body: axum::body::Bytes) -> (StatusCode, Json<Value>) {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(Advance { seconds }) if (0.0..1e10).contains(&seconds) => {
            app.store
                .advance(chrono::Duration::milliseconds((seconds * 1000.0) as i64));
            (StatusCode::OK, Json(clock_state(&app)))
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "expected a JSON body {\"seconds\": <non-negative number>}"})),
        ),
    }
}
