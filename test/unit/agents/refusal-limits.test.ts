/**
 * The pieces that bound what unauthenticated or revoked callers cost: the per-address
 * refusal budget, the peer address parsing it keys on, the certificate verdict, and the
 * aggregated refusal audit (against a real embedded store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeCertificate, normalizeSerial } from '../../../controller/agents/certificate-verdict';
import {
  checkEnrollSizes,
  peerAddress,
  RefusalLimiter,
} from '../../../controller/agents/enrollment-limits';
import { WindowedAudit } from '../../../controller/auth/windowed-audit';
import type { AgentRecord } from '../../../controller/store/agent-records';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';

const T0 = 1_800_000_000_000;

describe('refusal budget per peer address', () => {
  it('allows a burst of refusals, then blocks until the allowance comes back', () => {
    const l = new RefusalLimiter({ burst: 3, perMinute: 6, maxAddresses: 100 });
    for (let i = 0; i < 3; i++) {
      expect(l.blockedFor('10.0.0.1', T0)).toBe(0);
      l.spend('10.0.0.1', T0);
    }
    // One token comes back every 10 s.
    expect(l.blockedFor('10.0.0.1', T0)).toBe(10_000);
    expect(l.blockedFor('10.0.0.2', T0)).toBe(0);
    expect(l.blockedFor('10.0.0.1', T0 + 10_000)).toBe(0);
    expect(l.blockedFor('10.0.0.1', T0 + 5_000)).toBe(5_000);
  });

  it('forgets the least recently refused address past its memory bound', () => {
    const l = new RefusalLimiter({ burst: 1, perMinute: 1, maxAddresses: 2 });
    l.spend('a', T0);
    l.spend('b', T0);
    l.spend('c', T0);
    expect(l.blockedFor('a', T0)).toBe(0);
    expect(l.blockedFor('b', T0)).toBeGreaterThan(0);
    expect(l.blockedFor('c', T0)).toBeGreaterThan(0);
  });

  it('keys on the address without the port', () => {
    expect(peerAddress('ipv4:10.1.2.3:5000')).toBe('10.1.2.3');
    expect(peerAddress('ipv6:[::1]:5000')).toBe('::1');
    expect(peerAddress('10.1.2.3:5000')).toBe('10.1.2.3');
    expect(peerAddress('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(peerAddress('2001:db8::1')).toBe('2001:db8::1');
  });

  it('names the first oversized enrollment field', () => {
    const req = {
      enrollmentToken: 't',
      csrPem: '',
      agentVersion: '1',
      icbId: 'icb_1',
      facts: {
        hostname: 'h'.repeat(300),
        os: '',
        osRelease: '',
        arch: '',
        addresses: [],
        sshProduct: '',
        hostKeyFingerprint: '',
      },
    };
    expect(checkEnrollSizes(req)?.message).toBe(
      'the enrollment request field facts.hostname is too large: 300 characters, at most 255 accepted',
    );
    expect(checkEnrollSizes({ ...req, facts: { ...req.facts, hostname: 'h' } })).toBeNull();
  });
});

describe('certificate verdict', () => {
  const agent = (over: Partial<AgentRecord> = {}) =>
    ({
      id: 'agt_1',
      certificateSerial: '7abc',
      previousCertificateSerial: '0123',
      certificateSupersededAt: T0,
      revokedAt: null,
      revokedBy: null,
      revokedReason: null,
      ...over,
    }) as AgentRecord;

  it('accepts the current certificate, the previous one within the grace only, nothing else', () => {
    expect(judgeCertificate(agent(), '7ABC', T0 + 10 ** 9, 1000)).toEqual({
      ok: true,
      validUntil: null,
    });
    expect(judgeCertificate(agent(), '123', T0 + 1000, 1000)).toEqual({
      ok: true,
      validUntil: T0 + 1000,
    });
    const late = judgeCertificate(agent(), '0123', T0 + 1001, 1000);
    expect(late.ok ? null : late.error.code).toBe('CERTIFICATE_SUPERSEDED');
    const other = judgeCertificate(agent(), '55', T0, 1000);
    expect(other.ok ? null : other.error.message).toMatch(/not the current certificate/);
  });

  it('refuses every certificate of a revoked agent', () => {
    const v = judgeCertificate(
      agent({ revokedAt: T0, revokedReason: 'host deleted' }),
      '7abc',
      T0,
      1000,
    );
    expect(v.ok ? null : v.error.code).toBe('AGENT_REVOKED');
    expect(v.ok ? null : v.error.message).toMatch(/host deleted/);
    expect(normalizeSerial('00AB')).toBe('ab');
    expect(normalizeSerial('0')).toBe('0');
  });
});

describe('aggregated refusal audit', () => {
  let dir: string | undefined;
  let store: Store | undefined;
  let audit: WindowedAudit | undefined;
  afterEach(async () => {
    await audit?.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the first refusal of a window at once and the repeats as one counted row', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kw-refusal-audit-'));
    store = openSqliteStore(path.join(dir, 'db.sqlite'));
    audit = new WindowedAudit(store.audit, pino({ level: 'silent' }), {
      windowMs: 60_000,
      maxKeys: 2,
    });
    const entry = (at: number, subject: string, reason: string) => ({
      at,
      actor: 'peer:10.0.0.1',
      action: 'agent.enrollment-refused',
      subject,
      details: { reason },
    });
    expect(await audit.record('p1', entry(T0, 's', 'unknown token'))).toBe(true);
    for (let i = 1; i <= 100; i++)
      expect(await audit.record('p1', entry(T0 + i, 's', i % 2 ? 'unknown token' : 'used'))).toBe(
        false,
      );
    const rows = async () =>
      (await store!.audit.list({ action: 'agent.enrollment-refused' }, { limit: 100 })).items;
    expect(await rows()).toHaveLength(1);
    // Past the key bound, new keys share one overflow row.
    await audit.record('p2', entry(T0, 's2', 'x'));
    await audit.record('p3', entry(T0, 's3', 'x'));
    await audit.record('p4', entry(T0, 's4', 'x'));
    expect((await rows()).map((r) => r.subject).sort()).toEqual(['many-callers', 's', 's2']);
    audit.closeWindows(T0 + 60_000);
    await audit.stop();
    const summary = (await rows()).find(
      (r) => r.details.repeats !== undefined && r.subject === 's',
    );
    expect(summary?.details).toMatchObject({
      repeats: 100,
      windowStartedAt: T0,
      reasons: { 'unknown token': 50, used: 50 },
    });
    expect(summary?.at).toBe(T0 + 100);
  });
});
