//! Typed request parameters. Each type here is both what the handlers parse with (serde) and
//! what the OpenAPI document says (utoipa), so the document states exactly what the gateway
//! accepts: a frontend generating types from it, or schemathesis generating requests from it,
//! never meets a schema-valid request that is refused for its shape.
//!
//! Every bound lives once, as a constant here; the `#[param]`/`#[schema]` attributes need
//! literals, so `document_bounds_are_the_parsers_bounds` checks the document against these
//! constants.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IntoDeserializer};
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::validation::{is_product_code, is_ticket_id};
use workorder_api::Language;

/// A ticket id as the upstream issues them.
pub const TICKET_ID_PATTERN: &str = "^[A-Za-z0-9]{1,32}$";
/// A product code as the upstream's catalog spells them.
pub const PRODUCT_CODE_PATTERN: &str = "^[A-Za-z0-9._-]{1,64}$";
/// "Not blank": at least one character that is not Unicode `White_Space` (the 25 characters
/// Rust's `char::is_whitespace` and `str::trim` know), written as an explicit class because
/// `\s` means different sets in ECMA-262, Python and Rust.
pub const NOT_BLANK_PATTERN: &str = "[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";

/// An attachment's object key as `POST /attachments` hands them out (the upstream's are a
/// UUID and the file's extension).
pub const OBJECT_KEY_PATTERN: &str = "^[A-Za-z0-9._-]{1,128}$";
/// Most attachments on one ticket or reply.
pub const MAX_ATTACHMENTS: usize = 10;

/// Checks the `attachments` of a new ticket or reply: at most [`MAX_ATTACHMENTS`] keys, each
/// matching [`OBJECT_KEY_PATTERN`]; the problems are pushed as field errors of `attachments`.
pub fn check_attachments(keys: &[String], errors: &mut Vec<crate::error::FieldError>) {
    if keys.len() > MAX_ATTACHMENTS {
        errors.push(crate::error::FieldError::new(
            "attachments",
            format!("at most {MAX_ATTACHMENTS} object keys"),
        ));
    }
    let valid = |k: &String| {
        (1..=128).contains(&k.len())
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if !keys.iter().all(valid) {
        errors.push(crate::error::FieldError::new(
            "attachments",
            "each item must be an object key from POST /attachments",
        ));
    }
}

/// Largest `page` (10 000 pages of 100 is a million tickets; beyond is a client bug).
pub const MAX_PAGE: u32 = 10_000;
/// Default and largest `pageSize` (the upstream's own range).
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// See [`DEFAULT_PAGE_SIZE`].
pub const MAX_PAGE_SIZE: u32 = 100;
/// Most ids in one `ids` filter.
pub const MAX_IDS: usize = 100;
/// Most statuses in one `status` filter (there are four).
pub const MAX_STATUSES: usize = 4;
/// The last instant a filter may name, in epoch seconds (9999-12-31T23:59:59Z).
pub const MAX_EPOCH_SECONDS: i64 = 253_402_300_799;

/// `?lang=`: exactly these four spellings (`ja` is the ISO code, `jp` the upstream's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "en")]
pub enum Lang {
    /// Chinese.
    Zh,
    /// English.
    En,
    /// Japanese (the upstream's spelling).
    Jp,
    /// Japanese (ISO 639-1), the same as `jp`.
    Ja,
}

impl From<Lang> for Language {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Zh => Language::Zh,
            Lang::En => Language::En,
            Lang::Jp | Lang::Ja => Language::Jp,
        }
    }
}

impl Lang {
    /// Parses one value exactly as the document declares it.
    pub fn parse(value: &str) -> Result<Self, de::value::Error> {
        Lang::deserialize(value.into_deserializer())
    }
}

/// The `lang` query parameter every route that reads the upstream takes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// The answer's language; wins over `Accept-Language`, else the tenant's default.
    pub lang: Option<Lang>,
}

