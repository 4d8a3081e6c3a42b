//! The framework's ceiling for issue 12's HTTP benchmark: a bare actix-web server with no
//! middleware, answering `GET /products` with the bytes of a file, so `benches/run.sh` can say
//! how much of actix-web's own speed the gateway's per-request work leaves.
//!
//! `cargo run --release --example bare_actix -- 127.0.0.1:18082 products.json [workers]`

#![allow(clippy::expect_used, missing_docs)]

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args
        .next()
        .expect("usage: bare_actix LISTEN FILE [WORKERS]");
    let file = args
        .next()
        .expect("usage: bare_actix LISTEN FILE [WORKERS]");
    let workers: usize = args
        .next()
        .map(|w| w.parse().expect("WORKERS is a number"))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let body = web::Bytes::from(std::fs::read(&file)?);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().route(
            "/products",
            web::get().to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        )
    })
    .workers(workers)
    .bind(listen)?
    .run()
    .await
}
