//! `format=openapi`: an OpenAPI 3.0 or 3.1 or Swagger 2.0 description, YAML or JSON, recorded
//! on the API fact sheet it describes. The document becomes one NDJSON fact sheet line and goes
//! through the same import as any other, so validation, `validateOnly`, the report, history and
//! "a line that changes nothing writes nothing" hold for it unchanged.

mod summary;

use serde_json::{Map, Value, json};
use uuid::Uuid;

pub use summary::{ApiSummary, summarize};

use super::{
    import::import_ndjson,
    line::Ref,
    report::{ImportOptions, ImportReport, LineError},
};
use crate::{
    authz::{self, Action},
    error::{Error, Result},
    external_ids::ExternalId,
    fact_sheets,
    meta_model::MetaModel,
    principal::Principal,
};

/// The namespace of the external ID (`openapi:<info.title>`) that finds the API a description
/// is imported into when the caller names none.
pub const OPENAPI_NAMESPACE: &str = "openapi";

/// The fact sheet type a description is recorded on.
const API_TYPE: &str = "API";

/// Reads a description as JSON when it looks like JSON (much faster for the large ones), else
/// as YAML, of which JSON is a subset anyway.
pub fn parse_document(text: &str) -> Result<Value> {
    let value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| Error::invalid("", format!("is not JSON: {e}")))?
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            // The first line says where and why; the rest quotes the input back.
            let e = e.to_string();
            let why = e.lines().next().unwrap_or_default();
            let why = why.strip_prefix("error: ").unwrap_or(why);
            Error::invalid("", format!("is neither JSON nor YAML: {why}"))
        })?
    };
    if let Some(refusal) = crate::limits::check_json("", &value) {
        return Err(Error::Invalid(vec![refusal]));
    }
    Ok(value)
}

/// The API an `api` parameter names: a fact sheet id, or `<namespace>:<value>` of one of its
/// external IDs (the value may itself contain colons).
pub fn api_ref(text: &str) -> Result<Ref> {
    if let Ok(id) = Uuid::parse_str(text) {
        return Ok(Ref::Id(id));
    }
    match text.split_once(':') {
        Some((namespace, value)) if !namespace.is_empty() && !value.is_empty() => {
            Ok(Ref::from(ExternalId {
                namespace: namespace.to_owned(),
                value: value.to_owned(),
            }))
        }
        _ => Err(Error::invalid(
            "api",
            "must be a fact sheet id or <namespace>:<value> of an external ID",
        )),
    }
}