/// The `Idempotency-Key` request header of the writes (parsed by
/// [`crate::http::idempotency::key_of`]: 1 to 255 visible ASCII characters).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// Repeat-safe key: a retry with the same key and body returns the first answer and never
    /// writes twice. Make one per logical write and reuse it for that write's retries.
    #[serde(rename = "Idempotency-Key")]
    #[param(value_type = String, required = false, pattern = "^[!-~]{1,255}$", example = "3f1c9a52-0b7e-4d0a-9d6e-2b1f0c8e7a41")]
    pub idempotency_key: Option<String>,
}

/// The `Last-Event-ID` request header of `GET /tickets/{id}/events` (parsed by
/// [`crate::events::EventId::parse`]; anything else starts the stream from the beginning).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct LastEventIdHeader {
    /// The `id:` of the last event received: the stream resumes right after it, with no gap
    /// and no repeat, on any replica. Browsers' `EventSource` sends it by itself on reconnect.
    #[serde(rename = "Last-Event-ID")]
    #[param(value_type = String, required = false, pattern = "^[0-9]{1,6}\\.[A-Za-z0-9_]{0,33}$", example = "3.in_progress")]
    pub last_event_id: Option<String>,
}

/// The `If-None-Match` request header of the catalog reads.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfNoneMatchHeader {
    /// The `ETag` of a copy the client holds (or a list of them, or `*`): a match answers 304
    /// without a body. Anything that is not a valid entity-tag list is ignored.
    #[serde(rename = "If-None-Match")]
    #[param(value_type = String, required = false, example = "\"3b9f0c2a\"")]
    pub if_none_match: Option<String>,
}

/// A ticket id (1 to 32 ASCII letters and digits).
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[schema(value_type = String, pattern = "^[A-Za-z0-9]{1,32}$", example = "CAB327A")]
pub struct TicketId(pub String);

impl<'de> Deserialize<'de> for TicketId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        if is_ticket_id(&value) {
            Ok(Self(value))
        } else {
            Err(de::Error::custom(format!("{value:?} is not a ticket id")))
        }
    }
}

/// The `{id}` path parameter of the ticket routes. An id outside the pattern answers 404
/// `ticket_not_found` (no such ticket can exist) without an upstream call.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TicketPath {
    /// The ticket's id.
    pub id: TicketId,
}

/// A product code (1 to 64 of `[A-Za-z0-9._-]`): a 2020-03-26 product code (`ecs`), or a
/// 2021-06-10 product id in decimal (`7160`) for a `2021-06-10` tenant.
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[schema(value_type = String, pattern = "^[A-Za-z0-9._-]{1,64}$", example = "ecs")]
pub struct ProductCode(pub String);

impl<'de> Deserialize<'de> for ProductCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        if is_product_code(&value) {
            Ok(Self(value))
        } else {
            Err(de::Error::custom("not a product code"))
        }
    }
}

/// The `{code}` path parameter of the product routes. A code outside the pattern answers 404
/// `product_not_found` without an upstream call.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProductPath {
    /// The product's code from `GET /products`: a product code (`ecs`) for a `2020-03-26`
    /// tenant, a 2021 product id in decimal (`7160`) for a `2021-06-10` tenant.
    pub code: ProductCode,
}

/// The statuses a `GET /tickets` filter may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Being worked on by the support engineer.
    InProgress,
    /// Waiting for the customer's feedback.
    WaitFeedback,
    /// Waiting for the customer to confirm it is solved.
    WaitConfirm,
    /// Closed.
    Completed,
}

impl TicketStatus {
    /// The upstream's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::WaitFeedback => "wait_feedback",
            Self::WaitConfirm => "wait_confirm",
            Self::Completed => "completed",
        }
    }
}

/// An array query parameter in OpenAPI's `form` style without `explode`: `a,b,c`. Each item is
/// parsed as `T`; an empty item, or more than `MAX` items, is an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommaList<T, const MAX: usize>(pub Vec<T>);

