//! What an injected fate does to one answer (the fate itself is drawn in [`super::faults`]).
//!
//! Before processing, `Drop`, `ServerError` and `Unavailable` answer in place of the call: it
//! never reaches authentication or the business rules, so nothing happened. After processing,
//! `Unreadable`, `LostDrop`, `LostTimeout` and `LostError` replace the answer the call got,
//! whatever that answer was: a call that succeeded has acted (a CreateTicket created its
//! ticket, a ReplyTicket added its note) and only its answer is lost. That is the ambiguous
//! outcome a client has to reconcile; a call that failed (bad signature, throttled, business
//! error) had no effect, and its error answer is lost the same way.

use std::io;

use actix_web::{HttpResponse, HttpResponseBuilder, web};

use super::faults::Injected;
use super::reply::ErrorReply;

/// The answer in place of the call, for a fate that acts before processing; `None` lets the
/// call be processed.
pub(crate) fn before_processing(
    injected: Injected,
    request_id: &str,
    host_id: &str,
) -> Option<HttpResponse> {
    let error = match injected {
        Injected::Drop => {
            tracing::debug!("sandbox fault: dropping the connection");
            return Some(dropped_connection());
        }
        Injected::ServerError => ErrorReply::system_error(),
        Injected::Unavailable => ErrorReply::service_unavailable(),
        Injected::Nothing
        | Injected::Unreadable
        | Injected::LostDrop
        | Injected::LostTimeout(_)
        | Injected::LostError => return None,
    };
    tracing::debug!(
        status = error.status,
        code = error.code,
        "sandbox fault injected"
    );
    Some(error.response(request_id, host_id))
}

/// The answer the client gets once the call was processed into `head` and `body`: that answer
/// itself, or what the fate leaves of it.
pub(crate) async fn after_processing(
    injected: Injected,
    mut head: HttpResponseBuilder,
    body: String,
    request_id: &str,
    host_id: &str,
) -> HttpResponse {
    match injected {
        Injected::Unreadable => {
            tracing::debug!("sandbox fault: answering an unreadable body");
            let mut cut = body.len() / 2;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            head.body(body[..cut].to_owned())
        }
        Injected::LostDrop => {
            tracing::debug!("sandbox fault: processed, then dropping the connection");
            dropped_connection()
        }
        Injected::LostTimeout(withheld) => {
            tracing::debug!(
                withheld_ms = u64::try_from(withheld.as_millis()).unwrap_or(u64::MAX),
                "sandbox fault: processed, then withholding the answer"
            );
            // Sleeping in the handler, not in the body stream: once a body is pending, actix-web
            // flushes the head, and the client would see a status.
            tokio::time::sleep(withheld).await;
            dropped_connection()
        }
        Injected::LostError => {
            let error = ErrorReply::system_error();
            tracing::debug!(
                status = error.status,
                code = error.code,
                "sandbox fault: processed, then answering an error"
            );
            error.response(request_id, host_id)
        }
        Injected::Nothing | Injected::Drop | Injected::ServerError | Injected::Unavailable => {
            head.body(body)
        }
    }
}

/// An answer whose body fails before its first byte: actix-web then closes the connection
/// without writing anything (the response head is still only buffered), which a client sees
/// as the server hanging up, exactly like a dropped connection.
fn dropped_connection() -> HttpResponse {
    let failing = futures_util::stream::once(async {
        Err::<web::Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "sandbox fault injection: connection dropped",
        ))
    });
    HttpResponse::Ok().streaming(failing)
}
