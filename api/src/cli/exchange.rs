//! `wayfinder import` and `wayfinder export`: the NDJSON of `POST /import` and `GET /export`,
//! straight against the configured database like the other commands, acting as the workspace's
//! operator (recorded as `cli`). Progress goes to stderr, so stdout carries only the data: the
//! export's lines, or the import's report as JSON. `--format backstage` reads Backstage catalog
//! descriptors and `--format openapi` one OpenAPI or Swagger description onto an API fact sheet
//! instead, as `POST /import?format=…` does.

use std::{
    io::{Read, Write},
    path::{Path, PathBuf},
};

use anyhow::Context;
use clap::Args;
use domain::{
    db::StatisticsRefresher,
    exchange::{
        ExportCursor, ExportFilter, IMPORTED_TABLES, ImportMode, ImportOptions, NdjsonReader,
        ParsedBody, export_page, import_backstage, import_lines, import_openapi, openapi,
    },
    meta_model_versions,
};
use indicatif::{ProgressBar, ProgressStyle};

use super::{Exit, token::operator_of, view_export::export_view};
use crate::{bootstrap::open_store, config::Config, import_report, report_export::ExportFormat};

/// Rows per statement of an export, as the server reads them.
const PAGE_SIZE: u64 = 500;

#[derive(Args)]
pub struct ImportArgs {
    /// The workspace's slug.
    #[arg(long)]
    workspace: String,
    /// Run every check and write nothing.
    #[arg(long)]
    validate_only: bool,
    /// Write the valid lines and report the others (default: all or nothing).
    #[arg(long)]
    partial: bool,
    /// The format of the input.
    #[arg(long, default_value = "ndjson", value_parser = ["ndjson", "backstage", "openapi"])]
    format: String,
    /// The API fact sheet an OpenAPI document describes (`--format openapi`).
    #[arg(long)]
    api: Option<String>,
    /// The file to import, `-` for standard input.
    file: PathBuf,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The workspace's slug.
    #[arg(long)]
    workspace: String,
    /// Only these fact sheet types (comma-separated), and the relations among them.
    #[arg(long, value_delimiter = ',')]
    types: Option<Vec<String>>,
    /// `ALL` adds archived fact sheets.
    #[arg(long, default_value = "ACTIVE", value_parser = ["ACTIVE", "ALL"])]
    status: String,
    /// A saved view (its id or exact name) to write as a table instead of the workspace's
    /// NDJSON: its filter, columns and order, as `GET /reports/export?view=` writes it.
    #[arg(long)]
    view: Option<String>,
    /// `ndjson` for the whole workspace; `csv` or `xlsx` for a `--view`.
    #[arg(long, default_value = "ndjson", value_parser = ["ndjson", "csv", "xlsx"])]
    format: String,
    /// Start a CSV file with a UTF-8 byte order mark.
    #[arg(long)]
    bom: bool,
    /// See the views this user sees (their private ones too) rather than only the
    /// workspace's.
    #[arg(long = "as", value_name = "SUBJECT")]
    as_user: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// What an import reads: NDJSON parsed as it is read, as the server does, so a large file is
/// never held as text; a Backstage or OpenAPI document whole.
enum Input {
    Lines(ParsedBody),
    Document(String),
}

/// Reads `file` (`-`: standard input).
fn read_input(file: &Path, ndjson: bool) -> std::io::Result<Input> {
    let mut source: Box<dyn Read> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(file)?)
    };
    if !ndjson {
        let mut text = String::new();
        source.read_to_string(&mut text)?;
        return Ok(Input::Document(text));
    }
    let mut reader = NdjsonReader::new();
    let mut chunk = vec![0; 256 << 10];
    loop {
        match source.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => reader.feed(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let lines = reader.finish();
    if !lines.is_utf8() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not UTF-8 text",
        ));
    }
    Ok(Input::Lines(lines))
}

