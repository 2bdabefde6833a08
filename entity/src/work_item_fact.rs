use sea_orm::entity::prelude::*;

/// A work item state transition for Flow metrics.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "work_item_facts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub source: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub time: DateTimeUtc,
    pub item_id: String,
    pub item_type: String,
    pub state: String,
    /// The ingestion that stored it (`None` for rows stored before ingestions were stamped).
    pub ingest_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
