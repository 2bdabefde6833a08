//! What a meta model change does to stored data. A change that would leave stored values,
//! relations or cardinalities invalid is refused with the number of affected fact sheets, unless
//! the admin forces it; a forced change rewrites the affected data through the normal write path,
//! so every stripped value and removed relation appears in the history. Nothing is destroyed
//! silently.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::Expr,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{
    attributes::{Attributes, check_value, completion, index_values},
    error::{Error, Result},
    fact_sheet_store,
    history::{self, ChangeKind},
    meta_model::{AttributeDefinition, Cardinality, MetaModel},
    principal::Principal,
};
use entity::{attribute_value, fact_sheet, relation};

/// What a change touched (or, when refused, would have touched).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Impact {
    pub affected_fact_sheets: u64,
    pub affected_relations: u64,
    /// One line per finding, for the admin.
    pub details: Vec<String>,
}

pub(super) async fn assess_and_apply(
    db: &impl ConnectionTrait,
    principal: &Principal,
    old: &MetaModel,
    new: &MetaModel,
    force: bool,
) -> Result<Impact> {
    let ws = principal.workspace_id;
    let mut impact = Impact::default();
    let mut affected: BTreeSet<Uuid> = BTreeSet::new();

    for t in &old.fact_sheet_types {
        if new.fact_sheet_type(&t.key).is_none() {
            let n = fact_sheet::Entity::find()
                .filter(fact_sheet::Column::WorkspaceId.eq(ws))
                .filter(fact_sheet::Column::FactSheetType.eq(t.key.clone()))
                .count(db)
                .await?;
            if n > 0 {
                return Err(Error::Conflict {
                    message: format!(
                        "{n} fact sheets of type {} exist; a type in use cannot be removed",
                        t.key
                    ),
                    affected_fact_sheets: Some(n),
                });
            }
        }
    }

    // Attribute changes of fact sheet types: check every stored value against the new definitions.
    let mut rewrites: Vec<(fact_sheet::Model, Attributes, Vec<String>)> = Vec::new();
    let mut rescore: Vec<(String, &[AttributeDefinition])> = Vec::new();
    for t in &new.fact_sheet_types {
        let Some(before) = old.fact_sheet_type(&t.key) else {
            continue;
        };
        if before.attributes == t.attributes {
            continue;
        }
        rescore.push((t.key.clone(), &t.attributes));
        let rows = fact_sheet::Entity::find()
            .filter(fact_sheet::Column::WorkspaceId.eq(ws))
            .filter(fact_sheet::Column::FactSheetType.eq(t.key.clone()))
            .all(db)
            .await?;
        for fs in rows {
            let stored = fs.attributes.as_object().cloned().unwrap_or_default();
            let (kept, stripped) = strip_invalid(&t.attributes, &stored);
            if !stripped.is_empty() {
                impact.details.push(format!(
                    "{} `{}`: {} no longer valid",
                    t.key,
                    fs.name,
                    stripped.join(", ")
                ));
                affected.insert(fs.id);
                rewrites.push((fs, kept, stripped));
            }
        }
    }

    // Relation types: removed ones, changed ends, tightened cardinality, changed attributes.
    let mut doomed_relations: Vec<relation::Model> = Vec::new();
    let mut relation_rewrites: Vec<(relation::Model, Attributes)> = Vec::new();
    for r in &old.relation_types {
        let next = new.relation_type(&r.key);
        if next == Some(r) {
            continue;
        }
        let rows = relation::Entity::find()
            .filter(relation::Column::WorkspaceId.eq(ws))
            .filter(relation::Column::RelationType.eq(r.key.clone()))
            .all(db)
            .await?;
        if rows.is_empty() {
            continue;
        }
        let next = match next {
            Some(next) if next.from_type == r.from_type && next.to_type == r.to_type => next,
            gone_or_moved => {
                let fate = match gone_or_moved {
                    None => "would be deleted",
                    Some(_) => "connect types the new definition does not",
                };
                impact
                    .details
                    .push(format!("{} relations of type {} {fate}", rows.len(), r.key));
                for row in rows {
                    affected.extend([row.from_id, row.to_id]);
                    doomed_relations.push(row);
                }
                continue;
            }
        };
        for (ends, tightened) in [
            (
                "targets",
                r.to_cardinality == Cardinality::Many && next.to_cardinality == Cardinality::One,
            ),
            (
                "sources",
                r.from_cardinality == Cardinality::Many
                    && next.from_cardinality == Cardinality::One,
            ),
        ] {
            if !tightened {
                continue;
            }
            let over = over_cardinality(&rows, ends == "targets");
            if !over.is_empty() {
                impact.details.push(format!(
                    "{} fact sheets have several {ends} through {}; existing relations are kept, new ones must comply",
                    over.len(),
                    r.key
                ));
                affected.extend(over);
            }
        }
        if next.attributes != r.attributes {
            for row in rows {
                let stored = row.attributes.as_object().cloned().unwrap_or_default();
                let (kept, stripped) = strip_invalid(&next.attributes, &stored);
                if !stripped.is_empty() {
                    affected.extend([row.from_id, row.to_id]);
                    relation_rewrites.push((row, kept));
                }
            }
        }
    }

    impact.affected_fact_sheets = affected.len() as u64;
    impact.affected_relations = (doomed_relations.len() + relation_rewrites.len()) as u64;
    if impact.affected_fact_sheets > 0 && !force {
        return Err(Error::Conflict {
            message: format!(
                "this change affects {} fact sheets ({}); repeat it with force to apply it anyway",
                impact.affected_fact_sheets,
                impact.details.join("; ")
            ),
            affected_fact_sheets: Some(impact.affected_fact_sheets),
        });
    }

    let now = Utc::now();
    for (fs, kept, stripped) in rewrites {
        let stored = fs.attributes.as_object().cloned().unwrap_or_default();
        let mut diff = Map::new();
        for key in &stripped {
            diff.insert(
                format!("attributes.{key}"),
                history::field_diff(stored.get(key), kept.get(key)),
            );
        }
        fact_sheet_store::next_revision(
            db,
            principal,
            &fs,
            fact_sheet_store::Revision {
                changes: vec![(
                    fact_sheet::Column::Attributes,
                    Expr::value(Value::Object(kept.clone())),
                )],
                kind: ChangeKind::MetaModelMigrated,
                diff: Value::Object(diff),
                comment: Some("values no longer valid under the new meta model"),
                at: now,
            },
        )
        .await?;
    }
    for r in &doomed_relations {
        crate::relations::delete_recorded(db, principal, r, now).await?;
    }
    for (r, kept) in relation_rewrites {
        crate::relations::replace_attributes_forced(db, principal, &r, kept, now).await?;
    }
    // Weights and indexed kinds may have changed: re-score and re-index every fact sheet of a
    // changed type, so completion and filters agree with the new model.
    let rescored = !rescore.is_empty();
    for (type_key, definitions) in rescore {
        reindex_type(db, ws, &type_key, definitions).await?;
    }
    // Re-scoring writes completion without history: caches keyed by the inventory version
    // alone (relation windows, whose far ends show completion) must see it as a change.
    if rescored {
        crate::versions::raise(
            db,
            crate::versions::Counter::Inventory,
            ws,
            crate::versions::Touched::Everything,
        )
        .await?;
    }
    Ok(impact)
}

