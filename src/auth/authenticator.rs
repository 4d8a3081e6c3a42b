//! [`Authenticator`]: `Authorization` header in, [`Claims`] or [`AuthError`] out.
//!
//! Order of checks, each failing closed: bearer scheme, length bound and three base64url parts
//! → JOSE header (`alg` must name a real algorithm, no `crit`) → key selection → signature →
//! header `typ` (when one is required) → claims. Signature and registered claims (`exp`, `nbf`,
//! `iss`, `aud`) are `jsonwebtoken::decode`'s work, with a [`Validation`] pinned to the selected
//! key's algorithm; `ClaimRules` checks the rest. The header's `typ` and the claims are judged
//! only after the signature verified, so a forged token is logged as what it is
//! (`bad_signature`), whatever it claims to be.
//!
//! Key selection: a token naming a `kid` is checked only against keys with that `kid`; without
//! one, against every key whose pinned algorithm equals the header's `alg`. When no key
//! qualifies and a JWKS is configured, one (rate-limited, coalesced) refetch is allowed before
//! the token is refused as [`AuthError::UnknownKey`] or [`AuthError::AlgorithmNotAllowed`].
//!
//! Hot path: decoding keys and validations are built once; the JWKS set is read with one atomic
//! load; the header is decoded on the stack for key selection.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, AlgorithmFamily, Validation};

use super::claims::{ClaimRules, ClaimSet, Claims};
use super::config::AuthConfig;
use super::error::{AuthError, AuthSetupError, Claim};
use super::jwks::JwksStats;
use super::keys::VerifyKey;
use super::refresh::{JwksSource, Occasion};
use super::token::{
    HEADER_BUF_LEN, JoseHeader, Parts, bearer_token, parse_header, split, typ_matches,
};
use super::verified::VerifiedTokens;
use crate::telemetry::Metrics;

/// Verifies bearer tokens. Build once at start-up and share (it is `Send + Sync`).
pub struct Authenticator {
    static_keys: Vec<VerifyKey>,
    jwks: Option<JwksSource>,
    rules: ClaimRules,
    /// One [`Validation`] per algorithm the library knows, each allowing only that one.
    validations: Vec<Validation>,
    required_typ: Option<String>,
    /// Tokens verified already (a keyed hash of each, never the token).
    verified: VerifiedTokens,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("static_keys", &self.static_keys)
            .field("jwks", &self.jwks.as_ref().map(|j| j.jwks.stats()))
            .field("rules", &self.rules)
            .field("required_typ", &self.required_typ)
            .finish_non_exhaustive()
    }
}

/// What `decode` made of a token under the key that verified its signature.
type Decoded = Result<ClaimSet, ErrorKind>;

/// Outcome of looking for a key and verifying with it.
enum Lookup {
    Verified(Decoded),
    /// No key qualified; a JWKS refetch may change that.
    Miss(AuthError),
    /// Keys qualified and none verified, or the answer is final.
    Rejected(AuthError),
}

impl Authenticator {
    /// Builds every decoding key (a bad PEM fails here, naming the key) and, when a JWKS URL is
    /// configured, fetches it once and starts its periodic refresh. A failed initial fetch is
    /// logged, not fatal: the IdP may come up after the gateway, and the first token with an
    /// unknown `kid` retries. JWKS fetches are counted in `metrics`.
    pub async fn new(
        config: AuthConfig,
        http: reqwest::Client,
        metrics: &Metrics,
    ) -> Result<Self, AuthSetupError> {
        Self::build(config, http, Occasion::StartUp, metrics).await
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
        metrics: &Metrics,
    ) -> Result<Self, AuthSetupError> {
        let running_jwks = running.jwks.as_ref().map(|source| &*source.jwks);
        Self::build(config, http, Occasion::Reload(running_jwks), metrics).await
    }

    async fn build(
        config: AuthConfig,
        http: reqwest::Client,
        occasion: Occasion<'_>,
        metrics: &Metrics,
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
            Some(url) => Some(super::refresh::start(url, &config, http, occasion, metrics).await?),
        };

