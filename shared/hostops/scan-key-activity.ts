import type { HostSession } from '../session/host-session';
import type { KeyLoginEvent } from './key-activity-log';
import { parseKeyLoginLine } from './key-activity-log';

export interface KeyActivityCursor {
  /** Per log file: bytes already read (a file now shorter than that was rotated). */
  files: Record<string, { offset: number }>;
}

export interface ScanKeyActivityParams {
  logFiles?: string[];
  cursor?: KeyActivityCursor;
}

export interface ScanKeyActivityResult {
  events: (KeyLoginEvent & { file: string })[];
  /** Hand back on the next scan: nothing is counted twice. */
  cursor: KeyActivityCursor;
  missingFiles: string[];
}

const DEFAULT_LOG_FILES = ['/var/log/auth.log', '/var/log/secure'];

/**
 * Key logins since the cursor. Only complete lines are consumed, so a line sshd is still
 * writing is read whole on the next scan.
 */
export async function scanKeyActivity(
  session: HostSession,
  params: ScanKeyActivityParams = {},
): Promise<ScanKeyActivityResult> {
  const cursor: KeyActivityCursor = { files: { ...params.cursor?.files } };
  const events: ScanKeyActivityResult['events'] = [];
  const missingFiles: string[] = [];
  for (const file of params.logFiles ?? DEFAULT_LOG_FILES) {
    const st = await session.stat(file);
    if (!st) {
      missingFiles.push(file);
      continue;
    }
    const { content } = await session.readFile(file);
    let offset = cursor.files[file]?.offset ?? 0;
    if (offset > content.length) offset = 0; // rotated or truncated: start again
    const end = content.lastIndexOf(0x0a) + 1;
    if (end <= offset) continue;
    for (const line of content.subarray(offset, end).toString('utf8').split('\n')) {
      const event = parseKeyLoginLine(line);
      if (event) events.push({ ...event, file });
    }
    cursor.files[file] = { offset: end };
  }
  return { events, cursor, missingFiles };
}
