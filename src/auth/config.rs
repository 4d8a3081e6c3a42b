//! [`AuthConfig`]: everything the authenticator needs — the `[auth]` settings section itself,
//! plus the secrets and PEM keys start-up resolves — and the authenticator's use of the
//! claim-name rule the settings check applies too (defined once, in settings).

use super::error::AuthSetupError;
use crate::settings::check_claim_names;

/// A PEM public key trusted to sign tokens (defined with the `[auth]` settings, whose
/// `public_keys` hold them).
pub use crate::settings::PublicKeySource;

/// How tokens are verified and read: the `[auth]` section itself (its keys, defaults and
/// checks live in settings), with the key material start-up resolves from it in
/// `hs256_secrets` and `public_keys`.
pub use crate::settings::AuthSettings as AuthConfig;

impl AuthConfig {
    /// Checks what can be checked without building keys: the claim names (settings' rule,
    /// reported as [`AuthSetupError::BadClaimName`]).
    pub(crate) fn validate_claim_names(&self) -> Result<(), AuthSetupError> {
        Ok(check_claim_names(&self.tenant_claim, &self.roles_claim)?)
    }
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
