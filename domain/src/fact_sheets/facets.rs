//! Facet counts for the current filter, as LeanIX's `filterOptions.facets`: how many matching
//! fact sheets each type, tag and select option has. Each facet ignores its own part of the
//! filter, so a user sees what choosing another value would give.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::filter::{FactSheetFilter, Part, compile};
use crate::{
    authz::{self, Action},
    error::Result,
    meta_model::MetaModel,
    principal::Principal,
};
use entity::{attribute_value, fact_sheet, fact_sheet_tag, tag};

#[derive(Debug, Clone, PartialEq)]
pub struct FacetCount {
    pub key: String,
    pub label: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttributeFacet {
    pub key: String,
    pub label: String,
    pub counts: Vec<FacetCount>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facets {
    pub types: Vec<FacetCount>,
    pub tags: Vec<FacetCount>,
    pub attributes: Vec<AttributeFacet>,
}

pub async fn facets(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    filter: &FactSheetFilter,
) -> Result<Facets> {
    authz::require(principal, Action::Read)?;
    let compiled = compile(db, principal, model, filter).await?;
    let ws = principal.workspace_id;

    let type_counts: HashMap<String, i64> = fact_sheet::Entity::find()
        .select_only()
        .column(fact_sheet::Column::FactSheetType)
        .column_as(Expr::col(fact_sheet::Column::Id).count(), "n")
        .filter(compiled.condition(Part::Types))
        .group_by(fact_sheet::Column::FactSheetType)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let types = model
        .fact_sheet_types
        .iter()
        .map(|t| FacetCount {
            key: t.key.clone(),
            label: t.label.clone(),
            count: count_of(&type_counts, &t.key),
        })
        .collect();

    let tag_counts: Vec<(uuid::Uuid, i64)> = fact_sheet_tag::Entity::find()
        .select_only()
        .column(fact_sheet_tag::Column::TagId)
        .column_as(Expr::col(fact_sheet_tag::Column::FactSheetId).count(), "n")
        .filter(fact_sheet_tag::Column::WorkspaceId.eq(ws))
        .filter(fact_sheet_tag::Column::FactSheetId.in_subquery(compiled.ids_query(Part::Tags)))
        .group_by(fact_sheet_tag::Column::TagId)
        .into_tuple()
        .all(db)
        .await?;
    let tag_names: HashMap<uuid::Uuid, String> = tag::Entity::find()
        .filter(tag::Column::WorkspaceId.eq(ws))
        .order_by_asc(tag::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut tags: Vec<FacetCount> = tag_counts
        .into_iter()
        .filter_map(|(id, n)| {
            tag_names.get(&id).map(|name| FacetCount {
                key: name.clone(),
                label: name.clone(),
                count: n as u64,
            })
        })
        .collect();
    tags.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));

    // Select attributes of the types in scope, each once.
    let mut selects = Vec::new();
    for t in &model.fact_sheet_types {
        if compiled
            .type_keys
            .as_ref()
            .is_some_and(|keys| !keys.contains(&t.key))
        {
            continue;
        }
        for a in t.attributes.iter().filter(|a| a.kind.is_select()) {
            if !selects.iter().any(|(k, _): &(String, _)| k == &a.key) {
                selects.push((a.key.clone(), a));
            }
        }
    }
    let unfiltered: Vec<String> = selects
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| !compiled.filtered_attributes.contains(k))
        .collect();
    let mut option_counts: HashMap<(String, String), i64> = HashMap::new();
    if !unfiltered.is_empty() {
        option_counts
            .extend(count_options(db, ws, &unfiltered, compiled.ids_query(Part::None)).await?);
    }
    for key in &compiled.filtered_attributes {
        if selects.iter().any(|(k, _)| k == key) {
            option_counts.extend(
                count_options(
                    db,
                    ws,
                    std::slice::from_ref(key),
                    compiled.ids_query(Part::Attribute(key)),
                )
                .await?,
            );
        }
    }
    let attributes = selects
        .into_iter()
        .map(|(key, definition)| {
            let mut options = definition.options.clone();
            options.sort_by_key(|o| o.order);
            AttributeFacet {
                counts: options
                    .iter()
                    .map(|o| FacetCount {
                        key: o.key.clone(),
                        label: o.label.clone(),
                        count: option_counts
                            .get(&(key.clone(), o.key.clone()))
                            .copied()
                            .unwrap_or(0) as u64,
                    })
                    .collect(),
                label: definition.label.clone(),
                key,
            }
        })
        .collect();
    Ok(Facets {
        types,
        tags,
        attributes,
    })
}

fn count_of(counts: &HashMap<String, i64>, key: &str) -> u64 {
    counts.get(key).copied().unwrap_or(0) as u64
}

async fn count_options(
    db: &impl ConnectionTrait,
    workspace_id: uuid::Uuid,
    keys: &[String],
    ids: sea_orm::sea_query::SelectStatement,
) -> Result<Vec<((String, String), i64)>> {
    let rows: Vec<(String, Option<String>, i64)> = attribute_value::Entity::find()
        .select_only()
        .column(attribute_value::Column::Key)
        .column(attribute_value::Column::ValueText)
        .column_as(Expr::col(attribute_value::Column::FactSheetId).count(), "n")
        .filter(attribute_value::Column::WorkspaceId.eq(workspace_id))
        .filter(attribute_value::Column::Key.is_in(keys.to_vec()))
        .filter(attribute_value::Column::FactSheetId.in_subquery(ids))
        .group_by(attribute_value::Column::Key)
        .group_by(attribute_value::Column::ValueText)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, v, n)| v.map(|v| ((k, v), n)))
        .collect())
}
