/**
 * What runs when a recorded session has ended: the text pipeline (readable log, indexing,
 * command scoring) registers here, so the gateway neither waits for it nor knows it. A hook
 * gets the session record and the absolute paths of its recording; a hook that throws is
 * logged and does not disturb the others or the session's end.
 */
import type { SessionRecord } from '../store/session-records';

export interface EndedSession {
  session: SessionRecord;
  /** Absolute paths of the output and input casts. */
  recordingFile: string;
  inputFile: string;
}

export type SessionEndHook = (ended: EndedSession) => void | Promise<void>;

const hooks = new Set<SessionEndHook>();

export function onSessionEnd(hook: SessionEndHook): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

export async function runSessionEndHooks(
  ended: EndedSession,
  log: { warn(obj: object, msg: string): void },
): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook(ended);
    } catch (err) {
      log.warn({ err, sessionId: ended.session.id }, 'a session-end hook failed');
    }
  }
}
