//! Idempotency records of writes (`POST /tickets`, `POST /tickets/{id}/notes`), with three
//! states per key:
//!
//! - **in flight**: one request owns the key under a lease (owner id and expiry). It records
//!   the time of its first attempt that may have left (`sent_since_ms`) before sending.
//! - **done**: the outcome (ticket id, upstream RequestId), kept for the records' lifetime.
//! - **ambiguous**: an attempt may have reached the upstream and nobody knows what it did.
//!
//! A key is claimed by compare-and-swap, so exactly one request owns it at a time, on one
//! replica or many. A lease that expired (its owner crashed or hung) or an ambiguous record is
//! taken over by the next request with the same key, which must *reconcile* from the recorded
//! time before it may send again: that is how a retry can never file a second ticket.
//!
//! Tickets and notes found or made by a write are *claimed* for that write (set-if-absent), so
//! reconciliation never takes a ticket another write already accounts for.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Fingerprint, Fingerprinter, StateError, StateStore};

/// How often claiming a contended key is retried before giving up with an error.
const MAX_SWAP_TRIES: usize = 16;

/// What a successful write is remembered as, and replayed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The ticket id (for a reply: the ticket replied to).
    pub id: String,
    /// The note id, for a reply whose note is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_id: Option<String>,
    /// The upstream `RequestId` of the call that made it (or of the list that found it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_request_id: Option<String>,
}

/// A stored record; the JSON is the wire format in Redis (field names are a contract between
/// replicas of different versions: add, never rename).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Record {
    InFlight {
        owner: String,
        lease_until_ms: i64,
        body: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sent_since_ms: Option<i64>,
    },
    Done {
        body: String,
        outcome: Outcome,
    },
    Ambiguous {
        body: String,
        since_ms: i64,
        settled_ms: i64,
    },
}

impl Record {
    fn body(&self) -> &str {
        match self {
            Self::InFlight { body, .. }
            | Self::Done { body, .. }
            | Self::Ambiguous { body, .. } => body,
        }
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| unreachable!("records always serialize"))
    }
}

/// Which idempotent operation of which user a key names. Stored under a keyed hash of
/// (user, operation, key), so the store reveals neither user ids nor client keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteKey {
    tenant: String,
    id: String,
}

impl WriteKey {
    /// The key of `client_key` for `operation` (`create_ticket`, `reply:T1`) by `user`.
    pub fn new(
        fingerprinter: &Fingerprinter,
        tenant: &str,
        user: &str,
        operation: &str,
        client_key: &str,
    ) -> Self {
        let hash = fingerprinter.of(
            "idempotency-key",
            &[user.as_bytes(), operation.as_bytes(), client_key.as_bytes()],
        );
        Self {
            tenant: tenant.to_owned(),
            id: hash.to_hex(),
        }
    }

    fn storage_key(&self) -> String {
        format!("idem:{}", self.id)
    }

    /// Who a claimed ticket or note belongs to: the same value for every request with this key.
    pub fn holder(&self) -> &str {
        &self.id
    }
}

/// What claiming a key found.
#[derive(Debug)]
pub enum Claim {
    /// This request owns the key now.
    Acquired(Lease),
    /// Another request owns it; its lease ends after this long.
    InProgress {
        /// Until the owner's lease runs out.
        lease_left: Duration,
    },
    /// The write was done: replay this.
    Done(Outcome),
    /// The key was used with another request body.
    BodyMismatch,
}

/// Ownership of a key, for one request. Dropping it without calling a finishing method leaves
/// the key in flight until the lease expires; then the next request reconciles.
#[derive(Debug)]
pub struct Lease {
    key: WriteKey,
    owner: String,
    body: String,
    /// The JSON last written by this lease (the compare-and-swap witness).
    current: String,
    sent_since_ms: Option<i64>,
    /// Set when the key was taken over from an earlier request that may have sent: reconcile
    /// from `since` (attempt start) and treat "not found" as final only `grace` after `settled`.
    resume: Option<Resume>,
}

/// An earlier attempt that may have reached the upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resume {
    /// When that attempt began (milliseconds since the epoch).
    pub since_ms: i64,
    /// When its outcome became unknown (or its lease ran out).
    pub settled_ms: i64,
}

impl Lease {
    /// The earlier attempt to reconcile before sending, when the key was taken over.
    pub fn resume(&self) -> Option<Resume> {
        self.resume
    }
}

