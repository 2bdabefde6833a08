//! Bulk import of a whole graph: fact sheets and the relations among them, validated against the
//! meta model exactly like single writes, then written in multi-row statements (a few thousand
//! rows each, far below both databases' bind-parameter limits). Each imported fact sheet gets
//! one history revision, `CREATED`, whose diff also lists its imported relations: the import is
//! its first change. The caller's transaction makes the import all or nothing.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::{
    attributes::{Attributes, IndexValue, completion, index_values, validate_attributes},
    authz::{self, Action},
    error::{Error, FieldError, Result},
    external_ids::ExternalId,
    fact_sheets::Status,
    history::ChangeKind,
    limits,
    meta_model::{Cardinality, MetaModel},
    principal::Principal,
    tags,
};
use entity::{change, external_id, fact_sheet, fact_sheet_tag, relation};

/// Rows per statement: the widest table has 15 columns; 2,000 × 15 stays under SQLite's 32,766
/// and PostgreSQL's 65,535 parameters.
const ROWS_PER_STATEMENT: usize = 2_000;

#[derive(Debug, Clone, Default)]
pub struct ImportFactSheet {
    /// Chosen by the caller so relations can refer to fact sheets of the same import.
    pub id: Uuid,
    pub fact_sheet_type: String,
    pub name: String,
    pub description: Option<String>,
    pub attributes: Attributes,
    pub external_ids: Vec<ExternalId>,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ImportRelation {
    pub relation_type: String,
    pub from_id: Uuid,
    pub to_id: Uuid,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub fact_sheets: usize,
    pub relations: usize,
}

/// Checks everything first and reports every problem with its path (`factSheets.12.name`,
/// `relations.3.toId`); writes nothing unless all pass. `progress` hears `(rows written, rows
/// in all)` after every statement, for a progress display.
pub async fn import_graph(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    sheets: Vec<ImportFactSheet>,
    relations: Vec<ImportRelation>,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ImportSummary> {
    authz::require(principal, Action::WriteInventory)?;
    crate::features::require_within_total(db, principal.workspace_id, sheets.len() as u64).await?;
    let (prepared, mut errors) = prepare_sheets(model, &sheets);
    errors.extend(check_relations(model, &sheets, &relations));
    Error::check(errors)?;

    let ws = principal.workspace_id;
    let now = Utc::now();
    let tag_ids = ensure_tags(db, principal, &sheets).await?;
    let mut relations_of: HashMap<Uuid, Vec<Value>> = HashMap::new();
    let relation_rows: Vec<relation::ActiveModel> = relations
        .iter()
        .map(|r| {
            let id = Uuid::now_v7();
            for (end, other, direction) in [
                (r.from_id, r.to_id, "outgoing"),
                (r.to_id, r.from_id, "incoming"),
            ] {
                relations_of.entry(end).or_default().push(json!({
                    "id": id, "type": r.relation_type, "direction": direction, "otherId": other,
                }));
            }
            relation::ActiveModel {
                workspace_id: Set(ws),
                id: Set(id),
                relation_type: Set(r.relation_type.clone()),
                from_id: Set(r.from_id),
                to_id: Set(r.to_id),
                attributes: Set(json!({})),
                active_from: Set(None),
                active_until: Set(None),
                revision: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();

    let mut sheet_rows = Vec::with_capacity(sheets.len());
    let mut index_rows = Vec::with_capacity(sheets.len());
    let mut id_rows = Vec::new();
    let mut tag_rows = Vec::new();
    let mut history_rows = Vec::with_capacity(sheets.len());
    let actor_name = crate::api_tokens::acting_token_name(db, principal)
        .await?
        .map(|name| name.to_string());
    for (sheet, (attributes, index)) in sheets.iter().zip(prepared) {
        let name = sheet.name.trim().to_owned();
        let description = sheet.description.clone().filter(|d| !d.trim().is_empty());
        let mut diff = Map::new();
        diff.insert(
            "type".into(),
            json!({ "old": null, "new": sheet.fact_sheet_type }),
        );
        diff.insert("name".into(), json!({ "old": null, "new": name }));
        for (key, value) in &attributes {
            diff.insert(
                format!("attributes.{key}"),
                json!({ "old": null, "new": value }),
            );
        }
        if !sheet.external_ids.is_empty() {
            diff.insert(
                "externalIds".into(),
                json!({ "old": null, "new": sheet.external_ids }),
            );
        }
        if !sheet.tags.is_empty() {
            diff.insert("tags".into(), json!({ "old": null, "new": sheet.tags }));
        }
        if let Some(list) = relations_of.remove(&sheet.id) {
            diff.insert("relations".into(), json!({ "old": null, "new": list }));
        }
        let definitions = &model
            .fact_sheet_type(&sheet.fact_sheet_type)
            .expect("checked above")
            .attributes;
        sheet_rows.push(fact_sheet::ActiveModel {
            workspace_id: Set(ws),
            id: Set(sheet.id),
            fact_sheet_type: Set(sheet.fact_sheet_type.clone()),
            search_text: Set(crate::fact_sheet_store::search_text(
                &name,
                description.as_deref(),
            )),
            name: Set(name),
            description: Set(description),
            completion: Set(completion(definitions, &attributes)),
            attributes: Set(Value::Object(attributes)),
            status: Set(Status::Active.as_str().to_owned()),
            revision: Set(1),
            parent_id: Set(None),
            created_by: Set(principal.subject.clone()),
            updated_by: Set(principal.subject.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        });
        index_rows.push((sheet.id, index));
        id_rows.extend(sheet.external_ids.iter().map(|e| external_id::ActiveModel {
            workspace_id: Set(ws),
            namespace: Set(e.namespace.clone()),
            value: Set(e.value.clone()),
            fact_sheet_id: Set(sheet.id),
        }));
        let mut seen = HashSet::new();
        tag_rows.extend(sheet.tags.iter().filter(|t| seen.insert(*t)).map(|t| {
            fact_sheet_tag::ActiveModel {
                workspace_id: Set(ws),
                fact_sheet_id: Set(sheet.id),
                tag_id: Set(tag_ids[t.as_str()]),
            }
        }));
        history_rows.push(change::ActiveModel {
            workspace_id: Set(ws),
            fact_sheet_id: Set(sheet.id),
            revision: Set(1),
            kind: Set(ChangeKind::Created.as_str().to_owned()),
            diff: Set(Value::Object(diff)),
            comment: Set(Some("imported".into())),
            actor: Set(principal.subject.clone()),
            actor_name: Set(actor_name.clone()),
            at: Set(now),
        });
    }
    let summary = ImportSummary {
        fact_sheets: sheet_rows.len(),
        relations: relation_rows.len(),
    };
    let index_count: usize = index_rows.iter().map(|(_, v)| v.len()).sum();
    let mut rows = Rows {
        written: 0,
        total: sheet_rows.len()
            + index_count
            + id_rows.len()
            + tag_rows.len()
            + relation_rows.len()
            + history_rows.len(),
        progress,
    };
    rows.insert(db, sheet_rows).await?;
    crate::fact_sheet_store::insert_index(db, ws, &index_rows).await?;
    rows.advance(index_count);
    rows.insert(db, id_rows).await?;
    rows.insert(db, tag_rows).await?;
    rows.insert(db, relation_rows).await?;
    rows.insert(db, history_rows).await?;
    // History written in bulk, so the counter is raised here rather than per change.
    crate::versions::raise(
        db,
        crate::versions::Counter::Inventory,
        ws,
        crate::versions::Touched::Everything,
    )
    .await?;
    Ok(summary)
}

/// Counts written rows for the caller's progress display.
struct Rows<'a> {
    written: usize,
    total: usize,
    progress: &'a mut (dyn FnMut(usize, usize) + Send),
}

impl Rows<'_> {
    fn advance(&mut self, n: usize) {
        self.written += n;
        (self.progress)(self.written, self.total);
    }

    async fn insert<A: sea_orm::ActiveModelTrait>(
        &mut self,
        db: &impl ConnectionTrait,
        mut rows: Vec<A>,
    ) -> Result<()> {
        while !rows.is_empty() {
            let rest = rows.split_off(rows.len().min(ROWS_PER_STATEMENT));
            let chunk = std::mem::replace(&mut rows, rest);
            let n = chunk.len();
            <A::Entity as EntityTrait>::insert_many(chunk)
                .exec_without_returning(db)
                .await?;
            self.advance(n);
        }
        Ok(())
    }
}

type Prepared = (Attributes, Vec<IndexValue>);

fn prepare_sheets(
    model: &MetaModel,
    sheets: &[ImportFactSheet],
) -> (Vec<Prepared>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let mut prepared = Vec::with_capacity(sheets.len());
    let mut ids = HashSet::new();
    let mut external = HashSet::new();
    for (i, sheet) in sheets.iter().enumerate() {
        let path = format!("factSheets.{i}");
        if !ids.insert(sheet.id) {
            errors.push(FieldError::new(format!("{path}.id"), "appears twice"));
        }
        if let Some(e) = crate::fact_sheets::check_name(&sheet.name) {
            errors.push(e.under(&path));
        }
        errors.extend(with_nul(sheet).into_iter().map(|e| e.under(&path)));
        for (j, e) in sheet.external_ids.iter().enumerate() {
            if !external.insert((e.namespace.as_str(), e.value.as_str())) {
                errors.push(FieldError::new(
                    format!("{path}.externalIds.{j}"),
                    "appears twice in the import",
                ));
            }
        }
        let Some(t) = model.fact_sheet_type(&sheet.fact_sheet_type) else {
            errors.push(FieldError::new(
                format!("{path}.type"),
                "is not a fact sheet type",
            ));
            prepared.push((Attributes::new(), Vec::new()));
            continue;
        };
        match validate_attributes(
            &t.attributes,
            &sheet.attributes,
            &t.key,
            &format!("{path}.attributes"),
        ) {
            Ok(a) => {
                let index = index_values(&t.attributes, &a);
                prepared.push((a, index));
            }
            Err(e) => {
                errors.extend(e);
                prepared.push((Attributes::new(), Vec::new()));
            }
        }
    }
    (prepared, errors)
}

/// The texts of `sheet` that hold U+0000, which PostgreSQL cannot store (see
/// [`limits::NUL_REFUSED`]).
fn with_nul(sheet: &ImportFactSheet) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = [
        limits::check_text("type", &sheet.fact_sheet_type),
        limits::check_text("name", &sheet.name),
        sheet
            .description
            .as_deref()
            .and_then(|d| limits::check_text("description", d)),
    ]
    .into_iter()
    .flatten()
    .collect();
    for (key, value) in &sheet.attributes {
        errors.extend(limits::check_json(&format!("attributes.{key}"), value));
    }
    for (j, e) in sheet.external_ids.iter().enumerate() {
        errors.extend(limits::check_text(
            &format!("externalIds.{j}.namespace"),
            &e.namespace,
        ));
        errors.extend(limits::check_text(
            &format!("externalIds.{j}.value"),
            &e.value,
        ));
    }
    for (j, tag) in sheet.tags.iter().enumerate() {
        errors.extend(limits::check_text(&format!("tags.{j}"), tag));
    }
    errors
}

/// Types of both ends, and cardinality counted over the import (the ends are all new, so
/// nothing stored can add to the counts).
fn check_relations(
    model: &MetaModel,
    sheets: &[ImportFactSheet],
    relations: &[ImportRelation],
) -> Vec<FieldError> {
    let types: HashMap<Uuid, &str> = sheets
        .iter()
        .map(|s| (s.id, s.fact_sheet_type.as_str()))
        .collect();
    let mut errors = Vec::new();
    let mut ends: HashSet<(&str, Uuid, Uuid)> = HashSet::new();
    let mut from_count: HashMap<(&str, Uuid), usize> = HashMap::new();
    let mut to_count: HashMap<(&str, Uuid), usize> = HashMap::new();
    for (i, r) in relations.iter().enumerate() {
        let path = format!("relations.{i}");
        let Some(t) = model.relation_type(&r.relation_type) else {
            errors.push(FieldError::new(
                format!("{path}.type"),
                "is not a relation type",
            ));
            continue;
        };
        for (field, id, expected) in [
            ("fromId", r.from_id, &t.from_type),
            ("toId", r.to_id, &t.to_type),
        ] {
            match types.get(&id) {
                None => errors.push(FieldError::new(
                    format!("{path}.{field}"),
                    "is not a fact sheet of this import",
                )),
                Some(actual) if actual != expected => errors.push(FieldError::new(
                    format!("{path}.{field}"),
                    format!("must be a {expected}, not a {actual}"),
                )),
                Some(_) => {}
            }
        }
        if !ends.insert((t.key.as_str(), r.from_id, r.to_id)) {
            errors.push(FieldError::new(path.clone(), "duplicates another relation"));
        }
        let from = from_count.entry((t.key.as_str(), r.from_id)).or_default();
        *from += 1;
        if t.to_cardinality == Cardinality::One && *from > 1 {
            errors.push(FieldError::new(
                format!("{path}.fromId"),
                format!("may have only one {}", t.key),
            ));
        }
        let to = to_count.entry((t.key.as_str(), r.to_id)).or_default();
        *to += 1;
        if t.from_cardinality == Cardinality::One && *to > 1 {
            errors.push(FieldError::new(
                format!("{path}.toId"),
                format!("may have only one {}", t.key),
            ));
        }
    }
    errors
}

/// The id of every tag the import uses, creating the missing ones.
async fn ensure_tags(
    db: &impl ConnectionTrait,
    principal: &Principal,
    sheets: &[ImportFactSheet],
) -> Result<HashMap<String, Uuid>> {
    let mut ids: HashMap<String, Uuid> = tags::list(db, principal)
        .await?
        .into_iter()
        .map(|t| (t.name, t.id))
        .collect();
    let wanted: HashSet<&str> = sheets
        .iter()
        .flat_map(|s| s.tags.iter().map(String::as_str))
        .collect();
    let mut wanted: Vec<&str> = wanted.into_iter().collect();
    wanted.sort_unstable();
    for name in wanted {
        if !ids.contains_key(name) {
            let tag = tags::create(db, principal, name, None, None, None).await?;
            ids.insert(tag.name, tag.id);
        }
    }
    Ok(ids)
}
