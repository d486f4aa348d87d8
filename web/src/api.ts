/**
 * The console's one way to the API: same origin, the token from this tab's session
 * storage in the Authorization header, JSON in and out, and the API's error body
 * ({error: {code, message}}) turned into an ApiError whose message is shown as is.
 */
const TOKEN_KEY = 'keywarden.token';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the API says the token is no good (401): the app goes back to sign-in. */
let onUnauthenticated: () => void = () => undefined;
export const setUnauthenticatedHandler = (fn: () => void) => {
  onUnauthenticated = fn;
};

const headers = (json: boolean): Record<string, string> => {
  const h: Record<string, string> = { accept: 'application/json' };
  const token = tokenStore.get();
  if (token) h.authorization = `Bearer ${token}`;
  if (json) h['content-type'] = 'application/json';
  return h;
};

async function failure(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as {
    error?: { code?: string; message?: string };
  } | null;
  return new ApiError(
    res.status,
    body?.error?.code ?? `HTTP_${res.status}`,
    body?.error?.message ?? `${res.status} ${res.statusText}`,
  );
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!res.ok) {
    const err = await failure(res);
    if (res.status === 401) onUnauthenticated();
    throw err;
  }
  return (await res.json()) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** A GET whose answer is text (a recording), with the same token and error handling. */
export async function getText(path: string): Promise<string> {
  const res = await fetch(path, {
    headers: headers(false),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!res.ok) {
    const err = await failure(res);
    if (res.status === 401) onUnauthenticated();
    throw err;
  }
  return res.text();
}

/** A query string from the set values only. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Server-sent events read with fetch, so the token goes in the Authorization header as on
 * every other call (EventSource cannot send one, and a token in a URL ends up in logs).
 * Calls onEvent per event until the server ends the stream or `signal` aborts.
 */
export async function streamEvents(
  path: string,
  onEvent: (event: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(path, {
    headers: { ...headers(false), accept: 'text/event-stream' },
    credentials: 'omit',
    signal,
  });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) onEvent(event, JSON.parse(data.join('\n')));
    }
  }
}
