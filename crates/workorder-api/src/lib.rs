//! workorder-api: the Alibaba Cloud Workorder API protocol (2020-03-26 and 2021-06-10), as both sides of the wire
//! speak it. The gateway's client signs and reads with it; the sandbox simulator verifies and
//! answers with it. It knows nothing of HTTP routes, JWTs, caches, tenants, the simulator or
//! any HTTP client: no I/O, no clock, no randomness (callers pass the time and the nonce).
//!
//! - [`signer`]: the two signature schemes as pure functions, and the constant-time compare.
//! - [`encode`]: the percent-encoding both schemes use.
//! - [`request`]: where each parameter goes for v1 and v3, and the signed result.
//! - [`actions`]: the seven actions as typed requests and answers, and [`ACTIONS`], their names.
//! - [`v2021`]: the twelve 2021-06-10 actions, its status and severity vocabularies and their
//!   mapping to 2020's words; same signing, error classes and retry rules
//!   ([`Action::VERSION`] is all that differs on the wire).
//! - [`decode`]: tolerant decoding of answers (the envelope, epochs of unknown unit).
//! - [`error`]: the upstream's account of a failure ([`UpstreamFault`]), its class
//!   ([`FaultClass`]) and the scrub of echoed request data.
//! - [`retry`]: which outcome of which action may be repeated (the rule, not the loop).
//! - [`credentials`]: an AccessKey pair (and STS token) and the signature version.
//! - [`sts`]: STS 2015-04-01 as the gateway uses it (AssumeRole, AssumeRoleWithOIDC): the
//!   parameters and the issued credentials with their expiry.
//! - [`headers`] and the constants below: every protocol fact written once.
//!
//! # Signing (byte for byte as the official SDKs; details in [`signer`] and [`request`])
//! Every call is `POST /` and always asks for `Format=JSON`. Values are percent-encoded as
//! RFC 3986 over UTF-8 (`%20` for a space, `%2A`, literal `~`; [`encode`]).
//! - **v1** (HMAC-SHA1, `SignatureVersion=1.0`): the common parameters (`Action`, `Version`,
//!   `Format`, `AccessKeyId`, `SignatureMethod`, `SignatureVersion`, `Timestamp`,
//!   `SignatureNonce`, `SecurityToken` for STS) go in the query, the business parameters in an
//!   `application/x-www-form-urlencoded` body (SDK 1.0.0). The signature is
//!   `base64(HMAC-SHA1(secret + "&", "POST&%2F&" + pe(sorted query ∪ body)))`, sent as
//!   `Signature`.
//! - **v3** (`ACS3-HMAC-SHA256`): the business parameters go in the query, `Action` and
//!   `Version` in `x-acs-action` / `x-acs-version`, with `x-acs-date`,
//!   `x-acs-signature-nonce`, `x-acs-content-sha256` (of the empty body) and, for STS,
//!   `x-acs-security-token`; `host` and every `x-acs-*` header are signed into the
//!   `Authorization` header (SDK 1.0.1).
//! - The timestamp is UTC to the second; the caller signs each attempt afresh with a new
//!   nonce, so a nonce is never reused, not even by a retry.
//!
//! # Invariants
//! - One copy of every rule: the simulator verifies with the very functions the client signs
//!   with, so the two cannot drift apart.
//! - No `Debug` output or error text carries the AccessKey secret, the STS token, a signature
//!   or an echoed string-to-sign ([`error::scrub_message`]).

pub mod actions;
pub mod credentials;
pub mod decode;
pub mod encode;
pub mod error;
pub mod headers;
pub mod request;
pub mod retry;
pub mod signer;
pub mod sts;
pub mod v2021;

pub use actions::{ACTIONS, Action, Answer, Language};
pub use credentials::{Credentials, SignatureVersion};
pub use error::{FaultClass, UpstreamFault};

/// The Workorder API version of [`actions`] (`Version` / `x-acs-version`); [`v2021`] has its
/// own.
pub const API_VERSION: &str = "2020-03-26";

/// The AccessKey id of the simulator's built-in demo account. The gateway refuses it for a
/// tenant that is not a simulator, so a demo configuration never reaches the real service.
pub const DEMO_ACCESS_KEY_ID: &str = "LTAIsandboxDEMO";
/// The AccessKey secret of the demo account; see [`DEMO_ACCESS_KEY_ID`].
pub const DEMO_ACCESS_KEY_SECRET: &str = "sandbox-demo-secret";
