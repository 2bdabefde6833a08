//! New fact sheets in bulk. A line that creates a fact sheet, and passes in memory every check
//! the create mutation would make, is written with the other such lines in multi-row
//! statements: a few statements per thousands of lines instead of a savepoint and a dozen
//! round trips each. Every other line (an update, a parent, subscriptions, anything that fails
//! a check) is left to the mutations one line at a time, which refuse it in their own words, so
//! both paths accept and refuse exactly the same lines.

use std::collections::{HashMap, HashSet};

use chrono::{SubsecRound, Utc};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    Import, Kind, Outcome, named_by,
    rows::{self, ChangeRow, ExternalIdRow, SheetRow, TagRow},
    wanted_external_ids, without_nulls,
};
use crate::{
    attributes::{Attributes, completion, index_values, validate_attributes},
    error::{Error, Result},
    exchange::{held_attributes::HeldAttributes, line::Ref, parse::SheetLine},
    external_ids::{self, ExternalId},
    fact_sheet_store,
    fact_sheets::{Patch, Status, check_name},
    history::{self, ChangeKind},
    limits, tags,
};

/// Sheet lines planned and written together: a few thousand lines' rows at a time.
const SHEETS_PER_CHUNK: usize = 5_000;

/// A sheet line checked for the bulk path, with what it will write. Serialized when a dry run
/// keeps it (see `deferred`).
#[derive(Serialize, Deserialize)]
pub(super) struct Planned {
    /// The sheet line's position among the body's sheet lines.
    at: usize,
    pub(super) name: String,
    pub(super) fact_sheet_type: String,
    description: Option<String>,
    /// Checked, and held as text until its chunk is written.
    attributes: HeldAttributes,
    completion: f64,
    external_ids: Vec<ExternalId>,
    tags: Vec<String>,
    archive: bool,
}

