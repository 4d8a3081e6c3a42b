//! [`VerifyKey`]: one trusted key, built once at start-up (or per JWKS fetch), pinned to the one
//! algorithm it may verify.
//!
//! Invariants: an HS256 secret verifies only HS256; an RSA PEM only RS256; an EC P-256 PEM only
//! ES256; a JWKS key only the algorithm its `alg` (or, without one, its `kty`/`crv`) names.
//! Symmetric (`oct`) keys are never taken from a JWKS document: a secret fetched over the
//! network would let anyone who can answer for the IdP mint tokens. This pinning is what makes
//! the classic "HS256 signed with the RSA public key as HMAC secret" token fail: no HMAC key is
//! ever built from public key material.

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, Validation};
use secrecy::{ExposeSecret, SecretString};

use super::claims::ClaimSet;
use super::config::PublicKeySource;
use super::error::AuthSetupError;

/// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
const MIN_HS256_SECRET_BYTES: usize = 32;
/// RSA moduli below 2048 bits are refused (NIST SP 800-131A).
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// A decoding key with the only algorithm it may verify and the `kid` it answers to.
pub(crate) struct VerifyKey {
    pub(crate) kid: Option<Box<str>>,
    pub(crate) alg: Algorithm,
    key: DecodingKey,
}

impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl VerifyKey {
    /// An HS256 key from the `index`-th (1-based) configured secret.
    pub(crate) fn hs256(secret: &SecretString, index: usize) -> Result<Self, AuthSetupError> {
        let bytes = secret.expose_secret().as_bytes();
        check_hs256_secret(bytes, index)?;
        Ok(VerifyKey {
            kid: None,
            alg: Algorithm::HS256,
            key: DecodingKey::from_secret(bytes),
        })
    }

    /// An RS256 or ES256 key from PEM text, the algorithm detected from the key itself.
    pub(crate) fn from_pem(source: &PublicKeySource) -> Result<Self, AuthSetupError> {
        let bad = |reason: &str| AuthSetupError::BadPublicKey {
            label: source.label.clone(),
            reason: reason.to_owned(),
        };
        let pem = source.pem.as_bytes();
        match pem_tag(&source.pem) {
            None => return Err(bad("not PEM text (no -----BEGIN line)")),
            Some(tag) if tag.contains("PRIVATE") => {
                return Err(bad(
                    "it is a private key; configure only the IdP's public key",
                ));
            }
            Some("PUBLIC KEY" | "RSA PUBLIC KEY") => {}
            Some(_) => {
                return Err(bad(
                    "expected a PUBLIC KEY block (extract one from a certificate with \
                     `openssl x509 -pubkey -noout`)",
                ));
            }
        }
        let (key, alg) = if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
            check_rsa(&key).map_err(|r| bad(&r))?;
            (key, Algorithm::RS256)
        } else if let Ok(key) = DecodingKey::from_ec_pem(pem) {
            // An uncompressed SEC1 point on P-256 is 65 bytes (0x04 ‖ x ‖ y), compressed 33.
            let is_p256 = matches!(key.try_get_as_bytes(), Ok(b) if b.len() == 65 || b.len() == 33);
            if !is_p256 {
                return Err(bad("only EC keys on P-256 (ES256) are supported"));
            }
            (key, Algorithm::ES256)
        } else {
            return Err(bad("not an RSA or EC P-256 public key"));
        };
        check_parses(&key, alg).map_err(|r| bad(&r))?;
        Ok(VerifyKey {
            kid: source.kid.as_deref().map(Into::into),
            alg,
            key,
        })
    }

    /// A key from one JWKS entry; `Err` says why the entry is skipped.
    pub(crate) fn from_jwk(value: serde_json::Value) -> Result<Self, String> {
        let jwk: Jwk = serde_json::from_value(value).map_err(|e| format!("not a JWK: {e}"))?;
        if let Some(usage) = &jwk.common.public_key_use
            && *usage != PublicKeyUse::Signature
        {
            return Err("its `use` is not `sig`".to_owned());
        }
        if let Some(ops) = &jwk.common.key_operations
            && !ops.contains(&KeyOperations::Verify)
        {
            return Err("its `key_ops` lack `verify`".to_owned());
        }
        let declared = match jwk.common.key_algorithm {
            Some(alg) => Some(
                signing_algorithm(alg)
                    .ok_or_else(|| format!("its alg {alg:?} is not a signing algorithm"))?,
            ),
            None => None,
        };
        let alg = match (&jwk.algorithm, declared) {
            (AlgorithmParameters::OctetKey(_), _) => {
                return Err("symmetric keys are never taken from a JWKS".to_owned());
            }
            (AlgorithmParameters::RSA(_), None) => Algorithm::RS256,
            (
                AlgorithmParameters::RSA(_),
                Some(
                    a @ (Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512),
                ),
            ) => a,
            (AlgorithmParameters::EllipticCurve(ec), declared) => match (&ec.curve, declared) {
                (EllipticCurve::P256, None | Some(Algorithm::ES256)) => Algorithm::ES256,
                (EllipticCurve::P384, None | Some(Algorithm::ES384)) => Algorithm::ES384,
                _ => return Err("its curve and alg do not match a supported pair".to_owned()),
            },
            (AlgorithmParameters::OctetKeyPair(okp), None | Some(Algorithm::EdDSA))
                if okp.curve == EllipticCurve::Ed25519 =>
            {
                Algorithm::EdDSA
            }
            _ => return Err("its kty and alg do not match a supported pair".to_owned()),
        };
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("unusable key material: {e}"))?;
        if key.family() == jsonwebtoken::AlgorithmFamily::Rsa {
            check_rsa(&key)?;
        }
        check_parses(&key, alg)?;
        Ok(VerifyKey {
            kid: jwk.common.key_id.map(String::into_boxed_str),
            alg,
            key,
        })
    }

    /// Verifies `token` with this key under its pinned algorithm and, once the signature holds,
    /// checks its registered claims as `validation` says. The caller has already checked the
    /// header's `alg` equals [`VerifyKey::alg`], and `validation` allows only that algorithm.
    pub(crate) fn decode(
        &self,
        token: &str,
        validation: &Validation,
    ) -> jsonwebtoken::errors::Result<ClaimSet> {
        jsonwebtoken::decode::<ClaimSet>(token, &self.key, validation).map(|data| data.claims)
    }
}

