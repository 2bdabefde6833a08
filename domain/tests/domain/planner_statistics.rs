//! Refreshing the planner's statistics after a bulk write: an `ANALYZE` of the named tables on
//! PostgreSQL, nothing on SQLite.

use domain::{db::StatisticsRefresher, exchange::IMPORTED_TABLES};
use sea_orm::{ConnectionTrait, Statement};

use crate::support::World;

async fn one_number(w: &World, sql: &str) -> i64 {
    let statement = Statement::from_string(w.db.conn().get_database_backend(), sql);
    let row = w.db.conn().query_one_raw(statement).await.unwrap();
    row.expect("one row").try_get_by_index(0).unwrap()
}

#[tokio::test]
async fn a_refresh_analyzes_each_named_table_on_postgresql_and_leaves_sqlite_alone() {
    let w = World::new().await;
    let refresher = StatisticsRefresher::new(&w.db.store);
    if w.db.is_postgres() {
        let count = "SELECT coalesce(sum(analyze_count), 0)::bigint FROM pg_stat_user_tables \
                     WHERE relname IN ('fact_sheets', 'relations', 'attribute_values', \
                     'external_ids', 'fact_sheet_tags', 'subscriptions')";
        let before = one_number(&w, count).await;
        refresher.refresh(IMPORTED_TABLES).await.unwrap();
        let mut after = one_number(&w, count).await;
        for _ in 0..50 {
            if after >= before + IMPORTED_TABLES.len() as i64 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            after = one_number(&w, count).await;
        }
        assert!(
            after >= before + IMPORTED_TABLES.len() as i64,
            "every imported table analyzed once ({before} → {after})"
        );
    } else {
        refresher.refresh(IMPORTED_TABLES).await.unwrap();
        let stat_tables = "SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_stat%'";
        assert_eq!(one_number(&w, stat_tables).await, 0, "no ANALYZE on SQLite");
    }
}
