//! A YAML body cut into its documents, each read into a descriptor or refused with every
//! problem it has. The body is cut at its `---` markers before any YAML is parsed, so a
//! document that is not YAML at all is refused alone and the others still import.

use serde_json::{Map, Value};

use super::entity_ref::{DEFAULT_NAMESPACE, EntityRef};
use crate::error::FieldError;

const API_VERSIONS: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];

/// One document of the body, numbered from 1 among those that hold more than comments.
pub(super) struct Document {
    pub index: usize,
    pub text: String,
}

pub(super) fn split(body: &str) -> Vec<Document> {
    let mut chunks = vec![String::new()];
    for line in body.lines() {
        let marker = line
            .strip_prefix("---")
            .filter(|rest| rest.is_empty() || rest.starts_with([' ', '\t']));
        if let Some(rest) = marker {
            chunks.push(format!("{rest}\n"));
        } else if line.trim_end() == "..." {
            chunks.push(String::new());
        } else {
            let chunk = chunks.last_mut().expect("starts with one");
            chunk.push_str(line);
            chunk.push('\n');
        }
    }
    chunks
        .into_iter()
        .filter(|chunk| {
            chunk.lines().any(|l| {
                let l = l.trim();
                !l.is_empty() && !l.starts_with('#') && !l.starts_with('%')
            })
        })
        .enumerate()
        .map(|(i, text)| Document { index: i + 1, text })
        .collect()
}

/// The fields of a descriptor that the import maps.
pub(super) struct Descriptor {
    pub index: usize,
    pub entity: EntityRef,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    /// `(title, url)`.
    pub links: Option<Vec<(Option<String>, String)>>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner: Option<EntityRef>,
    pub system: Option<EntityRef>,
    pub domain: Option<EntityRef>,
    pub parent: Option<EntityRef>,
    pub provides_apis: Vec<EntityRef>,
    pub consumes_apis: Vec<EntityRef>,
    /// As written: a dependency must name its kind, and one that does not is only warned of.
    pub depends_on: Vec<String>,
    /// An API's `spec.definition` as written: usually the description's text, sometimes a
    /// placeholder (`$text: ./openapi.yaml`) that Backstage resolves and an import cannot.
    pub definition: Option<Value>,
}

pub(super) enum Read {
    Entity(Box<Descriptor>),
    /// A kind with no counterpart in the inventory: people (User), the catalog's own plumbing
    /// (Location, Template), and kinds of Backstage's plugins.
    Skipped {
        entity: EntityRef,
        kind: String,
    },
    Malformed {
        entity: Option<EntityRef>,
        errors: Vec<FieldError>,
    },
}

