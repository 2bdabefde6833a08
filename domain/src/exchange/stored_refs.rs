//! The fact sheets of the workspace that a body's references name, read in a few batched
//! statements before any line is applied, instead of a statement or two per reference, and
//! kept current as the lines give external IDs to fact sheets or take them away.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::line::Ref;
use crate::{db::INSERT_CHUNK, error::Result, external_ids::ExternalId, principal::Principal};
use entity::{external_id, fact_sheet};

#[derive(Debug, Default)]
pub(super) struct StoredRefs {
    /// The ids named that exist in the workspace.
    ids: HashSet<Uuid>,
    /// Every external ID named, with the fact sheet it identifies now (None: none yet).
    by_external_id: HashMap<ExternalId, Option<Uuid>>,
    /// The named external IDs each fact sheet holds now.
    named_of: HashMap<Uuid, Vec<ExternalId>>,
}

impl StoredRefs {
    /// Reads where each of `refs` leads in the caller's workspace.
    pub(super) async fn load(
        db: &impl ConnectionTrait,
        principal: &Principal,
        refs: HashSet<Ref>,
    ) -> Result<Self> {
        let ws = principal.workspace_id;
        let mut stored = StoredRefs::default();
        let mut ids = Vec::new();
        let mut values = HashSet::new();
        for r in refs {
            match r {
                Ref::Id(id) => ids.push(id),
                Ref::ExternalId(e) => {
                    values.insert(e.value.clone());
                    stored.by_external_id.insert(*e, None);
                }
            }
        }
        for chunk in ids.chunks(INSERT_CHUNK) {
            let found: Vec<Uuid> = fact_sheet::Entity::find()
                .select_only()
                .column(fact_sheet::Column::Id)
                .filter(fact_sheet::Column::WorkspaceId.eq(ws))
                .filter(fact_sheet::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            stored.ids.extend(found);
        }
        let values: Vec<String> = values.into_iter().collect();
        for chunk in values.chunks(INSERT_CHUNK) {
            let rows = external_id::Entity::find()
                .filter(external_id::Column::WorkspaceId.eq(ws))
                .filter(external_id::Column::Value.is_in(chunk.iter().cloned()))
                .all(db)
                .await?;
            for row in rows {
                let key = ExternalId {
                    namespace: row.namespace,
                    value: row.value,
                };
                if let Some(owner) = stored.by_external_id.get_mut(&key) {
                    *owner = Some(row.fact_sheet_id);
                    stored
                        .named_of
                        .entry(row.fact_sheet_id)
                        .or_default()
                        .push(key);
                }
            }
        }
        Ok(stored)
    }

    /// The stored fact sheet `r` names; `Err` for a reference [`Self::load`] was not given.
    pub(super) fn get(&self, r: &Ref) -> std::result::Result<Option<Uuid>, ()> {
        match r {
            Ref::Id(id) => Ok(self.ids.contains(id).then_some(*id)),
            Ref::ExternalId(e) => self.by_external_id.get(e).copied().ok_or(()),
        }
    }

    /// Fact sheet `id` now holds exactly the external IDs `held`.
    pub(super) fn external_ids_replaced(&mut self, id: Uuid, held: &[ExternalId]) {
        for old in self.named_of.remove(&id).unwrap_or_default() {
            if !held.contains(&old) {
                self.by_external_id.insert(old, None);
            }
        }
        let mut named = Vec::new();
        for e in held {
            if let Some(owner) = self.by_external_id.get_mut(e) {
                *owner = Some(id);
                named.push(e.clone());
            }
        }
        if !named.is_empty() {
            self.named_of.insert(id, named);
        }
    }
}

/// Every reference of the lines: the fact sheets they name, the external IDs they give (so the
/// bulk path knows which are taken), their parents, and `relation_ends`.
pub(super) fn named_refs(
    sheets: &[super::parse::SheetLine],
    relation_ends: HashSet<Ref>,
) -> HashSet<Ref> {
    let mut refs = relation_ends;
    for s in sheets {
        refs.insert(s.reference.clone());
        if let crate::fact_sheets::Patch::Set(parent) = &s.parent {
            refs.insert(parent.clone());
        }
        if let crate::fact_sheets::Patch::Set(ids) = &s.external_ids {
            refs.extend(ids.iter().cloned().map(Ref::from));
        }
    }
    refs
}
