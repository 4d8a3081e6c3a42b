//! What can go wrong authenticating a request ([`AuthError`], every variant a 401 for the
//! gateway) or building the authenticator at start-up ([`AuthSetupError`]).
//!
//! Invariant: no variant carries the token or any part of it (header, claims, signature); they
//! carry only fixed words and configuration-side names, so `Display` and `Debug` are safe to log.

use std::fmt;

/// A claim the gateway reads, named by its role (the tenant and roles claims have configurable
/// names; the configuration, not the token, says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// `sub`, the internal user.
    Subject,
    /// The tenant claim (default name `tenant`).
    Tenant,
    /// The roles claim (default name `roles`).
    Roles,
    /// OAuth `scope`.
    Scope,
    /// `exp`.
    Expiry,
    /// `nbf`.
    NotBefore,
    /// `iss`.
    Issuer,
    /// `aud`.
    Audience,
    /// `iat`.
    IssuedAt,
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Claim::Subject => "`sub`",
            Claim::Tenant => "tenant",
            Claim::Roles => "roles",
            Claim::Scope => "`scope`",
            Claim::Expiry => "`exp`",
            Claim::NotBefore => "`nbf`",
            Claim::Issuer => "`iss`",
            Claim::Audience => "`aud`",
            Claim::IssuedAt => "`iat`",
        })
    }
}

/// Why a request is not authenticated. Every variant is answered with 401 `unauthenticated`;
/// [`AuthError::reason`] is the stable word for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization` header, or an empty one.
    #[error("no bearer token was sent")]
    Missing,
    /// Not `Bearer <JWT>`, not three base64url parts, or header/claims that are not JSON objects.
    #[error("the bearer token is malformed")]
    Malformed,
    /// `exp` is past (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iat` is in the future (beyond the leeway): the issuer's clock is off, or the token was
    /// minted to outlive its stated lifetime.
    #[error("the token was issued in the future")]
    IssuedInFuture,
    /// `exp - iat` exceeds the configured maximum lifetime.
    #[error("the token lifetime exceeds the accepted maximum")]
    LifetimeTooLong,
    /// The JOSE header's `typ` is absent or not the configured one (for example an ID token
    /// where an access token is required).
    #[error("the token type is not accepted")]
    WrongType,
    /// No candidate key verifies the signature.
    #[error("the token signature does not verify")]
    BadSignature,
    /// `iss` differs from the configured issuer.
    #[error("the token issuer is not accepted")]
    WrongIssuer,
    /// `aud` does not contain the configured audience.
    #[error("the token audience is not accepted")]
    WrongAudience,
    /// The header's `alg` is `none`, unknown, or used by no configured key (for example an
    /// HS256 token when only RSA keys are configured).
    #[error("the token algorithm is not allowed for the configured keys")]
    AlgorithmNotAllowed,
    /// The header's `kid` names no known key, even after the permitted JWKS refetch.
    #[error("the token names an unknown signing key")]
    UnknownKey,
    /// A required claim is absent.
    #[error("the token lacks the {0} claim")]
    MissingClaim(Claim),
    /// A claim has the wrong type (e.g. a numeric `sub`, a string `exp`).
    #[error("the token's {0} claim has the wrong type")]
    InvalidClaim(Claim),
}

impl AuthError {
    /// A stable snake_case word for logs and metrics labels.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::Malformed => "malformed",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not_yet_valid",
            AuthError::IssuedInFuture => "issued_in_future",
            AuthError::LifetimeTooLong => "lifetime_too_long",
            AuthError::WrongType => "wrong_type",
            AuthError::BadSignature => "bad_signature",
            AuthError::WrongIssuer => "wrong_issuer",
            AuthError::WrongAudience => "wrong_audience",
            AuthError::AlgorithmNotAllowed => "algorithm_not_allowed",
            AuthError::UnknownKey => "unknown_key",
            AuthError::MissingClaim(_) => "missing_claim",
            AuthError::InvalidClaim(_) => "invalid_claim",
        }
    }
}

/// Why the authenticator cannot be built from its configuration (start-up fails).
#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    /// No HS256 secret, public key or JWKS URL: no token could ever verify.
    #[error("no JWT key is configured (set an HS256 secret, a public key or a JWKS URL)")]
    NoKeys,
    /// An HS256 secret is shorter than the 256 bits RFC 7518 §3.2 requires.
    #[error("HS256 secret #{index} is {len} bytes long; at least 32 bytes are required")]
    WeakSecret {
        /// 1-based position of the secret in the configuration.
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// A PEM public key cannot be used.
    #[error("public key {label:?} cannot be used: {reason}")]
    BadPublicKey {
        /// The key's label (its file name, typically).
        label: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The JWKS URL is neither HTTPS nor plain HTTP to a loopback address.
    #[error(
        "auth.jwks_url {0:?} must use https (plain http is accepted only for loopback addresses)"
    )]
    InsecureJwksUrl(String),
    /// On a reload, the JWKS at a new `auth.jwks_url` could not be fetched: swapping it in would
    /// leave no key to verify with, so the reload is refused and the running keys stay.
    #[error(
        "auth.jwks_url {url:?} cannot be fetched ({reason}); the reload is refused and the running configuration keeps its keys"
    )]
    JwksUnavailable {
        /// The URL, without userinfo, query or fragment.
        url: String,
        /// Why the fetch failed.
        reason: String,
    },
    /// A configured claim name is empty, clashes with a registered claim, or with the other.
    #[error("auth.{setting} = {name:?} cannot be used: {reason}")]
    BadClaimName {
        /// `tenant_claim` or `roles_claim`.
        setting: &'static str,
        /// The configured name.
        name: String,
        /// Why.
        reason: &'static str,
    },
}

/// The settings' claim-name rule, reported by the authenticator with the same fields.
impl From<crate::settings::ClaimNameError> for AuthSetupError {
    fn from(error: crate::settings::ClaimNameError) -> Self {
        let crate::settings::ClaimNameError {
            setting,
            name,
            reason,
        } = error;
        Self::BadClaimName {
            setting,
            name,
            reason,
        }
    }
}
