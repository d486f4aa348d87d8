/**
 * What can expire, read for the Expiration notification robot: authorizations with an
 * expiry, agent certificates, the agent CA certificate, and authorized_keys lines that
 * carry `expiry-time=` (lines Keywarden did not write; its own are warned of through
 * their authorization). Each comes with the alert context a rule can route on.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseExpiryTime } from '../../shared/ssh/expiry-time';
import { certificateNotAfter } from '../../shared/proto/pem-keys';
import type { Config } from '../config/load-config';
import type { AlertContext } from '../store/records';
import type { Store } from '../store/store';

export type ExpiringKind = 'authorization' | 'agent-certificate' | 'ca-certificate' | 'key';

export interface ExpiringThing {
  kind: ExpiringKind;
  /** Stable per object: part of the alert's dedupe key. */
  id: string;
  expiresAt: number;
  /** What it is, for people: "authorization x (root on web-1, SHA256:...)". */
  what: string;
  context: AlertContext;
}

type Repos = Pick<Store, 'authorizations' | 'agentFleet' | 'inventory' | 'hosts'>;

const PAGE = 500;

export async function expiringThings(
  store: Repos,
  config: Pick<Config, 'caDir' | 'dataDir'>,
  until: number,
): Promise<ExpiringThing[]> {
  const hostNames = new Map<string, string | null>();
  const hostName = async (id: string) => {
    if (!hostNames.has(id)) hostNames.set(id, (await store.hosts.get(id))?.name ?? null);
    return hostNames.get(id) ?? undefined;
  };
  const out: ExpiringThing[] = [];

  let after: string | undefined;
  do {
    const page = await store.authorizations.list({ state: ['active'] }, { limit: PAGE, after });
    for (const a of page.items) {
      if (a.expiresAt === null || a.expiresAt > until) continue;
      const target =
        'hostId' in a.target
          ? { hostId: a.target.hostId, hostName: await hostName(a.target.hostId) }
          : { groupId: a.target.groupId };
      const where =
        'hostId' in a.target ? (target.hostName ?? a.target.hostId) : `group ${a.target.groupId}`;
      out.push({
        kind: 'authorization',
        id: a.id,
        expiresAt: a.expiresAt,
        what: `authorization ${a.id} (${a.account} on ${where}, ${a.fingerprint})`,
        context: {
          ...stripUndefined(target),
          authorizationId: a.id,
          account: a.account,
          fingerprint: a.fingerprint,
        },
      });
    }
    after = page.nextCursor ?? undefined;
  } while (after);

  for (const agent of await store.agentFleet.agents.listCertificatesEndingBefore(
    until + 1,
    10_000,
  )) {
    const name = agent.hostId ? await hostName(agent.hostId) : undefined;
    out.push({
      kind: 'agent-certificate',
      id: agent.id,
      expiresAt: agent.certificateNotAfter,
      what: `the certificate of agent ${agent.id}${name ? ` on ${name}` : ''} (it was not renewed: is the agent running?)`,
      context: stripUndefined({
        hostId: agent.hostId ?? undefined,
        hostName: name,
        groupId: agent.groupId ?? undefined,
        extra: { agentId: agent.id, certificateSerial: agent.certificateSerial },
      }),
    });
  }

  const caFile = path.join(config.caDir ?? path.join(config.dataDir, 'ca'), 'ca.crt');
  if (existsSync(caFile)) {
    const notAfter = certificateNotAfter(readFileSync(caFile, 'utf8'));
    if (notAfter <= until)
      out.push({
        kind: 'ca-certificate',
        id: 'agent-ca',
        expiresAt: notAfter,
        what: `the agent CA certificate ${caFile}`,
        context: { extra: { file: caFile } },
      });
  }

  let keysAfter: string | undefined;
  do {
    const page = await store.inventory.items.listPage(
      'authorized-key',
      {},
      { limit: 1000, after: keysAfter },
    );
    for (const item of page.items) {
      if (item.data.managed) continue;
      const opt = item.data.options.find((o) => o.name.toLowerCase() === 'expiry-time');
      const seconds = opt?.value ? parseExpiryTime(opt.value) : undefined;
      if (seconds === undefined || seconds * 1000 > until) continue;
      const name = await hostName(item.hostId);
      out.push({
        kind: 'key',
        id: item.id,
        expiresAt: seconds * 1000,
        what: `the key ${item.fingerprint ?? '?'} of ${item.account ?? '?'} on ${name ?? item.hostId} (${item.data.file}:${item.data.line}, expiry-time=${opt?.value ?? ''})`,
        context: stripUndefined({
          hostId: item.hostId,
          hostName: name,
          account: item.account ?? undefined,
          fingerprint: item.fingerprint ?? undefined,
          extra: { file: item.data.file, line: item.data.line },
        }),
      });
    }
    keysAfter = page.nextCursor ?? undefined;
  } while (keysAfter);
  return out;
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
