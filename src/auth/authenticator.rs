//! [`Authenticator`]: `Authorization` header in, [`Claims`] or [`AuthError`] out.
//!
//! Order of checks, each failing closed: bearer scheme → three base64url parts → JOSE header
//! (`alg` must name a real algorithm) → key selection → signature → header `typ` (when one is
//! required) → claims (`exp`, `nbf`, `iat`, `iss`, `aud`, `sub`, tenant, permissions). The
//! header's `typ` and the claims are judged only after the signature verified, so a forged
//! token is logged as what it is (`bad_signature`), whatever it claims to be.
//!
//! Key selection: a token naming a `kid` is checked only against keys with that `kid`; without
//! one, against every key whose pinned algorithm equals the header's `alg`. When no key
//! qualifies and a JWKS is configured, one (rate-limited, coalesced) refetch is allowed before
//! the token is refused as [`AuthError::UnknownKey`] or [`AuthError::AlgorithmNotAllowed`].
//!
//! Hot path: decoding keys are built once; the JWKS set is read with one atomic load; the
//! header is decoded on the stack; the only allocations are the decoded payload and the two
//! strings of the result.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::claims::{ClaimRules, Claims, read_claims};
use super::config::AuthConfig;
use super::error::{AuthError, AuthSetupError};
use super::jwks::JwksStats;
use super::keys::VerifyKey;
use super::refresh::{JwksSource, Occasion};
use super::token::{
    HEADER_BUF_LEN, JoseHeader, Parts, bearer_token, parse_header, split, typ_matches,
};

/// Verifies bearer tokens. Build once at start-up and share (it is `Send + Sync`).
pub struct Authenticator {
    static_keys: Vec<VerifyKey>,
    jwks: Option<JwksSource>,
    tenant_claim: String,
    roles_claim: String,
    issuer: Option<String>,
    audience: Option<String>,
    leeway_secs: u64,
    required_typ: Option<String>,
    max_lifetime_secs: Option<u64>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("static_keys", &self.static_keys)
            .field("jwks", &self.jwks.as_ref().map(|j| j.jwks.stats()))
            .field("tenant_claim", &self.tenant_claim)
            .field("roles_claim", &self.roles_claim)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .field("required_typ", &self.required_typ)
            .field("max_lifetime_secs", &self.max_lifetime_secs)
            .finish()
    }
}

/// Outcome of looking for a key and verifying with it.
enum Lookup {
    Verified,
    /// No key qualified; a JWKS refetch may change that.
    Miss(AuthError),
    /// Keys qualified and none verified, or the answer is final.
    Rejected(AuthError),
}

impl Authenticator {
    /// Builds every decoding key (a bad PEM fails here, naming the key) and, when a JWKS URL is
    /// configured, fetches it once and starts its periodic refresh. A failed initial fetch is
    /// logged, not fatal: the IdP may come up after the gateway, and the first token with an
    /// unknown `kid` retries.
    pub async fn new(config: AuthConfig, http: reqwest::Client) -> Result<Self, AuthSetupError> {
        Self::build(config, http, Occasion::StartUp).await
    }

    /// Builds the authenticator of a reloaded configuration, replacing `running`. Like
    /// [`Authenticator::new`], except that it never ends up with an empty JWKS where `running`
    /// has keys: an unchanged `jwks_url` starts from `running`'s key set (so an IdP that is down
    /// during the reload changes nothing), and a new one must be fetched now, or this fails with
    /// [`AuthSetupError::JwksUnavailable`].
    pub async fn reloaded(
        config: AuthConfig,
        http: reqwest::Client,
        running: &Authenticator,
    ) -> Result<Self, AuthSetupError> {
        let running_jwks = running.jwks.as_ref().map(|source| &*source.jwks);
        Self::build(config, http, Occasion::Reload(running_jwks)).await
    }

