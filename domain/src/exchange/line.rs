//! The parts of an NDJSON line shared by export and import.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::external_ids::ExternalId;

/// Names a fact sheet: by its id in the workspace, or by one of its external IDs. The external
/// ID is boxed so that a reference takes 24 bytes, not 48: an import holds two for each of
/// hundreds of thousands of relation lines, and nearly all name their ends by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Ref {
    Id(Uuid),
    ExternalId(Box<ExternalId>),
}

impl From<ExternalId> for Ref {
    fn from(id: ExternalId) -> Self {
        Ref::ExternalId(Box::new(id))
    }
}
