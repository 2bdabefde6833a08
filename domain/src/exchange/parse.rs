//! Reading NDJSON lines into what they ask for. A line names only the fields it sets: a field
//! left out is [`Patch::Keep`], `null` is [`Patch::Clear`]. Every problem of a line is reported,
//! each naming its field, and a line with any is not applied.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{held_attributes::HeldAttributes, line::Ref, relation_lines::RelationLines};
use crate::{
    attributes::Attributes,
    error::FieldError,
    external_ids::ExternalId,
    fact_sheets::{Patch, Status},
    subscriptions::SubscriptionRole,
};

/// A `factSheet` line: the desired state of the fields it names.
#[derive(Debug, Clone)]
pub(super) struct SheetLine {
    pub line: usize,
    pub reference: Ref,
    pub fact_sheet_type: Option<String>,
    pub name: Patch<String>,
    pub description: Patch<String>,
    pub status: Option<Status>,
    pub attributes: Patch<HeldAttributes>,
    pub tags: Patch<Vec<String>>,
    pub external_ids: Patch<Vec<ExternalId>>,
    pub parent: Patch<Ref>,
    pub subscriptions: Patch<Vec<(String, SubscriptionRole)>>,
}

impl SheetLine {
    /// Drops what the line asks for, once it is done, keeping its number and reference.
    pub(super) fn forget_fields(&mut self) {
        self.fact_sheet_type = None;
        self.name = Patch::Keep;
        self.description = Patch::Keep;
        self.status = None;
        self.attributes = Patch::Keep;
        self.tags = Patch::Keep;
        self.external_ids = Patch::Keep;
        self.parent = Patch::Keep;
        self.subscriptions = Patch::Keep;
    }
}

/// A `relation` line, identified by its type and both ends.
#[derive(Debug, Clone)]
pub(super) struct RelationLine {
    pub line: usize,
    pub relation_type: String,
    pub from: Ref,
    pub to: Ref,
    pub attributes: Patch<Attributes>,
    pub active_from: Patch<DateTime<Utc>>,
    pub active_until: Patch<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub(super) enum Line {
    FactSheet(Box<SheetLine>),
    Relation(RelationLine),
}

const SHEET_FIELDS: &[&str] = &[
    "kind",
    "ref",
    "type",
    "name",
    "description",
    "status",
    "attributes",
    "tags",
    "externalIds",
    "parent",
    "subscriptions",
];
const RELATION_FIELDS: &[&str] = &[
    "kind",
    "type",
    "from",
    "to",
    "attributes",
    "activeFrom",
    "activeUntil",
];

/// Parses line number `line` (1-based); `Ok(None)` for a blank line.
pub(super) fn parse_line(line: usize, text: &str) -> Result<Option<Line>, Vec<FieldError>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let value = serde_json::from_str::<Value>(text)
        .map_err(|e| vec![FieldError::new("", format!("is not JSON: {e}"))])?;
    if let Some(refusal) = crate::limits::check_json("", &value) {
        return Err(vec![refusal]);
    }
    let Value::Object(object) = value else {
        return Err(vec![FieldError::new("", "a line must be a JSON object")]);
    };
    let mut errors = Vec::new();
    let parsed = match object.get("kind").and_then(Value::as_str) {
        Some("factSheet") => {
            unknown_fields(&object, SHEET_FIELDS, &mut errors);
            sheet_line(line, &object, &mut errors).map(|s| Line::FactSheet(Box::new(s)))
        }
        Some("relation") => {
            unknown_fields(&object, RELATION_FIELDS, &mut errors);
            relation_line(line, &object, &mut errors).map(Line::Relation)
        }
        _ => {
            errors.push(FieldError::new("kind", "must be factSheet or relation"));
            None
        }
    };
    match parsed {
        Some(p) if errors.is_empty() => Ok(Some(p)),
        _ => Err(errors),
    }
}

fn unknown_fields(object: &Map<String, Value>, known: &[&str], errors: &mut Vec<FieldError>) {
    for key in object.keys().filter(|k| !known.contains(&k.as_str())) {
        errors.push(FieldError::new(
            key.clone(),
            format!(
                "is not a field of this kind of line; the fields are {}",
                known.join(", ")
            ),
        ));
    }
}

