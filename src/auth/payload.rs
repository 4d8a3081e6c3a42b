//! Reading a token payload in one pass: only the claims the gateway acts on are looked at
//! (everything else is skipped without being built), typed just enough for
//! [`super::claims`] to judge them.
//!
//! Invariants: strings are borrowed from the payload where JSON allows, so a valid token costs
//! two small allocations (`sub` and the tenant) beyond the base64 decoding; roles and `aud` are
//! folded while reading (into a permission bit set, into "contains the expected audience"); a
//! claim that appears twice makes the token malformed (no "first or last wins" ambiguity); the
//! payload must be exactly one JSON object.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::claims::ClaimRules;
use super::error::AuthError;
use super::permissions::Permissions;

/// Reads the claims `rules` cares about from the decoded payload JSON.
pub(crate) fn parse_payload<'p>(
    payload: &'p [u8],
    rules: &ClaimRules<'_>,
) -> Result<RawClaims<'p>, AuthError> {
    let mut de = serde_json::Deserializer::from_slice(payload);
    let raw = PayloadSeed(rules)
        .deserialize(&mut de)
        .map_err(|_| AuthError::Malformed)?;
    de.end().map_err(|_| AuthError::Malformed)?;
    Ok(raw)
}

/// One claim value, typed only as far as the checks need.
#[derive(Debug)]
pub(crate) enum Value<'de> {
    Str(Cow<'de, str>),
    Num(f64),
    Other,
}

/// Permissions from the roles claim or `scope`, or the mark that the claim had the wrong type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PermissionList {
    Valid(Permissions),
    Invalid,
}

/// Whether `aud` holds the configured audience, or the mark that it had the wrong type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AudienceMatch {
    Matches(bool),
    Invalid,
}

#[derive(Debug, Default)]
pub(crate) struct RawClaims<'de> {
    pub(crate) sub: Option<Value<'de>>,
    pub(crate) tenant: Option<Value<'de>>,
    pub(crate) roles: Option<PermissionList>,
    pub(crate) scope: Option<Value<'de>>,
    pub(crate) exp: Option<Value<'de>>,
    pub(crate) nbf: Option<Value<'de>>,
    pub(crate) iat: Option<Value<'de>>,
    pub(crate) iss: Option<Value<'de>>,
    pub(crate) aud: Option<AudienceMatch>,
}

/// Fills `slot` once; a second occurrence of the claim is an error.
fn set_once<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::custom("duplicate claim"));
    }
    *slot = Some(value);
    Ok(())
}

struct PayloadSeed<'r, 'c>(&'r ClaimRules<'c>);

impl<'de> DeserializeSeed<'de> for PayloadSeed<'_, '_> {
    type Value = RawClaims<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PayloadSeed<'_, '_> {
    type Value = RawClaims<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let rules = self.0;
        let mut raw = RawClaims::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.0.as_ref();
            match key {
                "sub" => set_once(&mut raw.sub, map.next_value::<Value<'de>>()?)?,
                "scope" => set_once(&mut raw.scope, map.next_value::<Value<'de>>()?)?,
                "exp" => set_once(&mut raw.exp, map.next_value::<Value<'de>>()?)?,
                "nbf" => set_once(&mut raw.nbf, map.next_value::<Value<'de>>()?)?,
                "iat" => set_once(&mut raw.iat, map.next_value::<Value<'de>>()?)?,
                "iss" if rules.issuer.is_some() => {
                    set_once(&mut raw.iss, map.next_value::<Value<'de>>()?)?;
                }
                "aud" if let Some(expected) = rules.audience => {
                    set_once(&mut raw.aud, map.next_value_seed(AudienceSeed(expected))?)?;
                }
                k if k == rules.tenant_claim => {
                    set_once(&mut raw.tenant, map.next_value::<Value<'de>>()?)?;
                }
                k if k == rules.roles_claim => {
                    set_once(&mut raw.roles, map.next_value_seed(RolesSeed)?)?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(raw)
    }
}

/// A map key, borrowed unless it contains escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_str(ValueVisitor)? {
            Value::Str(s) => Ok(Key(s)),
            _ => Err(de::Error::custom("claim names are strings")),
        }
    }
}

impl<'de> de::Deserialize<'de> for Value<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// Accepts any JSON value; strings and numbers are kept, the rest only recorded as `Other`.
struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Owned(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Value::Num(v as f64))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        // Negative NumericDates (before 1970) are nonsense in a token; treat as a bad type.
        Ok(if v < 0 {
            Value::Other
        } else {
            Value::Num(v as f64)
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(if v.is_finite() && v >= 0.0 {
            Value::Num(v)
        } else {
            Value::Other
        })
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Value::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Value::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Other)
    }
}

/// The roles claim: an array of strings (or, leniently, one space-separated string) folded
/// straight into a permission set.
struct RolesSeed;

impl<'de> DeserializeSeed<'de> for RolesSeed {
    type Value = PermissionList;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RolesSeed {
    type Value = PermissionList;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut set = Permissions::empty();
        let mut valid = true;
        while let Some(item) = seq.next_element::<Value<'de>>()? {
            match item {
                Value::Str(s) => set.insert_str(&s),
                _ => valid = false,
            }
        }
        Ok(if valid {
            PermissionList::Valid(set)
        } else {
            PermissionList::Invalid
        })
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PermissionList::Valid(Permissions::from_space_separated(v)))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(PermissionList::Invalid)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(PermissionList::Invalid)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(PermissionList::Invalid)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(PermissionList::Invalid)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(PermissionList::Invalid)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(PermissionList::Invalid)
    }
}

/// `aud`: one string or an array of strings (RFC 7519 §4.1.3), compared with the expected
/// audience while reading.
struct AudienceSeed<'c>(&'c str);

impl<'de> DeserializeSeed<'de> for AudienceSeed<'_> {
    type Value = AudienceMatch;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AudienceSeed<'_> {
    type Value = AudienceMatch;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an array of strings")
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(AudienceMatch::Matches(v == self.0))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut matches = false;
        let mut valid = true;
        while let Some(item) = seq.next_element::<Value<'de>>()? {
            match item {
                Value::Str(s) => matches |= s == self.0,
                _ => valid = false,
            }
        }
        Ok(if valid {
            AudienceMatch::Matches(matches)
        } else {
            AudienceMatch::Invalid
        })
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(AudienceMatch::Invalid)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(AudienceMatch::Invalid)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(AudienceMatch::Invalid)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(AudienceMatch::Invalid)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(AudienceMatch::Invalid)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(AudienceMatch::Invalid)
    }
}
