//! The Events API's domain side: CloudEvents (already parsed by the API) are checked against
//! the vocabulary of `metrics.md`, stored with their normalised facts, listed per fact sheet and
//! loaded back as metric inputs.

mod facts;
mod ingest;
mod json_text;
mod list;
mod validate;
mod vocabulary;
mod window_facts;

pub use facts::{Needs, load_facts};
pub use ingest::{IngestResult, ingest};
pub use list::{StoredEvent, list_for_fact_sheet};
pub use validate::{Fact, IncomingEvent, Rejection, ValidEvent, validate};
pub use vocabulary::{EventKind, kind_of};
pub use window_facts::load_window_facts;
