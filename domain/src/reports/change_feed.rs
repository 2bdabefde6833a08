//! The workspace-wide change feed: every fact sheet revision (relation changes included, one
//! entry per end) and every meta model version, newest first, a page at a time. It answers
//! "what changed last week, and by whom" in one request.
//!
//! Fact sheet changes are read along the `(workspace_id, at, fact_sheet_id, revision)` index,
//! so the first page reads a page of index entries; meta model versions are few per workspace
//! and merged in memory.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, sea_query::Query,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    authz::{self, Action},
    error::{Error, FieldError, Result},
    history::{Change, ChangeKind},
    meta_model::MetaModel,
    paging::{Page, decode_cursor, encode_cursor, page_size},
    principal::Principal,
};
use entity::{change, fact_sheet, meta_model_version};

/// What an entry of the feed records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// A revision of a fact sheet (its own fields, tags, subscriptions or relations).
    FactSheet(ChangeKind),
    /// A new version of the workspace's meta model.
    MetaModelChanged,
}

impl FeedKind {
    pub const META_MODEL_CHANGED: &'static str = "META_MODEL_CHANGED";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FactSheet(kind) => kind.as_str(),
            Self::MetaModelChanged => Self::META_MODEL_CHANGED,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            Self::META_MODEL_CHANGED => Some(Self::MetaModelChanged),
            other => ChangeKind::parse(other).map(Self::FactSheet),
        }
    }
}

/// Which changes the feed shows; absent parts do not restrict it.
#[derive(Debug, Clone, Default)]
pub struct ChangeFeedFilter {
    /// Changes at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Changes strictly before this instant, so consecutive windows neither overlap nor leave
    /// gaps.
    pub until: Option<DateTime<Utc>>,
    /// Kind names (`UPDATED`, `RELATION_CREATED`, `META_MODEL_CHANGED`, …).
    pub kinds: Option<Vec<String>>,
    /// Fact sheet types; meta model changes belong to no type and are left out when given.
    pub types: Option<Vec<String>>,
    /// Who made the change: a user's subject, or an API token's name or subject.
    pub actors: Option<Vec<String>>,
}

/// The fact sheet a change is about, as it is now.
#[derive(Debug, Clone)]
pub struct FeedFactSheet {
    pub id: Uuid,
    pub fact_sheet_type: String,
    pub name: String,
}

/// One entry of the feed.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub kind: FeedKind,
    /// The fact sheet revision (as `history` shows it); for a meta model change, a change
    /// made by its author at its time with its summary as comment and the version as revision.
    pub change: Change,
    /// `None` for meta model changes.
    pub fact_sheet: Option<FeedFactSheet>,
}

/// Where a page ended: newest first by time, then fact sheet id and revision, descending;
/// meta model versions sort as the nil fact sheet id, so they come last among equal times.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Position {
    at: DateTime<Utc>,
    id: Uuid,
    n: i32,
}

struct Checked {
    kinds: Option<Vec<FeedKind>>,
}

fn check(filter: &ChangeFeedFilter, model: &MetaModel) -> Result<Checked> {
    let mut errors = Vec::new();
    let kinds = filter.kinds.as_ref().map(|kinds| {
        kinds
            .iter()
            .enumerate()
            .filter_map(|(i, k)| {
                let kind = FeedKind::parse(k);
                if kind.is_none() {
                    errors.push(FieldError::new(
                        format!("filter.kinds.{i}"),
                        format!("unknown change kind `{k}`"),
                    ));
                }
                kind
            })
            .collect::<Vec<_>>()
    });
    for (i, t) in filter.types.iter().flatten().enumerate() {
        if model.fact_sheet_type(t).is_none() {
            errors.push(FieldError::new(
                format!("filter.types.{i}"),
                format!("unknown fact sheet type `{t}`"),
            ));
        }
    }
    for (path, instant) in [
        ("filter.since", filter.since),
        ("filter.until", filter.until),
    ] {
        errors.extend(instant.and_then(|t| crate::limits::check_instant(path, &t)));
    }
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since >= until
    {
        errors.push(FieldError::new(
            "filter.until",
            "must be after filter.since",
        ));
    }
    Error::check(errors)?;
    Ok(Checked { kinds })
}

