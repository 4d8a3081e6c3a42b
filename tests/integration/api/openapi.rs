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

#[test]
fn info_version_is_the_crate_version() {
    assert_eq!(document()["info"]["version"], env!("CARGO_PKG_VERSION"));
}

/// Every operation shows a frontend developer what a success looks like (an `example`, or
/// named `examples` where the shape differs by the tenant's API version).
#[test]
fn every_operation_has_an_example_success() {
    let doc = document();
    let mut missing = Vec::new();
    for (method, path, _) in ROUTES {
        let op = operation(&doc, method, path);
        let responses = op["responses"].as_object().unwrap();
        let has_example = responses.iter().any(|(status, response)| {
            status.starts_with('2')
                && response["content"].as_object().is_some_and(|c| {
                    c.values().any(|m| {
                        !m["example"].is_null()
                            || m["examples"]
                                .as_object()
                                .is_some_and(|e| e.values().all(|x| !x["value"].is_null()))
                    })
                })
        });
        // Bodiless successes (204, the /docs redirect) are examples of themselves.
        let bodiless = responses
            .iter()
            .filter(|(s, _)| s.starts_with('2') || s.starts_with('3'))
            .all(|(_, r)| r["content"].is_null());
        if !has_example && !bodiless && *path != "/openapi.json" {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(missing.is_empty(), "no example: {missing:?}");
}

/// The links the stateful phase of schemathesis (and a reader) follows from what a call
/// returns to what can be done with it.
#[test]
fn writes_and_lists_link_to_what_they_name() {
    let doc = document();
    let links = |method: &str, path: &str, status: &str| -> Vec<(String, String)> {
        operation(&doc, method, path)["responses"][status]["links"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} {status} has no links"))
            .values()
            .map(|l| {
                (
                    l["operationId"].as_str().unwrap().to_owned(),
                    l["parameters"].to_string() + &l["requestBody"].to_string(),
                )
            })
            .collect()
    };
    let targets = |found: Vec<(String, String)>| {
        let mut ids: Vec<String> = found.into_iter().map(|(id, _)| id).collect();
        ids.sort();
        ids
    };
    assert_eq!(
        targets(links("post", "/tickets", "201")),
        [
            "close_ticket",
            "get_ticket",
            "list_notes",
            "rate_ticket",
            "reopen_ticket",
            "reply"
        ]
    );
    assert_eq!(
        targets(links("post", "/tickets/{id}/reopen", "204")),
        ["get_ticket"]
    );
    for (_, parameters) in links("post", "/tickets", "201") {
        assert!(parameters.contains("$response.body#/id"), "{parameters}");
    }
    assert_eq!(targets(links("get", "/tickets", "200")), ["get_ticket"]);
    assert_eq!(
        targets(links("get", "/products", "200")),
        ["get_product", "list_categories"]
    );
    assert_eq!(
        targets(links("get", "/products/{code}/categories", "200")),
        ["create_ticket"]
    );
    // Every link names an operation of the document.
    let operation_ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for response in op["responses"].as_object().unwrap().values() {
                for link in response["links"]
                    .as_object()
                    .into_iter()
                    .flat_map(|l| l.values())
                {
                    let target = link["operationId"].as_str().unwrap();
                    assert!(operation_ids.contains(&target), "link to {target}");
                }
            }
        }
    }
}

