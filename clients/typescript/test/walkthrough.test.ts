// The README's walk-through, from TypeScript, against a real gateway on the embedded sandbox.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createWorkorderClient, type WorkorderClient } from "../src/index.js";
import { startGateway, type Gateway } from "./support/gateway.js";
import { Wire } from "./support/wire.js";

let gateway: Gateway;
let client: WorkorderClient;
const wire = new Wire();
let tokenCalls = 0;

before(async () => {
  gateway = await startGateway();
  const token = await gateway.token("alice", "tickets:read,tickets:write");
  client = createWorkorderClient({
    baseUrl: gateway.url,
    token: () => {
      tokenCalls++;
      return token;
    },
    fetch: wire.fetch,
  });
});
after(() => gateway?.stop());

test("the catalog is revalidated with its ETag, and a 304 gives the cached body", async () => {
  const first = await client.listProducts({ lang: "en" });
  assert.equal(first.language, "en");
  const ecs = first.items.find((p) => p.code === "ecs");
  assert.ok(ecs, "ecs is in the demo catalog");
  assert.equal(ecs.kind, "technical");

  const again = await client.listProducts({ lang: "en" });
  assert.deepEqual(again, first);
  const [sent, revalidated] = wire.to("GET", "/products?lang=en");
  assert.ok(sent && revalidated);
  assert.equal(sent.status, 200);
  assert.equal(sent.requestHeaders.get("If-None-Match"), null);
  const etag = sent.headers.get("ETag");
  assert.match(etag ?? "", /^"[0-9a-f]{32}"$/);
  assert.equal(revalidated.requestHeaders.get("If-None-Match"), etag);
  assert.equal(revalidated.status, 304);

  // Another language is another cache entry: no If-None-Match with the English ETag.
  const chinese = await client.listProducts({ lang: "zh" });
  assert.equal(chinese.language, "zh");
  assert.equal(wire.to("GET", "/products?lang=zh")[0]?.requestHeaders.get("If-None-Match"), null);

  const product = await client.getProduct("ecs", { lang: "en" });
  assert.deepEqual(product, ecs);
  assert.deepEqual(await client.getProduct("ecs", { lang: "en" }), ecs);
  assert.deepEqual(wire.to("GET", "/products/ecs?").map((e) => e.status), [200, 304]);

  const categories = await client.listCategories("ecs");
  assert.ok(categories.items.some((c) => c.id === 793), "category 793 is under ecs");
  assert.deepEqual(await client.listCategories("ecs"), categories);
  assert.deepEqual(wire.to("GET", "/products/ecs/categories").map((e) => e.status), [200, 304]);
});

test("file a ticket, read it and its notes, reply, close, and list it by status", async () => {
  // Unique per run; a first line short enough to be the whole title.
  const content = `Cannot SSH into i-bp1abc ${crypto.randomUUID().slice(0, 8)}\nSince this morning.`;
  const { id } = await client.createTicket({
    productCode: "ecs",
    categoryId: 793,
    content,
    secretContent: "root password: hunter2",
  });
  assert.match(id, /^[A-Z0-9]{7}$/);
  const [create] = wire.to("POST", "/tickets");
  assert.equal(create?.status, 201);
  assert.equal(create?.headers.get("Location"), `/tickets/${id}`);
  assert.match(create?.requestHeaders.get("Idempotency-Key") ?? "", /^[0-9a-f-]{36}$/);

  const ticket = await client.getTicket(id);
  assert.equal(ticket.id, id);
  assert.equal(ticket.status, "in_progress");
  assert.equal(ticket.title, content.split("\n")[0]);

  const opened = await client.listNotes(id);
  assert.equal(opened.items[0]?.content, content);
  assert.equal(opened.items[0]?.fromOfficial, false);

  // The simulated engineer answers after 1 s (WOG_SANDBOX__ENGINEER_DELAY_SECS in the support).
  const answered = await until(async () => {
    const notes = await client.listNotes(id);
    return notes.items.some((n) => n.fromOfficial) ? notes : undefined;
  });
  assert.equal((await client.getTicket(id)).status, "wait_feedback");
  assert.ok(answered.items.every((n) => !n.content.includes("hunter2")), "secretContent is never shown");

  await client.reply(id, { content: "Still failing after a reboot" });
  const replied = await client.listNotes(id);
  assert.equal(replied.items.at(-1)?.content, "Still failing after a reboot");
  assert.equal(replied.items.at(-1)?.fromOfficial, false);
  assert.equal((await client.getTicket(id)).status, "in_progress");

  await client.closeTicket(id);
  assert.equal((await client.getTicket(id)).status, "completed");
  const completed = await client.listTickets({ status: ["completed"] });
  assert.ok(completed.items.some((t) => t.id === id), "the closed ticket is listed as completed");
  assert.ok(completed.items.every((t) => t.status === "completed"));
  const open = await client.listTickets({ status: ["in_progress"] });
  assert.ok(!open.items.some((t) => t.id === id));
  // Arrays go out as the document's `style: form, explode: false` (status=a,b).
  const either = await client.listTickets({ status: ["in_progress", "completed"], ids: [id] });
  assert.deepEqual(either.items.map((t) => t.id), [id]);

  // The token provider ran once per request sent, so a refreshed token is picked up at once.
  assert.equal(tokenCalls, wire.exchanges.length);
  assert.ok(wire.exchanges.every((e) => e.requestHeaders.get("Authorization")?.startsWith("Bearer ey")));
});

/** Polls `probe` every 200 ms for at most 15 s until it gives a value. */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("gave up waiting after 15 s");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
