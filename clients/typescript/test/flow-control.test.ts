// 429 and 503 from the real gateway: the client waits as long as Retry-After says, within its
// budget, and can be aborted while it waits.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createWorkorderClient, ProblemError, type ClientOptions } from "../src/index.js";
import { startGateway, type Gateway } from "./support/gateway.js";
import { Wire } from "./support/wire.js";

// One request per second per user, burst 1: a second request at once is 429 with Retry-After.
let limited: Gateway;
// The tenant's breaker opens after one upstream failure, for 1 s: 503 upstream_unavailable.
let fragile: Gateway;

before(async () => {
  [limited, fragile] = await Promise.all([
    startGateway({ WOG_LIMITS__REQUESTS_PER_SECOND: "1", WOG_LIMITS__BURST: "1" }),
    startGateway({
      WOG_UPSTREAM__BREAKER_FAILURE_THRESHOLD: "1",
      WOG_UPSTREAM__BREAKER_OPEN_SECS: "1",
      WOG_UPSTREAM__MAX_ATTEMPTS: "1",
    }),
  ]);
});
after(() => Promise.all([limited?.stop(), fragile?.stop()]));

async function clientOf(gateway: Gateway, sub: string, options: Partial<ClientOptions> = {}) {
  const token = await gateway.token(sub, "tickets:read,tickets:write");
  const wire = new Wire();
  const client = createWorkorderClient({ baseUrl: gateway.url, token: () => token, fetch: wire.fetch, ...options });
  return { wire, client };
}

test("a 429 is retried after its Retry-After", async () => {
  const { wire, client } = await clientOf(limited, "erin");
  const first = await client.listProducts();
  const second = await client.listProducts();
  assert.deepEqual(second, first);

  const [, throttled, retried, ...more] = wire.exchanges;
  assert.ok(throttled && retried);
  assert.equal(more.length, 0);
  assert.equal(throttled.status, 429);
  const retryAfter = Number(throttled.headers.get("Retry-After"));
  assert.ok(retryAfter >= 1, "the gateway names a wait");
  assert.equal(retried.status, 304, "the retry revalidates the cached catalog");
  // Timer granularity tolerance only: the retry left no earlier than it was told.
  assert.ok(retried.at - throttled.at >= retryAfter * 1000 - 20, `waited ${retried.at - throttled.at} ms`);
});

test("a Retry-After beyond the wait budget is answered at once with the 429", async () => {
  const { wire, client } = await clientOf(limited, "frank", { retry: { maxTotalWaitMs: 200 } });
  await client.listTickets();
  const started = performance.now();
  const error = await client.listTickets().catch((e: unknown) => e);
  assert.ok(error instanceof ProblemError);
  assert.equal(error.status, 429);
  assert.equal(error.code, "rate_limited");
  assert.equal(error.retryAfterMs, Number(wire.exchanges.at(-1)?.headers.get("Retry-After")) * 1000);
  assert.ok(performance.now() - started < (error.retryAfterMs ?? 0), "it did not wait for the Retry-After");
  assert.equal(wire.exchanges.length, 2);
});

test("a wait for Retry-After ends when the call is aborted", async () => {
  const { wire, client } = await clientOf(limited, "grace");
  await client.listTickets();
  const controller = new AbortController();
  const reason = new Error("the user left the page");
  setTimeout(() => controller.abort(reason), 100);
  const started = performance.now();
  await assert.rejects(client.listTickets({}, { signal: controller.signal }), (e: unknown) => e === reason);
  assert.ok(performance.now() - started < 900, "did not sit out the Retry-After");
  assert.deepEqual(wire.exchanges.map((e) => e.status), [200, 429]);
});

test("a 503 while the upstream's breaker is open is retried after its Retry-After", async () => {
  const { wire, client } = await clientOf(fragile, "heidi");
  await fragile.faults({ unavailable_rate: 1 });
  // The first failure is the upstream's own (502, not retried for a read) and opens the breaker.
  const failed = await client.listTickets().catch((e: unknown) => e);
  assert.ok(failed instanceof ProblemError);
  assert.equal(failed.code, "upstream_error");
  assert.equal(wire.exchanges.length, 1);

  // The upstream recovers as soon as the gateway has answered 503.
  wire.onAnswer = async (exchange) => {
    if (exchange.status === 503) await fragile.faults({});
  };
  const page = await client.listTickets();
  assert.ok(Array.isArray(page.items));
  const [, unavailable, retried, ...more] = wire.exchanges;
  assert.ok(unavailable && retried);
  assert.equal(more.length, 0);
  assert.equal(unavailable.status, 503);
  const retryAfter = Number(unavailable.headers.get("Retry-After"));
  assert.ok(retryAfter >= 1);
  assert.equal(retried.status, 200);
  assert.ok(retried.at - unavailable.at >= retryAfter * 1000 - 20, `waited ${retried.at - unavailable.at} ms`);
});
