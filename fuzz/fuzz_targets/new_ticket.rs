//! The `POST /tickets` body: JSON bytes through `routes::json_body` into `NewTicketBody`, then
//! `NewTicketBody::validate`, with and without a tenant default email, as the handler runs them.
//!
//! Input: the request body. The seeds are API.md's example and the bodies the tests send.
//!
//! Properties: no panic; a body that does not parse is a 400 `invalid_request`, one that fails
//! validation a 422 `validation_failed`; an accepted body yields a `CreateTicket` whose fields
//! meet the limits API.md documents: `productCode` 1 to 64 of `[A-Za-z0-9._-]`, `categoryId` a
//! positive integer, `content` not blank and at most 10 000 characters, `secretContent` at most
//! 10 000, `title` at most 200, `phone` 1 to 32 of digits and `+- ()`, an email address (one
//! `@`, a dotted domain, no spaces, at most 254 bytes), and the parameters sent upstream carry
//! exactly those values.

#![no_main]

use actix_web::test::TestRequest;
use libfuzzer_sys::fuzz_target;
use workorder_api::Action as _;
use workorder_api::Language;
use workorder_api::actions::CreateTicket;
use workorder_gateway::error::ErrorCode;
use workorder_gateway::routes::json_body;
use workorder_gateway::routes::new_ticket::NewTicketBody;
use workorder_gateway_fuzz::JsonBody;

const DEFAULT_EMAIL: &str = "demo@example.com";

fuzz_target!(|data: &[u8]| {
    let req = TestRequest::post()
        .uri("/tickets")
        .insert_header(("content-type", "application/json"))
        .to_http_request();
    for default_email in [Some(DEFAULT_EMAIL), None] {
        let body: NewTicketBody = match json_body(&req, data) {
            Ok(body) => body,
            Err(err) => {
                assert_eq!(err.code(), ErrorCode::InvalidRequest, "{err}");
                return;
            }
        };
        match body.validate(default_email, Language::En) {
            Ok((ticket, extras)) => {
                check_accepted(&ticket, data, default_email);
                // Accepted attachments are what the gateway promises to send upstream.
                assert!(extras.attachments.len() <= 10, "too many attachments");
                assert!(
                    extras
                        .attachments
                        .iter()
                        .all(|k| (1..=128).contains(&k.len())
                            && k.bytes()
                                .all(|b| b.is_ascii_alphanumeric()
                                    || matches!(b, b'.' | b'_' | b'-'))),
                    "attachment key {:?}",
                    extras.attachments
                );
            }
            Err(err) => assert_eq!(err.code(), ErrorCode::ValidationFailed, "{err}"),
        }
    }
});

fn check_accepted(ticket: &CreateTicket, body: &[u8], default_email: Option<&str>) {
    let chars = |s: &str| s.chars().count();
    let code = &ticket.product_code;
    assert!(
        (1..=64).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')),
        "productCode {code:?}"
    );
    assert!(ticket.category_id > 0, "categoryId {}", ticket.category_id);
    assert!(!ticket.content.trim().is_empty(), "blank content accepted");
    assert!(chars(&ticket.content) <= 10_000, "content too long");
    if let Some(secret) = &ticket.secret_content {
        assert!(chars(secret) <= 10_000, "secretContent too long");
    }
    if let Some(title) = &ticket.title {
        assert!(chars(title) <= 200, "title too long");
    }
    if let Some(phone) = &ticket.phone {
        assert!(
            (1..=32).contains(&phone.len())
                && phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+- ()".contains(c)),
            "phone {phone:?}"
        );
    }
    let email = &ticket.email;
    let (local, domain) = email.split_once('@').expect("an email has an @");
    assert!(
        !local.is_empty()
            && email.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(char::is_whitespace),
        "email {email:?}"
    );
    if default_email.is_none() {
        // `email` is NewTicketBody's fourth field, which is where an array body gives it.
        let email_given = JsonBody::read(body).member("email", 3);
        assert!(
            email_given.is_some_and(|e| !e.is_null()),
            "accepted without any email"
        );
    }
    assert!(ticket.language.is_some());

    let params = ticket.params();
    let sent = |name: &str| {
        params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(sent("ProductCode"), Some(code.as_str()));
    assert_eq!(
        sent("Category"),
        Some(ticket.category_id.to_string().as_str())
    );
    assert_eq!(sent("Content"), Some(ticket.content.as_str()));
    assert_eq!(sent("Email"), Some(email.as_str()));
    assert_eq!(sent("SecretContent"), ticket.secret_content.as_deref());
}
