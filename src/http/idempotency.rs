//! The `Idempotency-Key` request header of `POST /tickets` and `POST /tickets/{id}/notes`:
//! its syntax and the response header of a replayed answer. What a key guarantees (exactly-once
//! writes, reconciliation of lost answers) lives in [`crate::tickets`].

use actix_web::HttpRequest;

use crate::error::ApiError;

/// The request header naming an idempotent operation.
pub const HEADER: &str = "idempotency-key";
/// Response header set when an answer is replayed.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The request's key, if any; 400 when it is not 1 to 255 visible ASCII characters.
pub fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::invalid_request("Idempotency-Key: 1 to 255 visible ASCII characters")
        })?;
    Ok(Some(key.to_owned()))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn a_key_is_one_to_255_visible_ascii_characters() {
        let with = |value: &str| {
            key_of(
                &TestRequest::default()
                    .insert_header((HEADER, value))
                    .to_http_request(),
            )
        };
        assert_eq!(with("k-1").ok().flatten().as_deref(), Some("k-1"));
        assert!(with(&"x".repeat(256)).is_err());
        assert!(with("has space").is_err());
        assert_eq!(
            key_of(&TestRequest::default().to_http_request()).ok(),
            Some(None)
        );
    }
}
