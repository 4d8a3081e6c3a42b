// The typed client: one method per resource operation of the gateway. Requests and answers are
// the generated types (./generated/openapi.ts, from openapi/openapi.json); a non-2xx answer
// throws a ProblemError.
import createClient, { type Client } from "openapi-fetch";
import { EtagCache } from "./etag-cache.js";
import { tenantEvents, ticketEvents, type StreamOptions, type TenantEvent, type TicketEvent } from "./events.js";
import type { components, operations, paths } from "./generated/openapi.js";
import { ProblemError } from "./problem.js";
import { DEFAULT_RETRY, type RetryOptions } from "./retry.js";
import { transportFetch, type FetchLike, type Policy, type TokenProvider, type Transport } from "./transport.js";

type Schemas = components["schemas"];
type Query<Op extends keyof operations> = NonNullable<operations[Op]["parameters"]["query"]>;
type JsonBody<Op extends keyof operations> = NonNullable<operations[Op]["requestBody"]>["content"]["application/json"];

export type Product = Schemas["ProductView"];
export type Products = Schemas["ProductsView"];
export type Categories = Schemas["CategoriesView"];
export type Ticket = Schemas["Ticket"];
export type TicketPage = Schemas["TicketPage"];
export type CreatedTicket = Schemas["CreatedTicket"];
export type NoteList = Schemas["NoteList"];
export type NewTicket = JsonBody<"create_ticket">;
export type NewNote = JsonBody<"reply">;
/** `POST /tickets/{id}/reopen` body (Workorder 2021-06-10 tenants). */
export type Reopen = JsonBody<"reopen_ticket">;
/** `POST /tickets/{id}/rating` body (Workorder 2021-06-10 tenants). */
export type Rating = JsonBody<"rate_ticket">;
/** Where to PUT one file, from `POST /attachments`. */
export type UploadSlot = Schemas["UploadSlot"];
/** `normal` or `urgent`. */
export type Severity = Schemas["Severity"];
/** `GET /tickets` filters and paging. */
export type TicketQuery = Query<"list_tickets">;
/** The languages `?lang=` takes, as the document types them. */
export type Language = NonNullable<Query<"list_products">["lang"]>;

export interface ClientOptions {
  /** Where the gateway is, with its `server.base_path` if any: `https://support.example.com/support-api`. */
  baseUrl: string;
  /** Returns the bearer token (JWT); called before every attempt, so refreshed tokens just work. */
  token: TokenProvider;
  /** Default `?lang=` of language-aware reads; else the gateway uses Accept-Language, then the tenant's. */
  lang?: Language;
  /** Retry rules (429/503 with Retry-After; network errors of repeatable requests). */
  retry?: Partial<RetryOptions>;
  /** Most catalog answers kept for `If-None-Match` (default 32; 0 turns the cache off). */
  etagCacheEntries?: number;
  /** The fetch to send with (default `globalThis.fetch`): for tests, instrumentation, a proxy. */
  fetch?: FetchLike;
}

/** Per call: cancel it, waits between retries included. */
export interface CallOptions {
  signal?: AbortSignal;
}
export interface LangOptions extends CallOptions {
  lang?: Language;
}
export interface WriteOptions extends CallOptions {
  /** The write's Idempotency-Key. Default: a fresh UUID per call, reused by that call's retries.
   * Pass your own to carry one logical write across page reloads (keep it with the draft). */
  idempotencyKey?: string;
}

/** Largest catalog body the ETag cache keeps (the demo catalog is a few KiB). */
const ETAG_CACHE_MAX_BODY_BYTES = 1 << 20;

