//! `wayfinder export --view …`: a saved view as CSV or Excel, written as `GET /reports/export`
//! writes it, straight against the configured database. Progress goes to stderr.

use std::{io::Write, path::Path, sync::Arc};

use anyhow::Context;
use chrono::Utc;
use domain::{Principal, db::Store, meta_model_versions, reports::saved_views};
use indicatif::{ProgressBar, ProgressStyle};

use crate::report_export::{CsvWriter, ExportFormat, ExportRun, XlsxWriter};

/// Writes the view `id_or_name` (an id, or its exact name) seen by `operator` to `output`
/// (standard output when `None`; an .xlsx file needs a path).
pub async fn export_view(
    store: Store,
    operator: Principal,
    id_or_name: &str,
    format: ExportFormat,
    bom: bool,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let db = store.tenant(operator.workspace_id).await?;
    let model = meta_model_versions::current(&db, &operator).await?.model;
    let saved = saved_views::find(&db, &operator, id_or_name).await?;
    let view = saved.definition.checked(&model, Utc::now())?;
    drop(db);
    let run = ExportRun {
        store,
        principal: operator,
        model: Arc::new(model),
        view: Arc::new(view),
    };
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {pos} rows {elapsed}")
            .expect("the template parses"),
    );
    match format {
        ExportFormat::Csv => {
            let mut out: Box<dyn Write> = match output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut writer = CsvWriter::new(&run.view.labels(), bom);
            let mut after = None;
            loop {
                let (rows, next) = run.page(after.as_deref()).await?;
                writer.write_rows(&rows);
                out.write_all(&writer.take())?;
                bar.inc(rows.len() as u64);
                after = next;
                if after.is_none() {
                    break;
                }
            }
            out.flush()?;
        }
        ExportFormat::Xlsx => {
            let path = output.context("an .xlsx export needs a file: give -o FILE")?;
            let spool = tempfile::tempdir()?;
            let mut writer = XlsxWriter::new(&run.view.labels(), spool.path())?;
            let mut after = None;
            loop {
                let (rows, next) = run.page(after.as_deref()).await?;
                writer.write_rows(&rows)?;
                bar.inc(rows.len() as u64);
                after = next;
                if after.is_none() {
                    break;
                }
            }
            writer
                .save(path)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    bar.finish_and_clear();
    Ok(())
}
