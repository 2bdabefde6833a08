//! A `validateOnly` import writes the bulk paths' rows only when it has to. The bulk paths judge
//! their lines in memory, so a dry run made only of such lines needs no write at all: what
//! they would create is kept here instead (the fact sheets as relation ends, the relations'
//! identities, the cardinality claims they take), and the later checks read it as if it were
//! stored. The moment a line needs the mutations, which read the database, everything kept is
//! written first, in the order a real import writes it, and the import goes on as a real one:
//! both report exactly the same, and the caller rolls the dry run back.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{
    Import,
    bulk_relations::{self, End, Side},
    bulk_sheets,
};
use crate::{error::Result, exchange::stored_relations::RelationKey, tags};

/// What the bulk paths of a dry run have not written yet.
#[derive(Default)]
pub(super) struct Deferred {
    sheets: Vec<SheetBatch>,
    relations: Vec<RelationBatch>,
    /// The fact sheets the bulk path would have created, as relation ends.
    pub(super) created_ends: HashMap<Uuid, End>,
    /// The relations the bulk path would have created.
    pub(super) created_relations: HashSet<RelationKey>,
    /// The `(type, end, side)` claims of those relations that a cardinality of one limits.
    pub(super) claims: HashSet<(String, Uuid, Side)>,
}

struct SheetBatch {
    planned: Vec<bulk_sheets::Planned>,
    ids: Vec<Uuid>,
    known_tags: HashMap<String, tags::Tag>,
}

struct RelationBatch {
    planned: Vec<bulk_relations::Planned>,
    ends: HashMap<Uuid, End>,
}

impl Deferred {
    pub(super) fn sheets(
        &mut self,
        planned: Vec<bulk_sheets::Planned>,
        ids: Vec<Uuid>,
        known_tags: HashMap<String, tags::Tag>,
    ) {
        for (p, id) in planned.iter().zip(&ids) {
            self.created_ends.insert(*id, End::created(p));
        }
        self.sheets.push(SheetBatch {
            planned,
            ids,
            known_tags,
        });
    }

    pub(super) fn relations(
        &mut self,
        planned: Vec<bulk_relations::Planned>,
        ends: HashMap<Uuid, End>,
        claims: impl IntoIterator<Item = (String, Uuid, Side)>,
    ) {
        self.created_relations
            .extend(planned.iter().map(|p| p.key.clone()));
        self.claims.extend(claims);
        self.relations.push(RelationBatch { planned, ends });
    }

    /// Whether the relation of `key` cannot be stored: one of its ends is a fact sheet not
    /// written yet, and no deferred relation has that identity.
    pub(super) fn knows_absent(&self, key: &RelationKey) -> bool {
        !self.created_relations.contains(key)
            && (self.created_ends.contains_key(&key.1) || self.created_ends.contains_key(&key.2))
    }
}

impl Import<'_> {
    /// Writes what the bulk paths deferred, if anything, and ends deferring: the next line
    /// goes through the mutations, which must find the database as a real import leaves it.
    pub(super) async fn write_deferred(&mut self) -> Result<()> {
        let Some(deferred) = self.deferred.take() else {
            return Ok(());
        };
        for batch in &deferred.sheets {
            self.write_sheets(self.tx, &batch.planned, &batch.ids, &batch.known_tags)
                .await?;
        }
        for batch in &deferred.relations {
            self.write_relations(self.tx, &batch.planned, &batch.ends)
                .await?;
        }
        self.save_revisions().await
    }
}
