//! The JSON bodies of `GET /products`, `GET /products/{code}` and
//! `GET /products/{code}/categories` (API.md "Products (cached)"), and how the 2020-03-26
//! upstream's four product lists are merged into one (2021-06-10's directories: [`super::v2021`]).
//!
//! One shape serves both versions; the fields a version has no source for are null, never
//! invented: a 2021 product has no `description`, `kind` or `hot` (its ListProducts reports a
//! directory, an id and a name). The ids differ by version: a 2020 `code` is a product code
//! (`ecs`) and a category `id` a 2020 category id (793); a 2021 `code` is the decimal
//! `ProductId` (`7160`) and a category `id` a 2021 `CategoryId` (7161).
//!
//! Merge rules ([`merge_products`]):
//! - One item per product code. The lists are walked in the order `HotTech`, `TechMore` (group
//!   by group, each group's `ProductList` in order), `HotConsultation`, `ConsultationMore`, and
//!   items keep the position of their **first appearance**. The upstream's own order is thus
//!   preserved (hot technical products first), and the same upstream answer always gives the
//!   same body and ETag.
//! - `kind` is `technical` for a code in `HotTech` or `TechMore`, else `consultation` (a code in
//!   both a technical and a consultation list is technical).
//! - `group` is the name of the first `TechMore` group listing the code; `null` when none does
//!   (hot-only and consultation products) or the group name is blank.
//! - `hot` is true when the code appears in `HotTech` or `HotConsultation`.
//! - `name` and `description` come from the first appearance; a blank one is filled from a later
//!   appearance.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use workorder_api::Language;
use workorder_api::actions::{Category, Product, ProductCatalog};

/// Whether a product is for technical problems or for consultation (billing, accounts, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProductKind {
    /// Listed in `HotTech` or `TechMore`.
    Technical,
    /// Listed only in `HotConsultation` or `ConsultationMore`.
    Consultation,
}

/// A product a ticket can be filed against (`GET /products/{code}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductView {
    /// Product code, as `productCode` in `POST /tickets` wants it: a 2020-03-26 product code
    /// (`ecs`) for a `2020-03-26` tenant, the decimal 2021 `ProductId` (`7160`) for a
    /// `2021-06-10` tenant. The two are different namespaces: use the code your own tenant's
    /// catalog lists.
    #[schema(example = "ecs")]
    pub code: String,
    /// Display name, in the requested language.
    #[schema(example = "云服务器 ECS")]
    pub name: String,
    /// What kind of problems the product covers. Null for a `2021-06-10` tenant (its catalogue
    /// has no descriptions).
    #[schema(
        required = true,
        example = "服务器无法远程、网站无法访问、安全等服务器咨询或技术问题"
    )]
    pub description: Option<String>,
    /// Technical or consultation. Null for a `2021-06-10` tenant (its catalogue does not say).
    #[schema(value_type = Option<ProductKind>, required = true)]
    pub kind: Option<ProductKind>,
    /// The upstream product group: the `TechMore` group name (2020-03-26) or the
    /// `DirectoryName` (2021-06-10); null where there is none.
    #[schema(example = "弹性计算")]
    pub group: Option<String>,
    /// Listed among the upstream's hot products. Null for a `2021-06-10` tenant (its
    /// catalogue has no hot lists).
    #[schema(required = true)]
    pub hot: Option<bool>,
}

/// `GET /products`: every product of the tenant's catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductsView {
    /// Language of names and descriptions: `zh`, `en` or `jp`.
    #[schema(value_type = String, example = "zh")]
    pub language: Language,
    /// One item per product code, in the upstream's order of first appearance.
    pub items: Vec<ProductView>,
}

/// A problem category of a product (`categoryId` in `POST /tickets`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryView {
    /// Category id: a 2020-03-26 category id (793) for a `2020-03-26` tenant, a 2021
    /// `CategoryId` (7161) for a `2021-06-10` tenant. A JSON integer either way (2021 ids are
    /// int64 upstream and stay below 2^53 in practice).
    #[schema(example = 793)]
    pub id: i64,
    /// Display name, in the requested language.
    #[schema(example = "ECS无法远程")]
    pub name: String,
}

/// `GET /products/{code}/categories`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoriesView {
    /// Language of the names: `zh`, `en` or `jp`.
    #[schema(value_type = String, example = "zh")]
    pub language: Language,
    /// The categories, in upstream order.
    pub items: Vec<CategoryView>,
}

impl From<Category> for CategoryView {
    fn from(category: Category) -> Self {
        Self {
            id: category.id,
            name: category.name,
        }
    }
}

/// Merges the upstream's four lists into one item per product code (rules in the module
/// documentation).
pub fn merge_products(catalog: ProductCatalog) -> Vec<ProductView> {
    let mut merged = Merger::default();
    for product in catalog.hot_tech {
        merged.add(product, ProductKind::Technical, None, true);
    }
    for group in catalog.tech_more {
        let name = Some(group.name.trim()).filter(|n| !n.is_empty());
        for product in group.products {
            merged.add(product, ProductKind::Technical, name, false);
        }
    }
    for product in catalog.hot_consultation {
        merged.add(product, ProductKind::Consultation, None, true);
    }
    for product in catalog.consultation_more {
        merged.add(product, ProductKind::Consultation, None, false);
    }
    merged.items
}

