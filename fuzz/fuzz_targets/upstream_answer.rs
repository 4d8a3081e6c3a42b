//! The upstream answer decoder: an HTTP status and body as a broken or malicious upstream (or
//! a proxy in front of it) could send them, read for each of the seven 2020 actions and 2021's
//! two catalogue actions exactly as the client reads them (`interpret`: envelope,
//! classification, the action's `Data` decoder), then rendered as the gateway would render them:
//! the success views, or the error withheld of confidential values and mapped to the client's
//! problem response.
//!
//! Input: `STATUS \n BODY` (status in decimal); without a leading status line the whole input is
//! the body of a 200. The seeds are the JSON examples of the upstream document
//! (tests/fixtures/doc-examples) and the sandbox's error bodies.
//!
//! Properties: no panic; an answer is accepted only with a 2xx status and a body that is one
//! JSON object; every error renders.

#![no_main]

use actix_web::ResponseError as _;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use workorder_api::Action;
use workorder_api::actions::{
    CloseTicket, CreateTicket, ListCategories, ListProducts, ListTicketNotes, ListTickets,
    ReplyTicket,
};
use workorder_gateway::catalog::v2021::{categories as categories_2021, merge_directories};
use workorder_gateway::catalog::views::{CategoryView, merge_products};
use workorder_gateway::error::ApiError;
use workorder_gateway::fuzzing::interpret;
use workorder_gateway::routes::views::{CreatedTicket, NoteList, Ticket};

fuzz_target!(|data: &[u8]| {
    let (status, body) = split_status(data);
    check::<CreateTicket>(status, body, |created| {
        render(&CreatedTicket { id: created.id });
    });
    check::<ListTickets>(status, body, |page| {
        render(&page.list.into_iter().map(Ticket::from).collect::<Vec<_>>());
    });
    check::<CloseTicket>(status, body, |()| {});
    check::<ListTicketNotes>(status, body, |notes| {
        render(&NoteList::from_upstream(notes.list));
    });
    check::<ReplyTicket>(status, body, |()| {});
    check::<ListProducts>(status, body, |catalog| render(&merge_products(catalog)));
    check::<ListCategories>(status, body, |categories| {
        render(
            &categories
                .list
                .into_iter()
                .map(CategoryView::from)
                .collect::<Vec<_>>(),
        );
    });
    check::<workorder_api::v2021::ListProducts>(status, body, |directories| {
        render(&merge_directories(directories));
    });
    check::<workorder_api::v2021::ListCategories>(status, body, |rows| {
        render(&categories_2021(rows));
    });
});

/// `200\n{...}` → (200, `{...}`); anything without a decimal first line is the body of a 200.
fn split_status(data: &[u8]) -> (u16, &[u8]) {
    if let Some(newline) = data.iter().position(|b| *b == b'\n')
        && let Ok(line) = std::str::from_utf8(&data[..newline])
        && let Ok(status) = line.trim().parse::<u16>()
    {
        return (status, &data[newline + 1..]);
    }
    (200, data)
}

fn check<A: Action>(status: u16, body: &[u8], on_success: impl FnOnce(A::Output)) {
    let retry_after =
        (status == 429 || status == 503).then(|| std::time::Duration::from_millis(1500));
    match interpret::<A>(
        status,
        body,
        Some("HEADER-REQUEST-ID".to_owned()),
        retry_after,
    ) {
        Ok(answer) => {
            assert!(
                (200..300).contains(&status),
                "{}: accepted an answer with status {status}",
                A::NAME
            );
            let value: Value =
                serde_json::from_slice(body).expect("an accepted answer is valid JSON");
            assert!(value.is_object(), "{}: accepted a non-object body", A::NAME);
            on_success(answer.data);
        }
        Err(error) => {
            drop(error.to_string());
            let error = error.withhold(&["confidential-content", "LTAIsecret"]);
            let api = ApiError::from(error);
            drop(api.to_string());
            drop(api.error_response());
        }
    }
}

fn render<T: serde::Serialize>(view: &T) {
    serde_json::to_vec(view).expect("views always serialize");
}
