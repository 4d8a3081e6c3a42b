//! [`AuthConfig`]: everything the authenticator needs, in plain Rust types, with the defaults of
//! `[auth]` (the settings section takes its defaults from [`AuthConfig::default`] and builds
//! this from the TOML; the app adds the resolved secrets and PEM keys), and the claim-name rule
//! both the settings check and the authenticator apply.

use std::time::Duration;

use secrecy::SecretString;

use super::error::AuthSetupError;

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

/// How tokens are verified and read.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Required `iss` value; not checked when `None`.
    pub issuer: Option<String>,
    /// Required member of `aud`; when `None`, tokens carrying an `aud` are still accepted.
    pub audience: Option<String>,
    /// Name of the claim holding the tenant id (default `tenant`).
    pub tenant_claim: String,
    /// Name of the claim holding an array of permission strings (default `roles`).
    pub roles_claim: String,
    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 30 s).
    pub leeway: Duration,
    /// Required JOSE header `typ` (e.g. `at+jwt`, RFC 9068), compared as a media type: case
    /// does not matter and an `application/` prefix is optional. `None`: any `typ`, or none.
    pub required_typ: Option<String>,
    /// Longest accepted `exp - iat`; tokens without `iat` are then refused. `None`: no limit.
    pub max_token_lifetime: Option<Duration>,
    /// HS256 secrets (each at least 32 bytes); tokens without `kid` are tried against each.
    pub hs256_secrets: Vec<SecretString>,
    /// RS256 / ES256 public keys.
    pub public_keys: Vec<PublicKeySource>,
    /// The IdP's JWKS document.
    pub jwks_url: Option<reqwest::Url>,
    /// An unknown `kid` triggers a JWKS refetch at most once per this interval (default 60 s).
    pub jwks_refresh_min_interval: Duration,
    /// The JWKS is refetched in the background once it is this old (default 1 h).
    pub jwks_max_age: Duration,
    /// Time allowed for one JWKS fetch (default 5 s).
    pub jwks_fetch_timeout: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            issuer: None,
            audience: None,
            tenant_claim: "tenant".to_owned(),
            roles_claim: "roles".to_owned(),
            leeway: Duration::from_secs(30),
            required_typ: None,
            max_token_lifetime: None,
            hs256_secrets: Vec::new(),
            public_keys: Vec::new(),
            jwks_url: None,
            jwks_refresh_min_interval: Duration::from_secs(60),
            jwks_max_age: Duration::from_secs(3600),
            jwks_fetch_timeout: Duration::from_secs(5),
        }
    }
}

/// Claims the gateway reads under their registered names; a configurable claim may not reuse
/// one, or a token's single value would have to mean two things.
const REGISTERED: [&str; 7] = ["sub", "exp", "nbf", "iat", "iss", "aud", "scope"];

impl AuthConfig {
    /// Checks what can be checked without building keys: the claim names.
    pub(crate) fn validate_claim_names(&self) -> Result<(), AuthSetupError> {
        check_claim_names(&self.tenant_claim, &self.roles_claim)
    }
}

/// The configurable claim names must be non-blank, must not reuse a registered claim the gateway
/// reads, and must differ; the error names the offending setting.
pub(crate) fn check_claim_names(
    tenant_claim: &str,
    roles_claim: &str,
) -> Result<(), AuthSetupError> {
    for (setting, name) in [("tenant_claim", tenant_claim), ("roles_claim", roles_claim)] {
        let reason = if name.trim().is_empty() {
            Some("it is empty")
        } else if REGISTERED.contains(&name) {
            Some("it is a registered claim the gateway already reads")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(AuthSetupError::BadClaimName {
                setting,
                name: name.to_owned(),
                reason,
            });
        }
    }
    if tenant_claim == roles_claim {
        return Err(AuthSetupError::BadClaimName {
            setting: "roles_claim",
            name: roles_claim.to_owned(),
            reason: "it is the same as auth.tenant_claim",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_claim_names_are_valid() {
        assert!(AuthConfig::default().validate_claim_names().is_ok());
    }

    #[test]
    fn claim_names_that_clash_are_rejected_naming_the_setting() {
        let cases = [
            ("", "roles", "tenant_claim"),
            ("sub", "roles", "tenant_claim"),
            ("tenant", "scope", "roles_claim"),
            ("org", "org", "roles_claim"),
        ];
        for (tenant, roles, expected_setting) in cases {
            let config = AuthConfig {
                tenant_claim: tenant.to_owned(),
                roles_claim: roles.to_owned(),
                ..AuthConfig::default()
            };

            let err = config.validate_claim_names().unwrap_err();

            assert!(
                matches!(err, AuthSetupError::BadClaimName { setting, .. } if setting == expected_setting),
                "{tenant:?}/{roles:?}: {err}"
            );
        }
    }
}
