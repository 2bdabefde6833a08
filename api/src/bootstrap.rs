//! Turning a configuration into running parts: the store, the signing keys, the schema and the
//! HTTP state. Shared by `serve`, the other CLI commands and the HTTP tests.

use anyhow::{Context, bail};
use domain::db::{Store, StoreOptions};
use migration::{Migrator, MigratorTrait};

use crate::{
    auth::{JwtKeys, load_or_create_secret},
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
            ..StoreOptions::default()
        },
    )
    .await
    .with_context(|| format!("connecting to {}", redact(&url)))?;
    if config.migrate_on_start {
        Migrator::up(store.connection(), None)
            .await
            .context("applying migrations")?;
    }
    Ok(store)
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

pub fn state(config: &Config, store: Store, keys: JwtKeys) -> AppState {
    let schema = build_schema(&SchemaOptions {
        max_depth: config.max_query_depth,
        max_complexity: config.max_query_complexity,
        max_tokens: config.max_query_tokens,
        max_aliases: config.max_query_aliases,
        introspection: config.introspection(),
    });
    AppState {
        store,
        keys,
        schema,
        limits: HttpLimits {
            max_body_bytes: config.max_body_bytes,
            max_batch_size: config.max_batch_size,
            request_timeout: config.request_timeout(),
            max_event_body_bytes: config.max_event_body_bytes,
            max_events_per_request: config.max_events_per_request,
        },
        rate_limiter: RateLimiter::new(RateLimitSettings {
            per_token_per_minute: config.rate_limit_per_token_per_minute,
            per_workspace_per_minute: config.rate_limit_per_workspace_per_minute,
            burst_seconds: config.rate_limit_burst_seconds,
            backend: config.rate_limit_backend,
        }),
    }
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
