//! `GET /tickets` query parameters → a `ListTickets` call. Every bad value is a 400
//! `invalid_request` that names the parameter; unknown parameters are ignored (cache-busters
//! and tracking parameters are common in browsers).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::ApiError;
use crate::validation::is_ticket_id;
use workorder_api::Language;
use workorder_api::actions::ListTickets;

/// The four statuses a filter may name.
pub const KNOWN_STATUSES: [&str; 4] = ["in_progress", "wait_feedback", "wait_confirm", "completed"];

/// Default and largest page sizes.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// See [`DEFAULT_PAGE_SIZE`].
pub const MAX_PAGE_SIZE: u32 = 100;
/// Most ids in one `ids` filter.
pub const MAX_IDS: usize = 100;

/// Parses the query string into the upstream request (language set by the caller).
pub fn parse(query: &str, language: Language) -> Result<ListTickets, ApiError> {
    let mut request = ListTickets {
        page_start: Some(1),
        page_size: Some(DEFAULT_PAGE_SIZE),
        language: Some(language),
        ..ListTickets::default()
    };
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let bad = |why: &str| ApiError::invalid_request(format!("{name}: {why}"));
        match name.as_ref() {
            "status" => {
                request.statuses = comma_list(&value);
                if request.statuses.is_empty() {
                    return Err(bad(
                        "give one or more of in_progress, wait_feedback, wait_confirm, completed",
                    ));
                }
                if let Some(unknown) = request
                    .statuses
                    .iter()
                    .find(|s| !KNOWN_STATUSES.contains(&s.as_str()))
                {
                    return Err(bad(&format!(
                        "{unknown:?} is not one of in_progress, wait_feedback, wait_confirm, completed"
                    )));
                }
            }
            "ids" => {
                request.ids = comma_list(&value);
                if request.ids.is_empty() || request.ids.len() > MAX_IDS {
                    return Err(bad("give 1 to 100 comma-separated ticket ids"));
                }
                if let Some(invalid) = request.ids.iter().find(|id| !is_ticket_id(id)) {
                    return Err(bad(&format!("{invalid:?} is not a ticket id")));
                }
            }
            "productCode" => {
                if !crate::validation::is_product_code(&value) {
                    return Err(bad("not a product code"));
                }
                request.product_code = Some(value.into_owned());
            }
            "subUserId" => {
                if value.is_empty()
                    || value.len() > 64
                    || !value.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    return Err(bad("not a sub-user id"));
                }
                request.sub_user_id = Some(value.into_owned());
            }
            "createdAfter" => request.created_after = Some(instant(&value).map_err(|e| bad(&e))?),
            "createdBefore" => request.created_before = Some(instant(&value).map_err(|e| bad(&e))?),
            "page" => {
                let page: u32 = value.parse().map_err(|_| bad("must be an integer ≥ 1"))?;
                if page == 0 {
                    return Err(bad("must be an integer ≥ 1"));
                }
                request.page_start = Some(page);
            }
            "pageSize" => {
                let size: u32 = value
                    .parse()
                    .map_err(|_| bad("must be an integer from 1 to 100"))?;
                if !(1..=MAX_PAGE_SIZE).contains(&size) {
                    return Err(bad("must be an integer from 1 to 100"));
                }
                request.page_size = Some(size);
            }
            _ => {}
        }
    }
    if let (Some(after), Some(before)) = (request.created_after, request.created_before)
        && after > before
    {
        return Err(ApiError::invalid_request(
            "createdAfter: must not be later than createdBefore",
        ));
    }
    Ok(request)
}

fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The instants a filter may name, in epoch seconds: 1970-01-01T00:00:00Z to
/// 9999-12-31T23:59:59Z. The upstream takes unsigned epoch seconds, so both spellings must stay
/// inside this range: an RFC 3339 time before 1970 (or past 9999 once its offset is applied)
/// would otherwise go upstream as a negative or five-digit-year epoch.
const INSTANT_RANGE: std::ops::RangeInclusive<i64> = 0..=253_402_300_799;

