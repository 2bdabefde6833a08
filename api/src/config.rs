//! Configuration: built-in defaults, then an optional TOML file, then `WAYFINDER_*` environment
//! variables (and `DATABASE_URL`), later sources winning. The defaults run a local server with
//! an embedded SQLite database and no set-up at all.

use std::{path::PathBuf, time::Duration};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

use crate::graphql::HeavyQueryOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Local use: pretty logs, GraphQL introspection and GraphiQL on.
    Development,
    /// Internet-facing: JSON logs, introspection and GraphiQL off, an explicit JWT secret
    /// required.
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Where rate-limit budgets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitBackend {
    /// In this process: exact and free, but each replica counts on its own.
    Memory,
    /// In the database, shared by every replica that uses it.
    Database,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub profile: Profile,
    /// `sqlite://…` or `postgres://…`; defaults to a SQLite file in `data_dir`.
    pub database_url: Option<String>,
    pub host: String,
    /// HTTP worker threads, each serving its connections' requests in turn; `None` or 0 is one
    /// per CPU. More workers than CPUs let the system share the cores between a worker busy with
    /// long requests and one serving short ones, at the cost of more threads.
    pub workers: Option<usize>,
    pub port: u16,
    pub data_dir: PathBuf,
    pub log_format: Option<LogFormat>,
    /// A `tracing` filter such as `info` or `api=debug,info`; `RUST_LOG` overrides it.
    pub log_level: String,
    /// HS256 signing secret. When unset outside production, a random one is generated and kept
    /// in `data_dir/jwt-secret`, so local runs need no set-up.
    pub jwt_secret: Option<String>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// A JWKS file of an identity provider whose RS256/ES256 tokens are accepted too (tokens
    /// with a `kid`). At most one of `jwks_file` and `jwks_url`.
    pub jwks_file: Option<PathBuf>,
    /// The same, fetched from a URL (`https://` required in production).
    pub jwks_url: Option<String>,
    /// How often the JWKS is reloaded in the background.
    pub jwks_refresh_secs: u64,
    /// An unknown `kid` reloads the JWKS at once, but at most this often.
    pub jwks_min_refresh_secs: u64,
    /// The `iss` of the identity provider's tokens; defaults to `jwt_issuer`.
    pub jwks_issuer: Option<String>,
    /// Lifetime of the access token `POST /auth/token` mints for an API token (never beyond
    /// the API token's own expiry).
    pub api_token_jwt_ttl_secs: u64,
    pub migrate_on_start: bool,
    pub db_max_connections: u32,
    /// SQLite: bytes of the database file each connection reads through a memory map; 0 turns
    /// the map off (see `StoreOptions::sqlite_mmap_bytes`).
    pub sqlite_mmap_bytes: u64,
    /// PostgreSQL: the role the server switches to on every connection, so row-level security
    /// holds even when the login user owns the tables. The migrations create `wayfinder_app`;
    /// empty keeps the login role (only sensible if that role is already restricted).
    pub database_role: String,
    /// Limits that keep one request from hurting everyone else.
    pub max_body_bytes: usize,
    pub max_batch_size: usize,
    pub max_query_depth: usize,
    pub max_query_complexity: usize,
    /// Lexical tokens per GraphQL document, counted before it is parsed.
    pub max_query_tokens: usize,
    /// Aliases per GraphQL document: the way one field is asked for a thousand times.
    pub max_query_aliases: usize,
    /// Queries estimated to cost at least this (the complexity rule: a page costs its size
    /// times what one item selects) take turns on `heavy_query_slots`; cheaper ones never wait.
    pub heavy_query_cost: u64,
    /// Expensive queries running at once (0: four per CPU).
    pub heavy_query_slots: usize,
    /// How much lower the CPU priority of expensive queries is than that of the HTTP workers
    /// serving cheap requests, in niceness (0: the same, 19: the lowest; Linux only).
    pub heavy_query_niceness: u8,
    pub request_timeout_ms: u64,
    /// Limits of `POST /events`, apart from GraphQL's: event batches are legitimately larger.
    pub max_event_body_bytes: usize,
    pub max_events_per_request: usize,
    /// The largest `POST /import` body: its lines are held (relation lines on disk when many)
    /// until it is applied.
    pub max_import_body_bytes: usize,
    /// The largest `POST /sbom` body: an SBOM is parsed whole, and a large application's runs
    /// to tens of megabytes.
    pub max_sbom_body_bytes: usize,
    /// How long a request body may take to arrive, at least: a client that sends its body a
    /// byte at a time holds a connection and a file descriptor for as long as the server waits.
    pub body_read_timeout_ms: u64,
    /// The slowest rate a large body may arrive at: every byte received buys this much more
    /// time on top of `body_read_timeout_ms`, so a big upload over a slow link still succeeds.
    pub body_min_bytes_per_second: u64,
    /// Open client connections of the whole server; 0 leaves only the process's file
    /// descriptor limit, which the server always stays under.
    pub max_connections: usize,
    /// Open connections of one client address (IPv6: one /64); 0 turns the cap off. Behind a
    /// proxy every connection comes from the proxy's address: raise it or turn it off there.
    pub max_connections_per_address: usize,
    pub introspection: Option<bool>,
    /// The longest metrics window one request may ask for, and the most buckets it may be cut
    /// into: a window's cost in memory and time grows with both.
    pub metrics_max_window_days: u32,
    pub metrics_max_buckets: u32,
    /// Serve GraphiQL at `GET /graphql`; defaults to on in development, off in production.
    pub graphiql: Option<bool>,
    /// Requests per minute for one token and for one workspace (all its tokens together);
    /// 0 turns that budget off.
    pub rate_limit_per_token_per_minute: u32,
    pub rate_limit_per_workspace_per_minute: u32,
    /// How many seconds' worth of a budget may be spent at once (memory backend).
    pub rate_limit_burst_seconds: u32,
    pub rate_limit_backend: RateLimitBackend,
    /// Create workspace `demo` with demo data on start.
    pub demo: bool,
    /// Benchmarks only: count the SQL statements each GraphQL request reads with and return
    /// them in the `x-wayfinder-sql-statements` response header, with the process's read cache
    /// hits and misses so far (`x-wayfinder-cache-hits`, `x-wayfinder-cache-misses`). Refused in
    /// production, where it would tell clients how the server queries its database.
    pub debug_sql_statement_header: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            profile: Profile::Development,
            database_url: None,
            host: "127.0.0.1".into(),
            workers: None,
            port: 8080,
            data_dir: PathBuf::from("data"),
            log_format: None,
            log_level: "info".into(),
            jwt_secret: None,
            jwt_issuer: "wayfinder".into(),
            jwt_audience: "wayfinder-api".into(),
            jwks_file: None,
            jwks_url: None,
            jwks_refresh_secs: 300,
            jwks_min_refresh_secs: 30,
            jwks_issuer: None,
            api_token_jwt_ttl_secs: 3600,
            migrate_on_start: true,
            db_max_connections: 16,
            sqlite_mmap_bytes: domain::db::SQLITE_MMAP_CAP,
            database_role: "wayfinder_app".into(),
            max_body_bytes: 1024 * 1024,
            max_batch_size: 10,
            max_query_depth: 24,
            max_query_complexity: 20_000,
            max_query_tokens: 10_000,
            max_query_aliases: 100,
            heavy_query_cost: HeavyQueryOptions::default().cost,
            heavy_query_slots: HeavyQueryOptions::default().slots,
            heavy_query_niceness: HeavyQueryOptions::default().niceness,
            request_timeout_ms: 30_000,
            max_event_body_bytes: 16 * 1024 * 1024,
            max_events_per_request: 10_000,
            max_import_body_bytes: 64 * 1024 * 1024,
            max_sbom_body_bytes: 64 * 1024 * 1024,
            body_read_timeout_ms: 5_000,
            body_min_bytes_per_second: 64 * 1024,
            max_connections: 10_000,
            max_connections_per_address: 256,
            introspection: None,
            metrics_max_window_days: domain::metrics::WindowLimits::default().max_days,
            metrics_max_buckets: domain::metrics::WindowLimits::default().max_buckets,
            graphiql: None,
            rate_limit_per_token_per_minute: 600,
            rate_limit_per_workspace_per_minute: 3_000,
            rate_limit_burst_seconds: 10,
            rate_limit_backend: RateLimitBackend::Memory,
            demo: false,
            debug_sql_statement_header: false,
        }
    }
}

