// Retries after a dropped connection: a keyed write is sent again with the same Idempotency-Key
// and happens once; a write without a key is not sent again. The connection "drops" after the
// real gateway answered, the ambiguous case: the caller cannot tell whether the write happened.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createWorkorderClient } from "../src/index.js";
import { startGateway, type Gateway } from "./support/gateway.js";
import { Wire } from "./support/wire.js";

let gateway: Gateway;
let token: string;

before(async () => {
  gateway = await startGateway();
  token = await gateway.token("dave", "tickets:read,tickets:write");
});
after(() => gateway?.stop());

/** A client whose first answer to `method path` is lost after the gateway has acted on it. */
function droppingFirst(method: string, path: string) {
  const wire = new Wire();
  let dropped = false;
  wire.onAnswer = async (exchange, response) => {
    if (!dropped && exchange.method === method && exchange.path === path) {
      dropped = true;
      await response.arrayBuffer(); // the whole answer arrived: the gateway has acted
      throw new TypeError("fetch failed", { cause: new Error("connection reset (simulated, after the answer)") });
    }
  };
  const client = createWorkorderClient({ baseUrl: gateway.url, token: () => token, fetch: wire.fetch });
  return { wire, client };
}

function unique(what: string): string {
  return `${what} ${crypto.randomUUID().slice(0, 8)}`;
}

test("a create whose answer was lost is retried with its one key and makes one ticket", async () => {
  const { wire, client } = droppingFirst("POST", "/tickets");
  const title = unique("Lost answer");
  const { id } = await client.createTicket({ productCode: "ecs", categoryId: 793, title, content: `${title}: disk full` });

  const [first, second, ...more] = wire.to("POST", "/tickets");
  assert.ok(first && second);
  assert.equal(more.length, 0);
  assert.deepEqual([first.status, second.status], [201, 201]);
  const key = first.requestHeaders.get("Idempotency-Key");
  assert.ok(key);
  assert.equal(second.requestHeaders.get("Idempotency-Key"), key);
  assert.equal(first.headers.get("Idempotent-Replayed"), null);
  assert.equal(second.headers.get("Idempotent-Replayed"), "true");

  const listed = await client.listTickets({ pageSize: 100 });
  assert.deepEqual(listed.items.filter((t) => t.title === title).map((t) => t.id), [id]);
});

test("two logical creates get two keys", async () => {
  const { wire, client } = createWithWire();
  const title = unique("Twice");
  const one = await client.createTicket({ productCode: "ecs", categoryId: 793, title, content: title });
  const two = await client.createTicket({ productCode: "ecs", categoryId: 793, title, content: title });
  assert.notEqual(one.id, two.id);
  const keys = wire.to("POST", "/tickets").map((e) => e.requestHeaders.get("Idempotency-Key"));
  assert.equal(keys.length, 2);
  assert.notEqual(keys[0], keys[1]);
});

test("a reply whose answer was lost is retried with its one key and adds one note", async () => {
  const { client: setup } = createWithWire();
  const { id } = await setup.createTicket({ productCode: "ecs", categoryId: 793, content: unique("Reply target") });
  const { wire, client } = droppingFirst("POST", `/tickets/${id}/notes`);
  const content = unique("Rebooted, still failing");
  await client.reply(id, { content });

  const posts = wire.to("POST", `/tickets/${id}/notes`);
  assert.deepEqual(posts.map((e) => e.status), [201, 201]);
  assert.equal(posts[1]?.requestHeaders.get("Idempotency-Key"), posts[0]?.requestHeaders.get("Idempotency-Key"));
  assert.equal(posts[1]?.headers.get("Idempotent-Replayed"), "true");
  const notes = await client.listNotes(id);
  assert.equal(notes.items.filter((n) => n.content === content).length, 1);
});

test("a write without a key is not sent again after a dropped connection", async () => {
  const { wire, client } = droppingFirst("POST", "/tickets");
  const title = unique("Unkeyed");
  // The raw client sends exactly what it is given: here no Idempotency-Key.
  await assert.rejects(
    client.raw.POST("/tickets", { body: { productCode: "ecs", categoryId: 793, title, content: title } }),
    (error: unknown) => error instanceof TypeError && error.message === "fetch failed",
  );
  assert.equal(wire.to("POST", "/tickets").length, 1);
  // It did happen: that is what a key would have let the client learn safely.
  const listed = await client.listTickets({ pageSize: 100 });
  assert.equal(listed.items.filter((t) => t.title === title).length, 1);
});

test("reads and close are repeated after a dropped connection", async () => {
  const { client: setup } = createWithWire();
  const { id } = await setup.createTicket({ productCode: "ecs", categoryId: 793, content: unique("Close me") });

  const reading = droppingFirst("GET", `/tickets/${id}`);
  assert.equal((await reading.client.getTicket(id)).id, id);
  assert.deepEqual(reading.wire.to("GET", `/tickets/${id}`).map((e) => e.status), [200, 200]);

  const closing = droppingFirst("POST", `/tickets/${id}/close`);
  await closing.client.closeTicket(id);
  assert.deepEqual(closing.wire.to("POST", `/tickets/${id}/close`).map((e) => e.status), [204, 204]);
  assert.equal((await closing.client.getTicket(id)).status, "completed");
});

function createWithWire() {
  const wire = new Wire();
  return { wire, client: createWorkorderClient({ baseUrl: gateway.url, token: () => token, fetch: wire.fetch }) };
}
