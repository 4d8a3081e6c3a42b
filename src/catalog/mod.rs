//! Cached product and category catalogs, per tenant and language (API.md "Products
//! (cached)").
//!
//! - Products lists are cached per (tenant, language), category lists per (tenant, product,
//!   language); each for [`CatalogSettings::ttl`].
//! - Concurrent requests for a key that is cold or past its TTL make one upstream call
//!   (moka's `try_get_with`); the others wait for its result.
//! - Errors are never cached. When a refresh fails, the last good value is served as
//!   [`CacheStatus::Stale`] until `ttl + stale` after it was fetched; after that the error is
//!   returned.
//! - Every key carries the tenant id: a tenant is never served another tenant's entries.
//! - Bodies are serialized and hashed into an ETag once per fetch ([`views`] for the shapes and
//!   the product merge rules); a hit is a cache lookup and reference-count bumps.
//! - Categories are only fetched for products in the tenant's (cached) product list, so unknown
//!   codes neither reach the upstream nor fill the cache.

mod document;
mod key;
mod tier;
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
use crate::telemetry::Metrics;
use crate::upstream::{Target, UpstreamClient, UpstreamError};
use workorder_api::Language;
use workorder_api::actions::{ListCategories, ListProducts};

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
    /// The product code is not in the tenant's catalog.
    UnknownProduct,
    /// The product exists but has no category with this id.
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

    /// The `GET /products` body ([`ProductsView`]) for `target`'s tenant in `lang`.
    pub async fn products(
        &self,
        target: &Target,
        lang: Language,
    ) -> Result<CachedDocument, UpstreamError> {
        let served = self.products_served(target, lang).await?;
        Ok(cached(&served.stored.value.list, &served))
    }

    /// The `GET /products/{code}` body (one [`ProductView`]); `None` when the tenant's catalog
    /// has no such product (`product_not_found`).
    pub async fn product(
        &self,
        target: &Target,
        lang: Language,
        code: &str,
    ) -> Result<Option<CachedDocument>, UpstreamError> {
        let served = self.products_served(target, lang).await?;
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
        lang: Language,
        product_code: &str,
    ) -> Result<Option<CachedDocument>, UpstreamError> {
        let (Some(served), products_request_id) =
            self.categories_served(target, lang, product_code).await?
        else {
            return Ok(None);
        };
        let mut document = cached(&served.stored.value.list, &served);
        // A hit on the categories may still have involved a products fetch.
        document.upstream_request_id = document.upstream_request_id.or(products_request_id);
        Ok(Some(document))
    }

    /// Whether `product_code` is in the tenant's catalog and `category_id` is one of its
    /// categories; for `POST /tickets`, before any upstream write.
    pub async fn check_category(
        &self,
        target: &Target,
        lang: Language,
        product_code: &str,
        category_id: i64,
    ) -> Result<CategoryVerdict, UpstreamError> {
        let (served, products_request_id) =
            self.categories_served(target, lang, product_code).await?;
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
        lang: Language,
    ) -> Result<Served<ProductsEntry>, UpstreamError> {
        let key = KeyRef {
            tenant: &target.tenant,
            language: lang,
            product: "",
        };
        let client = &self.inner.client;
        self.inner
            .products
            .get(key, || async move {
                let answer = client
                    .call(
                        target,
                        &ListProducts {
                            language: Some(lang),
                        },
                    )
                    .await?;
                Ok((ProductsEntry::new(lang, answer.data), answer.request_id))
            })
            .await
    }

    /// The served categories and the products lookup's request id, or `None` for a product
    /// outside the tenant's catalog.
    async fn categories_served(
        &self,
        target: &Target,
        lang: Language,
        product_code: &str,
    ) -> Result<(Option<Served<CategoriesEntry>>, Option<Arc<str>>), UpstreamError> {
        let products = self.products_served(target, lang).await?;
        if !products.stored.value.by_code.contains_key(product_code) {
            return Ok((None, products.request_id));
        }
        let key = KeyRef {
            tenant: &target.tenant,
            language: lang,
            product: product_code,
        };
        let client = &self.inner.client;
        let served = self
            .inner
            .categories
            .get(key, || async move {
                let answer = client
                    .call(
                        target,
                        &ListCategories {
                            product_code: product_code.to_owned(),
                            language: Some(lang),
                        },
                    )
                    .await?;
                Ok((CategoriesEntry::new(lang, answer.data), answer.request_id))
            })
            .await?;
        Ok((Some(served), products.request_id))
    }
}

impl ProductsEntry {
    fn new(language: Language, catalog: workorder_api::actions::ProductCatalog) -> Self {
        let items = views::merge_products(catalog);
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
    fn new(language: Language, list: workorder_api::actions::CategoryList) -> Self {
        let items: Vec<CategoryView> = list.list.into_iter().map(CategoryView::from).collect();
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
