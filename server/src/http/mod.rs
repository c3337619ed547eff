//! The HTTP face of the protocol: routes under `/v1`, JSON errors for everything that goes
//! wrong (unknown route, wrong method, bad body), a body limit, and request logging.

mod account;
mod auth;
mod error;
mod extract;
mod live;
mod state;
mod sync;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Router, middleware};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::ApiError;
pub use state::AppState;

/// Largest request body accepted; larger ones get 413 `payload_too_large`. The protocol's
/// number, which devices size their push batches by.
pub const BODY_LIMIT_BYTES: usize = studymate_protocol::MAX_REQUEST_BYTES;

/// Builds the application: every route, its limits and its logging.
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/auth/signup", post(auth::signup))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/sync/push", post(sync::push))
        .route("/sync/pull", get(sync::pull))
        .route("/account/export", get(account::export))
        .route("/account", delete(account::delete_account))
        .route("/sync/live", get(live::live))
        .route_layer(middleware::from_fn(extract::check_protocol_header))
        .route("/health", get(sync::health));
    Router::new()
        .nest("/v1", v1)
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn(extract::reject_oversized))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
