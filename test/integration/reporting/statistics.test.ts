/**
 * internal-calculate-statistics over an inventory written as scans write it, read through
 * GET /api/v1/reports/statistics and `keywarden reports statistics`, on both stores; and the
 * trend against the previous run once the fleet changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { DAY, KEYS, fillReportingFleet, runJobNow, type ReportingFleet } from './reporting-fleet';

type Figures = Record<string, { now: number | null; before: number | null; change: number | null }>;
type Stats = {
  id: string;
  data: Record<string, Record<string, unknown>> & {
    trends: { figures: Figures; previousId: string | null };
  };
};

describe.each(['sqlite', 'mongodb'] as const)('statistics (%s)', (storeKind) => {
  let ctl: TestController;
  let fleet: ReportingFleet;
  beforeAll(async () => {
    ctl = await startTestController({ store: storeKind });
    fleet = await fillReportingFleet(ctl);
  }, 120_000);
  afterAll(async () => ctl?.stop());

  it('counts keys, lines, accounts with key access, hosts and logins', async () => {
    const job = await runJobNow(ctl, 'internal-calculate-statistics');
    expect(job).toMatchObject({ state: 'completed', result: { keys: 4, authorizedKeyLines: 5 } });
    const res = await ctl.api<Stats>('GET', '/api/v1/reports/statistics', {
      token: fleet.tokens.auditor,
    });
    expect(res.status).toBe(200);
    const d = res.body.data;
    expect(d.hosts).toMatchObject({
      total: 3,
      byState: { managed: 1, 'host-key-mismatch': 1, monitored: 1 },
    });
    expect(d.keys).toEqual({
      total: 4,
      byType: { 'ssh-rsa': 2, 'ssh-ed25519': 1, 'ecdsa-sha2-nistp256': 1 },
      bySize: {
        'ssh-rsa 1024': 1,
        'ssh-rsa 4096': 1,
        'ssh-ed25519 256': 1,
        'ecdsa-sha2-nistp256 256': 1,
      },
      byAge: { 'under-30d': 3, '30-90d': 0, '90-365d': 0, 'over-365d': 1 },
    });
    // www on web2 and postgres on db1 logged in with the ed25519 key (db1's last 2 days ago).
    expect(d.authorizedKeys).toEqual({
      lines: 5,
      managed: 2,
      foreign: 3,
      used: 2,
      unused: 3,
      usedLast90Days: 2,
    });
    expect(d.accounts).toEqual({ withKeyAccess: 4, rootWithKeyAccess: 2 });
    expect(d.usage).toMatchObject({ rows: 3, logins: 3 });
    expect(d.trends.figures['keys.total']?.now).toBe(4);
  });

  it('shows the trend against the previous run', async () => {
    const store = ctl.services.store;
    const before = (await ctl.api<Stats>('GET', '/api/v1/reports/statistics')).body;
    // One line goes away, one key logs in for the first time.
    await store.inventory.items.markRemoved(
      'authorized-key',
      'h-db1',
      [`postgres|/home/postgres/.ssh/authorized_keys|${KEYS.ecdsa}`],
      Date.now(),
    );
    await store.inventory.keyUsage.record('h-web1', [
      { account: 'root', fingerprint: KEYS.rsa1024, from: '127.0.0.3', at: Date.now() + DAY },
    ]);
    await runJobNow(ctl, 'internal-calculate-statistics');
    const after = (await ctl.api<Stats>('GET', '/api/v1/reports/statistics')).body;
    expect(after.data.trends.previousId).toBe(before.id);
    expect(after.data.trends.figures['authorizedKeys.lines']).toEqual({
      now: 4,
      before: 5,
      change: -1,
    });
    expect(after.data.trends.figures['authorizedKeys.used']).toEqual({
      now: 3,
      before: 2,
      change: 1,
    });
    expect(after.data.trends.figures['authorizedKeys.unused']).toEqual({
      now: 1,
      before: 3,
      change: -2,
    });
    expect(after.data.trends.figures['keys.total']).toEqual({ now: 3, before: 4, change: -1 });
    expect(after.data.trends).toMatchObject({ activeSincePrevious: 1 });
  });

  it('is shown by the CLI, as text and as JSON', async () => {
    const text = await fleet.keywarden(['reports', 'statistics'], fleet.tokens.auditor);
    expect(text.stderr).toBe('');
    expect(text.stdout).toContain('keys (3) by type:');
    expect(text.stdout).toMatch(
      /authorized-key lines: lines 4, managed 2, foreign 2, used 3, unused 1/,
    );
    expect(text.stdout).toMatch(/authorizedKeys\.lines\s+4\s+5\s+-1/);
    const json = await fleet.keywarden(['--json', 'reports', 'statistics']);
    expect(JSON.parse(json.stdout)).toMatchObject({ data: { keys: { total: 3 } } });
  });
});
