//! The command line: one subcommand per way to run the binary.

use clap::Parser;

use crate::sandbox::SandboxArgs;

/// workorder-gateway: a multi-tenant REST gateway for the Alibaba Cloud Workorder API, with an
/// embedded simulator of that API.
#[derive(Debug, Parser)]
#[command(version, about)]
pub enum Cli {
    /// Run the Workorder API simulator alone (demo AccessKey LTAIsandboxDEMO /
    /// sandbox-demo-secret).
    Sandbox(SandboxArgs),
}