impl Config {
    /// Loads the configuration from `file` (default `wayfinder.toml`, optional) and the
    /// environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        figment = match file {
            Some(path) => figment.merge(Toml::file_exact(path)),
            None => figment.merge(Toml::file("wayfinder.toml")),
        };
        figment = figment
            .merge(Env::prefixed("WAYFINDER_"))
            .merge(Env::raw().only(&["DATABASE_URL"]));
        figment.extract().map_err(Box::new)
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("wayfinder.db").display()
            )
        })
    }

    pub fn log_format(&self) -> LogFormat {
        self.log_format.unwrap_or(match self.profile {
            Profile::Development => LogFormat::Pretty,
            Profile::Production => LogFormat::Json,
        })
    }

    pub fn introspection(&self) -> bool {
        self.introspection
            .unwrap_or(self.profile == Profile::Development)
    }

    pub fn heavy_queries(&self) -> HeavyQueryOptions {
        HeavyQueryOptions {
            cost: self.heavy_query_cost,
            slots: self.heavy_query_slots,
            niceness: self.heavy_query_niceness,
        }
    }

    pub fn metric_window_limits(&self) -> domain::metrics::WindowLimits {
        domain::metrics::WindowLimits {
            max_days: self.metrics_max_window_days,
            max_buckets: self.metrics_max_buckets,
        }
    }

    pub fn graphiql(&self) -> bool {
        self.graphiql
            .unwrap_or(self.profile == Profile::Development)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_millis(self.body_read_timeout_ms)
    }
}
