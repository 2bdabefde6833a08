//! Relations: the typed, directed edges between fact sheets, validated against their relation
//! type and traversable from both ends.

mod read;
mod window;
mod window_cache;
mod write;

pub use read::{for_fact_sheets, get};
pub use window::{Direction, FarEnds, RelationSlice, RelationWindow, windows_for};
pub use window_cache::WindowCache;
pub use write::{NewRelation, RelationPatch, create, delete, update};
pub(crate) use write::{changes_nothing, check_period, described};
pub(crate) use write::{delete_recorded, replace_attributes_forced};

pub type Relation = entity::relation::Model;
