//! The twelve 2021-06-10 actions on the same store as 2020's: a ticket filed through one
//! version is read, answered, closed through the other, its status mapped
//! (`TicketStatus::as_2020`).
//!
//! As strict as 2020: required parameters (`MissingParameter`), enums and ranges
//! (`param.illegal`, spelled `illegal.param` by GetTicket and ListTickets as documented),
//! booleans in any case (the Python SDK sends `True`), object keys checked against the
//! account's attachments. Parameters are read from the query or the form body alike, as the
//! POP gateway merges them for RPC calls; the signature covers exactly what was sent.
//! Answers: `Code` 0, `AccessDeniedDetail` "" where the SDK models have it, times in epoch
//! milliseconds, `{Label, Value}` enums with string values.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::actions::{parse_number, visibility};
use super::attachments::{OSS_PATH, url_signature};
use super::engineer::{now_epoch_ms, schedule};
use super::params::Params;
use super::reply::{ErrorReply, success_body_2021};
use super::server::RawCall;
use super::state::{AccountSlot, Sandbox};
use super::tickets::{Attached, Filter, Rating, ReplyDraft, Severity, Status, Ticket, TicketDraft};
use super::verify::Caller;
use workorder_api::Language;
use workorder_api::decode::parse_bool;
use workorder_api::v2021::{MAX_PAGE_SIZE, MIN_PAGE_SIZE};

/// The highest `PageNumber` the API accepts.
const MAX_PAGE_NUMBER: usize = 9_999_999;
/// The most `StatusList` items (the API's `maxItems`).
const MAX_STATUS_ITEMS: usize = 11;
/// The highest `ProductId` the API accepts.
const MAX_PRODUCT_ID: i64 = 99_999_999_999;
/// The most object keys one `FileNameList` may name (the real bound is undocumented).
const MAX_FILES: usize = 10;

/// Runs a 2021-06-10 action and renders the success body.
pub(crate) fn dispatch(
    sandbox: &Sandbox,
    caller: &Caller,
    params: &Params,
    request_id: &str,
    call: &RawCall<'_>,
) -> Result<String, ErrorReply> {
    let slot = &caller.slot;
    let ok = |data: Option<Value>| Ok(answer(request_id, data, &[]));
    let result = match caller.action {
        "GetTicket" => {
            get_ticket(sandbox, slot, params).map(|data| answer(request_id, Some(data), &[]))
        }
        "CreateTicket" => create_ticket(sandbox, slot, params).and_then(|id| ok(Some(json!(id)))),
        "ReplyTicket" => reply_ticket(sandbox, slot, params).and_then(|id| ok(Some(json!(id)))),
        "CloseTicket" => {
            slot.tickets().close(params.required("TicketId")?)?;
            ok(None)
        }
        "EvaluateTicket" => evaluate_ticket(slot, params).and_then(|()| ok(None)),
        "ReopenTicket" => reopen_ticket(sandbox, slot, params).and_then(|id| ok(Some(json!(id)))),
        "ListTickets" => list_tickets(sandbox, slot, params, request_id),
        "ListTicketNotes" => {
            list_notes(sandbox, slot, params, call).map(|d| answer(request_id, Some(d), &[]))
        }
        "ListProducts" => {
            let language = language(params, &[Language::Zh, Language::En, Language::Jp])?;
            let data = sandbox
                .catalog
                .products_2021(language, params.non_empty("Name"));
            Ok(plain_answer(request_id, data))
        }
        "ListCategories" => list_categories(sandbox, params).map(|d| plain_answer(request_id, d)),
        "GetMqConsumerTag" => ok(Some(json!(mq_tag(&slot.account.uid)))),
        "GetAttachmentUploadUrl" => {
            upload_url(sandbox, caller, params, call).map(|data| plain_answer(request_id, data))
        }
        _ => Err(ErrorReply::api_not_found()),
    };
    result.map_err(|error| {
        if matches!(caller.action, "GetTicket" | "ListTickets")
            && error.code == workorder_api::error::codes::PARAM_ILLEGAL
        {
            ErrorReply::illegal_param(
                error
                    .message
                    .rsplit_once('(')
                    .map_or("", |(_, d)| d.trim_end_matches(')')),
            )
        } else {
            error
        }
    })
}

