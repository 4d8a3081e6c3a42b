//! [`Claims`]: what a verified token says about its caller, and `ClaimRules`: how a payload
//! becomes one.
//!
//! `jsonwebtoken::decode` does the registered-claim work: `exp` required and compared with the
//! leeway, `nbf` compared with it, `iss` and `aud` compared with the configured values. On top of
//! it, `ClaimRules::read` checks what the library does not know about: `iat` (never in the
//! future beyond the leeway; required, and `exp - iat` bounded, when a maximum lifetime is
//! configured), `sub` and the tenant as non-empty strings, permissions from roles and `scope`,
//! and the shapes the gateway insists on (`iss` a string, `aud` a string or an array of
//! strings).
//!
//! Invariants: a claim of the wrong type is [`AuthError::InvalidClaim`], never silently
//! ignored; a claim that appears twice makes the token malformed (no "first or last wins"
//! ambiguity); the payload must be exactly one JSON object.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::error::{AuthError, Claim};
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
    /// `exp`, whole seconds since the Unix epoch (a fraction rounds down: the token is
    /// expired no later than the library says). Long-lived responses (event streams) end then.
    pub expires_at: u64,
}

/// A token payload as `jsonwebtoken::decode` hands it over: every claim, a duplicate refused.
/// (A plain map would keep the last of two values silently.)
#[derive(Debug)]
pub(crate) struct ClaimSet(Map<String, Value>);

impl<'de> Deserialize<'de> for ClaimSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;

        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = ClaimSet;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of claims")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ClaimSet, A::Error> {
                let mut claims = Map::new();
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    if claims.contains_key(&name) {
                        return Err(de::Error::custom("duplicate claim"));
                    }
                    claims.insert(name, value);
                }
                Ok(ClaimSet(claims))
            }
        }

        d.deserialize_map(ObjectVisitor)
    }
}

impl ClaimSet {
    /// Whether the payload names `claim` at all (whatever its value).
    pub(crate) fn has(&self, claim: &str) -> bool {
        self.0.contains_key(claim)
    }

    fn get(&self, claim: &str) -> Option<&Value> {
        self.0.get(claim)
    }
}

/// The configuration-side rules for the claims the library does not check.
#[derive(Debug, Clone)]
pub(crate) struct ClaimRules {
    pub(crate) tenant_claim: String,
    pub(crate) roles_claim: String,
    /// Whether `iss` / `aud` are configured (the library compares their values).
    pub(crate) issuer_required: bool,
    pub(crate) audience_required: bool,
    pub(crate) leeway_secs: u64,
    pub(crate) max_lifetime_secs: Option<u64>,
}

impl ClaimRules {
    /// Applies the rules to the claims of a token whose signature verified and whose
    /// registered claims the library accepted. `now` is seconds since the Unix epoch.
    pub(crate) fn read(&self, claims: &ClaimSet, now: u64) -> Result<Claims, AuthError> {
        if self.issuer_required && !matches!(claims.get("iss"), Some(Value::String(_))) {
            return Err(AuthError::InvalidClaim(Claim::Issuer));
        }
        if self.audience_required && !is_audience(claims.get("aud")) {
            return Err(AuthError::InvalidClaim(Claim::Audience));
        }
        self.check_issued_at(claims, now)?;
        let subject = required_string(claims.get("sub"), Claim::Subject)?;
        let tenant = required_string(claims.get(&self.tenant_claim), Claim::Tenant)?;
        let roles = match claims.get(&self.roles_claim) {
            None => Permissions::empty(),
            Some(value) => permission_list(value).ok_or(AuthError::InvalidClaim(Claim::Roles))?,
        };
        let scope = match claims.get("scope") {
            None => Permissions::empty(),
            Some(Value::String(s)) => Permissions::from_space_separated(s),
            Some(_) => return Err(AuthError::InvalidClaim(Claim::Scope)),
        };
        // The library has already required `exp` and accepted it as a NumericDate.
        let expires_at = claims
            .get("exp")
            .and_then(numeric_date)
            .ok_or(AuthError::InvalidClaim(Claim::Expiry))?;
        Ok(Claims {
            subject,
            tenant,
            permissions: roles.union(scope),
            // Truncation is the rounding asked for; NumericDates fit u64 seconds.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            expires_at: expires_at as u64,
        })
    }

    /// `iat`: a token from the future is refused whatever the configuration (the issuer's
    /// clock, or the token, cannot be trusted); with a maximum lifetime, `iat` is required,
    /// since without it the lifetime of a token with a far `exp` could not be bounded. The
    /// lifetime is a difference of two issuer-side times, so it gets no leeway.
    fn check_issued_at(&self, claims: &ClaimSet, now: u64) -> Result<(), AuthError> {
        let iat = match claims.get("iat") {
            None => None,
            Some(value) => {
                let iat = numeric_date(value).ok_or(AuthError::InvalidClaim(Claim::IssuedAt))?;
                if iat > (now + self.leeway_secs) as f64 {
                    return Err(AuthError::IssuedInFuture);
                }
                Some(iat)
            }
        };
        let Some(max) = self.max_lifetime_secs else {
            return Ok(());
        };
        let iat = iat.ok_or(AuthError::MissingClaim(Claim::IssuedAt))?;
        // The library has already accepted `exp` as a NumericDate.
        let exp = claims
            .get("exp")
            .and_then(numeric_date)
            .ok_or(AuthError::InvalidClaim(Claim::Expiry))?;
        if exp - iat > max as f64 {
            return Err(AuthError::LifetimeTooLong);
        }
        Ok(())
    }
}

/// A NumericDate (RFC 7519 §2): a non-negative number, fractions allowed.
fn numeric_date(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .filter(|secs| secs.is_finite() && *secs >= 0.0)
}

/// `aud`: one string or an array of strings (RFC 7519 §4.1.3).
fn is_audience(value: Option<&Value>) -> bool {
    match value {
        Some(Value::String(_)) => true,
        Some(Value::Array(items)) => items.iter().all(Value::is_string),
        _ => false,
    }
}

/// The roles claim: an array of strings (or, leniently, one space-separated string); `None`
/// for any other shape.
fn permission_list(value: &Value) -> Option<Permissions> {
    match value {
        Value::String(s) => Some(Permissions::from_space_separated(s)),
        Value::Array(items) => {
            let mut set = Permissions::empty();
            for item in items {
                set.insert_str(item.as_str()?);
            }
            Some(set)
        }
        _ => None,
    }
}

/// A non-empty string claim.
fn required_string(value: Option<&Value>, claim: Claim) -> Result<String, AuthError> {
    match value {
        None => Err(AuthError::MissingClaim(claim)),
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(_) => Err(AuthError::InvalidClaim(claim)),
    }
}
