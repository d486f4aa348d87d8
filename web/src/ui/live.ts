/**
 * Live progress from GET /api/v1/job-events (server-sent events read with fetch). The hook
 * keeps the newest snapshot; the stream is re-opened if it drops while the page is open.
 */
import { useEffect, useState } from 'preact/hooks';
import { streamEvents } from '../api';

export interface Live<T> {
  data: T | null;
  ended: boolean;
  error: Error | null;
}

export function useLive<T>(path: string | null): Live<T> {
  const [state, setState] = useState<Live<T>>({ data: null, ended: false, error: null });
  useEffect(() => {
    if (!path) return;
    const abort = new AbortController();
    let ended = false;
    setState({ data: null, ended: false, error: null });
    const run = async () => {
      while (!abort.signal.aborted && !ended) {
        try {
          await streamEvents(
            path,
            (event, data) => {
              if (event === 'update') setState((s) => ({ ...s, data: data as T, error: null }));
              if (event === 'end') {
                ended = true;
                setState((s) => ({ ...s, ended: true }));
              }
            },
            abort.signal,
          );
        } catch (err) {
          if (abort.signal.aborted) return;
          setState((s) => ({ ...s, error: err as Error }));
        }
        if (!ended && !abort.signal.aborted) await new Promise((r) => setTimeout(r, 2000));
      }
    };
    void run();
    return () => abort.abort();
  }, [path]);
  return state;
}

/** Resolves when the job and its children have ended (the stream's `end` event). */
export async function jobEnded(jobId: string): Promise<void> {
  const abort = new AbortController();
  await streamEvents(
    `/api/v1/job-events?job=${encodeURIComponent(jobId)}`,
    (event) => {
      if (event === 'end') abort.abort();
    },
    abort.signal,
  ).catch((err: Error) => {
    if (!abort.signal.aborted) throw err;
  });
}
