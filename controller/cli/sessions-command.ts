/**
 * `keywarden sessions ...`: the gateway's sessions (docs/gateway.md): list them (the live
 * ones with --state live), show one with its events, download its recording (asciicast v2,
 * `asciinema play FILE` replays it) or what was typed (--input, admin), terminate one.
 */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { UsageError } from './option-values';

export const SESSIONS_OPTIONS = {
  person: { type: 'string' },
  input: { type: 'boolean' },
  words: { type: 'string' },
  phrase: { type: 'string' },
  command: { type: 'string' },
} as const;

export const SESSIONS_USAGE = `  sessions list [--state live,ended,...] [--person ID] [--host ID] [--since T] [--until T] [--limit N] [--cursor C]
  sessions show ID | sessions download ID [--out FILE] [--input] | sessions terminate ID [--reason TEXT]
  sessions search [--words W] [--phrase P] [--command C] [--host ID] [--person UID] [--since T] [--until T] [--limit N] [--cursor C]`;

interface SessionView {
  id: string;
  personUid: string;
  target: string;
  hostId: string;
  account: string;
  fromAddress: string;
  state: string;
  reason: string | null;
  startedAt: number;
  connectedAt: number | null;
  endedAt: number | null;
  bytesOut: number;
  bytesIn: number;
  recordingPath: string | null;
  exitCode: number | null;
}
interface TextView {
  log: { commands: Array<{ seq: number; command: string; startedAt: number }> };
  scores: Array<{ seq: number; score: number; reasons: Array<{ reason: string }> }> | null;
}
interface SearchView {
  sessions: Array<{
    session: {
      sessionId: string;
      person: string;
      hostName: string;
      account: string;
      startedAt: number;
    };
    matches: Array<{ command: string; snippet: string }>;
    matchCount: number;
  }>;
  nextCursor: string | null;
}
interface EventView {
  at: number;
  type: string;
  details: Record<string, unknown>;
}

export async function sessionsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  const id = () => {
    if (!args[0]) throw new UsageError(`sessions ${sub ?? ''}: give the session id`);
    return encodeURIComponent(args[0]);
  };
  switch (sub) {
    case 'list': {
      const q = new URLSearchParams();
      for (const [k, v] of [
        ['state', o.state],
        ['person', o.person],
        ['host', o.host],
        ['since', o.since],
        ['until', o.until],
        ['limit', o.limit],
        ['cursor', o.cursor],
      ] as const)
        if (v) q.set(k, v);
      const res = await api.call<{ items: SessionView[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/sessions${q.size ? `?${q}` : ''}`,
      );
      const rows = res.items.map((s) => ({
        ...s,
        started: time(s.startedAt),
        ended: s.endedAt ? time(s.endedAt) : '-',
        bytes: `${s.bytesOut}/${s.bytesIn}`,
      }));
      return {
        data: res,
        human:
          table(rows, [
            'id',
            'personUid',
            'target',
            'fromAddress',
            'state',
            'started',
            'ended',
            'bytes',
          ]) + (res.nextCursor ? `\nmore: --cursor ${res.nextCursor}` : ''),
      };
    }
    case 'show': {
      const res = await api.call<{
        session: SessionView;
        events: EventView[];
        text: TextView | null;
      }>('GET', `/api/v1/sessions/${id()}`);
      const s = res.session;
      const human = [
        `${s.id}: ${s.personUid} → ${s.target} from ${s.fromAddress}: ${s.state}${s.reason ? ` (${s.reason})` : ''}`,
        `started ${time(s.startedAt)}, connected ${s.connectedAt ? time(s.connectedAt) : '-'}, ended ${s.endedAt ? time(s.endedAt) : '-'}, exit ${s.exitCode ?? '-'}`,
        `bytes out ${s.bytesOut}, in ${s.bytesIn}; recording ${s.recordingPath ?? '-'}`,
        'events:',
        table(
          res.events.map((e) => ({
            at: time(e.at),
            type: e.type,
            details: JSON.stringify(e.details),
          })),
          ['at', 'type', 'details'],
        ),
        'commands:',
        res.text
          ? table(
              res.text.log.commands
                .filter((c) => c.command !== '')
                .map((c) => {
                  const sc = res.text?.scores?.find((x) => x.seq === c.seq);
                  return {
                    at: time(c.startedAt),
                    score: sc ? sc.score : '-',
                    command: c.command,
                    why: sc?.reasons.map((r) => r.reason).join('; ') || '',
                  };
                }),
              ['at', 'score', 'command', 'why'],
            )
          : '(not converted yet)',
      ].join('\n');
      return { data: res, human };
    }
    case 'download': {
      const part = o.input ? 'input' : 'recording';
      const res = await api.download(
        `/api/v1/sessions/${id()}/${part}`,
        (suggested) => o.out ?? suggested ?? `${args[0] ?? 'session'}.cast`,
      );
      return { data: res, human: `${res.file}: ${res.bytes} bytes (asciinema play ${res.file})` };
    }
    case 'search': {
      const q = new URLSearchParams();
      for (const [k, v] of [
        ['words', o.words],
        ['phrase', o.phrase],
        ['command', o.command],
        ['host', o.host],
        ['person', o.person],
        ['since', o.since],
        ['until', o.until],
        ['limit', o.limit],
        ['cursor', o.cursor],
      ] as const)
        if (v) q.set(k, v);
      const res = await api.call<SearchView>('GET', `/api/v1/sessions/search?${q}`);
      const rows = res.sessions.map((h) => ({
        session: h.session.sessionId,
        person: h.session.person,
        target: `${h.session.account}@${h.session.hostName}`,
        started: time(h.session.startedAt),
        matches: h.matchCount,
        first: h.matches[0]?.snippet ?? '',
      }));
      return {
        data: res,
        human:
          table(rows, ['session', 'person', 'target', 'started', 'matches', 'first']) +
          (res.nextCursor ? `\nmore: --cursor ${res.nextCursor}` : ''),
      };
    }
    case 'terminate': {
      const s = await api.call<SessionView>('POST', `/api/v1/sessions/${id()}/terminate`, {
        ...(o.reason ? { reason: o.reason } : {}),
      });
      return { data: s, human: `${s.id}: ${s.state}` };
    }
    default:
      throw new UsageError(`unknown command sessions ${sub ?? ''}`);
  }
}
