/**
 * `keywarden people accounts|mappings|map-account|unmap-account` and `keywarden keys
 * attribute|unattribute`: fleet accounts matched to people (departed ones marked), the
 * mappings that say whose an account is, and keys found in the fleet attributed by hand.
 */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { UsageError } from './option-values';

export const PEOPLE_LINK_COMMANDS = ['accounts', 'mappings', 'map-account', 'unmap-account'];
export const KEY_OWNER_COMMANDS = ['attribute', 'unattribute'];

interface AccountOwnerView {
  hostId: string;
  account: string;
  personId: string;
  method: string;
  departed: boolean;
  departedAt: number | null;
}
interface MappingView {
  id: string;
  account: string;
  hostId: string | null;
  personId: string;
}

const need = (v: string | undefined, what: string, cmd: string): string => {
  if (!v) throw new UsageError(`${cmd}: give ${what}`);
  return v;
};
const enc = encodeURIComponent;

export async function peopleLinksCommand(
  api: ApiClient,
  sub: string,
  args: string[],
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'accounts': {
      const q = new URLSearchParams();
      if (o.departed) q.set('departed', 'true');
      if (o.person) q.set('personId', o.person);
      const res = await api.call<{ items: AccountOwnerView[] }>(
        'GET',
        `/api/v1/directory/accounts${q.size ? `?${q}` : ''}`,
      );
      const rows = res.items.map((a) => ({
        ...a,
        departed: a.departed ? `DEPARTED ${a.departedAt ? time(a.departedAt) : ''}` : '-',
      }));
      return {
        data: res,
        human: table(rows, ['hostId', 'account', 'personId', 'method', 'departed']),
      };
    }
    case 'mappings': {
      const res = await api.call<{ items: MappingView[] }>(
        'GET',
        '/api/v1/directory/account-mappings',
      );
      const rows = res.items.map((m) => ({ ...m, hostId: m.hostId ?? '(every host)' }));
      return { data: res, human: table(rows, ['id', 'account', 'hostId', 'personId']) };
    }
    case 'map-account': {
      const cmd = 'people map-account';
      const body = {
        account: need(o.account, '--account', cmd),
        personId: need(o.person, '--person', cmd),
        ...(o.host ? { hostId: o.host } : {}),
        ...(o.id ? { id: o.id } : {}),
      };
      const res = await api.call<{ mapping: MappingView; jobId: string }>(
        'POST',
        '/api/v1/directory/account-mappings',
        body,
      );
      const m = res.mapping;
      return {
        data: res,
        human: `${m.id}: account ${m.account} on ${m.hostId ?? 'every host'} is ${m.personId}'s (job ${res.jobId})`,
      };
    }
    case 'unmap-account': {
      const id = need(args[0], 'the mapping id', 'people unmap-account');
      const res = await api.call<{ removed: string; jobId: string }>(
        'DELETE',
        `/api/v1/directory/account-mappings/${enc(id)}`,
      );
      return { data: res, human: `removed ${res.removed} (job ${res.jobId})` };
    }
    default:
      throw new UsageError(`unknown command people ${sub}`);
  }
}

export async function keyOwnerCommand(
  api: ApiClient,
  sub: string,
  args: string[],
  o: Options,
): Promise<Output> {
  const fp = need(args[0], 'the key fingerprint (SHA256:...)', `keys ${sub}`);
  if (sub === 'attribute') {
    const res = await api.call<{ fingerprint: string; personId: string }>(
      'PUT',
      `/api/v1/keys/${enc(fp)}/owner`,
      {
        personId: need(o.person, '--person', 'keys attribute'),
        ...(o.note ? { note: o.note } : {}),
      },
    );
    return { data: res, human: `${res.fingerprint} is ${res.personId}'s (by hand)` };
  }
  const res = await api.call<{ removed: string }>('DELETE', `/api/v1/keys/${enc(fp)}/owner`);
  return { data: res, human: `${res.removed} is attributed to nobody` };
}
