//! The `POST /tickets` body and its validation: every field problem is reported at once (422
//! with `errors[]`), before the catalog check and long before any upstream call.

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::params::Lang;
use super::views::Severity;
use crate::error::{ApiError, FieldError};
use crate::validation::{is_product_code, looks_like_email};
use workorder_api::Language;
use workorder_api::actions::{CreateTicket, NotifyTimeRange};

/// Longest accepted `content`, `secretContent` (characters).
const MAX_CONTENT_CHARS: usize = 10_000;
/// Longest accepted `title` (characters).
const MAX_TITLE_CHARS: usize = 200;

// The schema attributes state exactly what `NewTicketBody::validate` accepts (the patterns are
// `super::params`' constants, spelled out because attributes need literals; `routes::docs`
// tests check them against the constants).
/// A new ticket. What no schema can say is checked too, and answered 422 `validation_failed`
/// naming the field: the product and category must exist in the tenant's catalog (`GET
/// /products`, `GET /products/{code}/categories`), and the upstream account must know the
/// contact email and phone.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewTicket)]
pub struct NewTicketBody {
    /// Product code from `GET /products`: a 2020-03-26 product code (`ecs`) for a `2020-03-26`
    /// tenant, a 2021 product id in decimal (`7160`) for a `2021-06-10` tenant.
    #[schema(value_type = String, required = true, pattern = "^[A-Za-z0-9._-]{1,64}$", example = "ecs")]
    product_code: Option<String>,
    /// Category id from `GET /products/{code}/categories` of the same tenant: a 2020-03-26 id
    /// (793) or, for a `2021-06-10` tenant, a 2021 id (7161). The two are different
    /// namespaces: the other version's id is 422 `validation_failed` naming `categoryId`.
    #[schema(value_type = i64, required = true, minimum = 1, maximum = 9007199254740991_i64, example = 793)]
    category_id: Option<Value>,
    /// Problem description: not blank, at most 10 000 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 10000, pattern = "[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]", example = "Cannot SSH into i-bp1abc since 09:00")]
    content: Option<String>,
    /// Contact email (one `@`, a dotted domain, no whitespace); defaults to the tenant's
    /// `default_email`, and is required when the tenant has none.
    #[schema(nullable, format = Email, max_length = 254, example = "ops@example.com")]
    email: Option<String>,
    /// Title, at most 200 characters.
    #[schema(nullable, max_length = 200, example = "SSH refused")]
    title: Option<String>,
    /// Contact phone: 1 to 32 of digits, spaces and `+-()`.
    #[schema(
        nullable,
        pattern = "^[0-9+\\-() ]{1,32}$",
        example = "+86 138 0000 0000"
    )]
    phone: Option<String>,
    /// Confidential details (at most 10 000 characters): sent upstream only, never logged,
    /// cached or echoed.
    #[schema(nullable, max_length = 10000, example = "root password: hunter2")]
    secret_content: Option<String>,
    /// When the engineer may call.
    #[schema(value_type = Option<NotifyTimeRangeName>, nullable)]
    notify_time_range: Option<String>,
    /// The ticket's language; defaults to the request's.
    #[schema(value_type = Option<Lang>, nullable)]
    language: Option<String>,
    /// How urgent: `normal` (the upstream's default) or `urgent`. Workorder 2021-06-10 tenants
    /// only: a `2020-03-26` tenant answers 422 `api_version_unsupported` when it is set.
    #[schema(value_type = Option<Severity>, nullable)]
    severity: Option<String>,
    /// Object keys of files uploaded through `POST /attachments` (at most 10). Workorder
    /// 2021-06-10 tenants only: a `2020-03-26` tenant answers 422 `api_version_unsupported`
    /// when it is not empty.
    #[schema(nullable, max_items = 10, value_type = Option<Vec<String>>, example = json!(["cdb5d174-c282-4b2d-9048-e74ea2223127.png"]))]
    attachments: Option<Vec<String>>,
}

/// What a new ticket asks for beyond what Workorder 2020-03-26 takes.
#[derive(Debug, Clone, Default)]
pub struct TicketExtras {
    /// `severity`, when given.
    pub severity: Option<Severity>,
    /// `attachments`.
    pub attachments: Vec<String>,
}

impl TicketExtras {
    /// Whether any of it was asked for (a `2020-03-26` tenant cannot do it).
    pub fn any(&self) -> bool {
        self.severity.is_some() || !self.attachments.is_empty()
    }
}

