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

  /** A file the API serves, streamed to disk (see downloadTo). */
  download(path: string, file: (suggested: string | null) => string) {
    return downloadTo(this.baseUrl, this.token, path, file);
  }
}

/**
 * A file the API serves (a listing), streamed to `file` (created 0600: a listing can hold
 * what only some roles may read) rather than held in memory. Returns the bytes written and
 * the file name the server suggests.
 */
export async function downloadTo(
  baseUrl: string,
  token: string,
  path: string,
  file: (suggested: string | null) => string,
): Promise<{ file: string; bytes: number }> {
  const { createWriteStream } = await import('node:fs');
  const { Readable } = await import('node:stream');
  const { pipeline } = await import('node:stream/promises');
  let res: Response;
  try {
    res = await fetch(new URL(path, baseUrl), { headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new ApiError(0, 'UNREACHABLE', `cannot reach ${baseUrl}: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) {
    const text = await res.text();
    let e: { code?: string; message?: string } | undefined;
    try {
      e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    } catch {
      e = undefined;
    }
    throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? text);
  }
  const suggested =
    /filename="([^"/\\]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? null;
  const target = file(suggested);
  const out = createWriteStream(target, { mode: 0o600 });
  await pipeline(Readable.fromWeb(res.body as never), out);
  return { file: target, bytes: out.bytesWritten };
}
