//! The ECS instance metadata service, on a loopback listener of its own (its real address,
//! `100.100.100.200`, is never used: clients are pointed here by configuration). It plays an
//! instance whose RAM role is one of the sandbox's roles, in the hardened flow the official
//! SDKs use: `PUT /latest/api/token` (TTL header, 1..=21600 s) for a token, then
//! `GET /latest/meta-data/ram/security-credentials/` (the role name, no trailing newline: Go
//! trims it, Python does not) and `…/<role>` (the credentials document, `Code: Success`).
//!
//! Invariants: the credentials are issued through STS's table, so they act as the role's
//! account on the Workorder and STS sides until they expire; one set is handed out until
//! half its lifetime has passed (the real service rotates them itself); tokens are kept in a
//! bounded table ([`MAX_TOKENS`]) and expire with their TTL. With `require_token` (an
//! instance with `HttpTokens=required`) a call without a token is refused; otherwise a
//! token-less (IMDSv1) call is served, as the real service does in normal mode.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::state::Sandbox;
use super::sts;
use workorder_api::sts::{
    METADATA_TOKEN_HEADER as TOKEN_HEADER, METADATA_TOKEN_MAX_TTL_SECS as MAX_TOKEN_TTL_SECS,
    METADATA_TOKEN_PATH, METADATA_TOKEN_TTL_HEADER as TOKEN_TTL_HEADER,
};

/// Most live metadata tokens remembered.
pub const MAX_TOKENS: usize = 1024;
/// Lifetime of the instance role's credentials (the sandbox's `max_lifetime` caps it).
const INSTANCE_CREDENTIALS_SECS: u64 = 21_600;
/// Where the role name and its credentials are.
pub use workorder_api::sts::METADATA_CREDENTIALS_PATH as CREDENTIALS_PATH;

/// The instance the metadata service describes.
#[derive(Debug, Clone)]
pub struct MetadataConfig {
    /// A loopback address (port 0 picks a free port).
    pub listen: SocketAddr,
    /// The instance's RAM role: one of the sandbox's roles (`acs:ram::<uid>:role/<name>`).
    pub role_arn: String,
    /// Refuse calls without a token (`HttpTokens=required`).
    pub require_token: bool,
}

/// Tokens and the credentials handed out.
#[derive(Debug)]
pub(crate) struct MetadataState {
    config: MetadataConfig,
    tokens: Mutex<HashMap<String, Instant>>,
    current: Mutex<Option<(Value, Instant)>>,
}

impl MetadataState {
    pub fn new(config: MetadataConfig) -> Self {
        Self {
            config,
            tokens: Mutex::new(HashMap::new()),
            current: Mutex::new(None),
        }
    }

    fn role_name(&self) -> &str {
        self.config
            .role_arn
            .rsplit_once(":role/")
            .map_or("", |(_, name)| name)
    }

    /// Remembers a new token until `ttl` from now, dropping expired ones (and, when still
    /// full, the one closest to expiry) first.
    fn issue_token(&self, ttl: Duration) -> String {
        let token = sts::random_text(44);
        let now = Instant::now();
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if tokens.len() >= MAX_TOKENS {
            tokens.retain(|_, until| *until > now);
        }
        if tokens.len() >= MAX_TOKENS
            && let Some(soonest) = tokens
                .iter()
                .min_by_key(|(_, until)| **until)
                .map(|(t, _)| t.clone())
        {
            tokens.remove(&soonest);
        }
        tokens.insert(token.clone(), now + ttl);
        token
    }

    fn token_ok(&self, sent: Option<&str>) -> bool {
        match sent {
            None => !self.config.require_token,
            Some(token) => self
                .tokens
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(token)
                .is_some_and(|until| *until > Instant::now()),
        }
    }

