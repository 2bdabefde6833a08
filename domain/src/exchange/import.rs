//! `POST /import` and `wayfinder import`: NDJSON lines applied as the mutations would apply
//! them. Fact sheet lines go first, each once its parent exists (a parent may be created by a
//! later line), then relation lines, then archiving (an archived fact sheet takes no new
//! relations, so a line that archives one waits for the relations of the same import).
//!
//! Lines that create fact sheets or relations and pass every check in memory are written
//! together in multi-row statements (`bulk_sheets`, `bulk_relations`), and lines that would
//! change nothing are told apart in memory (`unchanged_sheets`); every other line runs in
//! a savepoint of the caller's transaction through the mutations: a refused line leaves nothing
//! behind and the next line still runs, so every bad line is reported, not only the first. The
//! caller commits or rolls back the whole as [`ImportReport::commits`] says. A dry run
//! (`validateOnly`) keeps what the bulk paths would write in memory until a line needs the
//! mutations (`deferred`), so a body of such lines costs its checks and reads only.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use super::{
    held_attributes,
    line::Ref,
    parse::{NdjsonReader, ParsedBody, RelationLine, SheetLine},
    relation_lines::RelationLines,
    report::{ImportOptions, ImportReport, LineError},
    stored_refs::{StoredRefs, named_refs},
    stored_relations::{RelationKey, StoredRelations},
};
use crate::{
    attributes::Attributes,
    authz::{self, Action},
    error::{Error, FieldError, Result},
    external_ids::{self, ExternalId},
    fact_sheets::{self, FactSheetPatch, NewFactSheet, Patch, Status},
    meta_model::MetaModel,
    principal::Principal,
    relations::{self, NewRelation, RelationPatch},
    subscriptions, tags,
};
use entity::relation;

mod bulk_relations;
mod bulk_sheets;
mod created;
mod deferred;
mod rows;
mod unchanged_sheets;

use created::Created;
use deferred::Deferred;

