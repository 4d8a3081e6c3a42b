//! The Workorder API 2020-03-26 client: signing, request layout, transport, retries and
//! tolerant decoding. Knows nothing about HTTP routes, JWTs or tenants beyond the [`Target`]
//! it is handed.
//!
//! - [`signer`]: the two signature schemes as pure functions (reused by the sandbox verifier).
//! - [`request`]: where each parameter goes for v1 and v3, and the signed result.
//! - [`actions`]: the seven actions as typed requests and answers.
//! - [`client`]: one shared HTTP client, retries ([`retry`]); [`answer`] reads and classifies
//!   each answer into an [`error::UpstreamError`]; [`redact`] keeps request data out of errors.
//!
//! # Signing (byte for byte as the official SDKs; details in [`signer`] and [`request`])
//! Every call is `POST /` and always asks for `Format=JSON`. Values are percent-encoded as
//! RFC 3986 over UTF-8 (`%20` for a space, `%2A`, literal `~`; [`encode`]).
//! - **v1** (tenant default; HMAC-SHA1, `SignatureVersion=1.0`): the common parameters
//!   (`Action`, `Version`, `Format`, `AccessKeyId`, `SignatureMethod`, `SignatureVersion`,
//!   `Timestamp`, `SignatureNonce`, `SecurityToken` for STS) go in the query, the business
//!   parameters in an `application/x-www-form-urlencoded` body (SDK 1.0.0). The signature is
//!   `base64(HMAC-SHA1(secret + "&", "POST&%2F&" + pe(sorted query ∪ body)))`, sent as
//!   `Signature`.
//! - **v3** (`ACS3-HMAC-SHA256`): the business parameters go in the query, `Action` and
//!   `Version` in `x-acs-action` / `x-acs-version`, with `x-acs-date`,
//!   `x-acs-signature-nonce`, `x-acs-content-sha256` (of the empty body) and, for STS,
//!   `x-acs-security-token`; `host` and every `x-acs-*` header are signed into the
//!   `Authorization` header (SDK 1.0.1).
//! - The timestamp is UTC to the second; each attempt is signed afresh with a new random
//!   nonce, so a nonce is never reused, not even by a retry.
//!
//! # Retries ([`retry`])
//! Up to `max_attempts` (default 3) with full-jitter exponential backoff; an upstream
//! `x-acs-retry-after` (ms) replaces the backoff, or ends the call when it exceeds `max_delay`.
//! - The reads (`List*`) and CloseTicket repeat connection failures, timeouts, 5xx /
//!   `System.error` / `ServiceUnavailable` and throttling.
//! - CreateTicket and ReplyTicket repeat only a request that provably never left (connection
//!   refused, DNS or TLS failure, connect timeout): after a 5xx, a timeout or a connection lost
//!   mid-call the upstream may have acted, and a duplicate ticket is worse than an error.
//! - Refusals (credentials, parameters, unknown codes) and unreadable answers are never
//!   repeated.
//!
//! # Secrets
//! No error text or log carries the AccessKey secret, the STS token, a signature or the
//! `SecretContent` / `Content` values, even when the upstream echoes them
//! ([`UpstreamError::withhold`]).

pub mod actions;
pub mod answer;
pub mod breaker;
pub mod client;
pub mod credentials;
pub mod decode;
pub mod encode;
pub mod endpoint;
pub mod error;
pub mod redact;
pub mod request;
pub mod retry;
pub mod signer;

pub use actions::{Action, Answer, Language};
pub use breaker::BreakerSettings;
pub use client::{CallObserver, ClientSettings, Target, UpstreamClient};
pub use credentials::{Credentials, SignatureVersion};
pub use endpoint::Endpoint;
pub use error::{UpstreamError, UpstreamFault};
pub use retry::RetryPolicy;
