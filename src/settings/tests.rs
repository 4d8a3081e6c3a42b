//! The configuration rules operators rely on: layering, unknown keys, secrets only from env or
//! files for real endpoints, demo credentials refused there, and errors that name the key.

// `figment::Jail` closures return `figment::Error`, which is large; that is its API, not ours.
#![allow(clippy::result_large_err)]

use figment::Jail;

use super::{Settings, SettingsError};

const DEMO_SECRET_LINE: &str =
    r#"hs256_secret = "workorder-gateway-demo-secret-not-for-production""#;

fn key_of(err: &SettingsError) -> String {
    match err {
        SettingsError::Invalid { key, .. } => key.clone(),
        SettingsError::Parse(text) => text.clone(),
    }
}

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

#[test]
fn unknown_keys_are_errors_that_name_the_key() {
    let err = Settings::from_toml_str("[server]\nlisten = \"127.0.0.1:1\"\nlisen = 1\n")
        .expect_err("typo");
    assert!(key_of(&err).contains("lisen"), "{err}");
    let err = Settings::from_toml_str("[tenants.acme]\naccess_key_id = \"x\"\nsecret = \"y\"\n")
        .expect_err("typo");
    assert!(key_of(&err).contains("secret"), "{err}");
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        (
            "[server]\nbase_path = \"api/\"\n[auth]\nhs256_secret_env = \"X\"",
            "server.base_path",
        ),
        (
            "[server]\ncors_allowed_origins = [\"https://x.example.com/path\"]\n[auth]\nhs256_secret_env = \"X\"",
            "server.cors_allowed_origins",
        ),
        (
            "[upstream]\nmax_attempts = 0\n[auth]\nhs256_secret_env = \"X\"",
            "upstream.max_attempts",
        ),
        (
            "[catalog]\nttl_secs = 0\n[auth]\nhs256_secret_env = \"X\"",
            "catalog.ttl_secs",
        ),
        ("[auth]\ntenant_claim = \"tenant\"", "auth"),
        (
            "[server]\nlisten = \"0.0.0.0:8080\"\nadmin_listen = \"127.0.0.1:8080\"\n[auth]\nhs256_secret_env = \"X\"",
            "server.admin_listen",
        ),
        (
            &real_tenant("").replace("https://workorder.aliyuncs.com", "ftp://x"),
            "tenants.acme.endpoint",
        ),
        (
            &real_tenant("default_email = \"nope\""),
            "tenants.acme.default_email",
        ),
        (
            "[auth]\nhs256_secret_env = \"X\"\n[tenants.demo]\nendpoint = \"sandbox\"\naccess_key_id = \"k\"",
            "tenants.demo.endpoint",
        ),
        (
            "[auth]\nhs256_secret_env = \"X\"\n[tenants.Bad]\naccess_key_id = \"k\"",
            "tenants.Bad",
        ),
    ];
    for (toml, key) in cases {
        let err = Settings::from_toml_str(toml).expect_err(key);
        assert_eq!(key_of(&err), key, "{err}");
    }
}

#[test]
fn the_admin_listener_needs_a_port_of_its_own_unless_both_pick_a_free_one() {
    let server = |listen: &str, admin: &str| {
        Settings::from_toml_str(&format!(
            "[server]\nlisten = \"{listen}\"\nadmin_listen = \"{admin}\"\n[auth]\nhs256_secret_env = \"X\""
        ))
        .map(|s| s.server.admin_listen.map(|a| a.to_string()))
    };
    let clash = server("127.0.0.1:8080", "127.0.0.1:8080").expect_err("same socket");
    assert_eq!(key_of(&clash), "server.admin_listen");
    assert!(
        clash.to_string().contains("must differ from server.listen"),
        "{clash}"
    );
    assert!(
        server("127.0.0.1:8080", "0.0.0.0:8080").is_err(),
        "0.0.0.0 covers 127.0.0.1"
    );
    assert_eq!(
        server("0.0.0.0:8080", "0.0.0.0:9090")
            .expect("other port")
            .as_deref(),
        Some("0.0.0.0:9090")
    );
    assert_eq!(
        server("127.0.0.1:8080", "10.0.0.1:8080")
            .expect("other address")
            .as_deref(),
        Some("10.0.0.1:8080")
    );
    assert!(
        server("127.0.0.1:0", "127.0.0.1:0").is_ok(),
        "port 0: two free ports"
    );
    let unset = Settings::from_toml_str("[auth]\nhs256_secret_env = \"X\"").expect("default");
    assert_eq!(unset.server.admin_listen, None);
}

