/**
 * The agent's state directory: its identity (key 0600, certificate, CA, controllers,
 * settings), the journal of accepted assignments, and the spool of results the
 * controller has not acknowledged yet. Every write is a temp file + rename, so a
 * crash leaves either the old or the new file.
 */
import {
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import path from 'node:path';
import type { IcbPayload } from '../shared/proto/icb-format';

export interface Identity {
  agentId: string;
  controllers: string[];
  settings: IcbPayload['settings'];
  certificateNotAfter: number;
}

export class StateDir {
  constructor(readonly dir: string) {
    for (const d of [dir, this.spoolDir, this.journalDir])
      mkdirSync(d, { recursive: true, mode: 0o700 });
  }

  get spoolDir(): string {
    return path.join(this.dir, 'spool');
  }
  get journalDir(): string {
    return path.join(this.dir, 'journal');
  }

  write(name: string, content: string, mode = 0o600): void {
    const file = path.join(this.dir, name);
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, content, { mode });
    renameSync(tmp, file);
  }

  read(name: string): string {
    return readFileSync(path.join(this.dir, name), 'utf8');
  }

  /** When a file of the state directory was last written (ms). */
  writtenAt(name: string): number {
    return statSync(path.join(this.dir, name)).mtimeMs;
  }

  /**
   * Installs a new key pair and certificate. Both are written in full beside the old ones
   * before either is moved into place, so a crash at any point leaves a pair that
   * matches once completeCredentials() has run (a key that does not match its
   * certificate would lock the agent out for good: it could neither connect nor renew).
   */
  writeCredentials(keyPem: string, certPem: string): void {
    this.write('agent.key.next', keyPem, 0o600);
    this.write('agent.crt.next', certPem, 0o644);
    this.completeCredentials();
  }

  /** Finishes a writeCredentials() that a crash interrupted (run at start). */
  completeCredentials(): void {
    const file = (n: string) => path.join(this.dir, n);
    const key = existsSync(file('agent.key.next'));
    const crt = existsSync(file('agent.crt.next'));
    if (key && !crt) {
      rmSync(file('agent.key.next'), { force: true }); // the old pair is intact
      return;
    }
    if (key) renameSync(file('agent.key.next'), file('agent.key'));
    if (crt) renameSync(file('agent.crt.next'), file('agent.crt'));
  }

  enrolled(): boolean {
    return existsSync(path.join(this.dir, 'identity.json'));
  }

  identity(): Identity {
    return JSON.parse(this.read('identity.json')) as Identity;
  }

  /** Stores one JSON record per key in a subdirectory (spool, journal). */
  put(sub: 'spool' | 'journal', key: string, value: unknown): void {
    this.write(path.join(sub, `${key}.json`), JSON.stringify(value));
  }

  has(sub: 'spool' | 'journal', key: string): boolean {
    return existsSync(path.join(this.dir, sub, `${key}.json`));
  }

  remove(sub: 'spool' | 'journal', key: string): void {
    rmSync(path.join(this.dir, sub, `${key}.json`), { force: true });
  }

  list<T>(sub: 'spool' | 'journal'): Array<{ key: string; value: T }> {
    const dir = path.join(this.dir, sub);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .flatMap((f) => {
        try {
          return [
            {
              key: f.slice(0, -5),
              value: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as T,
            },
          ];
        } catch {
          return []; // a torn temp file is never named .json; anything else unreadable is skipped
        }
      });
  }
}
