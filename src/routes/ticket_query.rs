//! `GET /tickets` query parameters → a `ListTickets` call. [`TicketListQuery`] is both the
//! parser and the document's description of the query (see [`super::params`]). Every bad value
//! is a 400 `invalid_request` that names the parameter; unknown parameters are ignored
//! (cache-busters and tracking parameters are common in browsers); a parameter given twice is a
//! 400 (lists are comma-separated, `status=a,b`).

use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

use super::params::{
    Bounded, CommaList, Instant, MAX_IDS, MAX_PAGE, MAX_PAGE_SIZE, MAX_STATUSES, ProductCode,
    TicketId, TicketStatus,
};
use crate::error::ApiError;
use workorder_api::Language;
use workorder_api::actions::ListTickets;

pub use super::params::DEFAULT_PAGE_SIZE;

/// A RAM sub-user id (1 to 64 ASCII letters and digits).
#[derive(Debug, Clone, ToSchema)]
#[schema(value_type = String, pattern = "^[A-Za-z0-9]{1,64}$", example = "287213817234")]
pub struct SubUserId(pub String);

impl<'de> Deserialize<'de> for SubUserId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        if (1..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(value))
        } else {
            Err(serde::de::Error::custom("not a sub-user id"))
        }
    }
}

/// The filters and paging of `GET /tickets`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TicketListQuery {
    /// Only tickets in these statuses, comma-separated (`in_progress,wait_feedback`).
    #[param(value_type = Option<Vec<TicketStatus>>, style = Form, explode = false, min_items = 1, max_items = 4, example = json!(["in_progress", "wait_feedback"]))]
    status: Option<CommaList<TicketStatus, MAX_STATUSES>>,
    /// Only tickets for this product (a 2020-03-26 product code). `2020-03-26` tenants only:
    /// a `2021-06-10` tenant answers 422 `api_version_unsupported` (its catalog's codes are
    /// 2021 product ids; tickets are listed by 2020 codes).
    #[param(value_type = Option<ProductCode>)]
    product_code: Option<ProductCode>,
    /// Only these tickets: 1 to 100 ids, comma-separated.
    #[param(value_type = Option<Vec<TicketId>>, style = Form, explode = false, min_items = 1, max_items = 100, example = json!(["CAB327A"]))]
    ids: Option<CommaList<TicketId, MAX_IDS>>,
    /// Only tickets created at or after this time (RFC 3339, or epoch seconds). A range that
    /// ends before it starts is empty.
    #[param(value_type = Option<Instant>, example = "2020-04-02T09:04:00Z")]
    created_after: Option<Instant>,
    /// Only tickets created at or before this time (RFC 3339, or epoch seconds).
    #[param(value_type = Option<Instant>, example = 1700000000)]
    created_before: Option<Instant>,
    /// The 1-based page (default 1).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000, example = 1)]
    page: Option<Bounded<1, MAX_PAGE>>,
    /// Tickets per page (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, example = 20)]
    page_size: Option<Bounded<1, MAX_PAGE_SIZE>>,
    /// Only tickets of this RAM sub-user.
    #[param(value_type = Option<SubUserId>)]
    sub_user_id: Option<SubUserId>,
}

/// A parsed `GET /tickets`: the upstream request, and whether the filters can match nothing
/// (a creation range that ends before it starts), which is answered without an upstream call.
#[derive(Debug)]
pub struct TicketListing {
    /// The `ListTickets` call.
    pub request: ListTickets,
    /// No ticket can match; answer an empty page.
    pub matches_nothing: bool,
}