/// An answer of the actions whose SDK models carry `AccessDeniedDetail` (empty: authorized).
fn answer(request_id: &str, data: Option<Value>, top_level: &[(&str, Value)]) -> String {
    let mut members = vec![("AccessDeniedDetail", json!(""))];
    members.extend(top_level.iter().cloned());
    success_body_2021(request_id, data, &members)
}

/// An answer of ListProducts, ListCategories and GetAttachmentUploadUrl (no
/// `AccessDeniedDetail`).
fn plain_answer(request_id: &str, data: Value) -> String {
    success_body_2021(request_id, Some(data), &[])
}

fn language(params: &Params, allowed: &[Language]) -> Result<Language, ErrorReply> {
    let Some(raw) = params.non_empty("Language") else {
        return Ok(Language::Zh);
    };
    // The documentation's own example is `cn`.
    let parsed = if raw.trim().eq_ignore_ascii_case("cn") {
        Ok(Language::Zh)
    } else {
        raw.parse::<Language>()
    };
    parsed
        .ok()
        .filter(|l| allowed.contains(l))
        .ok_or_else(|| ErrorReply::param_illegal("Language is not one this action takes"))
}

fn labeled(label: &str, value: &str) -> Value {
    json!({ "Label": label, "Value": value })
}

/// The account's MQ consumer tag: stable per account, digits like the documented example.
fn mq_tag(uid: &str) -> String {
    let digits: String = uid.chars().filter(char::is_ascii_digit).collect();
    let start = digits.len().saturating_sub(8);
    format!("{:0>8}", &digits[start..])
}

fn get_ticket(sandbox: &Sandbox, slot: &AccountSlot, params: &Params) -> Result<Value, ErrorReply> {
    let id = params.required("TicketId")?;
    let book = slot.tickets();
    let t = book.get(id)?;
    // The store keeps the 2020 id; a ticket filed through either version shows 2021's here.
    // Every stored category is a seeded one, so the fallback (no category) cannot show.
    let category = sandbox
        .catalog
        .category_to_2021(t.category_id)
        .map_or_else(String::new, |id| id.to_string());
    Ok(json!({
        "TicketId": t.id,
        "Title": t.title,
        "Description": t.description(),
        "CreateTime": t.created_ms,
        "CreatorId": t.creator_id,
        "CreatorName": t.creator_id,
        "CategoryId": category,
        "Status": labeled(t.status.label(), t.status.value()),
        "Severity": labeled(t.severity.label(), &t.severity.value().to_string()),
    }))
}

/// Splits a `simple` list (comma-joined, empty items dropped: the doc's example ends with a
/// comma).
fn simple_list(raw: Option<&str>) -> Vec<String> {
    raw.map(|raw| {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// The attachments named by object keys: each must be this account's and uploaded.
fn attachments(
    slot: &AccountSlot,
    keys: &[String],
    param: &str,
) -> Result<Vec<Attached>, ErrorReply> {
    if keys.len() > MAX_FILES {
        return Err(ErrorReply::param_illegal(&format!(
            "{param} names more than {MAX_FILES} files"
        )));
    }
    let store = slot.attachments();
    keys.iter()
        .map(|key| {
            store
                .attachable(key)
                .map(|name| Attached {
                    object_key: key.clone(),
                    file_name: name.to_owned(),
                })
                .map_err(|why| ErrorReply::param_illegal(&format!("{param} {why}")))
        })
        .collect()
}

/// `SecretInfo`: compact JSON `{Content?, FileNameList?}`, the SDK's `json` style.
fn secret_info(raw: Option<&str>) -> Result<(Option<String>, Vec<String>), ErrorReply> {
    let Some(raw) = raw else {
        return Ok((None, Vec::new()));
    };
    let invalid =
        || ErrorReply::param_illegal("SecretInfo must be a JSON object {Content, FileNameList}");
    let value: Value = serde_json::from_str(raw).map_err(|_| invalid())?;
    let object = value.as_object().ok_or_else(invalid)?;
    let content = match object.get("Content") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()).filter(|s| !s.trim().is_empty()),
        Some(_) => return Err(invalid()),
    };
    let files = match object.get("FileNameList") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(invalid))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid()),
    };
    Ok((content, files))
}

