//! Permissions come from the roles claim (its name configurable) or the OAuth `scope`.

use serde_json::json;

use super::*;
use crate::support::{TestGateway, problem};

#[tokio::test]
async fn oauth_scope_grants_permissions_like_the_roles_claim() {
    let gateway = hs_gateway().await;

    let by_scope = hs256(&claims(
        json!({ "roles": null, "scope": "openid tickets:read" }),
    ));
    let neither = hs256(&claims(json!({ "roles": null })));
    let wrong_role = hs256(&claims(json!({ "roles": ["tickets:write"] })));
    let wrong_scope = hs256(&claims(json!({ "roles": null, "scope": "tickets:write" })));

    assert_accepted(&gateway, &by_scope).await;
    for token in [neither, wrong_role, wrong_scope] {
        problem(gateway.get("/tickets", &token).await, 403, "forbidden").await;
    }
}

#[tokio::test]
async fn a_configured_roles_claim_name_is_read_instead_of_roles() {
    let gateway = TestGateway::start(&auth_config(r#"roles_claim = "permissions""#, true)).await;

    let custom = hs256(&claims(
        json!({ "roles": null, "permissions": ["tickets:read"] }),
    ));
    let default_name = hs256(&claims(json!({})));

    assert_accepted(&gateway, &custom).await;
    problem(
        gateway.get("/tickets", &default_name).await,
        403,
        "forbidden",
    )
    .await;
}
