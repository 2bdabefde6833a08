//! Reports: questions asked of the whole landscape at once. They share two words: a
//! [`RelationPath`] walks from a fact sheet to the fact sheets related to it (the owning Team of
//! an artifact, the cloud resources it runs on), and a [`Figure`] is one number of a fact
//! sheet's DORA or Flow metrics.

mod figure;
mod path;

pub use figure::Figure;
pub use path::{MAX_PATH_STEPS, RelationPath, RelationStep};

pub mod as_of;
pub mod as_of_list;
pub mod change_feed;
pub mod landscape_diff;
