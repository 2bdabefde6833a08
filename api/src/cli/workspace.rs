use anyhow::Context;
use clap::Subcommand;
use domain::workspaces;

use crate::{bootstrap::open_store, config::Config};

#[derive(Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace with the default meta model.
    Create {
        /// The short name in tokens and URLs, e.g. `acme`.
        slug: String,
        /// The display name; defaults to the slug.
        #[arg(long)]
        name: Option<String>,
    },
    /// List workspaces.
    List,
    /// Delete a workspace: its tokens stop working at once; the data is kept.
    Delete {
        /// The workspace's slug.
        slug: String,
    },
}

pub async fn run(config: Config, command: WorkspaceCommand) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let db = store.connection();
    match command {
        WorkspaceCommand::Create { slug, name } => {
            let tx = store.begin_platform_write().await?;
            let ws = workspaces::create(&*tx, &slug, name.as_deref(), "cli")
                .await
                .with_context(|| format!("creating workspace {slug}"))?;
            tx.commit().await?;
            println!("created workspace {} ({})", ws.slug, ws.id);
        }
        WorkspaceCommand::List => {
            for ws in workspaces::list(db).await? {
                println!("{}\t{}\t{}", ws.slug, ws.name, ws.created_at.to_rfc3339());
            }
        }
        WorkspaceCommand::Delete { slug } => {
            workspaces::delete(db, &slug).await?;
            println!("deleted workspace {slug}");
        }
    }
    Ok(())
}