fn create_ticket(
    sandbox: &Sandbox,
    slot: &std::sync::Arc<AccountSlot>,
    params: &Params,
) -> Result<String, ErrorReply> {
    let description = params.required("Description")?;
    let severity = params.required("Severity")?;
    let category = params.required("CategoryId")?;
    let severity = severity
        .trim()
        .parse::<u16>()
        .ok()
        .and_then(|n| Severity::from_value(&n.to_string()))
        .ok_or_else(|| ErrorReply::param_illegal("Severity must be 1 (normal) or 2 (urgent)"))?;
    let category_2021: i64 = category
        .trim()
        .parse()
        .map_err(|_| ErrorReply::param_illegal("CategoryId must be a category id"))?;
    // Only 2021 ids: a 2020 category id is another namespace, refused like any unknown id.
    let (category_id, product) = sandbox
        .catalog
        .category_from_2021(category_2021)
        .ok_or_else(|| ErrorReply::param_illegal("CategoryId does not exist"))?;
    if let Some(email) = params.non_empty("Email")
        && !email.contains('@')
    {
        return Err(ErrorReply::param_illegal("Email is not an e-mail address"));
    }
    let mut files = attachments(
        slot,
        &simple_list(params.get("FileNameList")),
        "FileNameList",
    )?;
    let (secret, secret_files) = secret_info(params.non_empty("SecretInfo"))?;
    files.extend(attachments(slot, &secret_files, "SecretInfo.FileNameList")?);
    let id = slot.tickets().create(
        TicketDraft {
            product_code: product.to_owned(),
            category_id,
            severity,
            title: params.non_empty("Title").map(str::to_owned),
            content: description.to_owned(),
            secret_content: secret,
            attachments: files,
            creator_id: params
                .non_empty("CreatorId")
                .map_or_else(|| slot.account.uid.clone(), str::to_owned),
            language: Language::Zh,
        },
        now_epoch_ms(),
    );
    schedule(slot.clone(), id.clone(), sandbox.engineer_delay);
    Ok(id)
}

fn required_bool(params: &Params, name: &str) -> Result<bool, ErrorReply> {
    parse_bool(params.required(name)?)
        .ok_or_else(|| ErrorReply::param_illegal(&format!("{name} must be true or false")))
}

fn reply_ticket(
    sandbox: &Sandbox,
    slot: &std::sync::Arc<AccountSlot>,
    params: &Params,
) -> Result<String, ErrorReply> {
    let id = params.required("TicketId")?;
    let content = params.required("Content")?;
    let encrypt = required_bool(params, "Encrypt")?;
    let files = attachments(
        slot,
        &simple_list(params.get("FileNameList")),
        "FileNameList",
    )?;
    // An encrypted reply is kept like 2020's SecretContent: stored, shown as a placeholder.
    let draft = if encrypt {
        ReplyDraft {
            content: None,
            secret: Some(content.to_owned()),
            attachments: files,
        }
    } else {
        ReplyDraft {
            content: Some(content.to_owned()),
            secret: None,
            attachments: files,
        }
    };
    let note = slot.tickets().reply(id, draft, now_epoch_ms())?;
    schedule(slot.clone(), id.to_owned(), sandbox.engineer_delay);
    Ok(note)
}

fn evaluate_ticket(slot: &AccountSlot, params: &Params) -> Result<(), ErrorReply> {
    let id = params.required("TicketId")?;
    let score = params.required("Score")?;
    let solved = required_bool(params, "Solved")?;
    let score = score
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| ErrorReply::param_illegal("Score must be 1 to 5"))?;
    slot.tickets().evaluate(
        id,
        Rating {
            score,
            solved,
            comment: params.non_empty("Content").map(str::to_owned),
        },
    )
}

