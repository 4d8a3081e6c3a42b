//! workorder-sandbox: a strict simulator of the Alibaba Cloud Workorder API, 2020-03-26 and
//! 2021-06-10 at one endpoint on one store (a ticket filed through either version is seen
//! through both), the far side of the wire. A faithful stand-in for `workorder.aliyuncs.com`, strict where the real
//! service is strict, so a gateway that works against it works against Alibaba Cloud. It
//! depends on the protocol crate, `workorder_api`, and on nothing else of the gateway's.
//!
//! Invariants:
//! - Signatures are verified with [`workorder_api::signer`] only: there is no second copy of
//!   the canonicalisation rules here (`verify` only gathers what was signed). Header names,
//!   the action list, the API version, the epoch unit rule and the demo AccessKey come from
//!   `workorder_api` as well.
//! - Each account sees only its own tickets and has its own nonce memory; per-account state sits
//!   behind its own short-held mutex, never held across an `.await`, so accounts never contend.
//! - `SecretContent` is stored but never returned or logged; no parameter value is logged.
//! - The crate installs no signal handler: [`run_cli`] stops when the caller's shutdown future
//!   completes, and [`spawn`] hands back a [`SandboxHandle`] the caller stops.
//!
//! Layout: [`accounts`] (who may call), `verify` + `verify_v3` + `nonce` (signatures,
//! timestamps, replays), `catalog` (seeded products and categories), `tickets` (the business
//! rules, one store for both versions), `actions` and `actions_2021` (one function per action
//! of each version), `attachments` + `oss` (2021's upload keys and the pre-signed PUT URL the
//! sandbox itself serves), [`faults`] (deterministic fault injection),
//! `fates` (what a drawn fault does to an answer), [`sts`] (STS 2015-04-01 on the same
//! endpoint: roles, OIDC providers, issued temporary credentials), [`metadata`] (the ECS
//! metadata service on a loopback listener of its own), [`server`] (the actix-web app, admin routes,
//! [`spawn`]), [`cli`] (the options of the standalone server), [`probe`] (the request path
//! without the HTTP server, for fuzzing).

pub mod accounts;
mod actions;
mod actions_2021;
mod attachments;
mod catalog;
mod catalog_data;
pub mod cli;
mod engineer;
mod fates;
pub mod faults;
pub mod metadata;
mod nonce;
mod oss;
mod params;
#[doc(hidden)]
pub mod probe;
mod reply;
pub mod server;
mod state;
pub mod sts;
mod tickets;
mod verify;
mod verify_v3;

use std::time::Duration;

pub use accounts::{
    Account, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, SandboxFile, load_accounts_file,
    load_sandbox_file,
};
pub use cli::{SandboxArgs, run_cli};
pub use faults::FaultConfig;
pub use metadata::MetadataConfig;
pub use server::{SandboxHandle, spawn};
pub use sts::{DEMO_EXTERNAL_ID, OidcProvider, Role, StsConfig};

/// Everything the sandbox needs to start.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Accounts besides the built-in demo account, which is always added.
    pub accounts: Vec<Account>,
    /// How long the simulated support engineer waits before answering a ticket; zero disables
    /// the engineer.
    pub engineer_delay: Duration,
    /// Faults to inject from the start (also settable at run time on `/_sandbox/faults`).
    pub faults: FaultConfig,
    /// Seed of the fault-injection random generator: the same seed and the same request order
    /// give the same faults.
    pub seed: u64,
    /// HTTP worker threads; 0 picks `min(available cores, 4)`.
    pub workers: usize,
    /// STS: the accounts' roles, OIDC providers, and an optional cap on issued lifetimes.
    pub sts: StsConfig,
    /// An ECS metadata service for an instance holding one of the roles, on its own loopback
    /// listener.
    pub metadata: Option<MetadataConfig>,
}

impl Default for SandboxConfig {
    /// The demo account only, an engineer answering after 30 s, no faults, seed 0.
    fn default() -> Self {
        Self {
            accounts: Vec::new(),
            engineer_delay: Duration::from_secs(30),
            faults: FaultConfig::default(),
            seed: 0,
            workers: 0,
            sts: StsConfig::default(),
            metadata: None,
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The accounts file could not be read or parsed.
    #[error("cannot load sandbox accounts from {path}: {reason}")]
    AccountsFile {
        /// The file given.
        path: String,
        /// What was wrong, naming the offending key.
        reason: String,
    },
    /// An account is unusable (empty or duplicate AccessKey id, no email, …).
    #[error("invalid sandbox account {access_key_id:?}: {reason}")]
    InvalidAccount {
        /// The AccessKey id of the account.
        access_key_id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A fault setting is out of range.
    #[error("invalid fault setting: {0}")]
    InvalidFaults(String),
    /// Binding or serving failed.
    #[error("sandbox server: {0}")]
    Io(#[from] std::io::Error),
}
