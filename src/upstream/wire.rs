//! A signed request's headers as `reqwest` sends them: the transport's half of the request
//! layout (`workorder_api::request` decides the names and values, this marks the credentials
//! sensitive and builds the header map).

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use workorder_api::headers::SENSITIVE;
use workorder_api::request::SignedRequest;

/// A header of a signed call whose value is not valid in HTTP.
#[derive(Debug, thiserror::Error)]
#[error("header {0} has a value that cannot be sent")]
pub struct UnsendableHeader(pub &'static str);

/// The headers as sent: all but `host` (the transport writes the same value from the URL),
/// each of the credential headers (`workorder_api::headers::SENSITIVE`) marked sensitive, so
/// the HTTP stack never adds them to an HTTP/2 header compression table and `Debug` prints
/// `Sensitive` instead of the value.
pub fn header_map(signed: &SignedRequest) -> Result<HeaderMap, UnsendableHeader> {
    let mut headers = HeaderMap::with_capacity(signed.headers.len());
    for (name, value) in &signed.headers {
        if *name == "host" {
            continue;
        }
        let mut value = HeaderValue::from_str(value).map_err(|_| UnsendableHeader(name))?;
        value.set_sensitive(SENSITIVE.contains(name));
        headers.insert(HeaderName::from_static(name), value);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use time::OffsetDateTime;
    use workorder_api::request::{CallSpec, sign_call};
    use workorder_api::{Credentials, SignatureVersion};

    use super::*;

    fn spec() -> CallSpec<'static> {
        CallSpec {
            action: "ListTickets",
            params: &[],
            host: "workorder.aliyuncs.com",
            timestamp: OffsetDateTime::UNIX_EPOCH,
            nonce: "nonce-1",
        }
    }

    fn sts() -> Credentials {
        Credentials::new("STS.key-id", SecretString::from("key-secret"))
            .with_security_token(SecretString::from("sts-token-7f3a"))
    }

    #[test]
    fn the_v3_signature_and_the_sts_token_are_sent_as_sensitive_headers_and_nothing_else_is() {
        let signed = sign_call(SignatureVersion::V3, &sts(), &spec());

        let headers = header_map(&signed).unwrap();

        assert_eq!(headers["x-acs-security-token"], "sts-token-7f3a");
        assert!(
            headers["authorization"]
                .to_str()
                .unwrap()
                .starts_with("ACS3-HMAC-SHA256 Credential=STS.key-id,")
        );
        let sensitive: Vec<&str> = headers
            .iter()
            .filter(|(_, value)| value.is_sensitive())
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(sensitive, ["x-acs-security-token", "authorization"]);
        assert_eq!(headers.len(), 8, "{headers:?}");
        assert!(!headers.contains_key("host"));
        let shown = format!("{headers:?}");
        assert!(!shown.contains("sts-token-7f3a"), "{shown}");
        assert!(!shown.contains("Signature="), "{shown}");
    }

    #[test]
    fn v1_sends_no_credential_header() {
        let signed = sign_call(SignatureVersion::V1, &sts(), &spec());

        let headers = header_map(&signed).unwrap();

        assert!(signed.query.contains("SecurityToken=sts-token-7f3a"));
        assert!(headers.is_empty(), "{headers:?}");
    }

    #[test]
    fn a_header_value_that_cannot_be_sent_is_named() {
        let signed = SignedRequest {
            query: String::new(),
            headers: vec![("x-acs-action", "bad\nvalue".to_owned())],
            body: Vec::new(),
        };

        let error = header_map(&signed).unwrap_err();

        assert_eq!(
            error.to_string(),
            "header x-acs-action has a value that cannot be sent"
        );
    }
}