impl<'de, T: Deserialize<'de>, const MAX: usize> Deserialize<'de> for CommaList<T, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Items<T, const MAX: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const MAX: usize> de::Visitor<'de> for Items<T, MAX> {
            type Value = CommaList<T, MAX>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "1 to {MAX} comma-separated values")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                let parts: Vec<&str> = value.split(',').collect();
                if parts.len() > MAX {
                    return Err(E::custom(format!("give at most {MAX} values")));
                }
                let items = parts
                    .into_iter()
                    .map(|part| {
                        if part.is_empty() {
                            return Err(E::custom(
                                "an empty item (give 1 or more values, no empty ones)",
                            ));
                        }
                        T::deserialize(de::value::StrDeserializer::<de::value::Error>::new(part))
                            .map_err(|e| E::custom(e.to_string()))
                    })
                    .collect::<Result<_, E>>()?;
                Ok(CommaList(items))
            }
        }
        deserializer.deserialize_str(Items::<T, MAX>(PhantomData))
    }
}

/// A non-negative decimal integer in `MIN..=MAX`, digits only (no sign, no spaces), as the
/// document's `integer` with `minimum`/`maximum` means it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounded<const MIN: u32, const MAX: u32>(pub u32);

impl<'de, const MIN: u32, const MAX: u32> Deserialize<'de> for Bounded<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<str>::deserialize(deserializer)?;
        digits(&value)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (MIN..=MAX).contains(n))
            .map(Self)
            .ok_or_else(|| de::Error::custom(format!("must be an integer from {MIN} to {MAX}")))
    }
}

/// A JSON number as an integer in `range`: an integer, or an integral number such as `5.0`,
/// which JSON Schema also calls an integer (so the document's `type: integer` is exact).
pub fn json_integer(n: &serde_json::Number, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() <= 2f64.powi(53))
                .map(|f| f as i64)
        })
        .filter(|i| range.contains(i))
}

/// `value` as a decimal number when it is 1 to 18 ASCII digits (no sign): larger can't be a
/// page, and never overflows.
fn digits(value: &str) -> Option<i64> {
    if value.is_empty() || value.len() > 18 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// A point in time for a filter: RFC 3339 (`2020-04-02T09:04:00Z`) or epoch seconds
/// (`0..=253402300799`). RFC 3339 may name any instant of years 0000 to 9999; one before 1970
/// or after 9999 is clamped into the epoch range (no ticket lies outside it, so the filter
/// means the same, and the upstream never gets a negative or five-digit-year epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant {
    /// The instant as given, in epoch seconds (may lie outside the range; used for ordering).
    pub given: i64,
}

impl Instant {
    /// The instant clamped into `0..=MAX_EPOCH_SECONDS`, for the upstream.
    pub fn epoch_seconds(self) -> i64 {
        self.given.clamp(0, MAX_EPOCH_SECONDS)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use time::OffsetDateTime;
        use time::format_description::well_known::Rfc3339;
        let value = std::borrow::Cow::<str>::deserialize(deserializer)?;
        if let Some(seconds) = digits(&value) {
            return if seconds <= MAX_EPOCH_SECONDS {
                Ok(Self { given: seconds })
            } else {
                Err(de::Error::custom(
                    "epoch seconds out of range (0 to 253402300799)",
                ))
            };
        }
        OffsetDateTime::parse(&value, &Rfc3339)
            .map(|at| Self {
                given: at.unix_timestamp(),
            })
            .map_err(|_| {
                de::Error::custom(
                    "must be an RFC 3339 time (2020-04-02T09:04:00Z) or epoch seconds",
                )
            })
    }
}

impl PartialSchema for Instant {
    fn schema() -> RefOr<Schema> {
        AnyOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .maximum(Some(MAX_EPOCH_SECONDS)),
            )
            .description(Some(
                "RFC 3339 time, or epoch seconds from 0 to 253402300799",
            ))
            .into()
    }
}

impl ToSchema for Instant {}

#[cfg(test)]
mod tests {
    use super::*;