        let validations = [
            AlgorithmFamily::Hmac,
            AlgorithmFamily::Rsa,
            AlgorithmFamily::Ec,
            AlgorithmFamily::Ed,
        ]
        .iter()
        .flat_map(AlgorithmFamily::algorithms)
        .map(|alg| validation(*alg, &config))
        .collect();
        Ok(Authenticator {
            static_keys,
            jwks,
            rules: ClaimRules {
                tenant_claim: config.tenant_claim,
                roles_claim: config.roles_claim,
                issuer_required: config.issuer.is_some(),
                audience_required: config.audience.is_some(),
                leeway_secs: config.leeway.as_secs(),
                max_lifetime_secs: config.max_token_lifetime.map(|d| d.as_secs()),
            },
            validations,
            required_typ: config.required_typ,
            verified: VerifiedTokens::default(),
        })
    }

    /// Authenticates the raw `Authorization` header value (`None` when absent).
    /// A token verified before is answered from the verified-token cache (`auth/verified.rs`)
    /// until its `exp`.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Claims, AuthError> {
        let token = bearer_token(authorization)?;
        let now = now_secs();
        if let Some(claims) = self.verified.get(token, now) {
            return Ok(claims);
        }
        // Boxed: the checks' future (a JWKS fetch among them) is over a kilobyte, which a
        // cache hit's future would otherwise carry and copy (issue 12).
        Box::pin(self.verify_and_remember(token, now)).await
    }

    /// Every check of a token not in the verified-token cache; a token that passes is added.
    async fn verify_and_remember(&self, token: &str, now: u64) -> Result<Claims, AuthError> {
        let parts = split(token)?;
        let mut header_buf = [0u8; HEADER_BUF_LEN];
        let header = parse_header(parts.header, &mut header_buf)?;
        let decoded = self.verify(token, &header, &parts).await?;
        if let Some(required) = &self.required_typ
            && !typ_matches(header.typ.as_deref(), required)
        {
            return Err(AuthError::WrongType);
        }
        let claim_set = decoded.map_err(|kind| refusal(&kind, &parts))?;
        let claims = self.rules.read(&claim_set, now)?;
        let accepted_until = claims.expires_at.saturating_add(self.rules.leeway_secs);
        self.verified.insert(token, claims.clone(), accepted_until);
        Ok(claims)
    }

    /// JWKS refresh counters (all zero when no JWKS is configured).
    pub fn jwks_stats(&self) -> JwksStats {
        self.jwks
            .as_ref()
            .map(|j| j.jwks.stats())
            .unwrap_or_default()
    }

    /// Finds the key whose signature the token carries. `Ok` once one verified, holding what
    /// the library made of the claims under it (still to be judged after the `typ`).
    async fn verify(
        &self,
        token: &str,
        header: &JoseHeader<'_>,
        parts: &Parts<'_>,
    ) -> Result<Decoded, AuthError> {
        let jwks_keys = self.jwks.as_ref().map(|j| j.jwks.keys());
        let first = self.lookup(
            token,
            header,
            parts,
            jwks_keys.as_deref().map(Vec::as_slice),
        );
        let outcome = match (first, self.jwks.as_ref().map(|j| &j.jwks)) {
            (Lookup::Miss(_), Some(jwks)) => {
                jwks.refresh_on_miss().await;
                let fresh = jwks.keys();
                self.lookup(token, header, parts, Some(&fresh))
            }
            (outcome, _) => outcome,
        };
        match outcome {
            Lookup::Verified(decoded) => Ok(decoded),
            Lookup::Miss(err) | Lookup::Rejected(err) => Err(err),
        }
    }

    fn lookup(
        &self,
        token: &str,
        header: &JoseHeader<'_>,
        parts: &Parts<'_>,
        jwks: Option<&[VerifyKey]>,
    ) -> Lookup {
        let all_keys = || self.static_keys.iter().chain(jwks.unwrap_or_default());
        let Some(validation) = self
            .validations
            .iter()
            .find(|v| v.algorithms.first() == Some(&header.alg))
        else {
            // An algorithm the library added after this was written: no key is pinned to it.
            return Lookup::Rejected(AuthError::AlgorithmNotAllowed);
        };
        let try_key = |key: &VerifyKey| match key.decode(token, validation) {
            Ok(claims) => Some(Ok(claims)),
            Err(err) if signature_failed(err.kind(), parts) => None,
            Err(err) => Some(Err(err.into_kind())),
        };
        let mut candidates = 0usize;
        match header.kid.as_deref() {
            Some(kid) => {
                let mut named = false;
                for key in all_keys().filter(|k| k.kid.as_deref() == Some(kid)) {
                    named = true;
                    if key.alg == header.alg {
                        candidates += 1;
                        if let Some(decoded) = try_key(key) {
                            return Lookup::Verified(decoded);
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
                    if let Some(decoded) = try_key(key) {
                        return Lookup::Verified(decoded);
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

/// The library's checks for tokens signed under `alg`: that algorithm only, `exp` required,
/// `exp` and `nbf` compared with the leeway, `iss` and `aud` required and compared when
/// configured. Without a configured audience an `aud` is not looked at (the library would
/// refuse any token carrying one).
fn validation(alg: Algorithm, config: &AuthConfig) -> Validation {
    let mut validation = Validation::new(alg);
    validation.leeway = config.leeway.as_secs();
    // RFC 7519 §4.1.4: a token is expired *at* `exp`; the library alone accepts it until one
    // second later. (It answers `exp` = 0 with `InvalidToken`, mapped to `Expired` below.)
    validation.reject_tokens_expiring_in_less_than = 1;
    validation.validate_nbf = true;
    let mut required = vec!["exp"];
    if let Some(issuer) = &config.issuer {
        validation.set_issuer(&[issuer]);
        required.push("iss");
    }
    match &config.audience {
        Some(audience) => {
            validation.set_audience(&[audience]);
            required.push("aud");
        }
        None => validation.validate_aud = false,
    }
    validation.set_required_spec_claims(&required);
    validation
}

/// Whether `decode` failed because this key does not verify the token: a wrong signature, a
/// key the crypto backend cannot use (refused at start-up already, so only defensively), or a
/// signature part that is not even base64url (the header was decoded already, so a base64
/// error is the payload's only when the signature part decodes). Anything else comes after the
/// signature verified.
fn signature_failed(kind: &ErrorKind, parts: &Parts<'_>) -> bool {
    match kind {
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat
        | ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::Provider(_) => true,
        ErrorKind::Base64(_) => URL_SAFE_NO_PAD.decode(parts.signature).is_err(),
        _ => false,
    }
}

/// The refusal for what `decode` found wrong once the signature verified. A required claim the
/// library could not read is missing only when the payload lacks it; otherwise it has the wrong
/// type.
fn refusal(kind: &ErrorKind, parts: &Parts<'_>) -> AuthError {
    let claim = |name: &str| match name {
        "exp" => Some(Claim::Expiry),
        "nbf" => Some(Claim::NotBefore),
        "iss" => Some(Claim::Issuer),
        "aud" => Some(Claim::Audience),
        "sub" => Some(Claim::Subject),
        _ => None,
    };
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        // After a verified signature, the library's only `InvalidToken` is an `exp` below
        // `reject_tokens_expiring_in_less_than`, that is `exp` = 0.
        ErrorKind::InvalidToken => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidClaimFormat(name) => {
            claim(name).map_or(AuthError::Malformed, AuthError::InvalidClaim)
        }
        ErrorKind::MissingRequiredClaim(name) => match claim(name) {
            Some(claim) if payload_names(parts, name) => AuthError::InvalidClaim(claim),
            Some(claim) => AuthError::MissingClaim(claim),
            None => AuthError::Malformed,
        },
        _ => AuthError::Malformed,
    }
}

/// Whether the (verified) payload holds `claim`, whatever its value.
fn payload_names(parts: &Parts<'_>, claim: &str) -> bool {
    URL_SAFE_NO_PAD
        .decode(parts.payload)
        .ok()
        .and_then(|json| serde_json::from_slice::<ClaimSet>(&json).ok())
        .is_some_and(|claims| claims.has(claim))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
