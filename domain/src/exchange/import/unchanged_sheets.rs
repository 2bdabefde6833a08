//! Sheet lines that would change nothing, told in memory. Re-importing an export (a nightly
//! sync, say) is mostly such lines; read together, a few statements per thousand lines decide
//! them, instead of a savepoint and the update mutation's reads for each. A line is taken as
//! unchanged only when every field it names equals what is stored and passes the mutation's
//! checks; anything else, however small, goes through the mutations.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{Import, Kind, Outcome, wanted_external_ids};
use crate::{
    attributes::{merge_patch, validate_attributes},
    db::INSERT_CHUNK,
    error::Result,
    exchange::parse::SheetLine,
    external_ids::ExternalId,
    fact_sheets::{FactSheet, Patch, Status, check_name},
    subscriptions::{self, Subscription},
    tags::{self, Tag},
};
use entity::fact_sheet;

/// What is stored of one fact sheet, as a line could name it.
struct Stored<'a> {
    sheet: &'a FactSheet,
    tags: &'a [Tag],
    external_ids: &'a [ExternalId],
    subscriptions: &'a [Subscription],
}

impl Import<'_> {
    /// Marks done, as unchanged, the pending sheet lines whose fact sheet is stored and which
    /// would change nothing of it.
    pub(super) async fn skip_unchanged_sheets(&mut self) -> Result<()> {
        let candidates: Vec<(usize, Uuid)> = (0..self.sheets.len())
            .filter(|&i| matches!(self.outcomes[i], Outcome::Pending))
            .filter_map(|i| match self.stored.get(&self.sheets[i].reference) {
                Ok(Some(id)) => Some((i, id)),
                _ => None,
            })
            .collect();
        let ws = self.principal.workspace_id;
        for chunk in candidates.chunks(INSERT_CHUNK) {
            let ids: Vec<Uuid> = chunk.iter().map(|(_, id)| *id).collect();
            let sheets: HashMap<Uuid, FactSheet> = fact_sheet::Entity::find()
                .filter(fact_sheet::Column::WorkspaceId.eq(ws))
                .filter(fact_sheet::Column::Id.is_in(ids.iter().copied()))
                .all(self.tx)
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
            let tags = tags::tags_of(self.tx, self.principal, &ids).await?;
            let external_ids =
                crate::external_ids::for_fact_sheets(self.tx, self.principal, &ids).await?;
            let subscriptions =
                subscriptions::for_fact_sheets(self.tx, self.principal, &ids).await?;
            for &(i, id) in chunk {
                let Some(sheet) = sheets.get(&id) else {
                    continue;
                };
                let stored = Stored {
                    sheet,
                    tags: tags.get(&id).map_or(&[], Vec::as_slice),
                    external_ids: external_ids.get(&id).map_or(&[], Vec::as_slice),
                    subscriptions: subscriptions.get(&id).map_or(&[], Vec::as_slice),
                };
                if self.leaves_unchanged(&self.sheets[i], &stored) {
                    self.outcomes[i] = Outcome::Done {
                        id,
                        kind: Kind::Unchanged,
                        archive: false,
                    };
                }
            }
        }
        Ok(())
    }

    fn leaves_unchanged(&self, s: &SheetLine, stored: &Stored) -> bool {
        let sheet = stored.sheet;
        let Some(fs_type) = self.model.fact_sheet_type(&sheet.fact_sheet_type) else {
            return false;
        };
        let type_kept = s
            .fact_sheet_type
            .as_ref()
            .is_none_or(|t| *t == sheet.fact_sheet_type);
        let status_kept = s.status.is_none_or(|status| status == Status::of(sheet));
        let name_kept = match &s.name {
            Patch::Keep => true,
            Patch::Clear => false,
            Patch::Set(n) => check_name(n).is_none() && n.trim() == sheet.name,
        };
        let description_kept = match &s.description {
            Patch::Keep => true,
            Patch::Clear => sheet.description.is_none(),
            Patch::Set(d) if d.trim().is_empty() => sheet.description.is_none(),
            Patch::Set(d) => sheet.description.as_deref() == Some(d.as_str()),
        };
        let current = sheet.attributes.as_object().cloned().unwrap_or_default();
        let attributes_kept = match &s.attributes {
            Patch::Keep => true,
            Patch::Clear => current.is_empty(),
            Patch::Set(patch) => {
                let merged = merge_patch(&current, &patch.get());
                validate_attributes(&fs_type.attributes, &merged, &fs_type.key, "attributes")
                    .is_ok_and(|valid| valid == current)
            }
        };
        let parent_kept = match &s.parent {
            Patch::Keep => true,
            Patch::Clear => sheet.parent_id.is_none(),
            Patch::Set(r) => matches!(
                self.stored.get(r),
                Ok(Some(parent)) if sheet.parent_id == Some(parent)
            ),
        };
        let external_ids_kept = match wanted_external_ids(s) {
            None => true,
            Some(mut wanted) => {
                wanted.sort();
                wanted == stored.external_ids
            }
        };
        let tags_kept = match &s.tags {
            Patch::Keep => true,
            Patch::Clear => stored.tags.is_empty(),
            Patch::Set(names) => {
                let wanted: HashSet<&str> = names.iter().map(|n| n.trim()).collect();
                !wanted.contains("")
                    && wanted == stored.tags.iter().map(|t| t.name.as_str()).collect()
            }
        };
        let subscriptions_kept = match &s.subscriptions {
            Patch::Keep => true,
            Patch::Clear => stored.subscriptions.is_empty(),
            Patch::Set(list) => {
                let wanted: HashSet<(&str, &str)> = list
                    .iter()
                    .map(|(user, role)| (user.trim(), role.as_str()))
                    .collect();
                wanted
                    == stored
                        .subscriptions
                        .iter()
                        .map(|s| (s.subject.as_str(), s.role.as_str()))
                        .collect()
            }
        };
        type_kept
            && status_kept
            && name_kept
            && description_kept
            && attributes_kept
            && parent_kept
            && external_ids_kept
            && tags_kept
            && subscriptions_kept
    }
}
