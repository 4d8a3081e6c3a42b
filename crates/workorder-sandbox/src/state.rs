//! The sandbox's shared state. The account table is built once and never changes, so finding
//! an account takes no lock; each account then has its own small mutexes (tickets, nonces,
//! throttle window), held only for in-memory work and never across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::accounts::Account;
use super::attachments::AttachmentStore;
use super::catalog::SimulatedCatalog;
use super::faults::Faults;
use super::nonce::{NONCE_BUCKET_CAP, NONCE_WINDOW, NonceMemory};
use super::sts::{StsConfig, StsState};
use super::tickets::TicketBook;

/// Everything the request handlers share.
#[derive(Debug)]
pub(crate) struct Sandbox {
    pub accounts: HashMap<String, Arc<AccountSlot>>,
    /// The first account (in configuration order) of each uid: whom a role's credentials act as.
    by_uid: HashMap<String, Arc<AccountSlot>>,
    pub sts: StsState,
    /// The ECS metadata service, when configured (served on its own listener).
    pub metadata: Option<super::metadata::MetadataState>,
    pub catalog: SimulatedCatalog,
    pub faults: Faults,
    pub engineer_delay: Duration,
    /// Signs the upload URLs of 2021 attachments; made at start-up, never leaves the process.
    pub oss_secret: String,
    /// Authenticated calls answered so far, by action (`GET /_sandbox/calls`): how tests
    /// count what a gateway asked of the far side. Keys are the closed action list.
    pub calls: Mutex<HashMap<&'static str, u64>>,
}

impl Sandbox {
    pub fn new(
        accounts: Vec<Account>,
        sts: StsConfig,
        metadata: Option<super::metadata::MetadataConfig>,
        faults: Faults,
        engineer_delay: Duration,
    ) -> Self {
        let slots: Vec<Arc<AccountSlot>> = accounts
            .into_iter()
            .map(|a| Arc::new(AccountSlot::new(a)))
            .collect();
        let mut by_uid = HashMap::new();
        for slot in &slots {
            by_uid
                .entry(slot.account.uid.clone())
                .or_insert_with(|| Arc::clone(slot));
        }
        let accounts = slots
            .into_iter()
            .map(|slot| (slot.account.access_key_id.clone(), slot))
            .collect();
        Self {
            accounts,
            by_uid,
            sts: StsState::new(sts),
            metadata: metadata.map(super::metadata::MetadataState::new),
            catalog: SimulatedCatalog::seeded(),
            faults,
            engineer_delay,
            oss_secret: uuid::Uuid::new_v4().simple().to_string(),
            calls: Mutex::default(),
        }
    }

    /// Counts one authenticated call of `action`.
    pub fn count_call(&self, action: &'static str) {
        *self
            .calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(action)
            .or_default() += 1;
    }
}

impl Sandbox {
    /// The account a uid's roles act as.
    pub fn account_by_uid(&self, uid: &str) -> Option<Arc<AccountSlot>> {
        self.by_uid.get(uid).cloned()
    }
}

/// A fixed one-second window of admitted requests, opened by the first request after the
/// previous one expired.
#[derive(Debug, Default)]
struct Window {
    started: Option<Instant>,
    count: u32,
}

/// One account and its state.
#[derive(Debug)]
pub(crate) struct AccountSlot {
    pub account: Account,
    tickets: Mutex<TicketBook>,
    attachments: Mutex<AttachmentStore>,
    nonces: Mutex<NonceMemory>,
    window: Mutex<Window>,
}

impl AccountSlot {
    pub(crate) fn new(account: Account) -> Self {
        Self {
            account,
            tickets: Mutex::new(TicketBook::default()),
            attachments: Mutex::new(AttachmentStore::default()),
            nonces: Mutex::new(NonceMemory::new(NONCE_WINDOW, NONCE_BUCKET_CAP)),
            window: Mutex::new(Window::default()),
        }
    }

    /// The account's tickets. A panic while holding the lock cannot leave a half-made ticket
    /// (every mutation is a single insert or push), so poisoning is ignored.
    pub fn tickets(&self) -> MutexGuard<'_, TicketBook> {
        self.tickets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The account's attachments (same poisoning argument as the tickets: every mutation
    /// leaves the store consistent between statements that can panic).
    pub fn attachments(&self) -> MutexGuard<'_, AttachmentStore> {
        self.attachments
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a nonce; false if it was used within the window.
    pub fn remember_nonce(&self, nonce: &str) -> bool {
        self.nonces
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remember(nonce, Instant::now())
    }

    /// Admits one request under `limit` per second (0 = unlimited); when refused, returns how
    /// long until the window reopens.
    pub fn admit(&self, limit: u32) -> Result<(), Duration> {
        if limit == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        let started = match window.started {
            Some(started) if now.saturating_duration_since(started) < Duration::from_secs(1) => {
                started
            }
            _ => {
                window.count = 0;
                *window.started.insert(now)
            }
        };
        let age = now.saturating_duration_since(started);
        if window.count >= limit {
            return Err(Duration::from_secs(1).saturating_sub(age));
        }
        window.count += 1;
        Ok(())
    }
}