/// The JWS algorithm a JWK `alg` names; `None` for encryption algorithms and unknown names.
fn signing_algorithm(alg: KeyAlgorithm) -> Option<Algorithm> {
    Some(match alg {
        KeyAlgorithm::HS256 => Algorithm::HS256,
        KeyAlgorithm::HS384 => Algorithm::HS384,
        KeyAlgorithm::HS512 => Algorithm::HS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

/// Shared by verification keys and the development token minter.
pub(crate) fn check_hs256_secret(bytes: &[u8], index: usize) -> Result<(), AuthSetupError> {
    if bytes.len() < MIN_HS256_SECRET_BYTES {
        return Err(AuthSetupError::WeakSecret {
            index,
            len: bytes.len(),
        });
    }
    Ok(())
}

/// The label of the first `-----BEGIN <label>-----` line.
fn pem_tag(pem: &str) -> Option<&str> {
    let start = pem.find("-----BEGIN ")? + "-----BEGIN ".len();
    let rest = &pem[start..];
    Some(&rest[..rest.find("-----")?])
}

/// The RSA key parses and its modulus is at least 2048 bits.
fn check_rsa(key: &DecodingKey) -> Result<(), String> {
    let modulus_len = match key.kind() {
        DecodingKeyKind::RsaModulusExponent { n, .. } => n.iter().skip_while(|b| **b == 0).count(),
        DecodingKeyKind::SecretOrDer(der) => {
            let key_utils = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.key_utils;
            let (n, _) = (key_utils.rsa_pub_components_from_public_key)(der)
                .map_err(|e| format!("not a valid RSA public key: {e}"))?;
            n.iter().skip_while(|b| **b == 0).count()
        }
    };
    if modulus_len < MIN_RSA_MODULUS_BYTES {
        return Err(format!(
            "RSA modulus is {} bits; at least 2048 are required",
            modulus_len * 8
        ));
    }
    Ok(())
}

/// Builds the verifier once (EC and EdDSA keys are parsed then), so a bad point fails at start.
fn check_parses(key: &DecodingKey, alg: Algorithm) -> Result<(), String> {
    jsonwebtoken::crypto::verify("", b"", key, alg)
        .map(|_| ())
        .map_err(|e| format!("invalid key: {e}"))
}
