//! Who is calling and whether they may: the API resolution (`Action`, `Version`), the
//! signature (RPC v1 or ACS3-HMAC-SHA256), the STS token, the timestamp window and the nonce.
//!
//! This module only gathers what the client signed and hands it to
//! [`crate::upstream::signer`]; the canonicalisation rules live there alone. Order of checks,
//! as a gateway resolves a call: the API, the signature's shape and common parameters, the
//! timestamp, the AccessKey, the STS token, the signature, and last the nonce (so a forged
//! request cannot burn a legitimate client's nonce).

use std::sync::Arc;

use actix_web::http::header::HeaderMap;
use secrecy::ExposeSecret as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::params::Params;
use super::reply::ApiError;
use super::state::{AccountSlot, Sandbox};
use crate::upstream::request::API_VERSION;
use crate::upstream::signer::{
    V3_ALGORITHM, V3Request, hash_payload, sign_rpc_v1, sign_v3, signatures_match,
};

/// The seven actions of Workorder 2020-03-26.
pub(crate) const ACTIONS: [&str; 7] = [
    "CreateTicket",
    "ListProducts",
    "ListCategories",
    "ListTickets",
    "ListTicketNotes",
    "ReplyTicket",
    "CloseTicket",
];

/// How far a signing time may be from the server's clock.
const TIMESTAMP_WINDOW_SECS: i64 = 15 * 60;

/// An authenticated call.
#[derive(Debug)]
pub(crate) struct Caller {
    pub slot: Arc<AccountSlot>,
    pub action: &'static str,
}

/// What verification looks at in a request.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a HeaderMap,
    pub params: &'a Params,
    pub body: &'a [u8],
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Verifies the request, v3 when it has an `Authorization` header, else v1.
pub(crate) fn authenticate(sandbox: &Sandbox, req: &Incoming<'_>) -> Result<Caller, ApiError> {
    match req.header("authorization") {
        Some(authorization) => verify_v3(sandbox, req, authorization),
        None => verify_v1(sandbox, req),
    }
}

fn resolve_action(action: &str, version: &str) -> Result<&'static str, ApiError> {
    if version != API_VERSION {
        return Err(ApiError::api_not_found());
    }
    ACTIONS
        .iter()
        .find(|known| **known == action)
        .copied()
        .ok_or_else(ApiError::api_not_found)
}

fn check_timestamp(raw: &str) -> Result<(), ApiError> {
    let at =
        OffsetDateTime::parse(raw.trim(), &Rfc3339).map_err(|_| ApiError::timestamp_format())?;
    let skew = (OffsetDateTime::now_utc() - at).whole_seconds().abs();
    if skew > TIMESTAMP_WINDOW_SECS {
        return Err(ApiError::timestamp_expired());
    }
    Ok(())
}

fn find_account(sandbox: &Sandbox, access_key_id: &str) -> Result<Arc<AccountSlot>, ApiError> {
    sandbox
        .accounts
        .get(access_key_id)
        .cloned()
        .ok_or_else(ApiError::access_key_not_found)
}

/// The token sent must be the account's; none may be sent for an account without one.
fn check_token(slot: &AccountSlot, sent: Option<&str>) -> Result<(), ApiError> {
    match (&slot.account.security_token, sent) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(ApiError::security_token_missing()),
        (None, Some(_)) => Err(ApiError::security_token_mismatch()),
        (Some(expected), Some(sent)) => {
            if signatures_match(expected.expose_secret(), sent) {
                Ok(())
            } else {
                Err(ApiError::security_token_mismatch())
            }
        }
    }
}

fn check_nonce(slot: &AccountSlot, nonce: &str) -> Result<(), ApiError> {
    if slot.remember_nonce(nonce) {
        Ok(())
    } else {
        Err(ApiError::nonce_used())
    }
}

