/** The CLI's only way to the controller: JSON over fetch with the bearer token. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(
        0,
        'UNREACHABLE',
        `cannot reach ${this.baseUrl}: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? text);
    }
    return json as T;
  }

  /** A body that is not JSON (a DOT or GraphML export), as text. */
  async text(method: string, path: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.token}` },
      });
    } catch (err) {
      throw new ApiError(
        0,
        'UNREACHABLE',
        `cannot reach ${this.baseUrl}: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let e: { code?: string; message?: string } | undefined;
      try {
        e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      } catch {
        e = undefined;
      }
      throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? text);
    }
    return text;
  }
}
