// The fetch that openapi-fetch calls: it adds the bearer token, revalidates catalog reads with
// their ETag and retries. One call of it is one logical request, so a header the caller set once
// (the Idempotency-Key) is the same on every attempt.
import type { EtagCache } from "./etag-cache.js";
import { ACCEPT_LANGUAGE, ETAG, IDEMPOTENCY_KEY, IF_NONE_MATCH, RETRY_AFTER } from "./headers.js";
import { backoffMs, parseRetryAfter, sleep, type RetryOptions } from "./retry.js";

/** Returns the bearer token; called before every attempt, so a refreshed token is used at once. */
export type TokenProvider = () => string | Promise<string>;

export type FetchLike = (request: Request) => Promise<Response>;

export interface Transport {
  fetch: FetchLike;
  token: TokenProvider;
  retry: RetryOptions;
  etags: EtagCache;
}

export interface Policy {
  /** Send `If-None-Match` from the ETag cache and answer a 304 with the cached body. */
  etag?: boolean;
  /** Sending twice does what sending once does (closing a ticket), beyond GET and keyed writes. */
  repeatable?: boolean;
}

/** The fetch for one logical request under `policy`. */
export function transportFetch(transport: Transport, policy: Policy = {}): FetchLike {
  return (request) => send(transport, policy, request);
}

async function send(transport: Transport, policy: Policy, request: Request): Promise<Response> {
  const { retry } = transport;
  const signal = request.signal;
  const keyed = request.headers.has(IDEMPOTENCY_KEY);
  // Network errors may hide a request the gateway acted on: repeat only what is safe to repeat.
  const repeatable = policy.repeatable === true || keyed || request.method === "GET" || request.method === "HEAD";
  const cacheKey = policy.etag && !request.headers.has(IF_NONE_MATCH)
    ? `${request.url}\n${request.headers.get(ACCEPT_LANGUAGE) ?? ""}`
    : undefined;
  let waitedMs = 0;
  for (let attempt = 1; ; attempt++) {
    const cached = cacheKey === undefined ? undefined : transport.etags.get(cacheKey);
    // A clone per attempt: a body can be read once, and `request` stays the template.
    const current = request.clone();
    current.headers.set("Authorization", `Bearer ${await transport.token()}`);
    if (cached !== undefined) current.headers.set(IF_NONE_MATCH, cached.etag);

    let response: Response;
    try {
      response = await transport.fetch(current);
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      const delay = backoffMs(attempt, retry);
      if (!repeatable || attempt >= retry.maxAttempts || waitedMs + delay > retry.maxTotalWaitMs) throw error;
      await sleep(delay, signal);
      waitedMs += delay;
      continue;
    }

    if (cacheKey !== undefined) response = await revalidated(transport.etags, cacheKey, cached, response);
    if (!retryable(response.status, keyed) || attempt >= retry.maxAttempts) return response;
    const delay = parseRetryAfter(response.headers.get(RETRY_AFTER), Date.now()) ?? backoffMs(attempt, retry);
    if (waitedMs + delay > retry.maxTotalWaitMs) return response;
    // Free the connection before waiting; the answer is not needed.
    await response.body?.cancel().catch(() => undefined);
    await sleep(delay, signal);
    waitedMs += delay;
  }
}

/**
 * 429 and 503 say nothing was done (the gateway's 503s are an open breaker, a full bulkhead, an
 * unreachable state store: all before any upstream write). A keyed write may also retry what
 * docs/API.md tells its clients to retry with the same key: 409 (the first attempt is still in
 * flight), 502 and 504.
 */
function retryable(status: number, keyed: boolean): boolean {
  return status === 429 || status === 503 || (keyed && (status === 409 || status === 502 || status === 504));
}

/** Stores a fresh catalog body; turns a 304 into the cached body with the 304's headers. */
async function revalidated(
  etags: EtagCache,
  key: string,
  cached: { etag: string; body: string; contentType: string } | undefined,
  response: Response,
): Promise<Response> {
  if (response.status === 304 && cached !== undefined) {
    const headers = new Headers(response.headers);
    headers.set("Content-Type", cached.contentType);
    headers.delete("Content-Length");
    if (!headers.has(ETAG)) headers.set(ETAG, cached.etag);
    return new Response(cached.body, { status: 200, statusText: "OK", headers });
  }
  const etag = response.headers.get(ETAG);
  if (response.status === 200 && etag !== null) {
    const body = await response.clone().text();
    etags.set(key, { etag, body, contentType: response.headers.get("Content-Type") ?? "application/json" });
  }
  return response;
}
