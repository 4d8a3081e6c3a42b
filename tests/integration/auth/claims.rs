//! Permissions from roles and scope, custom claim names, and the leeway on `exp` / `nbf`.

use std::time::Duration;

use serde_json::json;
use workorder_gateway::auth::{AuthConfig, AuthError, Permission};

use super::support::*;

#[tokio::test]
async fn permissions_are_the_union_of_roles_and_scope_ignoring_unknown_names() {
    let auth = authenticator(hs_config()).await;
    let read = [Permission::TicketsRead].as_slice();
    let write = [Permission::TicketsWrite].as_slice();
    let both = [Permission::TicketsRead, Permission::TicketsWrite].as_slice();
    let cases = [
        (json!(["tickets:read"]), json!(null), read),
        (json!(null), json!("openid tickets:write"), write),
        (
            json!(["tickets:read"]),
            json!("tickets:write profile"),
            both,
        ),
        (
            json!(["admin", "tickets:delete"]),
            json!("openid"),
            [].as_slice(),
        ),
        (json!([]), json!(null), [].as_slice()),
        (json!("tickets:read tickets:write"), json!(null), both),
    ];
    for (roles, scope, expected) in cases {
        let mut claims = claims_with("roles", roles.clone());
        if !scope.is_null() {
            claims["scope"] = scope.clone();
        }

        let got = auth
            .authenticate(Some(&bearer(&hs256(&claims))))
            .await
            .unwrap();

        assert_eq!(
            got.permissions.iter().collect::<Vec<_>>(),
            expected,
            "roles {roles}, scope {scope}"
        );
        for p in Permission::ALL {
            assert_eq!(got.permissions.contains(p), expected.contains(&p));
        }
    }
}

#[tokio::test]
async fn tenant_and_roles_are_read_from_the_configured_claim_names() {
    let config = AuthConfig {
        tenant_claim: "https://example.com/org".to_owned(),
        roles_claim: "perms".to_owned(),
        ..hs_config()
    };
    let auth = authenticator(config).await;
    let token = hs256(&json!({
        "sub": "bob",
        "https://example.com/org": "acme",
        "perms": ["tickets:write"],
        "tenant": "demo",
        "roles": ["tickets:read"],
        "exp": now() + 60,
    }));

    let claims = auth.authenticate(Some(&bearer(&token))).await.unwrap();

    assert_eq!(claims.tenant, "acme");
    assert_eq!(
        claims.permissions.iter().collect::<Vec<_>>(),
        [Permission::TicketsWrite]
    );
}

#[tokio::test]
async fn leeway_accepts_small_clock_skew_and_nothing_beyond() {
    let with_leeway = |secs| AuthConfig {
        leeway: Duration::from_secs(secs),
        ..hs_config()
    };
    let cases = [
        (30, "exp", now() - 10, Ok(())),
        (30, "exp", now() - 60, Err(AuthError::Expired)),
        (0, "exp", now() - 10, Err(AuthError::Expired)),
        (30, "nbf", now() + 10, Ok(())),
        (30, "nbf", now() + 60, Err(AuthError::NotYetValid)),
        (0, "nbf", now() + 10, Err(AuthError::NotYetValid)),
        (0, "nbf", now() - 1, Ok(())),
    ];
    for (leeway, claim, at, expected) in cases {
        let auth = authenticator(with_leeway(leeway)).await;
        let token = hs256(&claims_with(claim, json!(at)));

        let got = auth.authenticate(Some(&bearer(&token))).await.map(|_| ());

        assert_eq!(got, expected, "{claim} {at} with leeway {leeway}");
    }
}

#[tokio::test]
async fn fractional_numeric_dates_are_accepted() {
    let auth = authenticator(hs_config()).await;
    let token = hs256(&claims_with("exp", json!(now() as f64 + 120.5)));

    assert!(auth.authenticate(Some(&bearer(&token))).await.is_ok());
}

#[tokio::test]
async fn escaped_strings_in_claims_are_decoded() {
    let auth = authenticator(hs_config()).await;
    let token = hs256(&claims_with("sub", json!("al\"ice\u{e9}")));

    let claims = auth.authenticate(Some(&bearer(&token))).await.unwrap();

    assert_eq!(claims.subject, "al\"ice\u{e9}");
}

#[tokio::test]
async fn claim_names_are_compared_after_json_unescaping() {
    let auth = authenticator(hs_config()).await;
    let exp = now() + 60;
    let escaped = format!(r#"{{"s\u0075b":"alice","tenant":"demo","exp":{exp}}}"#);
    let duplicated =
        format!(r#"{{"sub":"mallory","s\u0075b":"alice","tenant":"demo","exp":{exp}}}"#);
    let sign_hs = |payload: &str| {
        bearer(&sign_raw(
            r#"{"alg":"HS256"}"#,
            payload,
            &hs_key(),
            jsonwebtoken::Algorithm::HS256,
        ))
    };

    let read = auth.authenticate(Some(&sign_hs(&escaped))).await;
    let ambiguous = auth.authenticate(Some(&sign_hs(&duplicated))).await;

    assert_eq!(read.unwrap().subject, "alice");
    assert_eq!(ambiguous.unwrap_err(), AuthError::Malformed);
}
