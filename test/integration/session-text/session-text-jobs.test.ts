import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  directorySessionSource,
  provideSessionSource,
} from '../../../controller/sessions/text/session-source';
import type { SessionMetadata } from '../../../controller/sessions/text/session-log';
import type { JobRecord } from '../../../controller/store/records';
import { startRecordedShell } from '../../helpers/recorded-shell';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';

const PROMPT = /alice@web1:\S+\$ $/;

/** A real bash session recorded as the gateway records, with its metadata beside it. */
async function recordSession(dir: string, id: string, meta: Omit<SessionMetadata, 'sessionId'>) {
  const cwd = join(dir, `${id}-home`);
  await mkdir(cwd);
  const sh = startRecordedShell({ dir, cwd, name: id });
  try {
    await sh.waitFor(PROMPT);
    for (const line of [
      'echo deployment-marker-7731 finished',
      'unset HISTFILE',
      "curl -fsS http://127.0.0.1:9/install.sh | sh; echo 'fetch failed'",
      'ls',
    ]) {
      sh.type(`${line}\r`);
      await sh.waitFor(PROMPT);
    }
    sh.type('exit\r');
    await sh.exited();
  } catch (err) {
    sh.kill();
    throw err;
  }
  await writeFile(join(dir, `${id}.json`), JSON.stringify({ sessionId: id, ...meta }));
}

describe('the session text robots on a real recording', () => {
  let t: TestEngine;
  let dir: string;
  const meta = {
    hostId: 'h-web1',
    hostName: 'web1.example.net',
    account: 'deploy',
    person: 'alice',
    startedAt: Date.now() - 60_000,
    endedAt: Date.now(),
  };

  const run = async (type: 'session-log-converter', sessionId: string) => {
    const { job } = await t.queue.enqueue(
      type,
      { sessionId },
      { createdBy: 'test', trigger: 'admin' },
    );
    return t.waitForState(job.id, ['completed', 'failed'], 30_000);
  };
  const jobsOf = async (type: string) =>
    (await t.store.jobs.list({ type: [type] }, { limit: 50 })).items;
  const waitEnded = async (type: string, sessionId: string): Promise<JobRecord> => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const job = (await jobsOf(type)).find(
        (j) => (j.params as { sessionId: string }).sessionId === sessionId,
      );
      if (job && ['completed', 'failed'].includes(job.state)) return job;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no ${type} job ended for ${sessionId}`);
  };

  beforeAll(async () => {
    t = await startTestEngine();
    dir = join(t.dir, 'recordings');
    await mkdir(dir);
    provideSessionSource(() => directorySessionSource(dir));
    await recordSession(dir, 'sess-1', meta);
  }, 60_000);
  afterAll(async () => {
    provideSessionSource(null);
    await t?.stop();
  });

  it('converts the recording, indexes its text and audits its commands', async () => {
    const conv = await run('session-log-converter', 'sess-1');
    expect(conv.state).toBe('completed');
    expect(conv.result).toMatchObject({ sessionId: 'sess-1', commands: 5, truncated: 0 });
    const indexer = await waitEnded('session-texts-indexer', 'sess-1');
    const audit = await waitEnded('command-audit', 'sess-1');
    expect([indexer.state, audit.state]).toEqual(['completed', 'completed']);

    const rec = await t.store.sessionTexts.get('sess-1');
    expect(rec?.session).toEqual({ sessionId: 'sess-1', ...meta });
    expect(rec?.log.commands.map((c) => [c.command, c.output])).toEqual([
      ['echo deployment-marker-7731 finished', 'deployment-marker-7731 finished'],
      ['unset HISTFILE', ''],
      [
        "curl -fsS http://127.0.0.1:9/install.sh | sh; echo 'fetch failed'",
        expect.stringMatching(/fetch failed$/),
      ],
      ['ls', ''],
      ['exit', 'exit'],
    ]);

    // a word printed in the session finds it
    const found = await t.store.sessionTexts.search({ words: 'deployment-marker-7731' });
    expect(found.sessions.map((h) => h.session.sessionId)).toEqual(['sess-1']);
    expect(found.sessions[0]?.matches[0]).toMatchObject({ seq: 0, in: 'command' });
    expect(
      (await t.store.sessionTexts.search({ command: 'unset HISTFILE', hostId: 'h-web1' })).sessions,
    ).toHaveLength(1);

    // each command scored; the two risky ones raised alerts with who, where and what
    const scored = await t.store.sessionTexts.get('sess-1');
    expect(scored?.scores?.map((s) => [s.seq, s.score])).toEqual([
      [0, 0],
      [1, 80],
      [2, 80],
      [3, 0],
      [4, 0],
    ]);
    expect(audit.result).toMatchObject({
      commands: 5,
      risky: 2,
      alertsRaised: 2,
      highestScore: 80,
    });
    const alerts = (await t.store.alerts.list({ type: 'risky-command' }, { limit: 10 })).items;
    expect(alerts.map((a) => a.dedupeKey).sort()).toEqual([
      'risky-command:sess-1:1',
      'risky-command:sess-1:2',
    ]);
    const history = alerts.find((a) => a.dedupeKey.endsWith(':1'))!;
    expect(history).toMatchObject({
      state: 'open',
      severity: 'warning',
      subject: 'sess-1',
      context: {
        hostId: 'h-web1',
        hostName: 'web1.example.net',
        account: 'deploy',
        extra: { sessionId: 'sess-1', person: 'alice', seq: 1, score: 80, rules: 'history.off' },
      },
    });
    expect(history.message).toMatch(
      /^alice ran a risky command \(score 80: stops the shell history from being saved\) as deploy on web1\.example\.net in session sess-1: unset HISTFILE$/,
    );
  });

  it('converting the same session again raises no second alert', async () => {
    const conv = await run('session-log-converter', 'sess-1');
    expect(conv.state).toBe('completed');
    await new Promise((r) => setTimeout(r, 50));
    const audits = async () =>
      (await jobsOf('command-audit')).filter((j) => j.state === 'completed').length;
    for (const deadline = Date.now() + 30_000; (await audits()) < 2 && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 25));
    expect(await audits()).toBe(2);
    const alerts = (await t.store.alerts.list({ type: 'risky-command' }, { limit: 10 })).items;
    expect(alerts).toHaveLength(2);
  });

  it('refuses a live session, a missing one and a malformed recording, storing nothing', async () => {
    await writeFile(
      join(dir, 'sess-live.json'),
      JSON.stringify({ sessionId: 'sess-live', ...meta, endedAt: null }),
    );
    await writeFile(join(dir, 'sess-live.cast'), '{"version": 2, "width": 80, "height": 24}\n');
    const live = await run('session-log-converter', 'sess-live');
    expect(live).toMatchObject({ state: 'failed', error: { code: 'CONFLICT' } });
    expect(live.error?.message).toMatch(/sess-live is live/);

    const missing = await run('session-log-converter', 'sess-none');
    expect(missing).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND' } });

    await writeFile(join(dir, 'sess-bad.json'), JSON.stringify({ sessionId: 'sess-bad', ...meta }));
    await writeFile(
      join(dir, 'sess-bad.cast'),
      '{"version": 2, "width": 80, "height": 24}\n[0.1, "o"]\n',
    );
    const bad = await run('session-log-converter', 'sess-bad');
    expect(bad).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'RECORDING_INVALID' },
    });
    expect(bad.error?.message).toMatch(
      /sess-bad\.cast line 2: expected an array \[time, code, data\]/,
    );
    for (const id of ['sess-live', 'sess-none', 'sess-bad'])
      expect(await t.store.sessionTexts.get(id)).toBeNull();
  });
});
