use sea_orm_migration::{prelude::*, schema::*};

use crate::{index, m20261122_000030_enable_row_level_security::isolate_tenant_table, primary_key};

/// The components of each artifact's newest SBOM. `ecosystem` and `package` are the package's
/// name in OSV's terms (derived from the purl), so matching an advisory and answering "who uses
/// this package" are one index range each; both are empty for a component without a purl.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("components")
                    .col(uuid("workspace_id"))
                    .col(uuid("id"))
                    .col(uuid("fact_sheet_id"))
                    .col(text_null("purl"))
                    .col(string_null("ecosystem"))
                    .col(text_null("package"))
                    .col(text("name"))
                    .col(text_null("group_name"))
                    .col(text_null("version"))
                    .col(string("kind"))
                    .col(string_null("scope"))
                    .col(json_binary("licenses"))
                    .col(boolean("direct"))
                    .col(json_binary("hashes"))
                    .primary_key(&mut primary_key(&["workspace_id", "id"]))
                    .to_owned(),
            )
            .await?;
        // An artifact's components, paged by id; and every component of one package, with
        // what matching and usage read, so neither visits the table.
        for columns in [
            &["workspace_id", "fact_sheet_id", "id"][..],
            &[
                "workspace_id",
                "ecosystem",
                "package",
                "version",
                "fact_sheet_id",
                "id",
            ],
        ] {
            manager.create_index(index("components", columns)).await?;
        }
        isolate_tenant_table(manager, "components").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("components").to_owned())
            .await
    }
}
