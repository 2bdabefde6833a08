//! Rate limits: one budget per token and one per workspace (all its tokens together), checked
//! right after authentication on every protected endpoint, before the body is read. Over
//! budget is a 429 with `Retry-After` and a `security` log line.
//!
//! Two backends: `memory` (the default, GCRA via `governor`: exact, no extra service, but each
//! replica keeps its own budgets) and `database` (fixed one-minute windows in a shared table, so
//! N replicas behind a load balancer spend one budget between them).

mod database;
mod memory;

use std::{sync::Arc, time::Duration};

use actix_web::HttpResponse;
use domain::{Principal, db::Store, security_log::Refusal};
use sha2::{Digest, Sha256};

use self::{database::DatabaseLimiter, memory::MemoryLimiter};
use crate::{client_error::ClientError, config::RateLimitBackend, error_code::ErrorCode};

#[derive(Debug, Clone, Copy)]
pub struct RateLimitSettings {
    /// Requests per minute; 0 turns the budget off.
    pub per_token_per_minute: u32,
    pub per_workspace_per_minute: u32,
    /// Seconds' worth of budget that may be spent at once (memory backend).
    pub burst_seconds: u32,
    pub backend: RateLimitBackend,
}

/// Which budget refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Token,
    Workspace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited { scope: Scope, retry_after: Duration },
}

#[derive(Clone)]
pub struct RateLimiter(Arc<Backend>);

enum Backend {
    Memory(MemoryLimiter),
    Database(DatabaseLimiter),
}

impl RateLimiter {
    pub fn new(settings: RateLimitSettings) -> Self {
        Self(Arc::new(match settings.backend {
            RateLimitBackend::Memory => Backend::Memory(MemoryLimiter::new(&settings)),
            RateLimitBackend::Database => Backend::Database(DatabaseLimiter::new(&settings)),
        }))
    }

    /// Spends one request of the token's budget and, if that one has room, of its workspace's.
    pub async fn check(
        &self,
        store: &Store,
        principal: &Principal,
        token: &str,
    ) -> domain::Result<Verdict> {
        let token = token_key(token);
        match &*self.0 {
            Backend::Memory(limiter) => Ok(limiter.check(principal.workspace_id, &token)),
            Backend::Database(limiter) => {
                limiter.check(store, principal.workspace_id, &token).await
            }
        }
    }
}

/// The key of a token's budget: a hash prefix, so neither memory nor the database ever holds
/// a token, and logs of the table reveal nothing usable.
pub fn token_key(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("token:{hex}")
}

/// Applies the limiter to an authenticated request: `Ok` to go on, or the response refusing it.
pub async fn enforce(
    limiter: &RateLimiter,
    store: &Store,
    principal: &Principal,
    token: &str,
) -> Result<(), HttpResponse> {
    let verdict = limiter
        .check(store, principal, token)
        .await
        .map_err(|e| ClientError::retryable("rate limiting", e))?;
    let Verdict::Limited { scope, retry_after } = verdict else {
        return Ok(());
    };
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let reason = match scope {
        Scope::Token => "rate limit of the token exceeded",
        Scope::Workspace => "rate limit of the workspace exceeded",
    };
    Refusal::new("request refused", reason)
        .by(principal)
        .retry_after(seconds)
        .log();
    let mut response: HttpResponse = ClientError::new(
        ErrorCode::LimitExceeded,
        format!("{reason}; retry in {seconds} s"),
    )
    .into();
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(seconds),
    );
    Err(response)
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_keys_are_stable_and_do_not_contain_the_token() {
        let key = super::token_key("secret.token.value");
        assert_eq!(key, super::token_key("secret.token.value"));
        assert_ne!(key, super::token_key("secret.token.other"));
        assert!(!key.contains("secret"));
        assert_eq!(key.len(), "token:".len() + 32);
    }
}
