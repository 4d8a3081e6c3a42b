//! Tolerant decoding of Workorder answers. The real service, its SDK and its documentation
//! disagree on types and spellings, so the decoder accepts every variant seen in any of them:
//! `Code` as string or integer, epochs in seconds or milliseconds (as numbers or strings),
//! `null` or missing lists as empty, and unknown fields ignored.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::{UpstreamFault, scrub_message};

/// Epoch values whose magnitude is at or above this are milliseconds, below it seconds. The
/// documentation names milliseconds while its examples are seconds, so the unit is read from
/// the value: 10^12 ms is 2001-09-09 (every millisecond value the service can send is above),
/// while 10^12 s is the year 33658, beyond what any timestamp here can be.
pub const MILLIS_THRESHOLD: i64 = 1_000_000_000_000;

/// Whether an epoch value of unknown unit is in milliseconds (see [`MILLIS_THRESHOLD`]).
pub fn is_millis(value: i64) -> bool {
    value.unsigned_abs() >= MILLIS_THRESHOLD.unsigned_abs()
}

/// An epoch value of unknown unit in whole seconds (milliseconds are truncated).
pub fn epoch_seconds(value: i64) -> i64 {
    if is_millis(value) {
        value / 1000
    } else {
        value
    }
}

/// The common envelope of every answer, success or failure.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Envelope {
    /// `RequestId`.
    #[serde(default, alias = "requestId")]
    pub request_id: Option<String>,
    /// `Code`, a string or an integer upstream, always a string here.
    #[serde(default, alias = "code", deserialize_with = "string_or_number")]
    pub code: Option<String>,
    /// `Message`.
    #[serde(default, alias = "message")]
    pub message: Option<String>,
    /// `Success`: a boolean, or a string in any case (`"True"` in 2021-06-10's schema
    /// examples).
    #[serde(default, deserialize_with = "lenient_bool")]
    pub success: Option<bool>,
    /// `Data`, decoded by the action.
    #[serde(default)]
    pub data: Option<Value>,
    /// `PageNumber` (2021-06-10 lists carry their paging at the top level).
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page_number: Option<u64>,
    /// `PageSize` (2021-06-10).
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page_size: Option<u64>,
    /// `TotalCount` (2021-06-10).
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total_count: Option<u64>,
}

impl Envelope {
    /// A 2xx body is a failure when `Success` is false, or when `Success` is absent and `Code`
    /// is present but not 200.
    pub fn is_failure(&self) -> bool {
        match (self.success, self.code.as_deref()) {
            (Some(success), _) => !success,
            // 2021-06-10 answers success with `Code` 0 for some actions and 200 for others.
            (None, Some(code)) => !matches!(code, "0" | "200" | "OK" | "Success" | "success"),
            (None, None) => false,
        }
    }

    /// The failure this envelope describes, as the upstream put it.
    pub fn into_fault(self, status: u16) -> UpstreamFault {
        UpstreamFault {
            status,
            code: self.code.unwrap_or_default(),
            message: scrub_message(self.message.as_deref().unwrap_or_default()),
            request_id: self.request_id,
        }
    }
}

/// Why a body is not a Workorder answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAnAnswer(pub String);

/// Parses an answer body into its envelope, or says clearly why it is not one. The
/// `x-acs-request-id` header stands in for a missing `RequestId`.
pub fn parse_envelope(
    body: &[u8],
    request_id_header: Option<String>,
) -> Result<Envelope, NotAnAnswer> {
    // Straight into the envelope (one pass; the answer's `Data` stays a `Value` for its
    // action). Only an object is read so (serde would read a struct from an array too), and only
    // from text checked as UTF-8 (from bytes, serde skips unknown members' strings unchecked, so
    // a body that is no JSON could pass: found by fuzz/upstream_answer).
    let is_object = body.trim_ascii_start().first() == Some(&b'{');
    let text = std::str::from_utf8(body).ok().filter(|_| is_object);
    let mut envelope = match text.map(serde_json::from_str::<Envelope>) {
        Some(Ok(envelope)) => envelope,
        Some(Err(error)) if serde_json::from_slice::<Value>(body).is_ok() => {
            return Err(NotAnAnswer(format!(
                "the body is not a Workorder answer ({error})"
            )));
        }
        // Parsed again only to say what the body is instead.
        _ => {
            return Err(NotAnAnswer(match serde_json::from_slice::<Value>(body) {
                Err(e) => format!("the body is not valid JSON ({e})"),
                Ok(_) => "the body is JSON but not an object".to_owned(),
            }));
        }
    };
    if envelope.request_id.is_none() {
        envelope.request_id = request_id_header;
    }
    Ok(envelope)
}

/// Decodes the `Data` member into `T`; a missing or `null` `Data` decodes as `T::default()`.
pub fn decode_data<T>(data: Option<Value>) -> Result<T, String>
where
    T: serde::de::DeserializeOwned + Default,
{
    match data {
        None | Some(Value::Null) => Ok(T::default()),
        Some(value) => serde_json::from_value(value).map_err(|e| format!("unexpected Data: {e}")),
    }
}

/// `null` and missing become `T::default()` (used for lists: "missing lists are empty").
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Accepts a string, an integer or a float, and renders it as a string.
pub fn string_or_number<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "expected a string or number, got {other}"
            )));
        }
    })
}

/// A boolean as `true`/`false`, `"True"`/`"false"` (any case), `1`/`0` or `"1"`/`"0"`;
/// `null` is `None`. The Python SDKs write booleans with `str()` (`True`), others in lower case.
pub fn lenient_bool<'de, D>(deserializer: D) -> Result<Option<bool>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(other) => {
            let text = match &other {
                Value::String(s) => s.trim().to_ascii_lowercase(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            parse_bool(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a boolean: {other}")))
        }
    }
}

