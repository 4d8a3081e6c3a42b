//! Redaction of temporary credentials: a role-based tenant's external id, the gateway's own
//! AccessKey secret, and the STS tokens the sandbox issues (they all start with `CAIS`) never
//! reach the logs — not at start-up, not on renewal, not when a renewal fails and the tenant
//! gets 502 `upstream_credentials_unavailable`, not in a refused reload.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use workorder_sandbox::{Role, SandboxConfig, StsConfig};

use crate::fixture::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL};
use crate::logs::{self, fresh_request_id};
use crate::support::{READ_WRITE, TestGateway, account, set_faults, token};

const EXTERNAL_ID: &str = "ops-external-id-5e0c7a1b93";

#[tokio::test]
async fn role_credentials_and_external_ids_never_appear_in_the_logs() {
    logs::capture();
    let mut tenant = account(ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL);
    tenant.uid = "7000000000000007".to_owned();
    let role_arn = format!("acs:ram::{}:role/workorder-gateway", tenant.uid);
    let sandbox = workorder_sandbox::spawn(
        "127.0.0.1:0".parse().unwrap(),
        SandboxConfig {
            engineer_delay: Duration::ZERO,
            workers: 1,
            sts: StsConfig {
                roles: vec![Role {
                    account_uid: tenant.uid.clone(),
                    name: "workorder-gateway".to_owned(),
                    trust: vec!["1000000000000001".to_owned()],
                    external_id: Some(SecretString::from(EXTERNAL_ID)),
                    max_session_secs: 3600,
                }],
                ..StsConfig::default()
            },
            accounts: vec![tenant],
            ..SandboxConfig::default()
        },
    )
    .await
    .unwrap();
    let url = sandbox.url();
    let toml = format!(
        r#"
[server]
listen = "127.0.0.1:0"
workers = 1
[auth]
hs256_secret = "{secret}"
[limits]
requests_per_second = 0
failed_auth_per_minute = 0
[shutdown]
drain_delay_secs = 0
timeout_secs = 5
[upstream]
max_attempts = 1
[identity]
source = "access_key"
sts_endpoint = "{url}"
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "sandbox-demo-secret"
[tenants.rolex]
endpoint = "{url}"
simulator = true
role_arn = "{role_arn}"
external_id = "{EXTERNAL_ID}"
default_email = "{EMAIL}"
"#,
        secret = crate::support::SECRET,
    );
    let settings = workorder_gateway::settings::Settings::from_toml_str(&toml).unwrap();
    let gateway =
        TestGateway::start_with_clock(settings, None, workorder_gateway::clock::Clock::manual())
            .await;
    let user = token("rolex", "alice-roles", READ_WRITE);
    let get = |request_id: String| {
        gateway
            .http
            .get(format!("{}/tickets", gateway.url))
            .bearer_auth(&user)
            .header("x-request-id", request_id)
            .send()
    };
    assert_eq!(
        get(fresh_request_id("role-ok")).await.unwrap().status(),
        200
    );

    // A failed renewal, then expiry: warnings and a 502, none quoting a secret.
    set_faults(
        &url,
        json!({ "error_rate": 1.0, "actions": ["AssumeRole"] }),
    )
    .await;
    gateway.clock.advance(Duration::from_secs(3700));
    let expired = get(fresh_request_id("role-expired")).await.unwrap();
    assert_eq!(expired.status(), 502);
    // STS back: renewed after the backoff.
    set_faults(&url, json!({})).await;
    gateway.clock.advance(Duration::from_secs(61));
    assert_eq!(
        get(fresh_request_id("role-renewed"))
            .await
            .unwrap()
            .status(),
        200
    );

    let output = logs::text();
    assert!(
        output.contains("temporary credentials not renewed"),
        "the failure was logged"
    );
    assert!(
        output.contains("temporary credentials renewed"),
        "the renewal was logged"
    );
    for needle in [
        EXTERNAL_ID,
        "sandbox-demo-secret",
        "CAIS",
        ACCESS_KEY_SECRET,
    ] {
        assert!(
            !output.contains(needle),
            "a secret reached the logs: {needle}"
        );
    }
    gateway.handle.shutdown().await;
    sandbox.stop().await;
}
