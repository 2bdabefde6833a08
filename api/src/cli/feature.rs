//! `wayfinder feature`: a platform operator's view of workspace features and editions. Runs
//! against the configured database with the operator's own login role, like `workspace`.

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use domain::{
    db::Store,
    features::{self, Edition, Feature, FeatureStatus, Setting},
    workspaces,
};

use crate::{bootstrap::open_store, config::Config};

#[derive(Subcommand)]
pub enum FeatureCommand {
    /// Show a workspace's edition and features with quotas and usage.
    List {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
    },
    /// Override one feature of a workspace (status and optional quota).
    Set {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
        /// Feature id, e.g. `events.ingestion` (see `feature list`).
        feature: String,
        /// Whether the feature is on.
        #[arg(long, value_enum)]
        status: StatusArg,
        /// Quota in the feature's unit; omit for unlimited.
        #[arg(long)]
        quota: Option<i64>,
    },
    /// Remove a workspace's override, so its edition's default applies again.
    Reset {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
        /// Feature id, e.g. `events.ingestion` (see `feature list`).
        feature: String,
    },
    /// Move a workspace to an edition: essentials, professional or enterprise.
    Edition {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
        /// essentials, professional or enterprise.
        edition: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Enabled,
    Disabled,
}

pub async fn run(config: Config, command: FeatureCommand) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    match command {
        FeatureCommand::List { workspace } => {
            let id = workspace_id(&store, &workspace).await?;
            let db = store.tenant(id).await?;
            let (edition, settings) = features::for_workspace(&db, id).await?;
            println!("workspace {workspace}: edition {}", edition.id());
            for s in settings {
                let quota = s.quota.map_or("unlimited".to_owned(), |q| q.to_string());
                let used = s.used.map_or(String::new(), |u| format!(" (used {u})"));
                let source = if s.overridden { "override" } else { "edition" };
                println!(
                    "{:<26} {:<9} quota {quota}{used}\t[{source}]",
                    s.feature.id(),
                    s.status.as_str(),
                );
            }
        }
        FeatureCommand::Set {
            workspace,
            feature,
            status,
            quota,
        } => {
            let feature: Feature = feature.parse()?;
            let status = match status {
                StatusArg::Enabled => FeatureStatus::Enabled,
                StatusArg::Disabled => FeatureStatus::Disabled,
            };
            let id = workspace_id(&store, &workspace).await?;
            let tx = store.begin_write(id).await?;
            features::set(&*tx, id, feature, Some(Setting { status, quota }), "cli").await?;
            tx.commit().await?;
            println!("{workspace}: {feature} {}", status.as_str());
        }
        FeatureCommand::Reset { workspace, feature } => {
            let feature: Feature = feature.parse()?;
            let id = workspace_id(&store, &workspace).await?;
            let tx = store.begin_write(id).await?;
            features::set(&*tx, id, feature, None, "cli").await?;
            tx.commit().await?;
            println!("{workspace}: {feature} follows the edition again");
        }
        FeatureCommand::Edition { workspace, edition } => {
            let edition: Edition = edition.parse()?;
            let id = workspace_id(&store, &workspace).await?;
            let tx = store.begin_write(id).await?;
            features::set_edition(&*tx, id, edition).await?;
            tx.commit().await?;
            println!("{workspace}: edition {}", edition.id());
        }
    }
    Ok(())
}

async fn workspace_id(store: &Store, slug: &str) -> anyhow::Result<uuid::Uuid> {
    Ok(workspaces::find_by_slug(store.connection(), slug)
        .await?
        .with_context(|| format!("no workspace `{slug}`"))?
        .id)
}
