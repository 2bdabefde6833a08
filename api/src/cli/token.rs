use std::time::Duration;

use anyhow::{Context, bail};
use clap::{
    Subcommand,
    builder::{PossibleValuesParser, TypedValueParser},
};
use domain::{Principal, Role, api_tokens, workspaces};
use uuid::Uuid;

use crate::{
    bootstrap::{jwt_keys, open_store},
    config::Config,
};

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Print a signed access token for a workspace.
    Create {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
        /// What the token may do.
        #[arg(long, value_parser = role_parser())]
        role: Role,
        /// Lifetime, e.g. 15m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
        /// The token's subject (who acts); defaults to `<role>@<workspace>`.
        #[arg(long)]
        subject: Option<String>,
    },
    /// List a workspace's API tokens (the long-lived tokens integrations exchange at
    /// `/auth/token`), newest first, revoked and expired ones included.
    List {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
    },
    /// Revoke an API token at once: it can no longer be exchanged, and access tokens already
    /// issued for it stop working.
    Revoke {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
        /// The token's id, as `token list` shows it.
        id: Uuid,
    },
}

/// The roles by name, so `--help` and a wrong value list them.
fn role_parser() -> impl TypedValueParser<Value = Role> {
    PossibleValuesParser::new(Role::ALL.map(Role::as_str))
        .map(|name| name.parse().expect("a listed role parses"))
}

pub async fn run(config: Config, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            workspace,
            role,
            ttl,
            subject,
        } => {
            let store = open_store(&config).await?;
            operator_of(&store, &workspace).await?;
            let keys = jwt_keys(&config)?;
            let subject = subject.unwrap_or_else(|| format!("{role}@{workspace}"));
            let token = keys
                .issue(&subject, &workspace, role, ttl)
                .context("signing the token")?;
            println!("{token}");
        }
        TokenCommand::List { workspace } => {
            let store = open_store(&config).await?;
            let operator = operator_of(&store, &workspace).await?;
            let db = store.tenant(operator.workspace_id).await?;
            for token in api_tokens::list(&db, &operator).await? {
                let state = match token.revoked_at {
                    Some(at) => format!("revoked {}", at.to_rfc3339()),
                    None => format!("expires {}", token.expires_at.to_rfc3339()),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    token.id, token.name, token.role, token.created_by, state
                );
            }
        }
        TokenCommand::Revoke { workspace, id } => {
            let store = open_store(&config).await?;
            let operator = operator_of(&store, &workspace).await?;
            let tx = store.begin_write(operator.workspace_id).await?;
            let token = api_tokens::revoke(&*tx, &operator, id).await?;
            tx.commit().await?;
            println!("revoked API token {} ({})", token.id, token.name);
        }
    }
    Ok(())
}

/// The platform operator acting in `slug`: whoever runs the CLI holds the database, so it acts
/// as the workspace's admin, recorded as `cli`.
pub(super) async fn operator_of(
    store: &domain::db::Store,
    slug: &str,
) -> anyhow::Result<Principal> {
    let Some(ws) = workspaces::find_by_slug(store.connection(), slug).await? else {
        bail!("no workspace `{slug}` (create it with `wayfinder workspace create {slug}`)");
    };
    Ok(Principal {
        workspace_id: ws.id,
        workspace_slug: ws.slug,
        subject: "cli".into(),
        role: Role::Admin,
    })
}