fn verify_v1(sandbox: &Sandbox, req: &Incoming<'_>) -> Result<Caller, ApiError> {
    let params = req.params;
    let action = resolve_action(params.required("Action")?, params.required("Version")?)?;
    if let Some(format) = params.non_empty("Format") {
        // The sandbox answers JSON only; XML clients are told so rather than misled.
        if !format.eq_ignore_ascii_case("JSON") {
            return Err(ApiError::invalid_parameter("Format"));
        }
    }
    if params.required("SignatureMethod")? != "HMAC-SHA1" {
        return Err(ApiError::invalid_parameter("SignatureMethod"));
    }
    if params.required("SignatureVersion")? != "1.0" {
        return Err(ApiError::invalid_parameter("SignatureVersion"));
    }
    let access_key_id = params.required("AccessKeyId")?;
    let signature = params.required("Signature")?;
    check_timestamp(params.required("Timestamp")?)?;
    let nonce = params.required("SignatureNonce")?;
    let slot = find_account(sandbox, access_key_id)?;
    check_token(&slot, params.non_empty("SecurityToken"))?;

    let expected = sign_rpc_v1(
        req.method,
        params.all.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        slot.account.access_key_secret.expose_secret(),
    );
    if !signatures_match(&expected.signature, signature) {
        return Err(ApiError::signature_does_not_match(&expected.string_to_sign));
    }
    check_nonce(&slot, nonce)?;
    Ok(Caller { slot, action })
}

/// The three parts of an `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…` header.
#[derive(Debug, PartialEq, Eq)]
struct Authorization<'a> {
    credential: &'a str,
    signed_headers: Vec<String>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, ApiError> {
    let rest = value
        .trim()
        .strip_prefix(V3_ALGORITHM)
        .filter(|rest| rest.starts_with(' '))
        .ok_or_else(|| {
            ApiError::incomplete_signature("The sandbox supports ACS3-HMAC-SHA256 only.")
        })?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.trim().split(',') {
        let (name, value) = part.trim().split_once('=').ok_or_else(|| {
            ApiError::incomplete_signature("The Authorization header is malformed.")
        })?;
        match name.trim() {
            "Credential" => credential = Some(value.trim()),
            "SignedHeaders" => signed = Some(value.trim()),
            "Signature" => signature = Some(value.trim()),
            _ => {}
        }
    }
    let missing = |what: &str| {
        ApiError::incomplete_signature(&format!("The Authorization header has no {what}."))
    };
    let credential = credential
        .filter(|c| !c.is_empty())
        .ok_or_else(|| missing("Credential"))?;
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("Signature"))?;
    let signed_headers = signed
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("SignedHeaders"))?
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    Ok(Authorization {
        credential,
        signed_headers,
        signature,
    })
}

/// The signed-header rules: `host`, `content-type` when there is a body, and every `x-acs-*`
/// header sent must be signed, and every signed header must be sent.
fn check_signed_headers(req: &Incoming<'_>, signed: &[String]) -> Result<(), ApiError> {
    let is_signed = |name: &str| signed.iter().any(|s| s == name);
    let unsigned =
        |name: &str| ApiError::incomplete_signature(&format!("The header {name} must be signed."));
    if !is_signed("host") {
        return Err(unsigned("host"));
    }
    if !req.body.is_empty() && !is_signed("content-type") {
        return Err(unsigned("content-type"));
    }
    for name in req.headers.keys() {
        let name = name.as_str();
        if name.starts_with("x-acs-") && !is_signed(name) {
            return Err(unsigned(name));
        }
    }
    if let Some(absent) = signed
        .iter()
        .find(|name| !req.headers.contains_key(name.as_str()))
    {
        return Err(ApiError::incomplete_signature(&format!(
            "The signed header {absent} was not sent."
        )));
    }
    Ok(())
}

