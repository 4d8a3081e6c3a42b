//! The seven 2020-03-26 actions (2021-06-10's are in `actions_2021`, on the same store): parameter validation (`MissingParameter`, `param.illegal`,
//! `illegalParam.emailOrPhone`) and the answer bodies with the SDK's field layouts
//! (the SDK models, which the real service's answers follow): `Data` is the ticket id for CreateTicket, `{CurrentPage, PageSize, Total,
//! List}` for ListTickets, `{List}` of notes (`NoteId`, `Content`, `FromOfficial`, `GmtCreated`
//! in epoch seconds) for ListTicketNotes. Both lists show only what the list index shows yet
//! (`list_lag_ms`); the actions by id see every ticket at once.

use std::collections::HashSet;

use serde::Serialize;

use super::engineer::{now_epoch_ms, schedule};
use super::params::Params;
use super::reply::{ErrorReply, SuccessCode, success_body};
use super::state::{AccountSlot, Sandbox};
use super::tickets::{Filter, ReplyDraft, Severity, Ticket, TicketDraft, Visibility};
use super::verify::Caller;
use workorder_api::Language;

/// Default and maximum `PageSize` of ListTickets.
const DEFAULT_PAGE_SIZE: usize = 20;
const MAX_PAGE_SIZE: usize = 100;

/// Runs `caller.action` and renders the success body.
pub(crate) fn dispatch(
    sandbox: &Sandbox,
    caller: &Caller,
    params: &Params,
    request_id: &str,
) -> Result<String, ErrorReply> {
    let language = language(params)?;
    let slot = &caller.slot;
    match caller.action {
        "ListProducts" => Ok(success_body(
            request_id,
            SuccessCode::Number,
            Some(sandbox.catalog.products_json(language)),
        )),
        "ListCategories" => {
            let product = params.required("ProductCode")?;
            let data = sandbox
                .catalog
                .categories_json(product, language)
                .ok_or_else(|| ErrorReply::param_illegal("ProductCode does not exist"))?;
            Ok(success_body(request_id, SuccessCode::Number, Some(data)))
        }
        "CreateTicket" => create_ticket(sandbox, slot, params, language, request_id),
        "ListTickets" => list_tickets(slot, params, visibility(sandbox), request_id),
        "ListTicketNotes" => list_notes(slot, params, visibility(sandbox), request_id),
        "ReplyTicket" => reply_ticket(sandbox, slot, params, request_id),
        "CloseTicket" => {
            slot.tickets().close(params.required("TicketId")?)?;
            Ok(success_body(request_id, SuccessCode::Number, None))
        }
        _ => Err(ErrorReply::api_not_found()),
    }
}

/// What the list index shows now, under the current `list_lag_ms`.
pub(crate) fn visibility(sandbox: &Sandbox) -> Visibility {
    Visibility {
        now_ms: now_epoch_ms(),
        lag: sandbox.faults.list_lag(),
    }
}

fn language(params: &Params) -> Result<Language, ErrorReply> {
    params
        .non_empty("Language")
        .map_or(Ok(Language::Zh), |raw| {
            raw.parse()
                .map_err(|_| ErrorReply::param_illegal("Language must be zh, en or jp"))
        })
}

fn create_ticket(
    sandbox: &Sandbox,
    slot: &std::sync::Arc<AccountSlot>,
    params: &Params,
    language: Language,
    request_id: &str,
) -> Result<String, ErrorReply> {
    let product = params.required("ProductCode")?;
    let category = params.required("Category")?;
    let content = params.required("Content")?;
    let email = params.required("Email")?;
    if !sandbox.catalog.has_product(product) {
        return Err(ErrorReply::param_illegal("ProductCode does not exist"));
    }
    let category_id: i64 = category
        .trim()
        .parse()
        .map_err(|_| ErrorReply::param_illegal("Category must be a category id"))?;
    if !sandbox.catalog.category_belongs_to(category_id, product) {
        return Err(ErrorReply::param_illegal(
            "Category does not belong to ProductCode",
        ));
    }
    if let Some(range) = params.non_empty("NotifyTimeRange")
        && !matches!(range, "normal" | "all" | "never")
    {
        return Err(ErrorReply::param_illegal(
            "NotifyTimeRange must be normal, all or never",
        ));
    }
    let account = &slot.account;
    let email_known = account
        .emails
        .iter()
        .any(|known| known.trim().eq_ignore_ascii_case(email.trim()));
    let phone_known = params.non_empty("Phone").is_none_or(|phone| {
        account
            .phones
            .iter()
            .any(|known| known.trim() == phone.trim())
    });
    if !email_known || !phone_known {
        return Err(ErrorReply::email_or_phone());
    }
    let id = slot.tickets().create(
        TicketDraft {
            product_code: product.to_owned(),
            category_id,
            // 2020 has no severity: what 2021 shows for such a ticket is its default.
            severity: Severity::Normal,
            attachments: Vec::new(),
            title: params.non_empty("Title").map(str::to_owned),
            content: content.to_owned(),
            secret_content: params.non_empty("SecretContent").map(str::to_owned),
            creator_id: account.uid.clone(),
            language,
        },
        now_epoch_ms(),
    );
    schedule(slot.clone(), id.clone(), sandbox.engineer_delay);
    let data = serde_json::Value::String(id).to_string();
    Ok(success_body(request_id, SuccessCode::Text, Some(&data)))
}

