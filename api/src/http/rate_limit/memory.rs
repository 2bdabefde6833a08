//! Budgets kept in this process with `governor`'s keyed GCRA limiters: exact (no window-edge
//! double bursts), lock-free, and a refused request costs nothing. Chosen over a hand-written
//! window because GCRA's "one request per interval, with a burst allowance" is the behaviour
//! we want and governor is the maintained implementation of it.

use std::{
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use uuid::Uuid;

use super::{RateLimitSettings, Scope, Verdict};

/// How often idle keys are dropped: every this many checks.
const SWEEP_EVERY: u64 = 4096;

pub struct MemoryLimiter {
    tokens: Option<DefaultKeyedRateLimiter<(Uuid, String)>>,
    workspaces: Option<DefaultKeyedRateLimiter<Uuid>>,
    checks: AtomicU64,
}

/// `per_minute` with a burst of `burst_seconds` worth of it (at least one request); `None`
/// when the budget is off.
fn quota(per_minute: u32, burst_seconds: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_minute)?;
    let burst =
        (u64::from(per_minute) * u64::from(burst_seconds) / 60).clamp(1, u64::from(per_minute));
    let burst = NonZeroU32::new(burst as u32)?;
    Some(Quota::per_minute(rate).allow_burst(burst))
}

impl MemoryLimiter {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            tokens: quota(settings.per_token_per_minute, settings.burst_seconds)
                .map(RateLimiter::keyed),
            workspaces: quota(settings.per_workspace_per_minute, settings.burst_seconds)
                .map(RateLimiter::keyed),
            checks: AtomicU64::new(0),
        }
    }

    pub fn check(&self, workspace: Uuid, token: &str) -> Verdict {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        if let Some(tokens) = &self.tokens
            && let Err(not_until) = tokens.check_key(&(workspace, token.to_owned()))
        {
            return Verdict::Limited {
                scope: Scope::Token,
                retry_after: not_until.wait_time_from(tokens.clock().now()),
            };
        }
        if let Some(workspaces) = &self.workspaces
            && let Err(not_until) = workspaces.check_key(&workspace)
        {
            return Verdict::Limited {
                scope: Scope::Workspace,
                retry_after: not_until.wait_time_from(workspaces.clock().now()),
            };
        }
        Verdict::Allowed
    }

    /// Forgets keys whose budget is full again, so memory follows the active clients.
    fn sweep(&self) {
        if let Some(tokens) = &self.tokens {
            tokens.retain_recent();
            tokens.shrink_to_fit();
        }
        if let Some(workspaces) = &self.workspaces {
            workspaces.retain_recent();
            workspaces.shrink_to_fit();
        }
    }
}
