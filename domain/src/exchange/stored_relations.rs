//! The stored relations a batch of relation lines names, read in one or two statements instead
//! of one per line. A relation a line of the batch writes is looked up again by the next line
//! that names it, as the read no longer tells its state.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{db::INSERT_CHUNK, error::Result};
use entity::relation;

/// A relation's identity: its type and both ends.
pub(super) type RelationKey = (String, Uuid, Uuid);

#[derive(Debug, Default)]
pub(super) struct StoredRelations {
    named: HashSet<RelationKey>,
    found: HashMap<RelationKey, relation::Model>,
}

impl StoredRelations {
    /// Reads the relations of `keys` that exist in workspace `ws`.
    pub(super) async fn load(
        db: &impl ConnectionTrait,
        ws: Uuid,
        keys: HashSet<RelationKey>,
    ) -> Result<Self> {
        let mut found = HashMap::new();
        let froms: Vec<Uuid> = keys
            .iter()
            .map(|(_, from, _)| *from)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let tos: Vec<Uuid> = keys
            .iter()
            .map(|(_, _, to)| *to)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for from_chunk in froms.chunks(INSERT_CHUNK) {
            for to_chunk in tos.chunks(INSERT_CHUNK) {
                let rows = relation::Entity::find()
                    .filter(relation::Column::WorkspaceId.eq(ws))
                    .filter(relation::Column::FromId.is_in(from_chunk.iter().copied()))
                    .filter(relation::Column::ToId.is_in(to_chunk.iter().copied()))
                    .all(db)
                    .await?;
                for row in rows {
                    let key = (row.relation_type.clone(), row.from_id, row.to_id);
                    if keys.contains(&key) {
                        found.insert(key, row);
                    }
                }
            }
        }
        Ok(StoredRelations { named: keys, found })
    }

    /// The stored relation of `key`: `Some(None)` when there is none, `None` when it has to be
    /// read again.
    pub(super) fn get(&self, key: &RelationKey) -> Option<Option<&relation::Model>> {
        self.named.contains(key).then(|| self.found.get(key))
    }

    /// The relations of `keys` are known not to be stored, without a read.
    pub(super) fn absent(&mut self, keys: HashSet<RelationKey>) {
        self.named.extend(keys);
    }

    /// A line wrote the relation of `key`.
    pub(super) fn written(&mut self, key: &RelationKey) {
        self.named.remove(key);
        self.found.remove(key);
    }
}