fn reopen_ticket(
    sandbox: &Sandbox,
    slot: &std::sync::Arc<AccountSlot>,
    params: &Params,
) -> Result<String, ErrorReply> {
    let id = params.required("TicketId")?;
    let content = params.required("Content")?;
    slot.tickets()
        .reopen(id, content.to_owned(), now_epoch_ms())?;
    schedule(slot.clone(), id.to_owned(), sandbox.engineer_delay);
    Ok(id.to_owned())
}

/// `StatusList.1…N` items, names or values.
fn status_list(params: &Params) -> Result<HashSet<Status>, ErrorReply> {
    let items: Vec<&str> = params
        .all
        .iter()
        .filter(|(name, _)| {
            name.strip_prefix("StatusList.")
                .is_some_and(|n| n.parse::<usize>().is_ok())
        })
        .map(|(_, value)| value.as_str())
        .filter(|v| !v.trim().is_empty())
        .collect();
    if items.len() > MAX_STATUS_ITEMS {
        return Err(ErrorReply::param_illegal(
            "StatusList has more than 11 items",
        ));
    }
    items
        .into_iter()
        .map(|item| {
            Status::parse(item)
                .ok_or_else(|| ErrorReply::param_illegal("StatusList holds an unknown status"))
        })
        .collect()
}

fn list_tickets(
    sandbox: &Sandbox,
    slot: &AccountSlot,
    params: &Params,
    request_id: &str,
) -> Result<String, ErrorReply> {
    params.required("PageNumber")?;
    params.required("PageSize")?;
    let page_number = parse_number::<usize>(params, "PageNumber")?.unwrap_or(1);
    if !(1..=MAX_PAGE_NUMBER).contains(&page_number) {
        return Err(ErrorReply::param_illegal(
            "PageNumber must be between 1 and 9999999",
        ));
    }
    let page_size = parse_number::<usize>(params, "PageSize")?.unwrap_or(0);
    if !(MIN_PAGE_SIZE as usize..=MAX_PAGE_SIZE as usize).contains(&page_size) {
        return Err(ErrorReply::param_illegal(
            "PageSize must be between 10 and 100",
        ));
    }
    let start: Option<i64> = parse_number(params, "StartDate")?;
    let end: Option<i64> = parse_number(params, "EndDate")?;
    let mut ids: HashSet<String> = simple_list(params.get("TicketIdList"))
        .into_iter()
        .collect();
    ids.extend(params.non_empty("TicketId").map(|s| s.trim().to_owned()));
    let filter = Filter {
        ids,
        fine_statuses: status_list(params)?,
        keyword: params.non_empty("Keyword").map(str::to_owned),
        // 2021 dates are milliseconds; the store compares seconds.
        created_after: start.map(workorder_api::decode::epoch_seconds),
        created_before: end.map(workorder_api::decode::epoch_seconds),
        ..Filter::default()
    };
    let (total, data) = {
        let book = slot.tickets();
        let (total, page) = book.list(&filter, visibility(sandbox), page_number, page_size);
        let rows: Vec<Value> = page.iter().map(|t| row(t)).collect();
        (total, Value::Array(rows))
    };
    Ok(answer(
        request_id,
        Some(data),
        &[
            ("PageNumber", json!(page_number)),
            ("PageSize", json!(page_size)),
            ("TotalCount", json!(total)),
        ],
    ))
}

fn row(t: &Ticket) -> Value {
    json!({
        "TicketId": t.id,
        "Title": t.title,
        "Status": labeled(t.status.label(), t.status.value()),
    })
}

/// The `Url` of an attachment: a signed GET on the sandbox's own object store.
fn object_url(
    sandbox: &Sandbox,
    caller_key: &str,
    host: &str,
    key: &str,
    expires_s: i64,
    method: &str,
) -> String {
    let signature = url_signature(&sandbox.oss_secret, method, key, expires_s, caller_key);
    let query = workorder_api::encode::encode_pairs([
        ("Expires", expires_s.to_string().as_str()),
        ("OSSAccessKeyId", caller_key),
        ("Signature", signature.as_str()),
    ]);
    format!("http://{host}{OSS_PATH}/{key}?{query}")
}

