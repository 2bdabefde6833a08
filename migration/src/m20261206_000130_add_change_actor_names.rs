use sea_orm_migration::{prelude::*, schema::*};

/// The name a change's author went by when it was made, for authors whose subject is not a
/// readable name (an API token's `apitoken:<id>`). Kept with the change rather than looked up
/// on reading, so the history still names a token after it is revoked or expires.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("changes")
                    .add_column(text_null("actor_name"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("changes")
                    .drop_column("actor_name")
                    .to_owned(),
            )
            .await
    }
}
