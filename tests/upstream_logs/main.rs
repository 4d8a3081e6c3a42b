//! What the client logs: one `upstream_call` span per call with tenant, action, attempts and
//! outcome, and never a parameter value, a credential or a signature. Everything the process
//! logs at TRACE level is captured, dependencies included.
//!
//! A binary of its own: the test installs the process's one global `tracing` subscriber, at
//! TRACE level for every crate (the `ops` binary installs a different one).

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::ResponseTemplate;
use workorder_api::SignatureVersion;
use workorder_api::encode::percent_encode;

use crate::support::actions::{CONTENT, SECRET_CONTENT, documented};
use crate::support::fake_upstream::{
    AK_SECRET, Kind, STS_SECRET, STS_TOKEN, Script, client, error_answer, ok_body, query_pairs,
    received, settings, target,
};

/// A `MakeWriter` appending to a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

/// This test's tenant, to tell its spans from those of tests running beside it.
const TENANT: &str = "tenant-of-the-log-test";

#[tokio::test]
async fn call_spans_name_the_call_but_never_a_value_or_a_secret() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global, not `set_default`: a thread-local subscriber misses span callsites whose
    // interest other test threads cached while no subscriber was listening. The other tests'
    // logs land in the buffer too, which only widens the check.
    tracing::subscriber::set_global_default(subscriber).expect("the only test that sets one");

    let mut signatures = Vec::new();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        for (action, _) in documented() {
            // Fail once (retried or not), then succeed: both paths log.
            let script = Script::new(vec![
                error_answer(503, "ServiceUnavailable", "busy"),
                ResponseTemplate::new(200).set_body_json(ok_body(action.name())),
            ]);
            let server = script.mount().await;
            let mut target = target(&server.uri(), version, Kind::Sts);
            target.tenant = TENANT.to_owned();
            let _ = action.call(&client(settings(2)), &target).await;
            for request in received(&server).await {
                signatures.extend(
                    query_pairs(&request)
                        .into_iter()
                        .filter(|(k, _)| k == "Signature")
                        .map(|(_, v)| v),
                );
                if let Some(auth) = crate::support::fake_upstream::header(&request, "authorization")
                {
                    signatures.extend(auth.split("Signature=").nth(1).map(str::to_owned));
                }
            }
        }
    }

    let logs = buffer.text();
    for expected in [
        "upstream_call",
        "tenant=tenant-of-the-log-test",
        "action=\"CreateTicket\"",
        "outcome=\"unavailable\"",
        "attempts=2",
        "upstream_request_id=\"REQ-OK\"",
    ] {
        assert!(logs.contains(expected), "logs lack {expected}:\n{logs}");
    }
    let call_spans: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains(&format!("upstream_call{{tenant={TENANT} ")))
        .filter(|l| !l.contains("upstream_attempt{"))
        .filter(|l| l.contains(": close"))
        .collect();
    assert!(call_spans.len() >= 2 * documented().len());
    for line in call_spans {
        for field in [
            "attempts=",
            "outcome=",
            "status=",
            "latency_ms=",
            "upstream_request_id=",
        ] {
            assert!(line.contains(field), "the call span lacks {field}: {line}");
        }
    }
    let reply_content = "这个一个工单回复 + more";
    let mut forbidden = vec![
        AK_SECRET.to_owned(),
        STS_SECRET.to_owned(),
        STS_TOKEN.to_owned(),
        percent_encode(STS_TOKEN),
    ];
    for value in [SECRET_CONTENT, CONTENT, reply_content] {
        forbidden.push(value.to_owned());
        forbidden.push(percent_encode(value));
    }
    assert!(
        signatures.len() >= 2 * documented().len(),
        "signatures were collected"
    );
    forbidden.extend(signatures);
    for value in forbidden {
        assert!(!logs.contains(&value), "logs leak {value:?}");
    }
}
