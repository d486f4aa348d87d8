/**
 * A store written before job params were sealed holds credentials in clear: in job params
 * (the job and its children) and in job.start audit entries. Migration 4 removes them, and
 * no byte of the file keeps them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../controller/store/sqlite/migrations';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';

describe('migration 4: credentials stored in clear before sealing', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-legacy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('removes them from job params and audit entries, and from the file', async () => {
    const file = path.join(dir, 'keywarden.db');
    const password = `legacy-pw-${randomBytes(12).toString('hex')}`;
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(60).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const conn = { host: 'h', username: 'root', hostKeyFingerprint: 'SHA256:x' };
    // The store as an older controller left it: every migration before this one.
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(
      'CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    for (const m of migrations.filter((x) => x.id !== 4)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.id, m.name, 0);
    }
    const job = db.prepare(
      `INSERT INTO jobs (id, type, state, params, max_attempts, run_at, created_by, trigger, created_at)
       VALUES (?, ?, 'completed', ?, 1, 0, 'admin', 'admin', 0)`,
    );
    const parent = {
      targets: [
        { connection: { ...conn, password } },
        { hostId: 'h2' },
        { connection: { ...conn, privateKey: key } },
      ],
      content: 'x',
    };
    job.run('j1', 'conf-deploy', JSON.stringify(parent));
    job.run(
      'j2',
      'scan-configs',
      JSON.stringify({ connection: { ...conn, password }, sshdBinary: '/usr/sbin/sshd' }),
    );
    job.run('j3', 'test-sleep', JSON.stringify({ ms: 1 }));
    db.prepare(`INSERT INTO audit VALUES ('a1', 0, 'admin', 'job.start', 'j1', ?)`).run(
      JSON.stringify({ type: 'conf-deploy', params: parent }),
    );
    db.close();

    const store = openSqliteStore(file);
    const raw = new Database(file, { readonly: true });
    const params = (id: string) =>
      JSON.parse(
        (raw.prepare('SELECT params FROM jobs WHERE id = ?').get(id) as { params: string }).params,
      );
    expect(params('j1')).toEqual({
      targets: [{ connection: conn }, { hostId: 'h2' }, { connection: conn }],
      content: 'x',
    });
    expect(params('j2')).toEqual({ connection: conn, sshdBinary: '/usr/sbin/sshd' });
    expect(params('j3')).toEqual({ ms: 1 });
    const details = JSON.parse(
      (raw.prepare(`SELECT details FROM audit WHERE id = 'a1'`).get() as { details: string })
        .details,
    );
    expect(details.params.targets[0].connection.password).toBe('[removed]');
    expect(details.params.targets[2].connection.privateKey).toBe('[removed]');
    raw.close();
    await store.close();
    const bytes = ['', '-wal']
      .map((s) => {
        try {
          return readFileSync(`${file}${s}`).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
    expect(bytes).not.toContain(password);
    expect(bytes).not.toContain(key.split('\n')[1]!.slice(0, 40));
  });
});
