//! What an SBOM upload and an advisory import answer with, as JSON: the body of `POST /sbom`
//! and `POST /advisories`, and what `wayfinder sbom upload` prints, written in one place.

use domain::supply_chain::{advisories::AdvisoryImportSummary, components::SbomSummary};
use serde_json::{Value, json};

/// `{"factSheetId", "components", "direct", "licenses", "vulnerabilities"}`, as the contract
/// names them.
pub fn sbom(summary: &SbomSummary) -> Value {
    json!({
        "factSheetId": summary.fact_sheet_id,
        "components": summary.components,
        "direct": summary.direct,
        "licenses": summary.licenses,
        "vulnerabilities": summary.vulnerabilities,
    })
}

/// `{"advisories", "opened", "resolved"}`: advisories stored, and the (component, advisory)
/// matches they opened and resolved.
pub fn advisories(summary: &AdvisoryImportSummary) -> Value {
    json!({
        "advisories": summary.advisories,
        "opened": summary.opened,
        "resolved": summary.resolved,
    })
}
