//! New relations in bulk, a batch of lines at a time. A line that creates a relation, and passes
//! in memory every check the create mutation would make (its type, both ends' types and status,
//! its attributes and period, the type's cardinality counting the relations stored and those
//! the batch creates before it), is written with the other such lines in multi-row statements:
//! the relations and one history entry per end and relation; each end's revision, raised by as
//! many, is stored once for the whole import. Every other line is left to the mutations one line at a time, so both paths accept and
//! refuse exactly the same lines.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
    sea_query::{CaseStatement, Expr},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Import, Resolved,
    rows::{self, ChangeRow, RelationRow},
    set_or_none, without_nulls,
};
use crate::{
    attributes::{Attributes, validate_attributes},
    db::{INSERT_CHUNK, is_postgres},
    error::{Error, Result},
    exchange::{parse::RelationLine, stored_relations::RelationKey},
    fact_sheets::{Patch, Status},
    history::ChangeKind,
    meta_model::Cardinality,
    relations::{check_period, described},
};
use entity::{fact_sheet, relation};

/// What the batch needs to know of a relation end. A dry run keeps a copy of its batch's ends
/// per batch, so the texts are shared rather than copied.
#[derive(Clone)]
pub(super) struct End {
    fact_sheet_type: Arc<str>,
    name: Arc<str>,
    archived: bool,
    pub(super) revision: i32,
}

impl End {
    /// The end a fact sheet the bulk path creates will be.
    pub(super) fn created(p: &super::bulk_sheets::Planned) -> End {
        End {
            fact_sheet_type: p.fact_sheet_type.as_str().into(),
            name: p.name.as_str().into(),
            archived: false,
            revision: 1,
        }
    }
}

/// A relation line checked for the bulk path.
pub(super) struct Planned {
    pub(super) key: RelationKey,
    attributes: Attributes,
    active_from: Option<DateTime<Utc>>,
    active_until: Option<DateTime<Utc>>,
}

/// Ends whose revisions one statement raises on SQLite.
const ENDS_PER_UPDATE: usize = 500;

