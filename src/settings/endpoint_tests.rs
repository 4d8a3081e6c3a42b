//! Which tenants count as simulators (inline secrets and demo credentials allowed), and when a
//! plain-`http://` endpoint may be used at all. Every refusal names its key.

use super::{Settings, SettingsError};

fn key_of(err: &SettingsError) -> String {
    match err {
        SettingsError::Invalid { key, .. } => key.clone(),
        SettingsError::Parse(text) => text.clone(),
    }
}

/// One tenant `t` on `endpoint` with `lines` added; the JWT secret from the environment.
fn tenant(endpoint: &str, lines: &str) -> Result<Settings, SettingsError> {
    Settings::from_toml_str(&format!(
        "[auth]\nhs256_secret_env = \"JWT\"\n[sandbox]\nenabled = true\n\
         [tenants.t]\nendpoint = \"{endpoint}\"\naccess_key_id = \"LTAIsomeKey\"\n{lines}\n"
    ))
}

const INLINE: &str = "access_key_secret = \"s3cr3t\"";
const DEMO_KEY: &str = "access_key_id = \"LTAIsandboxDEMO\"";
const SIMULATOR: &str = "simulator = true";
const INSECURE: &str = "allow_insecure_http = true";

#[test]
fn only_sandbox_and_flagged_http_simulators_are_simulators() {
    let cases = [
        ("sandbox", "", true),
        ("http://127.0.0.1:9000", SIMULATOR, true),
        ("http://localhost:9000", SIMULATOR, true),
        ("http://[::1]:9000", SIMULATOR, true),
        (
            "http://sandbox:9000",
            "simulator = true\nallow_insecure_http = true",
            true,
        ),
        ("http://127.0.0.1:9000", "", false),
        ("http://sandbox:9000", INSECURE, false),
        ("https://workorder.aliyuncs.com", "", false),
        ("cn-hangzhou", "", false),
    ];
    for (endpoint, lines, expected) in cases {
        let settings = tenant(endpoint, lines).unwrap_or_else(|e| panic!("{endpoint}: {e}"));

        assert_eq!(
            settings.tenants["t"].is_simulator(),
            expected,
            "{endpoint} with {lines:?}"
        );
    }
}

#[test]
fn plain_http_to_another_host_is_refused_unless_allow_insecure_http() {
    for endpoint in [
        "http://sandbox:9000",
        "http://10.0.0.5",
        "http://128.0.0.1:80",
    ] {
        let refused = tenant(endpoint, "").expect_err(endpoint);
        let simulator_alone = tenant(endpoint, SIMULATOR).expect_err(endpoint);
        let allowed = tenant(endpoint, INSECURE);

        assert_eq!(key_of(&refused), "tenants.t.endpoint", "{endpoint}");
        assert_eq!(key_of(&simulator_alone), "tenants.t.endpoint", "{endpoint}");
        assert!(allowed.is_ok(), "{endpoint}: {allowed:?}");
    }
}

#[test]
fn inline_secrets_need_a_simulator_tenant() {
    let refused = [
        (
            "http://127.0.0.1:9000",
            INLINE.to_owned(),
            "tenants.t.access_key_secret",
        ),
        (
            "http://127.0.0.1:9000",
            "security_token = \"sts\"".to_owned(),
            "tenants.t.security_token",
        ),
        (
            "http://sandbox:9000",
            format!("{INSECURE}\n{INLINE}"),
            "tenants.t.access_key_secret",
        ),
    ];
    for (endpoint, lines, key) in refused {
        let err = tenant(endpoint, &lines).expect_err(key);

        assert_eq!(key_of(&err), key, "{endpoint} with {lines:?}");
    }
    let accepted = [
        ("sandbox", INLINE.to_owned()),
        ("http://127.0.0.1:9000", format!("{SIMULATOR}\n{INLINE}")),
        (
            "http://localhost:9000",
            format!("{SIMULATOR}\n{INLINE}\nsecurity_token = \"sts\""),
        ),
        (
            "http://sandbox:9000",
            format!("{SIMULATOR}\n{INSECURE}\n{INLINE}"),
        ),
    ];
    for (endpoint, lines) in accepted {
        let result = tenant(endpoint, &lines);

        assert!(result.is_ok(), "{endpoint} with {lines:?}: {result:?}");
    }
}

