//! The sandbox's HTTP server: `GET|POST /` answers Workorder calls (both versions, by
//! `Version`); `/_sandbox/health`, `GET|PUT /_sandbox/faults` and `GET /_sandbox/calls` (calls
//! answered, by action) are its admin routes (sandbox only, never fault-injected);
//! `/_sandbox/oss/{key}` takes attachment uploads (`oss`).
//!
//! One request: draw its fate and wait its latency, let `fates` answer in its place if
//! the fate acts before processing, decode parameters, authenticate, apply the account's
//! throttle, run the action, then let `fates` lose the answer if the fate acts after
//! processing. Every answer carries `x-acs-request-id` and `application/json;charset=utf-8`.
//! Logs name the action, account, status and code, never a parameter value, signature or body.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use actix_web::dev::ServerHandle;
use actix_web::http::header::{CONTENT_TYPE, HOST, HeaderMap};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;

use super::accounts::with_demo;
use super::actions::dispatch;
use super::fates::{after_processing, before_processing};
use super::faults::{FaultConfig, Faults};
use super::params::Params;
use super::reply::{ErrorReply, JSON_CONTENT_TYPE, REQUEST_ID_HEADER};
use super::state::Sandbox;
use super::sts;
use super::verify::{Incoming, authenticate};
use super::{SandboxConfig, SandboxError};

/// Largest request body accepted (a ticket's content and secret content fit many times).
const MAX_BODY_BYTES: usize = 1 << 20;
/// `HostId` of error bodies when the request named no host.
const DEFAULT_HOST_ID: &str = "workorder.aliyuncs.com";

/// A running sandbox.
#[derive(Debug)]
pub struct SandboxHandle {
    addr: SocketAddr,
    server: ServerHandle,
    task: tokio::task::JoinHandle<io::Result<()>>,
    metadata: Option<Listener>,
}

/// The metadata service's own listener.
#[derive(Debug)]
struct Listener {
    addr: SocketAddr,
    server: ServerHandle,
    task: tokio::task::JoinHandle<io::Result<()>>,
}

impl SandboxHandle {
    /// The bound address (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, with `127.0.0.1` standing for an unspecified bind address.
    pub fn url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    }

    /// `http://127.0.0.1:PORT` of the ECS metadata service, when configured.
    pub fn metadata_url(&self) -> Option<String> {
        self.metadata.as_ref().map(|m| format!("http://{}", m.addr))
    }

    /// Stops accepting, lets in-flight calls finish (up to a second) and waits for the end.
    pub async fn stop(self) {
        if let Some(metadata) = self.metadata {
            metadata.server.stop(true).await;
            let _ = metadata.task.await;
        }
        self.server.stop(true).await;
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "sandbox server ended with an error"),
            Err(err) => tracing::warn!(error = %err, "sandbox server task failed"),
        }
    }

    /// Waits until the server ends (after [`SandboxHandle::stop`] from a clone of its
    /// handle, or a fatal error).
    pub(crate) async fn wait(self) -> Result<(), SandboxError> {
        match self.task.await {
            Ok(result) => result.map_err(SandboxError::Io),
            Err(err) => Err(SandboxError::Io(io::Error::other(err))),
        }
    }

    /// A handle that can stop the server from elsewhere.
    pub(crate) fn server_handle(&self) -> ServerHandle {
        self.server.clone()
    }
}

fn invalid_input(err: SandboxError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, err.to_string())
}

/// Binds `listen` (port 0 picks a free port) and serves the sandbox in the background on the
/// current tokio runtime (actix-web workers get their own threads). The demo account is
/// always added to `config.accounts`.
pub async fn spawn(listen: SocketAddr, config: SandboxConfig) -> io::Result<SandboxHandle> {
    let accounts = with_demo(&config.accounts).map_err(invalid_input)?;
    check_sts(&accounts, &config.sts).map_err(invalid_input)?;
    config.faults.validate().map_err(invalid_input)?;
    if let Some(metadata) = &config.metadata {
        check_metadata(metadata, &config.sts).map_err(invalid_input)?;
    }
    let metadata_listen = config.metadata.as_ref().map(|m| m.listen);
    let state = web::Data::new(Sandbox::new(
        accounts,
        config.sts,
        config.metadata,
        Faults::new(config.faults, config.seed),
        config.engineer_delay,
    ));
    let listener = std::net::TcpListener::bind(listen)?;
    let addr = listener.local_addr()?;
    let workers = match config.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
        n => n,
    };
    let state_for_metadata = state.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route("/", web::post().to(api))
            .route("/", web::get().to(api))
            .route("/_sandbox/health", web::get().to(health))
            .route("/_sandbox/calls", web::get().to(calls))
            .route("/_sandbox/faults", web::get().to(get_faults))
            .route("/_sandbox/faults", web::put().to(put_faults))
            .configure(super::oss::routes)
            .default_service(web::to(not_found))
    })
    .workers(workers)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    tracing::info!(%addr, workers, "sandbox listening");
    let metadata = match metadata_listen {
        Some(listen) => Some(spawn_metadata(listen, state_for_metadata)?),
        None => None,
    };
    Ok(SandboxHandle {
        addr,
        server: handle,
        task,
        metadata,
    })
}

