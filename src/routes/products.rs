//! `/products`, `/products/{code}`, `/products/{code}/categories`: the tenant's cached catalog,
//! from the tenant's own Workorder API version (2020-03-26 product codes and category ids, or
//! 2021-06-10 product and category ids: different namespaces, see [`crate::catalog`]).
//! Answers are pre-serialized bytes with an `ETag`; `If-None-Match` gets 304;
//! `Cache-Control: private, max-age=<seconds left>`; `X-Cache: HIT | MISS | STALE`.

use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, EntityTag, Header, HeaderName, HeaderValue, IF_NONE_MATCH,
    IfNoneMatch, VARY,
};
use actix_web::{HttpRequest, HttpResponse, web};

use super::language;
use super::params::{IfNoneMatchHeader, LangQuery, ProductPath};
use super::responses::{AuthFailures, UpstreamFailures};
use super::support::upstream_id_header;
use crate::catalog::CachedDocument;
use crate::error::{ApiError, ErrorCode};
use crate::http::{AppState, Principal};
use crate::validation::is_product_code;

/// Response header telling whether the catalog came from the cache.
pub const X_CACHE: &str = "x-cache";

// Header names and values built at compile time: a hit builds no header from text (issue 12).
const X_CACHE_NAME: HeaderName = HeaderName::from_static(X_CACHE);
const ACCEPT_LANGUAGE_VARY: HeaderValue = HeaderValue::from_static("Accept-Language");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The product catalog.
///
/// From the tenant's Workorder API version: a `2020-03-26` tenant's codes are product codes
/// (`ecs`); a `2021-06-10` tenant's are 2021 product ids in decimal (`7160`), grouped by
/// directory, with `description`, `kind` and `hot` null.
///
/// Any authenticated user of a configured tenant may read the catalog.
#[utoipa::path(
    get, path = "/products", tag = "catalog",
    params(LangQuery, IfNoneMatchHeader),
    responses(
        (status = 200, description = "Products, one item per product code", body = crate::catalog::ProductsView,
         links(
            ("GetProduct" = (operation_id = "get_product", parameters(("code" = "$response.body#/items/0/code")), description = "The first product")),
            ("ListCategories" = (operation_id = "list_categories", parameters(("code" = "$response.body#/items/0/code")), description = "The first product's categories")),
         ),
         examples(
            ("2020-03-26" = (summary = "A 2020-03-26 tenant", value = json!({"language": "en", "items": [{"code": "ecs", "name": "Elastic Compute Service", "description": "Remote login, website access and other server issues", "kind": "technical", "group": "Elastic Computing", "hot": true}]}))),
            ("2021-06-10" = (summary = "A 2021-06-10 tenant: 2021 product ids", value = json!({"language": "zh", "items": [{"code": "7160", "name": "云服务器 ECS", "description": null, "kind": null, "group": "云服务器", "hot": null}]}))),
         )),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Bad lang", body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn list_products(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    let language = language::resolve(&req, principal.tenant.language)?;
    let document = state
        .catalog
        .products(
            &principal.tenant.target,
            principal.tenant.api_version,
            language,
        )
        .await?;
    Ok(cached_response(&req, &document))
}

/// One product.
///
/// `code` is a product code for a `2020-03-26` tenant and a 2021 product id (canonical
/// decimal, 0 to 99 999 999 999) for a `2021-06-10` tenant; anything else is 404
/// `product_not_found` without an upstream call.
///
/// Any authenticated user of a configured tenant may read the catalog.
#[utoipa::path(
    get, path = "/products/{code}", tag = "catalog",
    params(ProductPath, LangQuery, IfNoneMatchHeader),
    responses(
        (status = 200, description = "The product", body = crate::catalog::ProductView,
         links(("ListCategories" = (operation_id = "list_categories", parameters(("code" = "$response.body#/code")), description = "Its categories"))),
         examples(
            ("2020-03-26" = (summary = "A 2020-03-26 tenant", value = json!({"code": "ecs", "name": "Elastic Compute Service", "description": "Remote login, website access and other server issues", "kind": "technical", "group": "Elastic Computing", "hot": true}))),
            ("2021-06-10" = (summary = "A 2021-06-10 tenant", value = json!({"code": "7160", "name": "云服务器 ECS", "description": null, "kind": null, "group": "云服务器", "hot": null}))),
         )),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Bad lang", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = ErrorCode::ProductNotFound.as_str(), body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn get_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !is_product_code(&code) {
        return Err(ApiError::product_not_found(&code));
    }
    let language = language::resolve(&req, principal.tenant.language)?;
    let document = state
        .catalog
        .product(
            &principal.tenant.target,
            principal.tenant.api_version,
            language,
            &code,
        )
        .await?
        .ok_or_else(|| ApiError::product_not_found(&code))?;
    Ok(cached_response(&req, &document))
}