// The body's field stays a string so that a bad value is a 422 naming the field, not a 400.
/// When the support engineer may call the contact: office hours, any time, or never.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = NotifyTimeRange)]
pub enum NotifyTimeRangeName {
    /// Office hours.
    Normal,
    /// Any time.
    All,
    /// Never.
    Never,
}

impl NewTicketBody {
    /// Checks every field (all problems at once) and builds the upstream request.
    pub fn validate(
        self,
        default_email: Option<&str>,
        request_language: Language,
    ) -> Result<(CreateTicket, TicketExtras), ApiError> {
        let mut errors = Vec::new();
        let severity = match self.severity.as_deref() {
            None => None,
            Some("normal") => Some(Severity::Normal),
            Some("urgent") => Some(Severity::Urgent),
            Some(_) => {
                errors.push(FieldError::new("severity", "must be normal or urgent"));
                None
            }
        };
        let attachments = self.attachments.unwrap_or_default();
        super::params::check_attachments(&attachments, &mut errors);
        let product_code = match self.product_code.as_deref() {
            Some(code) if is_product_code(code) => code.to_owned(),
            Some(_) => {
                errors.push(FieldError::new("productCode", "is not a product code"));
                String::new()
            }
            None => {
                errors.push(FieldError::new("productCode", "is required"));
                String::new()
            }
        };
        let category_id = match &self.category_id {
            Some(Value::Number(n)) => match category_id_of(n) {
                Some(id) => id,
                None => {
                    errors.push(FieldError::new("categoryId", "must be a positive integer"));
                    0
                }
            },
            Some(_) => {
                errors.push(FieldError::new("categoryId", "must be a positive integer"));
                0
            }
            None => {
                errors.push(FieldError::new("categoryId", "is required"));
                0
            }
        };
        let content = self.content.unwrap_or_default();
        if content.is_empty() {
            errors.push(FieldError::new("content", "is required"));
        } else if content.trim().is_empty() {
            errors.push(FieldError::new("content", "must not be blank"));
        } else if content.chars().count() > MAX_CONTENT_CHARS {
            errors.push(FieldError::new(
                "content",
                format!("at most {MAX_CONTENT_CHARS} characters"),
            ));
        }
        let email = self.email.or_else(|| default_email.map(str::to_owned));
        match email.as_deref() {
            Some(email) if looks_like_email(email) => {}
            Some(_) => errors.push(FieldError::new("email", "is not an email address")),
            None => errors.push(FieldError::new(
                "email",
                "is required (the tenant has no default contact email)",
            )),
        }
        if self
            .title
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
        {
            errors.push(FieldError::new(
                "title",
                format!("at most {MAX_TITLE_CHARS} characters"),
            ));
        }
        if let Some(phone) = &self.phone
            && (phone.is_empty()
                || phone.len() > 32
                || !phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+- ()".contains(c)))
        {
            errors.push(FieldError::new("phone", "is not a phone number"));
        }
        if self
            .secret_content
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_CONTENT_CHARS)
        {
            errors.push(FieldError::new(
                "secretContent",
                format!("at most {MAX_CONTENT_CHARS} characters"),
            ));
        }
        let notify_time_range = match self.notify_time_range.as_deref().map(|name| {
            NotifyTimeRangeName::deserialize(serde::de::value::StrDeserializer::<
                serde::de::value::Error,
            >::new(name))
        }) {
            None => None,
            Some(Ok(NotifyTimeRangeName::Normal)) => Some(NotifyTimeRange::Normal),
            Some(Ok(NotifyTimeRangeName::All)) => Some(NotifyTimeRange::All),
            Some(Ok(NotifyTimeRangeName::Never)) => Some(NotifyTimeRange::Never),
            Some(Err(_)) => {
                errors.push(FieldError::new(
                    "notifyTimeRange",
                    "must be normal, all or never",
                ));
                None
            }
        };
        let language = match self.language.as_deref() {
            None => request_language,
            Some(lang) => Lang::parse(lang).map(Language::from).unwrap_or_else(|_| {
                errors.push(FieldError::new("language", "must be zh, en, jp or ja"));
                request_language
            }),
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok((
            CreateTicket {
                product_code,
                category_id,
                content,
                email: email.unwrap_or_default(),
                title: self.title,
                phone: self.phone,
                secret_content: self.secret_content,
                notify_time_range,
                language: Some(language),
            },
            TicketExtras {
                severity,
                attachments,
            },
        ))
    }
}

/// A category id: a JSON integer from 1 to 2^53 - 1, the integers a JavaScript client holds
/// exactly.
fn category_id_of(n: &serde_json::Number) -> Option<i64> {
    super::params::json_integer(n, 1..=9_007_199_254_740_991)
}