#[test]
fn inline_secrets_and_demo_keys_are_refused_for_real_endpoints() {
    let inline = Settings::from_toml_str(&real_tenant("access_key_secret = \"s3cr3t\""))
        .expect_err("inline");
    assert_eq!(key_of(&inline), "tenants.acme.access_key_secret");
    let demo_key =
        Settings::from_toml_str(&real_tenant("").replace("LTAI5tRealKey", "LTAIsandboxDEMO"))
            .expect_err("demo");
    assert_eq!(key_of(&demo_key), "tenants.acme.access_key_id");
    let demo_jwt = real_tenant("access_key_secret_env = \"AK\"")
        .replace(r#"hs256_secret_env = "JWT_SECRET""#, DEMO_SECRET_LINE);
    assert_eq!(
        key_of(&Settings::from_toml_str(&demo_jwt).expect_err("demo jwt")),
        "auth.hs256_secret"
    );
}

#[test]
fn the_environment_overrides_the_file_and_the_demo_file_is_not_inherited() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "prod.toml",
            "[server]\nlisten = \"127.0.0.1:9999\"\n[auth]\nhs256_secret_env = \"JWT\"\n",
        )?;
        jail.set_env("WOG_SERVER__LISTEN", "0.0.0.0:8080");
        jail.set_env("WOG_CATALOG__TTL_SECS", "42");
        jail.set_env(
            "WOG_SERVER__CORS_ALLOWED_ORIGINS",
            "[\"https://support.example.com\"]",
        );
        jail.set_env("WOG_CONFIG", "prod.toml");
        jail.set_env("WOG_TEST_REQUIRE_REDIS", "1");
        jail.set_env("WOG_DEMO", "1");
        let settings = Settings::load(Some(&jail.directory().join("prod.toml"))).expect("loads");
        assert_eq!(settings.server.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(settings.catalog.ttl, std::time::Duration::from_secs(42));
        assert_eq!(
            settings.server.cors_allowed_origins,
            ["https://support.example.com"]
        );
        assert!(
            settings.tenants.is_empty(),
            "a production file inherits no demo tenant"
        );
        assert!(!settings.sandbox.enabled);
        jail.set_env("WOG_SERVER__LISTN", "0.0.0.0:1");
        let err =
            Settings::load(Some(&jail.directory().join("prod.toml"))).expect_err("typo in env");
        assert!(key_of(&err).contains("listn"), "{err}");
        Ok(())
    });
}

#[test]
fn the_demo_jwt_secret_is_refused_whatever_its_source_while_a_real_endpoint_is_configured() {
    let demo = secrecy::SecretString::from(super::DEMO_JWT_SECRET);
    let real =
        Settings::from_toml_str(&real_tenant("access_key_secret_env = \"AK\"")).expect("parses");
    assert_eq!(
        key_of(&real.refuse_demo_jwt_secret(&demo).expect_err("refused")),
        "auth.hs256_secret"
    );
    assert!(
        real.refuse_demo_jwt_secret(&secrecy::SecretString::from(
            "another-secret-of-enough-length-0123"
        ))
        .is_ok()
    );
    let sandbox_only = Settings::from_toml_str("[auth]\nhs256_secret_env = \"JWT\"\n[tenants.demo]\nendpoint = \"http://127.0.0.1:9000\"\nsimulator = true\naccess_key_id = \"k\"\n")
        .expect("parses");
    assert!(
        sandbox_only.refuse_demo_jwt_secret(&demo).is_ok(),
        "demo secrets are fine against simulators"
    );
}

const STATE_AUTH: &str = "[auth]\nhs256_secret_env = \"JWT\"\n";

fn state(lines: &str) -> Result<Settings, SettingsError> {
    Settings::from_toml_str(&format!("{STATE_AUTH}[state]\n{lines}\n"))
}

#[test]
fn the_state_section_refuses_what_cannot_work_and_names_the_key() {
    let cases = [
        (
            "backend = \"redis\"\nfingerprint_secret_env = \"FP\"",
            "state.redis_url",
        ),
        (
            "backend = \"redis\"\nredis_url = \"redis://127.0.0.1:6379\"",
            "state.fingerprint_secret_env",
        ),
        (
            "redis_url = \"redis://r:6379\"\nredis_url_env = \"REDIS_URL\"",
            "state.redis_url",
        ),
        (
            "fingerprint_secret_env = \"A\"\nfingerprint_secret_file = \"/b\"",
            "state.fingerprint_secret_env",
        ),
        ("redis_url = \"http://r:6379\"", "state.redis_url"),
        ("redis_url = \"redis://\"", "state.redis_url"),
        ("connect_timeout_ms = 0", "state.connect_timeout_ms"),
        ("command_timeout_ms = 0", "state.command_timeout_ms"),
        (
            "memory_capacity_per_tenant = 0",
            "state.memory_capacity_per_tenant",
        ),
        ("key_prefix = \"has space:\"", "state.key_prefix"),
        ("backend = \"valkey\"", "backend"),
    ];
    for (lines, key) in cases {
        let err = state(lines).expect_err(key);
        assert!(key_of(&err).contains(key), "{lines}: {err}");
    }
    let err = Settings::from_toml_str(&format!(
        "{STATE_AUTH}[limits]\ntenant_requests_per_second = 5\n"
    ))
    .expect_err("a tenant rate needs a burst");
    assert_eq!(key_of(&err), "limits.tenant_burst");
}

