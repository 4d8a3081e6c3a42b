//! The outer layers of a bearer token, read before `jsonwebtoken::decode` sees it: the
//! `Authorization` header, the length bound and the three base64url parts, and the JOSE header
//! fields key selection needs (`alg`, `kid`, `typ`). The library reads the header too, but
//! neither refuses `crit` nor tells an unknown `alg` from junk, and it decodes before any bound.
//!
//! Invariants: nothing here allocates on the success path (the header is decoded into a caller's
//! stack buffer and borrowed from it); a header with `crit` is refused because the gateway
//! understands no JWS extension (RFC 7515 §4.1.11); an `alg` that no [`Algorithm`] names
//! (`none` included) is [`AuthError::AlgorithmNotAllowed`], not "malformed", so logs say what
//! was attempted; a `typ` that is not a string is malformed (RFC 7515 §4.1.9 makes it one).

use std::borrow::Cow;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::error::AuthError;

/// Tokens longer than this are refused before any decoding (a JWT with a few claims is well
/// under 2 KiB; this bounds the work an anonymous caller can ask for).
pub(crate) const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Room for the decoded JOSE header.
pub(crate) const HEADER_BUF_LEN: usize = 1024;

/// The token in `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235 §2.1).
pub(crate) fn bearer_token(authorization: Option<&str>) -> Result<&str, AuthError> {
    let value = authorization.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Err(AuthError::Missing);
    }
    if value.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Missing);
    }
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Malformed);
    }
    let token = token.trim_start();
    if token.is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token)
}

/// A compact JWS split into its parts; all borrowed from the token.
#[derive(Clone, Copy)]
pub(crate) struct Parts<'t> {
    /// `header.payload`, the signed bytes.
    pub(crate) signing_input: &'t str,
    pub(crate) header: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
}

/// Splits a compact JWS into exactly three non-empty base64url parts.
pub(crate) fn split(token: &str) -> Result<Parts<'_>, AuthError> {
    if token.len() > MAX_TOKEN_LEN || !token.bytes().all(is_token_byte) {
        return Err(AuthError::Malformed);
    }
    let (signing_input, signature) = token.rsplit_once('.').ok_or(AuthError::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(AuthError::Malformed)?;
    if header.is_empty() || payload.is_empty() || signature.is_empty() || payload.contains('.') {
        return Err(AuthError::Malformed);
    }
    Ok(Parts {
        signing_input,
        header,
        payload,
        signature,
    })
}

/// Lengths only: the parts are the token, which never appears in logs or errors.
impl std::fmt::Debug for Parts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts")
            .field("signing_input_len", &self.signing_input.len())
            .field("header_len", &self.header.len())
            .field("payload_len", &self.payload.len())
            .field("signature_len", &self.signature.len())
            .finish()
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'
}

/// The JOSE header fields the gateway acts on.
#[derive(Debug)]
pub(crate) struct JoseHeader<'b> {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<Cow<'b, str>>,
    pub(crate) typ: Option<Cow<'b, str>>,
}

#[derive(Deserialize)]
struct RawHeader<'b> {
    #[serde(borrow)]
    alg: Cow<'b, str>,
    #[serde(borrow, default)]
    kid: Option<Cow<'b, str>>,
    #[serde(borrow, default)]
    typ: Option<Cow<'b, str>>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

/// Decodes the base64url JOSE header into `buf` and reads `alg` and `kid` from it.
pub(crate) fn parse_header<'b>(
    encoded: &str,
    buf: &'b mut [u8; HEADER_BUF_LEN],
) -> Result<JoseHeader<'b>, AuthError> {
    let len = URL_SAFE_NO_PAD
        .decode_slice(encoded, buf)
        .map_err(|_| AuthError::Malformed)?;
    let json = &buf[..len];
    // A derived `Deserialize` also accepts a JSON array (`["HS256"]`); the header must be an
    // object (RFC 7515 §4).
    if json.trim_ascii_start().first() != Some(&b'{') {
        return Err(AuthError::Malformed);
    }
    let raw: RawHeader<'b> = serde_json::from_slice(json).map_err(|_| AuthError::Malformed)?;
    if raw.crit.is_some() {
        return Err(AuthError::Malformed);
    }
    let alg = Algorithm::from_str(&raw.alg).map_err(|_| AuthError::AlgorithmNotAllowed)?;
    Ok(JoseHeader {
        alg,
        kid: raw.kid,
        typ: raw.typ,
    })
}

