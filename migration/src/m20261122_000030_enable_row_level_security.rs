use sea_orm_migration::prelude::*;

/// Row-level security on every tenant table (PostgreSQL only; SQLite has none and is a
/// single-tenant-per-file embedded store in practice). A row is visible and writable only while
/// the transaction's `wayfinder.workspace_id` setting names its workspace, `FORCE` makes that
/// hold for the tables' owner too, and the server switches to the role `wayfinder_app`, which
/// is neither superuser nor `BYPASSRLS`. So a query that forgets its workspace filter finds
/// nothing foreign, and a statement outside a scoped transaction finds nothing at all.
///
/// Tenant tables are found, not listed: every table with a `workspace_id` column except the
/// ones in [`NOT_TENANT_DATA`]. A test checks that every such table has the policy, so a table
/// added later without it fails the build.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables with a `workspace_id` column that hold no tenant data: counters of the rate limiter
/// (shared by replicas, keyed by workspace but never read back to a client).
pub const NOT_TENANT_DATA: &[&str] = &["rate_limit_windows"];

/// The role the server runs as (see `domain::db::StoreOptions::tenant_role`).
pub const APP_ROLE: &str = "wayfinder_app";

/// The policy every tenant table gets, as the body of a PL/pgSQL `format` string (quotes
/// doubled); `%I` is the table.
const POLICY: &str = "CREATE POLICY tenant_isolation ON %I
    USING (workspace_id = NULLIF(current_setting(''wayfinder.workspace_id'', true), '''')::uuid)
    WITH CHECK (workspace_id = NULLIF(current_setting(''wayfinder.workspace_id'', true), '''')::uuid)";

/// Row-level security for a tenant table created by a later migration (PostgreSQL; nothing on
/// SQLite). Grants come from the default privileges set here.
pub(crate) async fn isolate_tenant_table(
    manager: &SchemaManager<'_>,
    table: &str,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "DO $$ BEGIN
                EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', '{table}');
                EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', '{table}');
                EXECUTE format('{POLICY}', '{table}');
            END $$"
        ))
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        let excluded = NOT_TENANT_DATA
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let db = manager.get_connection();
        // Roles are cluster-wide and test databases migrate concurrently: tolerate a race.
        db.execute_unprepared(&format!(
            "DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                    CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "DO $$ DECLARE s text := current_schema(); BEGIN
                EXECUTE format('GRANT USAGE ON SCHEMA %I TO {APP_ROLE}', s);
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO {APP_ROLE}', s);
                EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}', s);
            END $$"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "DO $$ DECLARE t text; BEGIN
                FOR t IN SELECT c.table_name FROM information_schema.columns c
                         JOIN information_schema.tables tb
                           ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
                         WHERE c.table_schema = current_schema() AND c.column_name = 'workspace_id'
                           AND tb.table_type = 'BASE TABLE' AND c.table_name NOT IN ({excluded})
                LOOP
                    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
                    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
                    EXECUTE format('{POLICY}', t);
                END LOOP;
            END $$"
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
            .execute_unprepared(
                "DO $$ DECLARE t text; BEGIN
                    FOR t IN SELECT tablename FROM pg_policies
                             WHERE schemaname = current_schema() AND policyname = 'tenant_isolation'
                    LOOP
                        EXECUTE format('DROP POLICY tenant_isolation ON %I', t);
                        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
                        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
                    END LOOP;
                END $$",
            )
            .await?;
        Ok(())
    }
}
