//! Raw TCP peers for what a mock HTTP server cannot do: hang up after reading a request,
//! never finish the handshake, or stream a body without a length.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// A server that reads each request's head and hangs up without answering; counts
/// connections.
pub async fn hang_up_server() -> (String, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let connections = Arc::new(AtomicU32::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut head = Vec::new();
            let mut buffer = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buffer[..n]),
                }
            }
            drop(socket);
        }
    });
    (format!("http://{address}"), connections)
}

/// A listener whose accept queue is full, so new connections hang in the handshake. The
/// returned sockets keep the queue full and must outlive the test.
pub fn saturated_listener() -> (String, Vec<std::net::TcpStream>, tokio::net::TcpListener) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("address"))
        .expect("bind");
    let address = socket.local_addr().expect("address");
    let listener = socket.listen(1).expect("listen");
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&address, Duration::from_millis(100)) {
            Ok(stream) => fillers.push(stream),
            Err(_) => break, // the queue is full
        }
    }
    (format!("http://{address}"), fillers, listener)
}

/// Answers every request with a chunked (length-less) body of `size` spaces.
pub async fn chunked_server(size: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut head = [0u8; 8192];
            let _ = socket.read(&mut head).await;
            let mut answer =
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                    .to_vec();
            let mut left = size;
            while left > 0 {
                let n = left.min(64 * 1024);
                answer.extend_from_slice(format!("{n:x}\r\n").as_bytes());
                answer.extend(std::iter::repeat_n(b' ', n));
                answer.extend_from_slice(b"\r\n");
                left -= n;
            }
            answer.extend_from_slice(b"0\r\n\r\n");
            let _ = socket.write_all(&answer).await;
        }
    });
    format!("http://{address}")
}
