//! `[auth]`: how JWTs are verified (keys, JWKS, claim names, token shape). Secrets are named,
//! never inlined outside the demo.
//!
//! Invariants checked here, each naming its key: with asymmetric keys (`public_key_files`,
//! `jwks_url`) `audience` is required, and with `jwks_url` `issuer` too — an IdP signs tokens
//! for every application it serves with the same keys, so without them a token issued for
//! another application would pass (an HS256 secret is ours alone, so there they stay optional);
//! the leeway and the JWKS intervals are bounded, so a typo cannot silently disable a check;
//! the claim names and the JWKS URL meet the same rules the authenticator applies (one function
//! each: [`check_claim_names`] here, [`is_trustworthy_url`] in `validation`). The authenticator
//! takes this section itself, with the key material added at start-up ([`PublicKeySource`]):
//! there is no second copy of these fields or their defaults.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use serde_with::{As, DisplayFromStr, DurationSeconds};

use super::SettingsError;
use crate::validation::is_trustworthy_url;

/// Largest accepted `auth.leeway_secs`: clocks that disagree by more than five minutes are a
/// fault to fix, and a larger leeway keeps expired tokens alive that long.
pub const MAX_LEEWAY_SECS: u64 = 300;

/// Largest accepted JWKS interval (`auth.jwks_max_age_secs`,
/// `auth.jwks_refresh_min_interval_secs`): one day. Past it a revoked key stays trusted, or a
/// rotated-in one unknown, for longer than any IdP's rotation notice.
pub const MAX_JWKS_INTERVAL_SECS: u64 = 86_400;

/// `[auth]`, and what the authenticator takes (as `auth::AuthConfig`): the section as written,
/// plus the key material start-up resolves from it (`hs256_secrets`, `public_keys`), which no key
/// sets. The defaults here are the only ones.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Required `iss`; not checked when `None`.
    pub issuer: Option<String>,
    /// Required member of `aud`; when `None`, tokens carrying an `aud` are still accepted.
    pub audience: Option<String>,
    /// Name of the claim holding the tenant id.
    pub tenant_claim: String,
    /// Name of the claim holding an array of permission strings.
    pub roles_claim: String,
    /// Clock skew tolerated on `exp`, `nbf` and `iat` (`leeway_secs`, at most
    /// [`MAX_LEEWAY_SECS`]).
    #[serde(rename = "leeway_secs", with = "As::<DurationSeconds<u64>>")]
    pub leeway: Duration,
    /// Required JOSE header `typ` (e.g. `at+jwt`, RFC 9068), compared as a media type: case
    /// does not matter and an `application/` prefix is optional. `None`: any `typ`, or none.
    pub required_typ: Option<String>,
    /// Longest accepted `exp - iat` (`max_token_lifetime_secs`); tokens without `iat` are then
    /// refused. `None`: no limit.
    #[serde(
        rename = "max_token_lifetime_secs",
        with = "As::<Option<DurationSeconds<u64>>>"
    )]
    pub max_token_lifetime: Option<Duration>,
    /// HS256 secret, inline (demo only).
    pub hs256_secret: Option<SecretString>,
    /// Environment variable holding the HS256 secret.
    pub hs256_secret_env: Option<String>,
    /// File holding the HS256 secret.
    pub hs256_secret_file: Option<PathBuf>,
    /// RS256 / ES256 public keys (PEM files): each a path, or `{ file = "…", kid = "…" }` when
    /// the IdP's tokens name the key with a `kid`.
    pub public_key_files: Vec<PublicKeyFile>,
    /// The IdP's JWKS document: https, or plain http to a loopback address.
    #[serde(with = "As::<Option<DisplayFromStr>>")]
    pub jwks_url: Option<reqwest::Url>,
    /// An unknown `kid` triggers a JWKS refetch at most once per this interval
    /// (`jwks_refresh_min_interval_secs`).
    #[serde(
        rename = "jwks_refresh_min_interval_secs",
        with = "As::<DurationSeconds<u64>>"
    )]
    pub jwks_refresh_min_interval: Duration,
    /// The JWKS is refetched in the background once it is this old (`jwks_max_age_secs`).
    #[serde(rename = "jwks_max_age_secs", with = "As::<DurationSeconds<u64>>")]
    pub jwks_max_age: Duration,
    /// Time allowed for one JWKS fetch (not a key).
    #[serde(skip)]
    pub jwks_fetch_timeout: Duration,
    /// HS256 secrets (each at least 32 bytes), resolved from the `hs256_secret*` keys at
    /// start-up; tokens without `kid` are tried against each.
    #[serde(skip)]
    pub hs256_secrets: Vec<SecretString>,
    /// RS256 / ES256 public keys, read from `public_key_files` at start-up.
    #[serde(skip)]
    pub public_keys: Vec<PublicKeySource>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: None,
            audience: None,
            tenant_claim: "tenant".to_owned(),
            roles_claim: "roles".to_owned(),
            leeway: Duration::from_secs(30),
            required_typ: None,
            max_token_lifetime: None,
            hs256_secret: None,
            hs256_secret_env: None,
            hs256_secret_file: None,
            public_key_files: Vec::new(),
            jwks_url: None,
            jwks_refresh_min_interval: Duration::from_secs(60),
            jwks_max_age: Duration::from_secs(3600),
            jwks_fetch_timeout: Duration::from_secs(5),
            hs256_secrets: Vec::new(),
            public_keys: Vec::new(),
        }
    }
}