pub(super) fn read(document: &Document) -> Read {
    let value = match serde_saphyr::from_str::<Value>(&document.text) {
        Ok(v) => v,
        Err(e) => {
            let message = e.to_string();
            let first = message.lines().next().unwrap_or_default();
            let first = first.strip_prefix("error: ").unwrap_or(first);
            return malformed(None, FieldError::new("", format!("is not YAML: {first}")));
        }
    };
    if let Some(refusal) = crate::limits::check_json("", &value) {
        return malformed(None, refusal);
    }
    let Value::Object(root) = value else {
        return malformed(None, FieldError::new("", "a descriptor must be a mapping"));
    };
    let mut errors = Vec::new();
    let kind = required_text(&root, "kind", "kind", &mut errors);
    let metadata = match root.get("metadata") {
        Some(Value::Object(m)) => Some(m),
        _ => {
            errors.push(FieldError::new("metadata", "must be a mapping"));
            None
        }
    };
    let name = metadata.and_then(|m| required_text(m, "name", "metadata.name", &mut errors));
    let namespace = metadata
        .and_then(|m| optional_text(m, "namespace", "metadata.namespace", &mut errors))
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    let (Some(kind), Some(name)) = (kind, name) else {
        return Read::Malformed {
            entity: None,
            errors,
        };
    };
    let entity = EntityRef::new(&kind, &namespace, &name);
    if entity.fact_sheet_type().is_none() {
        return Read::Skipped { entity, kind };
    }
    match root.get("apiVersion").and_then(Value::as_str) {
        Some(v) if API_VERSIONS.contains(&v) => {}
        _ => errors.push(FieldError::new(
            "apiVersion",
            format!("must be {}", API_VERSIONS.join(" or ")),
        )),
    }
    if !is_object_name(&name) {
        errors.push(FieldError::new(
            "metadata.name",
            "must be 1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit",
        ));
    }
    if !is_namespace(&namespace) {
        errors.push(FieldError::new(
            "metadata.namespace",
            "must be 1 to 63 lower-case letters, digits or `-`, starting and ending with a letter or digit",
        ));
    }
    let metadata = metadata.expect("named, so present");
    let empty = Map::new();
    let spec = match root.get("spec") {
        None => &empty,
        Some(Value::Object(spec)) => spec,
        Some(_) => {
            errors.push(FieldError::new("spec", "must be a mapping"));
            &empty
        }
    };
    let reference = |key: &str, kind: &str, errors: &mut Vec<FieldError>| {
        let path = format!("spec.{key}");
        optional_text(spec, key, &path, errors).and_then(|text| {
            EntityRef::parse(&text, Some(kind))
                .map_err(|m| errors.push(FieldError::new(path, m)))
                .ok()
        })
    };
    let references = |key: &str, kind: &str, errors: &mut Vec<FieldError>| {
        let path = format!("spec.{key}");
        text_list(spec, key, &path, errors)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .filter_map(|(i, text)| {
                EntityRef::parse(&text, Some(kind))
                    .map_err(|m| errors.push(FieldError::new(format!("{path}.{i}"), m)))
                    .ok()
            })
            .collect()
    };
    let descriptor = Descriptor {
        index: document.index,
        name: name.clone(),
        title: optional_text(metadata, "title", "metadata.title", &mut errors),
        description: optional_text(metadata, "description", "metadata.description", &mut errors),
        tags: text_list(metadata, "tags", "metadata.tags", &mut errors),
        links: links(metadata, &mut errors),
        spec_type: optional_text(spec, "type", "spec.type", &mut errors),
        lifecycle: optional_text(spec, "lifecycle", "spec.lifecycle", &mut errors),
        owner: reference("owner", "group", &mut errors),
        system: reference("system", "system", &mut errors),
        domain: reference("domain", "domain", &mut errors),
        parent: reference("parent", "group", &mut errors),
        provides_apis: references("providesApis", "api", &mut errors),
        consumes_apis: references("consumesApis", "api", &mut errors),
        depends_on: text_list(spec, "dependsOn", "spec.dependsOn", &mut errors).unwrap_or_default(),
        definition: spec.get("definition").filter(|v| !v.is_null()).cloned(),
        entity: entity.clone(),
    };
    if errors.is_empty() {
        Read::Entity(Box::new(descriptor))
    } else {
        Read::Malformed {
            entity: Some(entity),
            errors,
        }
    }
}

fn malformed(entity: Option<EntityRef>, error: FieldError) -> Read {
    Read::Malformed {
        entity,
        errors: vec![error],
    }
}

fn optional_text(
    map: &Map<String, Value>,
    key: &str,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match map.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(FieldError::new(path, "must be a string"));
            None
        }
    }
}

fn required_text(
    map: &Map<String, Value>,
    key: &str,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let text = optional_text(map, key, path, errors);
    if text.is_none() && !errors.iter().any(|e| e.path == path) {
        errors.push(FieldError::new(path, "is required"));
    }
    text
}

fn text_list(
    map: &Map<String, Value>,
    key: &str,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<String>> {
    match map.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut texts = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) => texts.push(s.to_owned()),
                    None => errors.push(FieldError::new(format!("{path}.{i}"), "must be a string")),
                }
            }
            Some(texts)
        }
        Some(_) => {
            errors.push(FieldError::new(path, "must be a list of strings"));
            None
        }
    }
}

fn links(
    metadata: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<(Option<String>, String)>> {
    let items = match metadata.get("links") {
        None | Some(Value::Null) => return None,
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(FieldError::new("metadata.links", "must be a list"));
            return None;
        }
    };
    let mut links = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("metadata.links.{i}");
        let Value::Object(link) = item else {
            errors.push(FieldError::new(path, "must be a mapping with a url"));
            continue;
        };
        let title = optional_text(link, "title", &format!("{path}.title"), errors);
        if let Some(url) = required_text(link, "url", &format!("{path}.url"), errors) {
            links.push((title, url));
        }
    }
    Some(links)
}

/// Backstage's rule for names: what its catalog accepts, Wayfinder accepts.
fn is_object_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_namespace(namespace: &str) -> bool {
    let bytes = namespace.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes
            .last()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_cut_at_its_markers_and_comment_only_documents_are_not_counted() {
        let body = "# header\n---\nkind: A\n--- \nkind: B\n  text: |\n    --- not a marker\n---\n# only a comment\n...\nkind: C\n";
        let documents = split(body);
        let texts: Vec<_> = documents.iter().map(|d| (d.index, d.text.trim())).collect();
        assert_eq!(
            texts,
            [
                (1, "kind: A"),
                (2, "kind: B\n  text: |\n    --- not a marker"),
                (3, "kind: C")
            ]
        );
    }
}
