//! Command line: `serve` (default), `sandbox`, `token`, `openapi`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Multi-tenant REST gateway for Alibaba Cloud support tickets (Workorder API 2020-03-26).
#[derive(Debug, Parser)]
#[command(name = "workorder-gateway", version, about)]
pub struct Cli {
    /// What to run; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Configuration file (default: config/default.toml, the sandbox demo).
    #[arg(long, global = true, env = "WOG_CONFIG")]
    pub config: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway.
    Serve,
    /// Run the standalone Workorder API simulator.
    Sandbox(crate::sandbox::SandboxArgs),
    /// Print a signed development token (HS256, from the configured secret).
    Token(TokenArgs),
    /// Print the OpenAPI document.
    Openapi,
}

/// `token` options.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Tenant id (a `[tenants.<id>]` table).
    #[arg(long)]
    pub tenant: String,
    /// User id (`sub`).
    #[arg(long)]
    pub sub: String,
    /// Comma-separated roles, e.g. tickets:read,tickets:write.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "tickets:read,tickets:write"
    )]
    pub roles: Vec<String>,
    /// Lifetime: 90s, 30m, 1h, 7d (default 1h).
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    pub ttl: Duration,
}

/// Parses `90`, `90s`, `30m`, `1h`, `7d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30m or 1h"))?;
    let seconds = match unit {
        "" | "s" => value,
        "m" => value * 60,
        "h" => value * 3600,
        "d" => value * 86_400,
        _ => return Err(format!("unknown unit {unit:?} (use s, m, h or d)")),
    };
    if seconds == 0 {
        return Err("the duration must be positive".into());
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_usual_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_duration("1y").is_err());
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("h").is_err());
    }
}
