//! Reading metric inputs from storage: the facts ingestion wrote, per fact table, for a set of
//! event sources. The engine never touches the database; this is the only place metrics read it.
//!
//! These reads take a workspace id, not a [`Principal`](crate::principal::Principal): they sit
//! below the check. [`super::for_fact_sheet`] is the service that checks the caller and then
//! loads; the loads stay public for trusted callers that compare them with each other.

mod every_fact;
mod json_text;
mod window_facts;

pub use every_fact::{Needs, load_facts};
pub use window_facts::load_window_facts;
