//! A workspace's meta model as stored data: versions appended, never edited, read back (and
//! remembered by [`MetaModelCache`]), and changed by an admin's [`MetaModelEdit`] together with
//! the [`Impact`] the change has on the inventory. It sits above fact sheets and relations
//! because a forced change rewrites them.

mod cache;
mod edit;
mod impact;
mod option_rename;
mod store;

pub use cache::MetaModelCache;
pub use edit::{AttributeOwner, MetaModelEdit, OptionRename};
pub use impact::Impact;
pub use store::{MetaModelChange, apply_edit, current, history, install_default, version};
