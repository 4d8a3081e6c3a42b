//! `POST /attachments`: an upload slot for one file (Workorder 2021-06-10
//! `GetAttachmentUploadUrl`). The browser PUTs the bytes straight to the pre-signed URL: the
//! file never passes through the gateway. The answer's `objectKey` then goes in a new ticket's
//! or a reply's `attachments`. A `2020-03-26` tenant gets 422 `api_version_unsupported`.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

use super::responses::{AuthFailures, UpstreamFailures};
use super::support::upstream_id_header;
use crate::auth::Permission;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::http::{AppState, Principal};
use crate::settings::ApiVersion;
use crate::upstream::UpstreamError;
use workorder_api::v2021::GetAttachmentUploadUrl;

/// Longest accepted file name (characters).
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// `POST /attachments` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewAttachment)]
pub struct NewAttachmentBody {
    /// The file's name with its extension (the upstream keeps the extension in the key):
    /// 1 to 200 characters, no `/`, `\` or control characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^/\\\\\\u0000-\\u001f\\u007f]+$",
        example = "screenshot.png"
    )]
    file_name: String,
}

/// Where to upload one file.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadSlot {
    /// The key to name in `attachments` once the file is uploaded.
    #[schema(example = "cdb5d174-c282-4b2d-9048-e74ea2223127.png")]
    pub object_key: String,
    /// Pre-signed URL: `PUT` the raw bytes there (`Content-Type: application/octet-stream` or
    /// the file's type), before `expiresAt`.
    pub upload_url: String,
    /// When `uploadUrl` stops working, RFC 3339 UTC; null when the upstream's URL does not say.
    #[schema(example = "2026-11-30T14:30:00Z")]
    pub expires_at: Option<String>,
}

/// The `Expires` (epoch seconds) of an OSS V1 pre-signed URL, as RFC 3339.
fn expires_at(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let seconds = form_urlencoded_pairs(query)
        .find(|(k, _)| k == "Expires")?
        .1;
    let at = OffsetDateTime::from_unix_timestamp(seconds.parse().ok()?).ok()?;
    at.format(&Rfc3339).ok()
}

fn form_urlencoded_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        Some((k.to_owned(), v.to_owned()))
    })
}

/// Ask for an upload slot for one file (Workorder 2021-06-10 tenants).
///
/// Needs `tickets:write`. The file goes from the browser straight to storage: `PUT` it to
/// `uploadUrl`, then name `objectKey` in `POST /tickets` or `POST /tickets/{id}/notes`
/// `attachments`. A key works only for this tenant and only once the file is uploaded.
#[utoipa::path(
    post, path = "/attachments", tag = "tickets", operation_id = "create_attachment",
    request_body(content = NewAttachmentBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The upload slot; Location is the object's URL", body = UploadSlot,
         example = json!({"objectKey": "cdb5d174-c282-4b2d-9048-e74ea2223127.png", "uploadUrl": "https://workorder.oss-cn-beijing.aliyuncs.com/cdb5d174-c282-4b2d-9048-e74ea2223127.png?Expires=1796049000&OSSAccessKeyId=LTAI...&Signature=...", "expiresAt": "2026-11-30T14:30:00Z"})),
        (status = 400, description = "Malformed JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = format!("{} (a 2020-03-26 tenant) or {} (fileName: e.g. an extension the upstream does not take)", ErrorCode::ApiVersionUnsupported, ErrorCode::ValidationFailed), body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn create_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::TicketsWrite)?;
    let new: NewAttachmentBody = super::json_body(&req, &body)?;
    if principal.tenant.api_version != ApiVersion::V2021 {
        return Err(ApiError::api_version_unsupported("uploading an attachment"));
    }
    let name = new.file_name;
    if name.is_empty()
        || name.chars().count() > MAX_FILE_NAME_CHARS
        || name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "fileName",
            "must be 1 to 200 characters without /, \\ or control characters",
        )]));
    }
    let answer = state
        .client
        .call(
            &principal.tenant.target,
            &GetAttachmentUploadUrl { file_name: name },
        )
        .await
        .map_err(|err| match err {
            UpstreamError::InvalidParameter(fault) => ApiError::validation(vec![FieldError::new(
                "fileName",
                "the Workorder API does not take this file (check its extension)",
            )])
            .with_upstream_request_id(fault.request_id),
            other => ApiError::from(other),
        })?;
    let url = answer.data;
    let location = url
        .put_signed_url
        .split_once('?')
        .map_or(url.put_signed_url.as_str(), |(object, _)| object)
        .to_owned();
    let slot = UploadSlot {
        expires_at: expires_at(&url.put_signed_url),
        object_key: url.object_key,
        upload_url: url.put_signed_url,
    };
    let mut response = HttpResponse::build(StatusCode::CREATED);
    response.insert_header((LOCATION, location));
    upstream_id_header(&mut response, answer.request_id.as_deref());
    Ok(response.json(slot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expiry_is_read_from_the_urls_expires_parameter() {
        assert_eq!(
            expires_at("http://h/k.png?Expires=1700000000&Signature=x").as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(expires_at("http://h/k.png"), None);
        assert_eq!(expires_at("http://h/k.png?Expires=soon"), None);
    }
}
