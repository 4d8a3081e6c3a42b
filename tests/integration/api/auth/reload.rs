//! A configuration reload (`AppHandle::reload`, what SIGHUP and the file watch run) never
//! leaves the gateway without JWKS keys: with `jwks_url` unchanged and the IdP down, the running
//! keys are carried over; a new `jwks_url` that cannot be fetched refuses the reload and the old
//! configuration keeps serving; one that answers is swapped in.

use jsonwebtoken::Algorithm;
use serde_json::json;
use workorder_gateway::settings::Settings;

use super::idp::{Idp, jwk};
use super::*;
use crate::support::TestGateway;

/// A second tenant: a reload that adds it shows whether the new configuration is live.
const SECOND_TENANT: &str = r#"
[tenants.second]
endpoint = "sandbox"
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "sandbox-demo-secret"
default_email = "demo@example.com"
"#;

/// The configuration trusting the IdP of `idp_lines` only, plus `extra` tables.
fn jwks_config(idp_lines: &str, extra: &str) -> String {
    auth_config(idp_lines, false) + extra
}

/// A gateway started from a configuration file that a reload re-reads.
struct FileGateway {
    gateway: TestGateway,
    file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl FileGateway {
    async fn start(toml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gateway.toml");
        std::fs::write(&file, toml).unwrap();
        let settings = Settings::from_toml_str(toml).unwrap();
        let gateway = TestGateway::start_with(settings, Some(file.clone())).await;
        Self {
            gateway,
            file,
            _dir: dir,
        }
    }

    fn rewrite(&self, toml: &str) {
        std::fs::write(&self.file, toml).unwrap();
    }

    async fn status(&self, token: &str) -> u16 {
        call(&self.gateway, Some(&format!("Bearer {token}")))
            .await
            .status()
            .as_u16()
    }
}

fn rs256(kid: &str, key_file: &str, tenant: &str) -> String {
    sign(
        Algorithm::RS256,
        &private_key(key_file),
        Some(kid),
        &claims(json!({ "tenant": tenant })),
    )
}

#[tokio::test]
async fn a_reload_while_the_idp_is_down_keeps_the_running_jwks_keys() {
    let idp = Idp::start(vec![jwk(
        "k1",
        &private_key("rsa_a_private.pem"),
        Algorithm::RS256,
    )])
    .await;
    let lines = idp.auth_lines();
    let gw = FileGateway::start(&jwks_config(&lines, "")).await;
    let demo = rs256("k1", "rsa_a_private.pem", "demo");
    let second = rs256("k1", "rsa_a_private.pem", "second");
    assert_accepted(&gw.gateway, &demo).await;
    assert_eq!(gw.status(&second).await, 403, "not configured yet");

    idp.stop().await;
    gw.rewrite(&jwks_config(&lines, SECOND_TENANT));
    let reloaded = gw.gateway.handle.reload().await;

    assert!(reloaded.is_ok(), "{reloaded:?}");
    assert_eq!(
        gw.status(&second).await,
        200,
        "the new configuration is live"
    );
    assert_accepted(&gw.gateway, &demo).await;
}

#[tokio::test]
async fn a_reload_to_a_new_jwks_url_that_cannot_be_fetched_is_refused_and_the_old_keys_serve_on() {
    let key = private_key("rsa_a_private.pem");
    let running = Idp::start(vec![jwk("k1", &key, Algorithm::RS256)]).await;
    let gw = FileGateway::start(&jwks_config(&running.auth_lines(), "")).await;
    let moved = Idp::start(vec![jwk("k1", &key, Algorithm::RS256)]).await;
    let (moved_lines, moved_url) = (moved.auth_lines(), moved.url());
    moved.stop().await;
    gw.rewrite(&jwks_config(&moved_lines, SECOND_TENANT));

    let refused = gw.gateway.handle.reload().await.expect_err("refused");

    let message = refused.to_string();
    let expected_start =
        format!("auth configuration: auth.jwks_url {moved_url:?} cannot be fetched (");
    assert!(message.starts_with(&expected_start), "{message}");
    assert!(
        message.ends_with("; the reload is refused and the running configuration keeps its keys"),
        "{message}"
    );
    assert_accepted(&gw.gateway, &rs256("k1", "rsa_a_private.pem", "demo")).await;
    assert_eq!(
        gw.status(&rs256("k1", "rsa_a_private.pem", "second")).await,
        403,
        "the old configuration keeps serving"
    );
}

#[tokio::test]
async fn a_reload_to_a_new_jwks_url_that_answers_swaps_in_its_keys() {
    let old = Idp::start(vec![jwk(
        "k1",
        &private_key("rsa_a_private.pem"),
        Algorithm::RS256,
    )])
    .await;
    let gw = FileGateway::start(&jwks_config(&old.auth_lines(), "")).await;
    let new = Idp::start(vec![jwk(
        "k2",
        &private_key("rsa_b_private.pem"),
        Algorithm::RS256,
    )])
    .await;
    gw.rewrite(&jwks_config(&new.auth_lines(), ""));

    let reloaded = gw.gateway.handle.reload().await;
    let fetched_by_the_reload = new.fetches().await;

    assert!(reloaded.is_ok(), "{reloaded:?}");
    assert_eq!(fetched_by_the_reload, 1);
    assert_accepted(&gw.gateway, &rs256("k2", "rsa_b_private.pem", "demo")).await;
    assert_token_rejected(&gw.gateway, &rs256("k1", "rsa_a_private.pem", "demo")).await;
}
