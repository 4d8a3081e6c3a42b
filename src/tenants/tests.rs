//! Resolving tenants from settings: secrets read from env or files (never the demo key for a
//! real endpoint), a loopback `http://` endpoint needing no flag, and every failure naming its
//! key. The settings' own checks are tested in settings; these need the registry.

// `figment::Jail` closures return `figment::Error`, which is large; that is its API, not ours.
#![allow(clippy::result_large_err)]

use figment::Jail;

use super::TenantRegistry;
use crate::settings::{Settings, SettingsError};

fn key_of(err: &SettingsError) -> String {
    match err {
        SettingsError::Invalid { key, .. } => key.clone(),
        SettingsError::Parse(text) => text.clone(),
    }
}

/// Tenant `acme` on the central endpoint with `extra` lines; the JWT secret from the
/// environment.
fn real_tenant(extra: &str) -> String {
    format!(
        r#"
[auth]
hs256_secret_env = "JWT_SECRET"
[tenants.acme]
endpoint = "https://workorder.aliyuncs.com"
access_key_id = "LTAI5tRealKey"
{extra}
"#
    )
}

/// One tenant `t` on `endpoint` with `lines` added; the JWT secret from the environment.
fn tenant(endpoint: &str, lines: &str) -> Result<Settings, SettingsError> {
    Settings::from_toml_str(&format!(
        "[auth]\nhs256_secret_env = \"JWT\"\n[sandbox]\nenabled = true\n\
         [tenants.t]\nendpoint = \"{endpoint}\"\naccess_key_id = \"LTAIsomeKey\"\n{lines}\n"
    ))
}

const SIMULATOR: &str = "simulator = true";
const INSECURE: &str = "allow_insecure_http = true";

#[test]
fn the_demo_secret_is_refused_even_when_read_from_the_environment() {
    Jail::expect_with(|jail| {
        jail.set_env("ACME_AK", "sandbox-demo-secret");
        let settings = Settings::from_toml_str(&real_tenant("access_key_secret_env = \"ACME_AK\""))
            .expect("parses");
        let err = TenantRegistry::from_settings(&settings, None).expect_err("demo secret");
        assert_eq!(key_of(&err), "tenants.acme.access_key_secret");
        Ok(())
    });
}

#[test]
fn a_tenant_that_cannot_sign_fails_with_its_key_named() {
    Jail::expect_with(|_jail| {
        let missing = Settings::from_toml_str(&real_tenant("")).expect("parses");
        let err = TenantRegistry::from_settings(&missing, None).expect_err("no secret");
        assert_eq!(key_of(&err), "tenants.acme.access_key_secret");
        let unset_env =
            Settings::from_toml_str(&real_tenant("access_key_secret_env = \"NOT_SET_ANYWHERE\""))
                .expect("parses");
        let err = TenantRegistry::from_settings(&unset_env, None).expect_err("unset env");
        assert_eq!(key_of(&err), "tenants.acme.access_key_secret_env");
        let two = Settings::from_toml_str(&real_tenant(
            "access_key_secret_env = \"A\"\naccess_key_secret_file = \"/x\"",
        ))
        .expect("parses");
        let err = TenantRegistry::from_settings(&two, None).expect_err("two sources");
        assert_eq!(key_of(&err), "tenants.acme.access_key_secret");
        Ok(())
    });
}

#[test]
fn secrets_are_read_from_env_and_from_files_without_their_trailing_newline() {
    Jail::expect_with(|jail| {
        jail.set_env("ACME_AK", "from-env");
        jail.create_file("globex.secret", "from-file\n")?;
        jail.create_file("globex.token", "sts-token\n")?;
        let toml = format!(
            "{}\n[tenants.globex]\nendpoint = \"ap-southeast-1\"\naccess_key_id = \"STS.x\"\naccess_key_secret_file = \"{}\"\nsecurity_token_file = \"{}\"\n",
            real_tenant("access_key_secret_env = \"ACME_AK\""),
            jail.directory().join("globex.secret").display(),
            jail.directory().join("globex.token").display(),
        );
        let settings = Settings::from_toml_str(&toml).expect("parses");
        let registry = TenantRegistry::from_settings(&settings, None).expect("both resolve");
        assert_eq!(registry.ids(), ["acme", "globex"]);
        let globex = registry.get("globex").expect("enabled");
        assert_eq!(
            globex.target.endpoint.host(),
            "workorder.ap-southeast-1.aliyuncs.com"
        );
        assert_eq!(
            globex
                .target
                .credentials
                .as_static()
                .unwrap()
                .access_key_secret(),
            "from-file"
        );
        assert_eq!(
            globex
                .target
                .credentials
                .as_static()
                .unwrap()
                .security_token(),
            Some("sts-token")
        );
        Ok(())
    });
}

#[test]
fn a_loopback_http_endpoint_with_secrets_from_env_or_file_needs_no_flag() {
    Jail::expect_with(|jail| {
        jail.set_env("T_AK", "from-env");
        jail.create_file("t.secret", "from-file\n")?;
        let file = jail.directory().join("t.secret");
        for source in [
            "access_key_secret_env = \"T_AK\"".to_owned(),
            format!("access_key_secret_file = \"{}\"", file.display()),
        ] {
            let settings = tenant("http://127.0.0.1:9000", &source).expect("valid");

            let registry = TenantRegistry::from_settings(&settings, None).expect("resolves");

            let t = registry.get("t").expect("enabled");
            assert_eq!(t.target.endpoint.host(), "127.0.0.1:9000");
            assert!(!settings.tenants["t"].is_simulator());
        }
        Ok(())
    });
}

#[test]
fn the_demo_secret_from_env_is_refused_for_an_insecure_http_tenant_that_is_not_a_simulator() {
    Jail::expect_with(|jail| {
        jail.set_env("T_AK", "sandbox-demo-secret");
        let source = "access_key_secret_env = \"T_AK\"";
        let insecure =
            tenant("http://sandbox:9000", &format!("{INSECURE}\n{source}")).expect("parses");
        let simulator = tenant(
            "http://sandbox:9000",
            &format!("{INSECURE}\n{SIMULATOR}\n{source}"),
        )
        .expect("parses");

        let err = TenantRegistry::from_settings(&insecure, None).expect_err("demo secret");

        assert_eq!(key_of(&err), "tenants.t.access_key_secret");
        assert!(TenantRegistry::from_settings(&simulator, None).is_ok());
        Ok(())
    });
}
