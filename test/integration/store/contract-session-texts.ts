import { describe, expect, it } from 'vitest';
import type {
  IndexedCommand,
  SessionLog,
  SessionMetadata,
} from '../../../controller/store/session-text-records';
import type { Store } from '../../../controller/store/store';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;
const MIN = 60_000;

function session(id: string, over: Partial<SessionMetadata> = {}): SessionMetadata {
  return {
    sessionId: id,
    hostId: 'st-web1',
    hostName: 'web1.example.net',
    account: 'deploy',
    person: 'alice',
    startedAt: T0,
    endedAt: T0 + 30 * MIN,
    ...over,
  };
}

const logOf = (commands: IndexedCommand[], startedAt: number): SessionLog => ({
  version: 1,
  commands: commands.map((c) => ({
    seq: c.seq,
    prompt: 'deploy@web1:~$',
    command: c.command,
    output: c.text,
    screens: [],
    keys: `typed ${c.command.length} characters`,
    startedAt: c.startedAt,
    endedAt: c.startedAt + 1000,
    truncated: false,
  })),
  width: 80,
  height: 24,
  outputBytes: 100,
  inputBytes: 10,
  startedAt,
  endedAt: startedAt + 30 * MIN,
});

async function put(store: Store, s: SessionMetadata, commands: Array<[string, string]>) {
  const cmds = commands.map(([command, text], seq): IndexedCommand => ({
    seq,
    command,
    text,
    startedAt: s.startedAt + seq * MIN,
  }));
  await store.sessionTexts.putLog(s, logOf(cmds, s.startedAt), s.startedAt + 31 * MIN);
  expect(await store.sessionTexts.index(s, cmds, s.startedAt + 32 * MIN)).toBe(true);
}

const ids = (page: { sessions: Array<{ session: { sessionId: string } }> }) =>
  page.sessions.map((h) => h.session.sessionId);