impl AuthSettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        if let Err(ClaimNameError {
            setting,
            name,
            reason,
        }) = check_claim_names(&self.tenant_claim, &self.roles_claim)
        {
            return Err(SettingsError::invalid(
                &format!("auth.{setting}"),
                format!("{name:?} cannot be used: {reason}"),
            ));
        }
        if let Some(url) = &self.jwks_url
            && !is_trustworthy_url(url)
        {
            return Err(SettingsError::invalid(
                "auth.jwks_url",
                "must use https (plain http is accepted only for loopback addresses)".into(),
            ));
        }
        for entry in &self.public_key_files {
            if let PublicKeyFile::WithKid(KeyFileWithKid { kid, .. }) = entry
                && kid.trim().is_empty()
            {
                return Err(SettingsError::invalid(
                    "auth.public_key_files",
                    "a kid must not be empty (leave it out for tokens without a kid)".into(),
                ));
            }
        }
        let has_hs = self.hs256_secret.is_some()
            || self.hs256_secret_env.is_some()
            || self.hs256_secret_file.is_some();
        if !has_hs && self.public_key_files.is_empty() && self.jwks_url.is_none() {
            return Err(SettingsError::invalid(
                "auth",
                "no JWT key configured: set hs256_secret_env / hs256_secret_file, public_key_files or jwks_url".into(),
            ));
        }
        self.validate_audience_and_issuer()?;
        self.validate_token_rules()?;
        self.validate_jwks_intervals()
    }

    /// An IdP's keys sign tokens for all its applications: only `aud` (and, for a JWKS, which
    /// may be shared by several issuers, `iss`) says a token was meant for this gateway.
    fn validate_audience_and_issuer(&self) -> Result<(), SettingsError> {
        for (key, value) in [
            ("auth.audience", &self.audience),
            ("auth.issuer", &self.issuer),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(SettingsError::invalid(
                    key,
                    "must not be empty (leave it out instead)".into(),
                ));
            }
        }
        let asymmetric = match (self.public_key_files.is_empty(), self.jwks_url.is_some()) {
            (_, true) => Some("jwks_url"),
            (false, false) => Some("public_key_files"),
            (true, false) => None,
        };
        if let Some(source) = asymmetric
            && self.audience.is_none()
        {
            return Err(SettingsError::invalid(
                "auth.audience",
                format!(
                    "is required with auth.{source}: the IdP's keys also sign tokens for its other applications, and only `aud` tells them apart"
                ),
            ));
        }
        if self.jwks_url.is_some() && self.issuer.is_none() {
            return Err(SettingsError::invalid(
                "auth.issuer",
                "is required with auth.jwks_url: only `iss` ties a token to the issuer whose keys are published there".into(),
            ));
        }
        Ok(())
    }

    fn validate_token_rules(&self) -> Result<(), SettingsError> {
        if self.leeway.as_secs() > MAX_LEEWAY_SECS {
            return Err(SettingsError::invalid(
                "auth.leeway_secs",
                format!(
                    "{} is more than {MAX_LEEWAY_SECS} seconds: fix the clocks instead (a larger leeway keeps expired tokens valid that long)",
                    self.leeway.as_secs()
                ),
            ));
        }
        if let Some(typ) = &self.required_typ
            && (typ.is_empty() || typ.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(SettingsError::invalid(
                "auth.required_typ",
                format!("{typ:?} is not a media type (e.g. \"at+jwt\")"),
            ));
        }
        if self.max_token_lifetime == Some(Duration::ZERO) {
            return Err(SettingsError::invalid(
                "auth.max_token_lifetime_secs",
                "must be at least 1 (0 would refuse every token); leave it out for no limit".into(),
            ));
        }
        Ok(())
    }

    fn validate_jwks_intervals(&self) -> Result<(), SettingsError> {
        for (key, interval) in [
            ("auth.jwks_max_age_secs", self.jwks_max_age),
            (
                "auth.jwks_refresh_min_interval_secs",
                self.jwks_refresh_min_interval,
            ),
        ] {
            let secs = interval.as_secs();
            if secs == 0 || secs > MAX_JWKS_INTERVAL_SECS {
                return Err(SettingsError::invalid(
                    key,
                    format!("{secs} is outside 1 to {MAX_JWKS_INTERVAL_SECS} seconds"),
                ));
            }
        }
        Ok(())
    }

    /// The HS256 secret's sources, for resolution.
    pub fn hs256_source(&self) -> super::SecretSource<'_> {
        super::SecretSource {
            key: "auth.hs256_secret".into(),
            inline: self.hs256_secret.as_ref(),
            env: self.hs256_secret_env.as_deref(),
            file: self.hs256_secret_file.as_ref(),
        }
    }
}

