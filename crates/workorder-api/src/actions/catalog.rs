//! ListProducts and ListCategories: the product catalog a ticket is filed against.

use serde::Deserialize;
use serde_json::Value;

use super::{Action, Language, push_opt};
use crate::decode::{decode_data, null_as_default, string_or_number};

/// `ListProducts`: every product a ticket can be filed for, in hot and "more" lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListProducts {
    /// Language of names and descriptions.
    pub language: Option<Language>,
}

/// A product as listed upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// `ProductCode`, or `Id` where (as in the document's examples) only that is given.
    pub code: String,
    /// Display name.
    pub name: String,
    /// What kind of problems it covers.
    pub description: String,
}

/// A `TechMore` group and its products.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductGroup {
    /// `GroupName`, e.g. 弹性计算.
    pub name: String,
    /// The group's products.
    pub products: Vec<Product>,
}

/// The decoded `ListProducts` data, lists in upstream order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductCatalog {
    /// `HotTech`.
    pub hot_tech: Vec<Product>,
    /// `TechMore`, grouped.
    pub tech_more: Vec<ProductGroup>,
    /// `HotConsultation`.
    pub hot_consultation: Vec<Product>,
    /// `ConsultationMore`.
    pub consultation_more: Vec<Product>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCatalog {
    #[serde(default, deserialize_with = "null_as_default")]
    hot_tech: Vec<RawProduct>,
    #[serde(default, deserialize_with = "null_as_default")]
    tech_more: Vec<RawGroup>,
    #[serde(default, deserialize_with = "null_as_default")]
    hot_consultation: Vec<RawProduct>,
    #[serde(default, deserialize_with = "null_as_default")]
    consultation_more: Vec<RawProduct>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawGroup {
    #[serde(default, deserialize_with = "null_as_default")]
    group_name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    product_list: Vec<RawProduct>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawProduct {
    #[serde(default, deserialize_with = "string_or_number")]
    product_code: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    description: String,
}

fn products(raw: Vec<RawProduct>) -> Result<Vec<Product>, String> {
    raw.into_iter()
        .map(|p| {
            let code = p
                .product_code
                .or(p.id)
                .filter(|c| !c.is_empty())
                .ok_or_else(|| format!("product {:?} has neither ProductCode nor Id", p.name))?;
            Ok(Product {
                code,
                name: p.name,
                description: p.description,
            })
        })
        .collect()
}

impl Action for ListProducts {
    const NAME: &'static str = "ListProducts";
    const IDEMPOTENT: bool = true;
    type Output = ProductCatalog;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        push_opt(&mut params, "Language", self.language);
        params
    }

    fn decode(data: Option<Value>) -> Result<ProductCatalog, String> {
        let raw: RawCatalog = decode_data(data)?;
        Ok(ProductCatalog {
            hot_tech: products(raw.hot_tech)?,
            tech_more: raw
                .tech_more
                .into_iter()
                .map(|g| {
                    Ok(ProductGroup {
                        name: g.group_name,
                        products: products(g.product_list)?,
                    })
                })
                .collect::<Result<_, String>>()?,
            hot_consultation: products(raw.hot_consultation)?,
            consultation_more: products(raw.consultation_more)?,
        })
    }
}

/// `ListCategories`: the problem categories of one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCategories {
    /// The product's code.
    pub product_code: String,
    /// Language of the names.
    pub language: Option<Language>,
}

/// A category (`Id` is what CreateTicket's `Category` takes).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Category {
    /// Category id.
    pub id: i64,
    /// Display name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
}

/// The decoded `ListCategories` data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CategoryList {
    /// `List`, in upstream order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub list: Vec<Category>,
}

impl Action for ListCategories {
    const NAME: &'static str = "ListCategories";
    const IDEMPOTENT: bool = true;
    type Output = CategoryList;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("ProductCode", self.product_code.clone())];
        push_opt(&mut params, "Language", self.language);
        params
    }

    fn decode(data: Option<Value>) -> Result<CategoryList, String> {
        decode_data(data)
    }
}