/// One page of the workspace's changes, newest first.
pub async fn feed(
    db: &impl ConnectionTrait,
    principal: &Principal,
    model: &MetaModel,
    filter: &ChangeFeedFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Page<FeedEntry>> {
    authz::require(principal, Action::Read)?;
    let size = page_size(first)?;
    let checked = check(filter, model)?;
    let position: Option<Position> = after.map(decode_cursor).transpose()?;
    let wants = |k: FeedKind| {
        checked
            .kinds
            .as_ref()
            .is_none_or(|kinds| kinds.contains(&k))
    };

    let mut entries =
        fact_sheet_changes(db, principal, filter, &checked, position.as_ref(), size).await?;
    if filter.types.is_none() && wants(FeedKind::MetaModelChanged) {
        entries.extend(meta_model_changes(db, principal, filter, position.as_ref()).await?);
    }
    entries.sort_by_key(|e| std::cmp::Reverse(position_of(e)));
    Ok(Page::from_rows(entries, size, |e| {
        encode_cursor(&position_of(e))
    }))
}

fn position_of(e: &FeedEntry) -> Position {
    Position {
        at: e.change.at,
        id: e.change.fact_sheet_id,
        n: e.change.revision,
    }
}

fn actor_matches(actors: &[String]) -> Condition {
    Condition::any()
        .add(change::Column::Actor.is_in(actors.to_vec()))
        .add(change::Column::ActorName.is_in(actors.to_vec()))
}

async fn fact_sheet_changes(
    db: &impl ConnectionTrait,
    principal: &Principal,
    filter: &ChangeFeedFilter,
    checked: &Checked,
    position: Option<&Position>,
    size: u64,
) -> Result<Vec<FeedEntry>> {
    let ws = principal.workspace_id;
    let mut kinds = Vec::new();
    if let Some(wanted) = &checked.kinds {
        kinds = wanted
            .iter()
            .filter_map(|k| match k {
                FeedKind::FactSheet(kind) => Some(kind.as_str()),
                FeedKind::MetaModelChanged => None,
            })
            .collect();
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
    }
    let mut query = change::Entity::find()
        .filter(change::Column::WorkspaceId.eq(ws))
        .apply_if(filter.since, |q, t| q.filter(change::Column::At.gte(t)))
        .apply_if(filter.until, |q, t| q.filter(change::Column::At.lt(t)))
        .apply_if(filter.actors.as_deref(), |q, a| q.filter(actor_matches(a)));
    if !kinds.is_empty() {
        query = query.filter(change::Column::Kind.is_in(kinds));
    }
    if let Some(types) = &filter.types {
        let of_types = Query::select()
            .column(fact_sheet::Column::Id)
            .from(fact_sheet::Entity)
            .and_where(fact_sheet::Column::WorkspaceId.eq(ws))
            .and_where(fact_sheet::Column::FactSheetType.is_in(types.clone()))
            .to_owned();
        query = query.filter(change::Column::FactSheetId.in_subquery(of_types));
    }
    if let Some(p) = position {
        query = query.filter(
            Condition::any()
                .add(change::Column::At.lt(p.at))
                .add(
                    Condition::all()
                        .add(change::Column::At.eq(p.at))
                        .add(change::Column::FactSheetId.lt(p.id)),
                )
                .add(
                    Condition::all()
                        .add(change::Column::At.eq(p.at))
                        .add(change::Column::FactSheetId.eq(p.id))
                        .add(change::Column::Revision.lt(p.n)),
                ),
        );
    }
    let rows = query
        .order_by_desc(change::Column::At)
        .order_by_desc(change::Column::FactSheetId)
        .order_by_desc(change::Column::Revision)
        .limit(size + 1)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.fact_sheet_id).collect();
    let sheets: Vec<(Uuid, String, String)> = fact_sheet::Entity::find()
        .select_only()
        .column(fact_sheet::Column::Id)
        .column(fact_sheet::Column::FactSheetType)
        .column(fact_sheet::Column::Name)
        .filter(fact_sheet::Column::WorkspaceId.eq(ws))
        .filter(fact_sheet::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let kind = ChangeKind::parse(&row.kind).unwrap_or(ChangeKind::Updated);
            let fact_sheet = sheets
                .iter()
                .find(|(id, _, _)| *id == row.fact_sheet_id)
                .map(|(id, t, name)| FeedFactSheet {
                    id: *id,
                    fact_sheet_type: t.clone(),
                    name: name.clone(),
                });
            FeedEntry {
                kind: FeedKind::FactSheet(kind),
                change: Change {
                    fact_sheet_id: row.fact_sheet_id,
                    revision: row.revision,
                    kind,
                    diff: row.diff,
                    comment: row.comment,
                    actor: row.actor,
                    actor_name: row.actor_name,
                    at: row.at,
                },
                fact_sheet,
            }
        })
        .collect())
}

async fn meta_model_changes(
    db: &impl ConnectionTrait,
    principal: &Principal,
    filter: &ChangeFeedFilter,
    position: Option<&Position>,
) -> Result<Vec<FeedEntry>> {
    let rows: Vec<(i32, String, String, DateTime<Utc>)> = meta_model_version::Entity::find()
        .select_only()
        .column(meta_model_version::Column::Version)
        .column(meta_model_version::Column::Summary)
        .column(meta_model_version::Column::CreatedBy)
        .column(meta_model_version::Column::CreatedAt)
        .filter(meta_model_version::Column::WorkspaceId.eq(principal.workspace_id))
        .apply_if(filter.since, |q, t| {
            q.filter(meta_model_version::Column::CreatedAt.gte(t))
        })
        .apply_if(filter.until, |q, t| {
            q.filter(meta_model_version::Column::CreatedAt.lt(t))
        })
        .apply_if(position.map(|p| p.at), |q, t| {
            q.filter(meta_model_version::Column::CreatedAt.lte(t))
        })
        .apply_if(filter.actors.clone(), |q, a| {
            q.filter(meta_model_version::Column::CreatedBy.is_in(a))
        })
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(version, summary, created_by, at)| FeedEntry {
            kind: FeedKind::MetaModelChanged,
            change: Change {
                fact_sheet_id: Uuid::nil(),
                revision: version,
                kind: ChangeKind::Updated,
                diff: Value::Object(Default::default()),
                comment: Some(summary),
                actor: created_by,
                actor_name: None,
                at,
            },
            fact_sheet: None,
        })
        .filter(|e| position.is_none_or(|p| position_of(e) < *p))
        .collect())
}
