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
use super::sts::{IssuedKey, STS_ACTIONS, STS_VERSION};
use workorder_api::ACTIONS;
use workorder_api::API_VERSION;
use workorder_api::signer::{sign_rpc_v1, signatures_match};
use workorder_api::v2021;

/// How far a signing time may be from the server's clock.
const TIMESTAMP_WINDOW_SECS: i64 = 15 * 60;

/// An authenticated call.
#[derive(Debug)]
pub(crate) struct Caller {
    /// The account acted as (for issued STS credentials, the role's account).
    pub slot: Arc<AccountSlot>,
    pub action: &'static str,
    /// The API version the action was called under (`2020-03-26`, `2021-06-10` or STS's).
    pub version: &'static str,
    /// The issued STS credentials the call was signed with, if any.
    pub issued: Option<Arc<IssuedKey>>,
}

/// The AccessKey a call names: an account's own, or credentials STS issued for a role.
#[derive(Debug)]
pub(crate) struct Key {
    pub slot: Arc<AccountSlot>,
    pub issued: Option<Arc<IssuedKey>>,
}

impl Key {
    /// The secret the signature must be computed with.
    pub fn secret(&self) -> &str {
        match &self.issued {
            Some(issued) => issued.secret(),
            None => self.slot.account.access_key_secret.expose_secret(),
        }
    }

    fn token(&self) -> Option<&secrecy::SecretString> {
        match &self.issued {
            Some(issued) => Some(issued.token()),
            None => self.slot.account.security_token.as_ref(),
        }
    }

    pub fn into_caller(self, (action, version): (&'static str, &'static str)) -> Caller {
        Caller {
            slot: self.slot,
            action,
            version,
            issued: self.issued,
        }
    }
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

/// The action and version of a known API: Workorder's seven under 2020-03-26 and twelve under
/// 2021-06-10 (one endpoint serves both, by `Version`), STS's under 2015-04-01 (the sandbox
/// endpoint plays both products).
pub(super) fn resolve_action(
    action: &str,
    version: &str,
) -> Result<(&'static str, &'static str), ErrorReply> {
    let (version, known): (&'static str, &[&'static str]) = match version {
        API_VERSION => (API_VERSION, &ACTIONS),
        v2021::API_VERSION => (v2021::API_VERSION, &v2021::ACTIONS),
        STS_VERSION => (STS_VERSION, &STS_ACTIONS),
        _ => return Err(ErrorReply::api_not_found()),
    };
    known
        .iter()
        .find(|known| **known == action)
        .map(|action| (*action, version))
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

pub(super) fn find_account(sandbox: &Sandbox, access_key_id: &str) -> Result<Key, ErrorReply> {
    if let Some(slot) = sandbox.accounts.get(access_key_id) {
        return Ok(Key {
            slot: Arc::clone(slot),
            issued: None,
        });
    }
    let issued = sandbox
        .sts
        .find(access_key_id)
        .ok_or_else(ErrorReply::access_key_not_found)?;
    Ok(Key {
        slot: Arc::clone(&issued.slot),
        issued: Some(issued),
    })
}

/// The token sent must be the key's; none may be sent for an account without one. Issued
/// credentials past their expiry are refused once the token proves the caller holds them.
pub(super) fn check_token(key: &Key, sent: Option<&str>) -> Result<(), ErrorReply> {
    check_token_value(key.token(), sent)?;
    if key.issued.as_ref().is_some_and(|issued| issued.expired()) {
        return Err(ErrorReply::security_token_expired());
    }
    Ok(())
}

fn check_token_value(
    expected: Option<&secrecy::SecretString>,
    sent: Option<&str>,
) -> Result<(), ErrorReply> {
    match (expected, sent) {
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
    let key = find_account(sandbox, access_key_id)?;
    check_token(&key, params.non_empty("SecurityToken"))?;

    let expected = sign_rpc_v1(
        req.method,
        params.all.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        key.secret(),
    );
    if !signatures_match(&expected.signature, signature) {
        return Err(ErrorReply::signature_does_not_match(
            &expected.string_to_sign,
        ));
    }
    check_nonce(&key.slot, nonce)?;
    Ok(key.into_caller(action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_version_resolves_only_its_own_actions() {
        assert_eq!(
            resolve_action("ListTickets", "2020-03-26"),
            Ok(("ListTickets", "2020-03-26"))
        );
        assert_eq!(
            resolve_action("GetTicket", "2021-06-10"),
            Ok(("GetTicket", "2021-06-10"))
        );
        for (action, version) in [
            ("GetTicket", "2020-03-26"),
            ("DeleteTicket", "2021-06-10"),
            ("ListTickets", "2019-01-01"),
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
