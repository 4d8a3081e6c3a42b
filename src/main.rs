//! The `workorder-gateway` binary: parses the command line and runs one subcommand. All logic
//! lives in the library.

use std::process::ExitCode;

use clap::Parser as _;
use workorder_gateway::app::Application;
use workorder_gateway::auth::{DevTokenOptions, mint_dev_token};
use workorder_gateway::cli::{Cli, Command, HealthcheckArgs, TokenArgs};
use workorder_gateway::settings::Settings;
use workorder_gateway::{routes, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config),
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => run_sandbox(args),
        Command::Token(args) => token(cli.config, &args),
        Command::Openapi => {
            print!("{}", routes::docs::openapi_json());
            Ok(())
        }
        Command::Healthcheck(args) => healthcheck(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("workorder-gateway: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Option<std::path::PathBuf>) -> Result<(), String> {
    workorder_gateway::cli::refuse_implicit_demo(config.as_deref(), |name| {
        std::env::var(name).ok()
    })?;
    let settings = Settings::load(config.as_deref()).map_err(|e| e.to_string())?;
    telemetry::init(&settings.log);
    actix_web::rt::System::new().block_on(async move {
        let demo = settings.tenants.keys().cloned().collect::<Vec<_>>().join(", ");
        let base = settings.server.base_path.clone();
        let app = Application::build(settings, config.clone()).await.map_err(|e| e.to_string())?;
        let url = format!("http://{}{base}", app.addr());
        tracing::info!(%url, tenants = %demo, "workorder-gateway listening");
        if let Some(admin) = app.admin_addr() {
            tracing::info!(url = %format!("http://{admin}"), "admin listener: /metrics, /healthz, /readyz");
        }
        tracing::info!("docs: {url}/docs/  ·  OpenAPI: {url}/openapi.json");
        tracing::info!(
            "token: cargo run -- token --tenant <tenant> --sub alice --roles tickets:read,tickets:write{}",
            config.as_ref().map(|c| format!(" --config {}", c.display())).unwrap_or_default()
        );
        if let Some(sandbox) = app.sandbox_url() {
            tracing::info!(
                %sandbox,
                demo_access_key_id = workorder_api::DEMO_ACCESS_KEY_ID,
                "embedded sandbox"
            );
        }
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

/// Prints one line on stderr either way; `main` turns an error into exit status 1.
fn healthcheck(args: &HealthcheckArgs) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("healthcheck: {e}"))?;
    let timeout = std::time::Duration::from_millis(args.timeout_ms);
    let line = runtime
        .block_on(workorder_gateway::healthcheck::probe(&args.url, timeout))
        .map_err(|e| format!("healthcheck: {e}"))?;
    eprintln!("workorder-gateway: healthcheck: {line}");
    Ok(())
}

/// The standalone simulator, stopped by the same signals as the gateway.
#[cfg(feature = "sandbox")]
fn run_sandbox(args: workorder_sandbox::SandboxArgs) -> Result<(), String> {
    telemetry::init(&workorder_gateway::settings::LogSettings::default());
    actix_web::rt::System::new()
        .block_on(workorder_sandbox::run_cli(
            args,
            workorder_gateway::app::shutdown_signal(),
        ))
        .map_err(|e| e.to_string())
}

fn token(config: Option<std::path::PathBuf>, args: &TokenArgs) -> Result<(), String> {
    let settings = Settings::load(config.as_deref()).map_err(|e| e.to_string())?;
    let (secret, _) = settings
        .auth
        .hs256_source()
        .resolve()
        .map_err(|e| e.to_string())?
        .ok_or("no HS256 secret configured (auth.hs256_secret / _env / _file)")?;
    if !settings.tenants.contains_key(&args.tenant) {
        eprintln!(
            "warning: tenant {:?} is not configured; the token will get 403 tenant_not_configured",
            args.tenant
        );
    }
    if let Some(max) = settings.auth.max_token_lifetime
        && args.ttl > max
    {
        eprintln!(
            "warning: the ttl is longer than auth.max_token_lifetime_secs ({} s); the token will get 401",
            max.as_secs()
        );
    }
    let token = mint_dev_token(
        &secret,
        &DevTokenOptions {
            tenant: args.tenant.clone(),
            subject: args.sub.clone(),
            roles: args.roles.clone(),
            ttl: args.ttl,
            tenant_claim: settings.auth.tenant_claim.clone(),
            roles_claim: settings.auth.roles_claim.clone(),
            issuer: settings.auth.issuer.clone(),
            audience: settings.auth.audience.clone(),
            typ: settings.auth.required_typ.clone(),
        },
    )
    .map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}
