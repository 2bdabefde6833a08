//! Turns a user's fact sheet filter into SQL conditions, checking it against the meta model
//! first. Each part is kept apart so facet counts can leave out their own part (the usual
//! faceted-search rule: choosing one language must not hide the counts of the others).

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait, LikeExpr, Query, SelectStatement},
};
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{
    Status,
    filter_bounds::{self, NumberBounds},
    filter_options::unknown_option,
    filter_subscriptions::{self, SubscriptionFilter},
};
use crate::{
    error::{Error, FieldError, Result},
    limits,
    meta_model::{AttributeType, MetaModel},
    principal::Principal,
};
use entity::{attribute_value, fact_sheet, fact_sheet_tag, relation, tag};

/// Serialisable so a saved view can keep it; what it holds is checked against the meta model
/// whenever it is compiled, so a stored filter is as safe as a fresh one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct FactSheetFilter {
    pub ids: Option<Vec<Uuid>>,
    pub types: Option<Vec<String>>,
    /// Words that must all appear in the name or description (case-insensitive).
    pub search: Option<String>,
    /// `{ key: value }` equals, `{ key: [a, b] }` any of, `{ key: { gte, lt, … } }` ranges,
    /// `{ key: { isSet: false } }` missing values.
    pub attributes: Option<Value>,
    /// Tag names the fact sheet must all carry.
    pub tags: Option<Vec<String>>,
    /// Defaults to active fact sheets.
    pub status: Option<Status>,
    pub relations: Vec<RelationFilter>,
    pub parent_id: Option<Uuid>,
    /// Bounds on completion (a fraction, 0 to 1).
    pub completion: Option<NumberBounds>,
    /// Fact sheets last changed at or after this instant.
    pub updated_after: Option<DateTime<Utc>>,
    /// Fact sheets last changed before this instant.
    pub updated_before: Option<DateTime<Utc>>,
    /// Subscriptions the fact sheet must have (or lack), all of them.
    pub subscriptions: Vec<SubscriptionFilter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RelationDirection {
    Outgoing,
    Incoming,
}

/// The relation's end at the filtered fact sheet, and its other end.
fn ends(direction: RelationDirection) -> (relation::Column, relation::Column) {
    match direction {
        RelationDirection::Outgoing => (relation::Column::FromId, relation::Column::ToId),
        RelationDirection::Incoming => (relation::Column::ToId, relation::Column::FromId),
    }
}

/// "Has (or lacks) a relation of this type", optionally to one given fact sheet.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationFilter {
    #[serde(rename = "type")]
    pub relation_type: String,
    pub direction: RelationDirection,
    pub other_id: Option<Uuid>,
    pub exists: bool,
}

/// One attribute condition after parsing.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeFilter {
    AnyOf(Vec<Value>),
    Range {
        gt: Option<Value>,
        gte: Option<Value>,
        lt: Option<Value>,
        lte: Option<Value>,
    },
    IsSet(bool),
}

/// Which part of a filter a facet leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part<'a> {
    None,
    Types,
    Tags,
    Attribute(&'a str),
}

/// What one attribute condition asks of the attribute index (`attribute_values`).
#[derive(Debug, Clone)]
enum AttributeRows {
    /// At least one row matches this condition (which names the key).
    Matching(Condition),
    /// The key has no row at all.
    Missing,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledFilter {
    workspace_id: Uuid,
    base: Condition,
    types: Option<Condition>,
    tags: Option<Condition>,
    attributes: Vec<(String, AttributeRows)>,
    pub(crate) type_keys: Option<Vec<String>>,
    pub(crate) filtered_attributes: Vec<String>,
    /// The status asked for, when status and types are all the filter asks.
    plain_status: Option<Status>,
}

impl CompiledFilter {
    pub(crate) fn condition(&self, without: Part<'_>) -> Condition {
        let mut all = self.base.clone();
        if without != Part::Types
            && let Some(c) = &self.types
        {
            all = all.add(c.clone());
        }
        if without != Part::Tags
            && let Some(c) = &self.tags
        {
            all = all.add(c.clone());
        }
        let kept = self
            .attributes
            .iter()
            .filter(|(key, _)| without != Part::Attribute(key));
        self.with_attributes(all, kept)
    }

