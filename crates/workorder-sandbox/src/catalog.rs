//! The catalog the sandbox serves, built once from [`super::catalog_data`] at start-up: the
//! `Data` of ListProducts and of each ListCategories answer is rendered to JSON per language in
//! advance, so answering is a lookup and a splice (no per-request serialisation).
//!
//! 2021-06-10 lists the same products by directory, but in its own id namespace, as the real
//! service does: every product and category has a 2021 id besides its 2020 one
//! ([`super::catalog_data`] derives them). The store keeps a ticket's 2020 category id; the
//! 2021 actions translate at their edge (GetTicket reports the 2021 `CategoryId`, CreateTicket
//! takes only a 2021 one), so a ticket filed through either version shows its category in the
//! id of the version that reads it, and an id of the other version is refused.
//!
//! Products carry both `ProductCode` (the SDK's field) and `Id` (the reference document's
//! examples), so clients written against either shape work.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::catalog_data::{PRODUCTS, Placement, ProductSeed, TECH_GROUPS};
use workorder_api::Language;

/// Index of a language in the seed arrays.
fn index(language: Language) -> usize {
    match language {
        Language::Zh => 0,
        Language::En => 1,
        Language::Jp => 2,
    }
}

/// Pre-rendered catalog answers and the lookups CreateTicket needs.
#[derive(Debug)]
pub(crate) struct SimulatedCatalog {
    products: [String; 3],
    categories: HashMap<&'static str, [String; 3]>,
    /// 2020 category id → its product code.
    category_product: HashMap<i64, &'static str>,
    /// 2021 `CategoryId` → the category's 2020 id.
    category_from_2021: HashMap<i64, i64>,
    /// 2020 category id → its 2021 `CategoryId`.
    category_to_2021: HashMap<i64, i64>,
}

impl SimulatedCatalog {
    /// Builds every answer from the seed.
    pub fn seeded() -> Self {
        let languages = [Language::Zh, Language::En, Language::Jp];
        let products = languages.map(|l| render_products(index(l)).to_string());
        let categories = PRODUCTS
            .iter()
            .map(|p| {
                (
                    p.code,
                    languages.map(|l| render_categories(p, index(l)).to_string()),
                )
            })
            .collect();
        let category_product = PRODUCTS
            .iter()
            .flat_map(|p| p.categories.iter().map(move |c| (c.id, p.code)))
            .collect();
        let pairs = || {
            PRODUCTS
                .iter()
                .flat_map(|p| p.categories.iter().map(|c| (c.id, c.id_2021())))
        };
        Self {
            products,
            categories,
            category_product,
            category_from_2021: pairs().map(|(old, new)| (new, old)).collect(),
            category_to_2021: pairs().collect(),
        }
    }

    /// `Data` of ListProducts, as JSON.
    pub fn products_json(&self, language: Language) -> &str {
        &self.products[index(language)]
    }

    /// `Data` of ListCategories for `product`, as JSON; `None` for an unknown product.
    pub fn categories_json(&self, product: &str, language: Language) -> Option<&str> {
        self.categories
            .get(product)
            .map(|by_language| by_language[index(language)].as_str())
    }

    /// Whether `product` is a known product code.
    pub fn has_product(&self, product: &str) -> bool {
        self.categories.contains_key(product)
    }

    /// Whether category `id` belongs to `product`.
    pub fn category_belongs_to(&self, id: i64, product: &str) -> bool {
        self.category_product.get(&id) == Some(&product)
    }

    /// The 2020 category id and product code of a 2021 `CategoryId` (2021 CreateTicket names
    /// only the category); `None` for any other number, a 2020 category id included.
    pub fn category_from_2021(&self, id_2021: i64) -> Option<(i64, &'static str)> {
        let id = *self.category_from_2021.get(&id_2021)?;
        Some((id, self.category_product.get(&id)?))
    }

    /// The 2021 `CategoryId` of a 2020 category id (2021 GetTicket of any stored ticket).
    pub fn category_to_2021(&self, id: i64) -> Option<i64> {
        self.category_to_2021.get(&id).copied()
    }

