//! sea-orm entities: one module per table, rows only. Business rules live in `domain`.

pub mod api_token;
pub mod attribute_value;
pub mod change;
pub mod change_fact;
pub mod deployment_fact;
pub mod event;
pub mod event_version;
pub mod external_id;
pub mod fact_sheet;
pub mod fact_sheet_tag;
pub mod feature_usage;
pub mod incident_fact;
pub mod inventory_version;
pub mod meta_model_version;
pub mod rate_limit_window;
pub mod relation;
pub mod subscription;
pub mod tag;
pub mod tag_group;
pub mod webhook_secret;
pub mod work_item_fact;
pub mod workspace;
pub mod workspace_feature;
