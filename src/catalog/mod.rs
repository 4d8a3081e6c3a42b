//! Cached product and category catalogs, per tenant, API version and language (API.md
//! "Products (cached)").
//!
//! - A tenant's catalog comes from its own Workorder API version: 2020-03-26's ListProducts and
//!   ListCategories(ProductCode), or 2021-06-10's ListProducts and ListCategories(ProductId)
//!   ([`v2021`]). The two are different id namespaces that cannot be translated, so a
//!   2021 tenant's product codes, category ids and create-time checks are 2021's throughout.
//! - Products lists are cached per (tenant, version, language), category lists per (tenant,
//!   version, product, language); each for [`CatalogSettings::ttl`].
//! - Concurrent requests for a key that is cold or past its TTL make one upstream call
//!   (moka's `try_get_with`); the others wait for its result.
//! - Errors are never cached. When a refresh fails, the last good value is served as
//!   [`CacheStatus::Stale`] until `ttl + stale` after it was fetched; after that the error is
//!   returned.
//! - Every key carries the tenant id: a tenant is never served another tenant's entries.
//! - Bodies are serialized and hashed into an ETag once per fetch ([`views`] for the shapes and
//!   the product merge rules); a hit is a cache lookup and reference-count bumps.
//! - Categories are only fetched for products in the tenant's (cached) product list, so unknown
//!   codes neither reach the upstream nor fill the cache; for a 2021 tenant a code that is no
//!   `ProductId` at all (`ecs`, `007`, out of range) does not even fetch the product list.

mod document;
mod key;
mod tier;
pub mod v2021;
pub mod views;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub use document::{CacheStatus, CachedDocument};
pub use views::{CategoriesView, CategoryView, ProductKind, ProductView, ProductsView};

/// Cache lifetimes and size: the `[catalog]` section itself.
pub use crate::settings::CatalogSettings;

use document::Document;
use key::KeyRef;
use tier::{Served, Tier};

use crate::clock::Clock;
use crate::settings::ApiVersion;
use crate::telemetry::Metrics;
use crate::upstream::{Target, UpstreamClient, UpstreamError};
use workorder_api::Language;
use workorder_api::actions::{ListCategories, ListProducts};
use workorder_api::v2021::{
    ListCategories as ListCategories2021, ListProducts as ListProducts2021,
};

/// The answer of [`Catalog::check_category`]: the verdict, and the upstream request it took
/// (when the catalog had to be fetched), for `X-Upstream-Request-Id` on a 422.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryVerdict {
    /// Whether the product and category fit.
    pub check: CategoryCheck,
    /// The `RequestId` of the fetch this check caused, if any.
    pub upstream_request_id: Option<Arc<str>>,
}

/// Whether a product and category fit the tenant's catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryCheck {
    /// The product is in the tenant's catalog and the category belongs to it.
    Valid,
    /// The product code is not in the tenant's catalog (for a 2021 tenant: also any code that
    /// is not a 2021 `ProductId`, such as a 2020 code).
    UnknownProduct,
    /// The product exists but has no category with this id (for a 2021 tenant: also a 2020
    /// category id, which is no 2021 `CategoryId`).
    CategoryNotInProduct,
}

/// The catalog service: one per process, shared by all tenants. Cheap to clone.
#[derive(Clone)]
pub struct Catalog {
    inner: Arc<Inner>,
}

struct Inner {
    client: UpstreamClient,
    products: Tier<ProductsEntry>,
    categories: Tier<CategoriesEntry>,
}

/// One fetched products list: the list body and each item's body.
struct ProductsEntry {
    list: Document,
    by_code: HashMap<String, Document>,
}

/// One fetched category list: its body and the ids it contains.
struct CategoriesEntry {
    list: Document,
    ids: HashSet<i64>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").finish_non_exhaustive()
    }
}

