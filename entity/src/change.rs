use sea_orm::entity::prelude::*;

/// One revision of a fact sheet: who changed what, when, as a diff.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fact_sheet_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub revision: i32,
    pub kind: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub diff: Json,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    pub actor: String,
    /// Who `actor` was by name, when the subject is not readable itself (an API token's name
    /// at the time of the change).
    #[sea_orm(column_type = "Text", nullable)]
    pub actor_name: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