/// The idempotency records of one store.
#[derive(Debug, Clone)]
pub struct WriteRecords {
    store: StateStore,
    /// How long outcomes (and claims) are remembered.
    ttl: Duration,
    /// How long an owner may hold a key without renewing it.
    lease: Duration,
}

/// Why a lease could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LeaseError {
    /// The store failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The lease expired and another request took the key over: this one must not send.
    #[error("the idempotency key was taken over by another request")]
    Lost,
}

impl WriteRecords {
    /// Records in `store`, kept `ttl`, with leases of `lease`.
    pub fn new(store: StateStore, ttl: Duration, lease: Duration) -> Self {
        Self { store, ttl, lease }
    }

    /// The underlying store.
    pub fn store(&self) -> &StateStore {
        &self.store
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX)
    }

    /// Claims `key` for a request whose body has fingerprint `body`, at `now_ms`.
    pub async fn claim(
        &self,
        key: &WriteKey,
        body: Fingerprint,
        now_ms: i64,
    ) -> Result<Claim, StateError> {
        let body = body.to_hex();
        let storage_key = key.storage_key();
        for _ in 0..MAX_SWAP_TRIES {
            let raw = self.store.get(&key.tenant, &storage_key).await?;
            // A value this version cannot read is treated as absent (and overwritten by swap).
            let record = raw
                .as_deref()
                .and_then(|r| serde_json::from_str::<Record>(r).ok());
            let (resume, sent_since_ms) = match &record {
                Some(record) if record.body() != body => return Ok(Claim::BodyMismatch),
                Some(Record::Done { outcome, .. }) => return Ok(Claim::Done(outcome.clone())),
                Some(Record::InFlight {
                    lease_until_ms,
                    sent_since_ms,
                    ..
                }) => {
                    if *lease_until_ms > now_ms {
                        let left = u64::try_from(lease_until_ms - now_ms).unwrap_or(0);
                        return Ok(Claim::InProgress {
                            lease_left: Duration::from_millis(left),
                        });
                    }
                    let resume = sent_since_ms.map(|since_ms| Resume {
                        since_ms,
                        settled_ms: *lease_until_ms,
                    });
                    (resume, *sent_since_ms)
                }
                Some(Record::Ambiguous {
                    since_ms,
                    settled_ms,
                    ..
                }) => (
                    Some(Resume {
                        since_ms: *since_ms,
                        settled_ms: *settled_ms,
                    }),
                    Some(*since_ms),
                ),
                None => (None, None),
            };
            let owner = uuid::Uuid::new_v4().simple().to_string();
            let new = Record::InFlight {
                owner: owner.clone(),
                lease_until_ms: now_ms.saturating_add(self.lease_ms()),
                body: body.clone(),
                sent_since_ms,
            }
            .to_json();
            if self
                .store
                .compare_and_swap(
                    &key.tenant,
                    &storage_key,
                    raw.as_deref(),
                    Some(&new),
                    self.ttl,
                )
                .await?
            {
                return Ok(Claim::Acquired(Lease {
                    key: key.clone(),
                    owner,
                    body,
                    current: new,
                    sent_since_ms,
                    resume,
                }));
            }
        }
        Err(StateError(
            "idempotency record contended; gave up claiming it".into(),
        ))
    }

    /// Records that an attempt may leave now, and renews the lease. Must succeed before each
    /// send: a lease lost to another request means that request may be sending.
    pub async fn sending(&self, lease: &mut Lease, now_ms: i64) -> Result<(), LeaseError> {
        let sent_since_ms = Some(lease.sent_since_ms.map_or(now_ms, |s| s.min(now_ms)));
        let new = Record::InFlight {
            owner: lease.owner.clone(),
            lease_until_ms: now_ms.saturating_add(self.lease_ms()),
            body: lease.body.clone(),
            sent_since_ms,
        }
        .to_json();
        self.swap_own(lease, Some(new)).await?;
        lease.sent_since_ms = sent_since_ms;
        Ok(())
    }

    /// Extends the lease (before a step that may take a while, such as reconciling), keeping
    /// what it recorded.
    pub async fn renew(&self, lease: &mut Lease, now_ms: i64) -> Result<(), LeaseError> {
        let new = Record::InFlight {
            owner: lease.owner.clone(),
            lease_until_ms: now_ms.saturating_add(self.lease_ms()),
            body: lease.body.clone(),
            sent_since_ms: lease.sent_since_ms,
        }
        .to_json();
        self.swap_own(lease, Some(new)).await
    }

    /// Records the outcome. Written even when the lease was lost: a done write is the truth
    /// whoever holds the key.
    pub async fn done(&self, lease: Lease, outcome: &Outcome) -> Result<(), StateError> {
        let new = Record::Done {
            body: lease.body.clone(),
            outcome: outcome.clone(),
        }
        .to_json();
        let storage_key = lease.key.storage_key();
        let mut expected = Some(lease.current.clone());
        for _ in 0..MAX_SWAP_TRIES {
            if self
                .store
                .compare_and_swap(
                    &lease.key.tenant,
                    &storage_key,
                    expected.as_deref(),
                    Some(&new),
                    self.ttl,
                )
                .await?
            {
                return Ok(());
            }
            expected = self.store.get(&lease.key.tenant, &storage_key).await?;
            if let Some(Record::Done { .. }) = expected
                .as_deref()
                .and_then(|r| serde_json::from_str::<Record>(r).ok())
            {
                return Ok(());
            }
        }
        Err(StateError("idempotency record contended".into()))
    }

    /// Leaves the key ambiguous: an attempt since `since_ms` may have acted. The next request
    /// with the key reconciles before sending.
    pub async fn ambiguous(&self, lease: &mut Lease, now_ms: i64) -> Result<(), LeaseError> {
        let since_ms = lease.sent_since_ms.unwrap_or(now_ms);
        let new = Record::Ambiguous {
            body: lease.body.clone(),
            since_ms,
            settled_ms: now_ms,
        }
        .to_json();
        self.swap_own(lease, Some(new)).await
    }

    /// Forgets the key: nothing happened upstream, so the same key may be tried afresh.
    pub async fn release(&self, mut lease: Lease) -> Result<(), LeaseError> {
        self.swap_own(&mut lease, None).await
    }

    async fn swap_own(&self, lease: &mut Lease, new: Option<String>) -> Result<(), LeaseError> {
        let swapped = self
            .store
            .compare_and_swap(
                &lease.key.tenant,
                &lease.key.storage_key(),
                Some(&lease.current),
                new.as_deref(),
                self.ttl,
            )
            .await?;
        if !swapped {
            return Err(LeaseError::Lost);
        }
        if let Some(new) = new {
            lease.current = new;
        }
        Ok(())
    }

    /// Claims `resource` (`ticket:ID`, `note:ID`) of `tenant` for `holder`. True when it is now
    /// (or already was) held by `holder`; false when another write holds it.
    pub async fn claim_resource(
        &self,
        tenant: &str,
        resource: &str,
        holder: &str,
    ) -> Result<bool, StateError> {
        let key = format!("claim:{resource}");
        if self
            .store
            .compare_and_swap(tenant, &key, None, Some(holder), self.ttl)
            .await?
        {
            return Ok(true);
        }
        Ok(self.store.get(tenant, &key).await?.as_deref() == Some(holder))
    }

    /// Who holds `resource`, if anyone.
    pub async fn resource_holder(
        &self,
        tenant: &str,
        resource: &str,
    ) -> Result<Option<String>, StateError> {
        self.store.get(tenant, &format!("claim:{resource}")).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> WriteRecords {
        WriteRecords::new(
            StateStore::memory(
                1_000,
                crate::clock::Clock::manual(),
                &crate::telemetry::Metrics::new(),
            ),
            Duration::from_secs(86_400),
            Duration::from_secs(30),
        )
    }

    fn key() -> (Fingerprinter, WriteKey) {
        let fp = Fingerprinter::new(b"test");
        let key = WriteKey::new(&fp, "t", "alice", "create_ticket", "k1");
        (fp, key)
    }

    fn outcome(id: &str) -> Outcome {
        Outcome {
            id: id.into(),
            note_id: None,
            upstream_request_id: Some("R1".into()),
        }
    }

    #[tokio::test]
    async fn the_first_claim_owns_the_key_and_a_second_waits_for_its_lease() {
        let records = records();
        let (fp, key) = key();
        let body = fp.of("body", &[b"{}"]);
        let Claim::Acquired(lease) = records.claim(&key, body, 1_000).await.unwrap() else {
            panic!("first claim acquires");
        };
        assert_eq!(lease.resume(), None);
        match records.claim(&key, body, 2_000).await.unwrap() {
            Claim::InProgress { lease_left } => assert_eq!(lease_left, Duration::from_secs(29)),
            other => panic!("{other:?}"),
        }
        records.done(lease, &outcome("T1")).await.unwrap();
        match records.claim(&key, body, 3_000).await.unwrap() {
            Claim::Done(done) => assert_eq!(done, outcome("T1")),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn another_body_under_the_same_key_is_a_mismatch_in_every_state() {
        let records = records();
        let (fp, key) = key();
        let Claim::Acquired(_lease) = records
            .claim(&key, fp.of("body", &[b"a"]), 0)
            .await
            .unwrap()
        else {
            panic!("acquires");
        };
        assert!(matches!(
            records
                .claim(&key, fp.of("body", &[b"b"]), 1)
                .await
                .unwrap(),
            Claim::BodyMismatch
        ));
    }

    #[tokio::test]
    async fn an_ambiguous_key_is_taken_over_with_the_attempt_to_reconcile() {
        let records = records();
        let (fp, key) = key();
        let body = fp.of("body", &[b"{}"]);
        let Claim::Acquired(mut lease) = records.claim(&key, body, 1_000).await.unwrap() else {
            panic!("acquires");
        };
        records.sending(&mut lease, 1_500).await.unwrap();
        records.ambiguous(&mut lease, 4_000).await.unwrap();
        let Claim::Acquired(next) = records.claim(&key, body, 5_000).await.unwrap() else {
            panic!("an ambiguous key is taken over at once");
        };
        assert_eq!(
            next.resume(),
            Some(Resume {
                since_ms: 1_500,
                settled_ms: 4_000
            })
        );
    }

    #[tokio::test]
    async fn an_expired_lease_is_taken_over_and_the_old_owner_can_no_longer_send() {
        let records = records();
        let (fp, key) = key();
        let body = fp.of("body", &[b"{}"]);
        let Claim::Acquired(mut old) = records.claim(&key, body, 0).await.unwrap() else {
            panic!("acquires");
        };
        records.sending(&mut old, 100).await.unwrap();
        let Claim::Acquired(new) = records.claim(&key, body, 31_000).await.unwrap() else {
            panic!("expired lease is taken over");
        };
        assert_eq!(
            new.resume(),
            Some(Resume {
                since_ms: 100,
                settled_ms: 30_100
            })
        );
        assert!(matches!(
            records.sending(&mut old, 31_001).await,
            Err(LeaseError::Lost)
        ));
    }

    #[tokio::test]
    async fn a_released_key_can_be_claimed_afresh_without_reconciling() {
        let records = records();
        let (fp, key) = key();
        let body = fp.of("body", &[b"{}"]);
        let Claim::Acquired(lease) = records.claim(&key, body, 0).await.unwrap() else {
            panic!("acquires");
        };
        records.release(lease).await.unwrap();
        let Claim::Acquired(again) = records.claim(&key, body, 1).await.unwrap() else {
            panic!("acquires again");
        };
        assert_eq!(again.resume(), None);
    }

    #[tokio::test]
    async fn an_outcome_is_remembered_for_the_records_lifetime_and_then_forgotten() {
        let clock = crate::clock::Clock::manual();
        let records = WriteRecords::new(
            StateStore::memory(1_000, clock.clone(), &crate::telemetry::Metrics::new()),
            Duration::from_secs(86_400),
            Duration::from_secs(30),
        );
        let (fp, key) = key();
        let body = fp.of("body", &[b"{}"]);
        let Claim::Acquired(lease) = records.claim(&key, body, 0).await.unwrap() else {
            panic!("acquires");
        };
        records.done(lease, &outcome("T1")).await.unwrap();
        clock.advance(Duration::from_millis(86_399_999));
        assert!(matches!(
            records.claim(&key, body, 1).await.unwrap(),
            Claim::Done(_)
        ));
        clock.advance(Duration::from_millis(1));
        let Claim::Acquired(fresh) = records.claim(&key, body, 2).await.unwrap() else {
            panic!("a forgotten key is claimed afresh");
        };
        assert_eq!(fresh.resume(), None);
    }

    #[tokio::test]
    async fn a_resource_is_claimed_by_one_holder_only() {
        let records = records();
        assert!(records.claim_resource("t", "ticket:T1", "a").await.unwrap());
        assert!(records.claim_resource("t", "ticket:T1", "a").await.unwrap());
        assert!(!records.claim_resource("t", "ticket:T1", "b").await.unwrap());
        assert_eq!(
            records
                .resource_holder("t", "ticket:T1")
                .await
                .unwrap()
                .as_deref(),
            Some("a")
        );
    }
}
