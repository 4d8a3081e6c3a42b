// Workorder 2021-06-10 from TypeScript: the demo2021 tenant of the demo configuration against a
// real gateway on the embedded sandbox (its own catalogue ids, uploads, severity, reopen,
// rating), and the demo tenant (2020-03-26) refusing the same with api_version_unsupported.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createWorkorderClient, ProblemError, type WorkorderClient } from "../src/index.js";
import { startGateway, type Gateway } from "./support/gateway.js";
import { Wire } from "./support/wire.js";

let gateway: Gateway;
let v2021: WorkorderClient;
let v2020: WorkorderClient;
const wire = new Wire();

before(async () => {
  gateway = await startGateway({ WOG_SANDBOX__ENGINEER_DELAY_SECS: "0" });
  const token2021 = await gateway.token("alice", "tickets:read,tickets:write", "demo2021");
  const token2020 = await gateway.token("alice", "tickets:read,tickets:write");
  v2021 = createWorkorderClient({ baseUrl: gateway.url, token: () => token2021, fetch: wire.fetch });
  v2020 = createWorkorderClient({ baseUrl: gateway.url, token: () => token2020 });
});
after(() => gateway?.stop());

/** The sandbox's ECS and its first category, as the 2021 tenant's own catalog lists them. */
async function ecs2021(): Promise<{ productCode: string; categoryId: number }> {
  const { items } = await v2021.listProducts({ lang: "zh" });
  const ecs = items.find((p) => p.name === "云服务器 ECS");
  assert.ok(ecs, "ECS is in the 2021 catalog");
  const categories = await v2021.listCategories(ecs.code, { lang: "zh" });
  return { productCode: ecs.code, categoryId: categories.items[0]!.id };
}

async function problemCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ProblemError, String(err));
    return err.code ?? "";
  }
  assert.fail("the call succeeded");
}

test("an upload goes straight to storage, without the bearer token, and attaches to a ticket", async () => {
  const key = await v2021.uploadAttachment("trace.txt", new TextEncoder().encode("stack trace"), {
    contentType: "text/plain",
  });
  assert.match(key, /^[0-9a-f-]{36}\.txt$/);
  const put = wire.exchanges.find((e) => e.method === "PUT");
  assert.ok(put, "the bytes were PUT");
  assert.equal(put.status, 200);
  assert.equal(put.requestHeaders.get("Authorization"), null, "the token stays with the gateway");

  const { productCode, categoryId } = await ecs2021();
  const { id } = await v2021.createTicket({
    productCode,
    categoryId,
    content: "the service crashes",
    severity: "urgent",
    attachments: [key],
  });
  const ticket = await v2021.getTicket(id);
  assert.equal(ticket.description, "the service crashes");
  assert.equal(ticket.categoryId, String(categoryId));
  assert.equal(ticket.severity, "urgent");
  assert.equal(ticket.detailedStatus, "assigned");
  assert.equal(ticket.status, "in_progress");
});

test("a done ticket is rated once and reopened; an open one is neither", async () => {
  const { id } = await v2021.createTicket({ ...(await ecs2021()), content: "slow disk" });
  assert.equal(await problemCode(v2021.rateTicket(id, { score: 4, solved: true })), "ticket_state_conflict");
  assert.equal(await problemCode(v2021.reopenTicket(id, { content: "why" })), "ticket_state_conflict");
  await v2021.closeTicket(id);
  await v2021.rateTicket(id, { score: 4, solved: true, comment: "fine" });
  assert.equal(await problemCode(v2021.rateTicket(id, { score: 5, solved: true })), "ticket_state_conflict");
  await v2021.reopenTicket(id, { content: "it is back" });
  assert.equal((await v2021.getTicket(id)).detailedStatus, "assigned");
});

test("a 2021-06-10 tenant's catalog has its own ids, and refuses 2020's", async () => {
  const codes2021 = (await v2021.listProducts()).items;
  const codes2020 = new Set((await v2020.listProducts()).items.map((p) => p.code));
  assert.ok(codes2021.length > 0);
  for (const product of codes2021) {
    assert.match(product.code, /^\d+$/);
    assert.ok(!codes2020.has(product.code), product.code);
    assert.equal(product.description, null);
    assert.equal(product.kind, null);
    assert.equal(product.hot, null);
  }
  const { productCode, categoryId } = await ecs2021();
  assert.notEqual(categoryId, 793);
  const refused = v2021.createTicket({ productCode, categoryId: 793, content: "2020 id" });
  assert.equal(await problemCode(refused), "validation_failed");
  assert.equal(await problemCode(v2021.listTickets({ productCode })), "api_version_unsupported");
});

test("a 2020-03-26 tenant answers the 2021 features with api_version_unsupported", async () => {
  const { id } = await v2020.createTicket({ productCode: "ecs", categoryId: 793, content: "old api" });
  const ticket = await v2020.getTicket(id);
  assert.equal(ticket.description, null);
  assert.equal(ticket.severity, null);
  assert.equal(await problemCode(v2020.createAttachment("a.png")), "api_version_unsupported");
  assert.equal(await problemCode(v2020.reopenTicket(id, { content: "x" })), "api_version_unsupported");
  assert.equal(await problemCode(v2020.rateTicket(id, { score: 1, solved: false })), "api_version_unsupported");
});
