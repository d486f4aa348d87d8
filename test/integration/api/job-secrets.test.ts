/**
 * Credentials given in a host job's `connection` are sealed when the job is queued: a real
 * sshd accepts them (the executor opened them), and yet no API answer an auditor or an
 * admin can read, no audit entry, no child job and no byte of the store holds them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ROLES } from '../../../controller/api/route-roles';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { startTestController, type TestController } from '../../helpers/test-controller';

type Job = {
  id: string;
  type: string;
  state: string;
  params: Record<string, unknown>;
  error: { code: string; message: string } | null;
};
type Page<T> = { items: T[]; nextCursor: string | null };

const ENDED = ['completed', 'failed', 'cancelled', 'expired'];

describe.each(['sqlite', 'mongodb'] as const)(
  'job credentials are sealed, never shown (%s)',
  (store) => {
    let sshd: TestSshd;
    let ctl: TestController;
    let keyDir = '';
    let operator = '';
    let auditor = '';
    let privateKey = '';
    /** Strings that must appear nowhere: the password, and lines of the private key. */
    const planted: string[] = [];
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const jobIds: string[] = [];

    const token = async (name: string, role: string) =>
      (await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', { body: { name, role } })).body
        .secret;
    const ended = async (id: string) => {
      for (let i = 0; i < 1200; i++) {
        const r = await ctl.api<Job>('GET', `/api/v1/jobs/${id}`);
        if (ENDED.includes(r.body.state)) return r.body;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error(`job ${id} did not end`);
    };
    const start = async (type: string, params: unknown) => {
      const r = await ctl.api<{ job: Job }>('POST', '/api/v1/jobs', {
        token: operator,
        body: { type, params },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      jobIds.push(r.body.job.id);
      return r.body.job;
    };

    beforeAll(async () => {
      keyDir = await mkdtemp(path.join(tmpdir(), 'kwt-secrets-'));
      const root = await generateClientKey(keyDir, 'root');
      privateKey = await readFile(root.path, 'utf8');
      // The key's base64 lines after the first two (those hold the format header and the
      // public key, which the inventory rightly shows): any one of them found is a leak.
      const lines = privateKey.split('\n').filter((l) => /^[A-Za-z0-9+/=]{20,}$/.test(l));
      planted.push(password, ...lines.slice(2));
      sshd = await startTestSshd({
        rootAuthorizedKeys: `${root.publicKey}\n`,
        users: [{ name: 'pat', password }],
      });
      ctl = await startTestController({
        store,
        env: {
          KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath]),
          // no test here waits for a lease to run out; FerretDB under load has answered a
          // renewal after the helper's 5 s
          KEYWARDEN_LEASE: '30s',
        },
      });
      operator = await token('ops', 'operator');
      auditor = await token('reader', 'auditor');
    }, 60_000);

    afterAll(async () => {
      await ctl?.stop();
      await sshd?.stop();
      await rm(keyDir, { recursive: true, force: true });
    });

    it('logs in with sealed credentials, passes them to children by reference, shows none', async () => {
      const base = {
        host: sshd.address,
        port: sshd.port,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
      };
      const pat = sshd.user('pat').name;
      // A password login: sshd accepting it proves the executor opened the sealed value.
      const byPassword = await start('scan-authorized-keys', {
        connection: { ...base, username: pat, password },
        accounts: [pat],
        sshdConfigPath: sshd.configPath,
      });
      await sshd.waitForLog(new RegExp(`Accepted password for ${pat}`), 30_000);
      await ended(byPassword.id);
      // A key login, and a fan-out parent whose child logs in with the parent's key.
      const rootConn = { ...base, username: 'root', privateKey };
      const byKey = await ended(
        (
          await start('scan-authorized-keys', {
            connection: rootConn,
            sshdConfigPath: sshd.configPath,
          })
        ).id,
      );
      expect(byKey.state, JSON.stringify(byKey.error)).toBe('completed');
      const parent = await ended(
        (
          await start('blacklist-keys', {
            fingerprint: `SHA256:${randomBytes(32).toString('base64').slice(0, 43)}`,
            reason: 'test',
            targets: [{ connection: rootConn }],
            sshdConfigPath: sshd.configPath,
          })
        ).id,
      );
      const children = await ctl.api<Page<Job>>('GET', `/api/v1/jobs?parent=${parent.id}`);
      expect(children.body.items).toHaveLength(1);
      const child = children.body.items[0]!;
      jobIds.push(child.id);
      expect(child.state, JSON.stringify(child.error)).toBe('completed');

      // What people see: a redaction where the credential was.
      const shown = await ctl.api<Job>('GET', `/api/v1/jobs/${byPassword.id}`, { token: auditor });
      expect(shown.body.params.connection).toMatchObject({ username: pat, password: '[sealed]' });
      expect(child.params.connection).toMatchObject({ username: 'root', privateKey: '[sealed]' });
      const started = await ctl.api<Page<{ details: { params: Job['params'] } }>>(
        'GET',
        `/api/v1/audit?action=job.start&subject=${byPassword.id}`,
        { token: auditor },
      );
      expect(started.body.items[0]?.details.params.connection).toMatchObject({
        password: '[sealed]',
      });

      // The child holds a reference to its parent's sealed value, not a copy of it.
      const row = await ctl.services.store.jobs.get(child.id);
      const childConn = (row?.params as { connection: Record<string, unknown> }).connection;
      expect(childConn.privateKey).toEqual({ sealedRef: expect.stringMatching(/^[0-9a-f]{24}$/) });

      // Every route an auditor (and an admin) can read, with every job's id where one is asked.
      const readable = Object.entries(ROUTE_ROLES)
        .filter(([k, role]) => k.startsWith('GET /api/') && role !== 'public')
        .map(([k]) => k.slice(4))
        .concat('/metrics');
      const bodies: string[] = [];
      for (const who of [auditor, ctl.adminToken]) {
        for (const route of readable) {
          const urls = route.includes(':id')
            ? jobIds.map((id) => route.replace(':id', id))
            : [route.replace(':type', 'scan-authorized-keys')];
          for (const url of urls) {
            const sep = url.includes('?') ? '&' : '?';
            const r = await fetch(
              `${ctl.url}${url}${route.includes(':') ? '' : `${sep}limit=500`}`,
              {
                headers: { authorization: `Bearer ${who}` },
              },
            );
            bodies.push(`${url} ${r.status} ${await r.text()}`);
          }
        }
      }
      const all = bodies.join('\n');
      expect(planted.length).toBeGreaterThanOrEqual(3);
      expect(all).toContain('[sealed]');
      for (const secret of planted) expect(all).not.toContain(secret);
      // Not even the ciphertext is shown.
      expect(all).not.toMatch(/kw1:[0-9a-f]{12}:/);

      // And no record of the store holds them: every job and audit row as stored...
      const stored: unknown[] = [];
      for (let after: string | undefined, more = true; more;) {
        const page = await ctl.services.store.jobs.list({}, { limit: 500, after });
        stored.push(...page.items);
        after = page.nextCursor ?? undefined;
        more = page.nextCursor !== null;
      }
      stored.push(...(await ctl.services.store.audit.list({}, { limit: 500 })).items);
      const rows = JSON.stringify(stored);
      expect(rows).toContain('"sealed":"kw1:');
      for (const secret of planted) expect(rows).not.toContain(secret);
      // ...and, on SQLite, no byte of the file (the database and its write-ahead log).
      if (store === 'sqlite') {
        const db = path.join(ctl.services.config.dataDir, 'keywarden.db');
        const bytes = [db, `${db}-wal`]
          .filter((f) => existsSync(f))
          .map((f) => readFileSync(f).toString('latin1'))
          .join('');
        expect(bytes.length).toBeGreaterThan(0);
        for (const secret of planted) expect(bytes).not.toContain(secret);
      }
    }, 120_000);

    it('refuses a sealed value as input: only the secret itself is sealed', async () => {
      const r = await ctl.api<{ error: { code: string; message: string } }>(
        'POST',
        '/api/v1/jobs',
        {
          token: operator,
          body: {
            type: 'scan-authorized-keys',
            params: {
              connection: {
                host: sshd.address,
                port: sshd.port,
                username: 'root',
                hostKeyFingerprint: sshd.hostKeyFingerprint,
                privateKey: { sealed: 'kw1:000000000000:AAAA' },
              },
            },
          },
        },
      );
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain('connection.privateKey');
    });
  },
);
