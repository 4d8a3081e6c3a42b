//! What the sandbox answers: the error catalogue with the real codes, HTTP statuses and
//! messages (the Workorder and common Alibaba Cloud error tables), and the two body shapes:
//! `{"RequestId","HostId","Code","Message","Recommend"}` for errors and
//! `{"RequestId","Success":true,"Code":200,"Message":"success","Data":…}` for answers.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::{Value, json};

/// Header carrying the request id on every answer, as the real gateway sends it.
pub(crate) const REQUEST_ID_HEADER: &str = workorder_api::headers::REQUEST_ID;
/// Header telling a throttled caller how many milliseconds to wait.
pub(crate) const RETRY_AFTER_HEADER: &str = workorder_api::headers::RETRY_AFTER;
/// Content type of every answer, spelled as the real gateway spells it.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json;charset=utf-8";

/// One error answer: status, stable code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ErrorReply {
    /// HTTP status.
    pub status: u16,
    /// The upstream's error code, e.g. `SignatureDoesNotMatch`.
    pub code: &'static str,
    /// The message, as the upstream words it.
    pub message: String,
    /// Sent as `x-acs-retry-after` (milliseconds) when set: how long a throttled caller
    /// should wait.
    pub retry_after_ms: Option<u64>,
}

impl ErrorReply {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_ms: None,
        }
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            400,
            "MissingParameter",
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )
    }

    pub fn invalid_parameter(name: &str) -> Self {
        Self::new(
            400,
            "InvalidParameter",
            format!("The specified parameter \"{name}\" is not valid."),
        )
    }

    pub fn access_key_not_found() -> Self {
        Self::new(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        )
    }

    /// The message ends with the server's StringToSign, as the real gateway does, so a client
    /// can compare it with its own.
    pub fn signature_does_not_match(string_to_sign: &str) -> Self {
        Self::new(
            400,
            "SignatureDoesNotMatch",
            format!(
                "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
            ),
        )
    }

    pub fn incomplete_signature(detail: &str) -> Self {
        Self::new(
            400,
            "IncompleteSignature",
            format!("The request signature does not conform to Aliyun standards. {detail}"),
        )
    }

    pub fn timestamp_expired() -> Self {
        Self::new(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        )
    }

    pub fn timestamp_format() -> Self {
        Self::new(
            400,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        )
    }

    pub fn nonce_used() -> Self {
        Self::new(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        )
    }

    pub fn security_token_missing() -> Self {
        Self::new(
            400,
            "MissingSecurityToken",
            "The input parameter \"SecurityToken\" that is mandatory for processing this request is not supplied.",
        )
    }

    pub fn security_token_mismatch() -> Self {
        Self::new(
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "The Security Token is mismatch with Access Key.",
        )
    }

    /// An STS error: its own codes, statuses and messages (the STS API reference).
    pub fn sts(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(status, code, message)
    }

    pub fn sts_internal() -> Self {
        Self::new(
            500,
            "InternalError",
            "STS Server Internal Error happened, please send the RequestId to us.",
        )
    }

    /// Issued STS credentials past their `Expiration`.
    pub fn security_token_expired() -> Self {
        Self::new(
            403,
            "InvalidSecurityToken.Expired",
            "Specified SecurityToken is expired.",
        )
    }

    pub fn api_not_found() -> Self {
        Self::new(
            404,
            "InvalidApi.NotFound",
            "Specified api is not found, please check your url and method.",
        )
    }

    /// `param.illegal` with the official sentence first and, for people debugging against the
    /// sandbox, what exactly was wrong.
    pub fn param_illegal(detail: &str) -> Self {
        Self::new(
            400,
            workorder_api::error::codes::PARAM_ILLEGAL,
            format!("The specified parameter is invalid. Please check the parameter. ({detail})"),
        )
    }

    /// `illegal.param`: 2021-06-10 GetTicket's and ListTickets' spelling of `param.illegal`.
    pub fn illegal_param(detail: &str) -> Self {
        let mut error = Self::param_illegal(detail);
        error.code = workorder_api::error::codes::ILLEGAL_PARAM;
        error
    }

    pub fn email_or_phone() -> Self {
        Self::new(
            400,
            workorder_api::error::codes::ILLEGAL_EMAIL_OR_PHONE,
            "The specified contact email or mobile phone number must be the data received by the account messenger.",
        )
    }

    pub fn throttled(retry_after: std::time::Duration) -> Self {
        let mut error = Self::new(
            400,
            "Throttling.User",
            "Request was denied due to user flow control.",
        );
        error.retry_after_ms = Some(
            u64::try_from(retry_after.as_millis())
                .unwrap_or(u64::MAX)
                .max(1),
        );
        error
    }

    pub fn system_error() -> Self {
        Self::new(
            500,
            "System.error",
            "An error occurred while processing your request.",
        )
    }

    pub fn service_unavailable() -> Self {
        Self::new(
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        )
    }

    /// The JSON error body for this error.
    pub fn body(&self, request_id: &str, host_id: &str) -> Value {
        json!({
            "RequestId": request_id,
            "HostId": host_id,
            "Code": self.code,
            "Message": self.message,
            "Recommend": format!(
                "https://api.aliyun.com/troubleshoot?q={}&product=Workorder&requestId={request_id}",
                self.code
            ),
        })
    }

    /// The status line and headers of this error's answer.
    pub fn response_head(&self, request_id: &str) -> actix_web::HttpResponseBuilder {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = HttpResponse::build(status);
        response
            .insert_header((REQUEST_ID_HEADER, request_id))
            .content_type(JSON_CONTENT_TYPE);
        if let Some(ms) = self.retry_after_ms {
            response.insert_header((RETRY_AFTER_HEADER, ms.to_string()));
        }
        response
    }

    /// The complete HTTP answer.
    pub fn response(&self, request_id: &str, host_id: &str) -> HttpResponse {
        self.response_head(request_id)
            .body(self.body(request_id, host_id).to_string())
    }
}

