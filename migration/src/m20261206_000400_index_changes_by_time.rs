use sea_orm_migration::prelude::*;

use crate::{drop_index, index};

/// The workspace-wide change feed reads the newest changes first, and the landscape at a past
/// date reads the changes made after it. The primary key starts with the fact sheet, so both
/// questions read every change of the workspace; this index answers them with one range, in
/// the feed's order (time, then fact sheet and revision as tie breakers).
#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &[&str] = &["workspace_id", "at", "fact_sheet_id", "revision"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index("changes", COLUMNS).if_not_exists().to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(drop_index("changes", COLUMNS)).await
    }
}