impl Import<'_> {
    /// Creates, in bulk, the relations of the lines of `batch` that qualify (see the module's
    /// doc), counts them, and returns the lines left for the one-by-one path, in their order.
    /// `first` is the position of the batch's first line among the body's relation lines.
    pub(super) async fn create_relations_in_bulk<'l>(
        &mut self,
        first: usize,
        batch: &'l [RelationLine],
    ) -> Result<Vec<&'l RelationLine>> {
        let mut candidates = Vec::new();
        let mut positions = Vec::new();
        let mut rest = Vec::new();
        let mut keys = HashSet::new();
        for (at, r) in (first..).zip(batch) {
            match self.plan_relation(r).await? {
                Some(p) if keys.insert(p.key.clone()) => {
                    candidates.push((r, p));
                    positions.push(at);
                }
                _ => rest.push(r),
            }
        }
        if candidates.is_empty() {
            return Ok(rest);
        }
        let ends = self.load_ends(&candidates).await?;
        let mut claimed = self.one_sided_claims(&candidates).await?;
        let mut planned = Vec::new();
        let mut planned_at = Vec::new();
        for ((r, p), at) in candidates.into_iter().zip(positions) {
            if self.fits(&p, &ends, &mut claimed) {
                planned.push(p);
                planned_at.push(at);
            } else {
                rest.push(r);
            }
        }
        if planned.is_empty() {
            rest.sort_by_key(|r| r.line);
            return Ok(rest);
        }
        let revisions = if self.deferred.is_some() {
            raised_revisions(&planned, &ends)
        } else {
            let savepoint = self.tx.begin().await?;
            match self.write_relations(&savepoint, &planned, &ends).await {
                Ok(revisions) => {
                    savepoint.commit().await?;
                    revisions
                }
                Err(e) => {
                    tracing::debug!(error = %e, "bulk relations fell back to line by line");
                    savepoint.rollback().await?;
                    return Ok(batch.iter().collect());
                }
            }
        };
        self.created.raised(&revisions);
        self.unsaved_revisions.extend(
            revisions
                .into_iter()
                .filter(|(id, revision)| ends.get(id).is_some_and(|e| e.revision != *revision)),
        );
        for p in &planned {
            self.relations.written(&p.key);
        }
        self.report.created.relations += planned.len();
        rest.sort_by_key(|r| r.line);
        for p in &planned {
            self.created.relation(self.model, &p.key);
        }
        if let Some(deferred) = &mut self.deferred {
            deferred.relations(planned_at, ends);
        }
        Ok(rest)
    }

    /// Relation line `r` when it creates a relation and its own fields pass; the checks that
    /// need the ends and the other lines come after.
    async fn plan_relation(&self, r: &RelationLine) -> Result<Option<Planned>> {
        let Some(p) = self.relation_as_planned(r).await? else {
            return Ok(None);
        };
        Ok(matches!(self.relations.get(&p.key), Some(None)).then_some(p))
    }

    /// Relation line `r` as the bulk path writes it, when both its ends are found and its own
    /// fields pass: the same every time it is asked while the fact sheet lines' outcomes stand.
    pub(super) async fn relation_as_planned(&self, r: &RelationLine) -> Result<Option<Planned>> {
        let (Resolved::Found(from), Resolved::Found(to)) =
            (self.resolve(&r.from).await?, self.resolve(&r.to).await?)
        else {
            return Ok(None);
        };
        let key = (r.relation_type.clone(), from, to);
        let Some(rel_type) = self.model.relation_type(&r.relation_type) else {
            return Ok(None);
        };
        let given = match &r.attributes {
            Patch::Set(a) => without_nulls(a),
            _ => Attributes::new(),
        };
        let Ok(attributes) =
            validate_attributes(&rel_type.attributes, &given, &rel_type.key, "attributes")
        else {
            return Ok(None);
        };
        let (active_from, active_until) =
            (set_or_none(&r.active_from), set_or_none(&r.active_until));
        let mut errors = Vec::new();
        check_period(active_from, active_until, &mut errors);
        Ok(errors.is_empty().then_some(Planned {
            key,
            attributes,
            active_from,
            active_until,
        }))
    }

    /// Both ends of every candidate, locked on PostgreSQL as the create mutation locks them (in
    /// id order, so two writers never wait on each other crosswise).
    async fn load_ends(
        &self,
        candidates: &[(&RelationLine, Planned)],
    ) -> Result<HashMap<Uuid, End>> {
        let mut ids: Vec<Uuid> = candidates
            .iter()
            .flat_map(|(_, p)| [p.key.1, p.key.2])
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut ends = HashMap::with_capacity(ids.len());
        // The fact sheets the bulk path created are known, revision included, until a mutation
        // writes one.
        ids.retain(|id| match self.created.end(id) {
            Some(end) => {
                ends.insert(*id, end.clone());
                false
            }
            None => true,
        });
        // The fact sheets the import created are invisible to every other transaction until it
        // commits, so no one else can lock them: a lock would only cost a write per row.
        let (mut created, mut stored): (Vec<Uuid>, Vec<Uuid>) = ids
            .into_iter()
            .partition(|id| self.created.ends.contains_key(id));
        created.sort_unstable();
        stored.sort_unstable();
        for (ids, lock) in [(stored, is_postgres(self.tx)), (created, false)] {
            for chunk in ids.chunks(INSERT_CHUNK) {
                let mut query = fact_sheet::Entity::find()
                    .select_only()
                    .columns([
                        fact_sheet::Column::Id,
                        fact_sheet::Column::FactSheetType,
                        fact_sheet::Column::Name,
                        fact_sheet::Column::Status,
                        fact_sheet::Column::Revision,
                    ])
                    .filter(fact_sheet::Column::WorkspaceId.eq(self.principal.workspace_id))
                    .filter(fact_sheet::Column::Id.is_in(chunk.iter().copied()))
                    .order_by_asc(fact_sheet::Column::Id);
                if lock {
                    query = query.lock_exclusive();
                }
                let rows: Vec<(Uuid, String, String, String, i32)> =
                    query.into_tuple().all(self.tx).await?;
                for (id, fact_sheet_type, name, status, revision) in rows {
                    ends.insert(
                        id,
                        End {
                            fact_sheet_type: fact_sheet_type.into(),
                            name: name.into(),
                            archived: status == Status::Archived.as_str(),
                            revision: self.unsaved_revisions.get(&id).copied().unwrap_or(revision),
                        },
                    );
                }
            }
        }
        Ok(ends)
    }

    /// The `(type, end)` pairs already taken, for the candidates' types that allow one relation
    /// per end: `from` ends of types with one target, `to` ends of types with one source.
    async fn one_sided_claims(
        &self,
        candidates: &[(&RelationLine, Planned)],
    ) -> Result<HashSet<(String, Uuid, Side)>> {
        let mut claimed = HashSet::new();
        let limited: HashSet<&str> = candidates
            .iter()
            .map(|(_, p)| p.key.0.as_str())
            .filter(|t| {
                self.model.relation_type(t).is_some_and(|t| {
                    t.to_cardinality == Cardinality::One || t.from_cardinality == Cardinality::One
                })
            })
            .collect();
        if limited.is_empty() {
            return Ok(claimed);
        }
        let mut ends: Vec<Uuid> = candidates
            .iter()
            .filter(|(_, p)| limited.contains(p.key.0.as_str()))
            .flat_map(|(_, p)| [p.key.1, p.key.2])
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        // A fact sheet the import created has only the relations it created, whose claims
        // `fits` reads from memory.
        ends.retain(|id| !self.created.ends.contains_key(id));
        for chunk in ends.chunks(INSERT_CHUNK) {
            let rows: Vec<(String, Uuid, Uuid)> = relation::Entity::find()
                .select_only()
                .columns([
                    relation::Column::RelationType,
                    relation::Column::FromId,
                    relation::Column::ToId,
                ])
                .filter(relation::Column::WorkspaceId.eq(self.principal.workspace_id))
                .filter(relation::Column::RelationType.is_in(limited.iter().copied()))
                .filter(
                    Condition::any()
                        .add(relation::Column::FromId.is_in(chunk.iter().copied()))
                        .add(relation::Column::ToId.is_in(chunk.iter().copied())),
                )
                .into_tuple()
                .all(self.tx)
                .await?;
            for (t, from, to) in rows {
                claimed.insert((t.clone(), from, Side::From));
                claimed.insert((t, to, Side::To));
            }
        }
        Ok(claimed)
    }

    /// Whether candidate `p` passes the checks on its ends and the type's cardinality, counting
    /// what the candidates before it claimed; claims what it takes when it does.
    fn fits(
        &self,
        p: &Planned,
        ends: &HashMap<Uuid, End>,
        claimed: &mut HashSet<(String, Uuid, Side)>,
    ) -> bool {
        let (type_key, from, to) = &p.key;
        let Some(t) = self.model.relation_type(type_key) else {
            return false;
        };
        let end_fits = |id: &Uuid, expected: &str| {
            ends.get(id)
                .is_some_and(|e| &*e.fact_sheet_type == expected && !e.archived)
        };
        if !end_fits(from, &t.from_type) || !end_fits(to, &t.to_type) {
            return false;
        }
        let from_claim = (type_key.clone(), *from, Side::From);
        let to_claim = (type_key.clone(), *to, Side::To);
        let taken = |claim: &(String, Uuid, Side)| {
            claimed.contains(claim) || self.created.claims.contains(claim)
        };
        if (t.to_cardinality == Cardinality::One && taken(&from_claim))
            || (t.from_cardinality == Cardinality::One && taken(&to_claim))
        {
            return false;
        }
        claimed.insert(from_claim);
        claimed.insert(to_claim);
        true
    }

    pub(super) async fn write_relations(
        &self,
        db: &impl ConnectionTrait,
        planned: &[Planned],
        ends: &HashMap<Uuid, End>,
    ) -> Result<HashMap<Uuid, i32>> {
        let ws = self.principal.workspace_id;
        let subject = self.principal.subject.as_str();
        // Whole microseconds, as both databases store them.
        let now = Utc::now().trunc_subsecs(6);
        let actor_name = crate::api_tokens::acting_token_name(db, self.principal)
            .await?
            .map(|name| name.to_string());
        let mut revisions: HashMap<Uuid, i32> =
            ends.iter().map(|(id, e)| (*id, e.revision)).collect();
        let mut relations = Vec::with_capacity(planned.len());
        let mut diffs = Vec::with_capacity(planned.len());
        // (fact sheet, revision, diff) of each history entry.
        let mut entries = Vec::with_capacity(planned.len() * 2);
        for p in planned {
            let (relation_type, from_id, to_id) = p.key.clone();
            let r = crate::relations::Relation {
                workspace_id: ws,
                id: Uuid::now_v7(),
                relation_type,
                from_id,
                to_id,
                attributes: Value::Object(p.attributes.clone()),
                active_from: p.active_from,
                active_until: p.active_until,
                revision: 1,
                created_at: now,
                updated_at: now,
            };
            let end = |id: Uuid| ends.get(&id).map(|e| (&*e.name, &*e.fact_sheet_type));
            diffs.push(json!({ "relation": described(&r, end(from_id), end(to_id)) }));
            let touched = if from_id == to_id {
                vec![from_id]
            } else {
                vec![from_id, to_id]
            };
            for id in touched {
                let revision = revisions
                    .get_mut(&id)
                    .ok_or_else(|| Error::Internal(format!("relation end {id} not loaded")))?;
                *revision += 1;
                entries.push((id, *revision, diffs.len() - 1));
            }
            relations.push(r);
        }
        let empty = serde_json::Map::new();
        let relation_rows: Vec<RelationRow> = relations
            .iter()
            .map(|r| RelationRow {
                workspace_id: ws,
                id: r.id,
                relation_type: &r.relation_type,
                from_id: r.from_id,
                to_id: r.to_id,
                attributes: r.attributes.as_object().unwrap_or(&empty),
                active_from: r.active_from,
                active_until: r.active_until,
                revision: r.revision,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
            .collect();
        rows::insert_relations(db, &relation_rows).await?;
        let history_rows: Vec<ChangeRow> = entries
            .iter()
            .map(|&(id, revision, diff)| ChangeRow {
                workspace_id: ws,
                fact_sheet_id: id,
                revision,
                kind: ChangeKind::RelationCreated.as_str(),
                diff: &diffs[diff],
                comment: None,
                actor: subject,
                actor_name: actor_name.as_deref(),
                at: now,
            })
            .collect();
        rows::insert_changes(db, &history_rows).await?;
        Ok(revisions)
    }

    /// Stores the revisions bulk-created relations raised, each fact sheet once; the one-by-one
    /// path reads revisions from the database, so this runs before it and at the end.
    pub(super) async fn save_revisions(&mut self) -> Result<()> {
        if self.unsaved_revisions.is_empty() || self.deferred.is_some() {
            return Ok(());
        }
        let ws = self.principal.workspace_id;
        let now = Utc::now();
        let raised: Vec<(Uuid, i32)> = std::mem::take(&mut self.unsaved_revisions)
            .into_iter()
            .collect();
        if is_postgres(self.tx) {
            rows::store_revisions(self.tx, ws, &raised, now, &self.principal.subject).await?;
        } else {
            for chunk in raised.chunks(ENDS_PER_UPDATE) {
                let mut revision = CaseStatement::new();
                for (id, next) in chunk {
                    revision = revision.case(fact_sheet::Column::Id.eq(*id), Expr::value(*next));
                }
                revision = revision.finally(Expr::col(fact_sheet::Column::Revision));
                fact_sheet::Entity::update_many()
                    .col_expr(fact_sheet::Column::Revision, revision.into())
                    .col_expr(fact_sheet::Column::UpdatedAt, Expr::value(now))
                    .col_expr(
                        fact_sheet::Column::UpdatedBy,
                        Expr::value(self.principal.subject.clone()),
                    )
                    .filter(fact_sheet::Column::WorkspaceId.eq(ws))
                    .filter(fact_sheet::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
                    .exec(self.tx)
                    .await?;
            }
        }
        // History written in bulk, so the counter is raised once rather than per change; it
        // touched both ends of every relation, the fact sheets whose revisions were raised.
        let touched = crate::versions::Touched::sheets(raised.iter().map(|(id, _)| *id));
        crate::versions::raise(self.tx, crate::versions::Counter::Inventory, ws, touched).await
    }
}

/// The revision each end of `planned` is at once their relations are created: what
/// `write_relations` returns, without writing.
fn raised_revisions(planned: &[Planned], ends: &HashMap<Uuid, End>) -> HashMap<Uuid, i32> {
    let mut revisions: HashMap<Uuid, i32> = ends.iter().map(|(id, e)| (*id, e.revision)).collect();
    for p in planned {
        let (_, from, to) = &p.key;
        for id in if from == to {
            vec![from]
        } else {
            vec![from, to]
        } {
            if let Some(revision) = revisions.get_mut(id) {
                *revision += 1;
            }
        }
    }
    revisions
}

/// Which end of a relation a cardinality claim holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Side {
    From,
    To,
}