export class WorkorderClient {
  /** The underlying openapi-fetch client (token and retries included, no ETag cache), for
   * operations this class does not wrap (e.g. `/readyz`). It returns `{ data, error, response }`. */
  readonly raw: Client<paths>;
  private readonly transport: Transport;
  private readonly lang: Language | undefined;
  private readonly baseUrl: string;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, "");
    const baseFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
    this.transport = {
      fetch: baseFetch,
      token: options.token,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      etags: new EtagCache(options.etagCacheEntries ?? 32, ETAG_CACHE_MAX_BODY_BYTES),
    };
    this.lang = options.lang;
    this.raw = createClient<paths>({
      baseUrl: options.baseUrl,
      fetch: transportFetch(this.transport),
      // The gateway's list filters are comma lists (`status=in_progress,completed`).
      querySerializer: { array: { style: "form", explode: false } },
    });
  }

  /** `GET /products`: the tenant's catalog, revalidated with If-None-Match. */
  async listProducts(options: LangOptions = {}): Promise<Products> {
    return data(
      await this.raw.GET("/products", {
        params: { query: { lang: options.lang ?? this.lang } },
        ...this.init(options, { etag: true }),
      }),
    );
  }

  /** `GET /products/{code}`: one product (404 `product_not_found`). */
  async getProduct(code: string, options: LangOptions = {}): Promise<Product> {
    return data(
      await this.raw.GET("/products/{code}", {
        params: { path: { code }, query: { lang: options.lang ?? this.lang } },
        ...this.init(options, { etag: true }),
      }),
    );
  }

  /** `GET /products/{code}/categories`: the categories a ticket for this product can take. */
  async listCategories(code: string, options: LangOptions = {}): Promise<Categories> {
    return data(
      await this.raw.GET("/products/{code}/categories", {
        params: { path: { code }, query: { lang: options.lang ?? this.lang } },
        ...this.init(options, { etag: true }),
      }),
    );
  }

  /** `GET /tickets`: a page of the tenant's tickets, newest first. */
  async listTickets(query: TicketQuery = {}, options: CallOptions = {}): Promise<TicketPage> {
    return data(await this.raw.GET("/tickets", { params: { query }, ...this.init(options) }));
  }

  /** `GET /tickets/{id}` (404 `ticket_not_found`). */
  async getTicket(id: string, options: LangOptions = {}): Promise<Ticket> {
    return data(
      await this.raw.GET("/tickets/{id}", {
        params: { path: { id }, query: { lang: options.lang ?? this.lang } },
        ...this.init(options),
      }),
    );
  }

  /** `POST /tickets`: files a ticket exactly once, however often the call is retried. */
  async createTicket(ticket: NewTicket, options: WriteOptions = {}): Promise<CreatedTicket> {
    return data(
      await this.raw.POST("/tickets", {
        params: { header: { "Idempotency-Key": options.idempotencyKey ?? newKey() } },
        body: ticket,
        ...this.init(options),
      }),
    );
  }

  /** `GET /tickets/{id}/notes`: the conversation, oldest first. */
  async listNotes(id: string, options: LangOptions = {}): Promise<NoteList> {
    return data(
      await this.raw.GET("/tickets/{id}/notes", {
        params: { path: { id }, query: { lang: options.lang ?? this.lang } },
        ...this.init(options),
      }),
    );
  }

  /** `POST /tickets/{id}/notes`: replies exactly once, however often the call is retried. */
  async reply(id: string, note: NewNote, options: WriteOptions = {}): Promise<void> {
    done(
      await this.raw.POST("/tickets/{id}/notes", {
        params: { path: { id }, header: { "Idempotency-Key": options.idempotencyKey ?? newKey() } },
        body: note,
        ...this.init(options),
      }),
    );
  }

  /** `POST /tickets/{id}/close`: closing a closed ticket is accepted, so it is retried like a read. */
  async closeTicket(id: string, options: CallOptions = {}): Promise<void> {
    done(await this.raw.POST("/tickets/{id}/close", { params: { path: { id } }, ...this.init(options, { repeatable: true }) }));
  }

  /** `POST /tickets/{id}/reopen`: reopens a completed ticket (409 `ticket_state_conflict`
   * otherwise; 422 `api_version_unsupported` on a 2020-03-26 tenant). Not retried after it may
   * have reached the gateway: a repeat would post the message twice. */
  async reopenTicket(id: string, reopen: Reopen, options: CallOptions = {}): Promise<void> {
    done(await this.raw.POST("/tickets/{id}/reopen", { params: { path: { id } }, body: reopen, ...this.init(options) }));
  }

  /** `POST /tickets/{id}/rating`: rates a completed ticket, once in its life (409
   * `ticket_state_conflict` otherwise; 422 `api_version_unsupported` on a 2020-03-26 tenant). */
  async rateTicket(id: string, rating: Rating, options: CallOptions = {}): Promise<void> {
    done(await this.raw.POST("/tickets/{id}/rating", { params: { path: { id } }, body: rating, ...this.init(options) }));
  }

  /** `POST /attachments`: an upload slot for one file (Workorder 2021-06-10 tenants). */
  async createAttachment(fileName: string, options: CallOptions = {}): Promise<UploadSlot> {
    return data(await this.raw.POST("/attachments", { body: { fileName }, ...this.init(options) }));
  }

  /** The whole upload: asks for a slot, PUTs the bytes straight to its pre-signed URL (the file
   * never passes through the gateway), and returns the object key to name in a ticket's or a
   * reply's `attachments`. The PUT goes through the client's `fetch` without the bearer token:
   * the URL carries its own signature, and the token must not leave for storage. */
  async uploadAttachment(
    fileName: string,
    bytes: Blob | ArrayBuffer | Uint8Array,
    options: CallOptions & { contentType?: string } = {},
  ): Promise<string> {
    const slot = await this.createAttachment(fileName, options);
    const init: RequestInit = {
      method: "PUT",
      headers: { "content-type": options.contentType ?? "application/octet-stream" },
      body: bytes as BodyInit,
    };
    if (options.signal !== undefined) init.signal = options.signal;
    const response = await this.transport.fetch(new Request(slot.uploadUrl, init));
    if (!response.ok) {
      throw new Error(`upload of ${fileName} to storage failed: HTTP ${response.status}`);
    }
    return slot.objectKey;
  }

  /** `GET /tickets/{id}/events`: the conversation, then each new note and status change, as
   * typed events; reconnects with Last-Event-ID (no gap, no repeat) until `signal` aborts. */
  ticketEvents(id: string, options: StreamOptions = {}): AsyncGenerator<TicketEvent> {
    return ticketEvents(this.streamTransport(), id, options);
  }

  /** `GET /events`: the tenant's new tickets and status changes, as typed events. */
  tenantEvents(options: StreamOptions = {}): AsyncGenerator<TenantEvent> {
    return tenantEvents(this.streamTransport(), options);
  }

  private streamTransport() {
    return { baseUrl: this.baseUrl, token: this.transport.token, fetch: this.transport.fetch };
  }

  /** Forgets every cached catalog body (e.g. at logout). */
  clearCache(): void {
    this.transport.etags.clear();
  }

  private init(options: CallOptions, policy: Policy = {}): { fetch: FetchLike; signal?: AbortSignal } {
    const fetch = transportFetch(this.transport, policy);
    return options.signal === undefined ? { fetch } : { fetch, signal: options.signal };
  }
}

export function createWorkorderClient(options: ClientOptions): WorkorderClient {
  return new WorkorderClient(options);
}

// Web Crypto's UUID (browsers in secure contexts, Node ≥ 19): 122 random bits.
function newKey(): string {
  return globalThis.crypto.randomUUID();
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function data<T>(answer: Answer<T>): T {
  done(answer);
  if (answer.data === undefined) {
    throw new Error(`${answer.response.status} from ${answer.response.url} without the documented body`);
  }
  return answer.data;
}

function done(answer: Answer<unknown>): void {
  if (!answer.response.ok) throw new ProblemError(answer.response, answer.error);
}
