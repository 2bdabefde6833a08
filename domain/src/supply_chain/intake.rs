//! From documents to stored facts: an SBOM upload and an advisory import, each read by its
//! parser, put in the storage's terms (ecosystem and package keyed the one way matching expects)
//! and matched with OSV's evaluation. The endpoints and the CLI call these, nothing below them.

use serde_json::Value;
use uuid::Uuid;

use super::{
    advisories::{
        AdvisoryImportSummary, NewAdvisory, NewAdvisoryPackage, upsert_advisories,
        upsert_shared_advisories,
    },
    components::{ComponentHash, NewComponent, SbomSummary, replace_components},
    ecosystem::osv_package,
    osv::{AffectedPackage, parse_advisory},
    sbom::{self, Sbom, SbomFormat},
    verdict::Verdict,
};
use crate::{
    error::{Error, FieldError, Result},
    principal::Principal,
};
use sea_orm::ConnectionTrait;

/// Whether `version` lies in a stored affected entry: OSV's evaluation. An entry that no longer
/// reads (stored by an older release, say) cannot order anything, so its answer is unknown.
pub fn evaluate(_ecosystem: &str, affected: &Value, version: &str) -> Verdict {
    match AffectedPackage::from_json(affected) {
        Ok(entry) => entry.evaluate(version),
        Err(_) => Verdict::Unknown,
    }
}

/// The stored name of an SBOM format.
pub fn format_name(format: SbomFormat) -> &'static str {
    match format {
        SbomFormat::CycloneDxJson => "cyclonedx-json",
        SbomFormat::CycloneDxXml => "cyclonedx-xml",
        SbomFormat::SpdxJson => "spdx-json",
    }
}

/// The components of a parsed SBOM as storage takes them.
pub fn new_components(sbom: &Sbom) -> Vec<NewComponent> {
    sbom.components
        .iter()
        .map(|c| {
            let package = c.purl.as_deref().and_then(osv_package);
            NewComponent {
                purl: c.purl.clone(),
                ecosystem: package.as_ref().map(|(e, _, _)| e.as_osv().to_owned()),
                package: package.map(|(_, name, _)| name),
                name: c.name.clone(),
                group: c.group.clone(),
                version: c.version.clone(),
                kind: c.kind.clone(),
                scope: c.scope.clone(),
                licenses: c.licenses.clone(),
                direct: c.direct,
                hashes: c
                    .hashes
                    .iter()
                    .map(|h| ComponentHash {
                        alg: h.alg.clone(),
                        value: h.value.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Member: replaces software artifact `fact_sheet_id`'s components with those of the SBOM in
/// `body` and matches them. A document that does not read is refused with the path at fault,
/// and nothing is stored. Run it in a transaction.
pub async fn upload_sbom(
    db: &impl ConnectionTrait,
    principal: &Principal,
    fact_sheet_id: Uuid,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<SbomSummary> {
    crate::authz::require(principal, crate::authz::Action::WriteInventory)?;
    let sbom = sbom::parse(content_type, body).map_err(|e| Error::Invalid(vec![e]))?;
    replace_components(
        db,
        principal,
        fact_sheet_id,
        format_name(sbom.format),
        &sbom.spec_version,
        new_components(&sbom),
        evaluate,
    )
    .await
}

/// One OSV record as storage takes it; `document` is kept as given.
pub fn new_advisory(document: &Value) -> std::result::Result<NewAdvisory, FieldError> {
    let advisory = parse_advisory(document)?;
    Ok(NewAdvisory {
        id: advisory.id,
        aliases: advisory.aliases,
        summary: advisory.summary,
        severity: advisory.severity,
        cvss_vector: advisory.cvss_vector,
        modified: advisory.modified,
        document: document.clone(),
        packages: advisory
            .affected
            .iter()
            .map(|entry| NewAdvisoryPackage {
                ecosystem: entry.ecosystem.as_osv().to_owned(),
                package: entry.ecosystem.package_key(&entry.name),
                affected: entry.to_json(),
            })
            .collect(),
    })
}

/// The OSV records of a body that holds one record or an array of them; every bad record is
/// reported, an array's under its index (`2.affected.0.package`).
pub fn read_advisories(body: &Value) -> Result<Vec<NewAdvisory>> {
    let documents: Vec<(Option<usize>, &Value)> = match body {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Some(i), v))
            .collect(),
        one => vec![(None, one)],
    };
    let mut advisories = Vec::with_capacity(documents.len());
    let mut errors = Vec::new();
    for (index, document) in documents {
        match new_advisory(document) {
            Ok(a) => advisories.push(a),
            Err(e) => errors.push(match index {
                Some(i) => e.under(&i.to_string()),
                None => e,
            }),
        }
    }
    Error::check(errors)?;
    Ok(advisories)
}

/// Admin: stores the advisories of `body` (one OSV record or an array) privately to the
/// caller's workspace and matches them. Run it in a transaction.
pub async fn post_advisories(
    db: &impl ConnectionTrait,
    principal: &Principal,
    body: &Value,
) -> Result<AdvisoryImportSummary> {
    crate::authz::require(principal, crate::authz::Action::AdministerWorkspace)?;
    upsert_advisories(db, principal, read_advisories(body)?, evaluate).await
}

/// Platform operation: stores `advisories` as shared by every workspace and matches them (see
/// [`upsert_shared_advisories`] for the transaction it needs).
pub async fn import_shared_advisories(
    db: &impl ConnectionTrait,
    advisories: Vec<NewAdvisory>,
) -> Result<AdvisoryImportSummary> {
    upsert_shared_advisories(db, advisories, evaluate).await
}