    async fn build(
        config: AuthConfig,
        http: reqwest::Client,
        occasion: Occasion<'_>,
    ) -> Result<Self, AuthSetupError> {
        config.validate_claim_names()?;
        if config.hs256_secrets.is_empty()
            && config.public_keys.is_empty()
            && config.jwks_url.is_none()
        {
            return Err(AuthSetupError::NoKeys);
        }
        let mut static_keys =
            Vec::with_capacity(config.hs256_secrets.len() + config.public_keys.len());
        for (i, secret) in config.hs256_secrets.iter().enumerate() {
            static_keys.push(VerifyKey::hs256(secret, i + 1)?);
        }
        for source in &config.public_keys {
            static_keys.push(VerifyKey::from_pem(source)?);
        }

        let jwks = match config.jwks_url.clone() {
            None => None,
            Some(url) => Some(super::refresh::start(url, &config, http, occasion).await?),
        };

        Ok(Authenticator {
            static_keys,
            jwks,
            tenant_claim: config.tenant_claim,
            roles_claim: config.roles_claim,
            issuer: config.issuer,
            audience: config.audience,
            leeway_secs: config.leeway.as_secs(),
            required_typ: config.required_typ,
            max_lifetime_secs: config.max_token_lifetime.map(|d| d.as_secs()),
        })
    }

    /// Authenticates the raw `Authorization` header value (`None` when absent).
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Claims, AuthError> {
        let token = bearer_token(authorization)?;
        let parts = split(token)?;
        let mut header_buf = [0u8; HEADER_BUF_LEN];
        let header = parse_header(parts.header, &mut header_buf)?;
        self.verify_signature(&header, &parts).await?;
        if let Some(required) = &self.required_typ
            && !typ_matches(header.typ.as_deref(), required)
        {
            return Err(AuthError::WrongType);
        }
        let payload = URL_SAFE_NO_PAD
            .decode(parts.payload)
            .map_err(|_| AuthError::Malformed)?;
        let rules = ClaimRules {
            tenant_claim: &self.tenant_claim,
            roles_claim: &self.roles_claim,
            issuer: self.issuer.as_deref(),
            audience: self.audience.as_deref(),
            leeway_secs: self.leeway_secs,
            max_lifetime_secs: self.max_lifetime_secs,
        };
        read_claims(&payload, &rules, now_secs())
    }

    /// JWKS refresh counters (all zero when no JWKS is configured).
    pub fn jwks_stats(&self) -> JwksStats {
        self.jwks
            .as_ref()
            .map(|j| j.jwks.stats())
            .unwrap_or_default()
    }

    async fn verify_signature(
        &self,
        header: &JoseHeader<'_>,
        parts: &Parts<'_>,
    ) -> Result<(), AuthError> {
        let jwks_keys = self.jwks.as_ref().map(|j| j.jwks.keys());
        let first = self.lookup(header, parts, jwks_keys.as_deref().map(Vec::as_slice));
        let outcome = match (first, self.jwks.as_ref().map(|j| &j.jwks)) {
            (Lookup::Miss(_), Some(jwks)) => {
                jwks.refresh_on_miss().await;
                let fresh = jwks.keys();
                self.lookup(header, parts, Some(&fresh))
            }
            (outcome, _) => outcome,
        };
        match outcome {
            Lookup::Verified => Ok(()),
            Lookup::Miss(err) | Lookup::Rejected(err) => Err(err),
        }
    }

    fn lookup(
        &self,
        header: &JoseHeader<'_>,
        parts: &Parts<'_>,
        jwks: Option<&[VerifyKey]>,
    ) -> Lookup {
        let all_keys = || self.static_keys.iter().chain(jwks.unwrap_or_default());
        let mut candidates = 0usize;
        match header.kid.as_deref() {
            Some(kid) => {
                let mut named = false;
                for key in all_keys().filter(|k| k.kid.as_deref() == Some(kid)) {
                    named = true;
                    if key.alg == header.alg {
                        candidates += 1;
                        if key.verifies(parts.signature, parts.signing_input.as_bytes()) {
                            return Lookup::Verified;
                        }
                    }
                }
                if !named {
                    return Lookup::Miss(AuthError::UnknownKey);
                }
                if candidates == 0 {
                    return Lookup::Rejected(AuthError::AlgorithmNotAllowed);
                }
            }
            None => {
                for key in all_keys().filter(|k| k.alg == header.alg) {
                    candidates += 1;
                    if key.verifies(parts.signature, parts.signing_input.as_bytes()) {
                        return Lookup::Verified;
                    }
                }
                if candidates == 0 {
                    return Lookup::Miss(AuthError::AlgorithmNotAllowed);
                }
            }
        }
        Lookup::Rejected(AuthError::BadSignature)
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
