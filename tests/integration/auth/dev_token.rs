//! Development tokens round-trip through the authenticator.

use std::time::Duration;

use secrecy::SecretString;
use workorder_gateway::auth::{
    AuthConfig, DevTokenError, DevTokenOptions, Permission, mint_dev_token,
};

use super::support::*;

#[tokio::test]
async fn dev_token_round_trips_through_authenticate() {
    let config = AuthConfig {
        issuer: Some("workorder-gateway-dev".to_owned()),
        audience: Some("workorder-gateway".to_owned()),
        tenant_claim: "org".to_owned(),
        roles_claim: "perms".to_owned(),
        ..hs_config()
    };
    let options = DevTokenOptions {
        roles: vec!["tickets:read".to_owned(), "tickets:write".to_owned()],
        ttl: Duration::from_secs(600),
        tenant_claim: "org".to_owned(),
        roles_claim: "perms".to_owned(),
        issuer: Some("workorder-gateway-dev".to_owned()),
        audience: Some("workorder-gateway".to_owned()),
        ..DevTokenOptions::new("demo", "alice")
    };
    let auth = authenticator(config).await;

    let token = mint_dev_token(&SecretString::from(SECRET), &options).unwrap();
    let claims = auth.authenticate(Some(&bearer(&token))).await.unwrap();

    assert_eq!(
        (claims.subject.as_str(), claims.tenant.as_str()),
        ("alice", "demo")
    );
    assert!(claims.permissions.contains(Permission::TicketsRead));
    assert!(claims.permissions.contains(Permission::TicketsWrite));
}

#[tokio::test]
async fn dev_token_expires_after_its_ttl() {
    let auth = authenticator(AuthConfig {
        leeway: Duration::ZERO,
        ..hs_config()
    })
    .await;
    let options = DevTokenOptions {
        ttl: Duration::ZERO,
        ..DevTokenOptions::new("demo", "alice")
    };

    let token = mint_dev_token(&SecretString::from(SECRET), &options).unwrap();

    assert_eq!(
        auth.authenticate(Some(&bearer(&token))).await.unwrap_err(),
        workorder_gateway::auth::AuthError::Expired
    );
}

#[test]
fn dev_token_refuses_unknown_roles_empty_names_and_short_secrets() {
    let secret = SecretString::from(SECRET);
    let typo = DevTokenOptions {
        roles: vec!["ticket:read".to_owned()],
        ..DevTokenOptions::new("demo", "alice")
    };

    let unknown = mint_dev_token(&secret, &typo).unwrap_err();
    let empty = mint_dev_token(&secret, &DevTokenOptions::new("", "alice")).unwrap_err();
    let short = mint_dev_token(
        &SecretString::from("dev"),
        &DevTokenOptions::new("demo", "alice"),
    )
    .unwrap_err();

    assert!(matches!(unknown, DevTokenError::UnknownRole(ref r) if r == "ticket:read"));
    assert!(matches!(empty, DevTokenError::Empty("tenant")));
    assert!(matches!(short, DevTokenError::WeakSecret(_)));
}
