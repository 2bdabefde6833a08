//! Reading an uploaded SBOM into one list of components, whatever format it came in.
//!
//! Three formats are read: CycloneDX JSON (specVersion 1.2 to 1.6), CycloneDX XML and SPDX 2.x
//! JSON. The `cyclonedx-bom` crate reads only CycloneDX 1.3 to 1.5 and names no field in its
//! errors, so each format has its own small serde structs holding just the fields kept here;
//! `serde_path_to_error` turns a bad field into the JSON path (`components.12.version`) or XML
//! element (`bom/components/component[13]/version`) that the caller is told about.

mod cyclonedx_json;
mod cyclonedx_xml;
mod graph;
mod license;
mod spdx_json;

use crate::error::FieldError;

/// The document formats an SBOM can be uploaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SbomFormat {
    CycloneDxJson,
    CycloneDxXml,
    SpdxJson,
}

impl SbomFormat {
    /// The media type that names the format unambiguously.
    pub fn media_type(self) -> &'static str {
        match self {
            SbomFormat::CycloneDxJson => "application/vnd.cyclonedx+json",
            SbomFormat::CycloneDxXml => "application/vnd.cyclonedx+xml",
            SbomFormat::SpdxJson => "application/spdx+json",
        }
    }
}

/// An SBOM as read: its format, the specification version it declares (`1.4`, `SPDX-2.3`), and
/// every component it lists, nested ones included, in document order. The component the SBOM
/// describes (CycloneDX `metadata.component`, SPDX's described package) is not among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    pub format: SbomFormat,
    pub spec_version: String,
    pub components: Vec<SbomComponent>,
}

/// One component, with the fields every format can give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomComponent {
    /// Normalised by [`crate::supply_chain::purl::normalize`]; `None` when the document gives none.
    pub purl: Option<String>,
    pub name: String,
    /// CycloneDX `group` (a Maven group id, an npm scope); for SPDX, the purl's namespace.
    pub group: Option<String>,
    pub version: Option<String>,
    /// CycloneDX `type` (library, framework, application, ...); for SPDX the
    /// `primaryPackagePurpose` in lower case, or `library` when it has none.
    pub kind: String,
    /// CycloneDX `scope` (required, optional, excluded) as written.
    pub scope: Option<String>,
    /// SPDX licence expressions in their canonical form; a licence the SPDX list does not know
    /// (one given only by name, a malformed expression) is kept as written, never dropped.
    pub licenses: Vec<String>,
    /// Whether the described component depends on this one directly. Without a dependency graph
    /// that names the described component's dependencies, every component counts as direct.
    pub direct: bool,
    pub hashes: Vec<SbomHash>,
}

/// A digest of a component's artifact, with the algorithm as the document names it
/// (`SHA-256` in CycloneDX, `SHA256` in SPDX).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomHash {
    pub alg: String,
    pub value: String,
}

/// Reads `body` as the SBOM format its `content_type` names; plain `application/json`,
/// `application/xml`, any other type and a missing one are recognised by their content.
///
/// A document that is not one of the supported formats and versions, is not well-formed, or has a
/// field of the wrong shape is refused with a [`FieldError`] naming the field and saying what is
/// wrong; a document that is not well-formed names the line and column.
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Sbom, FieldError> {
    let declared = content_type.map(media_type);
    match declared.as_deref() {
        Some("application/vnd.cyclonedx+json") => cyclonedx_json::parse(body),
        Some("application/vnd.cyclonedx+xml") => cyclonedx_xml::parse(body),
        Some("application/spdx+json") => spdx_json::parse(body),
        Some("application/spdx+xml" | "application/rdf+xml" | "text/spdx" | "text/x-spdx") => {
            Err(FieldError::new(
                "",
                "SPDX is read as JSON only (application/spdx+json); tag-value, RDF and XML are not supported",
            ))
        }
        _ => sniff(body),
    }
}

/// The media type of a `Content-Type` header, without parameters, in lower case.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Tells the format from the document itself: XML is CycloneDX XML, and JSON says what it is in
/// `bomFormat` or `spdxVersion`.
fn sniff(body: &[u8]) -> Result<Sbom, FieldError> {
    let start = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match start.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => cyclonedx_xml::parse(body),
        Some(b'{') => match json_kind(body)? {
            JsonKind::CycloneDx => cyclonedx_json::parse(body),
            JsonKind::Spdx => spdx_json::parse(body),
        },
        None => Err(FieldError::new("", "the document is empty")),
        Some(_) => Err(FieldError::new(
            "",
            "is neither a JSON object nor an XML document: send CycloneDX JSON or XML, or SPDX 2.3 JSON",
        )),
    }
}

