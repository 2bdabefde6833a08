use sea_orm::entity::prelude::*;

/// An incident opened or resolved; `change_ids` is a JSON array of strings.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_facts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub source: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub time: DateTimeUtc,
    pub incident_id: String,
    pub kind: String,
    pub deployment_id: Option<String>,
    #[sea_orm(column_type = "Json")]
    pub change_ids: Json,
    /// The ingestion that stored it (`None` for rows stored before ingestions were stamped).
    pub ingest_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
