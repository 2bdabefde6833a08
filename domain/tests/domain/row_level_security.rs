//! PostgreSQL row-level security: the second wall between tenants. These tests issue queries
//! that deliberately forget the workspace filter, through the restricted role the server uses,
//! and show the database itself returns nothing foreign. (SQLite has no row-level security; the
//! tests return early there, and tenant isolation is covered by the domain filters and the
//! canary test in `api`.)

use domain::{
    Principal,
    db::{Store, StoreOptions},
    fact_sheets::{self, NewFactSheet},
};
use migration::m20261122_000030_enable_row_level_security::{APP_ROLE, NOT_TENANT_DATA};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};

use crate::support::World;

async fn seed(w: &World, who: &Principal, names: &[&str]) {
    let model = domain::meta_model_versions::current(w.db.conn(), who)
        .await
        .unwrap()
        .model;
    for name in names {
        fact_sheets::create(
            w.db.conn(),
            who,
            &model,
            NewFactSheet {
                fact_sheet_type: "SoftwareArtifact".into(),
                name: (*name).into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
}

async fn restricted_store(w: &World) -> Store {
    Store::connect(
        &w.db.url,
        &StoreOptions {
            tenant_role: Some(APP_ROLE.into()),
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap()
}

async fn names(db: &impl ConnectionTrait) -> Vec<String> {
    // No workspace filter on purpose.
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT name FROM fact_sheets ORDER BY name",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect()
}

#[tokio::test]
async fn a_query_without_a_workspace_filter_sees_only_the_scoped_workspace() {
    let w = World::new().await;
    if !w.db.is_postgres() {
        return;
    }
    let other = w.other_workspace().await;
    seed(&w, &w.admin, &["acme-billing", "acme-ledger"]).await;
    seed(&w, &other, &["globex-radar"]).await;
    let store = restricted_store(&w).await;

    let acme = store.tenant(w.admin.workspace_id).await.unwrap();
    assert_eq!(names(&acme).await, ["acme-billing", "acme-ledger"]);
    let globex = store.tenant(other.workspace_id).await.unwrap();
    assert_eq!(names(&globex).await, ["globex-radar"]);
    // Outside a scoped transaction the policies match nothing: forgetting the scope fails closed.
    assert!(names(store.connection()).await.is_empty());
}

#[tokio::test]
async fn writes_cannot_reach_or_create_another_workspaces_rows() {
    let w = World::new().await;
    if !w.db.is_postgres() {
        return;
    }
    let other = w.other_workspace().await;
    seed(&w, &w.admin, &["acme-billing"]).await;
    seed(&w, &other, &["globex-radar"]).await;
    let store = restricted_store(&w).await;

    let tx = store.begin_write(other.workspace_id).await.unwrap();
    let updated = tx
        .execute_unprepared("UPDATE fact_sheets SET name = 'pwned'")
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 1, "only globex's own row");
    let deleted = tx
        .execute_unprepared("DELETE FROM relations")
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    tx.commit().await.unwrap();
    assert_eq!(
        names(&store.tenant(w.admin.workspace_id).await.unwrap()).await,
        ["acme-billing"]
    );

    // A row claiming acme's workspace, written in globex's scope, violates the policy.
    let tx = store.begin_write(other.workspace_id).await.unwrap();
    let forged = tx
        .execute_raw(Statement::from_sql_and_values(
            tx.get_database_backend(),
            "INSERT INTO tag_groups (workspace_id, id, name, mode) VALUES ($1, gen_random_uuid(), 'forged', 'MULTIPLE')",
            [w.admin.workspace_id.into()],
        ))
        .await;
    assert!(
        forged.is_err(),
        "a row for another workspace must be refused"
    );
}

#[tokio::test]
async fn the_server_role_is_restricted_and_every_tenant_table_is_forced() {
    let w = World::new().await;
    if !w.db.is_postgres() {
        return;
    }
    let store = restricted_store(&w).await;
    let tx = store.connection().begin().await.unwrap();
    let role = tx
        .query_one_raw(Statement::from_string(
            tx.get_database_backend(),
            "SELECT current_user::text AS name, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(role.try_get::<String>("", "name").unwrap(), APP_ROLE);
    assert!(!role.try_get::<bool>("", "rolsuper").unwrap());
    assert!(!role.try_get::<bool>("", "rolbypassrls").unwrap());

    let rows = w
        .db
        .conn()
        .query_all_raw(Statement::from_string(
            w.db.conn().get_database_backend(),
            "SELECT c.relname::text AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                    EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.schemaname = current_schema()) AS has_policy
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind = 'r'
               AND EXISTS (SELECT 1 FROM information_schema.columns col
                           WHERE col.table_schema = n.nspname AND col.table_name = c.relname
                             AND col.column_name = 'workspace_id')",
        ))
        .await
        .unwrap();
    let mut checked = 0;
    for row in rows {
        let name: String = row.try_get("", "name").unwrap();
        if NOT_TENANT_DATA.contains(&name.as_str()) {
            continue;
        }
        let flags: (bool, bool, bool) = (
            row.try_get("", "enabled").unwrap(),
            row.try_get("", "forced").unwrap(),
            row.try_get("", "has_policy").unwrap(),
        );
        assert_eq!(flags, (true, true, true), "row-level security on `{name}`");
        checked += 1;
    }
    assert!(checked >= 14, "only {checked} tenant tables found");
}
