//! `wayfinder sbom upload`: what `POST /sbom` does, straight against the configured database,
//! acting as the workspace's operator like `wayfinder import`. The format is told from the
//! document itself, so any file name will do. The summary goes to stdout as JSON; a document
//! that does not read is reported on stderr with the field at fault (exit code 1), nothing
//! stored; a usage error exits with 2.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use domain::supply_chain::intake::upload_sbom;
use uuid::Uuid;

use super::{Exit, token::operator_of};
use crate::{
    artifact_ref::ArtifactRef, bootstrap::open_store, config::Config, supply_chain_report,
};

#[derive(Subcommand)]
pub enum SbomCommand {
    /// Replace a software artifact's components with those of an SBOM (CycloneDX JSON or XML,
    /// SPDX 2.3 JSON); prints the counts and the vulnerabilities now open.
    Upload(UploadArgs),
}

#[derive(Args)]
pub struct UploadArgs {
    /// The workspace's slug.
    #[arg(long)]
    workspace: String,
    /// The software artifact, by an external ID: `<namespace>:<value>`.
    #[arg(
        long,
        required_unless_present = "fact_sheet",
        conflicts_with = "fact_sheet"
    )]
    artifact: Option<String>,
    /// The software artifact, by its fact sheet id.
    #[arg(long)]
    fact_sheet: Option<Uuid>,
    /// The SBOM file.
    file: PathBuf,
}

pub async fn run(config: Config, command: SbomCommand) -> anyhow::Result<()> {
    match command {
        SbomCommand::Upload(args) => upload(config, args).await,
    }
}

async fn upload(config: Config, args: UploadArgs) -> anyhow::Result<()> {
    let artifact = match (&args.artifact, args.fact_sheet) {
        (_, Some(id)) => ArtifactRef::Id(id),
        (Some(text), None) => match ArtifactRef::external_id(text) {
            Some(a) => a,
            None => return usage("--artifact must be <namespace>:<value> of an external ID"),
        },
        (None, None) => return usage("name the artifact with --artifact or --fact-sheet"),
    };
    let body = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => return usage(&format!("cannot read {}: {e}", args.file.display())),
    };
    let store = open_store(&config).await?;
    let operator = match operator_of(&store, &args.workspace).await {
        Ok(o) => o,
        Err(e) => return usage(&e.to_string()),
    };
    let tx = store.begin_write(operator.workspace_id).await?;
    let result = async {
        let id = artifact.resolve(&*tx, &operator).await?;
        upload_sbom(&*tx, &operator, id, None, &body).await
    }
    .await;
    match result {
        Ok(summary) => {
            tx.commit().await.context("committing the SBOM")?;
            println!("{:#}", supply_chain_report::sbom(&summary));
            Ok(())
        }
        Err(domain::Error::Invalid(fields)) => {
            for f in fields {
                match f.path.as_str() {
                    "" => eprintln!("error: {}: {}", args.file.display(), f.message),
                    path => eprintln!("error: {}: {path}: {}", args.file.display(), f.message),
                }
            }
            Err(Exit(1).into())
        }
        Err(e @ domain::Error::NotFound { .. }) => {
            eprintln!("error: {e}");
            Err(Exit(1).into())
        }
        Err(e) => Err(e.into()),
    }
}

fn usage(message: &str) -> anyhow::Result<()> {
    eprintln!("error: {message}");
    Err(Exit(2).into())
}
