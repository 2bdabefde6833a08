use std::time::Duration;

use anyhow::{Context, bail};
use clap::Subcommand;
use domain::{Role, workspaces};

use crate::{
    bootstrap::{jwt_keys, open_store},
    config::Config,
};

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Print a signed access token for a workspace.
    Create {
        #[arg(long)]
        workspace: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Lifetime, e.g. 15m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
        /// The token's subject (who acts); defaults to `<role>@<workspace>`.
        #[arg(long)]
        subject: Option<String>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

pub async fn run(config: Config, command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create {
        workspace,
        role,
        ttl,
        subject,
    } = command;
    let store = open_store(&config).await?;
    if workspaces::find_by_slug(store.connection(), &workspace)
        .await?
        .is_none()
    {
        bail!(
            "no workspace `{workspace}` (create it with `wayfinder workspace create {workspace}`)"
        );
    }
    let keys = jwt_keys(&config)?;
    let subject = subject.unwrap_or_else(|| format!("{role}@{workspace}"));
    let token = keys
        .issue(&subject, &workspace, role, ttl)
        .context("signing the token")?;
    println!("{token}");
    Ok(())
}
