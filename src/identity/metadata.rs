//! The ECS instance metadata service (the `ecs_ram_role` source), as the official SDKs use it
//! in hardened mode: `PUT /latest/api/token` (TTL header) for a token, then, with the token,
//! the role name (when not configured) and the role's credentials. The address is
//! configuration (`identity.metadata_url`); tests point it at the sandbox's loopback listener.

use workorder_api::sts::{
    IssuedCredentials, METADATA_CREDENTIALS_PATH as CREDENTIALS_PATH,
    METADATA_TOKEN_HEADER as TOKEN_HEADER, METADATA_TOKEN_MAX_TTL_SECS,
    METADATA_TOKEN_PATH as TOKEN_PATH, METADATA_TOKEN_TTL_HEADER as TOKEN_TTL_HEADER,
    decode_metadata_credentials,
};

use super::CredentialsError;
use super::sts::{read_capped, refusal};
use crate::settings::Endpoint;

const SERVICE: &str = "ECS metadata";

#[derive(Debug, Clone)]
pub(super) struct MetadataClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    role_name: Option<String>,
}

impl MetadataClient {
    pub fn new(http: reqwest::Client, endpoint: Endpoint, role_name: Option<String>) -> Self {
        Self {
            http,
            endpoint,
            role_name,
        }
    }

    fn url(&self, path: &str) -> reqwest::Url {
        let mut url = self.endpoint.url().clone();
        url.set_path(path);
        url
    }

    async fn text(&self, request: reqwest::RequestBuilder) -> Result<String, CredentialsError> {
        let response = request
            .timeout(std::time::Duration::from_secs(2))
            .send()
            .await
            .map_err(|e| CredentialsError::Unreachable {
                service: SERVICE,
                reason: e.without_url().to_string(),
            })?;
        let status = response.status().as_u16();
        let body = read_capped(response).await?;
        if status != 200 {
            return Err(refusal(SERVICE, status, &body));
        }
        String::from_utf8(body).map_err(|_| CredentialsError::Unreadable {
            service: SERVICE,
            reason: "not UTF-8".to_owned(),
        })
    }

    /// Token, role name, credentials.
    pub async fn credentials(&self) -> Result<IssuedCredentials, CredentialsError> {
        let token = self
            .text(
                self.http
                    .put(self.url(TOKEN_PATH))
                    .header(TOKEN_TTL_HEADER, METADATA_TOKEN_MAX_TTL_SECS.to_string()),
            )
            .await?;
        let role = match &self.role_name {
            Some(role) => role.clone(),
            None => self
                .text(
                    self.http
                        .get(self.url(CREDENTIALS_PATH))
                        .header(TOKEN_HEADER, token.trim()),
                )
                .await?
                .trim()
                .to_owned(),
        };
        if role.is_empty() || role.contains('/') {
            return Err(CredentialsError::Unreadable {
                service: SERVICE,
                reason: "no usable role name".to_owned(),
            });
        }
        let document = self
            .text(
                self.http
                    .get(self.url(&format!("{CREDENTIALS_PATH}{role}")))
                    .header(TOKEN_HEADER, token.trim()),
            )
            .await?;
        decode_metadata_credentials(document.as_bytes()).map_err(|e| CredentialsError::Unreadable {
            service: SERVICE,
            reason: e.to_string(),
        })
    }
}