impl Import<'_> {
    /// Creates, in bulk, the fact sheets of the lines that qualify (see the module's doc), and
    /// marks their lines done. The others stay pending for the one-by-one path.
    ///
    /// The lines that qualify are found first and planned again a chunk at a time as they are
    /// written, so the planned rows of all of them (a copy of every name, description and
    /// attribute map) are never in memory beside the lines themselves. Planning again finds
    /// the same: what a line's plan reads (the stored references, the body's references) only
    /// changes through lines that the first pass already told apart.
    pub(super) async fn create_sheets_in_bulk(&mut self) -> Result<()> {
        let mut qualifying = Vec::new();
        let mut tag_names = HashSet::new();
        for i in 0..self.sheets.len() {
            if !matches!(self.outcomes[i], Outcome::Pending) {
                continue;
            }
            if let Some(p) = self.plan_sheet(i) {
                tag_names.extend(p.tags);
                qualifying.push(i);
            }
        }
        if qualifying.is_empty() {
            return Ok(());
        }
        let ws = self.principal.workspace_id;
        match crate::features::require_within_total(self.tx, ws, qualifying.len() as u64).await {
            Ok(()) => {}
            // Past a quota, the lines go one by one and are refused where the quota ends.
            Err(e @ Error::Database(_)) => return Err(e),
            Err(_) => return Ok(()),
        }
        let tag_names: Vec<String> = tag_names.into_iter().collect();
        let known_tags = tags::ensure_named(self.tx, ws, &tag_names).await?;
        let single_groups = tags::single_mode_groups(self.tx, ws).await?;
        for chunk in qualifying.chunks(SHEETS_PER_CHUNK) {
            let mut planned: Vec<Planned> =
                chunk.iter().filter_map(|&i| self.plan_sheet(i)).collect();
            // A single-mode group's rule: at most one of its tags per fact sheet. A line that
            // breaks it stays pending, for the mutations to refuse.
            planned.retain(|p| {
                let mut groups = HashSet::new();
                p.tags
                    .iter()
                    .filter_map(|t| known_tags.get(t).and_then(|t| t.group_id))
                    .filter(|g| single_groups.contains(g))
                    .all(|g| groups.insert(g))
            });
            let ids: Vec<Uuid> = planned.iter().map(|_| Uuid::now_v7()).collect();
            if self.deferred.is_none() {
                let savepoint = self.tx.begin().await?;
                match self
                    .write_sheets(&savepoint, &planned, &ids, &known_tags)
                    .await
                {
                    Ok(()) => savepoint.commit().await?,
                    Err(e) => {
                        // A statement failed (a concurrent writer took an external ID, say):
                        // the chunk's lines go one by one, where a failure is the line's.
                        tracing::debug!(error = %e, "bulk create fell back to line by line");
                        savepoint.rollback().await?;
                        continue;
                    }
                }
            }
            self.created_in_bulk(&planned, &ids);
            if let Some(deferred) = &mut self.deferred {
                deferred.sheets(planned, ids, known_tags.clone())?;
            }
        }
        Ok(())
    }

    /// Marks the lines of `planned` done as the fact sheets `ids`.
    fn created_in_bulk(&mut self, planned: &[Planned], ids: &[Uuid]) {
        for (p, &id) in planned.iter().zip(ids) {
            let i = p.at;
            self.stored.external_ids_replaced(id, &p.external_ids);
            self.outcomes[i] = Outcome::Done {
                id,
                kind: Kind::Created,
                archive: p.archive,
            };
            // Only the line's number is read again; its fields need not be held while the
            // relations go in.
            self.sheets[i].forget_fields();
            self.created
                .ends
                .insert(id, super::bulk_relations::End::created(p));
        }
    }

    /// Sheet line `i`, checked as the create mutation would check it, or `None` when it needs
    /// the one-by-one path.
    fn plan_sheet(&self, i: usize) -> Option<Planned> {
        let s: &SheetLine = &self.sheets[i];
        if self.stored.get(&s.reference) != Ok(None)
            || !matches!(s.parent, Patch::Keep | Patch::Clear)
            || matches!(&s.subscriptions, Patch::Set(list) if !list.is_empty())
        {
            return None;
        }
        let (Some(type_key), Patch::Set(name)) = (&s.fact_sheet_type, &s.name) else {
            return None;
        };
        let fs_type = self.model.fact_sheet_type(type_key)?;
        if check_name(name).is_some() || limits::check_text("name", name).is_some() {
            return None;
        }
        let description = match &s.description {
            Patch::Set(d) if limits::check_text("description", d).is_some() => return None,
            Patch::Set(d) => Some(d.clone()).filter(|d| !d.trim().is_empty()),
            _ => None,
        };
        let given = match &s.attributes {
            Patch::Set(a) => without_nulls(&a.get()),
            _ => Attributes::new(),
        };
        let attributes =
            validate_attributes(&fs_type.attributes, &given, &fs_type.key, "attributes").ok()?;
        let external_ids =
            wanted_external_ids(s).unwrap_or_else(|| named_by(s).into_iter().collect());
        if !self.claims_freely(i, &external_ids) {
            return None;
        }
        let tags = match &s.tags {
            Patch::Set(names) => {
                if limits::TAGS.check("tags", names.len()).is_some() {
                    return None;
                }
                let mut checked = Vec::new();
                for name in names {
                    let name = tags::check_tag_name(name, "tags").ok()?;
                    if limits::check_text("tags", &name).is_some() {
                        return None;
                    }
                    if !checked.contains(&name) {
                        checked.push(name);
                    }
                }
                checked.sort();
                checked
            }
            _ => Vec::new(),
        };
        let name = name.trim().to_owned();
        Some(Planned {
            at: i,
            completion: completion(&fs_type.attributes, &attributes),
            fact_sheet_type: fs_type.key.clone(),
            name,
            description,
            attributes: HeldAttributes::hold(&attributes),
            external_ids,
            tags,
            archive: s.status == Some(Status::Archived),
        })
    }

    /// Whether sheet line `i` may take `ids`: well formed, held by no stored fact sheet, and
    /// named first by this line of the body.
    fn claims_freely(&self, i: usize, ids: &[ExternalId]) -> bool {
        if limits::EXTERNAL_IDS
            .check("externalIds", ids.len())
            .is_some()
        {
            return false;
        }
        let mut seen = HashSet::new();
        ids.iter().all(|id| {
            let named = Ref::from(id.clone());
            external_ids::well_formed(id)
                && limits::check_text("namespace", &id.namespace).is_none()
                && limits::check_text("value", &id.value).is_none()
                && seen.insert(id)
                && self.stored.get(&named) == Ok(None)
                && self.by_ref.get(&named) == Some(&i)
        })
    }

    pub(super) async fn write_sheets(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        planned: &[Planned],
        ids: &[Uuid],
        known_tags: &HashMap<String, tags::Tag>,
    ) -> Result<()> {
        let ws = self.principal.workspace_id;
        let subject = &self.principal.subject;
        // Whole microseconds, as both databases store them.
        let now = Utc::now().trunc_subsecs(6);
        let actor_name = crate::api_tokens::acting_token_name(db, self.principal)
            .await?
            .map(|name| name.to_string());
        // A chunk at a time, so the rows of every line are never all in memory at once.
        for (planned, ids) in planned
            .chunks(crate::db::INSERT_CHUNK)
            .zip(ids.chunks(crate::db::INSERT_CHUNK))
        {
            let mut sheet_rows = Vec::with_capacity(planned.len());
            let mut index_rows = Vec::with_capacity(planned.len());
            let mut id_rows = Vec::new();
            let mut tag_rows = Vec::new();
            let mut diffs = Vec::with_capacity(planned.len());
            let attributes: Vec<Attributes> = planned.iter().map(|p| p.attributes.get()).collect();
            for ((p, &id), attributes) in planned.iter().zip(ids).zip(&attributes) {
                sheet_rows.push(SheetRow {
                    workspace_id: ws,
                    id,
                    fact_sheet_type: &p.fact_sheet_type,
                    name: &p.name,
                    search_text: fact_sheet_store::search_text(&p.name, p.description.as_deref()),
                    description: p.description.as_deref(),
                    attributes,
                    status: Status::Active.as_str(),
                    revision: 1,
                    completion: p.completion,
                    parent_id: None,
                    created_by: subject,
                    updated_by: subject,
                    created_at: now,
                    updated_at: now,
                });
                // Derived again here rather than held for every planned line.
                let definitions = &self
                    .model
                    .fact_sheet_type(&p.fact_sheet_type)
                    .ok_or_else(|| Error::Internal(format!("type {} vanished", p.fact_sheet_type)))?
                    .attributes;
                index_rows.push((id, index_values(definitions, attributes)));
                id_rows.extend(p.external_ids.iter().map(|e| ExternalIdRow {
                    workspace_id: ws,
                    namespace: &e.namespace,
                    value: &e.value,
                    fact_sheet_id: id,
                }));
                for name in &p.tags {
                    let tag = known_tags.get(name).ok_or_else(|| {
                        Error::Internal(format!("tag {name} vanished during an import"))
                    })?;
                    tag_rows.push(TagRow {
                        workspace_id: ws,
                        fact_sheet_id: id,
                        tag_id: tag.id,
                    });
                }
                diffs.push(created_diff(p, attributes));
            }
            let history_rows: Vec<ChangeRow> = ids
                .iter()
                .zip(&diffs)
                .map(|(&id, diff)| ChangeRow {
                    workspace_id: ws,
                    fact_sheet_id: id,
                    revision: 1,
                    kind: ChangeKind::Created.as_str(),
                    diff,
                    comment: None,
                    actor: subject,
                    actor_name: actor_name.as_deref(),
                    at: now,
                })
                .collect();
            rows::insert_sheets(db, &sheet_rows).await?;
            fact_sheet_store::insert_index(db, ws, &index_rows).await?;
            rows::insert_external_ids(db, &id_rows).await?;
            rows::insert_tags(db, &tag_rows).await?;
            rows::insert_changes(db, &history_rows).await?;
        }
        // History written in bulk, so the counter is raised once rather than per change. New
        // fact sheets have no parent and no relations yet: only they are touched.
        let touched = crate::versions::Touched::sheets(ids.iter().copied());
        crate::versions::raise(db, crate::versions::Counter::Inventory, ws, touched).await
    }
}

/// The `CREATED` diff the create mutation records, field for field.
fn created_diff(p: &Planned, attributes: &Attributes) -> Value {
    let mut diff = Map::new();
    diff.insert(
        "type".into(),
        history::field_diff(None, Some(&json!(p.fact_sheet_type))),
    );
    diff.insert(
        "name".into(),
        history::field_diff(None, Some(&json!(p.name))),
    );
    if let Some(d) = &p.description {
        diff.insert(
            "description".into(),
            history::field_diff(None, Some(&json!(d))),
        );
    }
    for (key, value) in attributes {
        diff.insert(
            format!("attributes.{key}"),
            history::field_diff(None, Some(value)),
        );
    }
    if !p.external_ids.is_empty() {
        diff.insert(
            "externalIds".into(),
            history::field_diff(None, Some(&json!(p.external_ids))),
        );
    }
    if !p.tags.is_empty() {
        diff.insert(
            "tags".into(),
            history::field_diff(None, Some(&json!(p.tags))),
        );
    }
    Value::Object(diff)
}
