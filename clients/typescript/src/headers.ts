// The gateway's header names (docs/API.md), written once.
export const REQUEST_ID = "X-Request-Id";
export const UPSTREAM_REQUEST_ID = "X-Upstream-Request-Id";
export const IDEMPOTENCY_KEY = "Idempotency-Key";
export const IDEMPOTENT_REPLAYED = "Idempotent-Replayed";
export const RETRY_AFTER = "Retry-After";
export const ETAG = "ETag";
export const IF_NONE_MATCH = "If-None-Match";
export const ACCEPT_LANGUAGE = "Accept-Language";