fn new_request_id() -> String {
    let mut buf = uuid::Uuid::encode_buffer();
    uuid::Uuid::new_v4()
        .hyphenated()
        .encode_upper(&mut buf)
        .to_owned()
}

fn host_id(req: &HttpRequest) -> &str {
    req.headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or(DEFAULT_HOST_ID)
}

async fn api(req: HttpRequest, body: web::Bytes, sandbox: web::Data<Sandbox>) -> HttpResponse {
    let request_id = new_request_id();
    // The action is read only when faults are aimed: the plain path parses parameters once.
    let decision = if sandbox.faults.aims_at_actions() {
        sandbox.faults.decide_for(action_of(&req, &body).as_deref())
    } else {
        sandbox.faults.decide()
    };
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    if let Some(answer) = before_processing(decision.injected, &request_id, host_id(&req)) {
        return answer;
    }

    let (response, body) = match serve(&sandbox, &req, &body, &request_id) {
        Ok(body) => {
            let mut response = HttpResponse::Ok();
            response
                .insert_header((REQUEST_ID_HEADER, request_id.as_str()))
                .content_type(JSON_CONTENT_TYPE);
            (response, body)
        }
        Err(error) => {
            // Throttling is expected by the thousand under a benchmark: keep it out of info.
            if error.retry_after_ms.is_some() {
                tracing::debug!(code = error.code, "sandbox call throttled");
            } else {
                tracing::info!(
                    status = error.status,
                    code = error.code,
                    "sandbox call refused"
                );
            }
            (
                error.response_head(&request_id),
                error.body(&request_id, host_id(&req)).to_string(),
            )
        }
    };
    after_processing(
        decision.injected,
        response,
        body,
        &request_id,
        host_id(&req),
    )
    .await
}

/// The action a call names (V3 header, else the `Action` parameter), for aiming faults.
fn action_of(req: &HttpRequest, body: &[u8]) -> Option<String> {
    if let Some(action) = req
        .headers()
        .get(workorder_api::headers::ACTION)
        .and_then(|v| v.to_str().ok())
    {
        return Some(action.to_owned());
    }
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    Params::parse(req.query_string(), content_type, body)
        .get("Action")
        .map(str::to_owned)
}

fn serve(
    sandbox: &Sandbox,
    req: &HttpRequest,
    body: &[u8],
    request_id: &str,
) -> Result<String, ErrorReply> {
    serve_parts(
        sandbox,
        &RawCall {
            method: req.method().as_str(),
            path: req.path(),
            query: req.query_string(),
            headers: req.headers(),
            body,
        },
        request_id,
    )
}

/// One call as it came off the wire, before any decoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawCall<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The raw query string, still percent-encoded.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Everything a call goes through after its fate: parameter decoding, authentication, the
/// throttle and the action. Split from [`serve`] so the fuzz targets drive exactly this path
/// without an HTTP server.
pub(crate) fn serve_parts(
    sandbox: &Sandbox,
    call: &RawCall<'_>,
    request_id: &str,
) -> Result<String, ErrorReply> {
    let content_type = call.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let params = Params::parse(call.query, content_type, call.body);
    if is_anonymous_oidc(call.headers, &params) {
        let result = sts::assume_role_with_oidc(sandbox, &params, request_id);
        if let Err(error) = &result {
            tracing::debug!(code = error.code, "sandbox AssumeRoleWithOIDC refused");
        }
        return result;
    }
    let caller = authenticate(
        sandbox,
        &Incoming {
            method: call.method,
            path: call.path,
            headers: call.headers,
            params: &params,
            body: call.body,
        },
    )?;
    let span = tracing::debug_span!(
        "sandbox_call",
        action = caller.action,
        access_key_id = %caller.slot.account.access_key_id
    );
    let _entered = span.enter();
    sandbox.count_call(caller.action);
    caller
        .slot
        .admit(sandbox.faults.config().throttle_per_second)
        .map_err(ErrorReply::throttled)?;
    let result = match caller.version {
        sts::STS_VERSION => sts::dispatch(sandbox, &caller, &params, request_id),
        workorder_api::v2021::API_VERSION => {
            super::actions_2021::dispatch(sandbox, &caller, &params, request_id, call)
        }
        _ => dispatch(sandbox, &caller, &params, request_id),
    };
    match &result {
        Ok(_) => tracing::debug!("sandbox call answered"),
        Err(error) => tracing::debug!(code = error.code, "sandbox call failed"),
    }
    result
}

