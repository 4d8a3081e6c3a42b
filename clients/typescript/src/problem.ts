// `application/problem+json` answers (RFC 9457) as a typed error. Every type is derived from the
// generated document, so when the document lists its error codes as an enum, `code` becomes that
// union with no change here.
import type { components } from "./generated/openapi.js";
import { REQUEST_ID, RETRY_AFTER, UPSTREAM_REQUEST_ID } from "./headers.js";
import { parseRetryAfter } from "./retry.js";

export type Problem = components["schemas"]["Problem"];
export type FieldError = components["schemas"]["FieldError"];
/** The stable machine-readable codes of docs/API.md, as the OpenAPI document types them. */
export type ErrorCode = Problem["code"];

/** An answer other than 2xx (or a 304 the client had nothing cached for). */
export class ProblemError extends Error {
  override readonly name = "ProblemError";
  /** The HTTP status. */
  readonly status: number;
  /**
   * The problem's `code`. `undefined` only when the body was not a problem document (an ingress
   * or proxy answered instead of the gateway).
   */
  readonly code: ErrorCode | undefined;
  /** The problem's `title` (or the HTTP status text). */
  readonly title: string;
  /** The problem's `detail`, a sentence for people (it names a bad parameter). */
  readonly detail: string | undefined;
  /** `X-Request-Id` of the answer: quote it in a support case. */
  readonly requestId: string | undefined;
  /** `X-Upstream-Request-Id`: the Workorder API's request id, when the gateway called it. */
  readonly upstreamRequestId: string | undefined;
  /** Field errors (422 `validation_failed`); empty when there are none. */
  readonly errors: readonly FieldError[];
  /** How long the gateway asked to wait (`Retry-After`), in milliseconds, when it said. */
  readonly retryAfterMs: number | undefined;
  /** The problem document as received, when the body was one. */
  readonly problem: Problem | undefined;

  constructor(response: Response, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    const title = problem?.title ?? response.statusText;
    super(`${response.status} ${problem?.code ?? title}${problem ? `: ${problem.detail}` : ""}`);
    this.status = response.status;
    this.problem = problem;
    this.code = problem?.code;
    this.title = title;
    this.detail = problem?.detail;
    // The headers are the gateway's own record; the body repeats them and covers a proxy that
    // does not expose them to the browser (CORS).
    this.requestId = response.headers.get(REQUEST_ID) ?? problem?.requestId ?? undefined;
    this.upstreamRequestId =
      response.headers.get(UPSTREAM_REQUEST_ID) ?? problem?.upstreamRequestId ?? undefined;
    this.errors = problem?.errors ?? [];
    this.retryAfterMs = parseRetryAfter(response.headers.get(RETRY_AFTER), Date.now());
  }
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== "object" || body === null) return false;
  const { code, status, title } = body as Record<string, unknown>;
  return typeof code === "string" && typeof status === "number" && typeof title === "string";
}
