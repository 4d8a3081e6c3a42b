//! A `2021-06-10` tenant's catalog: its ListProducts directories and ListCategories rows in the
//! REST shapes of [`super::views`], and the product ids its routes accept.
//!
//! 2021's catalogue is its own id namespace (the reference document: 2020's `ProductCode` and
//! category `Id` cannot be translated to 2021's `ProductId` and `CategoryId`), so nothing here
//! looks at a 2020 id. The REST `code` of a 2021 product is its `ProductId` in canonical decimal
//! (no sign, no leading zero): one spelling per product, so a product has one cache key and one
//! ETag, and a code outside that spelling or the documented range names no product (404 without
//! an upstream call).
//!
//! Merge rules ([`merge_directories`]): one item per `ProductId`, at its first appearance in
//! directory order; `group` is the first non-blank `DirectoryName` listing it; a blank name is
//! filled from a later appearance; rows without a usable `ProductId` are skipped (nothing could
//! address them); `description`, `kind` and `hot` are null (2021 reports none of them).

use std::collections::HashMap;

use super::views::{CategoryView, ProductView};
use workorder_api::Language;
use workorder_api::v2021::{Category, Directory};

/// The highest `ProductId` 2021 ListCategories accepts (its documented range is
/// 0 … 99 999 999 999).
pub const MAX_PRODUCT_ID: i64 = 99_999_999_999;

/// The 2021 `ProductId` a REST product code names: canonical decimal digits within
/// 0 ..= [`MAX_PRODUCT_ID`]; `None` for anything else (a 2020 code such as `ecs` included).
pub fn product_id(code: &str) -> Option<i64> {
    let canonical = code == "0" || (!code.starts_with('0') && !code.is_empty());
    if !canonical || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    code.parse::<i64>()
        .ok()
        .filter(|id| (0..=MAX_PRODUCT_ID).contains(id))
}

/// The language 2021 ListCategories is asked in: it takes `zh` and `en` only, so `jp` falls
/// back to `en` (the body's `language` says which one the names are in).
pub fn categories_language(requested: Language) -> Language {
    match requested {
        Language::Jp => Language::En,
        other => other,
    }
}

/// Merges 2021 directories into one item per product (rules in the module documentation).
pub fn merge_directories(directories: Vec<Directory>) -> Vec<ProductView> {
    let mut items: Vec<ProductView> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for directory in directories {
        let group = directory
            .directory_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        for product in directory.product_list {
            let Some(code) = product
                .product_id
                .as_deref()
                .map(str::trim)
                .filter(|id| product_id(id).is_some())
            else {
                continue;
            };
            let name = product.product_name.unwrap_or_default();
            match position.get(code).and_then(|&at| items.get_mut(at)) {
                Some(item) => {
                    if item.group.is_none() {
                        item.group = group.map(str::to_owned);
                    }
                    if item.name.trim().is_empty() {
                        item.name = name;
                    }
                }
                None => {
                    position.insert(code.to_owned(), items.len());
                    items.push(ProductView {
                        code: code.to_owned(),
                        name,
                        description: None,
                        kind: None,
                        group: group.map(str::to_owned),
                        hot: None,
                    });
                }
            }
        }
    }
    items
}

/// The categories of a 2021 ListCategories answer, in upstream order; rows without a usable
/// `CategoryId` are skipped (a ticket could not be filed in them).
pub fn categories(rows: Vec<Category>) -> Vec<CategoryView> {
    rows.into_iter()
        .filter_map(|row| {
            let id = row.category_id?.trim().parse::<i64>().ok()?;
            Some(CategoryView {
                id,
                name: row.category_name.unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn directories(value: serde_json::Value) -> Vec<Directory> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn product_codes_are_canonical_decimal_product_ids_in_the_documented_range() {
        for (code, id) in [
            ("7160", Some(7160)),
            ("0", Some(0)),
            ("99999999999", Some(MAX_PRODUCT_ID)),
            ("100000000000", None),
            ("07160", None),
            ("+7160", None),
            ("-1", None),
            ("ecs", None),
            ("", None),
            ("99999999999999999999999", None),
        ] {
            assert_eq!(product_id(code), id, "{code:?}");
        }
    }

    #[test]
    fn directories_merge_into_one_item_per_product_id_with_nulls_where_2021_is_silent() {
        let items = merge_directories(directories(json!([
            { "DirectoryId": 1, "DirectoryName": " ", "ProductList": [
                { "ProductId": 7160, "ProductName": "" },
                { "ProductName": "no id" },
                { "ProductId": "007", "ProductName": "not canonical" }
            ] },
            { "DirectoryId": 2, "DirectoryName": "云服务器", "ProductList": [
                { "ProductId": "7160", "ProductName": "云服务器 ECS" },
                { "ProductId": 7170, "ProductName": "负载均衡" }
            ] }
        ])));
        let body = serde_json::to_value(&items).unwrap();
        assert_eq!(
            body,
            json!([
                { "code": "7160", "name": "云服务器 ECS", "description": null, "kind": null,
                  "group": "云服务器", "hot": null },
                { "code": "7170", "name": "负载均衡", "description": null, "kind": null,
                  "group": "云服务器", "hot": null }
            ])
        );
    }

    #[test]
    fn category_rows_keep_their_2021_ids_and_skip_rows_without_one() {
        let rows: Vec<Category> = serde_json::from_value(json!([
            { "CategoryId": 7161, "CategoryName": "无法远程" },
            { "CategoryId": "7162", "CategoryName": "磁盘" },
            { "CategoryName": "no id" },
            { "CategoryId": "x", "CategoryName": "bad id" }
        ]))
        .unwrap();
        let ids: Vec<(i64, String)> = categories(rows)
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        assert_eq!(
            ids,
            [(7161, "无法远程".to_owned()), (7162, "磁盘".to_owned())]
        );
    }

    #[test]
    fn japanese_category_names_fall_back_to_english() {
        assert_eq!(categories_language(Language::Jp), Language::En);
        assert_eq!(categories_language(Language::Zh), Language::Zh);
    }
}
