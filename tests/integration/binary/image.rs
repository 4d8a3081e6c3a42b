//! What the container image relies on, through the real binary: the `healthcheck` subcommand
//! (the image's HEALTHCHECK and the Compose health checks; the image has no shell and no HTTP
//! client) and the refusal to serve the demo configuration in the image unless asked to.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::{EMAIL, Gateway, config, free_port};
use crate::support::{account, start_sandbox};

const BIN: &str = env!("CARGO_BIN_EXE_workorder-gateway");

/// Runs the binary to completion with `args` (no inherited `WOG_CONFIG` / `WOG_DEMO`).
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("WOG_CONFIG")
        .env_remove("WOG_DEMO")
        .env_remove("RUST_LOG");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// The stderr of `output`, checked to be exactly one line.
fn one_line(output: &Output) -> String {
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    stderr.trim_end().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_exits_0_on_a_2xx_answer_and_1_with_one_line_otherwise() {
    let sandbox = start_sandbox(vec![account("LTAIopsPROBE", "probe-secret", EMAIL)]).await;
    let port = free_port();
    let gateway = Gateway::start(
        port,
        &config(port, &sandbox.url(), "LTAIopsPROBE", "probe-secret", 0),
    )
    .await;

    let ready = run(
        &["healthcheck", "--url", &format!("{}/readyz", gateway.url)],
        &[],
    );
    assert_eq!(ready.status.code(), Some(0));
    assert_eq!(
        one_line(&ready),
        format!(
            "workorder-gateway: healthcheck: {}/readyz: answered 200",
            gateway.url
        )
    );

    // The Compose sandbox service is probed the same way.
    let sandbox_health = format!("{}/_sandbox/health", sandbox.url());
    assert_eq!(
        run(&["healthcheck", "--url", &sandbox_health], &[])
            .status
            .code(),
        Some(0)
    );

    let missing = run(
        &["healthcheck", "--url", &format!("{}/nope", gateway.url)],
        &[],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        one_line(&missing),
        format!(
            "workorder-gateway: healthcheck: {}/nope: answered 404",
            gateway.url
        )
    );

    let closed = format!("http://127.0.0.1:{}/readyz", free_port());
    let refused = run(
        &["healthcheck", "--url", &closed, "--timeout-ms", "500"],
        &[],
    );
    assert_eq!(refused.status.code(), Some(1));
    let line = one_line(&refused);
    assert!(
        line.starts_with(&format!(
            "workorder-gateway: healthcheck: {closed}: no answer ("
        )),
        "{line}"
    );

    let invalid = run(&["healthcheck", "--url", "ftp://127.0.0.1/readyz"], &[]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(one_line(&invalid).contains("is not an http:// or https:// URL"));
}

#[test]
fn healthcheck_defaults_to_readyz_on_port_8080_of_the_loopback() {
    let help = run(&["healthcheck", "--help"], &[]);
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(
        text.contains("[default: http://127.0.0.1:8080/readyz]"),
        "{text}"
    );
    assert!(text.contains("[default: 2000]"), "{text}");
}

#[test]
fn in_the_image_serve_without_config_refuses_the_demo_and_says_how_to_run_it() {
    let started = Instant::now();
    let refused = run(&["serve"], &[("WORKORDER_GATEWAY_IMAGE", "1")]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        one_line(&refused),
        "workorder-gateway: no --config given: refusing to serve the demo configuration \
         (config/default.toml) in the container image; pass --config FILE (or WOG_CONFIG=FILE), \
         or set WOG_DEMO=1 to run the sandbox demo"
    );
    assert!(refused.stdout.is_empty(), "nothing started, nothing logged");
    // No subcommand means `serve`: the image's bare `docker run` is refused the same way.
    let bare = run(&[], &[("WORKORDER_GATEWAY_IMAGE", "1"), ("WOG_DEMO", "0")]);
    assert_eq!(bare.status.code(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_image_wog_demo_1_serves_the_demo_and_is_not_read_as_a_configuration_key() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("WOG_CONFIG")
        .env_remove("RUST_LOG")
        .env("WORKORDER_GATEWAY_IMAGE", "1")
        .env("WOG_DEMO", "1")
        .env("WOG_SERVER__LISTEN", &listen)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut status = None;
    while status != Some(200) && started.elapsed() < Duration::from_secs(30) {
        if let Some(exit) = child.try_wait().unwrap() {
            let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
            panic!("the demo did not start ({exit}): {stderr}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let answer = http.get(format!("http://{listen}/readyz")).send().await;
        status = answer.ok().map(|r| r.status().as_u16());
    }
    // Stopped by its own id before asserting, so a failure leaves no process behind.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, Some(200), "the demo never became ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_image_an_explicit_config_serves_without_wog_demo() {
    let sandbox = start_sandbox(vec![account("LTAIopsIMAGE", "image-secret", EMAIL)]).await;
    let port = free_port();
    // `Gateway::start_env` passes --config; the marker (set on the child only) changes nothing.
    let gateway = Gateway::start_env(
        port,
        &config(port, &sandbox.url(), "LTAIopsIMAGE", "image-secret", 0),
        &[("WORKORDER_GATEWAY_IMAGE", "1")],
    )
    .await;
    assert_eq!(gateway.status("/readyz").await, Some(200));
}
