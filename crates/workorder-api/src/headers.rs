//! The `x-acs-*` header names of the protocol, written once for the client, the simulator and
//! the signer. All lower case: HTTP/2 requires it and V3 signs header names lower-cased.

/// V3: the action name.
pub const ACTION: &str = "x-acs-action";
/// V3: the API version.
pub const VERSION: &str = "x-acs-version";
/// V3: the signing time, `yyyy-MM-ddTHH:mm:ssZ`.
pub const DATE: &str = "x-acs-date";
/// V3: the one-time nonce.
pub const SIGNATURE_NONCE: &str = "x-acs-signature-nonce";
/// V3: lower-case hex SHA-256 of the body; the signature covers the body through it.
pub const CONTENT_SHA256: &str = "x-acs-content-sha256";
/// V3: the STS token of temporary credentials.
pub const SECURITY_TOKEN: &str = "x-acs-security-token";
/// Answer: the upstream request id (also in the body as `RequestId`).
pub const REQUEST_ID: &str = "x-acs-request-id";
/// Answer: how many milliseconds a throttled caller should wait.
pub const RETRY_AFTER: &str = "x-acs-retry-after";
/// V3: the signature, `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`.
pub const AUTHORIZATION: &str = "authorization";

/// Headers whose values are credentials: the V3 `Authorization` (a signature over this very
/// request) and the STS token. A transport should mark them sensitive.
pub const SENSITIVE: [&str; 2] = [AUTHORIZATION, SECURITY_TOKEN];

/// The prefix of every protocol header; V3 signs every header that carries it.
pub const PREFIX: &str = "x-acs-";