/// Exits 0 when no line was refused, 1 when one was, 2 on a usage error.
pub async fn import(config: Config, args: ImportArgs) -> anyhow::Result<()> {
    let is_openapi = args.format == "openapi";
    if args.api.is_some() && !is_openapi {
        return usage("--api applies to --format openapi only".into());
    }
    let api = match args.api.as_deref().map(openapi::api_ref).transpose() {
        Ok(api) => api,
        Err(_) => {
            return usage(
                "--api must be a fact sheet id or <namespace>:<value> of an external ID".into(),
            );
        }
    };
    let input = match read_input(&args.file, args.format == "ndjson") {
        Ok(input) => input,
        Err(e) => return usage(format!("cannot read {}: {e}", args.file.display())),
    };
    let store = open_store(&config).await?;
    let operator = match operator_of(&store, &args.workspace).await {
        Ok(o) => o,
        Err(e) => return usage(e.to_string()),
    };
    let options = ImportOptions {
        mode: if args.partial {
            ImportMode::Partial
        } else {
            ImportMode::Atomic
        },
        validate_only: args.validate_only,
    };
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} lines {elapsed}")
            .expect("the template parses"),
    );
    let tx = store.begin_bulk_write(operator.workspace_id).await?;
    let model = meta_model_versions::current(&*tx, &operator).await?.model;
    let mut progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let report = match input {
        Input::Lines(lines) => {
            import_lines(&tx, &operator, &model, lines, options, &mut progress).await?
        }
        Input::Document(text) if is_openapi => {
            import_openapi(&tx, &operator, &model, &text, api, options, &mut progress).await?
        }
        Input::Document(text) => {
            import_backstage(&tx, &operator, &model, &text, options, &mut progress).await?
        }
    };
    bar.finish_and_clear();
    let refused = !report.errors.is_empty();
    if report.commits(options) {
        tx.commit().await.context("committing the import")?;
    }
    // The import is committed by now: a failure here costs plan quality, not data.
    if report.moves_statistics(options) {
        eprintln!("updating planner statistics");
        if let Err(e) = StatisticsRefresher::new(&store)
            .refresh(IMPORTED_TABLES)
            .await
        {
            eprintln!("warning: refreshing planner statistics failed: {e}");
        }
    }
    println!("{:#}", import_report::to_json(report));
    if refused {
        return Err(Exit(1).into());
    }
    Ok(())
}

pub async fn export(config: Config, args: ExportArgs) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let mut operator = match operator_of(&store, &args.workspace).await {
        Ok(o) => o,
        Err(e) => return usage(e.to_string()),
    };
    if let Some(view) = &args.view {
        let Some(format) = ExportFormat::parse(&args.format) else {
            return usage("--view is written as --format csv or --format xlsx".into());
        };
        if args.types.is_some() || args.status != "ACTIVE" {
            return usage("--types and --status apply to NDJSON; a view has its own filter".into());
        }
        if let Some(subject) = args.as_user {
            operator.subject = subject;
        }
        return export_view(
            store,
            operator,
            view,
            format,
            args.bom,
            args.output.as_deref(),
        )
        .await;
    }
    if args.format != "ndjson" {
        return usage(format!("--format {} needs a --view", args.format));
    }
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let filter = ExportFilter {
        types: args.types,
        include_archived: args.status == "ALL",
    };
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {pos} lines {elapsed}")
            .expect("the template parses"),
    );
    let mut cursor = ExportCursor::START;
    while cursor != ExportCursor::Done {
        let db = store.bulk_tenant(operator.workspace_id).await?;
        let (lines, next) = export_page(&db, &operator, &filter, cursor, PAGE_SIZE).await?;
        for line in &lines {
            serde_json::to_writer(&mut out, line)?;
            out.write_all(b"\n")?;
        }
        bar.inc(lines.len() as u64);
        cursor = next;
    }
    out.flush()?;
    bar.finish_and_clear();
    Ok(())
}

fn usage(message: String) -> anyhow::Result<()> {
    eprintln!("error: {message}");
    Err(Exit(2).into())
}
