//! CycloneDX XML. The specification version is the one in the `bom` element's namespace
//! (`http://cyclonedx.org/schema/bom/1.4`). Before serde reads the document, one pass over its
//! events checks that it is well-formed (naming the line and column where it is not), has no
//! DOCTYPE (so no entity can expand), and nests no deeper than [`MAX_DEPTH`], which keeps the
//! recursive structs below from exhausting the stack on a hostile document.

use quick_xml::{Reader, events::Event};
use serde::Deserialize;

use super::{
    Found, SbomComponent, SbomFormat, SbomHash, cyclonedx_json::check_version, finish,
    graph::DependencyGraph, license,
};
use crate::error::FieldError;

const NAMESPACE: &str = "http://cyclonedx.org/schema/bom/";

/// Far deeper than any real SBOM nests (a component five levels down sits at depth 12).
const MAX_DEPTH: usize = 100;

#[derive(Deserialize)]
struct Bom {
    metadata: Option<Metadata>,
    components: Option<Components>,
    dependencies: Option<Dependencies>,
}

#[derive(Deserialize)]
struct Metadata {
    component: Option<Described>,
}

#[derive(Deserialize)]
struct Described {
    #[serde(rename = "@bom-ref")]
    bom_ref: Option<String>,
}

#[derive(Deserialize)]
struct Components {
    #[serde(default)]
    component: Vec<Component>,
}

#[derive(Deserialize)]
struct Component {
    #[serde(rename = "@type")]
    kind: String,
    #[serde(rename = "@bom-ref")]
    bom_ref: Option<String>,
    name: String,
    group: Option<String>,
    version: Option<String>,
    scope: Option<String>,
    purl: Option<String>,
    licenses: Option<Licenses>,
    hashes: Option<Hashes>,
    components: Option<Components>,
}

#[derive(Deserialize)]
struct Licenses {
    #[serde(default)]
    license: Vec<License>,
    #[serde(default)]
    expression: Vec<String>,
}

#[derive(Deserialize)]
struct License {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Hashes {
    #[serde(default)]
    hash: Vec<Hash>,
}

#[derive(Deserialize)]
struct Hash {
    #[serde(rename = "@alg")]
    alg: String,
    #[serde(rename = "$text", default)]
    value: String,
}

#[derive(Deserialize)]
struct Dependencies {
    #[serde(default)]
    dependency: Vec<Dependency>,
}

#[derive(Deserialize)]
struct Dependency {
    #[serde(rename = "@ref")]
    reference: String,
    #[serde(default)]
    dependency: Vec<Dependency>,
}

pub(super) fn parse(body: &[u8]) -> Result<super::Sbom, FieldError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        let (line, column) = line_column(body, e.valid_up_to());
        FieldError::new(
            "",
            format!("is not UTF-8 text (line {line}, column {column})"),
        )
    })?;
    let spec_version = check_structure(text)?;
    check_version("bom/@xmlns", &spec_version)?;
    let mut deserializer = quick_xml::de::Deserializer::from_str(text);
    let bom: Bom = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| FieldError::new(element_path(e.path()), e.inner().to_string()))?;
    let mut found = Vec::new();
    if let Some(components) = bom.components {
        flatten(components.component, "bom/components", &mut found);
    }
    let root = bom
        .metadata
        .and_then(|m| m.component)
        .and_then(|c| c.bom_ref);
    let direct = bom.dependencies.and_then(|dependencies| {
        let mut graph = DependencyGraph::default();
        for dependency in &dependencies.dependency {
            graph.declare(&dependency.reference);
            for target in &dependency.dependency {
                graph.add(&dependency.reference, &target.reference);
            }
        }
        graph.direct_of(root.as_slice())
    });
    if let Some(root) = &root {
        found.retain(|f| f.id.as_ref() != Some(root));
    }
    finish(SbomFormat::CycloneDxXml, spec_version, found, direct, '/')
}

/// Walks the document's events once: well-formed, one `bom` root, no DOCTYPE, not too deep.
/// Returns the specification version from the root's namespace.
fn check_structure(text: &str) -> Result<String, FieldError> {
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    let mut version = None;
    let at = |position: u64| {
        let (line, column) = line_column(text.as_bytes(), position as usize);
        format!("line {line}, column {column}")
    };
    loop {
        let event = reader.read_event().map_err(|e| {
            FieldError::new(
                "",
                format!(
                    "is not well-formed XML ({}): {e}",
                    at(reader.error_position())
                ),
            )
        })?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if depth == 0 {
                    if version.is_some() {
                        return Err(FieldError::new(
                            "",
                            format!(
                                "is not well-formed XML ({}): a second root element",
                                at(reader.buffer_position())
                            ),
                        ));
                    }
                    if start.local_name().as_ref() != b"bom" {
                        return Err(FieldError::new(
                            "",
                            "the root element must be CycloneDX's `bom`",
                        ));
                    }
                    let namespace = start
                        .try_get_attribute("xmlns")
                        .ok()
                        .flatten()
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
                    version = Some(
                        namespace
                            .as_deref()
                            .and_then(|ns| ns.strip_prefix(NAMESPACE))
                            .map(str::to_owned)
                            .ok_or_else(|| {
                                FieldError::new(
                                    "bom/@xmlns",
                                    format!("must be the CycloneDX namespace {NAMESPACE}<version>"),
                                )
                            })?,
                    );
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(FieldError::new(
                            "",
                            format!(
                                "nests elements deeper than {MAX_DEPTH} levels ({})",
                                at(reader.buffer_position())
                            ),
                        ));
                    }
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::DocType(_) => {
                return Err(FieldError::new("", "a DOCTYPE is not allowed"));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth > 0 {
        return Err(FieldError::new(
            "",
            format!(
                "is not well-formed XML ({}): the document ends inside an element",
                at(text.len() as u64)
            ),
        ));
    }
    version.ok_or_else(|| FieldError::new("", "has no root element"))
}

/// The 1-based line and column of byte `offset`.
fn line_column(body: &[u8], offset: usize) -> (usize, usize) {
    let before = &body[..offset.min(body.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.len()
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, column)
}

/// `bom/components/component[13]/version`: elements counted from 1, as XPath counts them.
fn element_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("bom");
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{}]", index + 1)),
            Segment::Map { key } if key == "$text" || key == "$value" => {}
            Segment::Map { key } => {
                out.push('/');
                out.push_str(key);
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

fn flatten(components: Vec<Component>, at: &str, found: &mut Vec<Found>) {
    for (i, c) in components.into_iter().enumerate() {
        let path = format!("{at}/component[{}]", i + 1);
        let mut licenses = Vec::new();
        if let Some(given) = c.licenses {
            for l in given.license {
                match (l.id, l.name) {
                    (Some(id), _) => licenses.extend(license::normalize(&id)),
                    (None, Some(name)) => {
                        licenses.extend(Some(name.trim().to_owned()).filter(|n| !n.is_empty()))
                    }
                    (None, None) => {}
                }
            }
            licenses.extend(
                given
                    .expression
                    .iter()
                    .filter_map(|e| license::normalize(e)),
            );
        }
        let hashes = c
            .hashes
            .map(|h| h.hash)
            .unwrap_or_default()
            .into_iter()
            .map(|h| SbomHash {
                alg: h.alg,
                value: h.value.trim().to_owned(),
            })
            .collect();
        let nested_at = format!("{path}/components");
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
        if let Some(nested) = c.components {
            flatten(nested.component, &nested_at, found);
        }
    }
}
