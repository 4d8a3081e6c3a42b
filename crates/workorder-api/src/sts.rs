//! STS (`Sts`, version 2015-04-01) as the gateway speaks it to get temporary credentials:
//! the `AssumeRole` / `AssumeRoleWithOIDC` parameters, the anonymous OIDC request layout, and
//! the answer's `Credentials` read into [`Credentials`] plus their expiry. Signed calls use
//! [`crate::request::sign_api_call`] with [`STS_VERSION`]: the same signatures as Workorder.
//!
//! Invariants: the issued secret and token go straight into [`Credentials`]' secret types;
//! `Debug` of [`IssuedCredentials`] shows neither. `Expiration` is read in the one form STS
//! writes (`yyyy-MM-ddTHH:mm:ssZ`); anything else is an error, never a guessed expiry.

use std::fmt;

use secrecy::SecretString;
use serde::Deserialize;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::credentials::Credentials;
use crate::encode::encode_pairs;
use crate::request::{CallSpec, SignedRequest, format_timestamp};

/// The STS API version (`Version` / `x-acs-version`).
pub const STS_VERSION: &str = "2015-04-01";
/// The STS actions this crate lays out.
pub const STS_ACTIONS: [&str; 3] = [ASSUME_ROLE, ASSUME_ROLE_WITH_OIDC, GET_CALLER_IDENTITY];
/// Assume a role with the caller's own credentials.
pub const ASSUME_ROLE: &str = "AssumeRole";
/// Assume a role with an OIDC token (anonymous: the token is the credential).
pub const ASSUME_ROLE_WITH_OIDC: &str = "AssumeRoleWithOIDC";
/// Who the caller is.
pub const GET_CALLER_IDENTITY: &str = "GetCallerIdentity";
/// Shortest session STS grants.
pub const MIN_SESSION_SECS: u64 = 900;
/// Longest `MaxSessionDuration` a role may have.
pub const MAX_SESSION_SECS: u64 = 43_200;

/// ECS instance metadata (the `ecs_ram_role` source): where a token is issued (`PUT`).
pub const METADATA_TOKEN_PATH: &str = "/latest/api/token";
/// Where the instance's role name is, and (with the name appended) its credentials.
pub const METADATA_CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";
/// Header asking for a metadata token's lifetime in seconds (1 to
/// [`METADATA_TOKEN_MAX_TTL_SECS`]; the SDKs ask for the maximum).
pub const METADATA_TOKEN_TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
/// Header carrying a metadata token.
pub const METADATA_TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";
/// Longest metadata token lifetime.
pub const METADATA_TOKEN_MAX_TTL_SECS: u64 = 21_600;

/// The business parameters of `AssumeRole`.
#[derive(Clone)]
pub struct AssumeRoleParams<'a> {
    /// `acs:ram::<uid>:role/<name>`.
    pub role_arn: &'a str,
    /// Shown in the tenant's ActionTrail and in the assumed-role ARN.
    pub session_name: &'a str,
    /// Requested lifetime in seconds.
    pub duration_secs: u64,
    /// The external id the role's trust policy requires, if any (a secret: it is the only
    /// thing that tells this vendor's calls apart from another's).
    pub external_id: Option<&'a str>,
    /// Optional session policy (JSON) narrowing the role's permissions.
    pub policy: Option<&'a str>,
}

impl fmt::Debug for AssumeRoleParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleParams")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("duration_secs", &self.duration_secs)
            .field("external_id", &self.external_id.map(|_| "[REDACTED]"))
            .field("policy", &self.policy.is_some())
            .finish()
    }
}

impl AssumeRoleParams<'_> {
    /// The parameters as the call carries them.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            ("RoleArn", self.role_arn.to_owned()),
            ("RoleSessionName", self.session_name.to_owned()),
            ("DurationSeconds", self.duration_secs.to_string()),
        ];
        if let Some(id) = self.external_id {
            pairs.push(("ExternalId", id.to_owned()));
        }
        if let Some(policy) = self.policy {
            pairs.push(("Policy", policy.to_owned()));
        }
        pairs
    }
}

/// The business parameters of `AssumeRoleWithOIDC`: `OIDCProviderArn`, `RoleArn`,
/// `OIDCToken` (the raw JWT), `RoleSessionName`, `DurationSeconds`.
pub fn oidc_pairs(
    provider_arn: &str,
    role_arn: &str,
    token: &str,
    session_name: &str,
    duration_secs: u64,
) -> Vec<(&'static str, String)> {
    vec![
        ("OIDCProviderArn", provider_arn.to_owned()),
        ("RoleArn", role_arn.to_owned()),
        ("OIDCToken", token.to_owned()),
        ("RoleSessionName", session_name.to_owned()),
        ("DurationSeconds", duration_secs.to_string()),
    ]
}

/// `AssumeRoleWithOIDC` as the tea SDK sends it: `POST /`, everything in the query, no
/// signature and no AccessKey (the action is anonymous). The query holds the OIDC token:
/// call [`SignedRequest::wipe`] once it has been copied into what is sent.
pub fn anonymous_oidc_call(spec: &CallSpec<'_>) -> SignedRequest {
    let timestamp = format_timestamp(spec.timestamp);
    let common = [
        ("Action", ASSUME_ROLE_WITH_OIDC),
        ("Version", STS_VERSION),
        ("Format", "JSON"),
        ("Timestamp", timestamp.as_str()),
        ("SignatureNonce", spec.nonce),
    ];
    let business = spec.params.iter().map(|(k, v)| (*k, v.as_str()));
    SignedRequest {
        query: encode_pairs(common.into_iter().chain(business)),
        headers: vec![("accept", "application/json".to_owned())],
        body: Vec::new(),
    }
}