/// Applies the NDJSON `body` in `tx` and reports every line; see [`import_lines`].
pub async fn import_ndjson(
    tx: &DatabaseTransaction,
    principal: &Principal,
    model: &MetaModel,
    body: &str,
    options: ImportOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ImportReport> {
    let mut reader = NdjsonReader::new();
    reader.feed(body.as_bytes());
    import_lines(tx, principal, model, reader.finish(), options, progress).await
}

/// Applies the parsed lines of a body in `tx` and reports every line; `progress` hears `(lines
/// done, lines in all)`. Only a failure of the server is an `Err`; refused lines are in the
/// report.
pub async fn import_lines(
    tx: &DatabaseTransaction,
    principal: &Principal,
    model: &MetaModel,
    body: ParsedBody,
    options: ImportOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ImportReport> {
    authz::require(principal, Action::WriteInventory)?;
    let ParsedBody {
        sheets,
        relations: mut relation_lines,
        refused,
        ..
    } = body;
    let relation_ends = relation_lines.take_ends();
    let mut import = Import {
        tx,
        principal,
        model,
        sheets: Vec::new(),
        relation_lines: &relation_lines,
        outcomes: Vec::new(),
        by_ref: HashMap::new(),
        stored: StoredRefs::default(),
        relations: StoredRelations::default(),
        unsaved_revisions: HashMap::new(),
        created: Created::default(),
        deferred: options.validate_only.then(Deferred::default),
        report: ImportReport {
            validate_only: options.validate_only,
            ..ImportReport::default()
        },
    };
    import
        .report
        .errors
        .extend(refused.into_iter().map(|(line, e)| LineError {
            line,
            field: e.path.clone(),
            error: Error::Invalid(vec![e]),
        }));
    import.sheets.reserve_exact(sheets.len());
    import.outcomes.reserve_exact(sheets.len());
    for sheet in sheets {
        import.add_sheet(sheet);
    }
    let named = named_refs(&import.sheets, relation_ends);
    import.stored = StoredRefs::load(tx, principal, named).await?;
    import.create_sheets_in_bulk().await?;
    import.skip_unchanged_sheets().await?;
    let total = import.sheets.len() + relation_lines.len();
    let mut done = 0;
    let mut tick = |n: usize| {
        done += n;
        progress(done, total);
    };

    let mut pending: Vec<usize> = (0..import.sheets.len())
        .filter(|&i| matches!(import.outcomes[i], Outcome::Pending))
        .collect();
    tick(import.sheets.len() - pending.len());
    while !pending.is_empty() {
        let mut waiting = Vec::new();
        let before = pending.len();
        for i in std::mem::take(&mut pending) {
            if let Patch::Set(parent) = &import.sheets[i].parent
                && let Resolved::Waiting(j) = import.resolve(parent).await?
                && j != i
            {
                waiting.push(i);
                continue;
            }
            import.apply_sheet(i).await?;
            tick(1);
        }
        if waiting.len() == before {
            // No line could go on: their parents name each other.
            for &i in &waiting {
                import.refuse_sheet(
                    i,
                    vec![LineError {
                        line: import.sheets[i].line,
                        field: "parent".into(),
                        error: Error::invalid(
                            "parent",
                            "the parents of this line and others of the import form a cycle",
                        ),
                    }],
                );
            }
            tick(waiting.len());
            break;
        }
        pending = waiting;
    }
    for first in (0..relation_lines.len()).step_by(RELATION_LINES_PER_BATCH) {
        let batch = relation_lines
            .read(first..relation_lines.len().min(first + RELATION_LINES_PER_BATCH))?;
        let batch = batch.as_slice();
        let mut keys = HashSet::new();
        for r in batch {
            if let Some(key) = import.relation_key(r).await? {
                keys.insert(key);
            }
        }
        import.load_relations(keys).await?;
        let rest = import.create_relations_in_bulk(first, batch).await?;
        tick(batch.len() - rest.len());
        if !rest.is_empty() {
            // The mutations read and raise revisions in the database.
            import.save_revisions().await?;
        }
        for r in rest {
            import.apply_relation(r).await?;
            tick(1);
        }
    }
    import.save_revisions().await?;
    import.archive_deferred().await?;
    import.count();
    import.report.errors.sort_by_key(|e| e.line);
    Ok(import.report)
}

/// Relation lines whose stored relations are read together.
const RELATION_LINES_PER_BATCH: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Pending,
    Refused,
    /// Written; `archive` when the line archives it after the relations.
    Done {
        id: Uuid,
        kind: Kind,
        archive: bool,
    },
}

/// Where a reference leads.
enum Resolved {
    Found(Uuid),
    /// To the fact sheet of sheet line `.0`, not written yet.
    Waiting(usize),
    /// To the fact sheet of sheet line `.0`, which was refused.
    Refused(usize),
    Unknown,
}

/// Why a line stopped: refused (reported, the import goes on) or the server failed.
enum Stop {
    Refused(Vec<LineError>),
    Failed(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Failed(e)
    }
}

type Step<T> = std::result::Result<T, Stop>;

struct Import<'a> {
    tx: &'a DatabaseTransaction,
    principal: &'a Principal,
    model: &'a MetaModel,
    sheets: Vec<SheetLine>,
    /// The relation lines of the body, in its order.
    relation_lines: &'a RelationLines,
    outcomes: Vec<Outcome>,
    /// The sheet line each reference of the body names: its `ref`, and its external IDs.
    by_ref: HashMap<Ref, usize>,
    /// Where the references lead in the workspace.
    stored: StoredRefs,
    /// The stored relations of the batch of relation lines being applied.
    relations: StoredRelations,
    /// Fact sheets whose revision bulk-created relations raised, with the revision they are at
    /// now, not yet stored: stored once (see `save_revisions`), since PostgreSQL pays for every
    /// version of a row that one transaction updates again and again.
    unsaved_revisions: HashMap<Uuid, i32>,
    /// What the import created, so the relation batches need not read it back.
    created: Created,
    /// On a dry run, what the bulk paths would have written, until a line needs the mutations.
    deferred: Option<Deferred>,
    report: ImportReport,
}

