//! CycloneDX JSON, specVersion 1.2 to 1.6: the fields of a component kept here are spelled the
//! same in all of them.

use serde::Deserialize;

use super::{
    Found, SbomComponent, SbomFormat, SbomHash, finish, from_json, graph::DependencyGraph, license,
};
use crate::error::FieldError;

/// The CycloneDX versions whose component fields this reader knows; 1.0 and 1.1 have no JSON
/// form and no dependency graph.
pub(super) const VERSIONS: [&str; 5] = ["1.2", "1.3", "1.4", "1.5", "1.6"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    bom_format: String,
    spec_version: String,
    metadata: Option<Metadata>,
    #[serde(default)]
    components: Vec<Component>,
    dependencies: Option<Vec<Dependency>>,
}

#[derive(Deserialize)]
struct Metadata {
    component: Option<Described>,
}

/// The described component: only its id matters, to find it in the dependency graph.
#[derive(Deserialize)]
struct Described {
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
}

#[derive(Deserialize)]
struct Component {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    name: String,
    group: Option<String>,
    version: Option<String>,
    scope: Option<String>,
    purl: Option<String>,
    #[serde(default)]
    licenses: Vec<LicenseChoice>,
    #[serde(default)]
    hashes: Vec<Hash>,
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Deserialize)]
struct LicenseChoice {
    license: Option<License>,
    expression: Option<String>,
}

#[derive(Deserialize)]
struct License {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Hash {
    alg: String,
    content: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    depends_on: Vec<String>,
}

pub(super) fn parse(body: &[u8]) -> Result<super::Sbom, FieldError> {
    let bom: Bom = from_json(body)?;
    if bom.bom_format != "CycloneDX" {
        return Err(FieldError::new("bomFormat", "must be `CycloneDX`"));
    }
    check_version("specVersion", &bom.spec_version)?;
    let mut found = Vec::new();
    flatten(bom.components, "components", &mut found);
    let root = bom
        .metadata
        .and_then(|m| m.component)
        .and_then(|c| c.bom_ref);
    let direct = bom.dependencies.and_then(|dependencies| {
        let mut graph = DependencyGraph::default();
        for dependency in &dependencies {
            graph.declare(&dependency.reference);
            for target in &dependency.depends_on {
                graph.add(&dependency.reference, target);
            }
        }
        graph.direct_of(root.as_slice())
    });
    // Some generators list the described component among the components too.
    if let Some(root) = &root {
        found.retain(|f| f.id.as_ref() != Some(root));
    }
    finish(
        SbomFormat::CycloneDxJson,
        bom.spec_version,
        found,
        direct,
        '.',
    )
}

/// Refuses a CycloneDX version outside 1.2 to 1.6, saying which are read.
pub(super) fn check_version(path: &str, version: &str) -> Result<(), FieldError> {
    if VERSIONS.contains(&version) {
        Ok(())
    } else {
        Err(FieldError::new(
            path,
            format!(
                "CycloneDX {version} is not supported: send specVersion {} to {}",
                VERSIONS[0],
                VERSIONS[VERSIONS.len() - 1]
            ),
        ))
    }
}

/// The components and their nested components, depth first in document order.
fn flatten(components: Vec<Component>, at: &str, found: &mut Vec<Found>) {
    for (i, c) in components.into_iter().enumerate() {
        let path = format!("{at}.{i}");
        let licenses = c
            .licenses
            .into_iter()
            .filter_map(|choice| match (choice.license, choice.expression) {
                (_, Some(expression)) => license::normalize(&expression),
                (Some(License { id: Some(id), .. }), None) => license::normalize(&id),
                (
                    Some(License {
                        name: Some(name), ..
                    }),
                    None,
                ) => Some(name.trim().to_owned()).filter(|n| !n.is_empty()),
                _ => None,
            })
            .collect();
        let hashes = c
            .hashes
            .into_iter()
            .map(|h| SbomHash {
                alg: h.alg,
                value: h.content,
            })
            .collect();
        let nested_at = format!("{path}.components");
        found.push(Found {
            path,
            id: c.bom_ref,
            purl: c.purl,
            purl_field: "purl".to_owned(),
            component: SbomComponent {
                purl: None,
                name: c.name,
                group: c.group,
                version: c.version,
                kind: c.kind,
                scope: c.scope,
                licenses,
                direct: true,
                hashes,
            },
        });
        flatten(c.components, &nested_at, found);
    }
}
