//! Unit tests of the ticket rules and of what the lists show.

use super::*;

fn new_ticket(product: &str, content: &str) -> TicketDraft {
    TicketDraft {
        product_code: product.to_owned(),
        category_id: 793,
        severity: Severity::Normal,
        attachments: Vec::new(),
        title: None,
        content: content.to_owned(),
        secret_content: Some("instance i-123".to_owned()),
        creator_id: "1".to_owned(),
        language: Language::En,
    }
}

fn text(content: &str) -> ReplyDraft {
    ReplyDraft {
        content: Some(content.to_owned()),
        ..ReplyDraft::default()
    }
}

#[test]
fn a_new_ticket_is_in_progress_with_its_content_as_first_note() {
    let mut book = TicketBook::default();
    let id = book.create(new_ticket("ecs", "cannot ssh\nmore"), 100_999);
    assert_eq!(id.len(), 7);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );
    let ticket = book.get(&id).unwrap();
    assert_eq!(ticket.status, Status::Assigned);
    assert_eq!(ticket.status.as_2020(), "in_progress");
    assert_eq!(ticket.title, "cannot ssh");
    assert_eq!(ticket.notes[0].content, "cannot ssh\nmore");
    assert_eq!(ticket.secret_count(), 1);
    assert_eq!((ticket.add_time, ticket.notes[0].gmt_created), (100, 100));
}

#[test]
fn the_conversation_moves_the_status_as_documented() {
    let mut book = TicketBook::default();
    let id = book.create(new_ticket("ecs", "help"), 100_000);
    assert!(book.engineer_answers(&id, 110_000));
    assert!(
        !book.engineer_answers(&id, 111_000),
        "one answer per user note"
    );
    assert_eq!(book.get(&id).unwrap().status, Status::WaitFeedback);
    let secret_only = ReplyDraft {
        secret: Some("secret".to_owned()),
        ..ReplyDraft::default()
    };
    book.reply(&id, secret_only, 120_000).unwrap();
    let ticket = book.get(&id).unwrap();
    assert_eq!(ticket.status, Status::Feedback);
    assert_eq!(ticket.status.as_2020(), "in_progress");
    assert_eq!(ticket.notes.last().unwrap().content, "(confidential note)");
    book.close(&id).unwrap();
    let err = book.reply(&id, text("again"), 130_000).unwrap_err();
    assert_eq!(err.code, "param.illegal");
    assert!(!book.engineer_answers(&id, 140_000));
}

#[test]
fn listing_filters_and_pages_newest_first() {
    let mut book = TicketBook::default();
    let ids: Vec<String> = (0..5)
        .map(|i| {
            let product = if i % 2 == 0 { "ecs" } else { "oss" };
            book.create(new_ticket(product, "x"), i * 1000)
        })
        .collect();
    let (total, page) = book.list(&Filter::default(), Visibility::default(), 1, 2);
    assert_eq!(total, 5);
    assert_eq!(
        page.iter().map(|t| &t.id).collect::<Vec<_>>(),
        [&ids[4], &ids[3]]
    );
    let (total, page) = book.list(&Filter::default(), Visibility::default(), 3, 2);
    assert_eq!((total, page.len()), (5, 1));
    let ecs_after_1 = Filter {
        product_code: Some("ecs".to_owned()),
        created_after: Some(1),
        ..Filter::default()
    };
    let (total, page) = book.list(&ecs_after_1, Visibility::default(), 1, 20);
    assert_eq!(total, 2);
    assert_eq!(
        page.iter().map(|t| &t.id).collect::<Vec<_>>(),
        [&ids[4], &ids[2]]
    );
}

fn at(now_ms: i64, lag_ms: u64) -> Visibility {
    Visibility {
        now_ms,
        lag: Duration::from_millis(lag_ms),
    }
}

