//! Tandem's server. A request goes: `http/` (route, auth extractor, JSON) → `sync/` or
//! `accounts/` (rules, using `tandem_shared::merge`) → `store/` (every SQL statement).

pub mod config;
pub mod telemetry;

use axum::{Json, Router, routing::get};
use config::ServeArgs;
use serde_json::json;
use tokio::net::TcpListener;

pub fn app() -> Router {
    Router::new().route("/api/health", get(|| async { Json(json!({ "status": "ok" })) }))
}

pub async fn run_serve(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind(args.listen).await?;
    tracing::info!(address = %listener.local_addr()?, "Tandem is listening");
    axum::serve(listener, app())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