fn sheet_line(
    line: usize,
    o: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Option<SheetLine> {
    let named = required(o, "ref", reference, errors);
    let fact_sheet_type = match patch(o, "type", text, errors) {
        Patch::Set(t) => Some(t),
        Patch::Keep => None,
        Patch::Clear => {
            errors.push(FieldError::new("type", "cannot be cleared"));
            None
        }
    };
    let name = patch(o, "name", text, errors);
    if name == Patch::Clear {
        errors.push(FieldError::new("name", "cannot be cleared"));
    }
    let status = match patch(o, "status", status, errors) {
        Patch::Set(s) => Some(s),
        Patch::Keep => None,
        Patch::Clear => {
            errors.push(FieldError::new("status", "cannot be cleared"));
            None
        }
    };
    let sheet = SheetLine {
        line,
        reference: named?,
        fact_sheet_type,
        name,
        description: patch(o, "description", text, errors),
        status,
        attributes: patch(o, "attributes", held_attributes, errors),
        tags: patch(o, "tags", |v| list(v, text), errors),
        external_ids: patch(o, "externalIds", |v| list(v, external_id), errors),
        parent: patch(o, "parent", reference, errors),
        subscriptions: patch(o, "subscriptions", |v| list(v, subscription), errors),
    };
    Some(sheet)
}

fn relation_line(
    line: usize,
    o: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Option<RelationLine> {
    let relation_type = required(o, "type", text, errors);
    let from = required(o, "from", reference, errors);
    let to = required(o, "to", reference, errors);
    let attributes = patch(o, "attributes", attributes, errors);
    let active_from = patch(o, "activeFrom", instant, errors);
    let active_until = patch(o, "activeUntil", instant, errors);
    Some(RelationLine {
        line,
        relation_type: relation_type?,
        from: from?,
        to: to?,
        attributes,
        active_from,
        active_until,
    })
}

/// The field `key`: left out, `null`, or read by `read` (whose message names the problem).
fn patch<T>(
    o: &Map<String, Value>,
    key: &str,
    read: impl Fn(&Value) -> Result<T, String>,
    errors: &mut Vec<FieldError>,
) -> Patch<T> {
    match o.get(key) {
        None => Patch::Keep,
        Some(Value::Null) => Patch::Clear,
        Some(v) => match read(v) {
            Ok(t) => Patch::Set(t),
            Err(message) => {
                errors.push(FieldError::new(key, message));
                Patch::Keep
            }
        },
    }
}

fn required<T>(
    o: &Map<String, Value>,
    key: &str,
    read: impl Fn(&Value) -> Result<T, String>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match patch(o, key, read, errors) {
        Patch::Set(t) => Some(t),
        Patch::Clear | Patch::Keep => {
            if !errors.iter().any(|e| e.path == key) {
                errors.push(FieldError::new(key, "is required"));
            }
            None
        }
    }
}

fn text(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| "must be a string".to_owned())
}

fn reference(v: &Value) -> Result<Ref, String> {
    serde_json::from_value(v.clone()).map_err(|_| {
        r#"must be {"id": "<uuid>"} or {"externalId": {"namespace": "…", "value": "…"}}"#.to_owned()
    })
}

fn status(v: &Value) -> Result<Status, String> {
    match v.as_str() {
        Some("ACTIVE") => Ok(Status::Active),
        Some("ARCHIVED") => Ok(Status::Archived),
        _ => Err("must be ACTIVE or ARCHIVED".to_owned()),
    }
}

fn attributes(v: &Value) -> Result<Attributes, String> {
    object(v).cloned()
}

/// Held as text straight from the parsed line, without a copy of the map first.
fn held_attributes(v: &Value) -> Result<HeldAttributes, String> {
    object(v).map(HeldAttributes::hold)
}

fn object(v: &Value) -> Result<&Attributes, String> {
    v.as_object()
        .ok_or_else(|| "must be an object of attribute values".to_owned())
}

fn list<T>(v: &Value, item: impl Fn(&Value) -> Result<T, String>) -> Result<Vec<T>, String> {
    let items = v.as_array().ok_or_else(|| "must be a list".to_owned())?;
    items
        .iter()
        .enumerate()
        .map(|(i, v)| item(v).map_err(|m| format!("item {i} {m}")))
        .collect()
}

fn external_id(v: &Value) -> Result<ExternalId, String> {
    serde_json::from_value(v.clone())
        .map_err(|_| r#"must be {"namespace": "…", "value": "…"}"#.to_owned())
}

fn subscription(v: &Value) -> Result<(String, SubscriptionRole), String> {
    let user = v.get("user").and_then(Value::as_str);
    let role = v
        .get("role")
        .and_then(Value::as_str)
        .and_then(SubscriptionRole::parse);
    match (user, role) {
        (Some(user), Some(role)) => Ok((user.to_owned(), role)),
        _ => Err(
            r#"must be {"user": "…", "role": "RESPONSIBLE" | "ACCOUNTABLE" | "OBSERVER"}"#
                .to_owned(),
        ),
    }
}

fn instant(v: &Value) -> Result<DateTime<Utc>, String> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| "must be an RFC 3339 date and time".to_owned())
}

