use sea_orm::entity::prelude::*;

/// One component of an artifact's newest SBOM.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "components")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub fact_sheet_id: Uuid,
    #[sea_orm(column_type = "Text", nullable)]
    pub purl: Option<String>,
    /// OSV's ecosystem name (`Maven`, `npm`), when the purl maps to one.
    pub ecosystem: Option<String>,
    /// OSV's package name (`org.apache.logging.log4j:log4j-core`).
    #[sea_orm(column_type = "Text", nullable)]
    pub package: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub group_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub version: Option<String>,
    pub kind: String,
    pub scope: Option<String>,
    /// SPDX expressions, as a JSON array of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub licenses: Json,
    pub direct: bool,
    /// `[{"alg": "SHA-256", "value": "…"}]`.
    #[sea_orm(column_type = "JsonBinary")]
    pub hashes: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
