//! The transport: one `reqwest` client (rustls, keep-alive pool) for every tenant, one per
//! calling thread ([`crate::per_thread`] says why), signing each attempt afresh and
//! classifying every outcome into [`UpstreamError`].
//!
//! Every call is a tracing span `upstream_call` (tenant, action, attempts, outcome, status,
//! upstream RequestId, latency) with one `upstream_attempt` child per try. No parameter value
//! is ever recorded: `Content` and `SecretContent` could hold anything.
//!
//! When the request being served carried a W3C `traceparent`, each attempt sends one with the
//! same trace id (unsigned; see [`crate::telemetry::trace_context`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue};
use time::OffsetDateTime;
use tracing::{Instrument as _, field};

use workorder_api::headers::{REQUEST_ID as REQUEST_ID_HEADER, RETRY_AFTER as RETRY_AFTER_HEADER};
use workorder_api::request::{CallSpec, sign_api_call};
use workorder_api::{Action, Answer, Credentials, SignatureVersion};

use super::answer::{classify_send_error, interpret, read_capped};
use super::breaker::Breaker;
use super::error::UpstreamError;
use super::wire::header_map;
use crate::clock::Clock;
use crate::identity::TenantCredentials;
use crate::per_thread::PerThread;
use crate::settings::{ClientSettings, Endpoint};
use crate::telemetry::{CallObserver, request_id};

/// Who is calling, where, and how they sign: everything tenant-specific about a call.
#[derive(Debug, Clone)]
pub struct Target {
    /// Tenant id, recorded on spans and metrics.
    pub tenant: String,
    /// Where the calls go.
    pub endpoint: Endpoint,
    /// The tenant's AccessKey (and STS token), or its RAM role's temporary credentials.
    pub credentials: TenantCredentials,
    /// Which signature the tenant uses.
    pub signature: SignatureVersion,
}

/// The Workorder client. Cheap to clone; clones share the connection pools.
#[derive(Clone)]
pub struct UpstreamClient {
    /// The client other outbound calls share ([`Self::http`]), and the Workorder calls' when
    /// it was handed in ready-made.
    http: reqwest::Client,
    /// The Workorder calls' clients, one per thread, when this client built its own.
    per_thread: Option<Arc<PerThread<reqwest::Client>>>,
    settings: Arc<ClientSettings>,
    observer: Option<Arc<dyn CallObserver>>,
    /// What the breakers measure their open periods on.
    clock: Clock,
    /// One breaker per tenant, kept across configuration reloads.
    breakers: Arc<Mutex<HashMap<String, Arc<Breaker>>>>,
    /// One bulkhead (a semaphore of `max_concurrent_per_tenant` slots) per tenant.
    bulkheads: Arc<Mutex<HashMap<String, Arc<tokio::sync::Semaphore>>>>,
}

