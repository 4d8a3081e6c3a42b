// Live updates (GET /tickets/{id}/events, GET /events) read with fetch: the token goes in the
// Authorization header (EventSource cannot send one, and a token in the URL ends up in logs),
// a reconnect sends Last-Event-ID so a ticket's stream resumes with no gap and no repeat, and the
// events come out typed. Data shapes are the generated Note and Ticket.
import type { components } from "./generated/openapi.js";
import { ProblemError } from "./problem.js";
import { sleep } from "./retry.js";
import type { FetchLike, TokenProvider } from "./transport.js";

type Note = components["schemas"]["Note"];
type Ticket = components["schemas"]["Ticket"];

/** The last event of a stream: the token expired (a fresh one is fetched for the reconnect). */
export interface ExpiredEvent {
  type: "expired";
}
/** The last event of a stream: the gateway drains; the reader reconnects after `retryMs`. */
export interface ShutdownEvent {
  type: "shutdown";
  retryMs: number;
}

/** An event of `GET /tickets/{id}/events`. `id` is what a later `lastEventId` resumes after. */
export type TicketEvent =
  | { type: "note"; id: string; note: Note }
  | { type: "status"; id: string; ticket: Ticket }
  | ExpiredEvent
  | ShutdownEvent;

/** An event of `GET /events`: a new ticket, or a ticket whose status changed. */
export type TenantEvent =
  | { type: "ticket"; ticket: Ticket }
  | { type: "status"; ticket: Ticket }
  | ExpiredEvent
  | ShutdownEvent;

export interface StreamOptions {
  /** Stops the stream (the iterator then ends). */
  signal?: AbortSignal;
  /** Resume after this event id (a ticket stream only), e.g. one kept across a page reload. */
  lastEventId?: string;
  /** Reconnect after a drain, a token expiry or a dropped connection (default true). */
  reconnect?: boolean;
}

/** What a stream reader needs from the client. */
export interface StreamTransport {
  baseUrl: string;
  token: TokenProvider;
  fetch: FetchLike;
}

interface RawEvent {
  id: string | undefined;
  event: string;
  data: string;
  retry: number | undefined;
}

/** The events of one response body, parsed as the text/event-stream format says. */
async function* rawEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<RawEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", cancel, { once: true });
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: RawEvent = { id: undefined, event: "message", data: "", retry: undefined };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue; // heartbeat
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "id") event.id = text;
          else if (field === "event") event.event = text;
          else if (field === "data") data.push(text);
          else if (field === "retry" && /^\d+$/.test(text)) event.retry = Number(text);
        }
        if (data.length > 0) yield { ...event, data: data.join("\n") };
      }
    }
  } finally {
    signal?.removeEventListener("abort", cancel);
    cancel();
  }
}

/** Default wait before reconnecting when the gateway gave no `retry:`. */
const DEFAULT_RETRY_MS = 3000;

/**
 * Reads `path` as an event stream until `options.signal` aborts, reconnecting (with a fresh
 * token and the last event id) unless `reconnect` is false. A refusal (401, 403, 404, 429…)
 * throws a ProblemError.
 */
async function* stream<E>(
  transport: StreamTransport,
  path: string,
  options: StreamOptions,
  typed: (raw: RawEvent) => E | undefined,
): AsyncGenerator<E> {
  const { signal } = options;
  let lastEventId = options.lastEventId;
  let retryMs = DEFAULT_RETRY_MS;
  while (!signal?.aborted) {
    const headers = new Headers({ Accept: "text/event-stream", Authorization: `Bearer ${await transport.token()}` });
    if (lastEventId !== undefined) headers.set("Last-Event-ID", lastEventId);
    const request = new Request(`${transport.baseUrl}${path}`, { headers, ...(signal ? { signal } : {}) });
    let response: Response;
    try {
      response = await transport.fetch(request);
    } catch (error) {
      if (signal?.aborted || options.reconnect === false) return;
      await sleep(retryMs, signal).catch(() => undefined);
      continue;
    }
    if (!response.ok) {
      const body: unknown = await response.json().catch(() => undefined);
      throw new ProblemError(response, body);
    }
    if (response.body === null) return;
    try {
      for await (const raw of rawEvents(response.body, signal)) {
        if (raw.id !== undefined) lastEventId = raw.id;
        if (raw.retry !== undefined) retryMs = raw.retry;
        const event = typed(raw);
        if (event !== undefined) yield event;
      }
    } catch (error) {
      if (signal?.aborted) return;
    }
    if (options.reconnect === false) return;
    await sleep(retryMs, signal).catch(() => undefined);
  }
}

function last(raw: RawEvent): ExpiredEvent | ShutdownEvent | undefined {
  if (raw.event === "expired") return { type: "expired" };
  if (raw.event === "shutdown") return { type: "shutdown", retryMs: raw.retry ?? DEFAULT_RETRY_MS };
  return undefined;
}

/** `GET /tickets/{id}/events` as typed events. */
export function ticketEvents(transport: StreamTransport, id: string, options: StreamOptions = {}): AsyncGenerator<TicketEvent> {
  return stream(transport, `/tickets/${encodeURIComponent(id)}/events`, options, (raw): TicketEvent | undefined => {
    if (raw.event === "note" && raw.id !== undefined) return { type: "note", id: raw.id, note: JSON.parse(raw.data) as Note };
    if (raw.event === "status" && raw.id !== undefined) return { type: "status", id: raw.id, ticket: JSON.parse(raw.data) as Ticket };
    return last(raw);
  });
}

/** `GET /events` as typed events. */
export function tenantEvents(transport: StreamTransport, options: StreamOptions = {}): AsyncGenerator<TenantEvent> {
  const { lastEventId: _none, ...rest } = options; // the list stream has no ids
  return stream(transport, "/events", rest, (raw): TenantEvent | undefined => {
    if (raw.event === "ticket") return { type: "ticket", ticket: JSON.parse(raw.data) as Ticket };
    if (raw.event === "status") return { type: "status", ticket: JSON.parse(raw.data) as Ticket };
    return last(raw);
  });
}