fn host(call: &RawCall<'_>) -> String {
    call.headers
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1")
        .to_owned()
}

fn list_notes(
    sandbox: &Sandbox,
    slot: &AccountSlot,
    params: &Params,
    call: &RawCall<'_>,
) -> Result<Value, ErrorReply> {
    let id = params.required("TicketId")?;
    let host = host(call);
    let access_key = slot.account.access_key_id.clone();
    let expires_s = now_epoch_ms() / 1000 + super::attachments::UPLOAD_URL_TTL_MS / 1000;
    let book = slot.tickets();
    let notes: Vec<Value> = book
        .get(id)?
        .listed_notes(visibility(sandbox))
        .map(|n| {
            let files: Vec<Value> = n
                .attachments
                .iter()
                .map(|a| {
                    json!({
                        "Name": a.file_name,
                        "Url": object_url(sandbox, &access_key, &host, &a.object_key, expires_s, "GET"),
                    })
                })
                .collect();
            json!({
                "DialogId": n.id.parse::<i64>().unwrap_or_default(),
                "CreateTime": n.created_ms,
                "Type": 2,
                "Status": 2,
                "Tip": "",
                "Dialog": { "Content": n.content, "Schema": "" },
                "User": {
                    "Role": if n.from_official { 2 } else { 3 },
                    "Name": if n.from_official { "Support" } else { slot.account.uid.as_str() },
                },
                "Attachments": files,
            })
        })
        .collect();
    Ok(Value::Array(notes))
}

fn list_categories(sandbox: &Sandbox, params: &Params) -> Result<Value, ErrorReply> {
    let language = language(params, &[Language::Zh, Language::En])?;
    let product: i64 = parse_number(params, "ProductId")?
        .ok_or_else(|| ErrorReply::missing_parameter("ProductId"))?;
    if !(0..=MAX_PRODUCT_ID).contains(&product) {
        return Err(ErrorReply::param_illegal("ProductId is out of range"));
    }
    sandbox
        .catalog
        .categories_2021(product, language, params.non_empty("Name"))
        .ok_or_else(|| ErrorReply::param_illegal("ProductId does not exist"))
}

fn upload_url(
    sandbox: &Sandbox,
    caller: &Caller,
    params: &Params,
    call: &RawCall<'_>,
) -> Result<Value, ErrorReply> {
    let file_name = params.required("FileName")?;
    let issued = caller
        .slot
        .attachments()
        .issue(file_name, now_epoch_ms())
        .map_err(|e| ErrorReply::param_illegal(&e.to_string()))?;
    let host = host(call);
    let access_key = &caller.slot.account.access_key_id;
    let expires_s = issued.expires_ms / 1000;
    Ok(json!({
        "ObjectKey": issued.object_key,
        "PutSignedUrl": object_url(sandbox, access_key, &host, &issued.object_key, expires_s, "PUT"),
        "GetSignedUrl": object_url(sandbox, access_key, &host, &issued.object_key, expires_s, "GET"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mq_tags_are_eight_digits_of_the_uid() {
        assert_eq!(mq_tag("1700000000000001"), "00000001");
        assert_eq!(mq_tag("42"), "00000042");
    }

    #[test]
    fn secret_info_is_a_json_object_of_content_and_keys() {
        assert_eq!(
            secret_info(Some(r#"{"Content":"ID 1","FileNameList":["a.png"]}"#)).unwrap(),
            (Some("ID 1".to_owned()), vec!["a.png".to_owned()])
        );
        for bad in [
            "[]",
            "{\"Content\":1}",
            "{\"FileNameList\":[1]}",
            "not json",
        ] {
            assert_eq!(
                secret_info(Some(bad)).unwrap_err().code,
                "param.illegal",
                "{bad}"
            );
        }
    }

    #[test]
    fn simple_lists_drop_empty_items() {
        assert_eq!(simple_list(Some("a.jpg,,b.png,")), ["a.jpg", "b.png"]);
        assert!(simple_list(Some("")).is_empty());
    }
}