#[test]
fn an_inline_redis_url_with_a_password_is_refused_without_repeating_it() {
    for url in [
        "redis://:hunter2-inline@redis.internal:6379/0",
        "rediss://app:hunter2-inline@redis.internal:6380",
    ] {
        let err = state(&format!("redis_url = \"{url}\"")).expect_err("password inline");
        assert_eq!(key_of(&err), "state.redis_url");
        assert!(!err.to_string().contains("hunter2-inline"), "{err}");
        assert!(err.to_string().contains("redis_url_env"), "{err}");
    }
    let user_only = state(
        "backend = \"redis\"\nredis_url = \"redis://app@r:6379\"\nfingerprint_secret_env = \"FP\"",
    );
    assert!(user_only.is_ok(), "a user name alone is no secret");
    assert_eq!(
        super::redacted_url("rediss://app:hunter2@r.example.com:6380/1"),
        "rediss://app:***@r.example.com:6380/1"
    );
    assert_eq!(super::redacted_url("redis://r:6379"), "redis://r:6379");
}

#[test]
fn redis_urls_and_fingerprint_keys_resolve_from_env_and_files_with_their_rules() {
    Jail::expect_with(|jail| {
        jail.set_env("REDIS_URL", "rediss://:pw-from-env@r.example.com:6380/2");
        jail.create_file("fp.key", &format!("{}\n", "k".repeat(32)))?;
        jail.create_file("short.key", "too-short\n")?;
        jail.set_env("BAD_URL", "http://:pw-bad@r:6379");
        let settings = state(&format!(
            "backend = \"redis\"\nredis_url_env = \"REDIS_URL\"\nfingerprint_secret_file = \"{}\"",
            jail.directory().join("fp.key").display()
        ))
        .expect("parses");
        let url = settings
            .state
            .resolve_redis_url()
            .expect("resolves")
            .expect("set");
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&url),
            "rediss://:pw-from-env@r.example.com:6380/2"
        );
        let key = settings
            .state
            .resolve_fingerprint_secret()
            .expect("32 bytes")
            .expect("set");
        assert_eq!(secrecy::ExposeSecret::expose_secret(&key).len(), 32);

        let short = state(&format!(
            "backend = \"redis\"\nredis_url_env = \"REDIS_URL\"\nfingerprint_secret_file = \"{}\"",
            jail.directory().join("short.key").display()
        ))
        .expect("parses");
        let err = short.state.resolve_fingerprint_secret().expect_err("short");
        assert_eq!(key_of(&err), "state.fingerprint_secret_file");

        let bad = state("redis_url_env = \"BAD_URL\"").expect("parses; read at start-up");
        let err = bad.state.resolve_redis_url().expect_err("not redis://");
        assert_eq!(key_of(&err), "state.redis_url_env");
        assert!(!err.to_string().contains("pw-bad"), "{err}");

        let unset = state("redis_url_env = \"NOT_SET_ANYWHERE\"").expect("parses");
        let err = unset.state.resolve_redis_url().expect_err("unset");
        assert_eq!(key_of(&err), "state.redis_url_env");
        Ok(())
    });
}

#[test]
fn own_ticket_visibility_needs_the_redis_backend() {
    let tenant = "[tenants.acme]\nendpoint = \"https://workorder.aliyuncs.com\"\naccess_key_id = \"LTAIacme\"\naccess_key_secret_env = \"ACME\"\nticket_visibility = \"own\"\n";
    let err = Settings::from_toml_str(&format!("{STATE_AUTH}{tenant}")).expect_err("memory");
    assert_eq!(key_of(&err), "tenants.acme.ticket_visibility");
    let on_redis = Settings::from_toml_str(&format!(
        "{STATE_AUTH}[state]\nbackend = \"redis\"\nredis_url_env = \"R\"\nfingerprint_secret_env = \"F\"\n{tenant}"
    ));
    assert!(on_redis.is_ok(), "{on_redis:?}");
    let other = Settings::from_toml_str(&format!(
        "{STATE_AUTH}{}",
        tenant.replace("\"own\"", "\"everyone\"")
    ));
    assert!(other.is_err());
}

