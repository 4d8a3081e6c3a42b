//! The `workorder-gateway` binary: parse the command line, start logging, run.

use std::process::ExitCode;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;
use workorder_gateway::cli::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let result = match Cli::parse() {
        Cli::Sandbox(args) => workorder_gateway::sandbox::run_cli(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "workorder-gateway failed");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
