//! Workspace features, as in LeanIX's workspace administration: each workspace has an edition
//! (a bundle of defaults), a platform operator may override single features (status, quota),
//! and the services ask here before doing gated or metered work. A disabled feature is
//! [`crate::error::Error::FeatureDisabled`] (FORBIDDEN with the feature id); a used-up quota is
//! [`crate::error::Error::QuotaExhausted`] (LIMIT_EXCEEDED).

mod catalog;
mod enforce;
mod gate;
mod settings;
mod usage;

pub use catalog::{Edition, Feature, FeatureStatus};
pub use enforce::{consume_daily, require_enabled, require_within_total};
pub use gate::GateOnce;
pub use settings::{FeatureSetting, Setting, effective, for_workspace, set, set_edition};
