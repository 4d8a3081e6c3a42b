//! Who may call the sandbox: the built-in demo account plus accounts from a TOML file.
//!
//! Invariants: AccessKey ids are unique (the demo id cannot be redefined), every account has a
//! uid and at least one contact email. Secrets and STS tokens stay [`SecretString`]s; `Debug`
//! output never shows them.

use std::path::Path;

use figment::Figment;
use figment::providers::{Format as _, Toml};
use secrecy::SecretString;
use serde::Deserialize;

use super::SandboxError;

/// AccessKey id and secret of the built-in demo account (public on purpose: sandbox only).
pub use workorder_api::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
/// Contact email of the demo account.
pub const DEMO_EMAIL: &str = "demo@example.com";
/// Contact phone of the demo account.
pub const DEMO_PHONE: &str = "13800000000";
/// Alibaba Cloud uid of the demo account (the `CreatorId` of its tickets).
pub const DEMO_UID: &str = "1000000000000001";

/// One simulated Alibaba Cloud account (an AccessKey and the contacts it may name).
#[derive(Debug, Clone)]
pub struct Account {
    /// AccessKey id (an `STS.` id for temporary credentials).
    pub access_key_id: String,
    /// AccessKey secret.
    pub access_key_secret: SecretString,
    /// STS token the caller must send (`SecurityToken` / `x-acs-security-token`) when set;
    /// when unset, sending one is an error.
    pub security_token: Option<SecretString>,
    /// Account uid, reported as the `CreatorId` of its tickets.
    pub uid: String,
    /// Contact emails CreateTicket accepts (compared case-insensitively).
    pub emails: Vec<String>,
    /// Contact phones CreateTicket accepts.
    pub phones: Vec<String>,
}

impl Account {
    /// The built-in demo account: `LTAIsandboxDEMO` / `sandbox-demo-secret`,
    /// `demo@example.com`, `13800000000`.
    pub fn demo() -> Self {
        Self {
            access_key_id: DEMO_ACCESS_KEY_ID.to_owned(),
            access_key_secret: SecretString::from(DEMO_ACCESS_KEY_SECRET),
            security_token: None,
            uid: DEMO_UID.to_owned(),
            emails: vec![DEMO_EMAIL.to_owned()],
            phones: vec![DEMO_PHONE.to_owned()],
        }
    }

    /// Checks what the sandbox relies on: a usable id, a uid and at least one email.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let invalid = |reason: &str| SandboxError::InvalidAccount {
            access_key_id: self.access_key_id.clone(),
            reason: reason.to_owned(),
        };
        if self.access_key_id.trim().is_empty() || self.access_key_id.trim() != self.access_key_id {
            return Err(invalid("access_key_id must be non-empty, without spaces"));
        }
        if self.uid.trim().is_empty() {
            return Err(invalid("uid must be non-empty"));
        }
        if self.emails.iter().all(|e| e.trim().is_empty()) {
            return Err(invalid("emails must list at least one address"));
        }
        Ok(())
    }
}

/// The accounts the sandbox serves: the demo account first, then `extra`, validated and
/// checked for duplicate AccessKey ids.
pub(crate) fn with_demo(extra: &[Account]) -> Result<Vec<Account>, SandboxError> {
    let mut all = vec![Account::demo()];
    for account in extra {
        account.validate()?;
        if all.iter().any(|a| a.access_key_id == account.access_key_id) {
            return Err(SandboxError::InvalidAccount {
                access_key_id: account.access_key_id.clone(),
                reason: "duplicate access_key_id (the demo account is always present)".to_owned(),
            });
        }
        all.push(account.clone());
    }
    Ok(all)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    #[serde(default)]
    accounts: Vec<RawAccount>,
    #[serde(default)]
    oidc_providers: Vec<RawOidcProvider>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    name: String,
    #[serde(default)]
    trust: Vec<String>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default = "default_max_session")]
    max_session_duration_secs: u64,
}

