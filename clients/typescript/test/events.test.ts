// The stream reader against a real gateway: typed events with the Authorization header, a
// reply arriving live, resume with Last-Event-ID, and a drain's retry hint.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createWorkorderClient, ProblemError, type TicketEvent, type WorkorderClient } from "../src/index.js";
import { startGateway, type Gateway } from "./support/gateway.js";

let gateway: Gateway;
let client: WorkorderClient;

before(async () => {
  gateway = await startGateway({
    WOG_EVENTS__MIN_INTERVAL_MS: "100",
    WOG_EVENTS__MAX_INTERVAL_MS: "400",
    WOG_EVENTS__HEARTBEAT_MS: "200",
  });
  const token = await gateway.token("alice", "tickets:read,tickets:write");
  client = createWorkorderClient({ baseUrl: gateway.url, token: () => token });
});
after(() => gateway?.stop());

async function take(events: AsyncGenerator<TicketEvent>, n: number): Promise<TicketEvent[]> {
  const taken: TicketEvent[] = [];
  while (taken.length < n) {
    const { value, done } = await events.next();
    assert.ok(!done, "the stream ended early");
    taken.push(value);
  }
  return taken;
}

test("a ticket's events are typed, a reply arrives live, and a reconnect resumes after the last id", async () => {
  const { id } = await client.createTicket({ productCode: "ecs", categoryId: 793, content: "Cannot SSH" });
  const controller = new AbortController();
  const events = client.ticketEvents(id, { signal: controller.signal, reconnect: false });
  const [first, status] = await take(events, 2);
  assert.equal(first?.type, "note");
  assert.ok(first?.type === "note" && first.note.content === "Cannot SSH");
  assert.ok(status?.type === "status" && status.ticket.id === id);
  const resumeAfter = status.id;

  await client.reply(id, { content: "Still failing" });
  const [reply] = await take(events, 1);
  assert.ok(reply?.type === "note" && reply.note.content === "Still failing" && !reply.note.fromOfficial);
  controller.abort();
  assert.equal((await events.next()).done, true);

  // From the status id: the reply (and whatever came after), never the first note again.
  const resumed = client.ticketEvents(id, { lastEventId: resumeAfter, reconnect: false });
  const [again] = await take(resumed, 1);
  assert.ok(again?.type === "note" && again.note.content === "Still failing", JSON.stringify(again));
  await resumed.return(undefined);
});

test("another tenant's or a missing ticket is a ProblemError 404", async () => {
  const events = client.ticketEvents("NOSUCHTICKET1", { reconnect: false });
  await assert.rejects(events.next(), (error: unknown) => {
    assert.ok(error instanceof ProblemError);
    assert.equal(error.status, 404);
    assert.equal(error.code, "ticket_not_found");
    return true;
  });
});
