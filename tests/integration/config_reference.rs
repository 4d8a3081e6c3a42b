//! The configuration contract: every key the settings structs accept is documented in
//! `docs/configuration.md` (with its environment variable), nothing undocumented or stale is
//! listed there, and every shipped configuration file parses.
//!
//! The key list is not written out here: it is read from the settings structs themselves.
//! They are `deny_unknown_fields`, so an unknown key's error lists every accepted field
//! ("expected one of `listen`, `max_body_bytes`, …"); probing each section with one gives the
//! complete list, and a field added to a struct shows up without touching this test.

use std::collections::BTreeSet;
use std::path::Path;

use workorder_gateway::settings::Settings;

const PROBE: &str = "zz_not_a_key";

fn root(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The fields a table accepts, read from the error an unknown field causes in it.
fn accepted_fields(table_header: &str) -> Vec<String> {
    let toml = format!("{table_header}\n{PROBE} = 1\n");
    let error = Settings::from_toml_str(&toml)
        .expect_err("an unknown key is refused")
        .to_string();
    // serde words it "`a`", "`a` or `b`" or "one of `a`, `b`, `c`"; figment adds backticks.
    let list = error
        .split_once("expected `")
        .and_then(|(_, rest)| rest.split_once("` for key"))
        .unwrap_or_else(|| panic!("unexpected error format: {error}"))
        .0;
    let fields: Vec<String> = list
        .trim_start_matches("one of ")
        .replace(" or ", ", ")
        .split(", ")
        .map(|f| f.trim_matches('`').to_owned())
        .collect();
    assert!(
        fields.iter().all(|f| !f.is_empty() && !f.contains(' ')),
        "cannot read the field list of {table_header}: {error}"
    );
    fields
}

/// Every configuration key, dotted, tenants as `tenants.<id>.KEY`.
fn every_key() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for section in accepted_fields("") {
        let (header, prefix) = if section == "tenants" {
            ("[tenants.probe]".to_owned(), "tenants.<id>".to_owned())
        } else {
            (format!("[{section}]"), section.clone())
        };
        for field in accepted_fields(&header) {
            keys.insert(format!("{prefix}.{field}"));
        }
    }
    keys
}

/// `server.listen` → `WOG_SERVER__LISTEN`; `tenants.<id>.enabled` → `WOG_TENANTS__<ID>__ENABLED`.
fn env_name(key: &str) -> String {
    format!("WOG_{}", key.replace('.', "__").to_uppercase())
}

/// The first cells of the reference's table rows that name a key.
fn documented_keys(doc: &str) -> BTreeSet<String> {
    doc.lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(key, _)| key.to_owned())
        .collect()
}

#[test]
fn the_key_list_is_read_from_the_settings_structs() {
    let keys = every_key();

    for expected in [
        "server.listen",
        "auth.jwks_url",
        "shutdown.drain_delay_secs",
        "log.format",
        "tenants.<id>.access_key_secret_file",
    ] {
        assert!(keys.contains(expected), "{expected} not in {keys:?}");
    }
    assert!(keys.len() > 40, "{keys:?}");
}