impl std::fmt::Debug for UpstreamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamClient")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl UpstreamClient {
    /// Builds the client, and each calling thread's own from the same settings. Fails only if
    /// the TLS backend cannot start.
    pub fn new(settings: ClientSettings) -> Result<Self, reqwest::Error> {
        let (connect_timeout, request_timeout) =
            (settings.connect_timeout, settings.request_timeout);
        let user_agent = settings.user_agent.clone();
        let build = move || {
            reqwest::Client::builder()
                .connect_timeout(connect_timeout)
                .timeout(request_timeout)
                .user_agent(user_agent.clone())
                .pool_idle_timeout(Duration::from_secs(60))
                .redirect(reqwest::redirect::Policy::none())
                .build()
        };
        let http = build()?;
        // A thread whose own client cannot be built (the TLS backend failing to start, which
        // the first build has just ruled out) shares `http`: correct, only slower.
        let per_thread = Arc::new(PerThread::new(move || build().ok()));
        Ok(Self {
            per_thread: Some(per_thread),
            ..Self::with_http_client(http, settings)
        })
    }

    /// Wraps an existing `reqwest` client, which then makes every call from every thread.
    pub fn with_http_client(http: reqwest::Client, settings: ClientSettings) -> Self {
        Self {
            http,
            per_thread: None,
            settings: Arc::new(settings),
            observer: None,
            clock: Clock::system(),
            breakers: Arc::default(),
            bulkheads: Arc::default(),
        }
    }

    /// The breaker of `tenant`, created on first use.
    fn breaker(&self, tenant: &str) -> Arc<Breaker> {
        let mut breakers = self.breakers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(breaker) = breakers.get(tenant) {
            return Arc::clone(breaker);
        }
        let breaker = Arc::new(Breaker::new(self.settings.breaker, self.clock.clone()));
        breakers.insert(tenant.to_owned(), Arc::clone(&breaker));
        breaker
    }

    /// A slot of `tenant`'s bulkhead, waiting up to `bulkhead_wait`; `None` when there is no
    /// cap. Tenants come from configuration, so the map is bounded by it.
    async fn bulkhead_slot(
        &self,
        tenant: &str,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, UpstreamError> {
        let slots = self.settings.max_concurrent_per_tenant;
        if slots == 0 {
            return Ok(None);
        }
        let semaphore = {
            let mut bulkheads = self
                .bulkheads
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                bulkheads
                    .entry(tenant.to_owned())
                    .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(slots))),
            )
        };
        let saturated = UpstreamError::Saturated {
            retry_after: Duration::from_secs(1),
        };
        match tokio::time::timeout(self.settings.bulkhead_wait, semaphore.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            Ok(Err(_)) | Err(_) => Err(saturated),
        }
    }

    /// Reports every finished call to `observer`.
    #[must_use]
    pub fn with_observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The same client with its circuit breakers timed by `clock` (the system's by default).
    /// Set before the first call: breakers already made keep their clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The shared HTTP client, for other outbound calls (JWKS, STS, metadata) that should
    /// share a pool. Workorder calls use the calling thread's own when there is one.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Calls `action` for `target`, retrying as [`RetryPolicy`](super::RetryPolicy) allows.
    pub async fn call<A: Action>(
        &self,
        target: &Target,
        action: &A,
    ) -> Result<Answer<A::Output>, UpstreamError> {
        let params = action.params();
        let span = tracing::info_span!(
            "upstream_call",
            tenant = %target.tenant,
            action = A::NAME,
            attempts = field::Empty,
            outcome = field::Empty,
            status = field::Empty,
            upstream_request_id = field::Empty,
            latency_ms = field::Empty,
        );
        let started = Instant::now();
        // A role's credentials first: when they have expired and cannot be renewed nothing is
        // sent, so neither the bulkhead nor the breaker (which must not count it either way)
        // is involved. Fetched once per call; a renewal meanwhile serves the next call.
        let (result, attempts) = match target.credentials.current().await {
            Err(_) => (Err(UpstreamError::CredentialsUnavailable), 0),
            Ok(credentials) => {
                let breaker = self.breaker(&target.tenant);
                let slot = self.bulkhead_slot(&target.tenant).await;
                let observer = self.observer.as_deref();
                let outcome = match slot.as_ref().map(|_| breaker.admit()) {
                    Err(saturated) => (Err(saturated.clone()), 0),
                    Ok(Err(retry_after)) => {
                        if let Some(observer) = observer {
                            observer.breaker_state(&target.tenant, true);
                        }
                        (Err(UpstreamError::CircuitOpen { retry_after }), 0)
                    }
                    Ok(Ok(())) => {
                        let in_flight = observer.and_then(|o| o.call_started(&target.tenant));
                        let (result, attempts) = self
                            .call_with_retries::<A>(target, &credentials, &params)
                            .instrument(span.clone())
                            .await;
                        drop(in_flight);
                        breaker.record(result.as_ref().map(|_| ()));
                        if let Some(observer) = observer {
                            observer.breaker_state(&target.tenant, breaker.is_open());
                        }
                        (result, attempts)
                    }
                };
                drop(slot);
                outcome
            }
        };
        let outcome = match &result {
            Ok(_) => "ok",
            Err(err) => err.outcome(),
        };
        let request_id = match &result {
            Ok(answer) => answer.request_id.as_deref(),
            Err(err) => err.request_id(),
        };
        span.record("attempts", attempts);
        span.record("outcome", outcome);
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        if let Some(id) = request_id {
            span.record("upstream_request_id", id);
        }
        span.in_scope(|| match &result {
            Ok(_) => tracing::debug!("upstream call succeeded"),
            Err(err) => tracing::warn!(error = %err, "upstream call failed"),
        });
        if let Some(observer) = &self.observer {
            observer.observe(
                &target.tenant,
                A::NAME,
                outcome,
                attempts,
                started.elapsed(),
            );
        }
        result
    }

    async fn call_with_retries<A: Action>(
        &self,
        target: &Target,
        credentials: &Credentials,
        params: &[(&'static str, String)],
    ) -> (Result<Answer<A::Output>, UpstreamError>, u32) {
        let withheld = withheld_values(credentials, params);
        let mut attempt = 1;
        loop {
            let result = self
                .attempt::<A>(target, credentials, params, attempt)
                .await
                .map_err(|error| error.withhold(&withheld));
            let error = match result {
                Ok(answer) => return (Ok(answer), attempt),
                Err(error) => error,
            };
            match self
                .settings
                .retry
                .next_delay(attempt, &error, A::IDEMPOTENT)
            {
                Some(delay) => {
                    tracing::info!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying upstream call");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                None => return (Err(error), attempt),
            }
        }
    }

    async fn attempt<A: Action>(
        &self,
        target: &Target,
        credentials: &Credentials,
        params: &[(&'static str, String)],
        attempt: u32,
    ) -> Result<Answer<A::Output>, UpstreamError> {
        let span = tracing::debug_span!(
            "upstream_attempt",
            attempt,
            status = field::Empty,
            upstream_request_id = field::Empty,
            latency_ms = field::Empty,
            span_id = field::Empty,
        );
        let started = Instant::now();
        // A signature nonce need only be unique and unpredictable: the thread's CSPRNG, no
        // syscall per call.
        let nonce = request_id::random_uuid().simple().to_string();
        let mut signed = sign_api_call(
            target.signature,
            A::VERSION,
            credentials,
            &CallSpec {
                action: A::NAME,
                params,
                host: target.endpoint.host(),
                timestamp: OffsetDateTime::now_utc(),
                nonce: &nonce,
            },
        );
        let mut url = target.endpoint.url().clone();
        url.set_query(Some(&signed.query));
        let headers = header_map(&signed);
        // Copied into the URL and the header map: the STS token's copy in the signed request
        // goes now, whatever happens next.
        signed.wipe();
        let mut headers = headers.map_err(|e| UpstreamError::Connect(e.to_string()))?;
        // W3C trace context of the request being served, passed on. Deliberately outside the
        // signature (never in V3's SignedHeaders): the upstream ignores it, and a signature
        // must not depend on whether an ingress traced the request.
        if let Some((traceparent, span_id)) = crate::telemetry::trace_context::outgoing()
            && let Ok(value) = HeaderValue::from_str(&traceparent)
        {
            span.record("span_id", span_id.as_str());
            headers.insert(HeaderName::from_static("traceparent"), value);
        }
        let http = match self.per_thread.as_deref().and_then(PerThread::current) {
            Some(own) => own,
            None => self.http.clone(),
        };
        let response = http
            .post(url)
            .headers(headers)
            .body(signed.body)
            .send()
            .instrument(span.clone())
            .await
            .map_err(classify_send_error)?;

        let status = response.status().as_u16();
        span.record("status", status);
        // The call span (current here: `call` instruments the retry loop with it) keeps the
        // last status, so INFO-level logs carry it without the DEBUG attempt spans.
        tracing::Span::current().record("status", status);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id_header = header(REQUEST_ID_HEADER);
        let retry_after = header(RETRY_AFTER_HEADER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis);
        let body = read_capped(response, status, request_id_header.clone()).await?;
        span.record("latency_ms", started.elapsed().as_millis() as u64);

        let result = interpret::<A>(status, &body, request_id_header, retry_after);
        if let Some(id) = match &result {
            Ok(answer) => answer.request_id.as_deref(),
            Err(err) => err.request_id(),
        } {
            span.record("upstream_request_id", id);
        }
        span.in_scope(|| {
            tracing::debug!(
                outcome = result.as_ref().map_or_else(|e| e.outcome(), |_| "ok"),
                "upstream attempt finished"
            )
        });
        result
    }
}

/// Parameters whose values never appear in error text or logs, even when echoed upstream.
const WITHHELD_PARAMS: [&str; 2] = ["SecretContent", "Content"];

/// Every value an error must not quote: confidential parameters and the tenant's secrets.
fn withheld_values<'a>(
    credentials: &'a Credentials,
    params: &'a [(&'static str, String)],
) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(name, _)| WITHHELD_PARAMS.contains(name))
        .map(|(_, value)| value.as_str())
        .chain(Some(credentials.access_key_secret()))
        .chain(credentials.security_token())
        .collect()
}
