use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use super::{TokenSecret, stored};
use crate::{
    error::{Error, Result},
    features::{self, Feature},
    principal::Role,
    workspaces::{self, Workspace},
};
use entity::api_token;

/// What redeeming an API token yields: the workspace and role an access token may be minted
/// for, and the API token's own expiry, which the access token must not outlive.
#[derive(Debug, Clone)]
pub struct Grant {
    pub workspace_id: Uuid,
    pub workspace_slug: String,
    pub token_id: Uuid,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// Why a presented API token was refused. Only the security log sees it; the client learns
/// nothing that would help it probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    Malformed,
    UnknownWorkspace,
    UnknownToken,
    WrongSecret,
    Revoked,
    Expired,
}

impl RefusalReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::Malformed => "malformed api token",
            RefusalReason::UnknownWorkspace => "unknown or deleted workspace",
            RefusalReason::UnknownToken => "unknown api token",
            RefusalReason::WrongSecret => "api token secret does not match",
            RefusalReason::Revoked => "api token revoked",
            RefusalReason::Expired => "api token expired",
        }
    }
}

/// A refusal is an expected outcome, not an error: errors are reserved for the database.
#[derive(Debug)]
pub enum Redemption {
    Granted(Grant),
    /// Refused; `workspace` (the slug) and `token_id` are set when the token named existing
    /// ones, for the security log.
    Refused {
        reason: RefusalReason,
        workspace: Option<String>,
        token_id: Option<Uuid>,
    },
}

