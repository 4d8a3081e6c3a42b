//! `ApiError`: every failure a client can see, as an RFC 9457 `application/problem+json` body
//! with a stable machine-readable `code`. This is the only place that maps module errors
//! (auth, upstream, catalog, settings) to HTTP.
//!
//! Clients get a short sentence; logs get the whole cause chain. Upstream credentials failures
//! say nothing specific to the client (the tenant's keys are an operator matter).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::telemetry::request_id;
use crate::upstream::UpstreamError;
use workorder_api::error::codes;

/// Response header carrying the upstream `RequestId`, on errors and successes alike.
pub const UPSTREAM_REQUEST_ID: &str = "x-upstream-request-id";

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The stable machine-readable codes clients see in a problem's `code` (API.md lists them).
/// A client branches on these, so a code is never renamed; the text beside it may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 400: malformed JSON, query or header.
    InvalidRequest,
    /// 401: missing, malformed, expired or otherwise invalid bearer token.
    Unauthenticated,
    /// 403: the caller lacks the permission.
    Forbidden,
    /// 403: the token's tenant is unknown or disabled here.
    TenantNotConfigured,
    /// 404: no such route or resource.
    NotFound,
    /// 404: no such ticket in the caller's tenant (also for other tenants' tickets).
    TicketNotFound,
    /// 404: no such product in the tenant's catalog.
    ProductNotFound,
    /// 405: the resource exists but not with this method.
    MethodNotAllowed,
    /// 406: the requested media type is not available.
    NotAcceptable,
    /// 409: a request with this `Idempotency-Key` is still running.
    IdempotencyInProgress,
    /// 409: the ticket is not in a state that allows this (reopen or rate a ticket that is
    /// not completed, rate a ticket twice).
    TicketStateConflict,
    /// 413: the request body is too large.
    PayloadTooLarge,
    /// 415: the request body is not JSON.
    UnsupportedMediaType,
    /// 422: field errors (the problem's `errors`).
    ValidationFailed,
    /// 422: the tenant's Workorder API version cannot do this: `2020-03-26` has no reopen,
    /// rating, attachments or severity (they need `2021-06-10`); `2021-06-10` cannot filter
    /// `GET /tickets` by `productCode` (tickets are listed through 2020's ListTickets, whose
    /// product codes are another namespace than a 2021 tenant's catalog).
    ApiVersionUnsupported,
    /// 429: this user, tenant or client address is over its limit.
    RateLimited,
    /// 429: the Workorder API throttles this tenant.
    UpstreamThrottled,
    /// 500: a fault of the gateway; the cause is logged.
    InternalError,
    /// 502: the Workorder API failed to answer properly.
    UpstreamError,
    /// 502: the Workorder API refused the tenant's credentials.
    UpstreamCredentialsRejected,
    /// 502: the tenant's temporary credentials (its RAM role, through STS) have expired and
    /// could not be renewed; nothing was sent.
    UpstreamCredentialsUnavailable,
    /// 503: the tenant's circuit breaker is open.
    UpstreamUnavailable,
    /// 503: too many of the tenant's upstream calls are in flight (nothing was sent).
    TenantBusy,
    /// 503: the shared state is unreachable.
    StateUnavailable,
    /// 503: the service is not available (a bare status from the framework).
    ServiceUnavailable,
    /// 503: the gateway is shutting down (`/readyz`).
    Draining,
    /// 504: the Workorder API did not answer in time.
    UpstreamTimeout,
}

impl ErrorCode {
    /// Every code: the document's `ErrorCode` enum, and the check that API.md lists each one.
    pub const ALL: [Self; 27] = [
        Self::InvalidRequest,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::TenantNotConfigured,
        Self::NotFound,
        Self::TicketNotFound,
        Self::ProductNotFound,
        Self::MethodNotAllowed,
        Self::NotAcceptable,
        Self::IdempotencyInProgress,
        Self::TicketStateConflict,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::ValidationFailed,
        Self::ApiVersionUnsupported,
        Self::RateLimited,
        Self::UpstreamThrottled,
        Self::InternalError,
        Self::UpstreamError,
        Self::UpstreamCredentialsRejected,
        Self::UpstreamCredentialsUnavailable,
        Self::UpstreamUnavailable,
        Self::TenantBusy,
        Self::StateUnavailable,
        Self::ServiceUnavailable,
        Self::Draining,
        Self::UpstreamTimeout,
    ];

