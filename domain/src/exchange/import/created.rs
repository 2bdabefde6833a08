//! What an import has created so far, kept in memory so the relation batches need not read it
//! back: a fact sheet the bulk path created has no relations but those the import created
//! after it, so whether a relation with such an end is stored, which cardinality claims its
//! ends hold, and (until a mutation writes it) its revision are known without a statement.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::bulk_relations::{End, Side};
use crate::{
    exchange::stored_relations::RelationKey,
    meta_model::{Cardinality, MetaModel},
};

#[derive(Default)]
pub(super) struct Created {
    /// The fact sheets the bulk path created, as relation ends: their revision as the bulk
    /// relation batches raised it.
    pub(super) ends: HashMap<Uuid, End>,
    /// Those of `ends` a mutation wrote since, whose revision only the database knows.
    rewritten: HashSet<Uuid>,
    /// Every relation the import created, on either path.
    pub(super) relations: HashSet<RelationKey>,
    /// The `(type, end, side)` claims of those relations that a cardinality of one limits.
    pub(super) claims: HashSet<(String, Uuid, Side)>,
}

impl Created {
    pub(super) fn relation(&mut self, model: &MetaModel, key: &RelationKey) {
        let (type_key, from, to) = key;
        if let Some(t) = model.relation_type(type_key) {
            if t.to_cardinality == Cardinality::One {
                self.claims.insert((type_key.clone(), *from, Side::From));
            }
            if t.from_cardinality == Cardinality::One {
                self.claims.insert((type_key.clone(), *to, Side::To));
            }
        }
        self.relations.insert(key.clone());
    }

    /// The end fact sheet `id` is, when the bulk path created it and no mutation wrote it since.
    pub(super) fn end(&self, id: &Uuid) -> Option<&End> {
        self.ends.get(id).filter(|_| !self.rewritten.contains(id))
    }

    /// Records the revisions a bulk relation batch raised the ends it created to.
    pub(super) fn raised(&mut self, revisions: &HashMap<Uuid, i32>) {
        for (id, revision) in revisions {
            if let Some(end) = self.ends.get_mut(id) {
                end.revision = *revision;
            }
        }
    }

    /// Records that a mutation wrote fact sheet `id`, raising its revision in the database.
    pub(super) fn rewritten_by_mutation(&mut self, id: Uuid) {
        if self.ends.contains_key(&id) {
            self.rewritten.insert(id);
        }
    }

    /// Whether the relation of `key` is known not to be stored: one of its ends is a fact
    /// sheet the bulk path created, and the import has not created the relation.
    pub(super) fn knows_absent(&self, key: &RelationKey) -> bool {
        !self.relations.contains(key)
            && (self.ends.contains_key(&key.1) || self.ends.contains_key(&key.2))
    }
}
