//! Rate-limit budgets counted in the database, so that every API replica spends the same
//! budget: one row per budget and fixed window, bumped by one atomic upsert per request.
//!
//! Fixed windows are what a single `INSERT … ON CONFLICT DO UPDATE … RETURNING` can keep
//! exact under concurrency, on PostgreSQL and SQLite alike, without reading first. Their known
//! weakness, up to twice the budget across a window boundary, is bounded and accepted.

use chrono::{DateTime, Utc};
use entity::rate_limit_window::{Column, Entity};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use uuid::Uuid;

use crate::error::Result;

/// One budget: at most `per_window` requests per window under `bucket_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub bucket_key: String,
    pub per_window: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spent {
    Allowed,
    /// The first budget that was over; the client may retry once its window ends.
    Exceeded {
        bucket_key: String,
        retry_after_seconds: u64,
    },
}

/// The start (Unix seconds) of the window of `window_seconds` that contains `now`.
pub fn window_start(now: DateTime<Utc>, window_seconds: i64) -> i64 {
    now.timestamp().div_euclid(window_seconds) * window_seconds
}

/// Counts one request against each budget in order and stops at the first one that is over:
/// a token over its own budget must not also use up its workspace's, or one noisy client would
/// lock out its colleagues. A refused request still counts against the budget it hit, so a
/// client that keeps hammering stays refused until the window ends.
pub async fn spend(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    budgets: &[Budget],
    now: DateTime<Utc>,
    window_seconds: i64,
) -> Result<Spent> {
    let start = window_start(now, window_seconds);
    for budget in budgets {
        let count = count_request(db, workspace_id, &budget.bucket_key, start).await?;
        if count > i64::from(budget.per_window) {
            let retry = Ord::max(start + window_seconds - now.timestamp(), 1);
            return Ok(Spent::Exceeded {
                bucket_key: budget.bucket_key.clone(),
                retry_after_seconds: retry as u64,
            });
        }
    }
    Ok(Spent::Allowed)
}

/// Adds one request to a window and returns its count, this request included. One statement,
/// atomic on both databases: concurrent replicas never lose an increment.
pub async fn count_request(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    bucket_key: &str,
    window_start: i64,
) -> Result<i64> {
    let statement = Query::insert()
        .into_table(Entity)
        .columns([
            Column::WorkspaceId,
            Column::BucketKey,
            Column::WindowStart,
            Column::Count,
        ])
        .values_panic([
            workspace_id.into(),
            bucket_key.into(),
            window_start.into(),
            1i64.into(),
        ])
        .on_conflict(
            OnConflict::columns([Column::WorkspaceId, Column::BucketKey, Column::WindowStart])
                .value(Column::Count, Expr::col((Entity, Column::Count)).add(1))
                .to_owned(),
        )
        .returning_col(Column::Count)
        .to_owned();
    let row = db.query_one(&statement).await?.ok_or_else(|| {
        crate::error::Error::Internal("the rate-limit upsert returned no row".into())
    })?;
    Ok(row.try_get("", "count")?)
}

/// Deletes the windows that started before `before` (every workspace's: the caller is the
/// limiter's housekeeping, not a tenant). Returns how many rows went.
pub async fn delete_windows_before(db: &impl ConnectionTrait, before: i64) -> Result<u64> {
    let result = Entity::delete_many()
        .filter(Column::WindowStart.lt(before))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn windows_are_aligned() {
        let t = Utc.timestamp_opt(1_700_000_059, 0).unwrap();
        assert_eq!(window_start(t, 60), 1_700_000_040);
        assert_eq!(window_start(t, 1), 1_700_000_059);
    }
}