fn verify_v3(
    sandbox: &Sandbox,
    req: &Incoming<'_>,
    authorization: &str,
) -> Result<Caller, ApiError> {
    let header = |name: &'static str| {
        req.header(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ApiError::missing_parameter(name))
    };
    let action = resolve_action(header("x-acs-action")?, header("x-acs-version")?)?;
    let auth = parse_authorization(authorization)?;
    check_signed_headers(req, &auth.signed_headers)?;
    header("x-acs-content-sha256")?;
    check_timestamp(header("x-acs-date")?)?;
    let nonce = header("x-acs-signature-nonce")?;
    let slot = find_account(sandbox, auth.credential)?;
    check_token(&slot, req.header("x-acs-security-token"))?;

    let mut signed_values: Vec<(&str, &str)> = Vec::new();
    for name in &auth.signed_headers {
        for value in req.headers.get_all(name.as_str()) {
            let value = value.to_str().map_err(|_| {
                ApiError::incomplete_signature(&format!("The header {name} is not valid text."))
            })?;
            signed_values.push((name.as_str(), value));
        }
    }
    let query: Vec<(&str, &str)> = req
        .params
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // The payload hash is recomputed from the bytes received: a body that does not match its
    // x-acs-content-sha256 (which is signed) cannot produce a matching signature.
    let hashed_payload = hash_payload(req.body);
    let expected = sign_v3(
        &V3Request {
            method: req.method,
            path: req.path,
            query: &query,
            headers: &signed_values,
            hashed_payload: &hashed_payload,
        },
        auth.credential,
        slot.account.access_key_secret.expose_secret(),
    );
    if !signatures_match(&expected.signature, auth.signature) {
        return Err(ApiError::signature_does_not_match(&expected.string_to_sign));
    }
    check_nonce(&slot, nonce)?;
    Ok(Caller { slot, action })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_headers_are_parsed_strictly() {
        let parsed = parse_authorization(
            "ACS3-HMAC-SHA256 Credential=LTAIx,SignedHeaders=host;X-Acs-Date,Signature=abc",
        )
        .unwrap();
        assert_eq!(parsed.credential, "LTAIx");
        assert_eq!(parsed.signed_headers, ["host", "x-acs-date"]);
        assert_eq!(parsed.signature, "abc");

        for bad in [
            "ACS3-HMAC-SM3 Credential=a,SignedHeaders=host,Signature=b",
            "ACS3-HMAC-SHA256Credential=a,SignedHeaders=host,Signature=b",
            "ACS3-HMAC-SHA256 Credential=a,Signature=b",
            "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=b",
            "ACS3-HMAC-SHA256 garbage",
        ] {
            assert_eq!(
                parse_authorization(bad).unwrap_err().code,
                "IncompleteSignature",
                "{bad}"
            );
        }
    }

    #[test]
    fn only_the_seven_actions_of_2020_03_26_resolve() {
        assert_eq!(
            resolve_action("ListTickets", "2020-03-26"),
            Ok("ListTickets")
        );
        for (action, version) in [
            ("ListTickets", "2021-06-10"),
            ("DeleteTicket", "2020-03-26"),
        ] {
            assert_eq!(
                resolve_action(action, version).unwrap_err().code,
                "InvalidApi.NotFound"
            );
        }
    }

    #[test]
    fn timestamps_outside_fifteen_minutes_are_expired() {
        let now = OffsetDateTime::now_utc();
        let format = |t: OffsetDateTime| crate::upstream::request::format_timestamp(t);
        assert!(check_timestamp(&format(now - time::Duration::minutes(14))).is_ok());
        assert!(check_timestamp(&format(now + time::Duration::minutes(14))).is_ok());
        for skewed in [
            now - time::Duration::minutes(16),
            now + time::Duration::minutes(16),
        ] {
            assert_eq!(
                check_timestamp(&format(skewed)).unwrap_err().code,
                "InvalidTimeStamp.Expired"
            );
        }
        assert_eq!(
            check_timestamp("yesterday").unwrap_err().code,
            "InvalidTimeStamp.Format"
        );
    }
}
