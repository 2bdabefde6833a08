//! Turning a configuration into running parts: the store, the signing keys, the schema and the
//! HTTP state. Shared by `serve`, the other CLI commands and the HTTP tests.

use std::time::Duration;

use anyhow::{Context, bail};
use domain::{
    db::{StatisticsRefresher, Store, StoreOptions},
    meta_model_versions::MetaModelCache,
    relations::WindowCache,
    workspace_cache::WorkspaceCache,
};
use migration::{Migrator, MigratorTrait};

use crate::{
    auth::{JwksCache, JwksSource, JwtKeys, load_or_create_secret},
    config::{Config, Profile},
    graphql::{SchemaOptions, build_schema},
    http::{AppState, HttpLimits, RateLimitSettings, RateLimiter},
};

pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
    }
    let store = Store::connect(
        &url,
        &StoreOptions {
            max_connections: config.db_max_connections,
            sqlite_mmap_bytes: config.sqlite_mmap_bytes,
            ..StoreOptions::default()
        },
    )
    .await
    .with_context(|| format!("connecting to {}", redact(&url)))?;
    if config.migrate_on_start {
        migrate(&store).await?;
    }
    Ok(store)
}

/// Applies pending migrations and says so in one line. The migrator logs every migration at
/// info; the default log filter holds those back (see [`crate::telemetry`]), so a start
/// shows the count instead of a screenful.
async fn migrate(store: &Store) -> anyhow::Result<()> {
    let db = store.connection();
    let pending = Migrator::get_pending_migrations(db)
        .await
        .context("reading migration state")?
        .len();
    Migrator::up(db, None)
        .await
        .context("applying migrations")?;
    let already = Migrator::migrations().len().saturating_sub(pending);
    tracing::info!(
        applied = pending,
        already,
        "database migrated: {pending} applied, {already} already"
    );
    Ok(())
}

/// The store the HTTP server works through. On PostgreSQL it is a second pool whose connections
/// switch to the restricted `database_role`, so row-level security applies to every request;
/// migrations and platform commands keep using the login role of [`open_store`]. SQLite has no
/// roles: the platform store is reused (one pool, one writer lock).
pub async fn serving_store(config: &Config, platform: &Store) -> anyhow::Result<Store> {
    let url = config.database_url();
    if !url.starts_with("postgres") || config.database_role.is_empty() {
        return Ok(platform.clone());
    }
    Store::connect(
        &url,
        &StoreOptions {
            max_connections: config.db_max_connections,
            tenant_role: Some(config.database_role.clone()),
            statement_timeout: Some(config.request_timeout()),
            ..StoreOptions::default()
        },
    )
    .await
    .with_context(|| {
        format!(
            "connecting to {} as role {}",
            redact(&url),
            config.database_role
        )
    })
}

/// The HS256 keys. Production refuses to start without an explicit secret: a generated one
/// would differ between replicas.
pub fn jwt_keys(config: &Config) -> anyhow::Result<JwtKeys> {
    let secret = match (&config.jwt_secret, config.profile) {
        (Some(s), _) if s.len() >= 32 => s.clone(),
        (Some(_), _) => bail!("WAYFINDER_JWT_SECRET must be at least 32 characters"),
        (None, Profile::Production) => bail!("the production profile needs WAYFINDER_JWT_SECRET"),
        (None, Profile::Development) => {
            load_or_create_secret(&config.data_dir).context("reading or creating the JWT secret")?
        }
    };
    Ok(JwtKeys::hs256(
        secret.as_bytes(),
        &config.jwt_issuer,
        &config.jwt_audience,
    ))
}

