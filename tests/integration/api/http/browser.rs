//! The Swagger UI in a real browser: headless Chromium loads `/docs/` from a gateway on port 0
//! and the page renders the API (title, operations, Authorize) with no Content Security Policy
//! violation in the console. Skipped with one printed line when `chromium` is not on the PATH,
//! unless `WOG_TEST_REQUIRE_CHROMIUM=1` (CI sets it, and installs Debian's `chromium`).

use std::path::PathBuf;
use std::process::Command;

use crate::support::{TestGateway, demo_config};

/// What the console says when a policy refuses something.
const VIOLATION: &str = "Content Security Policy";

/// The `chromium` executable on the PATH; `None` (after saying so) when the test should skip.
pub(super) fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert_ne!(
            std::env::var("WOG_TEST_REQUIRE_CHROMIUM").as_deref(),
            Ok("1"),
            "WOG_TEST_REQUIRE_CHROMIUM=1 but no chromium on the PATH"
        );
        println!("skipped: no chromium on the PATH (WOG_TEST_REQUIRE_CHROMIUM=1 makes this fail)");
    }
    found
}

/// Loads `url` headless, lets its scripts run, and returns (rendered DOM, console log).
async fn load(chromium: PathBuf, url: String) -> (String, String) {
    let output = tokio::task::spawn_blocking(move || {
        let profile = tempfile::tempdir().unwrap();
        // `timeout` bounds a hung browser; it ends only the child it started.
        let output = Command::new("timeout")
            .arg("90")
            .arg(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=15000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .output()
            .unwrap();
        drop(profile);
        output
    })
    .await
    .unwrap();
    assert!(output.status.success(), "chromium: {:?}", output.status);
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_renders_under_its_csp_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let gateway = TestGateway::start(&demo_config("")).await;

    let (dom, console) = load(chromium.clone(), format!("{}/docs/", gateway.url)).await;
    // The detector itself: a page whose own policy refuses its inline style is reported.
    let (_, control) = load(
        chromium,
        "data:text/html,<meta http-equiv=\"Content-Security-Policy\" content=\"style-src 'none'\">\
         <style>p{color:red}</style><p>x</p>"
            .to_owned(),
    )
    .await;

    assert!(
        control.contains(VIOLATION),
        "the console is not captured:\n{control}"
    );
    let violations: Vec<&str> = console.lines().filter(|l| l.contains(VIOLATION)).collect();
    assert!(violations.is_empty(), "{violations:#?}");
    for rendered in [
        "<h1 class=\"title\">workorder-gateway",
        "data-path=\"/tickets/{id}/notes\"",
        "id=\"operations-tickets-create_ticket\"",
        "id=\"operations-catalog-list_categories\"",
        "btn authorize",
    ] {
        assert!(dom.contains(rendered), "{rendered} not rendered:\n{dom}");
    }
}
