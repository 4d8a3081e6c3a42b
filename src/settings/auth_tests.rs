//! The `[auth]` rules that keep a configuration from trusting too much: audience and issuer
//! pinned with asymmetric keys, a bounded leeway and bounded JWKS intervals, well-formed
//! `required_typ` and `max_token_lifetime_secs`. Every refusal names its key.

use super::{Settings, SettingsError};

fn key_of(err: &SettingsError) -> String {
    match err {
        SettingsError::Invalid { key, .. } => key.clone(),
        SettingsError::Parse(text) => text.clone(),
    }
}

/// `[auth]` with `lines` (no tenant: these rules do not depend on one).
fn auth(lines: &str) -> Result<Settings, SettingsError> {
    Settings::from_toml_str(&format!("[auth]\n{lines}\n"))
}

const JWKS: &str = r#"jwks_url = "https://idp.example.com/.well-known/jwks.json""#;
const PEM: &str = r#"public_key_files = ["/etc/gw/idp.pem"]"#;
const AUD: &str = r#"audience = "workorder-gateway""#;
const ISS: &str = r#"issuer = "https://idp.example.com/""#;
const HS: &str = r#"hs256_secret_env = "JWT_SECRET""#;

#[test]
fn asymmetric_keys_need_an_audience_and_a_jwks_needs_an_issuer_too() {
    let refused = [
        (vec![PEM], "auth.audience"),
        (vec![PEM, ISS], "auth.audience"),
        (vec![PEM, HS], "auth.audience"),
        (vec![JWKS, ISS], "auth.audience"),
        (vec![JWKS, AUD], "auth.issuer"),
        (vec![JWKS], "auth.audience"),
        (vec![HS, AUD, r#"issuer = "  ""#], "auth.issuer"),
        (vec![PEM, r#"audience = """#], "auth.audience"),
    ];
    for (lines, key) in refused {
        let err = auth(&lines.join("\n")).expect_err(key);

        assert_eq!(key_of(&err), key, "{lines:?}: {err}");
    }
    let accepted = [
        vec![HS],
        vec![HS, AUD],
        vec![PEM, AUD],
        vec![JWKS, AUD, ISS],
        vec![JWKS, PEM, HS, AUD, ISS],
    ];
    for lines in accepted {
        let result = auth(&lines.join("\n"));

        assert!(result.is_ok(), "{lines:?}: {result:?}");
    }
}

#[test]
fn the_audience_error_says_which_key_source_requires_it() {
    let err = auth(&format!("{JWKS}\n{ISS}")).expect_err("no audience");

    assert_eq!(
        err.to_string(),
        "configuration key `auth.audience`: is required with auth.jwks_url: the IdP's keys also \
         sign tokens for its other applications, and only `aud` tells them apart"
    );
}

#[test]
fn a_leeway_beyond_five_minutes_is_refused() {
    let at_limit = auth(&format!("{HS}\nleeway_secs = 300")).expect("300 s");
    let beyond = auth(&format!("{HS}\nleeway_secs = 301")).expect_err("301 s");

    assert_eq!(
        at_limit.auth.leeway,
        std::time::Duration::from_secs(super::MAX_LEEWAY_SECS)
    );
    assert_eq!(key_of(&beyond), "auth.leeway_secs");
}

#[test]
fn jwks_intervals_outside_one_second_to_one_day_are_refused() {
    for key in ["jwks_max_age_secs", "jwks_refresh_min_interval_secs"] {
        for bad in [0, 86_401, i64::MAX as u64] {
            let err = auth(&format!("{HS}\n{key} = {bad}")).expect_err(key);

            assert_eq!(key_of(&err), format!("auth.{key}"), "{bad}");
        }
        for good in [1, 86_400] {
            let result = auth(&format!("{HS}\n{key} = {good}"));

            assert!(result.is_ok(), "{key} = {good}: {result:?}");
        }
    }
}

#[test]
fn required_typ_and_max_token_lifetime_secs_are_read_and_checked() {
    let settings = auth(&format!(
        "{HS}\nrequired_typ = \"at+jwt\"\nmax_token_lifetime_secs = 3600"
    ))
    .expect("valid");
    assert_eq!(settings.auth.required_typ.as_deref(), Some("at+jwt"));
    assert_eq!(
        settings.auth.max_token_lifetime,
        Some(std::time::Duration::from_secs(3600))
    );
    let defaults = auth(HS).expect("valid");
    assert_eq!(
        (defaults.auth.required_typ, defaults.auth.max_token_lifetime),
        (None, None)
    );

    for (line, key) in [
        ("required_typ = \"\"", "auth.required_typ"),
        ("required_typ = \"at jwt\"", "auth.required_typ"),
        (
            "max_token_lifetime_secs = 0",
            "auth.max_token_lifetime_secs",
        ),
    ] {
        let err = auth(&format!("{HS}\n{line}")).expect_err(line);

        assert_eq!(key_of(&err), key, "{line}");
    }
}
