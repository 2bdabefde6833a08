//! Backstage catalog descriptors (`catalog-info.yaml`) as one more import format: each YAML
//! document becomes the lines an NDJSON import would have, numbered by its document, and then
//! goes through the same import, so modes, validation, history and the report are the same.
//! What Backstage says that the inventory has no place for (people, locations, references to
//! entities nobody imported) is a warning rather than a refusal: a catalog is imported as it
//! is, and what it lacks is listed.

mod documents;
mod entity_ref;
mod mapping;

use std::collections::{BTreeMap, HashSet};

use sea_orm::DatabaseTransaction;

use super::{
    import::import_lines,
    parse::ParsedBody,
    report::{ImportOptions, ImportReport, LineWarning},
};
use crate::{
    authz::{self, Action},
    error::Result,
    meta_model::MetaModel,
    principal::Principal,
};
use documents::Read;
use mapping::Catalog;

/// Imports the Backstage descriptors of the YAML `body` in `tx`, as
/// [`import_ndjson`](super::import_ndjson) does NDJSON; a report's `line` is a document's
/// 1-based index, and its `references` name each document's entity.
pub async fn import_backstage(
    tx: &DatabaseTransaction,
    principal: &Principal,
    model: &MetaModel,
    body: &str,
    options: ImportOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ImportReport> {
    authz::require(principal, Action::WriteInventory)?;
    let mut references = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut lines = Vec::new();
    let mut refused = Vec::new();
    let mut descriptors = Vec::new();
    for document in documents::split(body) {
        match documents::read(&document) {
            Read::Entity(descriptor) => {
                references.insert(document.index, descriptor.entity.to_string());
                descriptors.push(descriptor);
            }
            Read::Skipped { entity, kind } => {
                references.insert(document.index, entity.to_string());
                warnings.push(LineWarning {
                    line: document.index,
                    message: format!("{entity} is skipped: {kind} entities are not imported"),
                });
            }
            Read::Malformed { entity, errors } => {
                if let Some(entity) = entity {
                    references.insert(document.index, entity.to_string());
                }
                refused.extend(errors.into_iter().map(|e| (document.index, e)));
            }
        }
    }
    let catalog = Catalog {
        tx,
        principal,
        model,
        in_body: descriptors
            .iter()
            .map(|d| d.entity.clone())
            .collect::<HashSet<_>>(),
    };
    for descriptor in &descriptors {
        let mapped = catalog.map(descriptor).await?;
        lines.extend(mapped.lines);
        warnings.extend(mapped.warnings);
    }
    let body = ParsedBody::of(lines, refused);
    let mut report = import_lines(tx, principal, model, body, options, progress).await?;
    report.warnings.extend(warnings);
    report.warnings.sort_by_key(|w| w.line);
    report.references = references;
    Ok(report)
}