fn default_max_session() -> u64 {
    crate::sts::DEFAULT_SESSION_SECS
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOidcProvider {
    arn: String,
    issuer: String,
    audience: Audience,
    public_key_file: std::path::PathBuf,
    account_uid: String,
}

/// One audience or a list of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// What an accounts file describes: the accounts (the demo account not included) and the STS
/// side (their roles, the OIDC providers).
#[derive(Debug, Clone, Default)]
pub struct SandboxFile {
    /// `[[accounts]]`.
    pub accounts: Vec<Account>,
    /// Every account's `roles` and the `[[oidc_providers]]`; `max_lifetime` is unset.
    pub sts: crate::sts::StsConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    access_key_id: String,
    access_key_secret: String,
    #[serde(default)]
    security_token: Option<String>,
    uid: String,
    #[serde(default)]
    emails: Vec<String>,
    #[serde(default)]
    phones: Vec<String>,
    #[serde(default)]
    roles: Vec<RawRole>,
}

/// The accounts of an accounts file (see [`load_sandbox_file`], which also returns the roles
/// and OIDC providers).
pub fn load_accounts_file(path: &Path) -> Result<Vec<Account>, SandboxError> {
    load_sandbox_file(path).map(|file| file.accounts)
}

/// Reads `[[accounts]]` tables (`access_key_id`, `access_key_secret`, optional
/// `security_token`, `uid`, `emails`, `phones`, `roles = [{ name, trust, external_id,
/// max_session_duration_secs }]`) and `[[oidc_providers]]` (`arn`, `issuer`, `audience`,
/// `public_key_file` relative to the file's directory, `account_uid`) from a TOML file.
/// Unknown keys, a missing file and an unreadable key are errors. The demo account is not in
/// the result: the sandbox always adds it.
pub fn load_sandbox_file(path: &Path) -> Result<SandboxFile, SandboxError> {
    let file_error = |reason: String| SandboxError::AccountsFile {
        path: path.display().to_string(),
        reason,
    };
    if !path.is_file() {
        return Err(file_error("no such file".to_owned()));
    }
    let raw: AccountsFile = Figment::from(Toml::file_exact(path))
        .extract()
        .map_err(|e| file_error(e.to_string()))?;
    let mut sts = crate::sts::StsConfig::default();
    for account in &raw.accounts {
        for role in &account.roles {
            sts.roles.push(crate::sts::Role {
                account_uid: account.uid.clone(),
                name: role.name.clone(),
                trust: role.trust.clone(),
                external_id: role.external_id.clone().map(SecretString::from),
                max_session_secs: role.max_session_duration_secs,
            });
        }
    }
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    for provider in raw.oidc_providers {
        let key_path = base.join(&provider.public_key_file);
        let pem = std::fs::read_to_string(&key_path).map_err(|e| {
            file_error(format!(
                "oidc_providers public_key_file {}: {e}",
                key_path.display()
            ))
        })?;
        crate::sts::check_public_key(&pem).map_err(|e| {
            file_error(format!(
                "oidc_providers public_key_file {}: {e}",
                key_path.display()
            ))
        })?;
        sts.oidc_providers.push(crate::sts::OidcProvider {
            arn: provider.arn,
            issuer: provider.issuer,
            audience: match provider.audience {
                Audience::One(one) => vec![one],
                Audience::Many(many) => many,
            },
            public_key_pem: pem,
            account_uid: provider.account_uid,
        });
    }
    let accounts: Vec<Account> = raw
        .accounts
        .into_iter()
        .map(|a| Account {
            access_key_id: a.access_key_id,
            access_key_secret: SecretString::from(a.access_key_secret),
            security_token: a.security_token.map(SecretString::from),
            uid: a.uid,
            emails: a.emails,
            phones: a.phones,
        })
        .collect();
    let all = with_demo(&accounts)?;
    crate::server::check_sts(&all, &sts)?;
    Ok(SandboxFile { accounts, sts })
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use secrecy::ExposeSecret as _;

    use super::*;

    fn file_with(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file
    }

    #[test]
    fn accounts_file_is_read_with_optional_token() {
        let file = file_with(
            r#"
            [[accounts]]
            access_key_id = "LTAIalpha"
            access_key_secret = "alpha-secret"
            uid = "42"
            emails = ["ops@alpha.example"]
            phones = ["13900000000"]

            [[accounts]]
            access_key_id = "STS.beta"
            access_key_secret = "beta-secret"
            security_token = "beta-token"
            uid = "43"
            emails = ["ops@beta.example"]
            "#,
        );
        let accounts = load_accounts_file(file.path()).unwrap();
        assert_eq!(accounts.len(), 2);
        assert_eq!(
            accounts[0].access_key_secret.expose_secret(),
            "alpha-secret"
        );
        assert!(accounts[0].security_token.is_none());
        assert_eq!(
            accounts[1]
                .security_token
                .as_ref()
                .map(|t| t.expose_secret()),
            Some("beta-token")
        );
    }

    #[test]
    fn unknown_keys_missing_files_and_duplicates_are_refused() {
        let unknown = file_with(
            "[[accounts]]\naccess_key_id = \"a\"\naccess_key_secret = \"s\"\nuid = \"1\"\nemails = [\"x@y\"]\ncolour = \"red\"\n",
        );
        let err = load_accounts_file(unknown.path()).unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");

        let missing = load_accounts_file(Path::new("/nonexistent/accounts.toml"));
        assert!(matches!(missing, Err(SandboxError::AccountsFile { .. })));

        let demo_again = file_with(
            "[[accounts]]\naccess_key_id = \"LTAIsandboxDEMO\"\naccess_key_secret = \"s\"\nuid = \"1\"\nemails = [\"x@y\"]\n",
        );
        let err = load_accounts_file(demo_again.path()).unwrap_err();
        assert!(matches!(err, SandboxError::InvalidAccount { .. }), "{err}");
    }

    #[test]
    fn the_example_accounts_file_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join("config")
            .join("sandbox-accounts.example.toml");
        let file = load_sandbox_file(&path).unwrap();
        assert_eq!(file.accounts.len(), 2);
        assert!(file.accounts.iter().any(|a| a.security_token.is_some()));
        assert_eq!(file.sts.roles.len(), 1);
        assert_eq!(
            file.sts.roles[0].arn(),
            "acs:ram::1234567890123456:role/workorder-gateway"
        );
    }

    #[test]
    fn roles_and_oidc_providers_are_read_with_keys_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keys");
        std::fs::copy(keys.join("rsa_a_public.pem"), dir.path().join("oidc.pem")).unwrap();
        let path = dir.path().join("accounts.toml");
        std::fs::write(
            &path,
            r#"
            [[accounts]]
            access_key_id = "LTAIacme"
            access_key_secret = "s"
            uid = "42"
            emails = ["ops@acme.example"]
            roles = [{ name = "gw", trust = ["1000000000000001", "acs:ram::42:oidc-provider/ack"], external_id = "ext-42" }]

            [[oidc_providers]]
            arn = "acs:ram::42:oidc-provider/ack"
            issuer = "https://issuer.example"
            audience = ["sts.aliyuncs.com", "other"]
            public_key_file = "oidc.pem"
            account_uid = "42"
            "#,
        )
        .unwrap();
        let file = load_sandbox_file(&path).unwrap();
        let role = &file.sts.roles[0];
        assert_eq!(role.account_uid, "42");
        assert_eq!(role.max_session_secs, 3600);
        assert_eq!(
            role.external_id.as_ref().map(|e| e.expose_secret()),
            Some("ext-42")
        );
        assert_eq!(
            file.sts.oidc_providers[0].audience,
            ["sts.aliyuncs.com", "other"]
        );
        assert!(!format!("{role:?}").contains("ext-42"));

        std::fs::write(dir.path().join("oidc.pem"), "not a key").unwrap();
        let err = load_sandbox_file(&path).unwrap_err().to_string();
        assert!(err.contains("public_key_file"), "{err}");
    }

    #[test]
    fn providers_of_unknown_accounts_and_odd_session_limits_are_refused() {
        let file = file_with(
            "[[accounts]]\naccess_key_id = \"a\"\naccess_key_secret = \"s\"\nuid = \"1\"\nemails = [\"x@y\"]\nroles = [{ name = \"r\", max_session_duration_secs = 60 }]\n",
        );
        let err = load_sandbox_file(file.path()).unwrap_err().to_string();
        assert!(err.contains("max_session_duration_secs"), "{err}");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let text = format!("{:?}", Account::demo());
        assert!(!text.contains(DEMO_ACCESS_KEY_SECRET), "{text}");
    }
}