/// Checks a presented API token and records its use. Run it in a write transaction not yet
/// scoped to a workspace (the token names it): the only write is `last_used_at`, and only for
/// a granted token.
///
/// Every well-formed token costs the same work before it is refused, whatever is wrong with
/// it: the same statements (see [`look_up`]) and one digest compared in constant time, against
/// a stand-in when nothing was found. Refusing an unknown workspace after one statement answered
/// measurably faster than refusing a known one, which told a prober which workspace ids exist.
pub async fn redeem(
    db: &impl ConnectionTrait,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<Redemption> {
    let refused = |reason, workspace, token_id| {
        Ok(Redemption::Refused {
            reason,
            workspace,
            token_id,
        })
    };
    let Some(token) = TokenSecret::parse(presented) else {
        return refused(RefusalReason::Malformed, None, None);
    };
    let (workspace, row) = look_up(db, &token).await?;
    let secret_matches = token.matches(row.as_ref().map_or(NO_DIGEST, |row| &row.token_hash));
    let Some(workspace) = workspace else {
        return refused(RefusalReason::UnknownWorkspace, None, None);
    };
    let Some(row) = row else {
        return refused(RefusalReason::UnknownToken, Some(workspace.slug), None);
    };
    let reason = if !secret_matches {
        Some(RefusalReason::WrongSecret)
    } else if row.revoked_at.is_some() {
        Some(RefusalReason::Revoked)
    } else if row.expires_at <= now {
        Some(RefusalReason::Expired)
    } else {
        None
    };
    if let Some(reason) = reason {
        return refused(reason, Some(workspace.slug), Some(row.id));
    }
    let role: Role = row
        .role
        .parse()
        .map_err(|e: String| Error::Internal(format!("api token {}: {e}", row.id)))?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(stored(now)))
        .filter(api_token::Column::WorkspaceId.eq(workspace.id))
        .filter(api_token::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(Redemption::Granted(Grant {
        workspace_id: workspace.id,
        workspace_slug: workspace.slug,
        token_id: row.id,
        role,
        expires_at: row.expires_at,
    }))
}

/// What a token's digest is compared with when no stored one was found. No token hashes to it.
const NO_DIGEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The live workspace a token names and its row there. A workspace that is not there costs the
/// same statements as one that is: the transaction is scoped (to no workspace), the feature
/// setting and the row are asked for all the same, and their answers are dropped.
async fn look_up(
    db: &impl ConnectionTrait,
    token: &TokenSecret,
) -> Result<(Option<Workspace>, Option<api_token::Model>)> {
    let workspace = workspaces::find_live_by_id(db, token.workspace_id()).await?;
    match &workspace {
        // The token names its workspace: scope the transaction to it (row-level security).
        Some(workspace) => {
            crate::db::enter_workspace(db, workspace.id).await?;
            features::require_enabled(db, workspace.id, Feature::ApiTokens).await?;
        }
        None => {
            crate::db::enter_no_workspace(db).await?;
            match features::require_enabled(db, token.workspace_id(), Feature::ApiTokens).await {
                Ok(_) | Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let row = api_token::Entity::find_by_id((token.workspace_id(), token.id()))
        .one(db)
        .await?
        .filter(|_| workspace.is_some());
    Ok((workspace, row))
}

/// Whether API token `id` may still act: it exists, is not revoked and has not expired. Checked
/// on every request of an access token minted for it, so revocation takes effect at once
/// rather than when the short-lived access token runs out.
pub async fn still_valid(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(api_token::Entity::find_by_id((workspace_id, id))
        .one(db)
        .await?
        .is_some_and(|row| row.revoked_at.is_none() && row.expires_at > now))
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use sea_orm::DatabaseConnection;
    use testkit::TestDb;

    use super::*;
    use crate::{
        api_tokens::{create, secret::DIGESTS},
        db::{StatementCounter, TenantConnection},
        principal::Principal,
    };

    /// The reason `presented` is refused for, the statements that took and the digests
    /// computed, on a connection that counts its statements.
    async fn refusal(
        conn: &DatabaseConnection,
        presented: &TokenSecret,
    ) -> (RefusalReason, usize, usize) {
        let counter = StatementCounter::new();
        let counted = TenantConnection::shared(conn.clone()).counting(counter.clone());
        let digests_before = DIGESTS.with(|count| count.get());
        let outcome = redeem(&counted, presented.expose(), Utc::now())
            .await
            .unwrap();
        let Redemption::Refused { reason, .. } = outcome else {
            panic!("granted: {outcome:?}");
        };
        (
            reason,
            counter.count(),
            DIGESTS.with(|count| count.get()) - digests_before,
        )
    }

    #[tokio::test]
    async fn every_refusal_of_a_well_formed_token_runs_the_same_statements_and_one_digest() {
        let db = TestDb::new().await;
        let conn = db.conn();
        let workspace = workspaces::create(conn, "acme", None, "test")
            .await
            .unwrap();
        let admin = Principal {
            workspace_id: workspace.id,
            workspace_slug: workspace.slug.clone(),
            subject: "alice@acme.test".into(),
            role: Role::Admin,
        };
        let created = create(
            conn,
            &admin,
            "ci",
            Role::Member,
            Utc::now() + Duration::days(1),
        )
        .await
        .unwrap();
        let gone = workspaces::create(conn, "gone", None, "test")
            .await
            .unwrap();
        workspaces::delete(conn, "gone").await.unwrap();

        let cases = [
            (
                TokenSecret::generate(workspace.id, created.api_token.id),
                RefusalReason::WrongSecret,
            ),
            (
                TokenSecret::generate(workspace.id, Uuid::now_v7()),
                RefusalReason::UnknownToken,
            ),
            (
                TokenSecret::generate(Uuid::now_v7(), created.api_token.id),
                RefusalReason::UnknownWorkspace,
            ),
            (
                TokenSecret::generate(gone.id, Uuid::now_v7()),
                RefusalReason::UnknownWorkspace,
            ),
        ];
        let mut work = Vec::new();
        for (presented, expected) in cases {
            let (reason, statements, digests) = refusal(conn, &presented).await;
            assert_eq!(reason, expected);
            assert_eq!(digests, 1, "{reason:?} computed {digests} digests");
            work.push((reason, statements));
        }
        let statements = work[0].1;
        assert!(statements >= 3, "{work:?}");
        assert!(
            work.iter().all(|(_, n)| *n == statements),
            "refusals ran different statement counts: {work:?}"
        );
    }
}
