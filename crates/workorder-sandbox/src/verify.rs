//! Who is calling and whether they may: the API resolution (`Action`, `Version`), the
//! signature (RPC v1 or ACS3-HMAC-SHA256), the STS token, the timestamp window and the nonce.
//!
//! This module only gathers what the client signed and hands it to
//! [`workorder_api::signer`]; the canonicalisation rules live there alone. Order of checks,
//! as a gateway resolves a call: the API, the signature's shape and common parameters, the
//! timestamp, the AccessKey, the STS token, the signature, and last the nonce (so a forged
//! request cannot burn a legitimate client's nonce). RPC v1 is here; V3 is in `verify_v3`.

use std::sync::Arc;

use actix_web::http::header::HeaderMap;
use secrecy::ExposeSecret as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::params::Params;
use super::reply::ErrorReply;
use super::state::{AccountSlot, Sandbox};
use workorder_api::ACTIONS;
use workorder_api::API_VERSION;
use workorder_api::signer::{sign_rpc_v1, signatures_match};

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
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Verifies the request: V3 when it has an `ACS3-…` `Authorization` header (or any
/// `Authorization` and no v1 `Signature` parameter), else RPC v1. So a v1 call that crosses a
/// proxy adding its own `Authorization` still verifies as v1.
pub(crate) fn authenticate(sandbox: &Sandbox, req: &Incoming<'_>) -> Result<Caller, ErrorReply> {
    match req.header("authorization") {
        Some(authorization)
            if authorization.trim_start().starts_with("ACS3-")
                || req.params.get("Signature").is_none() =>
        {
            super::verify_v3::verify_v3(sandbox, req, authorization)
        }
        _ => verify_v1(sandbox, req),
    }
}

pub(super) fn resolve_action(action: &str, version: &str) -> Result<&'static str, ErrorReply> {
    if version != API_VERSION {
        return Err(ErrorReply::api_not_found());
    }
    ACTIONS
        .iter()
        .find(|known| **known == action)
        .copied()
        .ok_or_else(ErrorReply::api_not_found)
}

pub(super) fn check_timestamp(raw: &str) -> Result<(), ErrorReply> {
    let at =
        OffsetDateTime::parse(raw.trim(), &Rfc3339).map_err(|_| ErrorReply::timestamp_format())?;
    let skew = (OffsetDateTime::now_utc() - at).whole_seconds().abs();
    if skew > TIMESTAMP_WINDOW_SECS {
        return Err(ErrorReply::timestamp_expired());
    }
    Ok(())
}

pub(super) fn find_account(
    sandbox: &Sandbox,
    access_key_id: &str,
) -> Result<Arc<AccountSlot>, ErrorReply> {
    sandbox
        .accounts
        .get(access_key_id)
        .cloned()
        .ok_or_else(ErrorReply::access_key_not_found)
}

/// The token sent must be the account's; none may be sent for an account without one.
pub(super) fn check_token(slot: &AccountSlot, sent: Option<&str>) -> Result<(), ErrorReply> {
    match (&slot.account.security_token, sent) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(ErrorReply::security_token_missing()),
        (None, Some(_)) => Err(ErrorReply::security_token_mismatch()),
        (Some(expected), Some(sent)) => {
            if signatures_match(expected.expose_secret(), sent) {
                Ok(())
            } else {
                Err(ErrorReply::security_token_mismatch())
            }
        }
    }
}

pub(super) fn check_nonce(slot: &AccountSlot, nonce: &str) -> Result<(), ErrorReply> {
    if slot.remember_nonce(nonce) {
        Ok(())
    } else {
        Err(ErrorReply::nonce_used())
    }
}

fn verify_v1(sandbox: &Sandbox, req: &Incoming<'_>) -> Result<Caller, ErrorReply> {
    let params = req.params;
    let action = resolve_action(params.required("Action")?, params.required("Version")?)?;
    if let Some(format) = params.non_empty("Format") {
        // The sandbox answers JSON only; XML clients are told so rather than misled.
        if !format.eq_ignore_ascii_case("JSON") {
            return Err(ErrorReply::invalid_parameter("Format"));
        }
    }
    if params.required("SignatureMethod")? != "HMAC-SHA1" {
        return Err(ErrorReply::invalid_parameter("SignatureMethod"));
    }
    if params.required("SignatureVersion")? != "1.0" {
        return Err(ErrorReply::invalid_parameter("SignatureVersion"));
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
        return Err(ErrorReply::signature_does_not_match(
            &expected.string_to_sign,
        ));
    }
    check_nonce(&slot, nonce)?;
    Ok(Caller { slot, action })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let format = |t: OffsetDateTime| workorder_api::request::format_timestamp(t);
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
