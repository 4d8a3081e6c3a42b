//! Reload on change (`reload.watch_interval_secs`): polls the configuration file and every
//! secret or key file it names, and runs the same reload as SIGHUP when one of them changed.
//!
//! Polling rather than file-system events, on purpose: Kubernetes updates a mounted Secret or
//! ConfigMap by swapping a symlink (`..data`) in the volume, which inotify watches on the file
//! itself miss, and a poll every few seconds costs a few small reads.
//!
//! Invariants: contents are only hashed in memory, never logged; a change is acted on once (a
//! refused reload is not retried until the files change again, so a half-written file is
//! picked up when the write completes, without a log line every interval).

use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::settings::Settings;

/// The files whose contents make up the configuration: the file itself, then every `*_file`
/// secret and public key file it names.
pub(crate) fn watched_files(settings: &Settings, config_path: &Path) -> Vec<PathBuf> {
    let mut files = vec![config_path.to_path_buf()];
    files.extend(settings.auth.hs256_secret_file.iter().cloned());
    files.extend(
        settings
            .auth
            .public_key_files
            .iter()
            .map(|key| key.file().to_path_buf()),
    );
    if let Some(accounts) = &settings.sandbox.accounts_file {
        files.push(accounts.clone());
    }
    // The gateway's own key; not the OIDC token file, which kubelet rotates and the `oidc`
    // identity re-reads at every exchange anyway (watching it would reload for nothing).
    files.extend(settings.identity.access_key_secret_file.iter().cloned());
    for tenant in settings.tenants.values() {
        files.extend(tenant.access_key_secret_file.iter().cloned());
        files.extend(tenant.security_token_file.iter().cloned());
        files.extend(tenant.external_id_file.iter().cloned());
    }
    files
}

/// A hash of the files' contents (an unreadable file counts as a distinct state).
pub(crate) fn fingerprint(files: &[PathBuf]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        match std::fs::read(file) {
            Ok(bytes) => bytes.hash(&mut hasher),
            Err(error) => error.kind().to_string().hash(&mut hasher),
        }
    }
    hasher.finish()
}

/// Polls every `interval` until aborted; reloads through `handle` on a change.
pub(crate) async fn watch(handle: super::AppHandle, interval: Duration) {
    let mut last = fingerprint(&handle.watched_files());
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await; // the first tick is immediate
    loop {
        ticker.tick().await;
        let now = fingerprint(&handle.watched_files());
        if now == last {
            continue;
        }
        tracing::info!("configuration files changed; reloading");
        // Refused or not, this state has been tried; a successful reload may name new files.
        last = match handle.reload().await {
            Ok(()) => fingerprint(&handle.watched_files()),
            Err(_) => now,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_changes_with_any_watched_file_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        let (config, secret) = (dir.path().join("a.toml"), dir.path().join("secret"));
        std::fs::write(&config, "x = 1").unwrap();
        std::fs::write(&secret, "s1").unwrap();
        let files = vec![config.clone(), secret.clone()];
        let before = fingerprint(&files);

        assert_eq!(fingerprint(&files), before);
        std::fs::write(&secret, "s2").unwrap();
        let rotated = fingerprint(&files);
        assert_ne!(rotated, before);
        std::fs::remove_file(&secret).unwrap();
        assert_ne!(fingerprint(&files), rotated);
    }

    #[test]
    fn secret_and_key_files_named_by_the_configuration_are_watched() {
        let settings = Settings::from_toml_str(
            r#"
            [auth]
            hs256_secret_file = "/s/jwt"
            public_key_files = ["/s/idp.pem"]
            audience = "workorder-gateway"
            [tenants.acme]
            endpoint = "cn-hangzhou"
            access_key_id = "LTAIacme"
            access_key_secret_file = "/s/acme"
            security_token_file = "/s/acme-sts"
            "#,
        )
        .unwrap();

        let files = watched_files(&settings, Path::new("/etc/gw.toml"));

        let expected = [
            "/etc/gw.toml",
            "/s/jwt",
            "/s/idp.pem",
            "/s/acme",
            "/s/acme-sts",
        ];
        assert_eq!(files, expected.map(PathBuf::from));
    }

    #[test]
    fn role_tenants_external_ids_and_the_gateways_key_are_watched_but_not_the_oidc_token() {
        let settings = Settings::from_toml_str(
            r#"
            [auth]
            hs256_secret_file = "/s/jwt"
            [identity]
            source = "access_key"
            access_key_id = "LTAIgateway"
            access_key_secret_file = "/s/gateway"
            oidc_token_file = "/var/run/token"
            [tenants.acme]
            endpoint = "cn-hangzhou"
            role_arn = "acs:ram::1234567890123456:role/workorder-gateway"
            external_id_file = "/s/acme-external-id"
            "#,
        )
        .unwrap();

        let files = watched_files(&settings, Path::new("/etc/gw.toml"));

        let expected = [
            "/etc/gw.toml",
            "/s/jwt",
            "/s/gateway",
            "/s/acme-external-id",
        ];
        assert_eq!(files, expected.map(PathBuf::from));
    }
}
