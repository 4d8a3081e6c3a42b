//! The floor for issue 12's proxied benchmark: what any proxy in front of the sandbox costs on
//! this machine, doing nothing a gateway must do. A bare actix-web server with no middleware
//! that passes each request through as it came (method, path and query, body, content type) to
//! one upstream over `reqwest` (a keep-alive client per worker thread, as the gateway's) and
//! answers with the upstream's status and body. No authentication, no signing, no parsing.
//!
//! `benches/http_proxied.sh` starts it in front of the gateway's embedded sandbox, and
//! `examples/proxied_overhead.rs` sends the same signed calls through it as straight to the
//! sandbox (an RPC v1 signature does not cover the host, so a passed-through call still
//! verifies). What it adds is the hop itself: two more loopback sends, and two more wake-ups of
//! a sleeping thread.
//!
//! `cargo run --release --example bare_proxy -- 127.0.0.1:18083 http://127.0.0.1:SANDBOX [workers]`

#![allow(clippy::expect_used, missing_docs)]

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

thread_local! {
    /// Each worker's own client, so a worker's calls run on connections its runtime drives.
    static HTTP: reqwest::Client = reqwest::Client::new();
}

async fn pass_through(
    request: HttpRequest,
    body: web::Bytes,
    upstream: web::Data<String>,
) -> HttpResponse {
    let url = format!("{}{}", upstream.get_ref(), request.uri());
    let method =
        reqwest::Method::from_bytes(request.method().as_str().as_bytes()).expect("an HTTP method");
    let mut outgoing = HTTP.with(reqwest::Client::clone).request(method, url);
    if let Some(content_type) = request.headers().get("content-type") {
        outgoing = outgoing.header("content-type", content_type.as_bytes());
    }
    let answer = match outgoing.body(body).send().await {
        Ok(answer) => answer,
        Err(error) => return HttpResponse::BadGateway().body(error.to_string()),
    };
    let status = StatusCode::from_u16(answer.status().as_u16()).expect("an HTTP status");
    match answer.bytes().await {
        Ok(bytes) => HttpResponse::build(status)
            .content_type("application/json")
            .body(bytes),
        Err(error) => HttpResponse::BadGateway().body(error.to_string()),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let usage = "usage: bare_proxy LISTEN UPSTREAM_URL [WORKERS]";
    let mut args = std::env::args().skip(1);
    let listen = args.next().expect(usage);
    let upstream = args.next().expect(usage);
    let workers: usize = args
        .next()
        .map(|w| w.parse().expect("WORKERS is a number"))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let upstream = web::Data::new(upstream.trim_end_matches('/').to_owned());
    HttpServer::new(move || {
        App::new()
            .app_data(upstream.clone())
            .default_service(web::to(pass_through))
    })
    .workers(workers)
    .bind(listen)?
    .run()
    .await
}
