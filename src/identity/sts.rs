//! The STS exchanges over HTTP: `AssumeRole` signed with the gateway's credentials (RPC v1 or
//! V3, the security token carried as each requires when the gateway's own credentials are
//! temporary), and the anonymous `AssumeRoleWithOIDC`. Answers are read by
//! `workorder_api::sts`; a refusal keeps STS's code and status only.

use time::OffsetDateTime;
use workorder_api::request::{CallSpec, SignedRequest, sign_api_call};
use workorder_api::sts::{
    ASSUME_ROLE, ASSUME_ROLE_WITH_OIDC, AssumeRoleParams, IssuedCredentials, STS_VERSION,
    anonymous_oidc_call, decode_credentials, oidc_pairs,
};
use workorder_api::{Credentials, SignatureVersion};

use super::CredentialsError;
use crate::settings::Endpoint;

const SERVICE: &str = "STS";
/// Largest STS answer read (tokens are long but not this long).
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// An STS endpoint and how to sign for it.
#[derive(Debug, Clone)]
pub struct StsClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    signature: SignatureVersion,
}

impl StsClient {
    /// STS at `endpoint`, calls signed with `signature`.
    pub fn new(http: reqwest::Client, endpoint: Endpoint, signature: SignatureVersion) -> Self {
        Self {
            http,
            endpoint,
            signature,
        }
    }

    fn spec<'a>(
        &'a self,
        action: &'a str,
        params: &'a [(&'static str, String)],
        nonce: &'a str,
    ) -> CallSpec<'a> {
        CallSpec {
            action,
            params,
            host: self.endpoint.host(),
            timestamp: OffsetDateTime::now_utc(),
            nonce,
        }
    }

    /// `AssumeRole` with `source` (the gateway's credentials).
    pub async fn assume_role(
        &self,
        source: &Credentials,
        params: &AssumeRoleParams<'_>,
    ) -> Result<IssuedCredentials, CredentialsError> {
        let pairs = params.to_pairs();
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let signed = sign_api_call(
            self.signature,
            STS_VERSION,
            source,
            &self.spec(ASSUME_ROLE, &pairs, &nonce),
        );
        self.send(signed).await
    }

    /// `AssumeRoleWithOIDC`: anonymous, the token is the credential.
    pub async fn assume_role_with_oidc(
        &self,
        provider_arn: &str,
        role_arn: &str,
        token: &str,
        session_name: &str,
        duration_secs: u64,
    ) -> Result<IssuedCredentials, CredentialsError> {
        let pairs = oidc_pairs(provider_arn, role_arn, token, session_name, duration_secs);
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let signed = anonymous_oidc_call(&self.spec(ASSUME_ROLE_WITH_OIDC, &pairs, &nonce));
        self.send(signed).await
    }

    async fn send(&self, mut signed: SignedRequest) -> Result<IssuedCredentials, CredentialsError> {
        let mut url = self.endpoint.url().clone();
        url.set_query(Some(&signed.query));
        let headers = crate::upstream::wire::header_map(&signed);
        signed.wipe();
        let headers = headers.map_err(|e| CredentialsError::Unreachable {
            service: SERVICE,
            reason: e.to_string(),
        })?;
        let response = self
            .http
            .post(url)
            .headers(headers)
            .body(signed.body)
            .send()
            .await
            .map_err(|e| CredentialsError::Unreachable {
                service: SERVICE,
                reason: e.without_url().to_string(),
            })?;
        let status = response.status().as_u16();
        let body = read_capped(response).await?;
        if status == 200 {
            return decode_credentials(&body).map_err(|e| CredentialsError::Unreadable {
                service: SERVICE,
                reason: e.to_string(),
            });
        }
        Err(refusal(SERVICE, status, &body))
    }
}

/// The code of an error body (`{"Code": …}`), or the status alone.
pub(super) fn refusal(service: &'static str, status: u16, body: &[u8]) -> CredentialsError {
    let code = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("Code").and_then(|c| c.as_str()).map(str::to_owned))
        .filter(|c| c.len() <= 128 && c.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or_else(|| "unknown".to_owned());
    CredentialsError::Refused {
        service,
        status,
        code,
    }
}

pub(super) async fn read_capped(
    mut response: reqwest::Response,
) -> Result<Vec<u8>, CredentialsError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| CredentialsError::Unreachable {
            service: SERVICE,
            reason: e.without_url().to_string(),
        })?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(CredentialsError::Unreadable {
                service: SERVICE,
                reason: format!("answer larger than {MAX_ANSWER_BYTES} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