    /// The code as clients see it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::TenantNotConfigured => "tenant_not_configured",
            Self::NotFound => "not_found",
            Self::TicketNotFound => "ticket_not_found",
            Self::ProductNotFound => "product_not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::NotAcceptable => "not_acceptable",
            Self::IdempotencyInProgress => "idempotency_in_progress",
            Self::TicketStateConflict => "ticket_state_conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::ValidationFailed => "validation_failed",
            Self::ApiVersionUnsupported => "api_version_unsupported",
            Self::RateLimited => "rate_limited",
            Self::UpstreamThrottled => "upstream_throttled",
            Self::InternalError => "internal_error",
            Self::UpstreamError => "upstream_error",
            Self::UpstreamCredentialsRejected => "upstream_credentials_rejected",
            Self::UpstreamCredentialsUnavailable => "upstream_credentials_unavailable",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::TenantBusy => "tenant_busy",
            Self::StateUnavailable => "state_unavailable",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Draining => "draining",
            Self::UpstreamTimeout => "upstream_timeout",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One field-level problem in a request body or query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The request field, in request spelling (`categoryId`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// In the document, a string enum of every code, so a generated client can switch on them.
/// Codes are only ever added: a client should keep a default branch.
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(Self::ALL.iter().map(|code| code.as_str())))
            .description(Some(
                "Stable machine-readable code (API.md's error table). Codes are only ever added; keep a default branch.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

/// The problem document (RFC 9457) plus this API's extension members.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// Always `about:blank`: `code` carries the type.
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// A human-readable sentence about this occurrence.
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation_failed`.
    pub code: ErrorCode,
    /// This request's `X-Request-Id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The upstream `RequestId`, when an upstream call was involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_request_id: Option<String>,
    /// Field errors (422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// A failed request, ready to be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    detail: String,
    errors: Vec<FieldError>,
    upstream_request_id: Option<String>,
    retry_after: Option<Duration>,
    /// The `Allow` header of a 405.
    allow: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ApiError {
    /// An error with this status, code and detail.
    pub fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            upstream_request_id: None,
            retry_after: None,
            allow: None,
        }
    }

    /// Adds the `Allow` header (of a 405).
    fn with_allow(mut self, allow: String) -> Self {
        self.allow = Some(allow);
        self
    }

    /// 400 `invalid_request`: malformed JSON, query or header.
    pub fn invalid_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, detail)
    }

    /// 401 `unauthenticated` (with `WWW-Authenticate`). The detail is generic on purpose:
    /// the precise reason goes to the log only.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "a valid bearer token is required",
        )
    }

    /// 403 `forbidden`: the permission is missing.
    pub fn forbidden(permission: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("this action needs the {permission} permission"),
        )
    }

    /// 403 `tenant_not_configured`.
    pub fn tenant_not_configured() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::TenantNotConfigured,
            "the token's tenant is not configured on this gateway",
        )
    }

    /// 405 `method_not_allowed`, with the `Allow` header naming what the path serves.
    pub fn method_not_allowed(allow: String) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            format!("this path serves {allow} only"),
        )
        .with_allow(allow)
    }

    /// 404 `not_found`: no such route.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no such resource",
        )
    }

    /// 404 `ticket_not_found` (also for another tenant's tickets: never 403).
    pub fn ticket_not_found(id: &str) -> Self {
        let shown: String = id.chars().take(40).collect();
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::TicketNotFound,
            format!("ticket {shown:?} does not exist"),
        )
    }

    /// 422 `api_version_unsupported`: `what` needs Workorder API 2021-06-10 and the tenant is on
    /// 2020-03-26 (names only the feature, never request data).
    pub fn api_version_unsupported(what: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ApiVersionUnsupported,
            format!(
                "{what} needs Workorder API 2021-06-10; this tenant uses 2020-03-26 (an operator sets api_version)"
            ),
        )
    }

    /// 422 `api_version_unsupported` for a tenant on 2021-06-10: `what` cannot be done through
    /// that version, for the reason `why` (both name only the feature, never request data).
    pub fn unsupported_on_2021(what: &str, why: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ApiVersionUnsupported,
            format!("{what} is not available to a Workorder API 2021-06-10 tenant: {why}"),
        )
    }

    /// 409 `ticket_state_conflict`: the ticket's state does not allow `what`.
    pub fn ticket_state_conflict(what: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::TicketStateConflict,
            what.to_owned(),
        )
    }

    /// 404 `product_not_found`.
    pub fn product_not_found(code: &str) -> Self {
        let shown: String = code.chars().take(64).collect();
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::ProductNotFound,
            format!("product {shown:?} is not in the catalog"),
        )
    }

    /// 422 `validation_failed` with field errors.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| {
                if e.message.starts_with(&e.field) {
                    e.message.clone()
                } else {
                    format!("{} {}", e.field, e.message)
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
                detail,
            )
        }
    }

    /// 429 `rate_limited`.
    pub fn rate_limited(retry_after: Duration) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many requests; slow down",
        )
        .with_retry_after(retry_after)
    }

    /// 500 `internal_error`; the cause goes to the log.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            "an internal error occurred; quote the request id when reporting it",
        )
    }

    /// Adds a `Retry-After`.
    #[must_use]
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// Attaches the upstream `RequestId`.
    #[must_use]
    pub fn with_upstream_request_id(mut self, id: Option<String>) -> Self {
        self.upstream_request_id = id;
        self
    }

    /// When the upstream refused the contact (`illegalParam.emailOrPhone`, reported on
    /// `email`), also names `field` (e.g. `phone`): the upstream does not say which one it was.
    #[must_use]
    pub fn with_field_hint(mut self, field: &str) -> Self {
        if let Some(contact) = self.errors.iter().find(|e| e.field == "email").cloned() {
            self.errors.push(FieldError::new(field, contact.message));
        }
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The upstream `RequestId`, when an upstream call was involved (audit events).
    pub fn upstream_request_id(&self) -> Option<&str> {
        self.upstream_request_id.as_deref()
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        Problem {
            type_: "about:blank",
            title: title(self.status).to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code,
            request_id: request_id::current(),
            upstream_request_id: self.upstream_request_id.clone(),
            errors: self.errors.clone(),
        }
    }
}

