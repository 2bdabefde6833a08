use sea_orm_migration::prelude::*;

/// `wayfinder_enter_workspace(uuid)` (PostgreSQL only): scopes the current transaction to a
/// live workspace for row-level security, or fails with SQLSTATE [`NOT_LIVE`] when the
/// workspace does not exist or was deleted.
///
/// A function rather than a bare `SELECT set_config(…) FROM workspaces WHERE …` because it can
/// travel in one simple-protocol message with `BEGIN`, where a statement's rows are not read:
/// the answer has to be an error, which also stops the `BEGIN` after it.
/// That saves every request one round trip to the database (see `domain::db::scoped_transaction`).
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The SQLSTATE a workspace that is not live raises (class `WF`, not used by PostgreSQL).
const NOT_LIVE: &str = "WF401";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION wayfinder_enter_workspace(workspace uuid) RETURNS void
                 LANGUAGE plpgsql AS $$
                 BEGIN
                     IF NOT EXISTS (SELECT 1 FROM workspaces WHERE id = workspace AND deleted_at IS NULL) THEN
                         RAISE EXCEPTION 'workspace % is not live', workspace USING ERRCODE = '{NOT_LIVE}';
                     END IF;
                     PERFORM set_config('wayfinder.workspace_id', workspace::text, true);
                 END
                 $$"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("DROP FUNCTION IF EXISTS wayfinder_enter_workspace(uuid)")
            .await?;
        Ok(())
    }
}