fn role_tenant(identity: &str, tenant: &str) -> String {
    format!(
        r#"
[auth]
hs256_secret_env = "JWT_SECRET"
[identity]
{identity}
[tenants.acme]
endpoint = "https://workorder.aliyuncs.com"
{tenant}
"#
    )
}

const ACCESS_KEY_IDENTITY: &str = "source = \"access_key\"\naccess_key_id = \"LTAI5tGateway\"\naccess_key_secret_env = \"GW_SECRET\"";
const ROLE: &str = "role_arn = \"acs:ram::1234567890123456:role/workorder-gateway\"\nexternal_id_env = \"ACME_EXT\"";

#[test]
fn a_role_tenant_is_accepted_with_an_identity_and_refused_without_one() {
    let settings = Settings::from_toml_str(&role_tenant(ACCESS_KEY_IDENTITY, ROLE)).unwrap();
    assert_eq!(settings.tenants["acme"].session_duration_secs, 3600);
    let err = Settings::from_toml_str(&role_tenant("source = \"none\"", ROLE)).unwrap_err();
    assert_eq!(key_of(&err), "tenants.acme.role_arn", "{err}");
}

#[test]
fn a_tenant_has_exactly_one_way_to_sign_and_valid_role_settings() {
    for (tenant, key) in [
        (
            format!("{ROLE}\naccess_key_id = \"LTAI5tBoth\""),
            "tenants.acme.role_arn",
        ),
        (
            format!("{ROLE}\naccess_key_secret_env = \"X\""),
            "tenants.acme.access_key_secret_env",
        ),
        (
            "role_arn = \"arn:aws:iam::1:role/x\"".to_owned(),
            "tenants.acme.role_arn",
        ),
        (
            format!("{ROLE}\nsession_duration_secs = 60"),
            "tenants.acme.session_duration_secs",
        ),
        (
            format!("{ROLE}\npolicy = \"not json\""),
            "tenants.acme.policy",
        ),
        (
            "role_arn = \"acs:ram::1:role/r\"\nexternal_id = \"inline\"".to_owned(),
            "tenants.acme.external_id",
        ),
        (String::new(), "tenants.acme.access_key_id"),
    ] {
        let err =
            Settings::from_toml_str(&role_tenant(ACCESS_KEY_IDENTITY, &tenant)).expect_err(&tenant);
        assert_eq!(key_of(&err), key, "{tenant}: {err}");
    }
}

#[test]
fn the_identity_keeps_secrets_and_plain_http_away_from_a_real_sts() {
    for (identity, key) in [
        (
            "source = \"access_key\"\naccess_key_id = \"LTAI5tGateway\"\naccess_key_secret = \"inline\"",
            "identity.access_key_secret",
        ),
        (
            "source = \"access_key\"\naccess_key_id = \"LTAIsandboxDEMO\"\naccess_key_secret_env = \"X\"",
            "identity.access_key_id",
        ),
        (
            "source = \"access_key\"\nsts_endpoint = \"http://sts.example.com\"\naccess_key_id = \"a\"\naccess_key_secret_env = \"X\"",
            "identity.sts_endpoint",
        ),
        ("source = \"access_key\"", "identity.access_key_id"),
        (
            "source = \"oidc\"\nrole_arn = \"acs:ram::1:role/gw\"\noidc_provider_arn = \"acs:ram::1:oidc-provider/ack\"\noidc_token_file = \"/t\"\nsession_duration_secs = 100",
            "identity.session_duration_secs",
        ),
        (
            "source = \"oidc\"\nrole_arn = \"nope\"\noidc_provider_arn = \"p\"\noidc_token_file = \"/t\"",
            "identity.role_arn",
        ),
        (
            "source = \"ecs_ram_role\"\nsts_endpoint = \"sandbox\"",
            "identity.sts_endpoint",
        ),
    ] {
        let err = Settings::from_toml_str(&role_tenant(identity, ROLE)).expect_err(identity);
        assert_eq!(key_of(&err), key, "{identity}: {err}");
    }
}

#[test]
fn debug_output_of_role_settings_hides_the_external_id() {
    let mut settings = Settings::from_toml_str(&role_tenant(ACCESS_KEY_IDENTITY, ROLE)).unwrap();
    let tenant = settings.tenants.get_mut("acme").unwrap();
    tenant.external_id = Some(secrecy::SecretString::from("ext-very-secret"));
    settings.identity.access_key_secret = Some(secrecy::SecretString::from("gw-very-secret"));
    let text = format!("{settings:?}");
    assert!(
        text.contains("acs:ram::1234567890123456:role/workorder-gateway"),
        "{text}"
    );
    assert!(
        !text.contains("ext-very-secret") && !text.contains("gw-very-secret"),
        "{text}"
    );
}
