//! Logs, metrics and correlation: [`request_id`] and [`trace_context`] hold the id and the W3C
//! trace context of the request being served (task-locals the middleware sets), so that error
//! bodies, audit lines and upstream calls carry them without threading them through every
//! function. Logs are `tracing` events: JSON lines by default when stdout is not a
//! terminal (containers), human-readable text in a terminal; the level comes from `RUST_LOG`
//! when set, else from `[log] level`. Audit events use the log target `audit`.
//!
//! JSON lines: the event's own fields at the top level next to `timestamp`, `level`, `target`
//! and `message`; the innermost span under `span`; and every enclosing span, outermost first,
//! under `spans` — so a line logged inside an `upstream_call` still carries the
//! `http_request` fields (request id, method, route template, tenant, user, trace id) in
//! `spans[0]`. The format is a contract with log pipelines (docs/operations.md).

pub mod credential_metrics;
pub mod event_metrics;
pub mod metrics;
pub mod request_id;
pub mod trace_context;
pub mod write_metrics;

pub use credential_metrics::CredentialMetrics;
pub use metrics::{CacheLookupCounters, CallObserver, Metrics};

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::settings::{LogFormat, LogSettings};

/// Installs the global subscriber writing to stdout. Safe to call more than once (later calls
/// do nothing).
pub fn init(settings: &LogSettings) {
    let json = match settings.format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stdout().is_terminal(),
    };
    // Already installed (tests, or a second call): keep the first.
    drop(try_init_with_writer(settings, json, std::io::stdout));
}

/// Installs the global subscriber writing JSON lines (or text) to `writer`; fails when one
/// is installed already. Tests use it to capture exactly what production writes.
pub fn try_init_with_writer<W>(
    settings: &LogSettings,
    json: bool,
    writer: W,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_target(true)
        .with_writer(writer);
    if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .try_init()
    } else {
        builder.compact().try_init()
    }
}
