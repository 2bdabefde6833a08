use sea_orm::entity::prelude::*;

/// A deployment event; `change_ids` is a JSON array of strings.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "deployment_facts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub source: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub time: DateTimeUtc,
    pub deployment_id: String,
    pub environment: String,
    pub status: String,
    #[sea_orm(column_type = "Json")]
    pub change_ids: Json,
    /// The ingestion that stored it (`None` for rows stored before ingestions were stamped).
    pub ingest_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
