//! The simulator as a standalone server (`workorder-gateway sandbox`): its command-line options
//! and [`run_cli`], which serves until the caller's shutdown future completes. Signals are the
//! caller's business, so one function in the gateway handles them for every server.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::faults::FaultConfig;
use super::{SandboxConfig, SandboxError, SandboxFile, load_sandbox_file, spawn};

/// Options of the `sandbox` subcommand. No environment variables on purpose: `WOG_*` belongs
/// to the gateway's configuration layering, where an unknown key is an error.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub listen: SocketAddr,
    /// TOML file of extra `[[accounts]]` (the demo account is always present).
    #[arg(long)]
    pub accounts: Option<PathBuf>,
    /// Seconds before the simulated engineer answers a ticket; 0 disables it.
    #[arg(long, default_value_t = 30.0)]
    pub engineer_delay_secs: f64,
    /// Seed of the fault-injection generator.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// HTTP worker threads (0 = min(cores, 4)).
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    /// Milliseconds added to every answer.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Extra random latency, uniform in 0..=N milliseconds (seeded).
    #[arg(long, default_value_t = 0)]
    pub latency_jitter_ms: u64,
    /// Share of calls answered 500 System.error (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of calls answered 503 ServiceUnavailable (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub unavailable_rate: f64,
    /// Share of calls processed, then answered with a truncated, unparsable body (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub unreadable_rate: f64,
    /// Share of calls whose connection is closed without an answer (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Share of calls processed, then whose connection is closed without an answer (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub lost_drop_rate: f64,
    /// Share of calls processed, then whose answer is withheld for --lost-timeout-ms before
    /// the connection is closed (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub lost_timeout_rate: f64,
    /// How long --lost-timeout-rate withholds the answer, in milliseconds (0 = 30000).
    #[arg(long, default_value_t = 0)]
    pub lost_timeout_ms: u64,
    /// Share of calls processed, then answered 500 System.error all the same (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub lost_error_rate: f64,
    /// Calls per second allowed per account, above which 400 Throttling.User (0 = no limit).
    #[arg(long, default_value_t = 0)]
    pub throttle_per_second: u32,
    /// Milliseconds before a new ticket or note shows in ListTickets / ListTicketNotes.
    #[arg(long, default_value_t = 0)]
    pub list_lag_ms: u64,
    /// Cap, in seconds, on the lifetime of credentials STS issues (0 = as asked), so tests can
    /// watch them expire.
    #[arg(long, default_value_t = 0)]
    pub sts_lifetime_secs: u64,
    /// Serve an ECS metadata service for an instance holding this role (one of the accounts
    /// file's roles, `acs:ram::<uid>:role/<name>`).
    #[arg(long)]
    pub metadata_role: Option<String>,
    /// Where the metadata service listens (a loopback address; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:9100")]
    pub metadata_listen: SocketAddr,
    /// Refuse metadata calls without a token (an instance with `HttpTokens=required`).
    #[arg(long, default_value_t = false)]
    pub metadata_require_token: bool,
    /// Aim latency and fates at these actions only (comma list, e.g. CreateTicket,ReplyTicket).
    #[arg(long, value_delimiter = ',')]
    pub fault_actions: Vec<String>,
}

impl SandboxArgs {
    /// The configuration these options describe (reads the accounts file).
    pub fn to_config(&self) -> Result<SandboxConfig, SandboxError> {
        let SandboxFile { accounts, mut sts } = match &self.accounts {
            Some(path) => load_sandbox_file(path)?,
            None => SandboxFile::default(),
        };
        sts.max_lifetime =
            (self.sts_lifetime_secs > 0).then(|| Duration::from_secs(self.sts_lifetime_secs));
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
            lost_drop_rate: self.lost_drop_rate,
            lost_timeout_rate: self.lost_timeout_rate,
            lost_timeout_ms: self.lost_timeout_ms,
            lost_error_rate: self.lost_error_rate,
            throttle_per_second: self.throttle_per_second,
            list_lag_ms: self.list_lag_ms,
            actions: self.fault_actions.clone(),
        };
        faults.validate()?;
        Ok(SandboxConfig {
            accounts,
            engineer_delay,
            faults,
            seed: self.seed,
            workers: self.workers,
            sts,
            metadata: self
                .metadata_role
                .clone()
                .map(|role_arn| super::MetadataConfig {
                    listen: self.metadata_listen,
                    role_arn,
                    require_token: self.metadata_require_token,
                }),
        })
    }
}

