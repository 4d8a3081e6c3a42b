//! The Workorder API 2020-03-26 client: signing, request layout, transport, retries and
//! tolerant decoding. Knows nothing about HTTP routes, JWTs or tenants beyond the [`Target`]
//! it is handed.
//!
//! - [`signer`]: the two signature schemes as pure functions (reused by the sandbox verifier).
//! - [`request`]: where each parameter goes for v1 and v3, and the signed result.
//! - [`actions`]: the seven actions as typed requests and answers.
//! - [`client`]: one shared HTTP client, retries ([`retry`]), error classification ([`error`]).

pub mod actions;
pub mod client;
pub mod credentials;
pub mod decode;
pub mod encode;
pub mod endpoint;
pub mod error;
pub mod request;
pub mod retry;
pub mod signer;

pub use actions::{Action, Answer, Language};
pub use client::{CallObserver, ClientSettings, Target, UpstreamClient};
pub use credentials::{Credentials, SignatureVersion};
pub use endpoint::Endpoint;
pub use error::{UpstreamError, UpstreamFault};
pub use retry::RetryPolicy;
