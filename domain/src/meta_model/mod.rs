//! The per-workspace meta model: which fact sheet types exist, what attributes they carry and
//! how they may relate. It is data, versioned in the database, and changed at runtime.

mod cache;
mod consistency;
mod defaults;
mod edit;
mod impact;
mod model;
mod store;

pub use cache::MetaModelCache;
pub use consistency::check_consistency;
pub use defaults::default_meta_model;
pub use edit::{AttributeOwner, MetaModelEdit};
pub use impact::Impact;
pub use model::*;
pub use store::{
    MetaModelChange, MetaModelVersion, apply_edit, current, history, install_default, version,
};
