//! STS on the sandbox endpoint over real HTTP: AssumeRole (v1 and V3 signed), the credentials
//! it issues working on the Workorder side until they expire, role chaining,
//! GetCallerIdentity, AssumeRoleWithOIDC with real JWT verification, and the error codes.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{Value, json};
use time::OffsetDateTime;
use workorder_api::request::{CallSpec, sign_api_call};
use workorder_api::sts::{STS_VERSION, anonymous_oidc_call};
use workorder_api::{Credentials, SignatureVersion};
use workorder_sandbox::{Account, OidcProvider, Role, SandboxConfig, StsConfig};

use super::helpers::{Reply, Sandbox, alpha, config, credentials, fresh_nonce, start_with};

const TENANT_UID: &str = "4000000000000004";
const ROLE_ARN: &str = "acs:ram::4000000000000004:role/workorder-gateway";
const EXTERNAL_ID: &str = "tenant-ext-7Q2";
const PROVIDER_ARN: &str = "acs:ram::4000000000000004:oidc-provider/ack-rrsa";
const ISSUER: &str = "https://oidc.sandbox.example/cluster-1";

fn key(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn tenant() -> Account {
    Account {
        access_key_id: "LTAItenant".to_owned(),
        access_key_secret: SecretString::from("tenant-secret"),
        security_token: None,
        uid: TENANT_UID.to_owned(),
        emails: vec!["ops@tenant.example".to_owned()],
        phones: Vec::new(),
    }
}

/// The tenant's role trusts alpha's account (with the external id) and the OIDC provider; a
/// second role trusts the tenant's own account (for chaining).
fn sts_config(max_lifetime: Option<Duration>) -> SandboxConfig {
    let mut config = config();
    config.accounts.push(tenant());
    config.sts = StsConfig {
        roles: vec![
            Role {
                account_uid: TENANT_UID.to_owned(),
                name: "workorder-gateway".to_owned(),
                trust: vec![alpha().uid, PROVIDER_ARN.to_owned()],
                external_id: Some(SecretString::from(EXTERNAL_ID)),
                max_session_secs: 7200,
            },
            Role {
                account_uid: TENANT_UID.to_owned(),
                name: "chained".to_owned(),
                trust: vec![TENANT_UID.to_owned()],
                external_id: None,
                max_session_secs: 3600,
            },
        ],
        oidc_providers: vec![OidcProvider {
            arn: PROVIDER_ARN.to_owned(),
            issuer: ISSUER.to_owned(),
            audience: vec!["sts.aliyuncs.com".to_owned()],
            public_key_pem: key("rsa_a_public.pem"),
            account_uid: TENANT_UID.to_owned(),
        }],
        max_lifetime,
    };
    config
}

/// Business parameters of one call.
type Params = Vec<(&'static str, String)>;

fn alpha_credentials() -> Credentials {
    credentials("LTAIalpha", "alpha-secret")
}

fn assume_params(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut pairs = vec![
        ("RoleArn", ROLE_ARN.to_owned()),
        ("RoleSessionName", "wog-tenant".to_owned()),
        ("ExternalId", EXTERNAL_ID.to_owned()),
    ];
    for (name, value) in extra {
        pairs.retain(|(k, _)| k != name);
        if !value.is_empty() {
            pairs.push((name, (*value).to_owned()));
        }
    }
    pairs
}

async fn sts_call(
    sandbox: &Sandbox,
    version: SignatureVersion,
    credentials: &Credentials,
    action: &str,
    params: &[(&'static str, String)],
) -> Reply {
    let signed = sign_api_call(
        version,
        STS_VERSION,
        credentials,
        &CallSpec {
            action,
            params,
            host: &sandbox.host(),
            timestamp: OffsetDateTime::now_utc(),
            nonce: &fresh_nonce(),
        },
    );
    sandbox.send(&signed).await
}

fn issued(reply: &Reply) -> Credentials {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let c = &reply.body["Credentials"];
    Credentials::new(
        c["AccessKeyId"].as_str().unwrap(),
        SecretString::from(c["AccessKeySecret"].as_str().unwrap().to_owned()),
    )
    .with_security_token(SecretString::from(
        c["SecurityToken"].as_str().unwrap().to_owned(),
    ))
}

#[actix_web::test]
async fn assume_role_issues_credentials_that_act_as_the_tenant_until_they_expire() {
    let sandbox = start_with(sts_config(Some(Duration::from_secs(2)))).await;
    let reply = sts_call(
        &sandbox,
        SignatureVersion::V1,
        &alpha_credentials(),
        "AssumeRole",
        &assume_params(&[("DurationSeconds", "900")]),
    )
    .await;
    let temporary = issued(&reply);
    assert!(temporary.access_key_id().starts_with("STS."));
    assert!(temporary.security_token().unwrap().starts_with("CAIS"));
    let expiration = reply.body["Credentials"]["Expiration"].as_str().unwrap();
    let expires_at = workorder_api::sts::parse_expiration(expiration).unwrap();
    let left = expires_at - OffsetDateTime::now_utc();
    assert!(left <= time::Duration::seconds(2), "{expiration}");
    assert_eq!(
        reply.body["AssumedRoleUser"]["Arn"],
        json!(format!("{ROLE_ARN}/wog-tenant"))
    );
    assert!(
        reply.body["AssumedRoleUser"]["AssumedRoleId"]
            .as_str()
            .unwrap()
            .ends_with(":wog-tenant")
    );

    // A ticket created with the temporary credentials is the tenant's.
    let created = sandbox
        .call(
            SignatureVersion::V3,
            &temporary,
            "CreateTicket",
            &super::helpers::params(&[
                ("ProductCode", "ecs"),
                ("Category", "793"),
                ("Content", "made through a role"),
                ("Email", "ops@tenant.example"),
            ]),
        )
        .await;
    let ticket = created.assert_ok().as_str().unwrap().to_owned();
    let listed = sandbox
        .call(
            SignatureVersion::V1,
            &credentials("LTAItenant", "tenant-secret"),
            "ListTickets",
            &[],
        )
        .await;
    assert_eq!(listed.assert_ok()["List"][0]["Id"], json!(ticket));

    let identity = sts_call(
        &sandbox,
        SignatureVersion::V3,
        &temporary,
        "GetCallerIdentity",
        &[],
    )
    .await;
    assert_eq!(identity.status, 200, "{}", identity.body);
    assert_eq!(identity.body["IdentityType"], json!("AssumedRoleUser"));
    assert_eq!(identity.body["AccountId"], json!(TENANT_UID));
    assert_eq!(
        identity.body["Arn"],
        json!("acs:ram::4000000000000004:assumed-role/workorder-gateway/wog-tenant")
    );

    // Without its token the id is refused; after the expiry, the real expired-token error.
    let tokenless = Credentials::new(
        temporary.access_key_id(),
        SecretString::from(temporary.access_key_secret().to_owned()),
    );
    sandbox
        .call(SignatureVersion::V1, &tokenless, "ListTickets", &[])
        .await
        .assert_error(400, "MissingSecurityToken");
    let wait = (expires_at - OffsetDateTime::now_utc()).max(time::Duration::ZERO);
    tokio::time::sleep(Duration::try_from(wait).unwrap() + Duration::from_millis(50)).await;
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        sandbox
            .call(version, &temporary, "ListTickets", &[])
            .await
            .assert_error(403, "InvalidSecurityToken.Expired");
    }
    sandbox.stop().await;
}

#[actix_web::test]
async fn v3_signed_assume_role_and_role_chaining_work() {
    let sandbox = start_with(sts_config(None)).await;
    let reply = sts_call(
        &sandbox,
        SignatureVersion::V3,
        &alpha_credentials(),
        "AssumeRole",
        &assume_params(&[("DurationSeconds", "7200")]),
    )
    .await;
    let first = issued(&reply);
    // A pretty-printed session policy (spaces, newlines, quotes) signs and verifies like any
    // value: `%20`, never a form-encoded `+`, in the string to sign.
    let policy = "{\n  \"Version\": \"1\",\n  \"Statement\": [ { \"Effect\": \"Allow\", \"Action\": \"workorder:*\", \"Resource\": \"*\" } ]\n}";
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let narrowed = sts_call(
            &sandbox,
            version,
            &alpha_credentials(),
            "AssumeRole",
            &assume_params(&[("Policy", policy)]),
        )
        .await;
        issued(&narrowed);
    }
    let expires_at = workorder_api::sts::parse_expiration(
        reply.body["Credentials"]["Expiration"].as_str().unwrap(),
    )
    .unwrap();
    let left = (expires_at - OffsetDateTime::now_utc()).whole_seconds();
    assert!((7195..=7200).contains(&left), "{left}");

    // The first role's credentials are the tenant's account: the chained role trusts it.
    let chained = sts_call(
        &sandbox,
        SignatureVersion::V1,
        &first,
        "AssumeRole",
        &super::helpers::params(&[
            ("RoleArn", "acs:ram::4000000000000004:role/chained"),
            ("RoleSessionName", "chain"),
        ]),
    )
    .await;
    let second = issued(&chained);
    sandbox
        .call(SignatureVersion::V1, &second, "ListTickets", &[])
        .await
        .assert_ok();
    sandbox.stop().await;
}

#[actix_web::test]
async fn assume_role_refusals_carry_the_sts_codes() {
    let sandbox = start_with(sts_config(None)).await;
    let alpha = alpha_credentials();
    let long_policy = format!("{{\"Statement\":[],\"Pad\":\"{}\"}}", "x".repeat(2100));
    let cases: Vec<(Params, u16, &str)> = vec![
        (
            assume_params(&[("ExternalId", "wrong-ext")]),
            403,
            "NoPermission",
        ),
        (assume_params(&[("ExternalId", "")]), 403, "NoPermission"),
        (
            assume_params(&[("RoleArn", "acs:ram::4000000000000004:role/absent")]),
            404,
            "EntityNotExist.Role",
        ),
        (
            assume_params(&[("RoleArn", "arn:aws:iam::1:role/x")]),
            400,
            "InvalidParameter.RoleArn",
        ),
        (
            assume_params(&[("RoleSessionName", "has space")]),
            400,
            "InvalidParameter.RoleSessionName",
        ),
        (
            assume_params(&[("DurationSeconds", "899")]),
            400,
            "InvalidParameter.DurationSeconds",
        ),
        (
            assume_params(&[("DurationSeconds", "7201")]),
            400,
            "InvalidParameter.DurationSeconds",
        ),
        (
            assume_params(&[("Policy", "{not json")]),
            400,
            "InvalidParameter.PolicyGrammar",
        ),
        (
            assume_params(&[("Policy", &long_policy)]),
            400,
            "InvalidParameter.PolicySize",
        ),
        (
            assume_params(&[("ExternalId", "bad external id")]),
            400,
            "InvalidParameter.ExternalId",
        ),
        (assume_params(&[("RoleArn", "")]), 400, "MissingParameter"),
    ];
    for (params, status, code) in cases {
        sts_call(
            &sandbox,
            SignatureVersion::V1,
            &alpha,
            "AssumeRole",
            &params,
        )
        .await
        .assert_error(status, code);
    }
    // The demo account is not trusted by the role.
    sts_call(
        &sandbox,
        SignatureVersion::V1,
        &super::helpers::demo_credentials(),
        "AssumeRole",
        &assume_params(&[]),
    )
    .await
    .assert_error(403, "NoPermission");
    // A bad signature is refused before anything is issued.
    sts_call(
        &sandbox,
        SignatureVersion::V1,
        &credentials("LTAIalpha", "not-the-secret"),
        "AssumeRole",
        &assume_params(&[]),
    )
    .await
    .assert_error(400, "SignatureDoesNotMatch");
    // STS actions exist only under STS's version, and Workorder's only under theirs.
    sandbox
        .call(
            SignatureVersion::V1,
            &alpha,
            "AssumeRole",
            &assume_params(&[]),
        )
        .await
        .assert_error(404, "InvalidApi.NotFound");
    sts_call(&sandbox, SignatureVersion::V1, &alpha, "ListTickets", &[])
        .await
        .assert_error(404, "InvalidApi.NotFound");
    let health = sandbox.admin_get("/_sandbox/health").await;
    assert_eq!(health["issued_credentials"], json!(0));
    // The two configured roles and the built-in demo role.
    assert_eq!(health["roles"], json!(3));
    sandbox.stop().await;
}

fn oidc_token(private_key: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        claims,
        &EncodingKey::from_rsa_pem(key(private_key).as_bytes()).unwrap(),
    )
    .unwrap()
}

fn claims(overrides: &[(&str, Value)]) -> Value {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let mut claims = json!({
        "iss": ISSUER,
        "aud": "sts.aliyuncs.com",
        "sub": "system:serviceaccount:wog:workorder-gateway",
        "iat": now,
        "exp": now + 600,
    });
    for (name, value) in overrides {
        claims[*name] = value.clone();
    }
    claims
}

async fn oidc_call(sandbox: &Sandbox, provider: &str, role: &str, token: &str) -> Reply {
    let params = workorder_api::sts::oidc_pairs(provider, role, token, "wog-pod", 900);
    let mut signed = anonymous_oidc_call(&CallSpec {
        action: workorder_api::sts::ASSUME_ROLE_WITH_OIDC,
        params: &params,
        host: &sandbox.host(),
        timestamp: OffsetDateTime::now_utc(),
        nonce: &fresh_nonce(),
    });
    let reply = sandbox.send(&signed).await;
    signed.wipe();
    reply
}

#[actix_web::test]
async fn assume_role_with_oidc_verifies_the_token_for_real() {
    let sandbox = start_with(sts_config(None)).await;
    let good = oidc_token("rsa_a_private.pem", &claims(&[]));
    let reply = oidc_call(&sandbox, PROVIDER_ARN, ROLE_ARN, &good).await;
    let temporary = issued(&reply);
    assert_eq!(
        reply.body["OIDCTokenInfo"]["Subject"],
        json!("system:serviceaccount:wog:workorder-gateway")
    );
    assert_eq!(
        reply.body["OIDCTokenInfo"]["ClientIds"],
        json!("sts.aliyuncs.com")
    );
    assert_eq!(reply.body["OIDCTokenInfo"]["Issuer"], json!(ISSUER));
    sandbox
        .call(SignatureVersion::V3, &temporary, "ListTickets", &[])
        .await
        .assert_ok();

    let now = OffsetDateTime::now_utc().unix_timestamp();
    let cases = [
        (
            oidc_token("rsa_b_private.pem", &claims(&[])),
            "AuthenticationFail.OIDCToken.InvalidSignature",
        ),
        (
            oidc_token(
                "rsa_a_private.pem",
                &claims(&[("aud", json!("someone-else"))]),
            ),
            "AuthenticationFail.OIDCToken.AudienceNotMatch",
        ),
        (
            oidc_token(
                "rsa_a_private.pem",
                &claims(&[("iss", json!("https://evil.example"))]),
            ),
            "AuthenticationFail.OIDCToken.IssuerNotMatch",
        ),
        (
            oidc_token("rsa_a_private.pem", &claims(&[("exp", json!(now - 5))])),
            "AuthenticationFail.OIDCToken.Expired",
        ),
        (
            "not-a-jwt".to_owned(),
            "AuthenticationFail.OIDCToken.Invalid",
        ),
        (String::new(), "AuthenticationFail.OIDCToken.Invalid"),
    ];
    for (token, code) in cases {
        oidc_call(&sandbox, PROVIDER_ARN, ROLE_ARN, &token)
            .await
            .assert_error(401, code);
    }
    oidc_call(
        &sandbox,
        "acs:ram::4000000000000004:oidc-provider/absent",
        ROLE_ARN,
        &good,
    )
    .await
    .assert_error(401, "AuthenticationFail.NoPermission");
    // The chained role does not trust the provider.
    oidc_call(
        &sandbox,
        PROVIDER_ARN,
        "acs:ram::4000000000000004:role/chained",
        &good,
    )
    .await
    .assert_error(401, "AuthenticationFail.NoPermission");
    oidc_call(
        &sandbox,
        PROVIDER_ARN,
        "acs:ram::4000000000000004:role/absent",
        &good,
    )
    .await
    .assert_error(404, "EntityNotExist.Role");
    sandbox.stop().await;
}

#[actix_web::test]
async fn the_metadata_service_hands_out_the_instance_roles_credentials_on_its_own_listener() {
    let mut config = sts_config(None);
    config.metadata = Some(workorder_sandbox::MetadataConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        role_arn: "acs:ram::4000000000000004:role/chained".to_owned(),
        require_token: true,
    });
    let sandbox = start_with(config).await;
    let base = sandbox.handle.metadata_url().expect("metadata listener");
    assert_ne!(base, sandbox.handle.url());
    let http = &sandbox.http;
    let creds_path = format!("{base}/latest/meta-data/ram/security-credentials/");

    // Hardened: nothing without a token, and a TTL must be 1..=21600.
    assert_eq!(http.get(&creds_path).send().await.unwrap().status(), 401);
    for ttl in ["0", "21601", "x"] {
        let refused = http
            .put(format!("{base}/latest/api/token"))
            .header("X-aliyun-ecs-metadata-token-ttl-seconds", ttl)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{ttl}");
    }
    let token = http
        .put(format!("{base}/latest/api/token"))
        .header("X-aliyun-ecs-metadata-token-ttl-seconds", "21600")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let with_token = |url: String| {
        http.get(url)
            .header("X-aliyun-ecs-metadata-token", token.as_str())
            .send()
    };
    let role = with_token(creds_path.clone())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(role, "chained");
    assert_eq!(
        with_token(format!("{creds_path}absent"))
            .await
            .unwrap()
            .status(),
        404
    );
    let document: Value = with_token(format!("{creds_path}chained"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["Code"], json!("Success"));
    let issued =
        workorder_api::sts::decode_metadata_credentials(document.to_string().as_bytes()).unwrap();
    // The same set until it is half spent.
    let again: Value = with_token(format!("{creds_path}chained"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["AccessKeyId"], document["AccessKeyId"]);
    // They act as the role's account on the Workorder side.
    sandbox
        .call(
            SignatureVersion::V1,
            &issued.credentials,
            "ListTickets",
            &[],
        )
        .await
        .assert_ok();
    let health = sandbox.admin_get("/_sandbox/health").await;
    assert_eq!(health["metadata_tokens"], json!(1));
    sandbox.stop().await;
}