impl Import<'_> {
    fn add_sheet(&mut self, sheet: SheetLine) {
        let i = self.sheets.len();
        let mut outcome = Outcome::Pending;
        match self.by_ref.get(&sheet.reference) {
            Some(&earlier) => {
                self.report.errors.push(LineError {
                    line: sheet.line,
                    field: "ref".into(),
                    error: Error::invalid(
                        "ref",
                        format!(
                            "names the same fact sheet as line {}",
                            self.sheets[earlier].line
                        ),
                    ),
                });
                outcome = Outcome::Refused;
            }
            None => {
                self.by_ref.insert(sheet.reference.clone(), i);
            }
        }
        if let Patch::Set(ids) = &sheet.external_ids {
            for id in ids {
                self.by_ref.entry(Ref::from(id.clone())).or_insert(i);
            }
        }
        self.sheets.push(sheet);
        self.outcomes.push(outcome);
    }

    /// The workspace first (ids of other workspaces are unknown there), then the body.
    async fn resolve(&self, r: &Ref) -> Result<Resolved> {
        let stored = self.stored_id(r).await?;
        if let Some(id) = stored {
            return Ok(Resolved::Found(id));
        }
        Ok(match self.by_ref.get(r).map(|&i| (i, self.outcomes[i])) {
            Some((_, Outcome::Done { id, .. })) => Resolved::Found(id),
            Some((i, Outcome::Pending)) => Resolved::Waiting(i),
            Some((i, Outcome::Refused)) => Resolved::Refused(i),
            None => Resolved::Unknown,
        })
    }

    /// The fact sheet of the workspace `r` names, if any.
    async fn stored_id(&self, r: &Ref) -> Result<Option<Uuid>> {
        if let Ok(known) = self.stored.get(r) {
            return Ok(known);
        }
        Ok(match r {
            Ref::Id(id) => fact_sheets::get(self.tx, self.principal, *id)
                .await?
                .map(|fs| fs.id),
            Ref::ExternalId(e) => {
                external_ids::find(self.tx, self.principal.workspace_id, &e.namespace, &e.value)
                    .await?
            }
        })
    }

    /// The fact sheet `r` names for field `field` of line `line`, or the refusal.
    async fn require(&self, line: usize, field: &str, r: &Ref) -> Step<Uuid> {
        let error = match self.resolve(r).await? {
            Resolved::Found(id) => return Ok(id),
            Resolved::Unknown => Error::not_found("fact sheet", describe(r)),
            Resolved::Refused(i) | Resolved::Waiting(i) if self.sheets[i].line == line => {
                Error::invalid(field, "a fact sheet cannot be its own parent")
            }
            Resolved::Refused(i) | Resolved::Waiting(i) => Error::invalid(
                field,
                format!(
                    "names the fact sheet of line {}, which was refused",
                    self.sheets[i].line
                ),
            ),
        };
        Err(Stop::Refused(vec![LineError {
            line,
            field: field.into(),
            error,
        }]))
    }

    fn refuse_sheet(&mut self, i: usize, errors: Vec<LineError>) {
        self.outcomes[i] = Outcome::Refused;
        self.report.errors.extend(errors);
    }

    async fn apply_sheet(&mut self, i: usize) -> Result<()> {
        self.write_deferred().await?;
        let savepoint = self.tx.begin().await?;
        let result = self.write_sheet(&savepoint, &self.sheets[i]).await;
        match result {
            Ok(outcome) => {
                savepoint.commit().await?;
                if let Outcome::Done { id, kind, .. } = outcome {
                    self.created.rewritten_by_mutation(id);
                    let sheet = &self.sheets[i];
                    let held = match (kind, wanted_external_ids(sheet)) {
                        (_, Some(ids)) => Some(ids),
                        (Kind::Created, None) => Some(named_by(sheet).into_iter().collect()),
                        _ => None,
                    };
                    if let Some(held) = held {
                        self.stored.external_ids_replaced(id, &held);
                    }
                }
                self.outcomes[i] = outcome;
            }
            Err(Stop::Refused(errors)) => {
                savepoint.rollback().await?;
                self.refuse_sheet(i, errors);
            }
            Err(Stop::Failed(e)) => return Err(e),
        }
        Ok(())
    }

    async fn write_sheet(&self, db: &DatabaseTransaction, s: &SheetLine) -> Step<Outcome> {
        let line = s.line;
        let parent = match &s.parent {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(r) => Patch::Set(self.require(line, "parent", r).await?),
        };
        let existing = match self.stored_id(&s.reference).await? {
            Some(id) => fact_sheets::get(db, self.principal, id).await?,
            None => None,
        };
        let named_by = named_by(s);
        let external_ids = wanted_external_ids(s);
        let archive = s.status == Some(Status::Archived);
        let Some(current) = existing else {
            let (Some(fact_sheet_type), Patch::Set(name)) = (&s.fact_sheet_type, &s.name) else {
                return Err(refused(
                    line,
                    "",
                    Error::Invalid(
                        [
                            ("type", s.fact_sheet_type.is_none()),
                            ("name", s.name == Patch::Keep),
                        ]
                        .into_iter()
                        .filter(|(_, missing)| *missing)
                        .map(|(f, _)| FieldError::new(f, "is required for a new fact sheet"))
                        .collect(),
                    ),
                ));
            };
            let created = fact_sheets::create(
                db,
                self.principal,
                self.model,
                NewFactSheet {
                    fact_sheet_type: fact_sheet_type.clone(),
                    name: name.clone(),
                    description: match &s.description {
                        Patch::Set(d) => Some(d.clone()),
                        _ => None,
                    },
                    attributes: match &s.attributes {
                        Patch::Set(a) => without_nulls(&a.get()),
                        _ => Attributes::new(),
                    },
                    external_ids: external_ids.unwrap_or_else(|| named_by.into_iter().collect()),
                    parent_id: match parent {
                        Patch::Set(p) => Some(p),
                        _ => None,
                    },
                    tags: match &s.tags {
                        Patch::Set(t) => t.clone(),
                        _ => Vec::new(),
                    },
                },
            )
            .await
            .map_err(|e| refused(line, "", e))?;
            self.set_subscriptions(db, line, created.id, &s.subscriptions)
                .await?;
            return Ok(Outcome::Done {
                id: created.id,
                kind: Kind::Created,
                archive,
            });
        };

        let id = current.id;
        if let Some(t) = &s.fact_sheet_type
            && *t != current.fact_sheet_type
        {
            return Err(refused(
                line,
                "",
                Error::invalid(
                    "type",
                    format!("cannot change the type of a {}", current.fact_sheet_type),
                ),
            ));
        }
        let archived = Status::of(&current) == Status::Archived;
        if s.status == Some(Status::Active) && archived {
            fact_sheets::restore(db, self.principal, id, None)
                .await
                .map_err(|e| refused(line, "status", e))?;
        }
        let attributes =
            attributes_patch(&held_attributes::parsed(&s.attributes), &current.attributes);
        fact_sheets::update(
            db,
            self.principal,
            self.model,
            FactSheetPatch {
                id,
                expected_revision: None,
                name: match &s.name {
                    Patch::Set(n) => Some(n.clone()),
                    _ => None,
                },
                description: s.description.clone(),
                attributes,
                parent_id: parent,
                external_ids,
            },
        )
        .await
        .map_err(|e| refused(line, "", e))?;
        self.set_tags(db, line, id, &s.tags).await?;
        self.set_subscriptions(db, line, id, &s.subscriptions)
            .await?;
        let after = fact_sheets::require(db, self.principal, id).await?;
        Ok(Outcome::Done {
            id,
            kind: if after.revision == current.revision {
                Kind::Unchanged
            } else {
                Kind::Updated
            },
            archive: archive && !archived,
        })
    }

    async fn set_tags(
        &self,
        db: &DatabaseTransaction,
        line: usize,
        id: Uuid,
        wanted: &Patch<Vec<String>>,
    ) -> Step<()> {
        let wanted: Vec<String> = match wanted {
            Patch::Keep => return Ok(()),
            Patch::Clear => Vec::new(),
            Patch::Set(names) => names.iter().map(|n| n.trim().to_owned()).collect(),
        };
        let current: Vec<String> = tags::tags_of(db, self.principal, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.name)
            .collect();
        let removed: Vec<String> = current
            .iter()
            .filter(|t| !wanted.contains(t))
            .cloned()
            .collect();
        let added: Vec<String> = wanted
            .iter()
            .filter(|t| !current.contains(t))
            .cloned()
            .collect();
        if !removed.is_empty() {
            tags::untag_fact_sheet(db, self.principal, id, &removed)
                .await
                .map_err(|e| refused(line, "tags", e))?;
        }
        if !added.is_empty() {
            tags::tag_fact_sheet(db, self.principal, id, &added)
                .await
                .map_err(|e| refused(line, "", e))?;
        }
        Ok(())
    }

    async fn set_subscriptions(
        &self,
        db: &DatabaseTransaction,
        line: usize,
        id: Uuid,
        wanted: &Patch<Vec<(String, subscriptions::SubscriptionRole)>>,
    ) -> Step<()> {
        let wanted: Vec<(String, &str)> = match wanted {
            Patch::Keep => return Ok(()),
            Patch::Clear => Vec::new(),
            Patch::Set(list) => list
                .iter()
                .map(|(user, role)| (user.trim().to_owned(), role.as_str()))
                .collect(),
        };
        let current = subscriptions::for_fact_sheets(db, self.principal, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        for s in &current {
            if !wanted
                .iter()
                .any(|(user, role)| *user == s.subject && *role == s.role)
            {
                subscriptions::unsubscribe(db, self.principal, s.id)
                    .await
                    .map_err(|e| refused(line, "subscriptions", e))?;
            }
        }
        for (n, (user, role)) in wanted.iter().enumerate() {
            if current
                .iter()
                .any(|s| s.subject == *user && s.role == *role)
            {
                continue;
            }
            let role = subscriptions::SubscriptionRole::parse(role).expect("parsed before");
            subscriptions::subscribe(db, self.principal, id, user, role)
                .await
                .map_err(|e| refused(line, &format!("subscriptions.{n}"), e))?;
        }
        Ok(())
    }

    /// The identity of the relation line `r` names, when both its ends are found.
    async fn relation_key(&self, r: &RelationLine) -> Result<Option<RelationKey>> {
        Ok(
            match (self.resolve(&r.from).await?, self.resolve(&r.to).await?) {
                (Resolved::Found(from), Resolved::Found(to)) => {
                    Some((r.relation_type.clone(), from, to))
                }
                _ => None,
            },
        )
    }

    /// Reads the stored relations of `keys`, the relations of a batch of relation lines, but
    /// for those known absent (see [`Created`]). On a dry run, a relation the bulk path would
    /// have created is read again once written.
    async fn load_relations(&mut self, keys: HashSet<RelationKey>) -> Result<()> {
        let ws = self.principal.workspace_id;
        let (absent, read): (HashSet<_>, HashSet<_>) =
            keys.into_iter().partition(|k| self.created.knows_absent(k));
        let unwritten: Vec<RelationKey> = match self.deferred {
            Some(_) => read
                .iter()
                .filter(|k| self.created.relations.contains(*k))
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        self.relations = StoredRelations::load(self.tx, ws, read).await?;
        self.relations.absent(absent);
        for key in &unwritten {
            self.relations.written(key);
        }
        Ok(())
    }

    /// Whether line `r` would leave its stored relation as it is, told without a statement.
    async fn leaves_relation_unchanged(&self, r: &RelationLine) -> Result<bool> {
        let Some(key) = self.relation_key(r).await? else {
            return Ok(false);
        };
        Ok(match self.relations.get(&key) {
            Some(Some(stored)) => {
                relations::changes_nothing(self.model, stored, &relation_patch(r, stored))
            }
            _ => false,
        })
    }

    async fn apply_relation(&mut self, r: &RelationLine) -> Result<()> {
        if self.leaves_relation_unchanged(r).await? {
            self.report.unchanged.relations += 1;
            return Ok(());
        }
        self.write_deferred().await?;
        let savepoint = self.tx.begin().await?;
        match self.write_relation(&savepoint, r).await {
            Ok((kind, key)) => {
                savepoint.commit().await?;
                self.created.rewritten_by_mutation(key.1);
                self.created.rewritten_by_mutation(key.2);
                self.relations.written(&key);
                if kind == Kind::Created {
                    self.created.relation(self.model, &key);
                }
                let counts = match kind {
                    Kind::Created => &mut self.report.created,
                    Kind::Updated => &mut self.report.updated,
                    Kind::Unchanged => &mut self.report.unchanged,
                };
                counts.relations += 1;
            }
            Err(Stop::Refused(errors)) => {
                savepoint.rollback().await?;
                self.report.errors.extend(errors);
            }
            Err(Stop::Failed(e)) => return Err(e),
        }
        Ok(())
    }

    async fn write_relation(
        &self,
        db: &DatabaseTransaction,
        r: &RelationLine,
    ) -> Step<(Kind, RelationKey)> {
        let line = r.line;
        let ends = (
            self.require(line, "from", &r.from).await,
            self.require(line, "to", &r.to).await,
        );
        let (from_id, to_id) = match ends {
            (Ok(from), Ok(to)) => (from, to),
            (from, to) => {
                let mut errors = Vec::new();
                for end in [from, to] {
                    match end {
                        Err(Stop::Refused(e)) => errors.extend(e),
                        Err(failed) => return Err(failed),
                        Ok(_) => {}
                    }
                }
                return Err(Stop::Refused(errors));
            }
        };
        let key = (r.relation_type.clone(), from_id, to_id);
        let stored = match self.relations.get(&key) {
            Some(known) => known.cloned(),
            None => relation::Entity::find()
                .filter(relation::Column::WorkspaceId.eq(self.principal.workspace_id))
                .filter(relation::Column::RelationType.eq(r.relation_type.as_str()))
                .filter(relation::Column::FromId.eq(from_id))
                .filter(relation::Column::ToId.eq(to_id))
                .one(db)
                .await
                .map_err(Error::from)?,
        };
        let Some(stored) = stored else {
            relations::create(
                db,
                self.principal,
                self.model,
                NewRelation {
                    relation_type: r.relation_type.clone(),
                    from_id,
                    to_id,
                    attributes: match &r.attributes {
                        Patch::Set(a) => without_nulls(a),
                        _ => Attributes::new(),
                    },
                    active_from: set_or_none(&r.active_from),
                    active_until: set_or_none(&r.active_until),
                },
            )
            .await
            .map_err(|e| refused(line, "", e))?;
            return Ok((Kind::Created, key));
        };
        let updated = relations::update(db, self.principal, self.model, relation_patch(r, &stored))
            .await
            .map_err(|e| refused(line, "", e))?;
        let kind = if updated.revision == stored.revision {
            Kind::Unchanged
        } else {
            Kind::Updated
        };
        Ok((kind, key))
    }

    /// Archives the fact sheets whose lines asked for it, now that their relations are in.
    async fn archive_deferred(&mut self) -> Result<()> {
        for i in 0..self.sheets.len() {
            let Outcome::Done {
                id,
                kind,
                archive: true,
            } = self.outcomes[i]
            else {
                continue;
            };
            self.write_deferred().await?;
            let savepoint = self.tx.begin().await?;
            match fact_sheets::archive(&savepoint, self.principal, id, None).await {
                Ok(_) => {
                    savepoint.commit().await?;
                    let kind = if kind == Kind::Unchanged {
                        Kind::Updated
                    } else {
                        kind
                    };
                    self.outcomes[i] = Outcome::Done {
                        id,
                        kind,
                        archive: false,
                    };
                }
                Err(e) => {
                    savepoint.rollback().await?;
                    let line = self.sheets[i].line;
                    match refused(line, "status", e) {
                        Stop::Refused(errors) => self.refuse_sheet(i, errors),
                        Stop::Failed(e) => return Err(e),
                    }
                }
            }
        }
        Ok(())
    }

    fn count(&mut self) {
        for outcome in &self.outcomes {
            if let Outcome::Done { kind, .. } = outcome {
                let counts = match kind {
                    Kind::Created => &mut self.report.created,
                    Kind::Updated => &mut self.report.updated,
                    Kind::Unchanged => &mut self.report.unchanged,
                };
                counts.fact_sheets += 1;
            }
        }
    }
}

/// A domain error of line `line` as the line's refusals, each field error apart and named as
/// the line names it (`parent`, not the mutation's `parentId`), under `prefix`; a failure of
/// the server stays one.
fn refused(line: usize, prefix: &str, error: Error) -> Stop {
    let field = |path: &str| {
        let path = line_field(path);
        match (prefix, path.as_str()) {
            ("", p) => p.to_owned(),
            (pre, "") => pre.to_owned(),
            (pre, p) if p.starts_with(pre) => p.to_owned(),
            (pre, p) => format!("{pre}.{p}"),
        }
    };
    match error {
        Error::Database(_) | Error::Internal(_) => Stop::Failed(error),
        Error::Invalid(fields) => Stop::Refused(
            fields
                .into_iter()
                .map(|f| {
                    let path = field(&f.path);
                    LineError {
                        line,
                        field: path.clone(),
                        error: Error::Invalid(vec![FieldError::new(path, f.message)]),
                    }
                })
                .collect(),
        ),
        other => Stop::Refused(vec![LineError {
            line,
            field: prefix.to_owned(),
            error: other,
        }]),
    }
}

/// The mutations' input names for what NDJSON lines call otherwise.
fn line_field(path: &str) -> String {
    for (input, line) in [("parentId", "parent"), ("fromId", "from"), ("toId", "to")] {
        if let Some(rest) = path.strip_prefix(input)
            && (rest.is_empty() || rest.starts_with('.'))
        {
            return format!("{line}{rest}");
        }
    }
    path.to_owned()
}

fn describe(r: &Ref) -> String {
    match r {
        Ref::Id(id) => id.to_string(),
        Ref::ExternalId(e) => format!("{}:{}", e.namespace, e.value),
    }
}

/// The attributes a line's `attributes` asks the update services to merge into `stored`:
/// `null` clears the whole map, which the merge says as every stored key set to null.
fn attributes_patch(patch: &Patch<Attributes>, stored: &serde_json::Value) -> Option<Attributes> {
    match patch {
        Patch::Keep => None,
        Patch::Set(a) => Some(a.clone()),
        Patch::Clear => Some(
            stored
                .as_object()
                .into_iter()
                .flat_map(|a| a.keys())
                .map(|k| (k.clone(), serde_json::Value::Null))
                .collect(),
        ),
    }
}

/// The update relation line `r` asks of its stored relation.
fn relation_patch(r: &RelationLine, stored: &relation::Model) -> RelationPatch {
    RelationPatch {
        id: stored.id,
        attributes: attributes_patch(&r.attributes, &stored.attributes),
        active_from: r.active_from.clone(),
        active_until: r.active_until.clone(),
    }
}

/// The external ID a line names its fact sheet by, which stays on it.
fn named_by(s: &SheetLine) -> Option<ExternalId> {
    match &s.reference {
        Ref::ExternalId(e) => Some(e.as_ref().clone()),
        Ref::Id(_) => None,
    }
}

/// The external IDs a line gives its fact sheet, when it names them.
fn wanted_external_ids(s: &SheetLine) -> Option<Vec<ExternalId>> {
    let named_by = named_by(s);
    match &s.external_ids {
        Patch::Keep => None,
        Patch::Clear => Some(named_by.into_iter().collect()),
        Patch::Set(ids) => Some(with(ids, named_by.as_ref())),
    }
}

/// `ids` with `also` added when it is not among them.
fn with(ids: &[ExternalId], also: Option<&ExternalId>) -> Vec<ExternalId> {
    let mut all = ids.to_vec();
    if let Some(e) = also
        && !all.contains(e)
    {
        all.push(e.clone());
    }
    all
}

fn without_nulls(attributes: &Attributes) -> Attributes {
    attributes
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn set_or_none<T: Clone>(patch: &Patch<T>) -> Option<T> {
    match patch {
        Patch::Set(t) => Some(t.clone()),
        _ => None,
    }
}
