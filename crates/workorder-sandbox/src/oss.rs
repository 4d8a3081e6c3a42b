//! The sandbox's stand-in for OSS: `PUT /_sandbox/oss/{key}` takes the bytes of an attachment
//! through the pre-signed URL `GetAttachmentUploadUrl` handed out, `GET` reads them back
//! through a signed URL, `OPTIONS` answers a browser's CORS preflight (a frontend PUTs the file
//! straight to storage, from its own origin). Errors are OSS-style XML with OSS's codes.
//! Rules and bounds live in [`crate::attachments`]; nothing here logs a signature or a byte.

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};

use super::attachments::{AttachmentError, MAX_FILE_BYTES, OSS_PATH, check_url};
use super::engineer::now_epoch_ms;
use super::state::{AccountSlot, Sandbox};

/// The query of a signed object URL.
#[derive(Debug)]
struct Signed {
    expires: i64,
    access_key_id: String,
    signature: String,
}

/// Registers the object routes (the body limit is the file limit, plus one byte so an
/// oversized file reaches the store's own check and gets OSS's answer).
pub(crate) fn routes(config: &mut web::ServiceConfig) {
    config.service(
        web::resource(format!("{OSS_PATH}/{{key}}"))
            .app_data(web::PayloadConfig::new(MAX_FILE_BYTES + 1))
            .route(web::put().to(put))
            .route(web::get().to(get))
            .route(web::method(actix_web::http::Method::OPTIONS).to(preflight)),
    );
}

fn oss_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("access-control-allow-origin", "*"))
        .content_type("application/xml")
        .body(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><HostId>sandbox</HostId></Error>"
        ))
}

fn refusal(error: &AttachmentError) -> HttpResponse {
    let message = error.to_string();
    match error {
        AttachmentError::BadSignature => {
            oss_error(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", &message)
        }
        AttachmentError::Expired | AttachmentError::NotSigned => {
            oss_error(StatusCode::FORBIDDEN, "AccessDenied", &message)
        }
        AttachmentError::UnknownKey => oss_error(StatusCode::NOT_FOUND, "NoSuchKey", &message),
        AttachmentError::TooLarge => {
            oss_error(StatusCode::PAYLOAD_TOO_LARGE, "EntityTooLarge", &message)
        }
        AttachmentError::BadType | AttachmentError::BadFileName(_) => {
            oss_error(StatusCode::BAD_REQUEST, "InvalidArgument", &message)
        }
    }
}

/// The account a signed URL names, once its signature and expiry hold.
fn authorize<'a>(
    sandbox: &'a Sandbox,
    method: &str,
    key: &str,
    query: &str,
) -> Result<&'a AccountSlot, AttachmentError> {
    let signed: Signed = parse_signed(query).ok_or(AttachmentError::NotSigned)?;
    let slot = sandbox
        .accounts
        .get(&signed.access_key_id)
        .ok_or(AttachmentError::BadSignature)?;
    check_url(
        &sandbox.oss_secret,
        method,
        key,
        signed.expires,
        &signed.access_key_id,
        &signed.signature,
        now_epoch_ms(),
    )?;
    Ok(slot)
}

fn parse_signed(query: &str) -> Option<Signed> {
    let mut expires = None;
    let mut access_key_id = None;
    let mut signature = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "Expires" => expires = value.trim().parse().ok(),
            "OSSAccessKeyId" => access_key_id = Some(value.into_owned()),
            "Signature" => signature = Some(value.into_owned()),
            _ => {}
        }
    }
    Some(Signed {
        expires: expires?,
        access_key_id: access_key_id?,
        signature: signature?,
    })
}

async fn put(
    req: HttpRequest,
    key: web::Path<String>,
    body: web::Bytes,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let slot = match authorize(&sandbox, "PUT", &key, req.query_string()) {
        Ok(slot) => slot,
        Err(error) => return refusal(&error),
    };
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let size = body.len();
    match slot
        .attachments()
        .upload(&key, content_type, body.to_vec(), now_epoch_ms())
    {
        Ok(()) => {
            tracing::debug!(size, "sandbox object uploaded");
            HttpResponse::Ok()
                .insert_header(("access-control-allow-origin", "*"))
                .insert_header(("etag", format!("\"{}\"", uuid::Uuid::new_v4().simple())))
                .finish()
        }
        Err(error) => refusal(&error),
    }
}

async fn get(
    req: HttpRequest,
    key: web::Path<String>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let slot = match authorize(&sandbox, "GET", &key, req.query_string()) {
        Ok(slot) => slot,
        Err(error) => return refusal(&error),
    };
    let store = slot.attachments();
    match store.read(&key) {
        Some((bytes, content_type)) => HttpResponse::Ok()
            .insert_header(("access-control-allow-origin", "*"))
            .content_type(content_type.to_owned())
            .body(bytes.to_vec()),
        None => refusal(&AttachmentError::UnknownKey),
    }
}

async fn preflight() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("access-control-allow-origin", "*"))
        .insert_header(("access-control-allow-methods", "PUT, GET"))
        .insert_header(("access-control-allow-headers", "content-type"))
        .insert_header(("access-control-max-age", "600"))
        .finish()
}
