use sea_orm_migration::prelude::*;

use crate::{drop_index, index};

/// Relations of one fact sheet in id order, from either end. A traversal level reads one page
/// per fact sheet (`ORDER BY id LIMIT n` per end on PostgreSQL); with these indexes that is a
/// short index range per fact sheet however many relations a popular node has, instead of
/// reading and sorting all of them.
#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [&[&str]; 2] = [
    &["workspace_id", "from_id", "id"],
    &["workspace_id", "to_id", "id"],
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for columns in INDEXES {
            manager
                .create_index(index("relations", columns).if_not_exists().to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for columns in INDEXES {
            manager.drop_index(drop_index("relations", columns)).await?;
        }
        Ok(())
    }
}