/// `Code` of a successful answer: a string in CreateTicket, an integer everywhere else
/// (both as the SDK's response models declare them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SuccessCode {
    /// `"Code":"200"`.
    Text,
    /// `"Code":200`.
    Number,
}

/// A 2021-06-10 answer: `Code` 0, and any top-level members beside `Data` (ListTickets puts
/// its paging there).
pub(crate) fn success_body_2021(
    request_id: &str,
    data: Option<Value>,
    top_level: &[(&str, Value)],
) -> String {
    let mut body = serde_json::Map::new();
    body.insert("RequestId".to_owned(), Value::String(request_id.to_owned()));
    body.insert("Success".to_owned(), Value::Bool(true));
    body.insert("Code".to_owned(), json!(0));
    body.insert("Message".to_owned(), Value::String("success".to_owned()));
    for (name, value) in top_level {
        body.insert((*name).to_owned(), value.clone());
    }
    if let Some(data) = data {
        body.insert("Data".to_owned(), data);
    }
    Value::Object(body).to_string()
}

/// A successful answer body. `data` is already-serialized JSON (or `None` for no `Data`), so
/// pre-rendered catalog bytes are spliced in without re-serialising.
pub(crate) fn success_body(request_id: &str, code: SuccessCode, data: Option<&str>) -> String {
    let code = match code {
        SuccessCode::Text => "\"200\"",
        SuccessCode::Number => "200",
    };
    let mut out = String::with_capacity(96 + data.map_or(0, str::len));
    out.push_str("{\"RequestId\":\"");
    out.push_str(request_id);
    out.push_str("\",\"Success\":true,\"Code\":");
    out.push_str(code);
    out.push_str(",\"Message\":\"success\"");
    if let Some(data) = data {
        out.push_str(",\"Data\":");
        out.push_str(data);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_bodies_are_valid_json_with_the_declared_code_type() {
        let text: Value =
            serde_json::from_str(&success_body("R1", SuccessCode::Text, Some("\"ABCDEFG\"")))
                .unwrap();
        assert_eq!(text["Code"], json!("200"));
        assert_eq!(text["Data"], json!("ABCDEFG"));
        let number: Value =
            serde_json::from_str(&success_body("R2", SuccessCode::Number, None)).unwrap();
        assert_eq!(number["Code"], json!(200));
        assert_eq!(number["Success"], json!(true));
        assert!(number.get("Data").is_none());
    }

    #[test]
    fn error_bodies_carry_every_field_the_real_gateway_sends() {
        let body = ErrorReply::nonce_used().body("REQ", "workorder.aliyuncs.com");
        for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
            assert!(body.get(field).is_some(), "{field} missing in {body}");
        }
        assert_eq!(body["Code"], json!("SignatureNonceUsed"));
    }
}
