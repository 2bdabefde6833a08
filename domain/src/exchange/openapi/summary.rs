//! What an API fact sheet records of an OpenAPI description, read from the document as plain
//! JSON. The three versions differ only in a few places (the version field, where the servers
//! are), and those few fields are all we read, so a typed OpenAPI model would add a dependency
//! per version for no gain, and would refuse real documents that are slightly off the schema in
//! parts we never look at.

use serde_json::{Map, Value};

use crate::error::{Error, FieldError, Result};

/// The facts of one API description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiSummary {
    /// `openapi` (3.x) or `swagger` (2.0), as the document states it: `3.0.3`, `3.1.0`, `2.0`.
    pub spec_version: String,
    pub title: String,
    /// `info.version`: the version of the API, not of the specification.
    pub api_version: String,
    pub description: Option<String>,
    /// The base URLs, in the document's order.
    pub servers: Vec<String>,
    /// Operations under `paths`: one per HTTP method of each path.
    pub operation_count: usize,
}

/// The HTTP methods a path item may hold (`trace` is 3.x only, and harmless for 2.0).
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Reads the facts of an OpenAPI 3.0 or 3.1 or Swagger 2.0 document. A document of another kind
/// or version is refused naming the field that says so, and every missing required fact is
/// reported, not only the first.
pub fn summarize(document: &Value) -> Result<ApiSummary> {
    let Value::Object(doc) = document else {
        return Err(Error::invalid(
            "",
            "must be an OpenAPI document: a JSON or YAML object",
        ));
    };
    let mut errors = Vec::new();
    let spec = spec_version(doc, &mut errors);
    let info = doc.get("info").and_then(Value::as_object);
    if info.is_none() {
        errors.push(FieldError::new("info", "is required and must be an object"));
    }
    let title = info.and_then(|i| required_text(i, "info.title", "title", &mut errors));
    let api_version = info.and_then(|i| required_text(i, "info.version", "version", &mut errors));
    let operation_count = operation_count(document, doc, &mut errors);
    let (Some((spec_version, is_swagger)), Some(title), Some(api_version), Some(operation_count)) =
        (spec, title, api_version, operation_count)
    else {
        return Err(Error::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(ApiSummary {
        spec_version,
        title,
        api_version,
        description: info
            .and_then(|i| i.get("description"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        servers: if is_swagger {
            swagger_servers(doc)
        } else {
            openapi_servers(doc)
        },
        operation_count,
    })
}

/// The version the document declares, and whether it is Swagger 2.0.
fn spec_version(doc: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<(String, bool)> {
    const SUPPORTED: &str = "this reads OpenAPI 3.0 and 3.1, and Swagger 2.0";
    if let Some(value) = doc.get("openapi") {
        let version = version_text(value);
        let supported = version
            .as_deref()
            .is_some_and(|v| v.starts_with("3.0.") || v.starts_with("3.1."));
        if !supported {
            errors.push(FieldError::new(
                "openapi",
                format!(
                    "version {} is not supported; {SUPPORTED}",
                    version.unwrap_or_else(|| value.to_string())
                ),
            ));
            return None;
        }
        return version.map(|v| (v, false));
    }
    if let Some(value) = doc.get("swagger") {
        let version = version_text(value);
        if version.as_deref() != Some("2.0") {
            errors.push(FieldError::new(
                "swagger",
                format!(
                    "version {} is not supported; {SUPPORTED}",
                    version.unwrap_or_else(|| value.to_string())
                ),
            ));
            return None;
        }
        return version.map(|v| (v, true));
    }
    errors.push(FieldError::new(
        "openapi",
        format!("is required: the document is not an API description ({SUPPORTED})"),
    ));
    None
}

/// A version as text: YAML reads an unquoted `2.0` or `1.10` as a number, which it is not.
fn version_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 => format!("{f:.1}"),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

fn required_text(
    info: &Map<String, Value>,
    path: &str,
    key: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let text = info
        .get(key)
        .and_then(version_text)
        .filter(|t| !t.is_empty());
    if text.is_none() {
        errors.push(FieldError::new(path, "is required and must be a string"));
    }
    text
}

/// Counts the methods of each path item. A path item that is a local `$ref` counts the methods
/// of the item it names; other keys of a path item (`parameters`, `summary`, `servers`, `x-…`)
/// are not operations.
fn operation_count(
    root: &Value,
    doc: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Option<usize> {
    let paths = match doc.get("paths") {
        // Optional in 3.1, where an API may describe only webhooks.
        None => return Some(0),
        Some(Value::Object(paths)) => paths,
        Some(_) => {
            errors.push(FieldError::new("paths", "must be an object"));
            return None;
        }
    };
    let count = paths
        .values()
        .filter_map(Value::as_object)
        .map(|item| {
            let target = item
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|pointer| root.pointer(pointer))
                .and_then(Value::as_object);
            METHODS
                .iter()
                .filter(|m| item.contains_key(**m) || target.is_some_and(|t| t.contains_key(**m)))
                .count()
        })
        .sum();
    Some(count)
}

/// 3.x: `servers[].url`.
fn openapi_servers(doc: &Map<String, Value>) -> Vec<String> {
    doc.get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("url").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// 2.0: one URL per scheme from `host` and `basePath`; without `schemes`, a scheme-relative URL.
/// Without `host` the API is served where its description is, which the document cannot say.
fn swagger_servers(doc: &Map<String, Value>) -> Vec<String> {
    let Some(host) = doc.get("host").and_then(Value::as_str) else {
        return Vec::new();
    };
    let base_path = doc.get("basePath").and_then(Value::as_str).unwrap_or("");
    let schemes: Vec<&str> = doc
        .get("schemes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if schemes.is_empty() {
        return vec![format!("//{host}{base_path}")];
    }
    schemes
        .iter()
        .map(|scheme| format!("{scheme}://{host}{base_path}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(errors) => errors.into_iter().map(|e| e.path).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_swagger_document_takes_its_servers_from_schemes_host_and_base_path() {
        let doc = json!({ "swagger": 2.0, "info": { "title": "T", "version": 1.10 },
            "host": "api.example.com", "basePath": "/v1", "schemes": ["https", "http"],
            "paths": { "/a": { "get": {}, "post": {}, "parameters": [] } } });
        let summary = summarize(&doc).unwrap();
        assert_eq!(summary.spec_version, "2.0");
        assert_eq!(
            summary.api_version, "1.1",
            "a YAML number is read as a number"
        );
        assert_eq!(
            summary.servers,
            ["https://api.example.com/v1", "http://api.example.com/v1"]
        );
        assert_eq!(summary.operation_count, 2);
    }

    #[test]
    fn a_path_item_that_refers_to_another_counts_the_operations_there() {
        let doc = json!({ "openapi": "3.1.0", "info": { "title": "T", "version": "1" },
            "paths": { "/a": { "$ref": "#/components/pathItems/a" }, "/b": { "summary": "s", "get": {} } },
            "components": { "pathItems": { "a": { "get": {}, "delete": {} } } } });
        assert_eq!(summarize(&doc).unwrap().operation_count, 3);
    }

    #[test]
    fn an_unsupported_or_missing_version_and_missing_info_are_named() {
        assert_eq!(
            fields(summarize(&json!({ "openapi": "3.2.0", "info": {} })).unwrap_err()),
            ["openapi", "info.title", "info.version"]
        );
        assert_eq!(
            fields(
                summarize(&json!({ "swagger": "1.2", "info": { "title": "T", "version": "1" } }))
                    .unwrap_err()
            ),
            ["swagger"]
        );
        assert_eq!(
            fields(summarize(&json!({ "name": "not an API" })).unwrap_err()),
            ["openapi", "info"]
        );
        assert_eq!(fields(summarize(&json!(["a"])).unwrap_err()), [""]);
    }
}