/// Temporary credentials and when they stop working.
#[derive(Clone)]
pub struct IssuedCredentials {
    /// The `STS.` id, secret and token, ready to sign with.
    pub credentials: Credentials,
    /// `Expiration`, to the second.
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for IssuedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCredentials")
            .field("credentials", &self.credentials)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why an STS answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StsDecodeError {
    /// Not the documented shape (the text never quotes the body: it holds secrets).
    #[error("the STS answer has no readable Credentials object")]
    Shape,
    /// `Expiration` is not `yyyy-MM-ddTHH:mm:ssZ`.
    #[error("the STS answer's Expiration is not yyyy-MM-ddTHH:mm:ssZ")]
    Expiration,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    credentials: RawCredentials,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCredentials {
    access_key_id: String,
    access_key_secret: SecretString,
    security_token: SecretString,
    expiration: String,
}

/// Reads `Credentials` from an `AssumeRole` / `AssumeRoleWithOIDC` answer (and the same
/// fields of an ECS metadata answer, which uses the same names at the top level).
pub fn decode_credentials(body: &[u8]) -> Result<IssuedCredentials, StsDecodeError> {
    let answer: Answer = serde_json::from_slice(body).map_err(|_| StsDecodeError::Shape)?;
    issued(answer.credentials)
}

/// Reads an ECS metadata credentials document (`Code` must be `Success`).
pub fn decode_metadata_credentials(body: &[u8]) -> Result<IssuedCredentials, StsDecodeError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Metadata {
        code: String,
        #[serde(flatten)]
        credentials: RawCredentials,
    }
    let doc: Metadata = serde_json::from_slice(body).map_err(|_| StsDecodeError::Shape)?;
    if doc.code != "Success" {
        return Err(StsDecodeError::Shape);
    }
    issued(doc.credentials)
}

fn issued(raw: RawCredentials) -> Result<IssuedCredentials, StsDecodeError> {
    if raw.access_key_id.trim().is_empty() {
        return Err(StsDecodeError::Shape);
    }
    let expires_at = parse_expiration(&raw.expiration)?;
    Ok(IssuedCredentials {
        credentials: Credentials::new(raw.access_key_id, raw.access_key_secret)
            .with_security_token(raw.security_token),
        expires_at,
    })
}

/// `yyyy-MM-ddTHH:mm:ssZ` (UTC, no fraction).
pub fn parse_expiration(raw: &str) -> Result<OffsetDateTime, StsDecodeError> {
    time::PrimitiveDateTime::parse(
        raw,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"),
    )
    .map(time::PrimitiveDateTime::assume_utc)
    .map_err(|_| StsDecodeError::Expiration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_read_and_debug_hides_the_secret_and_token() {
        let body = br#"{"RequestId":"R","Credentials":{"AccessKeyId":"STS.abc","AccessKeySecret":"s3cr3t","SecurityToken":"CAIStok","Expiration":"2015-04-09T11:52:19Z"},"AssumedRoleUser":{"Arn":"a","AssumedRoleId":"b"}}"#;
        let issued = decode_credentials(body).unwrap();
        assert_eq!(issued.credentials.access_key_id(), "STS.abc");
        assert_eq!(issued.credentials.security_token(), Some("CAIStok"));
        assert_eq!(issued.expires_at.unix_timestamp(), 1_428_580_339);
        let debug = format!("{issued:?}");
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("CAIStok"),
            "{debug}"
        );
    }

    #[test]
    fn other_expiration_forms_and_shapes_are_refused() {
        assert_eq!(
            parse_expiration("2015-04-09T11:52:19.000Z"),
            Err(StsDecodeError::Expiration)
        );
        assert_eq!(
            parse_expiration("2015-04-09 11:52:19"),
            Err(StsDecodeError::Expiration)
        );
        assert_eq!(
            decode_credentials(b"{\"Code\":\"NoPermission\"}").unwrap_err(),
            StsDecodeError::Shape
        );
    }

    #[test]
    fn metadata_documents_need_code_success() {
        let ok = br#"{"AccessKeyId":"STS.x","AccessKeySecret":"s","Expiration":"2017-11-01T05:20:01Z","SecurityToken":"t","LastUpdated":"2017-11-01T00:00:00Z","Code":"Success"}"#;
        assert!(decode_metadata_credentials(ok).is_ok());
        let failed = br#"{"AccessKeyId":"STS.x","AccessKeySecret":"s","Expiration":"2017-11-01T05:20:01Z","SecurityToken":"t","Code":"Failed"}"#;
        assert_eq!(
            decode_metadata_credentials(failed).unwrap_err(),
            StsDecodeError::Shape
        );
    }

    #[test]
    fn external_ids_stay_out_of_debug() {
        let params = AssumeRoleParams {
            role_arn: "acs:ram::1:role/r",
            session_name: "s",
            duration_secs: 900,
            external_id: Some("ext-secret-1"),
            policy: None,
        };
        assert!(!format!("{params:?}").contains("ext-secret-1"));
        assert_eq!(params.to_pairs().len(), 4);
    }
}
