//! ListProducts and ListCategories: the seeded catalog in three languages.

use serde_json::{Value, json};

use super::helpers::*;

fn all_products(data: &Value) -> Vec<Value> {
    let mut products = Vec::new();
    for list in ["HotTech", "HotConsultation", "ConsultationMore"] {
        products.extend(data[list].as_array().unwrap().iter().cloned());
    }
    for group in data["TechMore"].as_array().unwrap() {
        assert!(group["GroupName"].is_string());
        products.extend(group["ProductList"].as_array().unwrap().iter().cloned());
    }
    products
}

#[tokio::test]
async fn products_are_listed_in_the_requested_language_defaulting_to_chinese() {
    let sandbox = start().await;
    let cases = [
        (None, "云服务器 ECS"),
        (Some("zh"), "云服务器 ECS"),
        (Some("en"), "Elastic Compute Service (ECS)"),
        (Some("jp"), "専有ホスト"),
    ];
    for (language, expected_name) in cases {
        let business = language
            .map(|l| params(&[("Language", l)]))
            .unwrap_or_default();
        let reply = sandbox.demo("ListProducts", &business).await;
        let products = all_products(reply.assert_ok());
        assert!(products.len() >= 15, "{}", products.len());
        assert!(
            products.iter().any(|p| p["Name"] == expected_name),
            "{language:?}"
        );
        assert!(
            products
                .iter()
                .all(|p| p["ProductCode"].is_string() && p["Description"].is_string())
        );
    }
    sandbox
        .demo("ListProducts", &params(&[("Language", "fr")]))
        .await
        .assert_error(400, "param.illegal");
    sandbox.stop().await;
}

#[tokio::test]
async fn categories_of_ecs_are_the_documented_ones() {
    let sandbox = start().await;
    let reply = sandbox
        .demo("ListCategories", &params(&[("ProductCode", "ecs")]))
        .await;
    let list = reply.assert_ok()["List"].as_array().unwrap().clone();
    assert_eq!(list[0], json!({"Id": 793, "Name": "ECS无法远程"}));
    assert_eq!(list[1], json!({"Id": 794, "Name": "服务器打不开"}));
    assert!(list.iter().any(|c| c["Id"] == 157));

    let english = sandbox
        .demo(
            "ListCategories",
            &params(&[("ProductCode", "ecs"), ("Language", "en")]),
        )
        .await;
    assert_eq!(
        english.assert_ok()["List"][0]["Name"],
        Value::from("Cannot connect to ECS remotely")
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn every_listed_product_has_categories() {
    let sandbox = start().await;
    let products = all_products(sandbox.demo("ListProducts", &[]).await.assert_ok());
    for product in products {
        let code = product["ProductCode"].as_str().unwrap();
        let reply = sandbox
            .demo("ListCategories", &params(&[("ProductCode", code)]))
            .await;
        assert!(
            !reply.assert_ok()["List"].as_array().unwrap().is_empty(),
            "{code}"
        );
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn list_categories_validates_its_product() {
    let sandbox = start().await;
    sandbox
        .demo("ListCategories", &[])
        .await
        .assert_error(400, "MissingParameter");
    sandbox
        .demo("ListCategories", &params(&[("ProductCode", "nosuch")]))
        .await
        .assert_error(400, "param.illegal");
    sandbox.stop().await;
}