/// Parses the query string into the upstream request (language set by the caller).
pub fn parse(query: &str, language: Language) -> Result<TicketListing, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let parsed: TicketListQuery = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let parameter = e.path().to_string();
        let why = e.into_inner();
        if parameter == "." {
            ApiError::invalid_request(format!("query: {why}"))
        } else {
            ApiError::invalid_request(format!("{parameter}: {why}"))
        }
    })?;
    let matches_nothing = matches!(
        (parsed.created_after, parsed.created_before),
        (Some(after), Some(before)) if after.given > before.given
    );
    let request = ListTickets {
        ids: parsed
            .ids
            .map(|l| l.0.into_iter().map(|id| id.0).collect())
            .unwrap_or_default(),
        statuses: parsed
            .status
            .map(|l| l.0.into_iter().map(|s| s.as_str().to_owned()).collect())
            .unwrap_or_default(),
        created_after: parsed.created_after.map(Instant::epoch_seconds),
        created_before: parsed.created_before.map(Instant::epoch_seconds),
        page_start: Some(parsed.page.map_or(1, |p| p.0)),
        page_size: Some(parsed.page_size.map_or(DEFAULT_PAGE_SIZE, |p| p.0)),
        product_code: parsed.product_code.map(|c| c.0),
        sub_user_id: parsed.sub_user_id.map(|s| s.0),
        language: Some(language),
    };
    Ok(TicketListing {
        request,
        matches_nothing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn request(query: &str) -> ListTickets {
        parse(query, Language::Zh).expect(query).request
    }

    #[test]
    fn every_filter_reaches_the_upstream_request() {
        let listing = parse(
            "status=in_progress,completed&productCode=ecs&ids=A1,B2&createdAfter=2020-04-02T09:04:00Z&createdBefore=1700000000&page=2&pageSize=50&subUserId=123&utm_source=x",
            Language::En,
        )
        .expect("valid");
        assert!(!listing.matches_nothing);
        let request = listing.request;
        assert_eq!(request.statuses, ["in_progress", "completed"]);
        assert_eq!(request.ids, ["A1", "B2"]);
        assert_eq!(request.product_code.as_deref(), Some("ecs"));
        assert_eq!(request.created_after, Some(1_585_818_240));
        assert_eq!(request.created_before, Some(1_700_000_000));
        assert_eq!((request.page_start, request.page_size), (Some(2), Some(50)));
        assert_eq!(request.sub_user_id.as_deref(), Some("123"));
        assert_eq!(request.language, Some(Language::En));
        let defaults = parse("", Language::Zh).expect("empty").request;
        assert_eq!(
            (defaults.page_start, defaults.page_size),
            (Some(1), Some(20))
        );
    }

    #[test]
    fn bad_values_name_their_parameter() {
        let cases = [
            ("status=open", "status"),
            ("status=", "status"),
            ("status=in_progress,,completed", "status"),
            ("page=0", "page"),
            ("page=x", "page"),
            ("page=10001", "page"),
            ("pageSize=101", "pageSize"),
            ("pageSize=0", "pageSize"),
            ("pageSize=+5", "pageSize"),
            ("createdAfter=yesterday", "createdAfter"),
            ("createdBefore=-1", "createdBefore"),
            ("ids=a-b", "ids"),
            ("ids=", "ids"),
            ("productCode=%20", "productCode"),
            ("subUserId=a.b", "subUserId"),
            ("page=1&page=2", "page"),
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

    /// An inverted creation range is not an error (the document cannot say "after ≤ before",
    /// and no ticket lies in it): it matches nothing.
    #[test]
    fn an_inverted_range_matches_nothing() {
        let listing = parse("createdAfter=200&createdBefore=100", Language::Zh).expect("valid");
        assert!(listing.matches_nothing);
        let listing = parse("createdAfter=100&createdBefore=100", Language::Zh).expect("valid");
        assert!(!listing.matches_nothing);
    }

    /// Found by the `ticket_query` fuzz target: an RFC 3339 time before 1970 was sent upstream
    /// as a negative `CreatedBeforeTime`. RFC 3339 times of any year are valid (the document
    /// says `date-time`); they are clamped into the epoch range, which holds every ticket, so
    /// the filter means the same and the upstream never sees a negative epoch. The input is the
    /// fuzzer's, verbatim.
    #[test]
    fn rfc3339_times_outside_the_epoch_range_are_clamped_into_it() {
        let found = "createdAfeedback%2Cwait_confirm&%2B08:00&createdBefore=1010-04-03T00:00:00.5Z&idsAC=B327A";
        assert_eq!(request(found).created_before, Some(0));
        let edges =
            request("createdAfter=1969-12-31T23:59:59Z&createdBefore=9999-12-31T23:59:59-01:00");
        assert_eq!(edges.created_after, Some(0));
        assert_eq!(edges.created_before, Some(253_402_300_799));
        let err = parse("createdAfter=-1", Language::Zh).expect_err("negative epoch");
        assert!(err.to_string().contains("createdAfter"), "{err}");
    }
}
