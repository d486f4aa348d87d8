/**
 * SIEM export configured as an operator does it (KEYWARDEN_EXPORT_SINKS) on a real
 * controller, on each store: a bounded, rotated file of OCSF JSON lines, and an HTTP
 * endpoint taking CEF batches with a bearer token, which refuses the first batches (the
 * batch is sent again, nothing lost). `keywarden export sinks` shows where each got to and
 * never the token.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { keywarden } from '../authorizations/authorization-fleet';

const TOKEN = 'siem-token-0123456789-do-not-log';

describe.each(['sqlite', 'mongodb'] as const)('export sinks on a %s controller', (store) => {
  let dir = '';
  let ctl: TestController;
  let http: Server;
  let port = 0;
  const posted: { key: string | undefined; ids: string[]; subjects: string[] }[] = [];
  let refuse = 2;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kwt-sinks-'));
    await writeFile(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    http = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.writeHead(401).end();
        if (refuse-- > 0) return res.writeHead(503).end();
        posted.push({
          key: req.headers['idempotency-key'] as string | undefined,
          ids: [...body.matchAll(/externalId=(\S+)/g)].map((m) => m[1] ?? ''),
          subjects: [...body.matchAll(/cs1=(\S+)/g)].map((m) => m[1] ?? ''),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    port = (http.address() as { port: number }).port;
    ctl = await startTestController({
      store,
      env: {
        KEYWARDEN_EXPORT_SINKS: JSON.stringify([
          {
            id: 'archive',
            format: 'ocsf',
            url: `file://${join(dir, 'events.jsonl')}`,
            feeds: ['audit'],
            maxBytes: 4096,
            keep: 2,
            batchSize: 5,
          },
          {
            id: 'collector',
            format: 'cef',
            url: `http://127.0.0.1:${port}/ingest`,
            tokenFile: join(dir, 'token'),
            batchSize: 10,
          },
        ]),
      },
    });
  }, 120_000);

  afterAll(async () => {
    await ctl?.stop();
    await new Promise((r) => http?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a bounded file and posts to the HTTP sink, resending refused batches', async () => {
    const sinks = async () => {
      const r = await keywarden(['--json', 'export', 'sinks'], {
        KEYWARDEN_URL: ctl.url,
        KEYWARDEN_TOKEN: ctl.adminToken,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain(TOKEN);
      return JSON.parse(r.stdout) as { items: { id: string; state: string; delivered: number }[] };
    };
    // Both sinks start at the end of the feeds: wait until they have.
    await vi.waitFor(
      async () => expect((await sinks()).items.map((s) => s.state)).toEqual(['idle', 'idle']),
      { timeout: 30_000, interval: 200 },
    );
    const subjects: string[] = [];
    for (let i = 0; i < 40; i++) {
      const subject = `export-${store}-${i}`;
      subjects.push(subject);
      await ctl.services.store.audit.append({
        at: Date.now(),
        actor: 'admin:test',
        action: 'export.test',
        subject,
        details: { i, note: 'x'.repeat(200) },
      });
    }
    const files = async () =>
      (await readdir(dir)).filter((f) => f.startsWith('events.jsonl')).sort();
    const lines = async () => {
      const all: string[] = [];
      for (const f of await files())
        all.push(...(await readFile(join(dir, f), 'utf8')).split('\n').filter(Boolean));
      return all;
    };
    const mine = (ls: string[]) =>
      ls
        .map((l) => JSON.parse(l) as { unmapped: { subject: string } })
        .map((e) => e.unmapped.subject);
    // Rotation keeps the newest events: the last ones are all in the files.
    await vi.waitFor(async () => expect(mine(await lines())).toContain(subjects.at(-1)), {
      timeout: 30_000,
      interval: 200,
    });
    expect(await files()).toEqual(['events.jsonl', 'events.jsonl.1', 'events.jsonl.2']);
    for (const f of await files())
      expect((await stat(join(dir, f))).size).toBeLessThanOrEqual(4096);
    const kept = mine(await lines());
    expect(new Set(kept).size).toBe(kept.length);

    // On MongoDB the feed trails the clock by a second, so the controller's own first audit
    // entries may come after the sink's starting point: only this test's are counted.
    const got = () => posted.flatMap((p) => p.subjects).filter((x) => x.startsWith('export-'));
    await vi.waitFor(() => expect(got()).toHaveLength(40), { timeout: 30_000, interval: 200 });
    expect(got()).toEqual(subjects);
    expect(refuse).toBeLessThan(0); // the two refused batches were sent again
    const ids = posted.flatMap((p) => p.ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(posted[0]?.key).toBe(`${ids[0]}..${posted[0]?.ids.at(-1)}`);
    const status = (await sinks()).items.find((s) => s.id === 'collector');
    expect(status?.delivered).toBe(ids.length);
  });
});