#[derive(Default)]
struct Merger {
    items: Vec<ProductView>,
    position: HashMap<String, usize>,
}

impl Merger {
    fn add(&mut self, product: Product, kind: ProductKind, group: Option<&str>, hot: bool) {
        let existing = self
            .position
            .get(&product.code)
            .and_then(|&at| self.items.get_mut(at));
        match existing {
            Some(item) => {
                item.hot = Some(item.hot == Some(true) || hot);
                if item.group.is_none() {
                    item.group = group.map(str::to_owned);
                }
                if item.name.trim().is_empty() {
                    item.name = product.name;
                }
                if item
                    .description
                    .as_deref()
                    .is_none_or(|d| d.trim().is_empty())
                {
                    item.description = Some(product.description);
                }
            }
            None => {
                self.position.insert(product.code.clone(), self.items.len());
                self.items.push(ProductView {
                    code: product.code,
                    name: product.name,
                    description: Some(product.description),
                    kind: Some(kind),
                    group: group.map(str::to_owned),
                    hot: Some(hot),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workorder_api::actions::ProductGroup;

    fn product(code: &str, name: &str, description: &str) -> Product {
        Product {
            code: code.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
        }
    }

    fn group(name: &str, products: Vec<Product>) -> ProductGroup {
        ProductGroup {
            name: name.to_owned(),
            products,
        }
    }

    fn summary(items: &[ProductView]) -> Vec<(&str, ProductKind, Option<&str>, bool)> {
        items
            .iter()
            .map(|i| {
                (
                    i.code.as_str(),
                    i.kind.unwrap(),
                    i.group.as_deref(),
                    i.hot.unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn a_product_in_hot_tech_and_tech_more_is_one_hot_item_with_the_group() {
        let items = merge_products(ProductCatalog {
            hot_tech: vec![product("ecs", "云服务器 ECS", "服务器无法远程")],
            tech_more: vec![group(
                "弹性计算",
                vec![
                    product("slb", "负载均衡", "无法配置SLB"),
                    product("ecs", "ECS (more)", "ignored"),
                ],
            )],
            ..ProductCatalog::default()
        });
        assert_eq!(
            summary(&items),
            [
                ("ecs", ProductKind::Technical, Some("弹性计算"), true),
                ("slb", ProductKind::Technical, Some("弹性计算"), false),
            ]
        );
        assert_eq!(
            items[0].name, "云服务器 ECS",
            "the first appearance names it"
        );
        assert_eq!(items[0].description.as_deref(), Some("服务器无法远程"));
    }

    #[test]
    fn items_follow_first_appearance_across_the_four_lists() {
        let items = merge_products(ProductCatalog {
            hot_tech: vec![product("ecs", "ECS", "")],
            tech_more: vec![
                group("存储与CDN", vec![product("oss", "OSS", "")]),
                group("", vec![product("misc", "Misc", "")]),
                group("弹性计算", vec![product("ecs", "ECS", "")]),
            ],
            hot_consultation: vec![product("1193", "财务类", "")],
            consultation_more: vec![product("76", "备案", ""), product("1193", "财务类", "")],
        });
        assert_eq!(
            summary(&items),
            [
                ("ecs", ProductKind::Technical, Some("弹性计算"), true),
                ("oss", ProductKind::Technical, Some("存储与CDN"), false),
                ("misc", ProductKind::Technical, None, false),
                ("1193", ProductKind::Consultation, None, true),
                ("76", ProductKind::Consultation, None, false),
            ]
        );
    }

    #[test]
    fn a_code_in_technical_and_consultation_lists_is_technical_and_hot_from_either() {
        let items = merge_products(ProductCatalog {
            tech_more: vec![group("更多", vec![product("domain", "域名", "")])],
            hot_consultation: vec![product("domain", "域名", "")],
            ..ProductCatalog::default()
        });
        assert_eq!(
            summary(&items),
            [("domain", ProductKind::Technical, Some("更多"), true)]
        );
    }

    #[test]
    fn a_blank_name_or_description_is_filled_from_a_later_appearance() {
        let items = merge_products(ProductCatalog {
            hot_tech: vec![product("ecs", "", " ")],
            tech_more: vec![group("弹性计算", vec![product("ecs", "ECS", "远程")])],
            ..ProductCatalog::default()
        });
        assert_eq!(
            (items[0].name.as_str(), items[0].description.as_deref()),
            ("ECS", Some("远程"))
        );
    }

    #[test]
    fn bodies_are_camel_case_with_null_groups_and_lowercase_kinds() {
        let body = serde_json::to_value(ProductsView {
            language: Language::Zh,
            items: merge_products(ProductCatalog {
                hot_consultation: vec![product("1193", "财务类", "订单")],
                ..ProductCatalog::default()
            }),
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({ "language": "zh", "items": [
                { "code": "1193", "name": "财务类", "description": "订单",
                  "kind": "consultation", "group": null, "hot": true }
            ] })
        );
    }
}