/// RFC 3339 or epoch seconds → epoch seconds, within [`INSTANT_RANGE`].
fn instant(value: &str) -> Result<i64, String> {
    let seconds = match value.trim().parse::<i64>() {
        Ok(seconds) => seconds,
        Err(_) => OffsetDateTime::parse(value.trim(), &Rfc3339)
            .map(OffsetDateTime::unix_timestamp)
            .map_err(|_| {
                "must be an RFC 3339 time (2020-04-02T09:04:00Z) or epoch seconds".to_owned()
            })?,
    };
    if INSTANT_RANGE.contains(&seconds) {
        Ok(seconds)
    } else {
        Err("out of range (1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn every_filter_reaches_the_upstream_request() {
        let request = parse(
            "status=in_progress,completed&productCode=ecs&ids=A1,B2&createdAfter=2020-04-02T09:04:00Z&createdBefore=1700000000&page=2&pageSize=50&subUserId=123",
            Language::En,
        )
        .expect("valid");
        assert_eq!(request.statuses, ["in_progress", "completed"]);
        assert_eq!(request.ids, ["A1", "B2"]);
        assert_eq!(request.product_code.as_deref(), Some("ecs"));
        assert_eq!(request.created_after, Some(1_585_818_240));
        assert_eq!(request.created_before, Some(1_700_000_000));
        assert_eq!((request.page_start, request.page_size), (Some(2), Some(50)));
        assert_eq!(request.sub_user_id.as_deref(), Some("123"));
        assert_eq!(request.language, Some(Language::En));
    }

    #[test]
    fn bad_values_name_their_parameter() {
        let cases = [
            ("status=open", "status"),
            ("page=0", "page"),
            ("page=x", "page"),
            ("pageSize=101", "pageSize"),
            ("pageSize=0", "pageSize"),
            ("createdAfter=yesterday", "createdAfter"),
            ("ids=a-b", "ids"),
            ("productCode=%20", "productCode"),
            ("createdAfter=200&createdBefore=100", "createdAfter"),
        ];
        for (query, parameter) in cases {
            let err = parse(query, Language::Zh).expect_err(query);
            assert_eq!(err.code(), ErrorCode::InvalidRequest);
            assert!(err.to_string().contains(parameter), "{query}: {err}");
        }
        let many = (0..101)
            .map(|i| format!("T{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(parse(&format!("ids={many}"), Language::Zh).is_err());
    }

    /// Found by the `ticket_query` fuzz target: an RFC 3339 time before 1970 was accepted and
    /// sent upstream as a negative `CreatedBeforeTime`, while the same instant as epoch seconds
    /// was refused. The input is the fuzzer's, verbatim.
    #[test]
    fn rfc3339_times_outside_the_epoch_range_are_refused_like_epoch_seconds() {
        let found = "createdAfeedback%2Cwait_confirm&%2B08:00&createdBefore=1010-04-03T00:00:00.5Z&idsAC=B327A";
        let err = parse(found, Language::Zh).expect_err("year 1010");
        assert_eq!(err.code(), ErrorCode::InvalidRequest);
        assert!(
            err.to_string().contains("createdBefore: out of range"),
            "{err}"
        );

        for (query, parameter) in [
            ("createdAfter=1969-12-31T23:59:59Z", "createdAfter"),
            ("createdBefore=9999-12-31T23:59:59-01:00", "createdBefore"),
            ("createdAfter=-1", "createdAfter"),
        ] {
            let err = parse(query, Language::Zh).expect_err(query);
            assert!(err.to_string().contains(parameter), "{query}: {err}");
        }
        let edges = parse(
            "createdAfter=1970-01-01T00:00:00Z&createdBefore=9999-12-31T23:59:59Z",
            Language::Zh,
        )
        .expect("both edges are inside");
        assert_eq!(edges.created_after, Some(0));
        assert_eq!(edges.created_before, Some(253_402_300_799));
    }
}
