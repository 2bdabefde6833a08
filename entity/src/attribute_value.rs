use sea_orm::entity::prelude::*;

/// One filterable value of a fact sheet attribute (several for a multi-select), derived from
/// `fact_sheets.attributes` on every write.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "attribute_values")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fact_sheet_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub ordinal: i32,
    pub value_text: Option<String>,
    #[sea_orm(column_type = "Double", nullable)]
    pub value_number: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
