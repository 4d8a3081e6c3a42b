//! The response headers of the OpenAPI document, added to every operation where the gateway
//! sends them: one table here instead of the same `headers(...)` repeated on each annotation,
//! and written into the JSON because utoipa's header type cannot say `required`.
//!
//! Which header goes where follows the code that sets it: the request context (`X-Request-Id`,
//! `X-Content-Type-Options`), `ApiError::error_response` (`WWW-Authenticate`, `Retry-After`,
//! `X-Upstream-Request-Id`), the catalog's `cached_response` and the write handlers
//! (`Location`, `Idempotent-Replayed`). The schemathesis run in CI (tests/contract) checks the
//! document against the running gateway, header schemas included.

use serde_json::{Map, Value, json};

/// One documented header.
struct Documented {
    name: &'static str,
    required: bool,
    description: &'static str,
    schema: fn() -> Value,
}

/// Sent on every response.
const EVERY_RESPONSE: [Documented; 2] = [
    Documented {
        name: "X-Request-Id",
        required: true,
        description: "The caller's X-Request-Id when it is 1 to 128 of [A-Za-z0-9._-], else a fresh UUID: quote it in support requests",
        schema: || json!({ "type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$" }),
    },
    Documented {
        name: "X-Content-Type-Options",
        required: true,
        description: "Always nosniff",
        schema: || json!({ "type": "string", "enum": ["nosniff"] }),
    },
];

/// Sent by operations that call the Workorder API, on any response that involved a call.
const UPSTREAM_REQUEST_ID: Documented = Documented {
    name: "X-Upstream-Request-Id",
    required: false,
    description: "The upstream RequestId of the Workorder API call this answer came from, for tracing a case end to end",
    schema: || json!({ "type": "string" }),
};

const RETRY_AFTER: Documented = Documented {
    name: "Retry-After",
    required: false,
    description: "Seconds to wait before retrying",
    schema: || json!({ "type": "integer", "minimum": 1 }),
};

const WWW_AUTHENTICATE: Documented = Documented {
    name: "WWW-Authenticate",
    required: true,
    description: "Bearer error=\"invalid_token\"",
    schema: || json!({ "type": "string" }),
};

const LOCATION: Documented = Documented {
    name: "Location",
    required: true,
    description: "The URL of what was written (under the base path)",
    schema: || json!({ "type": "string" }),
};

const IDEMPOTENT_REPLAYED: Documented = Documented {
    name: "Idempotent-Replayed",
    required: false,
    description: "true when this is the stored answer of an earlier request with the same Idempotency-Key (nothing was written again)",
    schema: || json!({ "type": "string", "enum": ["true"] }),
};

/// The cache headers of a catalog answer (200 and 304).
const CATALOG: [Documented; 4] = [
    Documented {
        name: "ETag",
        required: true,
        description: "Entity tag of this copy: send it as If-None-Match to get 304 while it is current",
        schema: || json!({ "type": "string" }),
    },
    Documented {
        name: "Cache-Control",
        required: true,
        description: "private, max-age=<seconds this copy stays fresh>",
        schema: || json!({ "type": "string", "pattern": "^private, max-age=[0-9]+$" }),
    },
    Documented {
        name: "X-Cache",
        required: true,
        description: "HIT (served from the gateway's cache), MISS (fetched now) or STALE (the upstream failed; an older copy)",
        schema: || json!({ "type": "string", "enum": ["HIT", "MISS", "STALE"] }),
    },
    Documented {
        name: "Vary",
        required: true,
        description: "Accept-Language",
        schema: || json!({ "type": "string" }),
    },
];

/// Adds the headers to every response of every operation of `document` (the JSON form of the
/// OpenAPI document).
pub fn document(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let calls_upstream = calls_upstream(operation);
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let mut headers: Vec<&Documented> = EVERY_RESPONSE.iter().collect();
                if calls_upstream {
                    headers.push(&UPSTREAM_REQUEST_ID);
                }
                match status.as_str() {
                    "401" => headers.push(&WWW_AUTHENTICATE),
                    "409" | "429" | "503" => headers.push(&RETRY_AFTER),
                    "201" => {
                        headers.push(&LOCATION);
                        headers.push(&IDEMPOTENT_REPLAYED);
                    }
                    "200" | "304" if method == "get" && path.starts_with("/products") => {
                        headers.extend(CATALOG.iter());
                    }
                    _ => {}
                }
                add(response, &headers);
            }
        }
    }
}

/// Operations under the `catalog` and `tickets` tags call the Workorder API.
fn calls_upstream(operation: &Value) -> bool {
    operation["tags"]
        .as_array()
        .is_some_and(|tags| tags.iter().any(|t| t == "catalog" || t == "tickets"))
}

fn add(response: &mut Value, headers: &[&Documented]) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    let map = response
        .entry("headers")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(map) = map.as_object_mut() else {
        return;
    };
    for header in headers {
        map.insert(
            header.name.to_owned(),
            json!({
                "description": header.description,
                "required": header.required,
                "schema": (header.schema)(),
            }),
        );
    }
}