    pub fn token_count(&self) -> usize {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The metadata routes, served by their own listener.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(METADATA_TOKEN_PATH, web::put().to(token))
        .route(CREDENTIALS_PATH, web::get().to(role_name))
        .route(
            "/latest/meta-data/ram/security-credentials/{role}",
            web::get().to(credentials),
        )
        .default_service(web::to(|| async {
            HttpResponse::NotFound().body("Not Found")
        }));
}

fn state(sandbox: &Sandbox) -> Option<&MetadataState> {
    sandbox.metadata.as_ref()
}

async fn token(req: HttpRequest, sandbox: web::Data<Sandbox>) -> HttpResponse {
    let Some(metadata) = state(&sandbox) else {
        return HttpResponse::NotFound().finish();
    };
    let ttl = req
        .headers()
        .get(TOKEN_TTL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|secs| (1..=MAX_TOKEN_TTL_SECS).contains(secs));
    match ttl {
        Some(secs) => HttpResponse::Ok()
            .content_type("text/plain")
            .body(metadata.issue_token(Duration::from_secs(secs))),
        None => HttpResponse::BadRequest()
            .content_type("text/plain")
            .body("invalid X-aliyun-ecs-metadata-token-ttl-seconds"),
    }
}

fn sent_token(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
}

fn unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized()
        .content_type("text/plain")
        .body("Unauthorized")
}

async fn role_name(req: HttpRequest, sandbox: web::Data<Sandbox>) -> HttpResponse {
    let Some(metadata) = state(&sandbox) else {
        return HttpResponse::NotFound().finish();
    };
    if !metadata.token_ok(sent_token(&req)) {
        return unauthorized();
    }
    HttpResponse::Ok()
        .content_type("text/plain")
        .body(metadata.role_name().to_owned())
}

async fn credentials(
    req: HttpRequest,
    path: web::Path<String>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let Some(metadata) = state(&sandbox) else {
        return HttpResponse::NotFound().finish();
    };
    if !metadata.token_ok(sent_token(&req)) {
        return unauthorized();
    }
    if path.as_str() != metadata.role_name() {
        return HttpResponse::NotFound()
            .content_type("text/plain")
            .body("Not Found");
    }
    let mut current = metadata
        .current
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let fresh = current
        .as_ref()
        .filter(|(_, renew_at)| *renew_at > Instant::now())
        .map(|(document, _)| document.clone());
    let document = match fresh {
        Some(document) => document,
        None => match issue(&sandbox, &metadata.config.role_arn) {
            Some((document, lifetime)) => {
                *current = Some((document.clone(), Instant::now() + lifetime / 2));
                document
            }
            None => return HttpResponse::InternalServerError().finish(),
        },
    };
    HttpResponse::Ok()
        .content_type("text/plain")
        .body(document.to_string())
}

fn issue(sandbox: &Sandbox, role_arn: &str) -> Option<(Value, Duration)> {
    let role = sandbox.sts.role_by_arn(role_arn)?;
    let (credentials, _) =
        sts::issue(sandbox, role, "ecs-instance", INSTANCE_CREDENTIALS_SECS).ok()?;
    let expiration = credentials["Expiration"].as_str()?.to_owned();
    let expires_at = workorder_api::sts::parse_expiration(&expiration).ok()?;
    let lifetime = Duration::try_from(expires_at - OffsetDateTime::now_utc()).unwrap_or_default();
    Some((
        json!({
            "AccessKeyId": credentials["AccessKeyId"],
            "AccessKeySecret": credentials["AccessKeySecret"],
            "Expiration": expiration,
            "SecurityToken": credentials["SecurityToken"],
            "LastUpdated": sts::format_expiration(OffsetDateTime::now_utc()),
            "Code": "Success",
        }),
        lifetime,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_table_is_bounded() {
        let state = MetadataState::new(MetadataConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            role_arn: "acs:ram::1:role/instance".to_owned(),
            require_token: true,
        });
        let first = state.issue_token(Duration::from_secs(60));
        for _ in 0..MAX_TOKENS + 50 {
            state.issue_token(Duration::from_secs(600));
        }
        assert_eq!(state.token_count(), MAX_TOKENS);
        // The one closest to expiry went first.
        assert!(!state.token_ok(Some(&first)));
        assert!(!state.token_ok(None));
        assert_eq!(state.role_name(), "instance");
    }
}