    /// Adds the attribute conditions as at most two sub-queries, whatever their number: one for
    /// the attributes that must match (fact sheets with a matching row for as many keys as
    /// were named) and one for those that must be missing. A sub-query per attribute made
    /// PostgreSQL plan a join per attribute, and planning time grew with the square of their
    /// number.
    fn with_attributes<'a>(
        &self,
        mut all: Condition,
        kept: impl Iterator<Item = &'a (String, AttributeRows)>,
    ) -> Condition {
        let mut matching = Condition::any();
        let mut matched = 0i64;
        let mut missing = Vec::new();
        for (key, rows) in kept {
            match rows {
                AttributeRows::Matching(c) => {
                    matching = matching.add(c.clone());
                    matched += 1;
                }
                AttributeRows::Missing => missing.push(key.clone()),
            }
        }
        let rows = || {
            Query::select()
                .column(attribute_value::Column::FactSheetId)
                .from(attribute_value::Entity)
                .and_where(attribute_value::Column::WorkspaceId.eq(self.workspace_id))
                .to_owned()
        };
        if matched > 0 {
            let sub = rows()
                .cond_where(matching)
                .group_by_col(attribute_value::Column::FactSheetId)
                .and_having(
                    Expr::col(attribute_value::Column::Key)
                        .count_distinct()
                        .eq(matched),
                )
                .to_owned();
            all = all.add(fact_sheet::Column::Id.in_subquery(sub));
        }
        if !missing.is_empty() {
            let sub = rows()
                .and_where(attribute_value::Column::Key.is_in(missing))
                .to_owned();
            all = all.add(fact_sheet::Column::Id.not_in_subquery(sub));
        }
        all
    }

    /// The filter as a condition on the columns of `table` (an alias of `fact_sheets`), when it
    /// asks for no more than a status and types; `None` when it needs [`Self::ids_query`].
    /// A statement that reads the fact sheets anyway then filters them as it reads them: as
    /// `id IN (ids_query)` PostgreSQL joined the table to itself, reading every fact sheet of
    /// the workspace to keep those the index had already found. The status and types are
    /// written into the statement rather than bound, so that a plan PostgreSQL makes once for
    /// any parameters still knows how common each type is.
    pub(crate) fn columns_of(&self, table: &Alias) -> Option<Condition> {
        let status = self.plain_status?;
        let mut all = Condition::all()
            .add(Expr::col((table.clone(), fact_sheet::Column::WorkspaceId)).eq(self.workspace_id))
            .add(
                Expr::col((table.clone(), fact_sheet::Column::Status))
                    .eq(Expr::Constant(status.as_str().into())),
            );
        if let Some(types) = &self.type_keys {
            all = all.add(
                Expr::col((table.clone(), fact_sheet::Column::FactSheetType))
                    .is_in(types.iter().map(|t| Expr::Constant(t.as_str().into()))),
            );
        }
        Some(all)
    }

    /// `SELECT id FROM fact_sheets WHERE …` for use as a sub-query.
    pub(crate) fn ids_query(&self, without: Part<'_>) -> SelectStatement {
        Query::select()
            .column(fact_sheet::Column::Id)
            .from(fact_sheet::Entity)
            .cond_where(self.condition(without))
            .to_owned()
    }
}

/// The status a filter asks for, when it asks nothing but that and types. Every field is named,
/// so a new one has to be placed here.
fn plain_status(filter: &FactSheetFilter) -> Option<Status> {
    let FactSheetFilter {
        ids,
        types: _,
        search,
        attributes,
        tags,
        status,
        relations,
        parent_id,
        completion,
        updated_after,
        updated_before,
        subscriptions,
    } = filter;
    let plain = ids.is_none()
        && search.is_none()
        && attributes.is_none()
        && tags.is_none()
        && relations.is_empty()
        && parent_id.is_none()
        && completion.is_none()
        && updated_after.is_none()
        && updated_before.is_none()
        && subscriptions.is_empty();
    plain.then(|| status.unwrap_or(Status::Active))
}

