//! The `GET /tickets` query parser (`routes::ticket_query::parse`), and the `lang` /
//! `Accept-Language` resolution the handler runs before it, on arbitrary query strings.
//!
//! Input: the query string (without `?`). The seeds are real queries (API.md, the tests).
//!
//! Properties: no panic; a refusal is a 400 `invalid_request`; an accepted query gives an
//! upstream request within API.md's limits (page ≥ 1, page size 1 to 100, at most 100 ticket
//! ids of `[A-Za-z0-9]{1,32}`, only the four statuses, a valid product code, a sub-user id of at
//! most 64 alphanumerics, instants within the epoch range, and an inverted creation range marked
//! as matching nothing rather than sent).

#![no_main]

use actix_web::http::Uri;
use actix_web::test::TestRequest;
use libfuzzer_sys::fuzz_target;
use workorder_api::Action as _;
use workorder_api::Language;
use workorder_api::actions::ListTickets;
use workorder_gateway::error::ErrorCode;
use workorder_gateway::routes::language;
use workorder_gateway::routes::ticket_query::{TicketListing, parse};
use workorder_gateway::validation::{is_product_code, is_ticket_id};

fuzz_target!(|data: &[u8]| {
    // actix hands the handler the query as text; raw bytes arrive percent-encoded.
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let mut language = Language::Zh;
    // Only what can be a request target reaches the resolver; `parse` itself takes any text.
    let target = format!("/tickets?{query}");
    if Uri::try_from(target.as_str()).is_ok() {
        let req = TestRequest::get()
            .uri(&target)
            .insert_header(("accept-language", "en-US,en;q=0.8"))
            .to_http_request();
        match language::resolve(&req, Language::Zh) {
            Ok(resolved) => language = resolved,
            Err(err) => assert_eq!(err.code(), ErrorCode::InvalidRequest),
        }
    }
    match parse(query, language) {
        Ok(listing) => check_accepted(&listing, language),
        Err(err) => {
            assert_eq!(err.code(), ErrorCode::InvalidRequest, "{err}");
            drop(err.to_string());
        }
    }
});

/// The statuses a filter may name.
const KNOWN_STATUSES: [&str; 4] = ["in_progress", "wait_feedback", "wait_confirm", "completed"];

fn check_accepted(listing: &TicketListing, language: Language) {
    let request: &ListTickets = &listing.request;
    let page = request.page_start.expect("a page is always sent");
    let size = request.page_size.expect("a page size is always sent");
    assert!(page >= 1, "page {page}");
    assert!((1..=100).contains(&size), "page size {size}");
    assert!(request.ids.len() <= 100, "{} ids", request.ids.len());
    assert!(
        request.ids.iter().all(|id| is_ticket_id(id)),
        "{:?}",
        request.ids
    );
    assert!(
        request
            .statuses
            .iter()
            .all(|s| KNOWN_STATUSES.contains(&s.as_str())),
        "{:?}",
        request.statuses
    );
    if let Some(code) = &request.product_code {
        assert!(is_product_code(code), "{code:?}");
    }
    if let Some(user) = &request.sub_user_id {
        assert!(
            (1..=64).contains(&user.len()) && user.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{user:?}"
        );
    }
    for at in [request.created_after, request.created_before]
        .into_iter()
        .flatten()
    {
        assert!((0..=253_402_300_799).contains(&at), "epoch {at}");
    }
    if let (Some(after), Some(before)) = (request.created_after, request.created_before)
        && after > before
    {
        assert!(listing.matches_nothing, "{after} > {before} sent upstream");
    }
    assert_eq!(request.language, Some(language));
    // The comma-joined lists must not merge into other values upstream.
    for (name, value) in request.params() {
        if name == "Ids" || name == "TicketStatus" {
            assert!(value.split(',').all(|v| !v.is_empty()), "{name}={value:?}");
        }
    }
}