/// `true`/`false` in any case, or `1`/`0`: how a boolean parameter may be spelled.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// A non-negative integer as a number or a numeric string; `null` is `None`.
pub fn lenient_u64<'de, D>(deserializer: D) -> Result<Option<u64>, D::Error>
where
    D: Deserializer<'de>,
{
    string_or_number(deserializer)?
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| serde::de::Error::custom(format!("not a count: {s:?}")))
        })
        .transpose()
}

/// An epoch timestamp of unknown unit, as the upstream sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(pub i64);

impl Epoch {
    /// The instant, reading values at or above 10^12 as milliseconds and others as seconds.
    pub fn to_datetime(self) -> Option<OffsetDateTime> {
        let nanos = if is_millis(self.0) {
            i128::from(self.0) * 1_000_000
        } else {
            i128::from(self.0) * 1_000_000_000
        };
        OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
    }
}

/// Accepts an epoch as an integer, a float or a numeric string; `null` is `None`.
pub fn optional_epoch<'de, D>(deserializer: D) -> Result<Option<OffsetDateTime>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw = string_or_number(deserializer)?;
    let Some(raw) = raw.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let seconds_or_millis = raw
        .trim()
        .parse::<i64>()
        .or_else(|_| raw.trim().parse::<f64>().map(|f| f as i64))
        .map_err(|_| serde::de::Error::custom(format!("not an epoch value: {raw:?}")))?;
    Epoch(seconds_or_millis)
        .to_datetime()
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("epoch out of range: {raw}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_json_object_is_an_envelope_and_a_refusal_says_what_the_body_was() {
        let refusal = |body: &[u8]| parse_envelope(body, None).err().map(|e| e.0);
        assert!(refusal(b"not json").is_some_and(|e| e.starts_with("the body is not valid JSON")));
        for not_object in [&b"[]"[..], b" [\"a\", \"200\"]", b"\"x\"", b"7"] {
            assert_eq!(
                refusal(not_object).as_deref(),
                Some("the body is JSON but not an object"),
                "{:?}",
                String::from_utf8_lossy(not_object)
            );
        }
        assert!(
            refusal(b"{\"Code\": \"200\", \"HostId\": \"a\xa6b\"}")
                .is_some_and(|e| e.starts_with("the body is not valid JSON")),
            "invalid UTF-8 in a member no one reads"
        );
        assert!(
            refusal(br#"{"Success": []}"#)
                .is_some_and(|e| e.starts_with("the body is not a Workorder answer"))
        );
        let envelope = parse_envelope(
            br#" {"RequestId": "r1", "Code": 200, "Success": "true", "Data": {"List": []}}"#,
            Some("header-id".to_owned()),
        )
        .unwrap();
        assert_eq!(envelope.request_id.as_deref(), Some("r1"));
        assert_eq!(envelope.code.as_deref(), Some("200"));
        assert_eq!(envelope.success, Some(true));
        assert_eq!(envelope.data, Some(serde_json::json!({"List": []})));
        let bare = parse_envelope(b"{}", Some("header-id".to_owned())).unwrap();
        assert_eq!(bare.request_id.as_deref(), Some("header-id"));
    }

    #[test]
    fn epochs_above_ten_to_the_twelve_are_milliseconds() {
        let seconds = Epoch(1_586_920_240).to_datetime();
        let millis = Epoch(1_586_920_240_000).to_datetime();
        assert_eq!(seconds, millis);
        assert_eq!(seconds.map(|t| t.unix_timestamp()), Some(1_586_920_240));
    }

    #[test]
    fn ten_to_the_twelve_itself_is_milliseconds_on_both_sides_of_zero() {
        assert!(is_millis(MILLIS_THRESHOLD));
        assert!(is_millis(-MILLIS_THRESHOLD));
        assert!(!is_millis(MILLIS_THRESHOLD - 1));
        assert_eq!(epoch_seconds(MILLIS_THRESHOLD), 1_000_000_000);
        assert_eq!(epoch_seconds(1_586_920_240), 1_586_920_240);
    }

    #[test]
    fn success_false_on_http_200_is_a_failure() {
        let envelope = parse_envelope(br#"{"Success":false,"Code":"param.illegal"}"#, None)
            .expect("an object");
        assert!(envelope.is_failure());
        let ok = parse_envelope(br#"{"Success":true,"Code":200}"#, None).expect("an object");
        assert!(!ok.is_failure());
        let code_only = parse_envelope(br#"{"Code":"System.error"}"#, None).expect("object");
        assert!(code_only.is_failure());
    }

    #[test]
    fn success_as_a_string_in_any_case_and_code_zero_are_read() {
        let envelope = parse_envelope(
            br#"{"Success":"True","Code":0,"PageNumber":"2","TotalCount":7}"#,
            None,
        )
        .expect("an object");
        assert_eq!(envelope.success, Some(true));
        assert_eq!(envelope.page_number, Some(2));
        assert_eq!(envelope.total_count, Some(7));
        assert!(!envelope.is_failure());
        let code_zero = parse_envelope(br#"{"Code":0}"#, None).expect("an object");
        assert!(!code_zero.is_failure());
        let refused = parse_envelope(br#"{"Success":"FALSE","Code":"param.illegal"}"#, None)
            .expect("an object");
        assert!(refused.is_failure());
        assert!(parse_envelope(br#"{"Success":"maybe"}"#, None).is_err());
    }

    #[test]
    fn non_json_bodies_are_reported_as_such() {
        let err = parse_envelope(b"<html>", Some("R1".to_owned())).expect_err("not JSON");
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }
}
