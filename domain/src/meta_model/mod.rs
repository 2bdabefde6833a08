//! The per-workspace meta model as a value: which fact sheet types exist, what attributes they
//! carry, how they may relate and which bands rate their metrics. Pure definitions and checks;
//! storing and changing a workspace's model is the business of `meta_model_versions`, above.

mod bands;
mod consistency;
mod defaults;
mod model;
mod version;

pub use bands::{Bands, DEFAULT_BANDS_VERSION, DeploymentFrequencyBands, DurationBands, RateBands};
pub use consistency::check_consistency;
pub(crate) use consistency::{KEY_RULE, is_valid_key};
pub use defaults::default_meta_model;
pub use model::*;
pub use version::MetaModelVersion;