/// Records the description `body` on the API `api` names (which must exist), or else on the API
/// found (or created) by its external ID `openapi:<info.title>`. A document that is not a supported description is
/// reported as refused line 1, naming the field; only a failure of the server is an `Err`.
pub async fn import_openapi(
    tx: &sea_orm::DatabaseTransaction,
    principal: &Principal,
    model: &MetaModel,
    body: &str,
    api: Option<Ref>,
    options: ImportOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ImportReport> {
    authz::require(principal, Action::WriteInventory)?;
    let summary = match parse_document(body).and_then(|doc| summarize(&doc)) {
        Ok(summary) => summary,
        Err(Error::Invalid(fields)) => {
            let errors = fields
                .into_iter()
                .map(|f| LineError {
                    line: 1,
                    field: f.path.clone(),
                    error: Error::Invalid(vec![f]),
                })
                .collect();
            return Ok(ImportReport {
                validate_only: options.validate_only,
                errors,
                ..ImportReport::default()
            });
        }
        Err(e) => return Err(e),
    };
    let named = api.is_some();
    let reference = api.unwrap_or_else(|| {
        Ref::from(ExternalId {
            namespace: OPENAPI_NAMESPACE.to_owned(),
            value: summary.title.clone(),
        })
    });
    let existing = match &reference {
        Ref::Id(id) => fact_sheets::get(tx, principal, *id).await?,
        Ref::ExternalId(e) => {
            fact_sheets::by_external_id(tx, principal, &e.namespace, &e.value).await?
        }
    };
    if named && existing.is_none() {
        // Naming an API is for one that exists: a typo must not create another.
        return Ok(ImportReport {
            validate_only: options.validate_only,
            errors: vec![LineError {
                line: 1,
                field: "api".into(),
                error: Error::not_found("API", describe(&reference)),
            }],
            ..ImportReport::default()
        });
    }
    let line = sheet_line(&summary, reference, existing.as_ref());
    import_ndjson(tx, principal, model, &line.to_string(), options, progress).await
}

fn describe(reference: &Ref) -> String {
    match reference {
        Ref::Id(id) => id.to_string(),
        Ref::ExternalId(e) => format!("{}:{}", e.namespace, e.value),
    }
}

/// The fact sheet line for `summary`. The name is the title only for a new API: an existing
/// one keeps the name people gave it. The description fills an empty one and never replaces
/// one written by hand.
fn sheet_line(
    summary: &ApiSummary,
    reference: Ref,
    existing: Option<&fact_sheets::FactSheet>,
) -> Value {
    let mut line = Map::new();
    line.insert("kind".into(), json!("factSheet"));
    line.insert("ref".into(), json!(reference));
    line.insert("type".into(), json!(API_TYPE));
    if existing.is_none() {
        line.insert("name".into(), json!(summary.title));
    }
    let has_description = existing
        .and_then(|fs| fs.description.as_deref())
        .is_some_and(|d| !d.trim().is_empty());
    if let (Some(description), false) = (&summary.description, has_description) {
        line.insert("description".into(), json!(description));
    }
    line.insert("attributes".into(), Value::Object(attributes_of(summary)));
    Value::Object(line)
}

/// The API attributes a description sets, by key; `servers` is null when it names none. Shared
/// by `format=openapi` and by the inline definitions of Backstage API descriptors.
pub fn attributes_of(summary: &ApiSummary) -> Map<String, Value> {
    let Value::Object(attributes) = json!({
        "specVersion": summary.spec_version,
        "apiVersion": summary.api_version,
        // One URL per line: the meta model has no list of strings.
        "servers": (!summary.servers.is_empty()).then(|| summary.servers.join("\n")),
        "operationCount": summary.operation_count,
        "title": summary.title,
    }) else {
        unreachable!("a JSON object literal")
    };
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_with_unquoted_numbers_as_keys_and_versions_reads_as_json_would() {
        let doc = parse_document(
            "swagger: 2.0\ninfo:\n  title: T\n  version: 2\npaths:\n  /a:\n    get:\n      responses:\n        200:\n          description: ok\n",
        )
        .unwrap();
        assert_eq!(
            doc["paths"]["/a"]["get"]["responses"]["200"]["description"],
            "ok"
        );
        let summary = summarize(&doc).unwrap();
        assert_eq!(
            (summary.spec_version.as_str(), summary.api_version.as_str()),
            ("2.0", "2")
        );
    }

    #[test]
    fn a_body_that_is_neither_json_nor_yaml_is_refused_as_a_whole() {
        let Err(Error::Invalid(errors)) = parse_document("info: [unclosed\n  title: x") else {
            panic!("broken YAML was read");
        };
        assert_eq!(errors[0].path, "");
        assert_eq!(
            errors[0].message,
            "is neither JSON nor YAML: line 2 column 8: illegal placement of ':' indicator"
        );
    }

    #[test]
    fn an_api_reference_is_an_id_or_a_namespaced_external_id() {
        let id = Uuid::now_v7();
        assert_eq!(api_ref(&id.to_string()).unwrap(), Ref::Id(id));
        assert_eq!(
            api_ref("openapi:Swagger Petstore: v2").unwrap(),
            Ref::from(ExternalId {
                namespace: "openapi".into(),
                value: "Swagger Petstore: v2".into()
            })
        );
        assert!(api_ref("petstore").is_err());
    }
}
