//! Inputs of the fact sheet and relation mutations and of the `factSheets` filter.

use async_graphql::{ID, InputObject, Json, MaybeUndefined};
use chrono::{DateTime, Utc};
use domain::{
    external_ids::ExternalId,
    fact_sheets::{self, FactSheetOrder, Patch},
};
use serde_json::Value;

use crate::graphql::enums::{
    FactSheetOrderField, FactSheetStatus, RelationDirection, SortDirection, SubscriptionRole,
};
use crate::graphql::errors::{bad_input, parse_id};

#[derive(InputObject)]
pub struct ExternalIdInput {
    pub namespace: String,
    pub value: String,
}

impl From<ExternalIdInput> for ExternalId {
    fn from(e: ExternalIdInput) -> Self {
        Self {
            namespace: e.namespace,
            value: e.value,
        }
    }
}

#[derive(InputObject)]
pub struct CreateFactSheetInput {
    #[graphql(name = "type")]
    pub fact_sheet_type: String,
    pub name: String,
    pub description: Option<String>,
    pub attributes: Option<Json<Value>>,
    pub external_ids: Option<Vec<ExternalIdInput>>,
    pub parent_id: Option<ID>,
    pub tags: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct UpdateFactSheetInput {
    pub id: ID,
    /// The update applies only if the fact sheet is still at this revision (else CONFLICT).
    pub expected_revision: Option<i32>,
    pub name: Option<String>,
    /// null clears it.
    pub description: MaybeUndefined<String>,
    /// Merged into the stored attributes: a key set to null is removed, absent keys are kept.
    pub attributes: Option<Json<Value>>,
    /// null detaches it from its parent.
    pub parent_id: MaybeUndefined<ID>,
    /// Replaces all external IDs when given.
    pub external_ids: Option<Vec<ExternalIdInput>>,
}

#[derive(InputObject)]
pub struct CreateRelationInput {
    #[graphql(name = "type")]
    pub relation_type: String,
    pub from_id: ID,
    pub to_id: ID,
    pub attributes: Option<Json<Value>>,
    pub active_from: Option<DateTime<Utc>>,
    pub active_until: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct UpdateRelationInput {
    pub id: ID,
    pub attributes: Option<Json<Value>>,
    pub active_from: MaybeUndefined<DateTime<Utc>>,
    pub active_until: MaybeUndefined<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct RelationFilterInput {
    #[graphql(name = "type")]
    pub relation_type: String,
    /// OUTGOING: the fact sheet is the relation's source; INCOMING: its target.
    #[graphql(default_with = "RelationDirection::Outgoing")]
    pub direction: RelationDirection,
    /// Only relations to (or from) this fact sheet.
    pub other_id: Option<ID>,
    /// false selects fact sheets that have no such relation.
    #[graphql(default = true)]
    pub exists: bool,
}

/// Bounds on a number; each applies when given.
#[derive(InputObject)]
pub struct NumberBoundsInput {
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub lt: Option<f64>,
    pub lte: Option<f64>,
}

impl From<NumberBoundsInput> for fact_sheets::NumberBounds {
    fn from(b: NumberBoundsInput) -> Self {
        Self {
            gt: b.gt,
            gte: b.gte,
            lt: b.lt,
            lte: b.lte,
        }
    }
}

#[derive(InputObject)]
pub struct SubscriptionFilterInput {
    /// Only subscriptions of this user (an id or email address, as subscribed).
    pub user: Option<String>,
    /// Only subscriptions in this role.
    pub role: Option<SubscriptionRole>,
    /// false selects fact sheets that have no such subscription.
    #[graphql(default = true)]
    pub exists: bool,
}

impl From<SubscriptionFilterInput> for fact_sheets::SubscriptionFilter {
    fn from(s: SubscriptionFilterInput) -> Self {
        Self {
            user: s.user,
            role: s.role.map(Into::into),
            exists: s.exists,
        }
    }
}

#[derive(InputObject, Default)]
pub struct FactSheetFilter {
    pub ids: Option<Vec<ID>>,
    pub types: Option<Vec<String>>,
    /// Words that must all appear in the name or description (case-insensitive).
    pub search: Option<String>,
    /// `{"language": "go"}` equals, `{"language": ["go","rust"]}` any of,
    /// `{"size": {"gte": 5, "lt": 10}}` ranges, `{"language": {"isSet": false}}` missing.
    pub attributes: Option<Json<Value>>,
    /// Tag names that must all be present.
    pub tags: Option<Vec<String>>,
    /// Defaults to ACTIVE.
    pub status: Option<FactSheetStatus>,
    pub relations: Option<Vec<RelationFilterInput>>,
    pub parent_id: Option<ID>,
    /// Bounds on completion, a fraction from 0 to 1: `{lt: 0.5}`.
    pub completion: Option<NumberBoundsInput>,
    /// Fact sheets last changed at or after this instant (inclusive).
    pub updated_after: Option<DateTime<Utc>>,
    /// Fact sheets last changed before this instant (exclusive), so consecutive windows
    /// neither overlap nor leave gaps.
    pub updated_before: Option<DateTime<Utc>>,
    /// Subscriptions a fact sheet must have, or lack (`exists: false`), all of them:
    /// `[{user: "alice@acme.test"}]`, `[{role: ACCOUNTABLE, exists: false}]`.
    pub subscriptions: Option<Vec<SubscriptionFilterInput>>,
}

/// Orders by a fact sheet `field` (NAME when neither is given) or by a number or integer
/// `attribute` of the meta model; fact sheets without a value for the attribute come last in
/// both directions. Ties are broken by id.
#[derive(InputObject)]
pub struct FactSheetOrderInput {
    pub field: Option<FactSheetOrderField>,
    pub attribute: Option<String>,
    #[graphql(default)]
    pub direction: SortDirection,
}

pub fn object(
    value: Option<Json<Value>>,
    path: &str,
) -> async_graphql::Result<serde_json::Map<String, Value>> {
    match value.map(|j| j.0) {
        None | Some(Value::Null) => Ok(Default::default()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(bad_input(path, "must be an object keyed by attribute key")),
    }
}

pub fn patch<T, U>(
    value: MaybeUndefined<T>,
    convert: impl FnOnce(T) -> async_graphql::Result<U>,
) -> async_graphql::Result<Patch<U>> {
    Ok(match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(convert(v)?),
    })
}

impl FactSheetFilter {
    pub fn into_domain(self) -> async_graphql::Result<fact_sheets::FactSheetFilter> {
        let ids = self
            .ids
            .map(|ids| {
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| parse_id(id, &format!("filter.ids.{i}")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let mut relations = Vec::new();
        for (i, r) in self.relations.unwrap_or_default().into_iter().enumerate() {
            let direction = match r.direction {
                RelationDirection::Outgoing => fact_sheets::RelationDirection::Outgoing,
                RelationDirection::Incoming => fact_sheets::RelationDirection::Incoming,
                RelationDirection::Both => {
                    return Err(bad_input(
                        &format!("filter.relations.{i}.direction"),
                        "choose OUTGOING or INCOMING",
                    ));
                }
            };
            let other_id = r
                .other_id
                .as_ref()
                .map(|id| parse_id(id, &format!("filter.relations.{i}.otherId")))
                .transpose()?;
            relations.push(fact_sheets::RelationFilter {
                relation_type: r.relation_type,
                direction,
                other_id,
                exists: r.exists,
            });
        }
        Ok(fact_sheets::FactSheetFilter {
            ids,
            types: self.types,
            search: self.search.filter(|s| !s.trim().is_empty()),
            attributes: self.attributes.map(|j| j.0),
            tags: self.tags,
            status: self.status.map(Into::into),
            relations,
            parent_id: self
                .parent_id
                .as_ref()
                .map(|id| parse_id(id, "filter.parentId"))
                .transpose()?,
            completion: self.completion.map(Into::into),
            updated_after: self.updated_after,
            updated_before: self.updated_before,
            subscriptions: self
                .subscriptions
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        })
    }
}

impl TryFrom<FactSheetOrderInput> for FactSheetOrder {
    type Error = async_graphql::Error;

    fn try_from(o: FactSheetOrderInput) -> async_graphql::Result<Self> {
        let descending = o.direction == SortDirection::Desc;
        match (o.field, o.attribute) {
            (Some(_), Some(_)) => Err(bad_input(
                "orderBy.attribute",
                "order by a field or by an attribute, not both",
            )),
            (None, Some(attribute)) => Ok(Self::attribute(attribute, descending)),
            (field, None) => Ok(Self::field(
                field.unwrap_or(FactSheetOrderField::Name).into(),
                descending,
            )),
        }
    }
}