/// Adds the identity provider's JWKS keys when one is configured, and starts their periodic
/// reload. Must run inside the Tokio runtime that serves requests.
pub async fn with_jwks(keys: JwtKeys, config: &Config) -> anyhow::Result<JwtKeys> {
    let source = match (&config.jwks_file, &config.jwks_url) {
        (None, None) => return Ok(keys),
        (Some(_), Some(_)) => {
            bail!("set at most one of WAYFINDER_JWKS_FILE and WAYFINDER_JWKS_URL")
        }
        (Some(path), None) => JwksSource::File(path.clone()),
        (None, Some(url)) => {
            let plain_http = !url.starts_with("https://");
            if plain_http && config.profile == Profile::Production {
                bail!("the production profile needs an https:// WAYFINDER_JWKS_URL");
            }
            if plain_http && !url.starts_with("http://") {
                bail!("WAYFINDER_JWKS_URL must be an http(s) URL");
            }
            JwksSource::Url(url.clone())
        }
    };
    if config.jwks_refresh_secs == 0 {
        bail!("WAYFINDER_JWKS_REFRESH_SECS must be at least 1");
    }
    let cache = JwksCache::load(source, Duration::from_secs(config.jwks_min_refresh_secs))
        .await
        .map_err(|reason| anyhow::anyhow!("loading the JWKS: {reason}"))?;
    cache.spawn_periodic_reload(Duration::from_secs(config.jwks_refresh_secs));
    let issuer = config.jwks_issuer.as_deref().unwrap_or(&config.jwt_issuer);
    Ok(keys.with_jwks(cache, issuer))
}

/// Relations held in the process's relation window cache: ten depth-3 traversals of the
/// largest workspaces' size each for a few hundred workspaces, some hundred MiB at most (far
/// ends are shared between windows).
const RELATION_WINDOW_CACHE_RELATIONS: u64 = 2_000_000;

/// The server's state for `platform`: over the [`serving_store`] it opens, and with the
/// platform store's power to refresh planner statistics (see [`state`]).
pub async fn serving_state(
    config: &Config,
    platform: &Store,
    keys: JwtKeys,
) -> anyhow::Result<AppState> {
    let serving = serving_store(config, platform).await?;
    Ok(state(config, platform, serving, keys))
}

/// The server's state over `store`, the serving store. `platform` connects as the tables'
/// owner; the state keeps only its power to refresh planner statistics after bulk writes.
pub fn state(config: &Config, platform: &Store, store: Store, keys: JwtKeys) -> AppState {
    let schema = build_schema(&SchemaOptions {
        max_depth: config.max_query_depth,
        max_complexity: config.max_query_complexity,
        max_tokens: config.max_query_tokens,
        max_aliases: config.max_query_aliases,
        introspection: config.introspection(),
        metric_window_limits: config.metric_window_limits(),
        heavy_queries: config.heavy_queries(),
        ..SchemaOptions::default()
    });
    AppState {
        workspaces: WorkspaceCache::for_backend(store.backend()),
        meta_models: MetaModelCache::default(),
        relation_windows: WindowCache::new(RELATION_WINDOW_CACHE_RELATIONS),
        statistics: StatisticsRefresher::new(platform),
        store,
        keys,
        schema,
        limits: HttpLimits {
            max_body_bytes: config.max_body_bytes,
            max_batch_size: config.max_batch_size,
            request_timeout: config.request_timeout(),
            max_event_body_bytes: config.max_event_body_bytes,
            max_events_per_request: config.max_events_per_request,
            max_import_body_bytes: config.max_import_body_bytes,
            max_sbom_body_bytes: config.max_sbom_body_bytes,
            body_read_timeout: config.body_read_timeout(),
            body_min_bytes_per_second: config.body_min_bytes_per_second,
            max_connections: config.max_connections,
            max_connections_per_address: config.max_connections_per_address,
        },
        api_token_jwt_ttl: Duration::from_secs(config.api_token_jwt_ttl_secs),
        debug_sql_statement_header: config.debug_sql_statement_header,
        graphiql: config.graphiql(),
        rate_limiter: RateLimiter::new(RateLimitSettings {
            per_token_per_minute: config.rate_limit_per_token_per_minute,
            per_workspace_per_minute: config.rate_limit_per_workspace_per_minute,
            burst_seconds: config.rate_limit_burst_seconds,
            backend: config.rate_limit_backend,
        }),
    }
}

/// Debug options expose internals to clients; the production profile refuses to start with them.
pub fn refuse_debug_options_in_production(config: &Config) -> anyhow::Result<()> {
    if config.profile == Profile::Production && config.debug_sql_statement_header {
        bail!("the production profile refuses WAYFINDER_DEBUG_SQL_STATEMENT_HEADER");
    }
    Ok(())
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Profile};

    #[test]
    fn production_refuses_the_statement_header() {
        let debug = Config {
            debug_sql_statement_header: true,
            ..Config::default()
        };
        assert!(super::refuse_debug_options_in_production(&debug).is_ok());
        let production = Config {
            profile: Profile::Production,
            ..debug
        };
        assert!(super::refuse_debug_options_in_production(&production).is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