pub(crate) fn parse_number<T: std::str::FromStr>(
    params: &Params,
    name: &str,
) -> Result<Option<T>, ErrorReply> {
    params
        .non_empty(name)
        .map(|raw| {
            raw.trim()
                .parse()
                .map_err(|_| ErrorReply::param_illegal(&format!("{name} must be a number")))
        })
        .transpose()
}

pub(crate) fn comma_set(params: &Params, name: &str) -> HashSet<String> {
    params
        .non_empty(name)
        .map(|raw| {
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Epoch seconds; milliseconds are accepted too (the documentation is ambiguous on the unit).
fn epoch_seconds(value: Option<i64>) -> Option<i64> {
    value.map(workorder_api::decode::epoch_seconds)
}

fn list_tickets(
    slot: &AccountSlot,
    params: &Params,
    visibility: Visibility,
    request_id: &str,
) -> Result<String, ErrorReply> {
    let page_start = parse_number::<usize>(params, "PageStart")?.unwrap_or(1);
    if page_start < 1 {
        return Err(ErrorReply::param_illegal("PageStart must be at least 1"));
    }
    let page_size = parse_number::<usize>(params, "PageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ErrorReply::param_illegal(
            "PageSize must be between 1 and 100",
        ));
    }
    let filter = Filter {
        ids: comma_set(params, "Ids"),
        statuses: comma_set(params, "TicketStatus"),
        product_code: params.non_empty("ProductCode").map(str::to_owned),
        created_after: epoch_seconds(parse_number(params, "CreatedAfterTime")?),
        created_before: epoch_seconds(parse_number(params, "CreatedBeforeTime")?),
        sub_user_id: params.non_empty("SubUserId").map(|s| s.trim().to_owned()),
        ..Filter::default()
    };
    let data = {
        let book = slot.tickets();
        let (total, page) = book.list(&filter, visibility, page_start, page_size);
        render(&TicketListData {
            current_page: page_start,
            page_size,
            total,
            list: page.iter().map(|t| TicketRow::from(*t)).collect(),
        })?
    };
    Ok(success_body(request_id, SuccessCode::Number, Some(&data)))
}

/// `Data` of ListTickets, serialized straight from borrowed tickets (no intermediate
/// `serde_json::Value`: this is the sandbox's heaviest answer).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TicketListData<'a> {
    current_page: usize,
    page_size: usize,
    total: usize,
    list: Vec<TicketRow<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TicketRow<'a> {
    id: &'a str,
    title: &'a str,
    ticket_status: &'static str,
    add_time: i64,
    creator_id: &'a str,
}

impl<'a> From<&'a Ticket> for TicketRow<'a> {
    fn from(t: &'a Ticket) -> Self {
        Self {
            id: &t.id,
            title: &t.title,
            ticket_status: t.status.as_2020(),
            add_time: t.add_time,
            creator_id: &t.creator_id,
        }
    }
}

/// `Data` of ListTicketNotes.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct NoteList<'a> {
    list: Vec<NoteRow<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct NoteRow<'a> {
    note_id: &'a str,
    content: &'a str,
    from_official: bool,
    gmt_created: i64,
}

fn render(value: &impl Serialize) -> Result<String, ErrorReply> {
    serde_json::to_string(value).map_err(|err| {
        tracing::error!(error = %err, "sandbox answer could not be serialized");
        ErrorReply::system_error()
    })
}

fn list_notes(
    slot: &AccountSlot,
    params: &Params,
    visibility: Visibility,
    request_id: &str,
) -> Result<String, ErrorReply> {
    let id = params.required("TicketId")?;
    let data = {
        let book = slot.tickets();
        let list = book
            .get(id)?
            .listed_notes(visibility)
            .map(|n| NoteRow {
                note_id: &n.id,
                content: &n.content,
                from_official: n.from_official,
                gmt_created: n.gmt_created,
            })
            .collect();
        render(&NoteList { list })?
    };
    Ok(success_body(request_id, SuccessCode::Number, Some(&data)))
}

fn reply_ticket(
    sandbox: &Sandbox,
    slot: &std::sync::Arc<AccountSlot>,
    params: &Params,
    request_id: &str,
) -> Result<String, ErrorReply> {
    let id = params.required("TicketId")?;
    let content = params.non_empty("Content").map(str::to_owned);
    let secret = params.non_empty("SecretContent").map(str::to_owned);
    if content.is_none() && secret.is_none() {
        return Err(ErrorReply::missing_parameter("Content"));
    }
    slot.tickets().reply(
        id,
        ReplyDraft {
            content,
            secret,
            attachments: Vec::new(),
        },
        now_epoch_ms(),
    )?;
    schedule(slot.clone(), id.to_owned(), sandbox.engineer_delay);
    Ok(success_body(request_id, SuccessCode::Number, None))
}