#[test]
fn every_settings_key_is_documented_with_its_environment_variable() {
    let doc = root("docs/configuration.md");
    let rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| `")).collect();

    for key in every_key() {
        let row = rows
            .iter()
            .find(|row| row.starts_with(&format!("| `{key}` |")))
            .unwrap_or_else(|| panic!("docs/configuration.md has no row for `{key}`"));
        let cells: Vec<&str> = row.split(" | ").collect();
        assert_eq!(
            cells.len(),
            5,
            "key | default | unit | variable | meaning: {row}"
        );
        assert_eq!(cells[3], format!("`{}`", env_name(&key)), "{row}");
        assert!(cells[4].len() > 10, "a meaning for {key}: {row}");
    }
}

#[test]
fn the_reference_lists_no_key_the_settings_do_not_accept() {
    let keys = every_key();

    for documented in documented_keys(&root("docs/configuration.md")) {
        assert!(
            keys.contains(&documented),
            "`{documented}` is not a configuration key"
        );
    }
}

#[test]
fn every_shipped_configuration_file_parses() {
    // Secrets named by `*_env` / `*_file` are resolved at start-up, not here.
    for file in [
        "config/default.toml",
        "config/compose.toml",
        "config/production.example.toml",
    ] {
        if let Err(error) = Settings::from_toml_str(&root(file)) {
            panic!("{file}: {error}");
        }
    }
}

/// The TOML under `gateway.toml: |` in the ConfigMap, de-indented (a YAML block scalar).
fn configmap_toml(yaml: &str) -> String {
    let mut lines = yaml.lines().skip_while(|l| l.trim() != "gateway.toml: |");
    let key = lines.next().expect("a gateway.toml key in the ConfigMap");
    let key_indent = key.len() - key.trim_start().len();
    let block: Vec<&str> = lines
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > key_indent)
        .collect();
    let indent = block
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap();
    block
        .iter()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_kubernetes_configmap_configuration_parses() {
    let toml = configmap_toml(&root("deploy/kubernetes/configmap.yaml"));

    let settings = Settings::from_toml_str(&toml).unwrap_or_else(|e| panic!("{e}\n{toml}"));

    assert!(!settings.tenants.is_empty(), "{toml}");
    assert!(!settings.sandbox.enabled);
}

#[test]
fn the_example_sandbox_accounts_file_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/sandbox-accounts.example.toml");

    let accounts = workorder_sandbox::load_accounts_file(&path).unwrap();

    assert!(!accounts.is_empty());
}

/// `value:` of the env entry `name` in a manifest (the overlay writes each on the next line).
fn env_value(yaml: &str, name: &str) -> String {
    let mut lines = yaml.lines();
    lines
        .find(|l| l.trim() == format!("- name: {name}"))
        .unwrap_or_else(|| panic!("no env {name}"));
    let value = lines.next().unwrap().trim();
    value
        .strip_prefix("value: ")
        .unwrap()
        .trim_matches('"')
        .to_owned()
}

#[test]
fn the_rrsa_overlay_gives_the_configmap_a_valid_oidc_identity() {
    let base = configmap_toml(&root("deploy/kubernetes/configmap.yaml"));
    let overlay = root("deploy/overlays/rrsa/deployment.yaml");
    // What the pod sees: the WOG_ variables as keys, the ACK variables as their defaults.
    let identity = format!(
        "\n[identity]\nsource = \"{}\"\nsts_endpoint = \"{}\"\nrole_arn = \"{}\"\noidc_provider_arn = \"{}\"\noidc_token_file = \"{}\"\n",
        env_value(&overlay, "WOG_IDENTITY__SOURCE"),
        env_value(&overlay, "WOG_IDENTITY__STS_ENDPOINT"),
        env_value(&overlay, "ALIBABA_CLOUD_ROLE_ARN"),
        env_value(&overlay, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"),
        env_value(&overlay, "ALIBABA_CLOUD_OIDC_TOKEN_FILE"),
    );

    let settings = Settings::from_toml_str(&format!("{base}{identity}"))
        .unwrap_or_else(|e| panic!("{e}\n{identity}"));

    assert_eq!(
        settings.identity.source,
        workorder_gateway::settings::IdentitySource::Oidc
    );
    // The token file is the projected volume's.
    let mount = "/var/run/secrets/ack.alibabacloud.com/rrsa-tokens";
    assert!(
        overlay.contains(&format!("mountPath: {mount}")),
        "{overlay}"
    );
    assert_eq!(
        env_value(&overlay, "ALIBABA_CLOUD_OIDC_TOKEN_FILE"),
        format!("{mount}/token")
    );
    assert!(overlay.contains("audience: sts.aliyuncs.com"), "{overlay}");
}
