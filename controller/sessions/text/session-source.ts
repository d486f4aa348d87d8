/**
 * Where the text pipeline reads a session from. The session gateway owns sessions and
 * their recordings; it provides a SessionSource once at start (`provideSessionSource`),
 * and the text jobs (session-log-converter, session-texts-indexer, command-audit) take
 * only a session id. For the gateway's records the mapping is: person = the person's uid,
 * hostName = the inventory host's name, recording = the output and input cast files
 * (absolute paths: the gateway stores them relative to the data directory).
 *
 * `directorySessionSource` reads a folder of `<id>.cast`, `<id>.input.cast` and
 * `<id>.json` (the metadata): what the tests and the benchmark write, and a way to feed
 * recordings made elsewhere.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { invalidConfig, invalidInput } from '../../../shared/errors';
import type { Config } from '../../config/load-config';
import type { Store } from '../../store/store';
import type { RecordingFiles } from './asciicast';
import type { SessionMetadata } from './session-log';

export interface SessionSource {
  /** The recording files of a session; null when it has none. */
  recording(sessionId: string): Promise<RecordingFiles | null>;
  /** Who, where and when; null when there is no such session. */
  metadata(sessionId: string): Promise<SessionMetadata | null>;
}

export type SessionSourceFactory = (deps: {
  store: Omit<Store, 'kind' | 'close'>;
  config: Config;
}) => SessionSource;

let provided: SessionSourceFactory | null = null;

/** Called once by whoever owns sessions (the gateway); null forgets it (tests). */
export function provideSessionSource(factory: SessionSourceFactory | null): void {
  provided = factory;
}

export function sessionSourceFor(deps: Parameters<SessionSourceFactory>[0]): SessionSource {
  if (!provided)
    throw invalidConfig(
      'no session source: recorded sessions are read through the session gateway, which is not started in this controller',
    );
  return provided(deps);
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

export function directorySessionSource(dir: string): SessionSource {
  const fileOf = (sessionId: string, suffix: string) => {
    if (!SAFE_ID.test(sessionId))
      throw invalidInput(`sessionId: ${JSON.stringify(sessionId)} is not a session id`, {
        details: {
          field: 'sessionId',
          value: sessionId,
          expected: 'letters, digits, ".", "_", "-"',
        },
      });
    return path.join(dir, `${sessionId}${suffix}`);
  };
  return {
    recording: async (sessionId) => {
      const output = fileOf(sessionId, '.cast');
      if (!(await exists(output))) return null;
      const input = fileOf(sessionId, '.input.cast');
      return { output, input: (await exists(input)) ? input : null };
    },
    metadata: async (sessionId) => {
      const file = fileOf(sessionId, '.json');
      if (!(await exists(file))) return null;
      return JSON.parse(await readFile(file, 'utf8')) as SessionMetadata;
    },
  };
}
