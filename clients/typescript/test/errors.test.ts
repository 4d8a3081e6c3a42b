// Problem answers of the real gateway become typed ProblemErrors.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createWorkorderClient, ProblemError, type ErrorCode } from "../src/index.js";
import { startGateway, type Gateway } from "./support/gateway.js";
import { Wire } from "./support/wire.js";

let gateway: Gateway;
let writer: string;

before(async () => {
  gateway = await startGateway();
  writer = await gateway.token("bob", "tickets:read,tickets:write");
});
after(() => gateway?.stop());

function clientWith(token: () => string | Promise<string>, wire = new Wire()) {
  return { wire, client: createWorkorderClient({ baseUrl: gateway.url, token, fetch: wire.fetch }) };
}

/** Runs `call`, which must fail with a ProblemError, and checks what every problem carries. */
async function problem(wire: Wire, status: number, code: ErrorCode, call: () => Promise<unknown>): Promise<ProblemError> {
  const error = await call().then(
    () => assert.fail(`expected ${status} ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ProblemError, `a ProblemError, not ${String(error)}`);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "ProblemError");
  assert.equal(error.status, status);
  assert.equal(error.code, code);
  assert.equal(error.problem?.status, status);
  // The id the gateway answered with, in the header and in the body alike.
  const answered = wire.exchanges.at(-1)?.headers.get("X-Request-Id");
  assert.ok(answered, "the answer carries X-Request-Id");
  assert.equal(error.requestId, answered);
  assert.equal(error.problem?.requestId, answered);
  assert.match(error.message, new RegExp(`^${status} ${code}: `));
  return error;
}

test("a bad query parameter is 400 invalid_request naming it", async () => {
  const { wire, client } = clientWith(() => writer);
  const error = await problem(wire, 400, "invalid_request", () => client.listTickets({ pageSize: 1000 }));
  assert.match(error.detail ?? "", /pageSize/);
  assert.deepEqual(error.errors, []);
  assert.equal(wire.exchanges.length, 1, "a 400 is not retried");
});

test("field errors are 422 validation_failed with one entry per field", async () => {
  const { wire, client } = clientWith(() => writer);
  const missing = await problem(wire, 422, "validation_failed", () =>
    client.createTicket({ productCode: "ecs", categoryId: 793, content: "" }),
  );
  assert.deepEqual(missing.errors.map((e) => e.field), ["content"]);

  const foreign = await problem(wire, 422, "validation_failed", () =>
    client.createTicket({ productCode: "ecs", categoryId: 1, content: "Cannot SSH" }),
  );
  assert.deepEqual(foreign.errors.map((e) => e.field), ["categoryId"]);
  assert.match(foreign.errors[0]?.message ?? "", /does not belong to product ecs/);
});

test("an unknown ticket or product is 404, and the upstream's request id is carried", async () => {
  const { wire, client } = clientWith(() => writer);
  const ticket = await problem(wire, 404, "ticket_not_found", () => client.getTicket("NOSUCH1"));
  // A well-formed id is looked up upstream: the Workorder API's request id comes back.
  const upstream = wire.exchanges.at(-1)?.headers.get("X-Upstream-Request-Id");
  assert.ok(upstream, "the lookup went upstream");
  assert.equal(ticket.upstreamRequestId, upstream);

  const product = await problem(wire, 404, "product_not_found", () => client.getProduct("no-such-product"));
  assert.match(product.detail ?? "", /no-such-product/);
});

test("a token that does not verify is 401 unauthenticated", async () => {
  // Same header and claims, another signature.
  const forged = writer.replace(/\.[^.]+$/, ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  const { wire, client } = clientWith(() => forged);
  const error = await problem(wire, 401, "unauthenticated", () => client.listProducts());
  assert.equal(error.upstreamRequestId, undefined, "refused before any upstream call");
  assert.ok(!error.message.includes(forged) && !JSON.stringify(error).includes(forged), "the token is not in the error");
});

test("a missing permission is 403 forbidden, and nothing is filed", async () => {
  const reader = await gateway.token("carol", "tickets:read");
  const { wire, client } = clientWith(() => reader);
  const title = `Forbidden ${crypto.randomUUID().slice(0, 8)}`;
  await problem(wire, 403, "forbidden", () =>
    client.createTicket({ productCode: "ecs", categoryId: 793, content: "x", title }),
  );
  const listed = await client.listTickets({ pageSize: 100 });
  assert.ok(!listed.items.some((t) => t.title === title));
});

test("the token provider is asked on every request, so a refreshed token works at once", async () => {
  let current = "expired-or-garbage";
  const { wire, client } = clientWith(async () => current);
  await problem(wire, 401, "unauthenticated", () => client.listProducts());
  current = writer; // what a refresh would do
  const products = await client.listProducts();
  assert.ok(products.items.length > 0);
  assert.equal(wire.exchanges.at(-1)?.status, 200);
});
