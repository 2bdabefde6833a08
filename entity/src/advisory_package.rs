use sea_orm::entity::prelude::*;

/// One `affected` entry of an advisory: the package it names and the entry itself.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "advisory_packages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub advisory_id: String,
    /// The entry's position in the advisory's `affected` list.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ordinal: i32,
    pub ecosystem: String,
    #[sea_orm(column_type = "Text")]
    pub package: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub affected: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
