/** A JSON answer of the admin API. */
export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** Options of {@link AdminClient.call}. */
export interface CallOptions {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  /** A bearer token; none sends no Authorization header. */
  readonly token?: string;
  /** Sent as it is when a string, as JSON otherwise. */
  readonly body?: unknown;
}

/** Calls a server's admin endpoints over real HTTP, for integration and browser tests. */
export class AdminClient {
  constructor(readonly base: string) {}

  static forPort(httpPort: number): AdminClient {
    return new AdminClient(`http://127.0.0.1:${httpPort}`);
  }

  /** Calls `path` and reads the JSON body; a non-JSON body is a test failure. */
  async call(path: string, options: CallOptions = {}): Promise<ApiAnswer> {
    const response = await this.fetch(path, options);
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('application/json')) {
      throw new Error(`${path} answered ${response.status} with ${type}, not JSON`);
    }
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  fetch(path: string, options: CallOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const { body } = options;
    return fetch(`${this.base}${path}`, {
      method: options.method ?? 'GET',
      headers,
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  }

  /** The Prometheus text of `/metrics`. */
  async metrics(token?: string): Promise<string> {
    const response = await this.fetch('/metrics', token === undefined ? {} : { token });
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
    return response.text();
  }
}

/** Resolves when `check` passes, polling every 20 ms; rejects with its last error after `ms`. */
export async function eventually<T>(check: () => Promise<T> | T, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
