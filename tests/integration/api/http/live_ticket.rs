//! `examples/live-ticket/` in a real browser: headless Chromium opens the page (served from an
//! origin the gateway allows), the page signs in with a development token and watches a ticket
//! over `GET /tickets/{id}/events`; the test replies through the API and the page shows the
//! reply without a reload. Skipped like `browser.rs` when `chromium` is missing, unless
//! `WOG_TEST_REQUIRE_CHROMIUM=1`.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::browser::chromium;
use crate::support::{READ_WRITE, demo_config, sample, start_tweaked};

/// The page, as committed.
const PAGE: &str = include_str!("../../../../examples/live-ticket/index.html");

/// Serves [`PAGE`] at `/` with one image appended whose answer (`/hold`) waits until `release`
/// turns true: Chromium's `--dump-dom` dumps at the load event, which the image holds back
/// until the test has replied and the page has had time to show it.
fn serve_page(
    listener: tokio::net::TcpListener,
    release: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut release = release.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let n = socket.read(&mut request).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..n]);
                let (content_type, body) = if request.starts_with("GET /hold") {
                    let _ = release.wait_for(|r| *r).await;
                    (
                        "image/svg+xml",
                        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_owned(),
                    )
                } else {
                    let page = PAGE.replace("</body>", "<img src=\"/hold\" alt=\"\"></body>");
                    ("text/html; charset=utf-8", page)
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body.as_bytes()).await;
            });
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_ticket_page_shows_a_reply_without_a_reload() {
    let Some(chromium) = chromium() else { return };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (release, held) = tokio::sync::watch::channel(false);
    let pages = serve_page(listener, held);
    let config = demo_config(
        "[events]\nmin_interval_ms = 200\nmax_interval_ms = 1000\nheartbeat_ms = 500\n",
    );
    let allowed = origin.clone();
    let gateway = start_tweaked(&config, move |settings| {
        settings.server.cors_allowed_origins = vec![allowed];
    })
    .await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "The disk is full").await;

    // The fragment never reaches a server; the page reads it and clears it.
    let url = format!(
        "{origin}/#gateway={}&ticket={id}&token={token}",
        gateway.url
    );
    let browser = tokio::task::spawn_blocking(move || {
        let profile = tempfile::tempdir().unwrap();
        // `timeout` bounds a hung browser, ending only the child it started.
        let output = Command::new("timeout")
            .arg("60")
            .arg(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .output()
            .unwrap();
        drop(profile);
        output
    });

    // Wait until the page is watching, then reply through the API.
    let started = Instant::now();
    loop {
        let (open, _) = sample(&gateway, "wog_event_streams_open{kind=\"ticket\"}").await;
        if open == Some(1.0) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the page never opened its stream"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let replied = gateway
        .post_json(
            &format!("/tickets/{id}/notes"),
            &token,
            &json!({ "content": "Shown live, no reload" }),
        )
        .await;
    assert_eq!(replied.status(), 201);
    // The reply nudges the poller (200 ms at most); a second is plenty for the page to show it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    release.send_replace(true);

    let output = browser.await.unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    for shown in [
        "The disk is full",
        "Shown live, no reload",
        "<span id=\"connection\">live</span>",
    ] {
        assert!(dom.contains(shown), "{shown} not shown:\n{dom}");
    }
    assert!(!dom.contains(&token), "the token stayed in the page");
    pages.abort();
}
