//! Role-based tenants over real HTTP: the gateway's own identity (an AccessKey of the
//! sandbox's demo account) assumes the tenant's RAM role on a standalone sandbox playing STS,
//! signs the tenant's calls with the temporary credentials, renews them before expiry (time
//! moved by a manual clock), keeps them through a failed renewal, answers 502
//! `upstream_credentials_unavailable` once they have expired, and fails start-up (or a reload)
//! on a role it may not assume, naming STS's code.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use workorder_sandbox::{Account, Role, SandboxConfig, SandboxHandle, StsConfig};

use crate::support::{self, READ_WRITE, TestGateway, demo_config, problem, set_faults};

const TENANT_UID: &str = "5000000000000005";
const ROLE_ARN: &str = "acs:ram::5000000000000005:role/workorder-gateway";
const EXTERNAL_ID: &str = "acme-ext-Zq81x";
const DEMO_UID: &str = "1000000000000001";

fn acme() -> Account {
    Account {
        access_key_id: "LTAIacmeOwn".to_owned(),
        access_key_secret: SecretString::from("acme-own-secret"),
        security_token: None,
        uid: TENANT_UID.to_owned(),
        emails: vec!["ops@acme.example".to_owned()],
        phones: Vec::new(),
    }
}

/// A standalone sandbox where acme's role trusts the demo account's uid, with the external id.
async fn sts_sandbox() -> SandboxHandle {
    workorder_sandbox::spawn(
        "127.0.0.1:0".parse().unwrap(),
        SandboxConfig {
            accounts: vec![acme()],
            engineer_delay: Duration::ZERO,
            workers: 1,
            sts: StsConfig {
                roles: vec![
                    Role {
                        account_uid: TENANT_UID.to_owned(),
                        name: "workorder-gateway".to_owned(),
                        trust: vec![DEMO_UID.to_owned()],
                        external_id: Some(SecretString::from(EXTERNAL_ID)),
                        max_session_secs: 3600,
                    },
                    Role {
                        account_uid: TENANT_UID.to_owned(),
                        name: "other".to_owned(),
                        trust: vec![DEMO_UID.to_owned()],
                        external_id: None,
                        max_session_secs: 3600,
                    },
                ],
                ..StsConfig::default()
            },
            ..SandboxConfig::default()
        },
    )
    .await
    .expect("sandbox starts")
}

/// The demo tenant on the embedded sandbox, plus acme signing with its role on `url`; the
/// gateway's identity is the demo account's AccessKey against `url`'s STS.
fn config(url: &str, role_arn: &str, external_id: &str) -> String {
    demo_config(&format!(
        r#"
[upstream]
max_attempts = 1
breaker_failure_threshold = 0
[identity]
source = "access_key"
sts_endpoint = "{url}"
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "sandbox-demo-secret"
[tenants.acme]
endpoint = "{url}"
simulator = true
role_arn = "{role_arn}"
external_id = "{external_id}"
session_duration_secs = 3600
default_email = "ops@acme.example"
"#
    ))
}

