//! `wayfinder advisories import PATH…`: the platform operator's import of OSV advisories shared
//! by every workspace, from files, directories and .zip archives (see [`super::osv_files`]),
//! straight against the configured database. Advisories are stored in batches, one transaction
//! each, so the GitHub Advisory Database's tens of thousands of files import at a steady pace
//! and a failure loses one batch at most. A file that is not an OSV record is reported on
//! stderr with its path and the field at fault, and the rest still import; the totals go to
//! stdout as JSON. Exit code 0 when every file was taken, 1 when one was refused, 2 on a usage
//! error.

use std::{
    collections::{BTreeSet, HashMap},
    path::PathBuf,
};

use anyhow::Context;
use clap::{Args, Subcommand};
use domain::{
    FieldError,
    db::Store,
    supply_chain::{
        advisories::{AdvisoryImportSummary, NewAdvisory},
        intake::{import_shared_advisories, read_advisories},
    },
};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use super::{
    Exit,
    osv_files::{self, OsvFile, OsvReader},
};
use crate::{bootstrap::open_store, config::Config};

#[derive(Subcommand)]
pub enum AdvisoriesCommand {
    /// Import OSV advisories shared by every workspace (platform operator): files,
    /// directories (every *.json below them) and .zip archives of OSV JSON files.
    Import(ImportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// OSV JSON files, directories and .zip archives.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Advisories stored per transaction.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u16).range(1..))]
    batch_size: u16,
}

pub async fn run(config: Config, command: AdvisoriesCommand) -> anyhow::Result<()> {
    match command {
        AdvisoriesCommand::Import(args) => import(config, args).await,
    }
}

async fn import(config: Config, args: ImportArgs) -> anyhow::Result<()> {
    let files = match osv_files::find(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(Exit(2).into());
        }
    };
    let store = open_store(&config).await?;
    let bar = ProgressBar::new(files.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed}")
            .expect("the template parses"),
    );
    let mut import = Import {
        store: &store,
        bar: &bar,
        batch: Batch::default(),
        batch_size: usize::from(args.batch_size),
        totals: AdvisoryImportSummary::default(),
        refused: BTreeSet::new(),
    };
    let mut reader = OsvReader::default();
    for file in &files {
        match reader
            .read(file)
            .map_err(|e| vec![FieldError::new("", format!("cannot be read: {e}"))])
            .and_then(|bytes| advisories_of(&bytes))
        {
            Ok(advisories) => {
                for advisory in advisories {
                    import.add(file, advisory).await?;
                }
            }
            Err(errors) => import.refuse(file, &errors),
        }
        bar.inc(1);
    }
    import.flush().await?;
    bar.finish_and_clear();
    let Import {
        totals, refused, ..
    } = import;
    println!(
        "{:#}",
        json!({
            "files": files.len(),
            "refusedFiles": refused.len(),
            "advisories": totals.advisories,
            "workspaces": totals.workspaces,
            "opened": totals.opened,
            "resolved": totals.resolved,
        })
    );
    if !refused.is_empty() {
        return Err(Exit(1).into());
    }
    Ok(())
}

/// The OSV records of one file (one record, or an array of them).
fn advisories_of(bytes: &[u8]) -> Result<Vec<NewAdvisory>, Vec<FieldError>> {
    let document: Value = serde_json::from_slice(bytes)
        .map_err(|e| vec![FieldError::new("", format!("is not JSON: {e}"))])?;
    read_advisories(&document).map_err(|e| match e {
        domain::Error::Invalid(fields) => fields,
        other => vec![FieldError::new("", other.to_string())],
    })
}

/// The advisories waiting for the next transaction, each with the file it came from. An id
/// seen again replaces the earlier record, as a later transaction would.
#[derive(Default)]
struct Batch {
    advisories: Vec<NewAdvisory>,
    files: Vec<OsvFile>,
    by_id: HashMap<String, usize>,
}