/// The headers API.md promises, documented where they are sent.
#[test]
fn response_headers_are_documented_where_they_are_sent() {
    let doc = document();
    let header = |method: &str, path: &str, status: &str, name: &str| {
        operation(&doc, method, path)["responses"][status]["headers"][name].clone()
    };
    for (method, path, _) in ROUTES {
        for status in operation(&doc, method, path)["responses"]
            .as_object()
            .unwrap()
            .keys()
        {
            assert_eq!(
                header(method, path, status, "X-Request-Id")["required"],
                true,
                "{method} {path} {status}"
            );
        }
    }
    for path in [
        "/products",
        "/products/{code}",
        "/products/{code}/categories",
    ] {
        for name in ["ETag", "Cache-Control", "X-Cache"] {
            for status in ["200", "304"] {
                assert_eq!(
                    header("get", path, status, name)["required"],
                    true,
                    "{path} {name}"
                );
            }
        }
    }
    for (method, path) in [("post", "/tickets"), ("post", "/tickets/{id}/notes")] {
        assert_eq!(header(method, path, "201", "Location")["required"], true);
        assert!(header(method, path, "201", "Idempotent-Replayed").is_object());
        assert!(header(method, path, "201", "X-Upstream-Request-Id").is_object());
        for status in ["409", "429", "503"] {
            assert!(
                header(method, path, status, "Retry-After").is_object(),
                "{status}"
            );
        }
    }
    assert_eq!(
        header("get", "/tickets", "401", "WWW-Authenticate")["required"],
        true
    );
}

/// The query parameters' bounds in the document are the parser's (routes::params constants).
#[test]
fn document_bounds_are_the_parsers_bounds() {
    use workorder_gateway::routes::params;
    let doc = document();
    let parameters = operation(&doc, "get", "/tickets")["parameters"]
        .as_array()
        .unwrap()
        .clone();
    let parameter = |name: &str| -> Value {
        parameters
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not documented"))
            .clone()
    };
    assert_eq!(parameter("page")["schema"]["maximum"], params::MAX_PAGE);
    assert_eq!(
        parameter("pageSize")["schema"]["maximum"],
        params::MAX_PAGE_SIZE
    );
    assert_eq!(parameter("ids")["schema"]["maxItems"], params::MAX_IDS);
    assert_eq!(
        parameter("status")["schema"]["maxItems"],
        params::MAX_STATUSES
    );
    for name in ["status", "ids"] {
        assert_eq!(parameter(name)["style"], "form");
        assert_eq!(parameter(name)["explode"], false);
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["TicketId"]["pattern"], params::TICKET_ID_PATTERN);
    assert_eq!(
        schemas["ProductCode"]["pattern"],
        params::PRODUCT_CODE_PATTERN
    );
    assert_eq!(
        schemas["NewTicket"]["properties"]["productCode"]["pattern"],
        params::PRODUCT_CODE_PATTERN
    );
    for (schema, field) in [("NewTicket", "content"), ("Reopen", "content")] {
        assert_eq!(
            schemas[schema]["properties"][field]["pattern"],
            params::NOT_BLANK_PATTERN,
            "{schema}.{field}"
        );
    }
    assert_eq!(
        schemas["Instant"]["anyOf"][1]["maximum"],
        params::MAX_EPOCH_SECONDS
    );
    assert_eq!(
        schemas["Lang"]["enum"],
        serde_json::json!(["zh", "en", "jp", "ja"])
    );
    assert_eq!(
        schemas["TicketStatus"]["enum"],
        serde_json::json!(["in_progress", "wait_feedback", "wait_confirm", "completed"])
    );
}

/// RFC 9110: a method the path does not serve is 405 with `Allow`, on every documented path,
/// `TRACE` and `HEAD` included (the document lists no HEAD operation).
#[tokio::test]
async fn every_documented_path_answers_an_unserved_method_with_405_and_allow() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let served: Vec<String> = item
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_ascii_uppercase())
            .collect();
        let concrete = path.replace("{code}", "ecs").replace("{id}", "CAB327A");
        for method in ["TRACE", "HEAD", "PUT", "DELETE", "PATCH", "POST", "GET"] {
            if served.iter().any(|m| m == method) {
                continue;
            }
            let response = gateway
                .http
                .request(
                    method.parse().unwrap(),
                    format!("{}{concrete}", gateway.url),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 405, "{method} {path}");
            let allow = response.headers()["allow"].to_str().unwrap().to_owned();
            assert_eq!(allow, served.join(", "), "{method} {path}");
            if method != "HEAD" {
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["code"], "method_not_allowed", "{method} {path}");
            }
        }
    }
}
