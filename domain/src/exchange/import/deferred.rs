//! A `validateOnly` import writes the bulk paths' rows only when it has to. The bulk paths judge
//! their lines in memory, so a dry run made only of such lines needs no write at all: their
//! rows are kept here instead (the fact sheets' in a spool, on disk when many), and the later
//! checks read what they would create from [`super::created::Created`] as if it were stored.
//! The moment a line needs the mutations, which read the database, everything kept is written
//! first, in the order a real import writes it, and the import goes on as a real one: both
//! report exactly the same, and the caller rolls the dry run back.

use std::{collections::HashMap, ops::Range};

use sea_orm::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use super::{Import, bulk_relations::End, bulk_sheets};
use crate::{
    error::{Error, Result},
    exchange::spool::Spool,
    tags,
};

/// The rows the bulk paths of a dry run have not written yet, in the order they came.
#[derive(Default)]
pub(super) struct Deferred {
    /// The planned rows of every kept sheet batch, one JSON record each: a dry run of a large
    /// body plans a row for nearly every fact sheet, and held, they were tens of megabytes.
    planned: Spool,
    sheets: Vec<SheetBatch>,
    relations: Vec<RelationBatch>,
    /// Every end of the kept relation batches, kept once: a name and a type do not change
    /// while nothing is written, only the revision each batch starts from does.
    ends: HashMap<Uuid, End>,
}

struct SheetBatch {
    /// The batch's records in `planned`.
    planned: Range<usize>,
    ids: Vec<Uuid>,
    known_tags: HashMap<String, tags::Tag>,
}

struct RelationBatch {
    /// The positions of the relations' lines among the body's relation lines, planned again
    /// when written: held, the planned rows of a large dry run were tens of megabytes on top
    /// of the lines they came from.
    lines: Vec<usize>,
    /// The revision each of the batch's ends was at before it.
    revisions: Vec<(Uuid, i32)>,
}

impl Deferred {
    pub(super) fn sheets(
        &mut self,
        planned: Vec<bulk_sheets::Planned>,
        ids: Vec<Uuid>,
        known_tags: HashMap<String, tags::Tag>,
    ) -> Result<()> {
        let first = self.planned.len();
        // One buffer for all the batch's records, rather than one allocation each.
        let mut record = Vec::new();
        for p in &planned {
            record.clear();
            serde_json::to_writer(&mut record, p).map_err(|e| {
                Error::Internal(format!(
                    "a planned row a dry run keeps does not serialize: {e}"
                ))
            })?;
            self.planned.push(&[&record]);
        }
        self.sheets.push(SheetBatch {
            planned: first..self.planned.len(),
            ids,
            known_tags,
        });
        Ok(())
    }

    pub(super) fn relations(&mut self, lines: Vec<usize>, ends: HashMap<Uuid, End>) {
        let revisions = ends.iter().map(|(id, e)| (*id, e.revision)).collect();
        for (id, end) in ends {
            self.ends.entry(id).or_insert(end);
        }
        self.relations.push(RelationBatch { lines, revisions });
    }
}

impl Import<'_> {
    /// Writes what the bulk paths deferred, if anything, and ends deferring: the next line
    /// goes through the mutations, which must find the database as a real import leaves it.
    ///
    /// A real import whose bulk statement fails (another writer took an external ID the body
    /// gives, or deleted a tag it names) hands those lines to the mutations, which refuse the
    /// line that lost. A dry run judged them in memory and counted them done, so it cannot
    /// do the same: it stops with a conflict that says the workspace moved and to run it again,
    /// rather than a server error.
    pub(super) async fn write_deferred(&mut self) -> Result<()> {
        let Some(mut deferred) = self.deferred.take() else {
            return Ok(());
        };
        deferred.planned.finish();
        let savepoint = self.tx.begin().await?;
        match self.write_kept(&savepoint, &deferred).await {
            Ok(()) => savepoint.commit().await?,
            Err(e @ Error::Database(_)) => {
                tracing::warn!(error = %e, "a dry run could not write the rows it had checked");
                savepoint.rollback().await?;
                return Err(Error::conflict(
                    "the workspace changed while this dry run was checking the body; \
                     nothing was written, run it again",
                ));
            }
            Err(e) => return Err(e),
        }
        self.save_revisions().await
    }

    async fn write_kept(&self, db: &impl ConnectionTrait, deferred: &Deferred) -> Result<()> {
        for batch in &deferred.sheets {
            let mut planned = Vec::with_capacity(batch.planned.len());
            deferred.planned.read(batch.planned.clone(), |record| {
                let row = serde_json::from_slice::<bulk_sheets::Planned>(record).map_err(|e| {
                    Error::Internal(format!(
                        "a planned row a dry run kept does not read back: {e}"
                    ))
                })?;
                planned.push(row);
                Ok(())
            })?;
            self.write_sheets(db, &planned, &batch.ids, &batch.known_tags)
                .await?;
        }
        for batch in &deferred.relations {
            let mut ends = HashMap::with_capacity(batch.revisions.len());
            for &(id, revision) in &batch.revisions {
                let mut end = deferred
                    .ends
                    .get(&id)
                    .ok_or_else(|| Error::Internal(format!("kept relation end {id} missing")))?
                    .clone();
                end.revision = revision;
                ends.insert(id, end);
            }
            let (Some(&first), Some(&last)) = (batch.lines.iter().min(), batch.lines.iter().max())
            else {
                continue;
            };
            let lines = self.relation_lines.read(first..last + 1)?;
            let mut planned = Vec::with_capacity(batch.lines.len());
            for &at in &batch.lines {
                let replanned = match lines.get(at - first) {
                    Some(r) => self.relation_as_planned(r).await?,
                    None => None,
                };
                planned.push(replanned.ok_or_else(|| {
                    Error::Internal(format!("kept relation line {at} no longer plans"))
                })?);
            }
            self.write_relations(db, &planned, &ends).await?;
        }
        Ok(())
    }
}