pub(crate) async fn compile(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    filter: &FactSheetFilter,
) -> Result<CompiledFilter> {
    Error::check(oversized(filter))?;
    let ws = principal.workspace_id;
    let mut errors = Vec::new();
    let mut base = Condition::all()
        .add(fact_sheet::Column::WorkspaceId.eq(ws))
        .add(fact_sheet::Column::Status.eq(filter.status.unwrap_or(Status::Active).as_str()));
    if let Some(ids) = &filter.ids {
        base = base.add(fact_sheet::Column::Id.is_in(ids.iter().copied()));
    }
    if let Some(parent) = filter.parent_id {
        base = base.add(fact_sheet::Column::ParentId.eq(parent));
    }
    if let Some(bounds) = &filter.completion {
        base = base.add(filter_bounds::completion(bounds, &mut errors));
    }
    base = base.add(filter_bounds::updated(
        filter.updated_after,
        filter.updated_before,
        &mut errors,
    ));
    if let Some(c) = filter_subscriptions::condition(ws, &filter.subscriptions, &mut errors) {
        base = base.add(c);
    }
    if let Some(search) = &filter.search {
        for word in search.split_whitespace() {
            let pattern = format!("%{}%", escape_like(&word.to_lowercase()));
            base = base.add(
                Expr::col(fact_sheet::Column::SearchText).like(LikeExpr::new(pattern).escape('\\')),
            );
        }
    }
    // Relation conditions become at most two sub-queries per direction, whatever their number:
    // the fact sheets with a matching relation for every `exists` condition (grouped by fact
    // sheet, each condition checked once more in HAVING), and those with a relation matching
    // any `exists: false` condition, left out. One sub-query per condition made PostgreSQL plan
    // a join per condition.
    let mut wanted: [Vec<Condition>; 2] = Default::default();
    let mut unwanted: [Vec<Condition>; 2] = Default::default();
    for (i, r) in filter.relations.iter().enumerate() {
        if model.relation_type(&r.relation_type).is_none() {
            errors.push(FieldError::new(
                format!("filter.relations.{i}.type"),
                format!("unknown relation type `{}`", r.relation_type),
            ));
            continue;
        }
        let (_, other_end) = ends(r.direction);
        let matching = Condition::all()
            .add(relation::Column::RelationType.eq(r.relation_type.clone()))
            .add_option(r.other_id.map(|other| other_end.eq(other)));
        let side = r.direction as usize;
        if r.exists {
            wanted[side].push(matching);
        } else {
            unwanted[side].push(matching);
        }
    }
    for direction in [RelationDirection::Outgoing, RelationDirection::Incoming] {
        let (this_end, _) = ends(direction);
        let relations = |conditions: &[Condition]| {
            Query::select()
                .column(this_end)
                .from(relation::Entity)
                .and_where(relation::Column::WorkspaceId.eq(ws))
                .cond_where(
                    conditions
                        .iter()
                        .cloned()
                        .fold(Condition::any(), Condition::add),
                )
                .to_owned()
        };
        let wanted = &wanted[direction as usize];
        if !wanted.is_empty() {
            let mut sub = relations(wanted);
            if wanted.len() > 1 {
                sub.group_by_col(this_end);
                for matching in wanted {
                    let matched: Expr = Expr::case(matching.clone(), 1).finally(0).into();
                    sub.and_having(matched.max().eq(1));
                }
            }
            base = base.add(fact_sheet::Column::Id.in_subquery(sub));
        }
        let unwanted = &unwanted[direction as usize];
        if !unwanted.is_empty() {
            base = base.add(fact_sheet::Column::Id.not_in_subquery(relations(unwanted)));
        }
    }

    let types = match &filter.types {
        Some(types) => {
            for (i, t) in types.iter().enumerate() {
                if model.fact_sheet_type(t).is_none() {
                    errors.push(FieldError::new(
                        format!("filter.types.{i}"),
                        format!("unknown fact sheet type `{t}`"),
                    ));
                }
            }
            Some(Condition::all().add(fact_sheet::Column::FactSheetType.is_in(types.clone())))
        }
        None => None,
    };

    let tags = match &filter.tags {
        Some(names) if !names.is_empty() => {
            let found = tag::Entity::find()
                .filter(tag::Column::WorkspaceId.eq(ws))
                .filter(tag::Column::Name.is_in(names.clone()))
                .all(db)
                .await?;
            let mut tag_ids = BTreeSet::new();
            for (i, name) in names.iter().enumerate() {
                match found.iter().find(|t| &t.name == name) {
                    Some(t) => {
                        tag_ids.insert(t.id);
                    }
                    None => errors.push(FieldError::new(
                        format!("filter.tags.{i}"),
                        format!("unknown tag `{name}`"),
                    )),
                }
            }
            // One sub-query for all the tags (fact sheets linked to as many of them as were
            // named), not one per tag: PostgreSQL plans each sub-query as a join of its own, and
            // its planning time grew with the square of their number.
            let wanted = tag_ids.len() as i64;
            let sub = Query::select()
                .column(fact_sheet_tag::Column::FactSheetId)
                .from(fact_sheet_tag::Entity)
                .and_where(fact_sheet_tag::Column::WorkspaceId.eq(ws))
                .and_where(fact_sheet_tag::Column::TagId.is_in(tag_ids))
                .group_by_col(fact_sheet_tag::Column::FactSheetId)
                .and_having(
                    Expr::col(fact_sheet_tag::Column::TagId)
                        .count_distinct()
                        .eq(wanted),
                )
                .to_owned();
            Some(Condition::all().add(fact_sheet::Column::Id.in_subquery(sub)))
        }
        _ => None,
    };

    let mut attributes = Vec::new();
    let mut filtered_attributes = Vec::new();
    if let Some(value) = &filter.attributes {
        match value.as_object() {
            Some(object) => {
                for (key, spec) in object {
                    let path = format!("filter.attributes.{key}");
                    let in_scope = model.attribute_definitions(key).find(|(t, _)| {
                        filter
                            .types
                            .as_ref()
                            .is_none_or(|types| types.contains(&t.key))
                    });
                    let Some((_, definition)) = in_scope else {
                        errors.push(FieldError::new(
                            path,
                            format!("`{key}` is not an attribute of the filtered types"),
                        ));
                        continue;
                    };
                    let in_types = || {
                        model
                            .attribute_definitions(key)
                            .filter(|(t, _)| {
                                filter
                                    .types
                                    .as_ref()
                                    .is_none_or(|types| types.contains(&t.key))
                            })
                            .map(|(_, d)| d)
                    };
                    match parse_attribute_filter(spec)
                        .and_then(|f| match unknown_option(in_types(), &f) {
                            Some(refusal) => Err(refusal),
                            None => Ok(f),
                        })
                        .and_then(|f| attribute_rows(key, definition.kind, &f))
                    {
                        Ok(c) => {
                            attributes.push((key.clone(), c));
                            filtered_attributes.push(key.clone());
                        }
                        Err(message) => errors.push(FieldError::new(path, message)),
                    }
                }
            }
            None => errors.push(FieldError::new(
                "filter.attributes",
                "must be an object keyed by attribute key",
            )),
        }
    }
    Error::check(errors)?;
    Ok(CompiledFilter {
        workspace_id: ws,
        base,
        types,
        tags,
        attributes,
        type_keys: filter.types.clone(),
        filtered_attributes,
        plain_status: plain_status(filter),
    })
}

