use sea_orm_migration::prelude::*;

use crate::{drop_index, index};

/// Fact sheet lists filtered by subscription: "what alice subscribes to" reads one user's
/// subscriptions, "what nobody is accountable for" one role's. The only other index starts
/// with the fact sheet, so either question read every subscription of the workspace.
#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [&[&str]; 2] = [
    &["workspace_id", "subject", "role", "fact_sheet_id"],
    &["workspace_id", "role", "fact_sheet_id"],
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for columns in INDEXES {
            manager
                .create_index(index("subscriptions", columns).if_not_exists().to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for columns in INDEXES {
            manager
                .drop_index(drop_index("subscriptions", columns))
                .await?;
        }
        Ok(())
    }
}