/// An NDJSON body read as it arrives: fed chunk by chunk, it parses each line as soon as its
/// newline is in, so only the parsed fact sheet lines, the text of the relation lines (on disk
/// when there are many) and at most one unfinished line are held, never the body's text.
#[derive(Debug, Default)]
pub struct NdjsonReader {
    body: ParsedBody,
    unfinished: Vec<u8>,
    lines_read: usize,
}

/// The lines of a body, parsed: what an import applies. A producer of lines other than NDJSON
/// text fills one through [`NdjsonReader`] as well.
#[derive(Debug, Default)]
pub struct ParsedBody {
    /// The sheet lines and the relation lines apart, as an import applies them, so a large
    /// body's lines are not held twice while they are sorted out.
    pub(super) sheets: Vec<SheetLine>,
    pub(super) relations: RelationLines,
    /// The lines that did not parse, each problem with its line and field.
    pub(super) refused: Vec<(usize, FieldError)>,
    not_utf8: bool,
}

impl ParsedBody {
    /// The lines another format was read into, and the problems of those it could not read.
    pub(super) fn of(lines: Vec<Line>, refused: Vec<(usize, FieldError)>) -> Self {
        let mut body = Self {
            refused,
            ..Self::default()
        };
        for line in lines {
            match line {
                Line::FactSheet(sheet) => body.sheets.push(*sheet),
                Line::Relation(r) => body.relations.push_parsed(r),
            }
        }
        body
    }

    /// Whether some line was not UTF-8 text (the body is refused as a whole then).
    pub fn is_utf8(&self) -> bool {
        !self.not_utf8
    }
}

impl NdjsonReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next bytes of the body, in chunks of any size.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while let Some(end) = bytes.iter().position(|&b| b == b'\n') {
            if self.unfinished.is_empty() {
                self.line(&bytes[..end]);
            } else {
                self.unfinished.extend_from_slice(&bytes[..end]);
                let text = std::mem::take(&mut self.unfinished);
                self.line(&text);
            }
            bytes = &bytes[end + 1..];
        }
        self.unfinished.extend_from_slice(bytes);
    }

    /// The parsed body, once every chunk has been fed.
    pub fn finish(mut self) -> ParsedBody {
        let last = std::mem::take(&mut self.unfinished);
        self.line(&last);
        self.body.relations.finish();
        self.body
    }

    fn line(&mut self, bytes: &[u8]) {
        self.lines_read += 1;
        let number = self.lines_read;
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.body.not_utf8 = true;
            return;
        };
        let text = text.strip_suffix('\r').unwrap_or(text);
        match parse_line(number, text) {
            Ok(None) => {}
            Ok(Some(Line::FactSheet(sheet))) => self.body.sheets.push(*sheet),
            // Kept as text, to be parsed again when its batch is applied: see `RelationLines`.
            Ok(Some(Line::Relation(r))) => self.body.relations.push_text(&r, text),
            Err(errors) => self
                .body
                .refused
                .extend(errors.into_iter().map(|e| (number, e))),
        }
    }
}
