//! Command line: `serve` (default), `sandbox`, `token`, `openapi`, `healthcheck`; and the rule
//! that the container image serves the demo configuration only when asked to.

use std::path::{Path, PathBuf};
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
    #[cfg(feature = "sandbox")]
    Sandbox(workorder_sandbox::SandboxArgs),
    /// Print a signed development token (HS256, from the configured secret).
    Token(TokenArgs),
    /// Print the OpenAPI document.
    Openapi,
    /// Probe a running gateway (or sandbox): exit 0 on a 2xx answer, 1 otherwise. For container
    /// health checks, since the runtime image has no shell and no HTTP client.
    Healthcheck(HealthcheckArgs),
}

/// `healthcheck` options.
#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The URL to GET.
    #[arg(long, default_value = "http://127.0.0.1:8080/readyz")]
    pub url: String,
    /// Longest wait for the whole answer, connection included, in milliseconds.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout_ms: u64,
}

/// Set (to any non-empty value) by the container image's Dockerfile. Deliberately not
/// `WOG_`-prefixed: `WOG_*` variables are configuration keys.
pub const IMAGE_MARKER_ENV: &str = "WORKORDER_GATEWAY_IMAGE";

/// `WOG_DEMO=1` lets the container image serve the demo configuration.
pub const DEMO_ENV: &str = "WOG_DEMO";

/// Refuses `serve` without `--config` inside the container image unless `WOG_DEMO=1`: the demo
/// file trusts a published JWT secret, so an image deployed without its configuration must
/// stop rather than quietly serve the demo. `var` reads the environment (injected for tests).
pub fn refuse_implicit_demo(
    config: Option<&Path>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<(), String> {
    let in_image = var(IMAGE_MARKER_ENV).is_some_and(|v| !v.is_empty());
    let demo_wanted = var(DEMO_ENV).as_deref() == Some("1");
    if config.is_none() && in_image && !demo_wanted {
        return Err(format!(
            "no --config given: refusing to serve the demo configuration ({}) in the container \
             image; pass --config FILE (or WOG_CONFIG=FILE), or set {DEMO_ENV}=1 to run the \
             sandbox demo",
            crate::settings::DEFAULT_CONFIG_FILE
        ));
    }
    Ok(())
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

    /// An environment holding only `pairs`.
    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_image_serves_the_demo_only_with_a_config_or_wog_demo_1() {
        const IMAGE: &[(&str, &str)] = &[(IMAGE_MARKER_ENV, "1")];
        let refused = refuse_implicit_demo(None, env(IMAGE)).expect_err("refused");
        assert!(refused.contains("WOG_DEMO=1"), "{refused}");
        assert!(refused.contains("--config"), "{refused}");
        let config = Path::new("/etc/workorder-gateway/gateway.toml");
        assert_eq!(refuse_implicit_demo(Some(config), env(IMAGE)), Ok(()));
        let demo = env(&[(IMAGE_MARKER_ENV, "1"), (DEMO_ENV, "1")]);
        assert_eq!(refuse_implicit_demo(None, demo), Ok(()));
        let not_one = env(&[(IMAGE_MARKER_ENV, "1"), (DEMO_ENV, "yes")]);
        assert!(refuse_implicit_demo(None, not_one).is_err());
        assert_eq!(
            refuse_implicit_demo(None, env(&[])),
            Ok(()),
            "outside the image"
        );
    }

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