enum JsonKind {
    CycloneDx,
    Spdx,
}

fn json_kind(body: &[u8]) -> Result<JsonKind, FieldError> {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "bomFormat")]
        bom_format: Option<serde::de::IgnoredAny>,
        #[serde(rename = "spdxVersion")]
        spdx_version: Option<serde::de::IgnoredAny>,
        #[serde(rename = "@context")]
        context: Option<serde::de::IgnoredAny>,
    }
    let probe: Probe = serde_json::from_slice(body).map_err(|e| json_error(e, ""))?;
    match probe {
        Probe {
            bom_format: Some(_),
            ..
        } => Ok(JsonKind::CycloneDx),
        Probe {
            spdx_version: Some(_),
            ..
        } => Ok(JsonKind::Spdx),
        Probe {
            context: Some(_), ..
        } => Err(FieldError::new(
            "@context",
            "JSON-LD documents (SPDX 3) are not supported: send SPDX 2.3 JSON or CycloneDX",
        )),
        _ => Err(FieldError::new(
            "",
            "has neither `bomFormat` (CycloneDX) nor `spdxVersion` (SPDX): not a supported SBOM",
        )),
    }
}

/// Deserializes a JSON document into `T`, naming the path of a field of the wrong shape, or the
/// line and column where a document that is not JSON goes wrong.
fn from_json<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, FieldError> {
    let mut reader = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = json_path(e.path());
        json_error(e.into_inner(), &path)
    })?;
    reader.end().map_err(|e| json_error(e, "")).map(|()| value)
}

fn json_error(error: serde_json::Error, path: &str) -> FieldError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            FieldError::new("", format!("is not JSON: {error}"))
        }
        Category::Data => FieldError::new(path, error.to_string()),
    }
}

/// `components.12.version`: the house spelling of a path, as `FieldError::under` builds it.
fn json_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        let text = match segment {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => continue,
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&text);
    }
    out
}

/// A component read from a document, before the dependency graph says whether it is direct.
struct Found {
    /// Where the component is in the document, for refusals found after deserializing.
    path: String,
    /// The id the document's dependency graph knows the component by (`bom-ref`, `SPDXID`).
    id: Option<String>,
    /// The purl as written.
    purl: Option<String>,
    /// The path of the purl's field below `path`.
    purl_field: String,
    component: SbomComponent,
}

/// Normalises the purls, refuses text that no database can store, and sets `direct`.
fn finish(
    format: SbomFormat,
    spec_version: String,
    found: Vec<Found>,
    direct: Option<std::collections::HashSet<String>>,
    separator: char,
) -> Result<Sbom, FieldError> {
    let mut components = Vec::with_capacity(found.len());
    for item in found {
        let Found {
            path,
            id,
            purl,
            purl_field,
            mut component,
        } = item;
        let at = |field: &str| format!("{path}{separator}{field}");
        component.purl = match purl.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(
                super::purl::normalize(text)
                    .map_err(|why| FieldError::new(at(&purl_field), why))?,
            ),
        };
        if has_nul(&component) {
            return Err(FieldError::new(
                path,
                "a field of this component contains the NUL character, which cannot be stored",
            ));
        }
        if component.name.trim().is_empty() {
            return Err(FieldError::new(at("name"), "must not be empty"));
        }
        component.direct = match (&direct, &id) {
            (None, _) => true,
            (Some(set), Some(id)) => set.contains(id),
            (Some(_), None) => false,
        };
        components.push(component);
    }
    Ok(Sbom {
        format,
        spec_version,
        components,
    })
}

/// Whether a text of the component holds a NUL character, which PostgreSQL cannot store.
fn has_nul(c: &SbomComponent) -> bool {
    let texts = [
        Some(&c.name),
        c.group.as_ref(),
        c.version.as_ref(),
        Some(&c.kind),
    ]
    .into_iter()
    .chain([c.scope.as_ref(), c.purl.as_ref()])
    .flatten()
    .chain(&c.licenses)
    .chain(c.hashes.iter().flat_map(|h| [&h.alg, &h.value]));
    texts.into_iter().any(|t| t.contains('\0'))
}

#[cfg(test)]
mod tests;
