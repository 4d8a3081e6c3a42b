//! The principal extractor: the authenticated caller, from `Authorization: Bearer <JWT>`. This
//! is the only code that reads that header; handlers receive a [`Principal`]
//! `{ tenant, user, permissions }` and never read identity themselves.
//!
//! Order of checks: the client address's failed-authentication budget (429 before any token
//! work) → token (401, spending that budget) → tenant configured and enabled (403
//! `tenant_not_configured`) → per-user, then per-tenant rate limit (429; one state store round
//! trip each). Permissions
//! are checked by the handler via [`Principal::require`] (403 `forbidden`).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};

use super::state::AppState;
use crate::error::ApiError;
pub use crate::tenants::Principal;

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let address = state
            .as_ref()
            .and_then(|s| crate::http::failed_auth::client_address(req, &s.trusted_proxies));
        // A reference-count bump of the header's bytes: the token is never copied.
        let header = req.headers().get(AUTHORIZATION).cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(&"application state missing"))?;
            if let Some(wait) = address.and_then(|a| state.failed_auth.blocked(a)) {
                tracing::info!("authentication refused: too many failures from this address");
                return Err(ApiError::rate_limited(wait));
            }
            let failed = || {
                if let Some(address) = address {
                    state.failed_auth.record_failure(address);
                }
                ApiError::unauthenticated()
            };
            let header = match header.as_ref().map(|value| value.to_str()) {
                None => None,
                Some(Ok(value)) => Some(value),
                Some(Err(_)) => {
                    tracing::info!(reason = "malformed", "authentication failed");
                    return Err(failed());
                }
            };
            let live = state.live();
            let claims = live
                .authenticator
                .authenticate(header)
                .await
                .map_err(|err| {
                    tracing::info!(reason = err.reason(), "authentication failed");
                    // No token at all guesses nothing (a page before sign-in): not counted.
                    if matches!(err, crate::auth::AuthError::Missing) {
                        ApiError::unauthenticated()
                    } else {
                        failed()
                    }
                })?;
            let span = tracing::Span::current();
            span.record("tenant", claims.tenant.as_str());
            span.record("user", claims.subject.as_str());
            let tenant = live.tenants.get(&claims.tenant).ok_or_else(|| {
                tracing::info!(tenant = %claims.tenant, "token for an unknown or disabled tenant");
                ApiError::tenant_not_configured()
            })?;
            state
                .limits
                .check(&tenant.id, &claims.subject)
                .await
                .map_err(ApiError::rate_limited)?;
            Ok(Self {
                tenant,
                user: claims.subject,
                permissions: claims.permissions,
                expires_at: claims.expires_at,
            })
        })
    }
}
