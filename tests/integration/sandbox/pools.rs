//! The upstream client keeps a keep-alive pool per calling thread, so an actix worker's calls run
//! on connections its own runtime drives (`src/per_thread.rs` says why): counted by a
//! forwarder in front of a real sandbox that accepts every connection the client opens.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use workorder_api::Language;
use workorder_api::SignatureVersion;
use workorder_api::actions::ListProducts;
use workorder_gateway::upstream::{ClientSettings, Endpoint, Target, UpstreamClient};

use super::helpers::*;

/// A TCP forwarder to `upstream` on its own thread and runtime, counting the connections it
/// accepts; its URL and the count.
fn counting_forwarder(upstream: std::net::SocketAddr) -> (String, Arc<AtomicU32>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&accepted);
    std::thread::spawn(move || {
        let runtime = runtime();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((mut inbound, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
    });
    (url, accepted)
}

/// A runtime of its own for the calling thread, as each actix worker has.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn target(url: &str) -> Target {
    Target {
        tenant: "demo".to_owned(),
        endpoint: Endpoint::parse(url).unwrap(),
        credentials: demo_credentials().into(),
        signature: SignatureVersion::V1,
    }
}

async fn list_products(client: &UpstreamClient, target: &Target) {
    let answer = client
        .call(
            target,
            &ListProducts {
                language: Some(Language::En),
            },
        )
        .await
        .expect("ListProducts through the forwarder");
    assert!(!answer.data.hot_tech.is_empty());
}

/// Runs `calls` sequential calls on a new thread with a runtime of its own.
async fn calls_from_another_thread(client: &UpstreamClient, target: &Target, calls: usize) {
    let (client, target) = (client.clone(), target.clone());
    tokio::task::spawn_blocking(move || {
        let runtime = runtime();
        runtime.block_on(async {
            for _ in 0..calls {
                list_products(&client, &target).await;
            }
        });
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn each_calling_thread_reuses_one_connection_of_its_own() {
    let sandbox = start().await;
    let (url, accepted) = counting_forwarder(sandbox.handle.addr());
    let client = UpstreamClient::new(ClientSettings::default()).unwrap();
    let target = target(&url);

    for _ in 0..3 {
        list_products(&client, &target).await;
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "one thread, one kept-alive connection"
    );

    calls_from_another_thread(&client, &target, 3).await;
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "another thread calls over a connection of its own"
    );

    for _ in 0..2 {
        list_products(&client, &target).await;
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "the first thread still has its connection"
    );
}

#[tokio::test]
async fn a_thread_calls_again_after_the_runtime_that_owned_its_connection_ended() {
    let sandbox = start().await;
    let (url, accepted) = counting_forwarder(sandbox.handle.addr());
    let client = UpstreamClient::new(ClientSettings::default()).unwrap();
    let target = target(&url);
    let (client_in_thread, target_in_thread) = (client.clone(), target.clone());
    tokio::task::spawn_blocking(move || {
        // The first runtime opens the thread's connection, whose task dies with it; the next
        // runtime on the same thread must not be handed that dead connection.
        for _ in 0..2 {
            let runtime = runtime();
            runtime.block_on(list_products(&client_in_thread, &target_in_thread));
        }
    })
    .await
    .unwrap();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "the second runtime opened a fresh connection"
    );
}
