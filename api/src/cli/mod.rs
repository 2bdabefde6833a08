//! The `wayfinder` command line.

mod advisories;
mod exchange;
mod feature;
mod osv_files;
mod sbom;
mod serve;
mod token;
mod view_export;
mod workspace;

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};

use crate::config::Config;

#[derive(Parser)]
#[command(
    name = "wayfinder",
    version,
    about = "The open inventory of teams, products, software, APIs and cloud resources"
)]
struct Cli {
    #[command(flatten)]
    config: ConfigFileArg,
    #[command(subcommand)]
    command: Command,
}

/// The `--config` option of every Wayfinder binary, read by [`run_with_config`].
#[derive(Args)]
pub struct ConfigFileArg {
    /// A TOML configuration file (default: ./wayfinder.toml when present).
    #[arg(long, global = true, env = "WAYFINDER_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve(serve::ServeArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Manage workspaces (tenants).
    #[command(subcommand)]
    Workspace(workspace::WorkspaceCommand),
    /// Workspace features and editions (platform operator).
    #[command(subcommand)]
    Feature(feature::FeatureCommand),
    /// Issue access tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Import NDJSON lines (as `export` writes them) into a workspace; prints the report.
    Import(exchange::ImportArgs),
    /// Export a workspace as NDJSON lines, or a saved view as CSV or Excel (`--view`).
    Export(exchange::ExportArgs),
    /// Software bills of materials of software artifacts.
    #[command(subcommand)]
    Sbom(sbom::SbomCommand),
    /// Security advisories (OSV) shared by every workspace (platform operator).
    #[command(subcommand)]
    Advisories(advisories::AdvisoriesCommand),
    /// Print the GraphQL schema (SDL).
    Schema,
}

/// Ends a command with exit code `.0`, its message (if any) printed already: for exit codes
/// other than plain failure, such as an import's 2 for a usage error.
#[derive(Debug)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit code {}", self.0)
    }
}

impl std::error::Error for Exit {}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    run_with_config(&cli.config, move |config| async move {
        match cli.command {
            Command::Serve(args) => serve::run(config, args).await,
            Command::Migrate => {
                crate::telemetry::init(&config);
                crate::bootstrap::open_store(&Config {
                    migrate_on_start: true,
                    ..config
                })
                .await?;
                println!("migrations applied");
                Ok(())
            }
            Command::Workspace(cmd) => workspace::run(config, cmd).await,
            Command::Feature(cmd) => feature::run(config, cmd).await,
            Command::Token(cmd) => token::run(config, cmd).await,
            Command::Import(args) => exchange::import(config, args).await,
            Command::Export(args) => exchange::export(config, args).await,
            Command::Sbom(cmd) => sbom::run(config, cmd).await,
            Command::Advisories(cmd) => advisories::run(config, cmd).await,
            Command::Schema => {
                print!("{}", crate::graphql::sdl());
                Ok(())
            }
        }
    })
}

/// Loads the configuration (the `--config` file, else `./wayfinder.toml`, then the environment),
/// runs `command` with it on a multi-threaded runtime and turns the outcome into the exit code
/// (an [`Exit`] error chooses its own).
/// Public so that every Wayfinder binary reads its configuration and reports errors alike.
pub fn run_with_config<F, Fut>(file: &ConfigFileArg, command: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let config = match Config::load(file.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(command(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<Exit>() {
            Some(exit) => ExitCode::from(exit.0),
            None => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}