    /// `Data` of 2021 ListProducts: directories of `{ProductId, ProductName}` (2021 ids),
    /// products whose
    /// name holds `name` (any case) when given; directories left empty are left out.
    pub fn products_2021(&self, language: Language, name: Option<&str>) -> Value {
        let lang = index(language);
        let needle = name.map(|n| n.trim().to_lowercase());
        let matches = |p: &ProductSeed| {
            needle
                .as_ref()
                .is_none_or(|n| p.name[lang].to_lowercase().contains(n.as_str()))
        };
        let directories = directories_2021()
            .into_iter()
            .filter_map(|(id, names, placements)| {
                let products: Vec<Value> = PRODUCTS
                    .iter()
                    .filter(|p| placements.contains(&p.placement) && matches(p))
                    .map(|p| json!({ "ProductId": p.id_2021(), "ProductName": p.name[lang] }))
                    .collect();
                (!products.is_empty()).then(|| {
                json!({ "DirectoryId": id, "DirectoryName": names[lang], "ProductList": products })
            })
            });
        Value::Array(directories.collect())
    }

    /// `Data` of 2021 ListCategories for a 2021 `ProductId`, with 2021 `CategoryId`s; `None`
    /// for an unknown product (a 2020 product `Id` included).
    pub fn categories_2021(
        &self,
        product_id: i64,
        language: Language,
        name: Option<&str>,
    ) -> Option<Value> {
        let lang = index(language);
        let product = PRODUCTS.iter().find(|p| p.id_2021() == product_id)?;
        let needle = name.map(|n| n.trim().to_lowercase());
        let list = product
            .categories
            .iter()
            .filter(|c| {
                needle
                    .as_ref()
                    .is_none_or(|n| c.name[lang].to_lowercase().contains(n.as_str()))
            })
            .map(|c| json!({ "CategoryId": c.id_2021(), "CategoryName": c.name[lang] }))
            .collect();
        Some(Value::Array(list))
    }
}