/// Whether the header's `typ` names the `required` media type. RFC 7515 §4.1.9: a `typ`
/// without a `/` stands for `application/<typ>`, and media types compare case-insensitively
/// (RFC 2045 §5.1), so `at+jwt`, `AT+JWT` and `application/at+jwt` are one type (RFC 9068 §4).
pub(crate) fn typ_matches(typ: Option<&str>, required: &str) -> bool {
    const APPLICATION: &str = "application/";
    fn subtype(media_type: &str) -> &str {
        match media_type.get(..APPLICATION.len()) {
            Some(prefix) if prefix.eq_ignore_ascii_case(APPLICATION) => {
                &media_type[APPLICATION.len()..]
            }
            _ => media_type,
        }
    }
    typ.is_some_and(|typ| subtype(typ).eq_ignore_ascii_case(subtype(required)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_other_schemes_are_malformed() {
        let cases = [
            (None, Err(AuthError::Missing)),
            (Some(""), Err(AuthError::Missing)),
            (Some("Bearer "), Err(AuthError::Missing)),
            (Some("Bearer a.b.c"), Ok("a.b.c")),
            (Some("bearer a.b.c"), Ok("a.b.c")),
            (Some("BEARER   a.b.c"), Ok("a.b.c")),
            (Some("Basic dXNlcjpwYXNz"), Err(AuthError::Malformed)),
            (Some("a.b.c"), Err(AuthError::Malformed)),
        ];
        for (header, expected) in cases {
            assert_eq!(bearer_token(header), expected, "{header:?}");
        }
    }

    #[test]
    fn tokens_without_exactly_three_base64url_parts_are_malformed() {
        let too_long = "a".repeat(MAX_TOKEN_LEN) + ".b.c";
        for token in [
            "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "a.b+.c", "a b.c.d", &too_long,
        ] {
            assert_eq!(
                split(token).map(|_| ()),
                Err(AuthError::Malformed),
                "{token}"
            );
        }
        let parts = split("h.p.s").unwrap();
        assert_eq!(
            (
                parts.signing_input,
                parts.header,
                parts.payload,
                parts.signature
            ),
            ("h.p", "h", "p", "s")
        );
    }

    #[test]
    fn header_alg_none_or_unknown_is_not_allowed_and_junk_is_malformed() {
        let cases = [
            (
                b64(r#"{"alg":"none"}"#),
                Err(AuthError::AlgorithmNotAllowed),
            ),
            (
                b64(r#"{"alg":"HS1024"}"#),
                Err(AuthError::AlgorithmNotAllowed),
            ),
            (b64(r#"{"typ":"JWT"}"#), Err(AuthError::Malformed)),
            (
                b64(r#"{"alg":"HS256","crit":["exp"]}"#),
                Err(AuthError::Malformed),
            ),
            (b64(r#"["alg"]"#), Err(AuthError::Malformed)),
            ("!!".to_owned(), Err(AuthError::Malformed)),
            (
                b64(r#"{"alg":"ES256","kid":"k1"}"#),
                Ok((Algorithm::ES256, Some("k1"))),
            ),
            (b64(r#"{"alg":"RS256"}"#), Ok((Algorithm::RS256, None))),
            (b64(r#"{"alg":"RS256","typ":7}"#), Err(AuthError::Malformed)),
        ];
        for (encoded, expected) in cases {
            let mut buf = [0; HEADER_BUF_LEN];

            let got = parse_header(&encoded, &mut buf);

            let got = got.as_ref().map(|h| (h.alg, h.kid.as_deref()));
            assert_eq!(got, expected.as_ref().map(|(a, k)| (*a, *k)), "{encoded}");
        }
    }

    #[test]
    fn typ_is_compared_as_a_media_type_with_an_optional_application_prefix() {
        let cases = [
            (Some("at+jwt"), "at+jwt", true),
            (Some("AT+JWT"), "at+jwt", true),
            (Some("application/at+jwt"), "at+jwt", true),
            (Some("Application/At+Jwt"), "at+jwt", true),
            (Some("at+jwt"), "application/at+jwt", true),
            (Some("JWT"), "at+jwt", false),
            (Some("application/jwt"), "at+jwt", false),
            (Some("text/at+jwt"), "at+jwt", false),
            (Some("at+jwt "), "at+jwt", false),
            (Some(""), "at+jwt", false),
            (None, "at+jwt", false),
        ];
        for (typ, required, expected) in cases {
            assert_eq!(
                typ_matches(typ, required),
                expected,
                "{typ:?} vs {required}"
            );
        }
    }
}
