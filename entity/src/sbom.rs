use sea_orm::entity::prelude::*;

/// The SBOM an artifact's component set came from, with its counts.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sboms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fact_sheet_id: Uuid,
    /// `cyclonedx-json`, `cyclonedx-xml` or `spdx-json`.
    pub format: String,
    pub spec_version: String,
    pub uploaded_at: DateTimeUtc,
    pub uploaded_by: String,
    pub component_count: i32,
    pub direct_count: i32,
    /// Distinct licence expressions.
    pub license_count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