impl Catalog {
    /// A catalog calling the upstream through `client`, its TTLs measured on `clock`, its
    /// lookups counted in `metrics`.
    pub fn new(
        client: UpstreamClient,
        settings: CatalogSettings,
        clock: Clock,
        metrics: &Metrics,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                products: Tier::new("products", settings, clock.clone(), metrics.clone()),
                categories: Tier::new("categories", settings, clock, metrics.clone()),
            }),
        }
    }

    /// The `GET /products` body ([`ProductsView`]) for `target`'s tenant, which speaks
    /// `version`, in `lang`.
    pub async fn products(
        &self,
        target: &Target,
        version: ApiVersion,
        lang: Language,
    ) -> Result<CachedDocument, UpstreamError> {
        let served = self.products_served(target, version, lang).await?;
        Ok(cached(&served.stored.value.list, &served))
    }

    /// The `GET /products/{code}` body (one [`ProductView`]); `None` when the tenant's catalog
    /// has no such product (`product_not_found`).
    pub async fn product(
        &self,
        target: &Target,
        version: ApiVersion,
        lang: Language,
        code: &str,
    ) -> Result<Option<CachedDocument>, UpstreamError> {
        if !names_a_product(version, code) {
            return Ok(None);
        }
        let served = self.products_served(target, version, lang).await?;
        Ok(served
            .stored
            .value
            .by_code
            .get(code)
            .map(|item| cached(item, &served)))
    }

    /// The `GET /products/{code}/categories` body ([`CategoriesView`]); `None` when the product
    /// is not in the tenant's catalog (checked against the products cache first, so unknown
    /// codes cause no `ListCategories` call).
    pub async fn categories(
        &self,
        target: &Target,
        version: ApiVersion,
        lang: Language,
        product_code: &str,
    ) -> Result<Option<CachedDocument>, UpstreamError> {
        let (Some(served), products_request_id) = self
            .categories_served(target, version, lang, product_code)
            .await?
        else {
            return Ok(None);
        };
        let mut document = cached(&served.stored.value.list, &served);
        // A hit on the categories may still have involved a products fetch.
        document.upstream_request_id = document.upstream_request_id.or(products_request_id);
        Ok(Some(document))
    }

    /// Whether `product_code` is in the tenant's catalog (of its `version`) and `category_id`
    /// is one of its categories; for `POST /tickets`, before any upstream write.
    pub async fn check_category(
        &self,
        target: &Target,
        version: ApiVersion,
        lang: Language,
        product_code: &str,
        category_id: i64,
    ) -> Result<CategoryVerdict, UpstreamError> {
        let (served, products_request_id) = self
            .categories_served(target, version, lang, product_code)
            .await?;
        let check = match &served {
            None => CategoryCheck::UnknownProduct,
            Some(served) if served.stored.value.ids.contains(&category_id) => CategoryCheck::Valid,
            Some(_) => CategoryCheck::CategoryNotInProduct,
        };
        Ok(CategoryVerdict {
            check,
            upstream_request_id: served
                .and_then(|served| served.request_id.clone())
                .or(products_request_id),
        })
    }

    /// Drops every cached entry of `tenant` (after a configuration reload changed it). A fetch
    /// already in flight for the tenant still stores its result.
    pub fn invalidate_tenant(&self, tenant: &str) {
        self.inner.products.invalidate_tenant(tenant);
        self.inner.categories.invalidate_tenant(tenant);
    }

    async fn products_served(
        &self,
        target: &Target,
        version: ApiVersion,
        lang: Language,
    ) -> Result<Served<ProductsEntry>, UpstreamError> {
        let key = KeyRef {
            tenant: &target.tenant,
            version,
            language: lang,
            product: "",
        };
        let client = &self.inner.client;
        self.inner
            .products
            .get(key, || async move {
                match version {
                    ApiVersion::V2020 => {
                        let answer = client
                            .call(
                                target,
                                &ListProducts {
                                    language: Some(lang),
                                },
                            )
                            .await?;
                        let items = views::merge_products(answer.data);
                        Ok((ProductsEntry::new(lang, items), answer.request_id))
                    }
                    ApiVersion::V2021 => {
                        let answer = client
                            .call(
                                target,
                                &ListProducts2021 {
                                    name: None,
                                    language: Some(lang),
                                },
                            )
                            .await?;
                        let items = v2021::merge_directories(answer.data);
                        Ok((ProductsEntry::new(lang, items), answer.request_id))
                    }
                }
            })
            .await
    }

    /// The served categories and the products lookup's request id, or `None` for a product
    /// outside the tenant's catalog.
    async fn categories_served(
        &self,
        target: &Target,
        version: ApiVersion,
        lang: Language,
        product_code: &str,
    ) -> Result<(Option<Served<CategoriesEntry>>, Option<Arc<str>>), UpstreamError> {
        // A 2021 tenant's categories are asked by `ProductId`; a code that is none is no product.
        let product_2021 = match version {
            ApiVersion::V2020 => None,
            ApiVersion::V2021 => match v2021::product_id(product_code) {
                Some(id) => Some(id),
                None => return Ok((None, None)),
            },
        };
        let products = self.products_served(target, version, lang).await?;
        if !products.stored.value.by_code.contains_key(product_code) {
            return Ok((None, products.request_id));
        }
        // 2021 ListCategories takes fewer languages: the key names the one asked for.
        let lang = match product_2021 {
            None => lang,
            Some(_) => v2021::categories_language(lang),
        };
        let key = KeyRef {
            tenant: &target.tenant,
            version,
            language: lang,
            product: product_code,
        };
        let client = &self.inner.client;
        let served = self
            .inner
            .categories
            .get(key, || async move {
                let (items, request_id) = match product_2021 {
                    Some(product_id) => {
                        let answer = client
                            .call(
                                target,
                                &ListCategories2021 {
                                    product_id,
                                    name: None,
                                    language: Some(lang),
                                },
                            )
                            .await?;
                        (v2021::categories(answer.data), answer.request_id)
                    }
                    None => {
                        let answer = client
                            .call(
                                target,
                                &ListCategories {
                                    product_code: product_code.to_owned(),
                                    language: Some(lang),
                                },
                            )
                            .await?;
                        let items = answer.data.list.into_iter().map(CategoryView::from);
                        (items.collect(), answer.request_id)
                    }
                };
                Ok((CategoriesEntry::new(lang, items), request_id))
            })
            .await?;
        Ok((Some(served), products.request_id))
    }
}

/// Whether `code` can name a product of a `version` catalog at all: any code (already
/// pattern-checked by the route) for 2020, a canonical in-range `ProductId` for 2021.
fn names_a_product(version: ApiVersion, code: &str) -> bool {
    match version {
        ApiVersion::V2020 => true,
        ApiVersion::V2021 => v2021::product_id(code).is_some(),
    }
}

impl ProductsEntry {
    fn new(language: Language, items: Vec<ProductView>) -> Self {
        let by_code = items
            .iter()
            .map(|item| (item.code.clone(), Document::json(item)))
            .collect();
        Self {
            list: Document::json(&ProductsView { language, items }),
            by_code,
        }
    }
}

impl CategoriesEntry {
    fn new(language: Language, items: Vec<CategoryView>) -> Self {
        Self {
            ids: items.iter().map(|c| c.id).collect(),
            list: Document::json(&CategoriesView { language, items }),
        }
    }
}

/// A stored document as served to one request.
fn cached<V>(document: &Document, served: &Served<V>) -> CachedDocument {
    CachedDocument {
        body: document.body.clone(),
        etag: document.etag.clone(),
        max_age: served.max_age,
        status: served.status,
        upstream_request_id: served.request_id.clone(),
    }
}
