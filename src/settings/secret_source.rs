//! Where a secret comes from: inline (sandbox demo only), an environment variable, or a file
//! (Kubernetes Secret volumes). Exactly one source may be set; the value is read once at load
//! time into a [`SecretString`] and never logged.

use std::path::PathBuf;

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::SettingsError;

/// The three ways configuration can name one secret.
#[derive(Default)]
pub struct SecretSource<'a> {
    /// The configuration key, for error messages (e.g. `tenants.acme.access_key_secret`).
    pub key: String,
    /// Inline value (`<key>`).
    pub inline: Option<&'a SecretString>,
    /// Environment variable name (`<key>_env`).
    pub env: Option<&'a str>,
    /// File path (`<key>_file`); one trailing newline is stripped.
    pub file: Option<&'a PathBuf>,
}

/// Where a resolved secret came from (inline secrets are allowed only for sandbox tenants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretOrigin {
    /// Written in the configuration file.
    Inline,
    /// Read from an environment variable.
    Env,
    /// Read from a file.
    File,
}

impl SecretSource<'_> {
    /// Reads the secret, or `None` when no source is configured.
    pub fn resolve(&self) -> Result<Option<(SecretString, SecretOrigin)>, SettingsError> {
        let configured = [
            self.inline.is_some(),
            self.env.is_some(),
            self.file.is_some(),
        ]
        .iter()
        .filter(|set| **set)
        .count();
        if configured > 1 {
            return Err(SettingsError::invalid(
                &self.key,
                format!("set only one of {0}, {0}_env and {0}_file", self.key),
            ));
        }
        if let Some(value) = self.inline {
            return Ok(Some((value.clone(), SecretOrigin::Inline)));
        }
        if let Some(var) = self.env {
            let value = std::env::var(var).map_err(|_| {
                SettingsError::invalid(
                    &format!("{}_env", self.key),
                    format!("environment variable {var} is not set (or not UTF-8)"),
                )
            })?;
            return Ok(Some((non_empty(value, &self.key)?, SecretOrigin::Env)));
        }
        if let Some(path) = self.file {
            // The file as read (with its newline) is a second copy of the secret: wiped once
            // the trimmed value has been taken from it.
            let value = std::fs::read_to_string(path)
                .map(Zeroizing::new)
                .map_err(|e| {
                    SettingsError::invalid(
                        &format!("{}_file", self.key),
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
            let trimmed = value.strip_suffix('\n').unwrap_or(value.as_str());
            let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned();
            return Ok(Some((non_empty(trimmed, &self.key)?, SecretOrigin::File)));
        }
        Ok(None)
    }
}

fn non_empty(value: String, key: &str) -> Result<SecretString, SettingsError> {
    if value.trim().is_empty() {
        return Err(SettingsError::invalid(
            key,
            "the secret is empty".to_owned(),
        ));
    }
    Ok(SecretString::from(value))
}
