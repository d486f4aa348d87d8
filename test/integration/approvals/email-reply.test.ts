/**
 * A grant that waits for an approver's reply by email, end to end against real servers:
 * a controller managing a real sshd host over SSH, a real SMTP server the request is
 * mailed through, and Debian's Dovecot as the inbox the approver's reply lands in (put
 * there with IMAP APPEND, as the approver's mail server would). The Email collector reads
 * it over IMAPS, Reply to email request applies it, and only then does the key log in.
 * Replies from a third party, with a forged or an expired token, or sent twice are refused
 * and audited, and every collected message is marked read so it is not read again.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApprovalRequest } from '../../../controller/approvals/open-approval';
import type { ApprovalRequestRecord } from '../../../controller/store/approval-records';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import type { AuditRecord, JobRecord } from '../../../controller/store/records';
import { startTestDovecot, type TestDovecot } from '../../helpers/dovecot';
import { startSmtpTestServer, type SmtpTestServer } from '../../helpers/smtp-test-server';
import { generateClientKey } from '../../helpers/sshd';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../../helpers/sshd-fleet';
import { createTestUser, removeTestUsers, type TestUser } from '../../helpers/sshd-users';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi, keywarden, login, waitFor } from '../authorizations/authorization-fleet';
import { approvalMail, SMTP_PASSWORD, tokensOf, useSmtp } from './approval-fixture';

type Key = Awaited<ReturnType<typeof generateClientKey>>;
type Shown = {
  approval: ApprovalRequestRecord;
  decisions: Array<{ approver: string; via: string }>;
};

describe(
  'approval by email reply, through a real SMTP server, Dovecot and sshd',
  { timeout: 300_000 },
  () => {
    let smtp: SmtpTestServer;
    let imap: TestDovecot;
    let fleet: SshdFleet;
    let ctl: TestController;
    let env: Record<string, string>;
    let dir = '';
    let deploy: TestUser;
    let alice: Key;
    let request: ApprovalRequestRecord;
    let subject = '';
    const api = fleetApi(() => ctl);
    const host = () => fleet.hosts[0] as FleetHost;
    const canLogIn = async () => (await login(host(), deploy.name, alice.path)).code === 0;
    const show = async (id: string) =>
      (await ctl.api<Shown>('GET', `/api/v1/approvals/${id}`)).body;
    const refusalReasons = async () =>
      (
        await ctl.api<{ items: AuditRecord[] }>(
          'GET',
          '/api/v1/audit?action=approval.refused&limit=500',
        )
      ).body.items.map((a) => String(a.details.reason));

    /** What the approver's (or anyone's) mail server does: the reply lands in the inbox. */
    const deliver = async (from: string, subj: string, text: string) => {
      const c = new ImapFlow({
        host: '127.0.0.1',
        port: imap.port,
        secure: true,
        auth: { user: imap.user, pass: imap.password },
        tls: { ca: imap.caPem },
        logger: false,
      });
      await c.connect();
      const id = `<${Math.random().toString(36).slice(2)}@mail.example.test>`;
      await c.append(
        'INBOX',
        [
          `From: ${from}`,
          'To: approvals@keywarden.test',
          `Subject: ${subj}`,
          `Message-ID: ${id}`,
          'Content-Type: text/plain; charset=utf-8',
          '',
          text.replace(/\n/g, '\r\n'),
          '',
        ].join('\r\n'),
      );
      await c.logout();
    };
    const unread = async () => {
      const c = new ImapFlow({
        host: '127.0.0.1',
        port: imap.port,
        secure: true,
        auth: { user: imap.user, pass: imap.password },
        tls: { ca: imap.caPem },
        logger: false,
      });
      await c.connect();
      const lock = await c.getMailboxLock('INBOX');
      const found = (await c.search({ seen: false })) || [];
      lock.release();
      await c.logout();
      return found.length;
    };
    /** The collector, then the reply robot runs it queued: their results added up. */
    const collectAndApply = async () => {
      const seen = new Set(
        (
          await ctl.api<{ items: JobRecord[] }>('GET', '/api/v1/jobs?type=reply-to-email-request')
        ).body.items.map((j) => j.id),
      );
      const collected = await api.runJob('email-collector', null, {});
      expect(collected.state, JSON.stringify(collected.error)).toBe('completed');
      const runs = (
        await ctl.api<{ items: JobRecord[] }>('GET', '/api/v1/jobs?type=reply-to-email-request')
      ).body.items.filter((j) => !seen.has(j.id));
      const replied: Record<string, number> = { processed: 0, decided: 0, refused: 0, ignored: 0 };
      for (const j of runs) {
        const ended = await api.jobEnded(j.id);
        expect(ended.state, JSON.stringify(ended.error)).toBe('completed');
        for (const [k, v] of Object.entries(ended.result as Record<string, number>))
          replied[k] = (replied[k] ?? 0) + v;
      }
      return { collected: collected.result, replied };
    };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kwt-approve-'));
      await chmod(dir, 0o755);
      await mkdir(join(dir, 'homes'), { mode: 0o755 });
      deploy = await createTestUser({ name: 'deploy' }, join(dir, 'homes'));
      alice = await generateClientKey(dir, 'alice');
      [smtp, imap, fleet] = await Promise.all([
        startSmtpTestServer({ username: 'kw-mailer', password: SMTP_PASSWORD }),
        startTestDovecot(),
        startSshdFleet({
          count: 1,
          settings: (address) => ({
            AuthorizedKeysFile: `${join(dir, 'hosts', address)}/%u .ssh/authorized_keys`,
          }),
        }),
      ]);
      await mkdir(join(dir, 'hosts', host().address), { recursive: true });
      ctl = await startTestController({
        env: { KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([host().sshd.configPath]) },
      });
      env = { KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: ctl.adminToken };
      await useSmtp(ctl, smtp);
      await ctl.services.store.hostGroups.setScanDefaults(
        {
          'scan-authorized-keys': 0,
          'scan-configs': 0,
          'scan-host-key-activity': 0,
          'scan-full': 0,
        },
        Date.now(),
      );
      const hostId = await api.addManagedHost(host());
      const first = await ctl.api<{ items: JobRecord[] }>('GET', `/api/v1/jobs?host=${hostId}`);
      for (const j of first.body.items) await api.jobEnded(j.id);
      const scan = await api.runJob('scan-configs', hostId, {
        sshdConfigPath: host().sshd.configPath,
      });
      expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
      await ctl.services.store.hostGroups.create(
        { id: 'web', name: 'web', description: 'test group', scanIntervalsMs: NO_OVERRIDES },
        Date.now(),
      );
      await ctl.services.store.hosts.update(hostId, { groupId: 'web' }, Date.now());
      await writeFile(join(dir, 'imap.pass'), `${imap.password}\n`, { mode: 0o600 });
      await writeFile(join(dir, 'imap-ca.pem'), imap.caPem);
    }, 300_000);

    afterAll(async () => {
      await ctl?.stop();
      await Promise.all([fleet?.stop(), imap?.stop(), smtp?.close()]);
      if (deploy) await removeTestUsers([deploy]);
      await rm(dir, { recursive: true, force: true });
    });

    it('an operator sets the inbox and the policy (CLI): the IMAP password is never shown or audited', async () => {
      const set = await keywarden(
        [
          '--json',
          'approvals',
          'inbox',
          'set',
          '--host',
          '127.0.0.1',
          '--port',
          String(imap.port),
          '--security',
          'tls',
          '--username',
          imap.user,
          '--password-file',
          join(dir, 'imap.pass'),
          '--ca-file',
          join(dir, 'imap-ca.pem'),
        ],
        env,
      );
      expect(set.code, set.stderr).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({ passwordSet: true, mailbox: 'INBOX' });
      const policy = await keywarden(
        ['approvals', 'policy', 'set', 'web', '--approver', 'ann:ann@example.test'],
        env,
      );
      expect(policy.stdout).toContain('grants to web need 1 approval(s) from ann');
      const audit = await ctl.api('GET', '/api/v1/audit?limit=500');
      const stored = JSON.stringify(await ctl.services.store.approvals.getImap());
      for (const text of [set.stdout, JSON.stringify(audit.body), stored])
        expect(text).not.toContain(imap.password);
    });

    it('a grant to the group waits: nothing on the host, the approver is mailed', async () => {
      await writeFile(join(dir, 'alice.pub'), alice.publicKey);
      const res = await keywarden(
        [
          'authorizations',
          'add',
          '--public-key-file',
          join(dir, 'alice.pub'),
          '--account',
          deploy.name,
          '--group',
          'web',
          '--reason',
          'on call this week',
        ],
        env,
      );
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/^waiting for approval: approval request \w+ \(pending\)/);
      const list = await ctl.api<{ items: ApprovalRequestRecord[] }>(
        'GET',
        '/api/v1/approvals?state=pending',
      );
      request = list.body.items[0] as ApprovalRequestRecord;
      const mail = await approvalMail(smtp, request.id, 'ann@example.test');
      subject = mail.parsed.subject ?? '';
      expect(subject).toContain(tokensOf(mail).reply);
      expect(await canLogIn()).toBe(false);
      const jobs = await ctl.api<{ items: JobRecord[] }>(
        'GET',
        '/api/v1/jobs?type=add-authorizations',
      );
      expect(jobs.body.items).toEqual([]);
    });

    it('refuses third-party, forged, expired and undecided replies, audited, each read once', async () => {
      const token = subject.match(/kwa1\.\S+(?=\])/)?.[0] as string;
      const mac = token.split('.')[6] as string;
      const forged = token.replace(mac, `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`);
      const old = await openApprovalRequest(
        ctl.services,
        {
          subject: {
            kind: 'authorization',
            request: {
              publicKey: alice.publicKey,
              account: deploy.name,
              groupId: 'web',
              options: [],
            },
          },
          subjectKey: null,
          fingerprint: alice.fingerprint,
          account: deploy.name,
          target: { groupId: 'web' },
          requester: 'test',
          reason: null,
          need: {
            approvers: [{ name: 'ann', email: 'ann@example.test', personId: null }],
            rules: [{ source: 'request', approvers: ['ann'], required: 1 }],
            ttlMs: 3_600_000,
          },
        },
        Date.now() - 7_200_000,
      );
      const expired = tokensOf(await approvalMail(smtp, old.id, 'ann@example.test')).reply;
      await deliver('Mallory <mallory@example.test>', `Re: ${subject}`, 'approve\n\n> forwarded');
      await deliver('Ann <ann@example.test>', `Re: ${subject.replace(token, forged)}`, 'approve');
      await deliver('Ann <ann@example.test>', `Re: [Keywarden] old [${expired}]`, 'approve');
      await deliver('Ann <ann@example.test>', `Re: ${subject}`, 'maybe later\n\n> approve');
      await deliver('newsletter@example.test', 'Hello', 'not a reply at all');
      expect(await unread()).toBe(5);

      const { collected, replied } = await collectAndApply();
      expect(collected).toMatchObject({ collected: 5, left: 0 });
      expect(replied).toMatchObject({ processed: 5, decided: 0, refused: 4, ignored: 1 });
      expect(await unread()).toBe(0);
      expect((await show(request.id)).approval.state).toBe('pending');
      expect(await refusalReasons()).toEqual(
        expect.arrayContaining([
          "the reply came from mallory@example.test, not from approver ann's address",
          'the token is forged',
          'the token is expired',
          'the first line of the reply is neither "approve" nor "deny"',
        ]),
      );
      expect(await canLogIn()).toBe(false);
      // Read once: a second run finds nothing new.
      const again = await collectAndApply();
      expect(again.collected).toMatchObject({ collected: 0 });
      // Nothing of a message stays readable once processed.
      const inbound = await ctl.services.store.approvals.listInbound({}, 50);
      expect(inbound.every((m) => m.state === 'processed' && m.sealed === null)).toBe(true);
    });

    it("the approver's reply approves: the grant is made and the key logs in; the same reply again is refused", async () => {
      const reply = `Approve.\n\nOn Monday, Keywarden wrote:\n> Keywarden asks for your approval\n> ${subject}`;
      await deliver('Ann <ann@example.test>', `Re: ${subject}`, reply);
      const { replied } = await collectAndApply();
      expect(replied).toMatchObject({ decided: 1, refused: 0 });
      const done = await show(request.id);
      expect(done.approval.state).toBe('approved');
      expect(done.decisions).toEqual([expect.objectContaining({ approver: 'ann', via: 'email' })]);
      const jobId = done.approval.outcome?.jobId as string;
      expect(jobId).toEqual(expect.any(String));
      await api.treeEnded(jobId);
      await waitFor('alice logs in', async () => (await canLogIn()) || null);
      expect(await readFile(join(dir, 'hosts', host().address, deploy.name), 'utf8')).toContain(
        alice.publicKey.split(' ')[1] as string,
      );

      await deliver('Ann <ann@example.test>', `Re: ${subject}`, reply);
      const replay = await collectAndApply();
      expect(replay.replied).toMatchObject({ decided: 0, refused: 1 });
      expect(await refusalReasons()).toContain('the token was already used');
      expect((await show(request.id)).decisions).toHaveLength(1);
    });
  },
);