#[test]
fn the_lists_show_only_what_was_made_at_least_the_lag_ago() {
    let mut book = TicketBook::default();
    let old = book.create(new_ticket("ecs", "old"), 10_000);
    let new = book.create(new_ticket("ecs", "new"), 10_200);
    book.reply(&old, text("late"), 10_250).unwrap();
    let listed = |visibility| {
        let (total, page) = book.list(&Filter::default(), visibility, 1, 20);
        let ids: Vec<String> = page.iter().map(|t| t.id.clone()).collect();
        (total, ids)
    };
    assert_eq!(listed(at(10_299, 100)), (1, vec![old.clone()]));
    assert_eq!(listed(at(10_300, 100)), (2, vec![new.clone(), old.clone()]));
    // A lag changed later applies to everything listed from then on.
    assert_eq!(listed(at(10_300, 60_000)), (0, vec![]));
    // Without a lag everything shows, even if the wall clock stepped back.
    assert_eq!(listed(at(0, 0)), (2, vec![new.clone(), old.clone()]));
    // Asking for it by id does not get round the list index.
    let by_id = Filter {
        ids: HashSet::from([new.clone()]),
        ..Filter::default()
    };
    assert_eq!(book.list(&by_id, at(10_299, 100), 1, 20).0, 0);

    let notes = |id: &str, visibility| -> Vec<String> {
        let ticket = book.get(id).unwrap();
        ticket
            .listed_notes(visibility)
            .map(|n| n.content.clone())
            .collect()
    };
    assert_eq!(notes(&old, at(10_349, 100)), ["old"]);
    assert_eq!(notes(&old, at(10_350, 100)), ["old", "late"]);
    assert_eq!(notes(&new, at(10_299, 100)), Vec::<String>::new());
    assert_eq!(notes(&old, at(0, 0)), ["old", "late"]);
}

#[test]
fn the_engineers_note_lags_like_any_other() {
    let mut book = TicketBook::default();
    let id = book.create(new_ticket("ecs", "help"), 5_000);
    assert!(book.engineer_answers(&id, 9_000));
    let officials = |visibility| {
        book.get(&id)
            .unwrap()
            .listed_notes(visibility)
            .filter(|n| n.from_official)
            .count()
    };
    assert_eq!(officials(at(9_299, 300)), 0);
    assert_eq!(officials(at(9_300, 300)), 1);
    let ticket = book.get(&id).unwrap();
    assert_eq!(
        ticket.status,
        Status::WaitFeedback,
        "the status changes at once"
    );
    assert_eq!(ticket.notes[1].gmt_created, 9);
}

#[test]
fn only_a_done_ticket_is_reopened_or_rated_and_a_rating_is_given_once() {
    let mut book = TicketBook::default();
    let id = book.create(new_ticket("ecs", "help"), 100_000);
    let rating = || Rating {
        score: 5,
        solved: true,
        comment: None,
    };
    let not_done = book.reopen(&id, "again".to_owned(), 101_000).unwrap_err();
    assert_eq!(not_done.code, "param.illegal");
    assert_eq!(
        book.evaluate(&id, rating()).unwrap_err().code,
        "param.illegal"
    );

    book.close(&id).unwrap();
    book.evaluate(&id, rating()).unwrap();
    let twice = book.evaluate(&id, rating()).unwrap_err();
    assert!(twice.message.contains("already rated"), "{}", twice.message);

    book.reopen(&id, "still broken".to_owned(), 102_000)
        .unwrap();
    let ticket = book.get(&id).unwrap();
    assert_eq!(ticket.status, Status::Assigned);
    assert_eq!(ticket.notes.last().unwrap().content, "still broken");
    assert_eq!(ticket.description(), "help");
    book.close(&id).unwrap();
    assert!(
        book.evaluate(&id, rating()).is_err(),
        "a reopened ticket keeps its one rating"
    );
}

#[test]
fn note_ids_are_eight_digits_so_2021_can_show_them_as_numbers() {
    let mut book = TicketBook::default();
    let id = book.create(new_ticket("ecs", "help"), 100_000);
    let note = book.reply(&id, text("more"), 100_500).unwrap();
    assert_eq!(note.len(), 8);
    assert!(note.parse::<i64>().is_ok_and(|n| n >= 10_000_000));
}
