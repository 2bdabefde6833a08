//! The JSON of an import report, the same from `POST /import` and `wayfinder import`: each
//! refused line with the error code and message a mutation with the same input would get.

use domain::exchange::{ImportReport, LineError};
use serde_json::{Value, json};

use crate::client_error::ClientError;

pub fn to_json(report: ImportReport) -> Value {
    let references = report.references;
    let errors: Vec<Value> = report
        .errors
        .into_iter()
        .map(|e| {
            let reference = references.get(&e.line).cloned();
            let mut json = line_error(e);
            if let Some(reference) = reference {
                json["ref"] = Value::String(reference);
            }
            json
        })
        .collect();
    json!({
        "validateOnly": report.validate_only,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": errors,
        "warnings": report.warnings,
    })
}

fn line_error(e: LineError) -> Value {
    // A field error's own message; the error as a whole already names the field.
    let message = match &e.error {
        domain::Error::Invalid(fields) if fields.len() == 1 => Some(fields[0].message.clone()),
        _ => None,
    };
    let client = ClientError::from(e.error);
    json!({
        "line": e.line,
        "field": e.field,
        "code": client.code().as_str(),
        "message": message.unwrap_or_else(|| client.message().to_owned()),
    })
}