    /// `NOT_BLANK_PATTERN`'s class is exactly the complement of `char::is_whitespace`.
    #[test]
    fn the_not_blank_class_is_rusts_whitespace() {
        let class = NOT_BLANK_PATTERN
            .strip_prefix("[^")
            .and_then(|c| c.strip_suffix(']'))
            .expect("a negated class");
        let mut listed = Vec::new();
        let mut rest = class;
        let next_char = |rest: &mut &str| -> char {
            if let Some(tail) = rest.strip_prefix("\\u") {
                let code = u32::from_str_radix(&tail[..4], 16).expect("hex");
                *rest = &tail[4..];
                char::from_u32(code).expect("a char")
            } else if let Some(tail) = rest.strip_prefix('\\') {
                let c = match tail.as_bytes()[0] {
                    b't' => '\t',
                    b'n' => '\n',
                    b'f' => '\u{c}',
                    b'r' => '\r',
                    other => panic!("unexpected escape {other}"),
                };
                *rest = &tail[1..];
                c
            } else {
                let c = rest.chars().next().expect("a char");
                *rest = &rest[c.len_utf8()..];
                c
            }
        };
        while !rest.is_empty() {
            let from = next_char(&mut rest);
            if let Some(tail) = rest.strip_prefix('-') {
                rest = tail;
                let to = next_char(&mut rest);
                listed.extend(from..=to);
            } else {
                listed.push(from);
            }
        }
        let whitespace: Vec<char> = (char::MIN..=char::MAX)
            .filter(|c| c.is_whitespace())
            .collect();
        listed.sort_unstable();
        assert_eq!(listed, whitespace);
    }

    #[test]
    fn bounded_integers_are_digits_only() {
        type Page = Bounded<1, 100>;
        let parse = |v: &str| -> Result<u32, de::value::Error> {
            Page::deserialize(v.into_deserializer()).map(|p| p.0)
        };
        assert_eq!(parse("1").ok(), Some(1));
        assert_eq!(parse("0100").ok(), Some(100));
        for bad in [
            "0",
            "101",
            "+1",
            "-1",
            " 1",
            "1 ",
            "",
            "1e2",
            "99999999999999999999",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn comma_lists_refuse_empty_items_and_too_many() {
        type Statuses = CommaList<TicketStatus, MAX_STATUSES>;
        let parse = |v: &str| -> Result<Statuses, de::value::Error> {
            Statuses::deserialize(v.into_deserializer())
        };
        assert_eq!(
            parse("in_progress,completed").map(|l| l.0).ok(),
            Some(vec![TicketStatus::InProgress, TicketStatus::Completed])
        );
        for bad in [
            "",
            ",",
            "in_progress,",
            " in_progress",
            "open",
            "completed,completed,completed,completed,completed",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn instants_clamp_rfc3339_and_bound_epoch_seconds() {
        let parse = |v: &str| -> Result<Instant, de::value::Error> {
            Instant::deserialize(v.into_deserializer())
        };
        let before_epoch = parse("1969-12-31T23:59:59Z").expect("any RFC 3339 year");
        assert_eq!((before_epoch.given, before_epoch.epoch_seconds()), (-1, 0));
        let past_9999 = parse("9999-12-31T23:59:59-01:00").expect("offset past 9999");
        assert_eq!(past_9999.epoch_seconds(), MAX_EPOCH_SECONDS);
        assert_eq!(
            parse("1700000000").map(|i| i.given).ok(),
            Some(1_700_000_000)
        );
        for bad in ["-1", "+5", "253402300800", "yesterday", " 5", "2020-04-02"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn json_integers_include_integral_numbers_and_keep_to_the_range() {
        let n = |text: &str| serde_json::from_str::<serde_json::Number>(text).expect(text);
        assert_eq!(json_integer(&n("5"), 1..=5), Some(5));
        assert_eq!(json_integer(&n("5.0"), 1..=5), Some(5));
        assert_eq!(json_integer(&n("1e0"), 1..=5), Some(1));
        for bad in ["0", "6", "4.5", "-1", "6.0", "1e300"] {
            assert_eq!(json_integer(&n(bad), 1..=5), None, "{bad}");
        }
    }

    #[test]
    fn lang_is_exactly_four_spellings() {
        for (value, language) in [
            ("zh", Language::Zh),
            ("en", Language::En),
            ("jp", Language::Jp),
            ("ja", Language::Jp),
        ] {
            assert_eq!(Lang::parse(value).map(Language::from).ok(), Some(language));
        }
        for bad in ["ZH", " en", "fr", ""] {
            assert!(Lang::parse(bad).is_err(), "{bad:?}");
        }
    }
}