/// A PEM public key trusted to sign tokens. Its algorithm is detected from the PEM: an RSA key
/// verifies only RS256, an EC P-256 key only ES256.
#[derive(Debug, Clone)]
pub struct PublicKeySource {
    /// Names the key in errors and logs (its file name, typically).
    pub label: String,
    /// The `kid` tokens signed with this key carry. A token that names a `kid` is only ever
    /// checked against keys with that exact `kid`, so set this when the IdP sends one.
    pub kid: Option<String>,
    /// The PEM text (`PUBLIC KEY` or `RSA PUBLIC KEY`).
    pub pem: String,
}

/// Claims the gateway reads under their registered names; a configurable claim may not reuse
/// one, or a token's single value would have to mean two things.
const REGISTERED: [&str; 7] = ["sub", "exp", "nbf", "iat", "iss", "aud", "scope"];

/// A configurable claim name that cannot be used ([`check_claim_names`]); the authenticator
/// reports it as `auth::AuthSetupError::BadClaimName`, the settings check as an invalid key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClaimNameError {
    /// `tenant_claim` or `roles_claim`.
    pub(crate) setting: &'static str,
    /// The configured name.
    pub(crate) name: String,
    /// Why.
    pub(crate) reason: &'static str,
}

/// The configurable claim names must be non-blank, must not reuse a registered claim the gateway
/// reads, and must differ; the error names the offending setting.
pub(crate) fn check_claim_names(
    tenant_claim: &str,
    roles_claim: &str,
) -> Result<(), ClaimNameError> {
    for (setting, name) in [("tenant_claim", tenant_claim), ("roles_claim", roles_claim)] {
        let reason = if name.trim().is_empty() {
            Some("it is empty")
        } else if REGISTERED.contains(&name) {
            Some("it is a registered claim the gateway already reads")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(ClaimNameError {
                setting,
                name: name.to_owned(),
                reason,
            });
        }
    }
    if tenant_claim == roles_claim {
        return Err(ClaimNameError {
            setting: "roles_claim",
            name: roles_claim.to_owned(),
            reason: "it is the same as auth.tenant_claim",
        });
    }
    Ok(())
}

/// One entry of `auth.public_key_files`.
///
/// Key selection is strict (see `auth::authenticator`): a token naming a `kid` is only checked
/// against keys configured with that exact `kid` (a token without one is checked against every
/// key of its algorithm). So a PEM key whose IdP puts a `kid` in its tokens must be configured
/// with that `kid`:
///
/// ```toml
/// public_key_files = ["legacy.pem", { file = "idp-2024.pem", kid = "2024-06" }]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(
    untagged,
    expecting = "a PEM file path, or a table { file = \"…\", kid = \"…\" }"
)]
pub enum PublicKeyFile {
    /// Just the file: verifies only tokens that carry no `kid`.
    Path(PathBuf),
    /// The file and the `kid` of the tokens it verifies (tokens without a `kid` too).
    WithKid(KeyFileWithKid),
}

/// `{ file = "…", kid = "…" }` in `auth.public_key_files`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFileWithKid {
    /// The PEM public key file.
    pub file: PathBuf,
    /// The `kid` header value of tokens signed with this key.
    pub kid: String,
}

impl PublicKeyFile {
    /// The PEM file.
    pub fn file(&self) -> &std::path::Path {
        match self {
            Self::Path(file) | Self::WithKid(KeyFileWithKid { file, .. }) => file,
        }
    }

    /// The `kid`, when configured.
    pub fn kid(&self) -> Option<&str> {
        match self {
            Self::Path(_) => None,
            Self::WithKid(KeyFileWithKid { kid, .. }) => Some(kid),
        }
    }
}
