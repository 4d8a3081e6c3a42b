//! A fresh nonce for every request: never shared between calls, nor between the attempts of
//! one call (a reused nonce is `SignatureNonceUsed` upstream).

use std::collections::BTreeSet;

use workorder_api::SignatureVersion;
use workorder_api::actions::ListTickets;

use crate::support::fake_upstream::{
    Kind, client, error_answer, nonce, received, settings, upstream_answering,
};

#[tokio::test]
async fn nonces_differ_between_calls_and_between_retries_of_one_call() {
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let server = upstream_answering(error_answer(503, "ServiceUnavailable", "busy")).await;
        let client = client(settings(4));
        let target = crate::support::fake_upstream::target(&server.uri(), version, Kind::Sts);
        for _ in 0..3 {
            let result = client.call(&target, &ListTickets::default()).await;
            assert!(result.is_err());
        }
        let requests = received(&server).await;
        assert_eq!(requests.len(), 12, "{version}: 3 calls of 4 attempts");
        let nonces: BTreeSet<String> = requests.iter().map(nonce).collect();
        assert_eq!(nonces.len(), requests.len(), "{version}: {nonces:?}");
    }
}
