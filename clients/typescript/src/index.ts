// workorder-gateway's TypeScript client. Everything typed here comes from the generated
// ./generated/openapi.ts (`npm run generate` after the OpenAPI document changes).
export {
  WorkorderClient,
  createWorkorderClient,
  type CallOptions,
  type Categories,
  type ClientOptions,
  type CreatedTicket,
  type Language,
  type LangOptions,
  type NewNote,
  type NewTicket,
  type NoteList,
  type Product,
  type Products,
  type Rating,
  type Reopen,
  type Severity,
  type Ticket,
  type TicketPage,
  type TicketQuery,
  type UploadSlot,
  type WriteOptions,
} from "./client.js";
export type { ExpiredEvent, ShutdownEvent, StreamOptions, TenantEvent, TicketEvent } from "./events.js";
export { ProblemError, type ErrorCode, type FieldError, type Problem } from "./problem.js";
export { parseRetryAfter, type RetryOptions } from "./retry.js";
export type { FetchLike, TokenProvider } from "./transport.js";
export type { components, operations, paths } from "./generated/openapi.js";
