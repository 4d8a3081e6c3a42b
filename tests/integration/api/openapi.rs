//! The OpenAPI document: the committed `openapi/openapi.json` is the generated one; it is
//! OpenAPI 3.1, lists every route of API.md, requires the bearer token on every resource route
//! (and on no operational one), and documents each route's error responses as problem+json.

use serde_json::Value;
use workorder_gateway::routes::docs::openapi_json;

use crate::support::{TestGateway, demo_config};

/// Every route of API.md: (method, path, operational).
const ROUTES: &[(&str, &str, bool)] = &[
    ("get", "/products", false),
    ("get", "/products/{code}", false),
    ("get", "/products/{code}/categories", false),
    ("get", "/tickets", false),
    ("post", "/tickets", false),
    ("get", "/tickets/{id}", false),
    ("get", "/tickets/{id}/notes", false),
    ("post", "/tickets/{id}/notes", false),
    ("post", "/tickets/{id}/close", false),
    ("get", "/healthz", true),
    ("get", "/readyz", true),
    ("get", "/metrics", true),
    ("get", "/openapi.json", true),
    ("get", "/docs", true),
];

fn document() -> Value {
    serde_json::from_str(&openapi_json()).unwrap()
}

fn operation<'d>(doc: &'d Value, method: &str, path: &str) -> &'d Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not documented");
    op
}

#[test]
fn committed_openapi_json_is_the_generated_document() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap();

    assert!(
        committed == openapi_json(),
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json` \
         and commit the result"
    );
}

#[tokio::test]
async fn served_openapi_json_is_the_generated_document() {
    let gateway = TestGateway::start(&demo_config("")).await;

    let served: Value = gateway
        .http
        .get(format!("{}/openapi.json", gateway.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(served, document());
}

#[test]
fn document_is_openapi_3_1() {
    let doc = document();

    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string());
}

#[test]
fn every_route_of_the_contract_is_documented() {
    let doc = document();

    for (method, path, _) in ROUTES {
        let op = operation(&doc, method, path);
        assert!(op["summary"].is_string(), "{method} {path} has no summary");
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()));
    }
}

#[test]
fn resource_routes_require_the_bearer_token_and_operational_routes_do_not() {
    let doc = document();
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");

    for (method, path, operational) in ROUTES {
        let security = &operation(&doc, method, path)["security"];
        if *operational {
            assert!(
                security.is_null() || security == &serde_json::json!([]),
                "{method} {path} is public but documents {security}"
            );
        } else {
            assert_eq!(
                security,
                &serde_json::json!([{ "bearer": [] }]),
                "{method} {path}"
            );
        }
    }
    assert!(doc["security"].is_null(), "no global requirement");
}

/// The error statuses a route can answer, from API.md's error table and how the route works.
fn expected_errors(method: &str, path: &str, op: &Value) -> Vec<&'static str> {
    // Every resource route: token (401), tenant or permission (403), rate limit or upstream
    // throttling (429), upstream error (502), breaker open (503), upstream timeout (504).
    let mut statuses = vec!["401", "403", "429", "502", "503", "504"];
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    if params.iter().any(|p| p["in"] == "path") {
        statuses.push("404");
    }
    if params.iter().any(|p| p["in"] == "query") || op["requestBody"].is_object() {
        statuses.push("400");
    }
    if method == "post" && op["requestBody"].is_object() {
        statuses.extend(["413", "415", "422"]);
    }
    assert!(
        !path.contains('{') || statuses.contains(&"404"),
        "{method} {path} documents no path parameter"
    );
    statuses
}

#[test]
fn every_resource_route_documents_its_error_responses_as_problem_json() {
    let doc = document();
    let mut missing = Vec::new();

    for (method, path, _) in ROUTES.iter().filter(|(_, _, operational)| !operational) {
        let op = operation(&doc, method, path);
        for status in expected_errors(method, path, op) {
            let response = &op["responses"][status];
            let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
            if schema != "#/components/schemas/Problem" {
                missing.push(format!("{method} {path} {status}"));
            }
        }
    }

    assert!(missing.is_empty(), "undocumented errors: {missing:#?}");
}

#[test]
fn readiness_documents_its_503_as_problem_json() {
    let doc = document();

    let response = &operation(&doc, "get", "/readyz")["responses"]["503"];

    assert_eq!(
        response["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
}

#[test]
fn problem_schema_has_the_rfc_9457_members_and_the_gateway_code() {
    let doc = document();
    let properties = &doc["components"]["schemas"]["Problem"]["properties"];

    for member in ["type", "title", "status", "detail", "code", "requestId"] {
        assert!(properties[member].is_object(), "Problem.{member}");
    }
}