/// The 2021 directories: `(DirectoryId, names, the 2020 placements it gathers)`. 2021 lists
/// products by directory where 2020 had hot lists and groups; the sandbox derives one from the
/// other so both versions show the same products (each under its own version's id).
fn directories_2021() -> Vec<(usize, [&'static str; 3], Vec<Placement>)> {
    let mut directories = vec![(
        1,
        ["热门产品", "Popular products", "人気製品"],
        vec![Placement::HotTech],
    )];
    directories.extend(
        TECH_GROUPS
            .iter()
            .enumerate()
            .map(|(group, names)| (10 + group, *names, vec![Placement::TechMore(group)])),
    );
    directories.push((
        2,
        ["咨询与账号", "Consultation and account", "相談とアカウント"],
        vec![Placement::HotConsultation, Placement::ConsultationMore],
    ));
    directories
}

fn product_json(p: &ProductSeed, lang: usize) -> Value {
    json!({
        "ProductCode": p.code,
        "Id": p.id,
        "Name": p.name[lang],
        "Description": p.description[lang],
    })
}

fn render_products(lang: usize) -> Value {
    let listed = |placement: Placement| -> Vec<Value> {
        PRODUCTS
            .iter()
            .filter(|p| p.placement == placement)
            .map(|p| product_json(p, lang))
            .collect()
    };
    let tech_more: Vec<Value> = TECH_GROUPS
        .iter()
        .enumerate()
        .map(|(group, names)| {
            json!({
                "GroupName": names[lang],
                "ProductList": listed(Placement::TechMore(group)),
            })
        })
        .collect();
    json!({
        "HotTech": listed(Placement::HotTech),
        "TechMore": tech_more,
        "HotConsultation": listed(Placement::HotConsultation),
        "ConsultationMore": listed(Placement::ConsultationMore),
    })
}

fn render_categories(p: &ProductSeed, lang: usize) -> Value {
    let list: Vec<Value> = p
        .categories
        .iter()
        .map(|c| json!({ "Id": c.id, "Name": c.name[lang] }))
        .collect();
    json!({ "List": list })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_reference_document_examples_are_seeded() {
        let catalog = SimulatedCatalog::seeded();
        for code in ["ecs", "oss", "account", "agent"] {
            assert!(catalog.has_product(code), "{code}");
        }
        for (id, product) in [(793, "ecs"), (794, "ecs"), (157, "ecs")] {
            assert!(catalog.category_belongs_to(id, product), "{id}");
        }
        let zh: Value = serde_json::from_str(catalog.products_json(Language::Zh)).unwrap();
        let ids: HashSet<u64> = ["HotTech", "HotConsultation", "ConsultationMore"]
            .iter()
            .flat_map(|list| zh[list].as_array().unwrap().clone())
            .chain(
                zh["TechMore"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|g| g["ProductList"].as_array().unwrap().clone()),
            )
            .map(|p| p["Id"].as_u64().unwrap())
            .collect();
        for id in [76, 1193, 1194, 88, 86, 22, 101, 1205, 1215, 1209] {
            assert!(ids.contains(&id), "product id {id} missing");
        }
        let ecs: Value =
            serde_json::from_str(catalog.categories_json("ecs", Language::Zh).unwrap()).unwrap();
        assert_eq!(ecs["List"][0], json!({"Id": 793, "Name": "ECS无法远程"}));
    }

    #[test]
    fn the_catalog_is_large_unique_and_translated() {
        assert!(PRODUCTS.len() >= 15);
        let codes: HashSet<_> = PRODUCTS.iter().map(|p| p.code).collect();
        assert_eq!(codes.len(), PRODUCTS.len(), "duplicate product code");
        let categories: Vec<i64> = PRODUCTS
            .iter()
            .flat_map(|p| p.categories.iter().map(|c| c.id))
            .collect();
        let unique: HashSet<_> = categories.iter().collect();
        assert_eq!(unique.len(), categories.len(), "duplicate category id");
        for p in PRODUCTS {
            assert!(!p.categories.is_empty(), "{} has no category", p.code);
            assert!(p.name.iter().chain(&p.description).all(|t| !t.is_empty()));
        }
        let groups = PRODUCTS
            .iter()
            .filter_map(|p| match p.placement {
                Placement::TechMore(g) => Some(g),
                _ => None,
            })
            .collect::<HashSet<_>>();
        assert!(groups.len() >= 3);
        let en = SimulatedCatalog::seeded();
        assert!(
            en.products_json(Language::En)
                .contains("Object Storage Service")
        );
        assert!(en.products_json(Language::Jp).contains("専有ホスト"));
    }

    #[test]
    fn the_2021_catalogue_has_its_own_ids_disjoint_from_2020s() {
        use crate::catalog_data::ID_2020_LIMIT;
        let ids_2020: HashSet<i64> = PRODUCTS
            .iter()
            .flat_map(|p| std::iter::once(i64::from(p.id)).chain(p.categories.iter().map(|c| c.id)))
            .collect();
        assert!(ids_2020.iter().all(|id| (0..ID_2020_LIMIT).contains(id)));
        let products_2021: Vec<i64> = PRODUCTS.iter().map(ProductSeed::id_2021).collect();
        let categories_2021: Vec<i64> = PRODUCTS
            .iter()
            .flat_map(|p| p.categories.iter().map(|c| c.id_2021()))
            .collect();
        let all_2021: HashSet<i64> = products_2021
            .iter()
            .chain(&categories_2021)
            .copied()
            .collect();
        assert_eq!(all_2021.len(), products_2021.len() + categories_2021.len());
        assert!(all_2021.is_disjoint(&ids_2020));
        let ecs = &PRODUCTS[0];
        assert_eq!((ecs.code, ecs.id_2021()), ("ecs", 7_100_011));
        assert_eq!(ecs.categories[0].id_2021(), 7_200_793);
    }

    #[test]
    fn lists_of_2021_show_2021_ids_and_know_no_2020_id() {
        let catalog = SimulatedCatalog::seeded();
        let directories = catalog.products_2021(Language::En, Some("elastic compute"));
        let ecs = &directories[0]["ProductList"][0];
        assert_eq!(
            ecs,
            &json!({"ProductId": 7_100_011, "ProductName": "Elastic Compute Service (ECS)"})
        );
        let categories = catalog
            .categories_2021(7_100_011, Language::Zh, None)
            .unwrap();
        assert_eq!(
            categories[0],
            json!({"CategoryId": 7_200_793, "CategoryName": "ECS无法远程"})
        );
        assert_eq!(catalog.categories_2021(11, Language::Zh, None), None);
    }

    #[test]
    fn a_category_maps_both_ways_and_a_2020_id_is_no_2021_category() {
        let catalog = SimulatedCatalog::seeded();
        assert_eq!(catalog.category_from_2021(7_200_793), Some((793, "ecs")));
        assert_eq!(catalog.category_to_2021(793), Some(7_200_793));
        assert_eq!(catalog.category_from_2021(793), None);
        assert_eq!(catalog.category_from_2021(7_100_011), None, "a product id");
        assert_eq!(catalog.category_to_2021(7_200_793), None);
    }
}
