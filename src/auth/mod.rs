//! JWT authentication: bearer token in, [`Claims`] `{ subject, tenant, permissions }` out.
//!
//! Owns key material (HS256 secrets, RS256/ES256 PEM public keys, a cached JWKS), token
//! verification and the development-token minter. It knows nothing about HTTP frameworks or
//! the tenant registry: the `Principal` extractor calls [`Authenticator::authenticate`] and maps
//! every [`AuthError`] to 401.
//!
//! Security invariants (each has a test in `tests/auth/`):
//! - the algorithm is pinned by the key, never taken from the token: `alg: none`, an HS256
//!   token against an RSA/EC key, and any algorithm no configured key uses are refused;
//! - a `kid` only ever selects keys with that `kid`; an unknown one allows one rate-limited
//!   JWKS refetch, then is refused;
//! - `exp` is required; `exp`, `nbf` and `iat` allow the configured leeway (an `iat` in the
//!   future beyond it is refused); `iss`, `aud`, the header `typ` and the lifetime `exp - iat`
//!   are checked when configured;
//! - a configuration reload never replaces a non-empty JWKS key set with an empty one;
//! - no error, log line or `Debug` output contains the token.
//!
//! - [`config`]: [`AuthConfig`], [`PublicKeySource`].
//! - [`authenticator`]: [`Authenticator`] (key selection, then `jsonwebtoken::decode` with a
//!   `Validation` pinned to the key's algorithm for the signature and registered claims).
//! - `token`: the bearer scheme, the length bound and the JOSE header (the refusals the library
//!   does not make); [`claims`]: the claim rules on top of the library's.
//! - `keys`: one key pinned to one algorithm. [`jwks`]: the cached, refreshed JWKS; `refresh`:
//!   its first fetch, background refresh and fate across reloads.
//! - [`dev_token`]: [`mint_dev_token`] for the `token` command.

pub mod authenticator;
pub mod claims;
pub mod config;
pub mod dev_token;
pub mod error;
pub mod jwks;
mod keys;
pub mod permissions;
mod refresh;
mod token;
mod verified;

pub use authenticator::Authenticator;
pub use claims::Claims;
pub use config::{AuthConfig, PublicKeySource};
pub use dev_token::{DevTokenError, DevTokenOptions, mint_dev_token};
pub use error::{AuthError, AuthSetupError, Claim};
pub use jwks::JwksStats;
pub use permissions::{Permission, Permissions};
