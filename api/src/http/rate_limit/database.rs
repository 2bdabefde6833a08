//! Budgets kept in the database table `rate_limit_windows`, shared by every replica: one
//! atomic upsert per budget and request (see `domain::rate_limits`). Each replica deletes
//! expired windows when it first sees a new window, so the table holds about two windows of
//! the budgets in use.

use std::{
    sync::atomic::{AtomicI64, Ordering},
    time::Duration,
};

use chrono::Utc;
use domain::{
    db::Store,
    rate_limits::{self, Budget, Spent},
};
use uuid::Uuid;

use super::{RateLimitSettings, Scope, Verdict};

const WINDOW_SECONDS: i64 = 60;
const WORKSPACE_KEY: &str = "workspace";

pub struct DatabaseLimiter {
    per_token: u32,
    per_workspace: u32,
    /// The window this replica last cleaned up in.
    swept_window: AtomicI64,
}

impl DatabaseLimiter {
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            per_token: settings.per_token_per_minute,
            per_workspace: settings.per_workspace_per_minute,
            swept_window: AtomicI64::new(i64::MIN),
        }
    }

    pub async fn check(
        &self,
        store: &Store,
        workspace: Uuid,
        token: &str,
    ) -> domain::Result<Verdict> {
        let mut budgets = Vec::with_capacity(2);
        if self.per_token > 0 {
            budgets.push(Budget {
                bucket_key: token.to_owned(),
                per_window: self.per_token,
            });
        }
        if self.per_workspace > 0 {
            budgets.push(Budget {
                bucket_key: WORKSPACE_KEY.to_owned(),
                per_window: self.per_workspace,
            });
        }
        if budgets.is_empty() {
            return Ok(Verdict::Allowed);
        }
        let now = Utc::now();
        let window = rate_limits::window_start(now, WINDOW_SECONDS);
        // On SQLite this takes the store's writer lock, so the upserts never meet another
        // writer's transaction half-way; no other lock is held here, so it cannot deadlock.
        // Counters are not tenant data (no row-level security): the sweep spans workspaces.
        let tx = store.begin_platform_write().await?;
        let spent = rate_limits::spend(&*tx, workspace, &budgets, now, WINDOW_SECONDS).await?;
        let previous = self.swept_window.swap(window, Ordering::Relaxed);
        if previous != window {
            let removed = rate_limits::delete_windows_before(&*tx, window - WINDOW_SECONDS).await?;
            tracing::debug!(removed, "expired rate-limit windows deleted");
        }
        tx.commit().await?;
        Ok(match spent {
            Spent::Allowed => Verdict::Allowed,
            Spent::Exceeded {
                bucket_key,
                retry_after_seconds,
            } => Verdict::Limited {
                scope: if bucket_key == WORKSPACE_KEY {
                    Scope::Workspace
                } else {
                    Scope::Token
                },
                retry_after: Duration::from_secs(retry_after_seconds),
            },
        })
    }
}
