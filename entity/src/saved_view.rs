use sea_orm::entity::prelude::*;

/// A saved view: a named filter, columns and order over fact sheets.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "saved_views")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The subject of the principal who created it.
    pub owner: String,
    pub name: String,
    /// `PRIVATE` or `WORKSPACE`.
    pub visibility: String,
    /// Filter, columns and order as the domain serialises them.
    #[sea_orm(column_type = "JsonBinary")]
    pub definition: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
