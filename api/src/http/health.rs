use actix_web::{HttpResponse, web};
use migration::{Migrator, MigratorTrait};
use serde_json::json;

use super::AppState;

/// Alive: the process answers. No database call, so an orchestrator never restarts a healthy
/// process because the database blinked.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready: the database answers and every migration is applied.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if let Err(e) = state.store.ping().await {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "reason": "database unreachable" }));
    }
    match Migrator::get_pending_migrations(state.store.connection()).await {
        Ok(pending) if pending.is_empty() => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Ok(pending) => HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable", "reason": format!("{} migrations pending", pending.len()) })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cannot read migrations");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable", "reason": "cannot read migration state" }))
        }
    }
}