/// The parts of `filter` over their [caps](crate::limits), checked before anything else so an
/// oversized filter costs no statement and no per-item work.
fn oversized(filter: &FactSheetFilter) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut cap = |cap: limits::Cap, path: &str, count: Option<usize>| {
        errors.extend(count.and_then(|n| cap.check(path, n)));
    };
    cap(limits::IDS, "filter.ids", filter.ids.as_ref().map(Vec::len));
    cap(
        limits::TYPES,
        "filter.types",
        filter.types.as_ref().map(Vec::len),
    );
    cap(
        limits::TAGS,
        "filter.tags",
        filter.tags.as_ref().map(Vec::len),
    );
    cap(
        limits::RELATION_FILTERS,
        "filter.relations",
        Some(filter.relations.len()),
    );
    cap(
        limits::SUBSCRIPTION_FILTERS,
        "filter.subscriptions",
        Some(filter.subscriptions.len()),
    );
    if let Some(search) = &filter.search {
        cap(
            limits::SEARCH_CHARACTERS,
            "filter.search",
            Some(search.chars().count()),
        );
        cap(
            limits::SEARCH_WORDS,
            "filter.search",
            Some(search.split_whitespace().count()),
        );
    }
    if let Some(Value::Object(object)) = &filter.attributes {
        cap(
            limits::ATTRIBUTE_FILTERS,
            "filter.attributes",
            Some(object.len()),
        );
        for (key, spec) in object {
            let values = match spec {
                Value::Array(values) => Some(values.len()),
                Value::Object(ops) => ops.get("in").and_then(Value::as_array).map(Vec::len),
                _ => None,
            };
            cap(
                limits::ATTRIBUTE_VALUES,
                &format!("filter.attributes.{key}"),
                values,
            );
        }
    }
    errors
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub(crate) fn parse_attribute_filter(spec: &Value) -> std::result::Result<AttributeFilter, String> {
    match spec {
        Value::Null => Ok(AttributeFilter::IsSet(false)),
        Value::Array(values) => Ok(AttributeFilter::AnyOf(values.clone())),
        Value::Object(ops) => {
            let mut range = (None, None, None, None);
            let mut any_of = None;
            let mut is_set = None;
            for (op, v) in ops {
                match op.as_str() {
                    "eq" => any_of = Some(vec![v.clone()]),
                    "in" => any_of = Some(v.as_array().cloned().ok_or("`in` takes a list")?),
                    "gt" => range.0 = Some(v.clone()),
                    "gte" => range.1 = Some(v.clone()),
                    "lt" => range.2 = Some(v.clone()),
                    "lte" => range.3 = Some(v.clone()),
                    "isSet" => is_set = Some(v.as_bool().ok_or("`isSet` takes true or false")?),
                    other => {
                        return Err(format!(
                            "unknown operator `{other}` (use eq, in, gt, gte, lt, lte, isSet)"
                        ));
                    }
                }
            }
            let has_range =
                range.0.is_some() || range.1.is_some() || range.2.is_some() || range.3.is_some();
            match (any_of, has_range, is_set) {
                (Some(values), false, None) => Ok(AttributeFilter::AnyOf(values)),
                (None, true, None) => Ok(AttributeFilter::Range {
                    gt: range.0,
                    gte: range.1,
                    lt: range.2,
                    lte: range.3,
                }),
                (None, false, Some(set)) => Ok(AttributeFilter::IsSet(set)),
                _ => Err("combine either eq/in, or range operators, or isSet".into()),
            }
        }
        scalar => Ok(AttributeFilter::AnyOf(vec![scalar.clone()])),
    }
}

