/**
 * internal-reverse-ip-mapper and reverse-ip-mapper against a real DNS server on loopback
 * (test/helpers/dns-server.ts) whose answers the test sets: names cached (missing ones
 * too) and shown where key usage is shown, a server that never answers cut off by the
 * lookup time limit, and a run cut off by its own limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDnsServer, type TestDnsServer } from '../../helpers/dns-server';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { KEYS, fillReportingFleet, runJobNow, type ReportingFleet } from './reporting-fleet';

type Usage = { items: Array<{ from: string; fromName: string | null }> };
const enc = encodeURIComponent;

describe('reverse DNS of key-activity sources', () => {
  let dns: TestDnsServer;
  let ctl: TestController;
  let fleet: ReportingFleet;
  beforeAll(async () => {
    dns = await startTestDnsServer();
    // Not loopback: c-ares answers addresses in /etc/hosts itself, before any server.
    dns.names.set('192.0.2.10', 'laptop.example.test');
    ctl = await startTestController({
      env: {
        KEYWARDEN_REVERSE_DNS_SERVERS: dns.address,
        KEYWARDEN_REVERSE_DNS_TIMEOUT: '300ms',
        KEYWARDEN_REVERSE_DNS_RUN_LIMIT: '1s',
      },
    });
    fleet = await fillReportingFleet(ctl);
  }, 120_000);
  afterAll(async () => {
    await ctl?.stop();
    await dns?.stop();
  });

  it('names the sources of logins, caches the answers, and shows them with key usage', async () => {
    const run = await runJobNow(ctl, 'internal-reverse-ip-mapper');
    expect(run.state).toBe('completed');
    const children = await ctl.services.store.jobs.list({ parentId: run.id }, { limit: 10 });
    expect(children.items.map((j) => [j.type, j.state])).toEqual([
      ['reverse-ip-mapper', 'completed'],
    ]);
    expect(children.items[0]?.result).toMatchObject({ lookedUp: 2, named: 1, left: 0 });

    const usage = await ctl.api<Usage>('GET', '/api/v1/hosts/h-db1/key-usage', {
      token: fleet.tokens.auditor,
    });
    expect(usage.body.items.map((u) => [u.from, u.fromName])).toEqual([
      ['192.0.2.10', 'laptop.example.test'],
      ['192.0.2.20', null],
    ]);
    const key = await ctl.api<{ usage: Usage }>('GET', `/api/v1/keys/${enc(KEYS.ed)}`);
    expect(key.body.usage.items.map((u) => u.fromName)).toContain('laptop.example.test');
    const shown = await fleet.keywarden(['keys', 'show', KEYS.ed], fleet.tokens.auditor);
    expect(shown.stdout).toContain('192.0.2.10 (laptop.example.test)');
    const cached = await ctl.services.store.reverseDns.get(['192.0.2.20']);
    expect(cached[0]).toMatchObject({ name: null, error: 'ENOTFOUND' });

    // Nothing is due now: the next run asks the server nothing, the missing name included.
    const asked = dns.asked.length;
    const again = await runJobNow(ctl, 'internal-reverse-ip-mapper');
    expect(again.result).toMatchObject({ due: 0 });
    expect(dns.asked.length).toBe(asked);
  });

  it('gives up on a server that does not answer within the lookup limit', async () => {
    dns.silent.add('127.0.0.66');
    const started = Date.now();
    const run = await runJobNow(ctl, 'reverse-ip-mapper', { addresses: ['127.0.0.66'] });
    expect(run.state).toBe('completed');
    expect(run.result).toMatchObject({ lookedUp: 1, named: 0, failed: { ETIMEOUT: 1 } });
    // The server never answers: only the 300 ms limit ended the lookup (a generous bound).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(dns.asked).toContain('127.0.0.66');
    const [cached] = await ctl.services.store.reverseDns.get(['127.0.0.66']);
    expect(cached).toMatchObject({ name: null, error: 'ETIMEOUT' });
    expect(cached!.expiresAt - cached!.lookedUpAt).toBe(3_600_000);
  });

  it('stops a run at its time limit and leaves the rest for the next run', async () => {
    const addresses = Array.from({ length: 40 }, (_, i) => `127.0.1.${i + 1}`);
    for (const a of addresses) dns.silent.add(a);
    const run = await runJobNow(ctl, 'reverse-ip-mapper', { addresses });
    const r = run.result as { lookedUp: number; left: number };
    expect(run.state).toBe('completed');
    // 8 at a time, 300 ms each, 1 s per run: some are looked up, the others left.
    expect(r.lookedUp).toBeGreaterThan(0);
    expect(r.left).toBeGreaterThan(0);
    expect(r.lookedUp + r.left).toBe(40);
  });

  it('refuses a bad server setting at start-up, naming it', async () => {
    await expect(
      startTestController({ env: { KEYWARDEN_REVERSE_DNS_SERVERS: 'dns.example.com' } }),
    ).rejects.toThrow(/KEYWARDEN_REVERSE_DNS_SERVERS/);
  });
});
