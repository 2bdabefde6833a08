use sea_orm::entity::prelude::*;

/// An OSV advisory, private to a workspace or shared (the nil workspace id).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "advisories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    /// The OSV id (`GHSA-jfh8-c2jp-5v3q`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// JSON array of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub aliases: Json,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    pub severity: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub cvss_vector: Option<String>,
    pub modified: Option<DateTimeUtc>,
    /// The OSV record as it was given.
    #[sea_orm(column_type = "JsonBinary")]
    pub document: Json,
    pub stored_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