export function sessionTextsContract(ctx: ContractContext): void {
  describe('session texts', () => {
    it('keeps a readable log, searchable only once indexed, with scores', async () => {
      const { store } = ctx.get();
      const s = session('st-log', { person: 'st-log-person' });
      const cmds: IndexedCommand[] = [
        { seq: 0, command: 'uptime', text: 'up 3 days, load average 0.1', startedAt: T0 },
      ];
      await store.sessionTexts.putLog(s, logOf(cmds, T0), T0 + 1);
      const rec = await store.sessionTexts.get('st-log');
      expect(rec).toEqual({
        session: s,
        log: logOf(cmds, T0),
        convertedAt: T0 + 1,
        indexedAt: null,
        scores: null,
        scoredAt: null,
      });
      expect(
        ids(await store.sessionTexts.search({ words: 'uptime', person: 'st-log-person' })),
      ).toEqual([]);
      expect(await store.sessionTexts.index(s, cmds, T0 + 2)).toBe(true);
      expect(
        ids(await store.sessionTexts.search({ words: 'uptime', person: 'st-log-person' })),
      ).toEqual(['st-log']);
      const scores = [{ seq: 0, score: 0, reasons: [] }];
      expect(await store.sessionTexts.setScores('st-log', scores, T0 + 3)).toBe(true);
      expect(await store.sessionTexts.get('st-log')).toMatchObject({
        indexedAt: T0 + 2,
        scores,
        scoredAt: T0 + 3,
      });
      expect(await store.sessionTexts.setScores('st-none', scores, T0)).toBe(false);
      expect(await store.sessionTexts.index(session('st-none'), cmds, T0)).toBe(false);
      expect(await store.sessionTexts.get('st-none')).toBeNull();

      // a new conversion replaces the log and drops the index and scores made from the old one
      await store.sessionTexts.putLog(s, logOf([], T0), T0 + 4);
      expect(await store.sessionTexts.get('st-log')).toMatchObject({
        convertedAt: T0 + 4,
        indexedAt: null,
        scores: null,
      });
      expect(
        ids(await store.sessionTexts.search({ words: 'uptime', person: 'st-log-person' })),
      ).toEqual([]);
      expect(await store.sessionTexts.remove('st-log')).toBe(true);
      expect(await store.sessionTexts.remove('st-log')).toBe(false);
      expect(await store.sessionTexts.get('st-log')).toBeNull();
    });

    it('finds words anywhere in one command line and its text, case and accents aside', async () => {
      const { store } = ctx.get();
      const p = { person: 'st-words' };
      await put(store, session('st-w1', { ...p, startedAt: T0 }), [
        ['journalctl -u nginx', 'Nov 30 nginx[12]: Café worker process exited on signal 9'],
        ['systemctl status postgres', 'active (running)'],
      ]);
      const page = await store.sessionTexts.search({ words: 'NGINX cafe signal', ...p });
      expect(page.nextCursor).toBeNull();
      expect(page.sessions).toHaveLength(1);
      expect(page.sessions[0]).toEqual({
        session: session('st-w1', { ...p, startedAt: T0 }),
        matchCount: 1,
        matches: [
          {
            seq: 0,
            command: 'journalctl -u nginx',
            in: 'command',
            snippet: 'journalctl -u nginx',
            startedAt: T0,
          },
        ],
      });
      // the words are in two different commands: no single command matches
      expect(ids(await store.sessionTexts.search({ words: 'nginx running', ...p }))).toEqual([]);
      // a part of a word is not the word
      expect(ids(await store.sessionTexts.search({ words: 'ngin', ...p }))).toEqual([]);
      const inText = await store.sessionTexts.search({ words: 'exited', ...p });
      expect(inText.sessions[0]?.matches[0]).toMatchObject({ in: 'text', seq: 0 });
      expect(inText.sessions[0]?.matches[0]?.snippet).toContain('Café worker process exited');
    });

    it('finds a phrase exactly: its words in order, with its punctuation', async () => {
      const { store } = ctx.get();
      const p = { person: 'st-phrase' };
      await put(store, session('st-p1', { ...p, startedAt: T0 + 1 }), [
        ['cat /etc/shadow', 'cat: /etc/shadow: Permission   denied'],
      ]);
      await put(store, session('st-p2', { ...p, startedAt: T0 + 2 }), [
        ['echo rm rf /tmp/build', 'rm rf /tmp/build'],
        ['ls', 'denied permission'],
      ]);
      await put(store, session('st-p3', { ...p, startedAt: T0 + 3 }), [
        ['sudo rm -rf /tmp/build', ''],
      ]);
      expect(ids(await store.sessionTexts.search({ phrase: 'permission denied', ...p }))).toEqual([
        'st-p1',
      ]);
      // the same tokens in the same order, but not the same text
      expect(ids(await store.sessionTexts.search({ phrase: 'rm -rf /tmp/build', ...p }))).toEqual([
        'st-p3',
      ]);
      expect(ids(await store.sessionTexts.search({ phrase: 'rm rf /tmp', ...p }))).toEqual([
        'st-p2',
      ]);
      expect(ids(await store.sessionTexts.search({ phrase: 'mission denied', ...p }))).toEqual([]);
    });

    it('matches a command search against command lines only', async () => {
      const { store } = ctx.get();
      const p = { person: 'st-command' };
      await put(store, session('st-c1', { ...p, startedAt: T0 + 1 }), [
        ['cat notes.txt', 'remember: sudo systemctl restart nginx'],
      ]);
      await put(store, session('st-c2', { ...p, startedAt: T0 + 2 }), [
        ['sudo systemctl restart nginx', ''],
      ]);
      await put(store, session('st-c3', { ...p, startedAt: T0 + 3 }), [
        ['rmdir old', ''],
        ['rm -f old.log', ''],
      ]);
      expect(
        ids(await store.sessionTexts.search({ command: 'systemctl restart nginx', ...p })),
      ).toEqual(['st-c2']);
      expect(
        ids(await store.sessionTexts.search({ words: 'systemctl restart nginx', ...p })),
      ).toEqual(['st-c2', 'st-c1']);
      const rm = await store.sessionTexts.search({ command: 'rm', ...p });
      expect(rm.sessions.map((h) => h.matches.map((m) => m.command))).toEqual([['rm -f old.log']]);
    });

    it('filters by host, person and when the command was typed, newest session first, in pages', async () => {
      const { store } = ctx.get();
      const p = { person: 'st-page' };
      for (let i = 0; i < 5; i++) {
        await put(
          store,
          session(`st-s${i}`, { ...p, startedAt: T0 + i * 60 * MIN, hostId: `st-h${i % 2}` }),
          [
            ['df -h', '/dev/sda1 40G 12G tarball'],
            ['tar czf backup.tgz /srv', ''],
            ['ls', 'backup.tgz tarball'],
            ['ls -l', 'backup.tgz tarball'],
            ['md5sum backup.tgz', 'd41d8 tarball'],
          ],
        );
      }
      const all = await store.sessionTexts.search({ words: 'tarball', ...p });
      expect(ids(all)).toEqual(['st-s4', 'st-s3', 'st-s2', 'st-s1', 'st-s0']);
      // at most three matches each, in typing order, and how many there were
      expect(all.sessions[0]?.matchCount).toBe(4);
      expect(all.sessions[0]?.matches.map((m) => m.seq)).toEqual([0, 2, 3]);

      const first = await store.sessionTexts.search({ words: 'tarball', ...p, limit: 2 });
      expect(ids(first)).toEqual(['st-s4', 'st-s3']);
      const second = await store.sessionTexts.search({
        words: 'tarball',
        ...p,
        limit: 2,
        cursor: first.nextCursor!,
      });
      expect(ids(second)).toEqual(['st-s2', 'st-s1']);
      const third = await store.sessionTexts.search({
        words: 'tarball',
        ...p,
        limit: 2,
        cursor: second.nextCursor!,
      });
      expect(ids(third)).toEqual(['st-s0']);
      expect(third.nextCursor).toBeNull();

      expect(
        ids(await store.sessionTexts.search({ words: 'tarball', ...p, hostId: 'st-h1' })),
      ).toEqual(['st-s3', 'st-s1']);
      expect(
        ids(await store.sessionTexts.search({ words: 'tarball', person: 'st-nobody' })),
      ).toEqual([]);
      // commands typed in [from, to): session 2's first command, session 1's later ones
      const window = await store.sessionTexts.search({
        words: 'tarball',
        ...p,
        from: T0 + 62 * MIN,
        to: T0 + 120 * MIN + 1,
      });
      expect(ids(window)).toEqual(['st-s2', 'st-s1']);
      expect(window.sessions[0]?.matches.map((m) => m.seq)).toEqual([0]);
      expect(window.sessions[1]?.matches.map((m) => m.seq)).toEqual([2, 3, 4]);
    });

    it('pages through many matching commands over many minutes in exact order', async () => {
      const { store } = ctx.get();
      const p = { person: 'st-many' };
      const made: SessionMetadata[] = [];
      for (let i = 0; i < 30; i++) {
        // three sessions a minute, two of them starting at the same millisecond
        const startedAt = T0 + Math.floor(i / 3) * MIN + (i % 3 === 2 ? 0 : (i % 3) * 1000);
        const s = session(`st-m${String((i * 7) % 30).padStart(2, '0')}`, { ...p, startedAt });
        made.push(s);
        await put(
          store,
          s,
          Array.from({ length: 40 }, (_, k): [string, string] =>
            k % 2 === 0 ? [`cat part-${k}.txt`, `chunkword ${k}`] : ['true', ''],
          ),
        );
      }
      const expected = [...made]
        .sort((a, b) => b.startedAt - a.startedAt || (a.sessionId < b.sessionId ? 1 : -1))
        .map((s) => s.sessionId);
      // with a person filter and without one (the word is in these sessions only): the
      // SQLite store walks the person's entries in the first case, all matches in the other
      for (const filter of [p, {}]) {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 10; page++) {
          const res = await store.sessionTexts.search({
            words: 'chunkword',
            ...filter,
            limit: 7,
            cursor,
          });
          for (const h of res.sessions) {
            expect(h.matchCount).toBe(20);
            expect(h.matches.map((m) => m.seq)).toEqual([0, 2, 4]);
          }
          seen.push(...ids(res));
          if (!res.nextCursor) break;
          cursor = res.nextCursor;
        }
        expect(seen).toEqual(expected);
        // one page of all of them reads past the stores' first batch of candidates
        const whole = await store.sessionTexts.search({ words: 'chunkword', ...filter, limit: 30 });
        expect(ids(whole)).toEqual(expected);
        expect(whole.sessions.every((h) => h.matchCount === 20)).toBe(true);
        expect(whole.nextCursor).toBeNull();
      }
    });

    it('indexing a session again replaces what was indexed for it', async () => {
      const { store } = ctx.get();
      const p = { person: 'st-reindex' };
      await put(store, session('st-r1', p), [['echo first-version', 'first-version']]);
      await put(store, session('st-r1', p), [['echo second-version', 'second-version']]);
      expect(ids(await store.sessionTexts.search({ words: 'first version', ...p }))).toEqual([]);
      const page = await store.sessionTexts.search({ words: 'second version', ...p });
      expect(ids(page)).toEqual(['st-r1']);
      expect(page.sessions[0]?.matchCount).toBe(1);
    });

    it('refuses a query it cannot answer, naming the field', async () => {
      const { store } = ctx.get();
      const bad = async (q: Parameters<Store['sessionTexts']['search']>[0], field: string) =>
        expect(store.sessionTexts.search(q)).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          details: { field },
        });
      await bad({}, 'words');
      await bad({ words: '  --- ' }, 'words');
      await bad({ phrase: 'x'.repeat(201) }, 'phrase');
      await bad({ words: Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ') }, 'words');
      await bad({ command: 'y'.repeat(65) }, 'command');
      await bad({ words: 'ok', limit: 0 }, 'limit');
      await bad({ words: 'ok', limit: 101 }, 'limit');
      await bad({ words: 'ok', from: 10, to: 5 }, 'to');
      await bad({ words: 'ok', cursor: 'not-a-cursor' }, 'cursor');
    });
  });
}