async fn issued_count(sandbox: &SandboxHandle) -> u64 {
    let health: serde_json::Value = reqwest::get(format!("{}/_sandbox/health", sandbox.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    health["issued_credentials"].as_u64().unwrap()
}

/// Waits (bounded) for a metrics line to appear: a renewal triggered by a call runs in the
/// background, so the call that triggered it does not wait for it.
async fn until_metric(gateway: &TestGateway, line: &str) -> String {
    for _ in 0..100 {
        let text = support::metrics_text(gateway).await;
        if text.lines().any(|l| l == line) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "metric line {line:?} never appeared:\n{}",
        support::metrics_text(gateway).await
    );
}

async fn list_status(gateway: &TestGateway, tenant: &str) -> reqwest::Response {
    let token = gateway.token(tenant, "alice", READ_WRITE);
    gateway.get("/tickets", &token).await
}

#[actix_web::test]
async fn a_role_tenant_signs_with_the_assumed_credentials_and_its_tickets_are_the_customers() {
    let sandbox = sts_sandbox().await;
    let toml = config(&sandbox.url(), ROLE_ARN, EXTERNAL_ID);
    let gateway = TestGateway::start(&toml).await;
    // Start-up assumed the role once.
    assert_eq!(issued_count(&sandbox).await, 1);

    let token = gateway.token("acme", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "filed through a role").await;
    // The ticket is in the customer's account: its own AccessKey sees it.
    let own = support::sandbox_tenant(
        "own",
        &sandbox.url(),
        "LTAIacmeOwn",
        "acme-own-secret",
        "v3",
        "ops@acme.example",
    );
    let own_toml = config(&sandbox.url(), ROLE_ARN, EXTERNAL_ID);
    let second = TestGateway::start(&format!("{own_toml}{own}")).await;
    let own_token = second.token("own", "bob", READ_WRITE);
    assert_eq!(second.ticket_ids("", &own_token).await, vec![id.clone()]);
    // The demo tenant keeps its AccessKey and the embedded sandbox.
    assert_eq!(list_status(&gateway, "demo").await.status(), 200);

    let text = support::metrics_text(&gateway).await;
    assert!(
        text.lines()
            .any(|l| l == r#"wog_credential_refreshes_total{tenant="acme",outcome="ok"} 1"#),
        "{text}"
    );
    let left: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix(r#"wog_credential_expiry_seconds{tenant="acme"} "#))
        .unwrap()
        .parse()
        .unwrap();
    assert!((3590..=3600).contains(&left), "{left}");
    assert!(!text.contains(EXTERNAL_ID));
    gateway.handle.shutdown().await;
    second.handle.shutdown().await;
    sandbox.stop().await;
}

#[actix_web::test]
async fn renewal_comes_before_expiry_survives_a_failed_renewal_and_fails_closed_once_expired() {
    let sandbox = sts_sandbox().await;
    let toml = config(&sandbox.url(), ROLE_ARN, EXTERNAL_ID);
    let settings = workorder_gateway::settings::Settings::from_toml_str(&toml).unwrap();
    let gateway =
        TestGateway::start_with_clock(settings, None, workorder_gateway::clock::Clock::manual())
            .await;
    assert_eq!(list_status(&gateway, "acme").await.status(), 200);

    // Past the refresh point (at most 75% of 3600 s): a call triggers the renewal, which STS
    // now refuses; the still-valid credentials keep serving.
    set_faults(
        &sandbox.url(),
        json!({ "error_rate": 1.0, "actions": ["AssumeRole"] }),
    )
    .await;
    gateway.clock.advance(Duration::from_secs(2750));
    assert_eq!(list_status(&gateway, "acme").await.status(), 200);
    until_metric(
        &gateway,
        r#"wog_credential_refreshes_total{tenant="acme",outcome="failed"} 1"#,
    )
    .await;
    assert_eq!(list_status(&gateway, "acme").await.status(), 200);

    // Past the expiry: nothing is sent, the tenant gets the new code, no secret in it.
    gateway.clock.advance(Duration::from_secs(900));
    let body = problem(
        list_status(&gateway, "acme").await,
        502,
        "upstream_credentials_unavailable",
    )
    .await;
    assert!(!body.to_string().contains(EXTERNAL_ID), "{body}");
    // Other tenants are untouched.
    assert_eq!(list_status(&gateway, "demo").await.status(), 200);

    // STS is back: after the backoff, many concurrent callers cause one AssumeRole.
    set_faults(&sandbox.url(), json!({})).await;
    let before = issued_count(&sandbox).await;
    gateway.clock.advance(Duration::from_secs(61));
    let calls = (0..8).map(|_| list_status(&gateway, "acme"));
    for response in futures_util::future::join_all(calls).await {
        let status = response.status();
        assert_eq!(status, 200, "{}", response.text().await.unwrap());
    }
    assert_eq!(issued_count(&sandbox).await, before + 1);
    until_metric(
        &gateway,
        r#"wog_credential_refreshes_total{tenant="acme",outcome="ok"} 2"#,
    )
    .await;
    gateway.handle.shutdown().await;
    sandbox.stop().await;
}

#[actix_web::test]
async fn start_up_refuses_a_role_the_gateway_may_not_assume_naming_stss_code() {
    let sandbox = sts_sandbox().await;
    for (role, external_id, code) in [
        (ROLE_ARN, "wrong-external-id", "NoPermission"),
        (
            "acs:ram::5000000000000005:role/absent",
            EXTERNAL_ID,
            "EntityNotExist.Role",
        ),
    ] {
        let toml = config(&sandbox.url(), role, external_id);
        let settings = workorder_gateway::settings::Settings::from_toml_str(&toml).unwrap();
        let error = workorder_gateway::app::Application::build(settings, None)
            .await
            .err()
            .expect("start-up refused")
            .to_string();
        assert!(error.contains("tenants.acme.role_arn"), "{error}");
        assert!(error.contains(code), "{error}");
        assert!(
            !error.contains(EXTERNAL_ID) && !error.contains("wrong-external-id"),
            "{error}"
        );
    }
    sandbox.stop().await;
}

#[actix_web::test]
async fn a_reload_keeps_unchanged_sessions_assumes_new_roles_and_refuses_one_it_may_not_assume() {
    let sandbox = sts_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gateway.toml");
    let toml = config(&sandbox.url(), ROLE_ARN, EXTERNAL_ID);
    std::fs::write(&path, &toml).unwrap();
    let settings = workorder_gateway::settings::Settings::load(Some(&path)).unwrap();
    let gateway = TestGateway::start_with(settings, Some(path.clone())).await;
    assert_eq!(issued_count(&sandbox).await, 1);

    // Nothing about the role changed: the running session is kept, STS is not called.
    std::fs::write(
        &path,
        toml.replace(
            "default_email = \"ops@acme.example\"",
            "language = \"en\"\ndefault_email = \"ops@acme.example\"",
        ),
    )
    .unwrap();
    gateway.handle.reload().await.expect("reloaded");
    assert_eq!(issued_count(&sandbox).await, 1);

    std::fs::write(&path, toml.replace(EXTERNAL_ID, "rotated-wrong")).unwrap();
    let refused = gateway.handle.reload().await.expect_err("refused");
    assert!(refused.to_string().contains("NoPermission"), "{refused}");
    assert_eq!(list_status(&gateway, "acme").await.status(), 200);

    let other = toml.replace(ROLE_ARN, "acs:ram::5000000000000005:role/other");
    std::fs::write(&path, other).unwrap();
    gateway.handle.reload().await.expect("reloaded");
    assert_eq!(issued_count(&sandbox).await, 2);
    assert_eq!(list_status(&gateway, "acme").await.status(), 200);
    gateway.handle.shutdown().await;
    sandbox.stop().await;
}

const GATEWAY_UID: &str = "6000000000000006";
const GATEWAY_ROLE: &str = "acs:ram::6000000000000006:role/gateway";
const PROVIDER_ARN: &str = "acs:ram::6000000000000006:oidc-provider/ack-rrsa";
const ISSUER: &str = "https://oidc.sandbox.example/cluster-1";

/// A sandbox where the gateway has an account of its own, whose role `gateway` is trusted by
/// the cluster's OIDC provider and held by an ECS instance; acme's role trusts that account.
async fn own_identity_sandbox() -> SandboxHandle {
    let gateway_account = Account {
        access_key_id: "LTAIgatewayAccount".to_owned(),
        access_key_secret: SecretString::from("gateway-account-secret"),
        security_token: None,
        uid: GATEWAY_UID.to_owned(),
        emails: vec!["ops@gateway.example".to_owned()],
        phones: Vec::new(),
    };
    let pem = std::fs::read_to_string(support::key_path("rsa_a_public.pem")).unwrap();
    workorder_sandbox::spawn(
        "127.0.0.1:0".parse().unwrap(),
        SandboxConfig {
            accounts: vec![acme(), gateway_account],
            engineer_delay: Duration::ZERO,
            workers: 1,
            sts: StsConfig {
                roles: vec![
                    Role {
                        account_uid: TENANT_UID.to_owned(),
                        name: "workorder-gateway".to_owned(),
                        trust: vec![GATEWAY_UID.to_owned()],
                        external_id: Some(SecretString::from(EXTERNAL_ID)),
                        max_session_secs: 3600,
                    },
                    Role {
                        account_uid: GATEWAY_UID.to_owned(),
                        name: "gateway".to_owned(),
                        trust: vec![PROVIDER_ARN.to_owned()],
                        external_id: None,
                        max_session_secs: 3600,
                    },
                ],
                oidc_providers: vec![workorder_sandbox::OidcProvider {
                    arn: PROVIDER_ARN.to_owned(),
                    issuer: ISSUER.to_owned(),
                    audience: vec!["sts.aliyuncs.com".to_owned()],
                    public_key_pem: pem,
                    account_uid: GATEWAY_UID.to_owned(),
                }],
                max_lifetime: None,
            },
            metadata: Some(workorder_sandbox::MetadataConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                role_arn: GATEWAY_ROLE.to_owned(),
                require_token: true,
            }),
            ..SandboxConfig::default()
        },
    )
    .await
    .expect("sandbox starts")
}

fn acme_by_role(url: &str, identity: &str) -> String {
    demo_config(&format!(
        r#"
[identity]
sts_endpoint = "{url}"
{identity}
[tenants.acme]
endpoint = "{url}"
simulator = true
role_arn = "{ROLE_ARN}"
external_id = "{EXTERNAL_ID}"
default_email = "ops@acme.example"
"#
    ))
}

fn projected_token(audience: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "iss": ISSUER,
        "aud": audience,
        "sub": "system:serviceaccount:wog:workorder-gateway",
        "iat": now,
        "exp": now + 3600,
    });
    let pem = std::fs::read_to_string(support::key_path("rsa_a_private.pem")).unwrap();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

#[actix_web::test]
async fn an_ecs_instance_role_is_the_gateways_identity_through_the_metadata_service() {
    let sandbox = own_identity_sandbox().await;
    let metadata = sandbox.metadata_url().unwrap();
    let toml = acme_by_role(
        &sandbox.url(),
        // STS signed V3 here (role chaining: the instance's token as x-acs-security-token).
        &format!("source = \"ecs_ram_role\"\nsignature = \"v3\"\nmetadata_url = \"{metadata}\""),
    );
    let gateway = TestGateway::start(&toml).await;
    assert_eq!(list_status(&gateway, "acme").await.status(), 200);
    // The instance's session, then acme's role assumed with it (role chaining).
    assert_eq!(issued_count(&sandbox).await, 2);
    let text = support::metrics_text(&gateway).await;
    assert!(
        text.lines()
            .any(|l| l == r#"wog_credential_refreshes_total{tenant="[identity]",outcome="ok"} 1"#),
        "{text}"
    );
    gateway.handle.shutdown().await;
    sandbox.stop().await;
}

#[actix_web::test]
async fn rrsa_trades_the_projected_token_and_rereads_it_at_every_renewal() {
    let sandbox = own_identity_sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, projected_token("sts.aliyuncs.com")).unwrap();
    let toml = acme_by_role(
        &sandbox.url(),
        &format!(
            "source = \"oidc\"\nrole_arn = \"{GATEWAY_ROLE}\"\noidc_provider_arn = \"{PROVIDER_ARN}\"\noidc_token_file = \"{}\"",
            token_file.display()
        ),
    );
    let settings = workorder_gateway::settings::Settings::from_toml_str(&toml).unwrap();
    let gateway =
        TestGateway::start_with_clock(settings, None, workorder_gateway::clock::Clock::manual())
            .await;
    assert_eq!(list_status(&gateway, "acme").await.status(), 200);
    assert_eq!(issued_count(&sandbox).await, 2);

    // kubelet rotated the token (to one STS refuses, so the re-read shows): past the renewal
    // point, the gateway's session renewal fails on it while acme's renewal still works with
    // the gateway's still-valid session.
    std::fs::write(&token_file, projected_token("someone-else")).unwrap();
    gateway.clock.advance(Duration::from_secs(2750));
    assert_eq!(list_status(&gateway, "acme").await.status(), 200);
    until_metric(
        &gateway,
        r#"wog_credential_refreshes_total{tenant="[identity]",outcome="failed"} 1"#,
    )
    .await;
    until_metric(
        &gateway,
        r#"wog_credential_refreshes_total{tenant="acme",outcome="ok"} 2"#,
    )
    .await;
    gateway.handle.shutdown().await;
    sandbox.stop().await;
}
