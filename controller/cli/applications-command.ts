/**
 * `keywarden applications ...`: applications defined by association rules. A rule is
 * `--rule group=G,host=PATTERN,account=PATTERN` (any of the three; repeat --rule for more
 * rules): a host in group G whose name matches host=, and with account= only its accounts
 * whose names match.
 */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { intOption, UsageError } from './option-values';

export const APPLICATIONS_OPTIONS = {
  rule: { type: 'string', multiple: true },
} as const;

export const APPLICATIONS_USAGE = `  applications list | applications show APP | applications members APP [--limit N] [--cursor C]
  applications add NAME --rule group=G,host=PATTERN,account=PATTERN [--rule ...] [--description D]
  applications set APP [--rule ... (replaces the rules)] [--name N] [--description D] | applications remove APP`;

interface Rule {
  groupId?: string;
  hostPattern?: string;
  accountPattern?: string;
}
interface App {
  id: string;
  name: string;
  description: string;
  rules: Rule[];
  membersComputedAt: number | null;
}

const RULE_KEYS: Record<string, keyof Rule> = {
  group: 'groupId',
  host: 'hostPattern',
  account: 'accountPattern',
};

export function parseRule(text: string): Rule {
  const rule: Rule = {};
  for (const part of text.split(',')) {
    const m = /^([a-z]+)=(.+)$/.exec(part.trim());
    const key = m ? RULE_KEYS[m[1]!] : undefined;
    if (!m || !key)
      throw new UsageError(
        `--rule: ${JSON.stringify(part)} is not group=G, host=PATTERN or account=PATTERN`,
      );
    rule[key] = m[2]!;
  }
  return rule;
}

const ruleText = (r: Rule) =>
  [
    r.groupId && `group=${r.groupId}`,
    r.hostPattern && `host=${r.hostPattern}`,
    r.accountPattern && `account=${r.accountPattern}`,
  ]
    .filter(Boolean)
    .join(',');
const appRow = (a: App) => ({
  ...a,
  rules: a.rules.map(ruleText).join(' | '),
  computed: time(a.membersComputedAt),
});
const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};

export async function applicationsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  const path = (a: string | undefined) =>
    `/api/v1/applications/${encodeURIComponent(need(a, 'application id or name'))}`;
  switch (sub) {
    case 'list': {
      const res = await api.call<{ items: App[] }>('GET', '/api/v1/applications');
      return {
        data: res,
        human: table(res.items.map(appRow), ['id', 'name', 'rules', 'computed', 'description']),
      };
    }
    case 'show': {
      const a = await api.call<App>('GET', path(args[0]));
      return {
        data: a,
        human: `${a.name} (${a.id})${a.description ? `: ${a.description}` : ''}\nrules:\n${a.rules.map((r) => `  ${ruleText(r)}`).join('\n')}\nmembers computed: ${time(a.membersComputedAt)}`,
      };
    }
    case 'members': {
      const q = new URLSearchParams();
      const limit = intOption(o.limit, 'limit');
      if (limit !== undefined) q.set('limit', String(limit));
      if (o.cursor) q.set('cursor', o.cursor);
      const page = await api.call<{
        items: Array<{ hostId: string; account: string | null }>;
        nextCursor: string | null;
      }>('GET', `${path(args[0])}/members${q.size ? `?${q}` : ''}`);
      const rows = page.items.map((m) => ({
        host: m.hostId,
        account: m.account ?? '(whole host)',
      }));
      return {
        data: page,
        human:
          table(rows, ['host', 'account']) +
          (page.nextCursor ? `\nmore: --cursor ${page.nextCursor}` : ''),
      };
    }
    case 'add': {
      if (!o.rule?.length) throw new UsageError('applications add: give at least one --rule');
      const res = await api.call<{ application: App; members: number }>(
        'POST',
        '/api/v1/applications',
        {
          name: need(args[0], 'application name'),
          rules: o.rule.map(parseRule),
          ...(o.description !== undefined ? { description: o.description } : {}),
        },
      );
      return {
        data: res,
        human: `added ${res.application.name} (${res.application.id}): ${res.members} members`,
      };
    }
    case 'set': {
      const body = {
        ...(o.rule?.length ? { rules: o.rule.map(parseRule) } : {}),
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.description !== undefined ? { description: o.description } : {}),
      };
      if (Object.keys(body).length === 0)
        throw new UsageError('applications set: give --rule, --name or --description');
      const res = await api.call<{ application: App; members: number }>(
        'PATCH',
        path(args[0]),
        body,
      );
      return {
        data: res,
        human: `updated ${res.application.name}: ${res.members} members`,
      };
    }
    case 'remove': {
      await api.call('DELETE', path(args[0]));
      return { data: { removed: args[0] }, human: `removed ${args[0]}` };
    }
    default:
      throw new UsageError(
        `applications: unknown command ${sub ?? '(none)'}; use list, show, members, add, set or remove`,
      );
  }
}
