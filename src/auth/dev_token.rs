//! Development tokens for the `token` CLI command: HS256, signed with the configured secret,
//! carrying exactly the claims [`super::Authenticator`] reads.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::error::AuthSetupError;
use super::keys::check_hs256_secret;
use super::permissions::Permission;

/// What to put in a development token.
#[derive(Debug, Clone)]
pub struct DevTokenOptions {
    /// The tenant id (value of the tenant claim).
    pub tenant: String,
    /// `sub`: the user.
    pub subject: String,
    /// Permission strings for the roles claim (`tickets:read`, `tickets:write`).
    pub roles: Vec<String>,
    /// Lifetime; `exp` = now + ttl.
    pub ttl: Duration,
    /// Name of the tenant claim (as configured for the gateway).
    pub tenant_claim: String,
    /// Name of the roles claim (as configured for the gateway).
    pub roles_claim: String,
    /// `iss`, when the gateway checks one.
    pub issuer: Option<String>,
    /// `aud`, when the gateway checks one.
    pub audience: Option<String>,
    /// The JOSE header `typ`, when the gateway requires one (`auth.required_typ`); `JWT`
    /// otherwise.
    pub typ: Option<String>,
}

impl DevTokenOptions {
    /// A one-hour token for `subject` in `tenant`, no roles, default claim names.
    pub fn new(tenant: impl Into<String>, subject: impl Into<String>) -> Self {
        DevTokenOptions {
            tenant: tenant.into(),
            subject: subject.into(),
            roles: Vec::new(),
            ttl: Duration::from_secs(3600),
            tenant_claim: "tenant".to_owned(),
            roles_claim: "roles".to_owned(),
            issuer: None,
            audience: None,
            typ: None,
        }
    }
}

/// Why a development token cannot be minted.
#[derive(Debug, thiserror::Error)]
pub enum DevTokenError {
    /// The secret is too short to verify with (the gateway would refuse to start with it).
    #[error(transparent)]
    WeakSecret(#[from] AuthSetupError),
    /// A role is not a permission the gateway knows (catches typos like `ticket:read`).
    #[error("unknown role {0:?}; known: tickets:read, tickets:write")]
    UnknownRole(String),
    /// `tenant` or `subject` is empty.
    #[error("the {0} must not be empty")]
    Empty(&'static str),
    /// Signing failed.
    #[error("signing the token failed: {0}")]
    Sign(#[source] jsonwebtoken::errors::Error),
}

/// Mints an HS256 token that [`super::Authenticator::authenticate`] accepts when configured with
/// the same secret, claim names, issuer and audience.
pub fn mint_dev_token(
    secret: &SecretString,
    opts: &DevTokenOptions,
) -> Result<String, DevTokenError> {
    let bytes = secret.expose_secret().as_bytes();
    check_hs256_secret(bytes, 1)?;
    if opts.tenant.is_empty() {
        return Err(DevTokenError::Empty("tenant"));
    }
    if opts.subject.is_empty() {
        return Err(DevTokenError::Empty("subject"));
    }
    if let Some(role) = opts.roles.iter().find(|r| Permission::parse(r).is_none()) {
        return Err(DevTokenError::UnknownRole(role.clone()));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mut claims = Map::new();
    claims.insert("sub".into(), Value::from(opts.subject.as_str()));
    claims.insert(opts.tenant_claim.clone(), Value::from(opts.tenant.as_str()));
    claims.insert(opts.roles_claim.clone(), Value::from(opts.roles.clone()));
    claims.insert("iat".into(), Value::from(now));
    claims.insert(
        "exp".into(),
        Value::from(now.saturating_add(opts.ttl.as_secs())),
    );
    if let Some(iss) = &opts.issuer {
        claims.insert("iss".into(), Value::from(iss.as_str()));
    }
    if let Some(aud) = &opts.audience {
        claims.insert("aud".into(), Value::from(aud.as_str()));
    }
    let mut header = Header::new(Algorithm::HS256);
    if let Some(typ) = &opts.typ {
        header.typ = Some(typ.clone());
    }
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(bytes))
        .map_err(DevTokenError::Sign)
}