/// The status phrase of RFC 9110, which renamed 413 and 422; the `http` crate still returns
/// their RFC 7231 / WebDAV names, and API.md shows the current ones.
fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Content Too Large",
        StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable Content",
        other => other.canonical_reason().unwrap_or("Error"),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.content_type(PROBLEM_JSON);
        // For the request middleware, which counts error answers by code (`wog_http_errors_total`).
        response.extensions_mut().insert(self.code);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#));
        }
        if let Some(allow) = &self.allow
            && let Ok(value) = HeaderValue::from_str(allow)
        {
            response.insert_header((header::ALLOW, value));
        }
        if let Some(wait) = self.retry_after {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response.insert_header((header::RETRY_AFTER, secs.max(1).to_string()));
        }
        if let Some(id) = &self.upstream_request_id
            && let Ok(value) = HeaderValue::from_str(id)
        {
            response.insert_header((UPSTREAM_REQUEST_ID, value));
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_else(|_| b"{}".to_vec());
        response.body(body)
    }
}

impl From<UpstreamError> for ApiError {
    fn from(err: UpstreamError) -> Self {
        let request_id = err.request_id().map(str::to_owned);
        tracing::warn!(error = %err, outcome = err.outcome(), "upstream call failed");
        let api = match &err {
            UpstreamError::CredentialsRejected(_) => Self::new(
                StatusCode::BAD_GATEWAY,
                ErrorCode::UpstreamCredentialsRejected,
                "the Workorder API refused this tenant's credentials; an operator must check them",
            ),
            UpstreamError::CredentialsUnavailable => Self::new(
                StatusCode::BAD_GATEWAY,
                ErrorCode::UpstreamCredentialsUnavailable,
                "this tenant's temporary Alibaba Cloud credentials have expired and could not be renewed; an operator must check the tenant's role",
            ),
            UpstreamError::InvalidParameter(fault) if fault.code == codes::ILLEGAL_EMAIL_OR_PHONE => {
                Self::validation(vec![FieldError::new(
                    "email",
                    "the contact must be one of the account's registered message recipients",
                )])
            }
            UpstreamError::InvalidParameter(fault) => Self::validation(vec![FieldError::new(
                "request",
                format!(
                    "the Workorder API refused the request ({}: {})",
                    fault.code, fault.message
                ),
            )]),
            UpstreamError::Throttled { retry_after, .. } => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::UpstreamThrottled,
                "the Workorder API is throttling this tenant; retry later",
            )
            .with_retry_after(retry_after.unwrap_or(Duration::from_secs(1))),
            UpstreamError::CircuitOpen { retry_after } => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::UpstreamUnavailable,
                "the Workorder API is failing; calls are paused briefly",
            )
            .with_retry_after(*retry_after),
            UpstreamError::Saturated { retry_after } => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::TenantBusy,
                "too many of this tenant's calls to the Workorder API are in progress; retry shortly",
            )
            .with_retry_after(*retry_after),
            UpstreamError::Timeout { .. } => Self::new(
                StatusCode::GATEWAY_TIMEOUT,
                ErrorCode::UpstreamTimeout,
                "the Workorder API did not answer in time",
            ),
            UpstreamError::Unavailable(_)
            | UpstreamError::Refused(_)
            | UpstreamError::Connect(_)
            | UpstreamError::Transport(_)
            | UpstreamError::Unreadable { .. } => Self::new(
                StatusCode::BAD_GATEWAY,
                ErrorCode::UpstreamError,
                "the Workorder API failed to answer properly",
            ),
        };
        api.with_upstream_request_id(request_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_in_the_contract() {
        // Read at run time, not embedded: docs/ is outside the image's build context.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/API.md");
        let contract = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for code in ErrorCode::ALL {
            assert!(
                contract.contains(&format!("`{code}`")),
                "docs/API.md does not list `{code}`"
            );
        }
    }

    #[test]
    fn a_code_serialises_as_its_string() {
        let problem = ApiError::not_found().problem();
        let json = serde_json::to_value(&problem).expect("serialises");
        assert_eq!(json["code"], "not_found");
    }
}
