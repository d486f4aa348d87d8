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
} as const;

export const SESSIONS_USAGE = `  sessions list [--state live,ended,...] [--person ID] [--host ID] [--since T] [--until T] [--limit N] [--cursor C]
  sessions show ID | sessions download ID [--out FILE] [--input] | sessions terminate ID [--reason TEXT]`;

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
      const res = await api.call<{ session: SessionView; events: EventView[] }>(
        'GET',
        `/api/v1/sessions/${id()}`,
      );
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
