//! SPDX 2.x JSON (2.3 and the 2.2 documents that are still common; the package fields kept here
//! did not change between them). Packages are the components; files and snippets are not.

use serde::Deserialize;

use super::{
    Found, SbomComponent, SbomFormat, SbomHash, finish, from_json, graph::DependencyGraph,
};
use crate::error::FieldError;

/// The document's own id, from which DESCRIBES relationships name the described packages.
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: String,
    #[serde(default)]
    document_describes: Vec<String>,
    #[serde(default)]
    packages: Vec<Package>,
    #[serde(default)]
    relationships: Vec<Relationship>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    version_info: Option<String>,
    license_concluded: Option<String>,
    license_declared: Option<String>,
    primary_package_purpose: Option<String>,
    #[serde(default)]
    external_refs: Vec<ExternalRef>,
    #[serde(default)]
    checksums: Vec<Checksum>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_type: String,
    reference_locator: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: String,
    checksum_value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: String,
    related_spdx_element: String,
}

/// How a relationship type reads as a dependency edge, if it is one.
enum Edge {
    /// `A DEPENDS_ON B`: A depends on B.
    Forward,
    /// `A DEPENDENCY_OF B`: B depends on A.
    Backward,
}

fn edge(relationship_type: &str) -> Option<Edge> {
    match relationship_type {
        "DEPENDS_ON" | "CONTAINS" | "STATIC_LINK" | "DYNAMIC_LINK" => Some(Edge::Forward),
        "CONTAINED_BY" => Some(Edge::Backward),
        // DEPENDENCY_OF and its kinds: BUILD_, DEV_, OPTIONAL_, PROVIDED_, TEST_, RUNTIME_.
        t if t.ends_with("DEPENDENCY_OF") => Some(Edge::Backward),
        _ => None,
    }
}

pub(super) fn parse(body: &[u8]) -> Result<super::Sbom, FieldError> {
    let document: Document = from_json(body)?;
    let version = document.spdx_version.trim();
    if !version.starts_with("SPDX-2.") {
        return Err(FieldError::new(
            "spdxVersion",
            format!("{version} is not supported: send SPDX-2.3 JSON"),
        ));
    }
    let mut roots = document.document_describes.clone();
    let mut graph = DependencyGraph::default();
    for r in &document.relationships {
        let (from, to) = (&r.spdx_element_id, &r.related_spdx_element);
        match r.relationship_type.as_str() {
            "DESCRIBES" if from == DOCUMENT_ID => roots.push(to.clone()),
            "DESCRIBED_BY" if to == DOCUMENT_ID => roots.push(from.clone()),
            t => match edge(t) {
                Some(Edge::Forward) => graph.add(from, to),
                Some(Edge::Backward) => graph.add(to, from),
                None => {}
            },
        }
    }
    let direct = graph.direct_of(&roots);
    let found = document
        .packages
        .into_iter()
        .enumerate()
        .filter(|(_, p)| !roots.contains(&p.spdx_id))
        .map(|(i, p)| found(i, p))
        .collect();
    finish(SbomFormat::SpdxJson, version.to_owned(), found, direct, '.')
}

fn found(index: usize, p: Package) -> Found {
    let purl_ref = p
        .external_refs
        .iter()
        .position(|r| r.reference_type == "purl");
    let purl = purl_ref.map(|i| p.external_refs[i].reference_locator.clone());
    // SPDX has no group; the purl's namespace (a Maven group id, an npm scope) is the same thing.
    let group = purl
        .as_deref()
        .and_then(|text| text.trim().parse::<packageurl::PackageUrl>().ok())
        .and_then(|parsed| parsed.namespace().map(str::to_owned));
    let kind = p
        .primary_package_purpose
        .map(|purpose| purpose.trim().to_ascii_lowercase())
        .filter(|purpose| !purpose.is_empty())
        .unwrap_or_else(|| "library".to_owned());
    let licenses = super::license::spdx_package(
        p.license_concluded.as_deref(),
        p.license_declared.as_deref(),
    )
    .into_iter()
    .collect();
    let hashes = p
        .checksums
        .into_iter()
        .map(|c| SbomHash {
            alg: c.algorithm,
            value: c.checksum_value,
        })
        .collect();
    Found {
        path: format!("packages.{index}"),
        id: Some(p.spdx_id),
        purl,
        purl_field: format!("externalRefs.{}.referenceLocator", purl_ref.unwrap_or(0)),
        component: SbomComponent {
            purl: None,
            name: p.name,
            group,
            version: p.version_info,
            kind,
            scope: None,
            licenses,
            direct: true,
            hashes,
        },
    }
}
