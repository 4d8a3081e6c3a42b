//! ACS3-HMAC-SHA256 verification: the `Authorization` header, the signed-header rules and the
//! canonical request rebuilt from exactly the headers the client signed (hashed by the
//! shared signer). Business parameters come from the query and, for form bodies, the body.

use super::reply::ErrorReply;
use super::state::Sandbox;
use super::verify::{
    Caller, Incoming, check_nonce, check_timestamp, check_token, find_account, resolve_action,
};
use workorder_api::headers;
use workorder_api::signer::{V3_ALGORITHM, V3Request, hash_payload, sign_v3, signatures_match};

/// The three parts of an `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…` header.
#[derive(Debug, PartialEq, Eq)]
struct Authorization<'a> {
    credential: &'a str,
    signed_headers: Vec<String>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, ErrorReply> {
    let rest = value
        .trim()
        .strip_prefix(V3_ALGORITHM)
        .filter(|rest| rest.starts_with(' '))
        .ok_or_else(|| {
            ErrorReply::incomplete_signature("The sandbox supports ACS3-HMAC-SHA256 only.")
        })?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.trim().split(',') {
        let (name, value) = part.trim().split_once('=').ok_or_else(|| {
            ErrorReply::incomplete_signature("The Authorization header is malformed.")
        })?;
        match name.trim() {
            "Credential" => credential = Some(value.trim()),
            "SignedHeaders" => signed = Some(value.trim()),
            "Signature" => signature = Some(value.trim()),
            _ => {}
        }
    }
    let missing = |what: &str| {
        ErrorReply::incomplete_signature(&format!("The Authorization header has no {what}."))
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
fn check_signed_headers(req: &Incoming<'_>, signed: &[String]) -> Result<(), ErrorReply> {
    let is_signed = |name: &str| signed.iter().any(|s| s == name);
    let unsigned = |name: &str| {
        ErrorReply::incomplete_signature(&format!("The header {name} must be signed."))
    };
    if !is_signed("host") {
        return Err(unsigned("host"));
    }
    if !req.body.is_empty() && !is_signed("content-type") {
        return Err(unsigned("content-type"));
    }
    for name in req.headers.keys() {
        let name = name.as_str();
        if name.starts_with(headers::PREFIX) && !is_signed(name) {
            return Err(unsigned(name));
        }
    }
    if let Some(absent) = signed
        .iter()
        .find(|name| !req.headers.contains_key(name.as_str()))
    {
        return Err(ErrorReply::incomplete_signature(&format!(
            "The signed header {absent} was not sent."
        )));
    }
    Ok(())
}

pub(super) fn verify_v3(
    sandbox: &Sandbox,
    req: &Incoming<'_>,
    authorization: &str,
) -> Result<Caller, ErrorReply> {
    let header = |name: &'static str| {
        req.header(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ErrorReply::missing_parameter(name))
    };
    let action = resolve_action(header(headers::ACTION)?, header(headers::VERSION)?)?;
    let auth = parse_authorization(authorization)?;
    check_signed_headers(req, &auth.signed_headers)?;
    header(headers::CONTENT_SHA256)?;
    check_timestamp(header(headers::DATE)?)?;
    let nonce = header(headers::SIGNATURE_NONCE)?;
    let key = find_account(sandbox, auth.credential)?;
    check_token(&key, req.header(headers::SECURITY_TOKEN))?;

    let mut signed_values: Vec<(&str, &str)> = Vec::new();
    for name in &auth.signed_headers {
        for value in req.headers.get_all(name.as_str()) {
            let value = value.to_str().map_err(|_| {
                ErrorReply::incomplete_signature(&format!("The header {name} is not valid text."))
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
        key.secret(),
    );
    if !signatures_match(&expected.signature, auth.signature) {
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
}
