//! The Events API's domain side: CloudEvents (already parsed by the API) are checked against
//! the vocabulary of `metrics.md`, stored with their normalised facts and listed per fact
//! sheet, or per source while no fact sheet links it. Reading the facts back as metric inputs
//! is the metrics' own business.

mod ingest;
mod list;
mod unlinked_sources;
mod validate;
mod vocabulary;

pub use ingest::{IngestResult, ingest};
pub use list::{StoredEvent, list_for_fact_sheet};
pub use unlinked_sources::{UnlinkedSource, count_unlinked_sources, list_unlinked_sources};
pub(crate) use validate::stored_fact;
pub use validate::{Fact, IncomingEvent, Rejection, ValidEvent, validate};
pub(crate) use vocabulary::types_of;
pub use vocabulary::{EventKind, kind_of};