/// Runs the sandbox until `shutdown` completes (the gateway passes its Ctrl-C / SIGTERM
/// future), then stops it gracefully.
pub async fn run_cli(
    args: SandboxArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SandboxError> {
    let config = args.to_config()?;
    let extra = config.accounts.len();
    let handle = spawn(args.listen, config).await?;
    tracing::info!(
        url = %handle.url(),
        metadata_url = handle.metadata_url().unwrap_or_default(),
        accounts = extra + 1,
        demo_access_key_id = super::DEMO_ACCESS_KEY_ID,
        "sandbox ready"
    );
    let server = handle.server_handle();
    let stopper = tokio::spawn(async move {
        shutdown.await;
        tracing::info!("sandbox shutting down");
        server.stop(true).await;
    });
    let result = handle.wait().await;
    stopper.abort();
    result
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    /// The options as a subcommand embeds them.
    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: super::SandboxArgs,
    }

    fn args(extra: &[&str]) -> super::SandboxArgs {
        let argv = ["sandbox"].iter().chain(extra);
        Cli::try_parse_from(argv).unwrap().args
    }

    #[test]
    fn defaults_listen_on_port_9000_with_an_engineer_and_no_faults() {
        let args = args(&[]);
        assert_eq!(args.listen.to_string(), "127.0.0.1:9000");
        let config = args.to_config().unwrap();
        assert_eq!(config.engineer_delay.as_secs(), 30);
        assert_eq!(config.faults, super::FaultConfig::default());
        assert!(config.accounts.is_empty());
    }

    #[test]
    fn fault_flags_become_the_fault_config() {
        let config = args(&[
            "--listen",
            "127.0.0.1:0",
            "--engineer-delay-secs",
            "0.5",
            "--seed",
            "7",
            "--latency-ms",
            "20",
            "--error-rate",
            "0.1",
            "--drop-rate",
            "0.05",
            "--throttle-per-second",
            "50",
            "--latency-jitter-ms",
            "3",
            "--unavailable-rate",
            "0.15",
            "--unreadable-rate",
            "0.1",
            "--lost-drop-rate",
            "0.2",
            "--lost-timeout-rate",
            "0.125",
            "--lost-timeout-ms",
            "1500",
            "--lost-error-rate",
            "0.25",
            "--list-lag-ms",
            "300",
            "--fault-actions",
            "CreateTicket,ReplyTicket",
        ])
        .to_config()
        .unwrap();
        assert_eq!(config.engineer_delay.as_millis(), 500);
        assert_eq!(config.seed, 7);
        assert_eq!(
            config.faults,
            super::FaultConfig {
                latency_ms: 20,
                latency_jitter_ms: 3,
                error_rate: 0.1,
                unavailable_rate: 0.15,
                unreadable_rate: 0.1,
                drop_rate: 0.05,
                lost_drop_rate: 0.2,
                lost_timeout_rate: 0.125,
                lost_timeout_ms: 1500,
                lost_error_rate: 0.25,
                throttle_per_second: 50,
                list_lag_ms: 300,
                actions: vec!["CreateTicket".into(), "ReplyTicket".into()],
            }
        );
    }

    #[test]
    fn impossible_settings_are_refused_at_start() {
        for bad in [
            &["--error-rate", "1.5"][..],
            &["--lost-error-rate=-0.5"][..],
            &["--lost-drop-rate", "0.6", "--lost-timeout-rate", "0.6"][..],
            &["--engineer-delay-secs=-1"][..],
            &["--fault-actions", "DeleteEverything"][..],
            &["--accounts", "/nonexistent.toml"][..],
        ] {
            assert!(args(bad).to_config().is_err(), "{bad:?}");
        }
    }
}