/// A product's problem categories (their ids are what `POST /tickets` takes).
///
/// 2020-03-26 category ids for a `2020-03-26` tenant, 2021 category ids for a `2021-06-10`
/// tenant (whose `jp` names fall back to `en`: 2021 lists categories in `zh` and `en` only;
/// the body's `language` says which).
///
/// Any authenticated user of a configured tenant may read the catalog.
#[utoipa::path(
    get, path = "/products/{code}/categories", tag = "catalog",
    params(ProductPath, LangQuery, IfNoneMatchHeader),
    responses(
        (status = 200, description = "Categories", body = crate::catalog::CategoriesView,
         links(("CreateTicket" = (
            operation_id = "create_ticket",
            request_body = json!({"productCode": "$request.path.code", "categoryId": "$response.body#/items/0/id"}),
            description = "File a ticket in the first category (the body's other fields are the caller's)",
         ))),
         examples(
            ("2020-03-26" = (summary = "A 2020-03-26 tenant", value = json!({"language": "zh", "items": [{"id": 793, "name": "ECS无法远程"}]}))),
            ("2021-06-10" = (summary = "A 2021-06-10 tenant: 2021 category ids", value = json!({"language": "zh", "items": [{"id": 7161, "name": "ECS无法远程"}]}))),
         )),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Bad lang", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = ErrorCode::ProductNotFound.as_str(), body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn list_categories(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !is_product_code(&code) {
        return Err(ApiError::product_not_found(&code));
    }
    let language = language::resolve(&req, principal.tenant.language)?;
    let document = state
        .catalog
        .categories(
            &principal.tenant.target,
            principal.tenant.api_version,
            language,
            &code,
        )
        .await?
        .ok_or_else(|| ApiError::product_not_found(&code))?;
    Ok(cached_response(&req, &document))
}

/// Whether the request's `If-None-Match` is `*` or lists `ours`, compared weakly.
fn names_current_copy(req: &HttpRequest, ours: Option<&EntityTag>) -> bool {
    match (IfNoneMatch::parse(req), ours) {
        (Ok(IfNoneMatch::Any), _) => true,
        (Ok(IfNoneMatch::Items(tags)), Some(ours)) => tags.iter().any(|tag| tag.weak_eq(ours)),
        _ => false,
    }
}

/// 200 with the cached bytes, or 304 when the caller's copy is current: `If-None-Match` is `*`
/// or lists our tag, compared weakly (RFC 9110 §13.1.2, so `W/"x"` matches `"x"`). Entries that
/// are not entity tags are skipped; a header that is not text matches nothing.
fn cached_response(req: &HttpRequest, document: &CachedDocument) -> HttpResponse {
    // Parsed only when the caller sent the header: most requests carry none.
    let not_modified = req.headers().contains_key(IF_NONE_MATCH) && {
        let ours = document
            .etag
            .to_str()
            .ok()
            .and_then(|tag| tag.parse::<EntityTag>().ok());
        names_current_copy(req, ours.as_ref())
    };
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    let max_age = format!("private, max-age={}", document.max_age.as_secs());
    response
        .insert_header((ETAG, document.etag.clone()))
        .insert_header((CACHE_CONTROL, max_age))
        .insert_header((X_CACHE_NAME, document.status.header_value()))
        // The body depends on Accept-Language when `?lang=` is absent: shared caches must key on it.
        .insert_header((VARY, ACCEPT_LANGUAGE_VARY));
    upstream_id_header(&mut response, document.upstream_request_id.as_deref());
    if not_modified {
        response.finish()
    } else {
        response
            .insert_header((CONTENT_TYPE, JSON))
            .body(document.body.clone())
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::IF_NONE_MATCH;
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn if_none_match_is_compared_weakly_across_lists() {
        let ours: EntityTag = "\"abc123\"".parse().unwrap_or_else(|_| unreachable!());
        let cases: [(&str, bool); 14] = [
            ("\"abc123\"", true),
            ("W/\"abc123\"", true),
            ("*", true),
            ("\"other\", \"abc123\"", true),
            ("\"other\",W/\"abc123\"", true),
            ("\"a,b\", \"abc123\"", true),
            // An unquoted tag is not an entity tag (RFC 9110 §8.8.3): it names nothing.
            ("abc123", false),
            ("\"other\"", false),
            ("\"abc12\"", false),
            ("\"abc1234\"", false),
            ("", false),
            ("\"a,b\"", false),
            ("W/", false),
            ("W/\"abc123", false),
        ];
        for (header, expected) in cases {
            let req = TestRequest::default()
                .insert_header((IF_NONE_MATCH, header))
                .to_http_request();
            assert_eq!(
                names_current_copy(&req, Some(&ours)),
                expected,
                "{header:?}"
            );
        }
    }

    #[test]
    fn a_request_without_if_none_match_has_no_current_copy() {
        let ours: EntityTag = "\"x\"".parse().unwrap_or_else(|_| unreachable!());
        let req = TestRequest::default().to_http_request();
        assert!(!names_current_copy(&req, Some(&ours)));
    }
}