/// `AssumeRoleWithOIDC` without a signature: the only call authenticated by what it carries
/// (its OIDC token), as the tea SDK sends it (`auth_type='Anonymous'`) and the credentials
/// libraries do (no `AccessKeyId`, no `Signature`).
fn is_anonymous_oidc(headers: &HeaderMap, params: &Params) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let action = header(workorder_api::headers::ACTION).or_else(|| params.get("Action"));
    let version = header(workorder_api::headers::VERSION).or_else(|| params.get("Version"));
    action == Some(sts::OIDC_ACTION)
        && version == Some(sts::STS_VERSION)
        && headers.get(workorder_api::headers::AUTHORIZATION).is_none()
        && params.get("Signature").is_none()
}

/// The metadata service on its own listener, one worker (a handful of calls per hour).
fn spawn_metadata(listen: SocketAddr, state: web::Data<Sandbox>) -> io::Result<Listener> {
    let listener = std::net::TcpListener::bind(listen)?;
    let addr = listener.local_addr()?;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(super::metadata::routes)
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    tracing::info!(%addr, "sandbox ECS metadata service listening");
    Ok(Listener {
        addr,
        server: handle,
        task,
    })
}

/// The metadata service listens on loopback only and hands out a configured role.
fn check_metadata(
    metadata: &super::MetadataConfig,
    sts: &sts::StsConfig,
) -> Result<(), SandboxError> {
    let invalid = |reason: &str| SandboxError::InvalidAccount {
        access_key_id: metadata.role_arn.clone(),
        reason: reason.to_owned(),
    };
    if !metadata.listen.ip().is_loopback() {
        return Err(invalid(
            "the metadata service listens on a loopback address only",
        ));
    }
    if !sts.roles.iter().any(|r| r.arn() == metadata.role_arn)
        && metadata.role_arn != sts::Role::demo().arn()
    {
        return Err(invalid(
            "the metadata service's role is not a configured role",
        ));
    }
    Ok(())
}

/// Every role belongs to a configured account and OIDC providers name known accounts.
pub(crate) fn check_sts(
    accounts: &[crate::Account],
    sts: &sts::StsConfig,
) -> Result<(), SandboxError> {
    let known = |uid: &str| accounts.iter().any(|a| a.uid == uid);
    for role in &sts.roles {
        let invalid = |reason: String| SandboxError::InvalidAccount {
            access_key_id: role.arn(),
            reason,
        };
        if !known(&role.account_uid) {
            return Err(invalid("no account has this uid".to_owned()));
        }
        if !(sts::DEFAULT_SESSION_SECS..=sts::MAX_SESSION_LIMIT_SECS)
            .contains(&role.max_session_secs)
        {
            return Err(invalid(
                "max_session_duration_secs must be within 3600..=43200".to_owned(),
            ));
        }
    }
    for provider in &sts.oidc_providers {
        if !known(&provider.account_uid) {
            return Err(SandboxError::InvalidAccount {
                access_key_id: provider.arn.clone(),
                reason: "no account has the OIDC provider's account_uid".to_owned(),
            });
        }
    }
    Ok(())
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    ErrorReply::api_not_found().response(&new_request_id(), host_id(&req))
}

async fn health(sandbox: web::Data<Sandbox>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "status": "ok",
        "accounts": sandbox.accounts.len(),
        "roles": sandbox.sts.role_count(),
        "issued_credentials": sandbox.sts.issued_count(),
        "metadata_tokens": sandbox.metadata.as_ref().map_or(0, |m| m.token_count()),
        "seed": sandbox.faults.seed(),
        "engineer_delay_ms": u64::try_from(sandbox.engineer_delay.as_millis()).unwrap_or(u64::MAX),
    }))
}

/// Authenticated calls so far, by action: `{"ListTicketNotes": 3, ...}`.
async fn calls(sandbox: web::Data<Sandbox>) -> HttpResponse {
    let calls = sandbox
        .calls
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    HttpResponse::Ok().json(calls)
}

async fn get_faults(sandbox: web::Data<Sandbox>) -> HttpResponse {
    HttpResponse::Ok().json(&*sandbox.faults.config())
}

/// Query of `PUT /_sandbox/faults`.
#[derive(Debug, serde::Deserialize)]
struct FaultsQuery {
    seed: Option<u64>,
}

/// Replaces the fault settings (missing fields are zero) and restarts the seeded generator,
/// from `?seed=N` when given.
async fn put_faults(
    sandbox: web::Data<Sandbox>,
    query: web::Query<FaultsQuery>,
    body: web::Bytes,
) -> HttpResponse {
    let config: FaultConfig = match serde_json::from_slice(&body) {
        Ok(config) => config,
        Err(err) => {
            return HttpResponse::BadRequest().json(json!({ "error": err.to_string() }));
        }
    };
    match sandbox.faults.set(config, query.seed) {
        Ok(()) => {
            tracing::info!(faults = ?sandbox.faults.config(), seed = sandbox.faults.seed(), "sandbox faults set");
            HttpResponse::Ok().json(&*sandbox.faults.config())
        }
        Err(err) => HttpResponse::BadRequest().json(json!({ "error": err.to_string() })),
    }
}
