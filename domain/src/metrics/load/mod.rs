//! Reading metric inputs from storage: the facts ingestion wrote, per fact table, for a set of
//! event sources. The engine never touches the database; this is the only place metrics read it.
//!
//! These reads take a workspace id, not a [`Principal`](crate::principal::Principal): they sit
//! below the check. The metric services check the caller and then load; the loads stay public
//! as a deliberate entry point for trusted callers (tests that compare the two loads).

mod every_fact;
mod json_text;
mod left_out;
mod new_facts;
mod window_facts;

pub(super) use every_fact::scanner_events;
pub use every_fact::{Needs, load_facts};
pub(super) use left_out::LeftOut;
pub(super) use new_facts::load_new_facts;
pub use window_facts::load_window_facts;
pub(super) use window_facts::{changes_named, load_window_facts_and_left_out};
