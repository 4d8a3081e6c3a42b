//! [`Claims`]: what a verified token says about its caller, and the rules its payload must
//! meet: `exp` required, then `nbf`, `iat` (never in the future; required, and `exp - iat`
//! bounded, when a maximum lifetime is configured), `iss`, `aud` (the last two only when
//! configured), then `sub` and the tenant as non-empty strings, permissions from roles and
//! `scope`.
//!
//! Invariant: `exp`, `nbf` and `iat` are compared with the configured leeway (the lifetime is a
//! difference of two issuer-side times, so it gets none); a claim of the wrong type is
//! [`AuthError::InvalidClaim`], never silently ignored. Reading the JSON is `payload.rs`.

use super::error::{AuthError, Claim};
use super::payload::{AudienceMatch, PermissionList, RawClaims, Value, parse_payload};
use super::permissions::Permissions;

/// The authenticated caller, from a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// `sub`: the internal user id.
    pub subject: String,
    /// The tenant claim: which configured tenant the caller acts for (not yet checked against
    /// the tenant registry).
    pub tenant: String,
    /// Union of the roles claim and the OAuth `scope`, unknown names dropped.
    pub permissions: Permissions,
}

/// The configuration-side rules for reading claims.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClaimRules<'c> {
    pub(crate) tenant_claim: &'c str,
    pub(crate) roles_claim: &'c str,
    pub(crate) issuer: Option<&'c str>,
    pub(crate) audience: Option<&'c str>,
    pub(crate) leeway_secs: u64,
    pub(crate) max_lifetime_secs: Option<u64>,
}

/// Reads and checks the decoded payload of a token whose signature already verified.
/// `now` is seconds since the Unix epoch.
pub(crate) fn read_claims(
    payload: &[u8],
    rules: &ClaimRules<'_>,
    now: u64,
) -> Result<Claims, AuthError> {
    check(parse_payload(payload, rules)?, rules, now)
}

/// Applies the rules to the claims read from the payload.
fn check(raw: RawClaims<'_>, rules: &ClaimRules<'_>, now: u64) -> Result<Claims, AuthError> {
    let now = now as f64;
    let leeway = rules.leeway_secs as f64;
    let exp = match raw.exp {
        None => return Err(AuthError::MissingClaim(Claim::Expiry)),
        Some(Value::Num(exp)) if now >= exp + leeway => return Err(AuthError::Expired),
        Some(Value::Num(exp)) => exp,
        Some(_) => return Err(AuthError::InvalidClaim(Claim::Expiry)),
    };
    match raw.nbf {
        None => {}
        Some(Value::Num(nbf)) if now + leeway < nbf => return Err(AuthError::NotYetValid),
        Some(Value::Num(_)) => {}
        Some(_) => return Err(AuthError::InvalidClaim(Claim::NotBefore)),
    }
    check_issued_at(raw.iat, exp, rules, now)?;
    if let Some(expected) = rules.issuer {
        match raw.iss {
            None => return Err(AuthError::MissingClaim(Claim::Issuer)),
            Some(Value::Str(iss)) if iss == expected => {}
            Some(Value::Str(_)) => return Err(AuthError::WrongIssuer),
            Some(_) => return Err(AuthError::InvalidClaim(Claim::Issuer)),
        }
    }
    if rules.audience.is_some() {
        match raw.aud {
            None => return Err(AuthError::MissingClaim(Claim::Audience)),
            Some(AudienceMatch::Matches(true)) => {}
            Some(AudienceMatch::Matches(false)) => return Err(AuthError::WrongAudience),
            Some(AudienceMatch::Invalid) => {
                return Err(AuthError::InvalidClaim(Claim::Audience));
            }
        }
    }
    let subject = required_string(raw.sub, Claim::Subject)?;
    let tenant = required_string(raw.tenant, Claim::Tenant)?;
    let roles = match raw.roles {
        None => Permissions::empty(),
        Some(PermissionList::Valid(p)) => p,
        Some(PermissionList::Invalid) => return Err(AuthError::InvalidClaim(Claim::Roles)),
    };
    let scope = match raw.scope {
        None => Permissions::empty(),
        Some(Value::Str(s)) => Permissions::from_space_separated(&s),
        Some(_) => return Err(AuthError::InvalidClaim(Claim::Scope)),
    };
    Ok(Claims {
        subject,
        tenant,
        permissions: roles.union(scope),
    })
}

/// `iat`: a token from the future is refused whatever the configuration (the issuer's clock, or
/// the token, cannot be trusted); with a maximum lifetime, `iat` is required, since without it
/// the lifetime of a token with a far `exp` could not be bounded.
fn check_issued_at(
    iat: Option<Value<'_>>,
    exp: f64,
    rules: &ClaimRules<'_>,
    now: f64,
) -> Result<(), AuthError> {
    let iat = match iat {
        None => None,
        Some(Value::Num(iat)) if iat > now + rules.leeway_secs as f64 => {
            return Err(AuthError::IssuedInFuture);
        }
        Some(Value::Num(iat)) => Some(iat),
        Some(_) => return Err(AuthError::InvalidClaim(Claim::IssuedAt)),
    };
    match (rules.max_lifetime_secs, iat) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(AuthError::MissingClaim(Claim::IssuedAt)),
        (Some(max), Some(iat)) if exp - iat > max as f64 => Err(AuthError::LifetimeTooLong),
        (Some(_), Some(_)) => Ok(()),
    }
}

/// A non-empty string claim.
fn required_string(value: Option<Value<'_>>, claim: Claim) -> Result<String, AuthError> {
    match value {
        None => Err(AuthError::MissingClaim(claim)),
        Some(Value::Str(s)) if !s.is_empty() => Ok(s.into_owned()),
        Some(_) => Err(AuthError::InvalidClaim(claim)),
    }
}
