//! [`AuthConfig`]: everything the authenticator needs — the `[auth]` settings section itself,
//! plus the secrets and PEM keys start-up resolves — and the claim-name rule both the settings
//! check and the authenticator apply.

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

/// How tokens are verified and read: the `[auth]` section itself (its keys, defaults and
/// checks live in settings), with the key material start-up resolves from it in
/// `hs256_secrets` and `public_keys`.
pub use crate::settings::AuthSettings as AuthConfig;

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