/// The rows of the attribute index that `filter` asks for (see [`CompiledFilter::condition`]).
fn attribute_rows(
    key: &str,
    kind: AttributeType,
    filter: &AttributeFilter,
) -> std::result::Result<AttributeRows, String> {
    let numeric = kind.is_numeric();
    let column = if numeric {
        attribute_value::Column::ValueNumber
    } else {
        attribute_value::Column::ValueText
    };
    let operand = |v: &Value| -> std::result::Result<Expr, String> {
        if numeric {
            v.as_f64()
                .map(Expr::value)
                .ok_or_else(|| "compare numbers with numbers".to_string())
        } else {
            match v {
                Value::String(s) => Ok(Expr::value(s.clone())),
                Value::Bool(b) => Ok(Expr::value(b.to_string())),
                _ => Err("compare with a string".into()),
            }
        }
    };
    let mut rows = Condition::all().add(attribute_value::Column::Key.eq(key));
    match filter {
        AttributeFilter::IsSet(false) => return Ok(AttributeRows::Missing),
        AttributeFilter::IsSet(true) => {}
        AttributeFilter::AnyOf(values) => {
            if values.is_empty() {
                return Err("needs at least one value".into());
            }
            let operands = values
                .iter()
                .map(operand)
                .collect::<std::result::Result<Vec<_>, _>>()?;
            rows = rows.add(Expr::col(column).is_in(operands));
        }
        AttributeFilter::Range { gt, gte, lt, lte } => {
            if let Some(v) = gt {
                rows = rows.add(Expr::col(column).gt(operand(v)?));
            }
            if let Some(v) = gte {
                rows = rows.add(Expr::col(column).gte(operand(v)?));
            }
            if let Some(v) = lt {
                rows = rows.add(Expr::col(column).lt(operand(v)?));
            }
            if let Some(v) = lte {
                rows = rows.add(Expr::col(column).lte(operand(v)?));
            }
        }
    }
    Ok(AttributeRows::Matching(rows))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn attribute_filters_parse() {
        assert_eq!(
            parse_attribute_filter(&json!("go")).unwrap(),
            AttributeFilter::AnyOf(vec![json!("go")])
        );
        assert_eq!(
            parse_attribute_filter(&json!(["a", "b"])).unwrap(),
            AttributeFilter::AnyOf(vec![json!("a"), json!("b")])
        );
        assert_eq!(
            parse_attribute_filter(&json!({"isSet": false})).unwrap(),
            AttributeFilter::IsSet(false)
        );
        assert!(matches!(
            parse_attribute_filter(&json!({"gte": 1, "lt": 5})).unwrap(),
            AttributeFilter::Range { .. }
        ));
        assert!(parse_attribute_filter(&json!({"near": 1})).is_err());
        assert!(parse_attribute_filter(&json!({"eq": 1, "gt": 0})).is_err());
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_a\\"), "50\\%\\_a\\\\");
    }
}