struct Import<'a> {
    store: &'a Store,
    bar: &'a ProgressBar,
    batch: Batch,
    batch_size: usize,
    totals: AdvisoryImportSummary,
    /// The files refused, each once however many of its records were.
    refused: BTreeSet<String>,
}

impl Import<'_> {
    async fn add(&mut self, file: &OsvFile, advisory: NewAdvisory) -> anyhow::Result<()> {
        let batch = &mut self.batch;
        match batch.by_id.get(&advisory.id) {
            Some(&i) => {
                batch.advisories[i] = advisory;
                batch.files[i] = file.clone();
            }
            None => {
                batch
                    .by_id
                    .insert(advisory.id.clone(), batch.advisories.len());
                batch.advisories.push(advisory);
                batch.files.push(file.clone());
            }
        }
        if self.batch.advisories.len() >= self.batch_size {
            self.flush().await?;
        }
        Ok(())
    }

    /// Stores the batch in one transaction. Records the store refuses as a whole (a text over
    /// its length limit, say) are reported with their files and left out, and the rest is
    /// stored; a failure of the database ends the import.
    async fn flush(&mut self) -> anyhow::Result<()> {
        let Batch {
            mut advisories,
            mut files,
            ..
        } = std::mem::take(&mut self.batch);
        while !advisories.is_empty() {
            let tx = self.store.begin_platform_write().await?;
            match import_shared_advisories(&*tx, advisories.clone()).await {
                Ok(summary) => {
                    tx.commit().await.context("committing advisories")?;
                    self.totals.advisories += summary.advisories;
                    self.totals.workspaces = self.totals.workspaces.max(summary.workspaces);
                    self.totals.opened += summary.opened;
                    self.totals.resolved += summary.resolved;
                    return Ok(());
                }
                Err(domain::Error::Invalid(fields)) => {
                    drop(tx);
                    let mut bad: HashMap<usize, Vec<FieldError>> = HashMap::new();
                    for field in fields {
                        let (i, rest) = batch_index(&field.path);
                        let i = i.filter(|&i| i < advisories.len());
                        let field = FieldError::new(rest, field.message);
                        match i {
                            Some(i) => bad.entry(i).or_default().push(field),
                            // Not one record's fault: the batch is refused whole.
                            None => {
                                bad.extend((0..advisories.len()).map(|i| (i, vec![field.clone()])))
                            }
                        }
                    }
                    let mut indices: Vec<usize> = bad.keys().copied().collect();
                    indices.sort_unstable_by(|a, b| b.cmp(a));
                    for i in indices {
                        advisories.remove(i);
                        let file = files.remove(i);
                        self.refuse(&file, &bad[&i]);
                    }
                }
                Err(other) => return Err(other.into()),
            }
        }
        Ok(())
    }

    fn refuse(&mut self, file: &OsvFile, errors: &[FieldError]) {
        self.refused.insert(file.to_string());
        self.bar.suspend(|| {
            for e in errors {
                match e.path.as_str() {
                    "" => eprintln!("refused {file}: {}", e.message),
                    path => eprintln!("refused {file}: {path}: {}", e.message),
                }
            }
        });
    }
}

/// The record a batch error names (`advisories.3.summary` → 3, `summary`), if any.
fn batch_index(path: &str) -> (Option<usize>, String) {
    let mut parts = path.splitn(3, '.');
    match (parts.next(), parts.next().and_then(|i| i.parse().ok())) {
        (Some("advisories"), Some(i)) => (Some(i), parts.next().unwrap_or_default().to_owned()),
        _ => (None, path.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_error_names_its_record_and_the_field_inside_it() {
        assert_eq!(
            batch_index("advisories.3.affected.0.package"),
            (Some(3), "affected.0.package".to_owned())
        );
        assert_eq!(batch_index("advisories.12.id"), (Some(12), "id".to_owned()));
        assert_eq!(batch_index("advisories"), (None, "advisories".to_owned()));
        assert_eq!(batch_index("summary"), (None, "summary".to_owned()));
    }
}
