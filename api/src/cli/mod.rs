//! The `wayfinder` command line.

mod bench;
mod bench_load;
mod feature;
mod seed;
mod serve;
mod token;
mod workspace;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

use crate::config::Config;

#[derive(Parser)]
#[command(
    name = "wayfinder",
    version,
    about = "The open inventory of teams, products, software, APIs and cloud resources"
)]
struct Cli {
    /// A TOML configuration file (default: ./wayfinder.toml when present).
    #[arg(long, global = true, env = "WAYFINDER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
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
    /// Create a workspace filled with a realistic graph (and events) for demos and benchmarks.
    Seed(seed::SeedArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Measure speed (see BENCHMARKS.md).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
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
    let result = runtime.block_on(async move {
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
            Command::Bench(cmd) => bench::run(config, cmd).await,
            Command::Seed(args) => seed::run(config, args).await,
            Command::Schema => {
                print!("{}", crate::graphql::sdl());
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
