//! A `validateOnly` import writes the bulk paths' rows only when it has to. The bulk paths judge
//! their lines in memory, so a dry run made only of such lines needs no write at all: their
//! rows are kept here instead, and the later checks read what they would create from
//! [`super::created::Created`] as if it were stored. The moment a line needs the mutations,
//! which read the database, everything kept is written first, in the order a real import
//! writes it, and the import goes on as a real one: both report exactly the same, and the
//! caller rolls the dry run back.

use std::collections::HashMap;

use uuid::Uuid;

use super::{
    Import,
    bulk_relations::{self, End},
    bulk_sheets,
};
use crate::{error::Result, tags};

/// The rows the bulk paths of a dry run have not written yet, in the order they came.
#[derive(Default)]
pub(super) struct Deferred {
    sheets: Vec<SheetBatch>,
    relations: Vec<RelationBatch>,
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
    ) {
        self.relations.push(RelationBatch { planned, ends });
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
