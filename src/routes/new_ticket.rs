//! The `POST /tickets` body and its validation: every field problem is reported at once (422
//! with `errors[]`), before the catalog check and long before any upstream call.

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};
use crate::validation::{is_product_code, looks_like_email};
use workorder_api::Language;
use workorder_api::actions::{CreateTicket, NotifyTimeRange};

/// Longest accepted `content`, `secretContent` (characters).
const MAX_CONTENT_CHARS: usize = 10_000;
/// Longest accepted `title` (characters).
const MAX_TITLE_CHARS: usize = 200;

/// `POST /tickets` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewTicket)]
pub struct NewTicketBody {
    /// Product code from `GET /products` (required).
    #[schema(example = "ecs")]
    product_code: Option<String>,
    /// Category id from `GET /products/{code}/categories` (required).
    #[schema(value_type = i64, example = 793)]
    category_id: Option<Value>,
    /// Problem description (required).
    content: Option<String>,
    /// Contact email; defaults to the tenant's `default_email`.
    email: Option<String>,
    /// Title.
    title: Option<String>,
    /// Contact phone.
    phone: Option<String>,
    /// Confidential details: sent upstream only, never logged, cached or echoed.
    secret_content: Option<String>,
    /// `normal`, `all` or `never`.
    notify_time_range: Option<String>,
    /// `zh`, `en` or `jp`; defaults to the request language.
    language: Option<String>,
}

impl NewTicketBody {
    /// Checks every field (all problems at once) and builds the upstream request.
    pub fn validate(
        self,
        default_email: Option<&str>,
        request_language: Language,
    ) -> Result<CreateTicket, ApiError> {
        let mut errors = Vec::new();
        let product_code = match self.product_code.as_deref().map(str::trim) {
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
            Some(Value::Number(n)) => match n.as_i64().filter(|id| *id > 0) {
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
        if content.trim().is_empty() {
            errors.push(FieldError::new("content", "is required"));
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
        let notify_time_range = match self.notify_time_range.as_deref() {
            None => None,
            Some("normal") => Some(NotifyTimeRange::Normal),
            Some("all") => Some(NotifyTimeRange::All),
            Some("never") => Some(NotifyTimeRange::Never),
            Some(_) => {
                errors.push(FieldError::new(
                    "notifyTimeRange",
                    "must be normal, all or never",
                ));
                None
            }
        };
        let language = match self.language.as_deref() {
            None => request_language,
            Some(lang) => lang.parse().unwrap_or_else(|_| {
                errors.push(FieldError::new("language", "must be zh, en or jp"));
                request_language
            }),
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(CreateTicket {
            product_code,
            category_id,
            content,
            email: email.unwrap_or_default(),
            title: self.title,
            phone: self.phone,
            secret_content: self.secret_content,
            notify_time_range,
            language: Some(language),
        })
    }
}
