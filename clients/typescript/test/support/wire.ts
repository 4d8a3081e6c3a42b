// A fetch that passes every request to the real gateway and records what crossed the wire, so a
// test can assert on the requests the client sent and the answers the gateway gave.
export interface Exchange {
  method: string;
  path: string;
  requestHeaders: Headers;
  status: number;
  headers: Headers;
  /** When the answer arrived (performance.now()). */
  at: number;
}

export class Wire {
  readonly exchanges: Exchange[] = [];
  /** Runs after each answer arrives and may throw instead of returning it. */
  onAnswer: ((exchange: Exchange, response: Response) => Promise<void> | void) | undefined;

  readonly fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const requestHeaders = new Headers(request.headers);
    const response = await fetch(request);
    const exchange: Exchange = {
      method: request.method,
      path: url.pathname + url.search,
      requestHeaders,
      status: response.status,
      headers: response.headers,
      at: performance.now(),
    };
    this.exchanges.push(exchange);
    await this.onAnswer?.(exchange, response);
    return response;
  };

  to(method: string, pathPrefix: string): Exchange[] {
    return this.exchanges.filter((e) => e.method === method && e.path.startsWith(pathPrefix));
  }
}
