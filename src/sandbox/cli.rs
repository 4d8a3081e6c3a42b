//! `workorder-gateway sandbox`: the simulator as a standalone server, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::faults::FaultConfig;
use super::{SandboxConfig, SandboxError, load_accounts_file, spawn};

/// Options of the `sandbox` subcommand (every one also readable from a `WOG_SANDBOX_*`
/// environment variable).
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "WOG_SANDBOX_LISTEN", default_value = "127.0.0.1:9000")]
    pub listen: SocketAddr,
    /// TOML file of extra `[[accounts]]` (the demo account is always present).
    #[arg(long, env = "WOG_SANDBOX_ACCOUNTS")]
    pub accounts: Option<PathBuf>,
    /// Seconds before the simulated engineer answers a ticket; 0 disables it.
    #[arg(long, env = "WOG_SANDBOX_ENGINEER_DELAY_SECS", default_value_t = 30.0)]
    pub engineer_delay_secs: f64,
    /// Seed of the fault-injection generator.
    #[arg(long, env = "WOG_SANDBOX_SEED", default_value_t = 0)]
    pub seed: u64,
    /// HTTP worker threads (0 = min(cores, 4)).
    #[arg(long, env = "WOG_SANDBOX_WORKERS", default_value_t = 0)]
    pub workers: usize,
    /// Milliseconds added to every answer.
    #[arg(long, env = "WOG_SANDBOX_LATENCY_MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Extra random latency, uniform in 0..=N milliseconds (seeded).
    #[arg(long, env = "WOG_SANDBOX_LATENCY_JITTER_MS", default_value_t = 0)]
    pub latency_jitter_ms: u64,
    /// Share of calls answered 500 System.error (0..1).
    #[arg(long, env = "WOG_SANDBOX_ERROR_RATE", default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of calls answered 503 ServiceUnavailable (0..1).
    #[arg(long, env = "WOG_SANDBOX_UNAVAILABLE_RATE", default_value_t = 0.0)]
    pub unavailable_rate: f64,
    /// Share of calls answered with a truncated, unparsable body (0..1).
    #[arg(long, env = "WOG_SANDBOX_UNREADABLE_RATE", default_value_t = 0.0)]
    pub unreadable_rate: f64,
    /// Share of calls whose connection is closed without an answer (0..1).
    #[arg(long, env = "WOG_SANDBOX_DROP_RATE", default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Calls per second allowed per account, above which 400 Throttling.User (0 = no limit).
    #[arg(long, env = "WOG_SANDBOX_THROTTLE_PER_SECOND", default_value_t = 0)]
    pub throttle_per_second: u32,
}

impl SandboxArgs {
    /// The configuration these options describe (reads the accounts file).
    pub fn to_config(&self) -> Result<SandboxConfig, SandboxError> {
        let accounts = match &self.accounts {
            Some(path) => load_accounts_file(path)?,
            None => Vec::new(),
        };
        let engineer_delay =
            Duration::try_from_secs_f64(self.engineer_delay_secs).map_err(|_| {
                SandboxError::InvalidFaults(format!(
                    "--engineer-delay-secs {} is not a duration",
                    self.engineer_delay_secs
                ))
            })?;
        let faults = FaultConfig {
            latency_ms: self.latency_ms,
            latency_jitter_ms: self.latency_jitter_ms,
            error_rate: self.error_rate,
            unavailable_rate: self.unavailable_rate,
            unreadable_rate: self.unreadable_rate,
            drop_rate: self.drop_rate,
            throttle_per_second: self.throttle_per_second,
        };
        faults.validate()?;
        Ok(SandboxConfig {
            accounts,
            engineer_delay,
            faults,
            seed: self.seed,
            workers: self.workers,
        })
    }
}

/// Runs the sandbox until Ctrl-C or SIGTERM, then stops it gracefully.
pub async fn run_cli(args: SandboxArgs) -> Result<(), SandboxError> {
    let config = args.to_config()?;
    let extra = config.accounts.len();
    let handle = spawn(args.listen, config).await?;
    tracing::info!(
        url = %handle.url(),
        accounts = extra + 1,
        demo_access_key_id = super::DEMO_ACCESS_KEY_ID,
        "sandbox ready"
    );
    let server = handle.server_handle();
    let stopper = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("sandbox shutting down");
        server.stop(true).await;
    });
    let result = handle.wait().await;
    stopper.abort();
    result
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for SIGTERM; Ctrl-C only");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
