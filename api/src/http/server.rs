use std::{net::SocketAddr, time::Duration};

use actix_web::{App, HttpResponse, HttpServer, dev::Server, middleware::from_fn, web};
use domain::{
    db::{StatisticsRefresher, Store},
    meta_model_versions::MetaModelCache,
    relations::WindowCache,
    workspace_cache::WorkspaceCache,
};
use tracing_actix_web::TracingLogger;

use super::{
    advisories_endpoint, connection_limit, dashboard, events_endpoint, export_endpoint, graphiql,
    graphql_endpoint, health, home, import_endpoint,
    per_address::{self, AddressTable},
    rate_limit::RateLimiter,
    report_export_endpoint, sbom_endpoint, token_endpoint, unread_body, webhooks_endpoint,
};
use crate::{auth::JwtKeys, client_error::ClientError, error_code::ErrorCode, graphql::AppSchema};

#[derive(Debug, Clone)]
pub struct HttpLimits {
    pub max_body_bytes: usize,
    pub max_batch_size: usize,
    pub request_timeout: Duration,
    pub max_event_body_bytes: usize,
    pub max_events_per_request: usize,
    /// `POST /import`: bulk by nature, so larger than other bodies, but still bounded.
    pub max_import_body_bytes: usize,
    /// `POST /sbom`: one document, parsed whole.
    pub max_sbom_body_bytes: usize,
    /// The time any request body may take, plus what its bytes earn at
    /// `body_min_bytes_per_second` (0: nothing more); see `body.rs`.
    pub body_read_timeout: Duration,
    pub body_min_bytes_per_second: u64,
    /// Open client connections of the server (0: only the descriptor limit applies) and of one
    /// client address (0: uncapped).
    pub max_connections: usize,
    pub max_connections_per_address: usize,
}

/// Shared by every worker; cheap to clone (connection pool, keys and schema are shared).
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Refreshes PostgreSQL's planner statistics after a large import (as the tables' owner).
    pub statistics: StatisticsRefresher,
    /// Workspace ids by slug for [`crate::auth::authenticate`].
    pub workspaces: WorkspaceCache,
    /// Parsed meta models by workspace and version, for every GraphQL request.
    pub meta_models: MetaModelCache,
    /// Relation windows by inventory version, for every GraphQL request.
    pub relation_windows: WindowCache,
    pub keys: JwtKeys,
    pub schema: AppSchema,
    pub limits: HttpLimits,
    /// Lifetime of access tokens minted for API tokens by `POST /auth/token`.
    pub api_token_jwt_ttl: Duration,
    pub rate_limiter: RateLimiter,
    /// Report each GraphQL request's SQL statement count, and the process's read cache hits and
    /// misses so far, in response headers (see `graphql_endpoint`).
    pub debug_sql_statement_header: bool,
    /// Serve GraphiQL at `GET /graphql`; otherwise that is a 404 like any unknown route.
    pub graphiql: bool,
}

pub struct RunningServer {
    pub addr: SocketAddr,
    pub server: Server,
}

/// Binds the server (port 0 picks a free port, as tests do) and returns it ready to be awaited.
/// SIGTERM and SIGINT stop accepting connections and let in-flight requests finish (30 s).
/// `workers` (`None` or 0) defaults to one per CPU, as actix-web's does.
pub fn start(
    state: AppState,
    host: &str,
    port: u16,
    workers: Option<usize>,
) -> std::io::Result<RunningServer> {
    let workers = workers
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let limits = state.limits.clone();
    let graphiql = state.graphiql;
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        let graphql = web::resource("/graphql").route(web::post().to(graphql_endpoint::execute));
        let graphql = if graphiql {
            graphql.route(web::get().to(graphiql::page))
        } else {
            graphql.route(web::get().to(not_found))
        };
        App::new()
            .app_data(data.clone())
            .wrap(from_fn(per_address::refuse_over_cap))
            .wrap(from_fn(unread_body::close_unread))
            .wrap(TracingLogger::default())
            .route("/", web::get().to(home::home))
            .route("/healthz", web::get().to(health::healthz))
            .route("/readyz", web::get().to(health::readyz))
            .configure(dashboard::routes)
            .route("/events", web::post().to(events_endpoint::ingest))
            .route("/export", web::get().to(export_endpoint::export))
            .route(
                "/reports/export",
                web::get().to(report_export_endpoint::export),
            )
            .route("/import", web::post().to(import_endpoint::import))
            .route("/sbom", web::post().to(sbom_endpoint::upload))
            .route("/advisories", web::post().to(advisories_endpoint::post))
            .route(
                "/webhooks/github/{workspace}",
                web::post().to(webhooks_endpoint::github),
            )
            .service(
                web::resource("/auth/token")
                    .route(web::post().to(token_endpoint::exchange))
                    .default_service(web::to(token_endpoint::wrong_method)),
            )
            .service(graphql)
            .configure(|config| {
                if graphiql {
                    graphiql::routes(config);
                }
            })
            .default_service(web::to(not_found))
    })
    .workers(workers)
    .shutdown_timeout(30)
    .client_request_timeout(Duration::from_secs(10));
    let descriptors = connection_limit::descriptor_limit();
    if let Some(n) = connection_limit::per_worker(limits.max_connections, workers, descriptors) {
        server = server.max_connections(n);
    }
    if limits.max_connections_per_address > 0 {
        let table = AddressTable::new(limits.max_connections_per_address);
        server = server.on_connect(per_address::on_connect(table));
    }
    let server = server.bind((host, port))?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| std::io::Error::other("the server bound no address"))?;
    Ok(RunningServer {
        addr,
        server: server.run(),
    })
}

pub(super) async fn not_found() -> HttpResponse {
    ClientError::new(ErrorCode::NotFound, "no such endpoint").into()
}