#[test]
fn the_demo_key_is_accepted_on_a_flagged_simulator_only() {
    // A TOML table cannot set `access_key_id` twice: the demo key replaces the default one.
    let demo = |endpoint: &str, lines: &str| {
        Settings::from_toml_str(&format!(
            "[auth]\nhs256_secret_env = \"JWT\"\n[tenants.t]\nendpoint = \"{endpoint}\"\n{DEMO_KEY}\n{lines}\n"
        ))
    };

    assert!(demo("http://127.0.0.1:9000", SIMULATOR).is_ok());
    assert!(demo("http://sandbox:9000", &format!("{SIMULATOR}\n{INSECURE}")).is_ok());
    for (endpoint, lines) in [
        ("http://127.0.0.1:9000", ""),
        ("http://sandbox:9000", INSECURE),
        ("https://workorder.aliyuncs.com", ""),
    ] {
        let err = demo(endpoint, lines).expect_err(endpoint);

        assert_eq!(key_of(&err), "tenants.t.access_key_id", "{endpoint}");
    }
}

#[test]
fn a_flag_where_it_means_nothing_is_refused() {
    let cases = [
        (
            "https://workorder.aliyuncs.com",
            SIMULATOR,
            "tenants.t.simulator",
        ),
        ("cn-hangzhou", SIMULATOR, "tenants.t.simulator"),
        (
            "https://workorder.aliyuncs.com",
            INSECURE,
            "tenants.t.allow_insecure_http",
        ),
        ("sandbox", INSECURE, "tenants.t.allow_insecure_http"),
    ];
    for (endpoint, lines, key) in cases {
        let err = tenant(endpoint, lines).expect_err(key);

        assert_eq!(key_of(&err), key, "{endpoint} with {lines}");
    }
    assert!(tenant("sandbox", SIMULATOR).is_ok(), "redundant, harmless");
    assert!(
        tenant("http://127.0.0.1:9000", INSECURE).is_ok(),
        "redundant, harmless"
    );
}

#[test]
fn the_demo_jwt_secret_is_refused_while_any_tenant_is_not_a_simulator() {
    let with_demo_jwt = |endpoint: &str, lines: &str| {
        Settings::from_toml_str(&format!(
            "[auth]\nhs256_secret = \"{}\"\n[tenants.t]\nendpoint = \"{endpoint}\"\n\
             access_key_id = \"LTAIsomeKey\"\naccess_key_secret_env = \"AK\"\n{lines}\n",
            super::DEMO_JWT_SECRET
        ))
    };

    for (endpoint, lines) in [
        ("http://127.0.0.1:9000", ""),
        ("http://sandbox:9000", INSECURE),
    ] {
        let err = with_demo_jwt(endpoint, lines).expect_err(endpoint);

        assert_eq!(key_of(&err), "auth.hs256_secret", "{endpoint}");
    }
    assert!(with_demo_jwt("http://127.0.0.1:9000", SIMULATOR).is_ok());
    assert!(with_demo_jwt("http://sandbox:9000", &format!("{SIMULATOR}\n{INSECURE}")).is_ok());
}

#[test]
fn the_compose_stack_tenant_is_a_simulator_on_another_host() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/compose.toml");
    let text = std::fs::read_to_string(path).expect("config/compose.toml");

    let settings = Settings::from_toml_str(&text).expect("valid");

    let demo = &settings.tenants["demo"];
    let super::TenantEndpoint::Remote(endpoint) = &demo.endpoint else {
        panic!("{:?}", demo.endpoint);
    };
    assert_eq!(endpoint.url().as_str(), "http://sandbox:9000/");
    assert!(demo.is_simulator());
    assert_eq!((demo.simulator, demo.allow_insecure_http), (true, true));
}
