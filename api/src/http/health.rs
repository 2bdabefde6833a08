use std::collections::HashSet;

use actix_web::{HttpResponse, web};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbErr, Statement};
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
    match pending_migrations(state.store.connection()).await {
        Ok(0) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Ok(pending) => HttpResponse::ServiceUnavailable().json(
            json!({ "status": "unavailable", "reason": format!("{pending} migrations pending") }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cannot read migrations");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "unavailable", "reason": "cannot read migration state" }))
        }
    }
}

/// Migrations the code knows that the database has not applied. Read directly from the
/// migration table: the migrator's own helper would try to create that table, which the
/// server's restricted database role may not do.
async fn pending_migrations(db: &impl ConnectionTrait) -> Result<usize, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations",
        ))
        .await?;
    let applied = rows
        .iter()
        .map(|r| r.try_get::<String>("", "version"))
        .collect::<Result<HashSet<_>, _>>()?;
    Ok(Migrator::migrations()
        .iter()
        .filter(|m| !applied.contains(m.name()))
        .count())
}