/// Splits stored values into those still valid under `definitions` and the keys that are not
/// (multi-selects lose only their unknown options).
fn strip_invalid(
    definitions: &[AttributeDefinition],
    stored: &Attributes,
) -> (Attributes, Vec<String>) {
    let mut kept = Attributes::new();
    let mut stripped = Vec::new();
    for (key, value) in stored {
        let Some(definition) = definitions.iter().find(|d| &d.key == key) else {
            stripped.push(key.clone());
            continue;
        };
        match check_value(definition, value) {
            Ok(Some(v)) => {
                kept.insert(key.clone(), v);
            }
            Ok(None) => {}
            Err(_) => {
                if let Some(items) = value.as_array().filter(|_| definition.kind.is_select()) {
                    let remaining: Vec<Value> = items
                        .iter()
                        .filter(|i| i.as_str().is_some_and(|k| definition.option(k).is_some()))
                        .cloned()
                        .collect();
                    if !remaining.is_empty() {
                        kept.insert(key.clone(), Value::Array(remaining));
                    }
                }
                stripped.push(key.clone());
            }
        }
    }
    (kept, stripped)
}

fn over_cardinality(rows: &[relation::Model], per_source: bool) -> Vec<Uuid> {
    let mut counts: HashMap<Uuid, usize> = HashMap::new();
    for r in rows {
        *counts
            .entry(if per_source { r.from_id } else { r.to_id })
            .or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(id, _)| id)
        .collect()
}

async fn reindex_type(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    type_key: &str,
    definitions: &[AttributeDefinition],
) -> Result<()> {
    let rows: Vec<(Uuid, Value, f64)> = fact_sheet::Entity::find()
        .select_only()
        .column(fact_sheet::Column::Id)
        .column(fact_sheet::Column::Attributes)
        .column(fact_sheet::Column::Completion)
        .filter(fact_sheet::Column::WorkspaceId.eq(workspace_id))
        .filter(fact_sheet::Column::FactSheetType.eq(type_key))
        .into_tuple()
        .all(db)
        .await?;
    let mut index = Vec::with_capacity(rows.len());
    for (id, attributes, old_score) in rows {
        let values = attributes.as_object().cloned().unwrap_or_default();
        let score = completion(definitions, &values);
        if score != old_score {
            fact_sheet::Entity::update_many()
                .col_expr(fact_sheet::Column::Completion, Expr::value(score))
                .filter(fact_sheet::Column::WorkspaceId.eq(workspace_id))
                .filter(fact_sheet::Column::Id.eq(id))
                .exec(db)
                .await?;
        }
        index.push((id, index_values(definitions, &values)));
    }
    for chunk in index.chunks(crate::db::INSERT_CHUNK) {
        attribute_value::Entity::delete_many()
            .filter(attribute_value::Column::WorkspaceId.eq(workspace_id))
            .filter(attribute_value::Column::FactSheetId.is_in(chunk.iter().map(|(id, _)| *id)))
            .exec(db)
            .await?;
        fact_sheet_store::insert_index(db, workspace_id, chunk).await?;
    }
    Ok(())
}
