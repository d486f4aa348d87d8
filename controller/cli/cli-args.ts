/** Command-line parsing for `keywarden`, kept apart from what the commands do. */
import { parseArgs } from 'node:util';
import { HOSTS_OPTIONS, HOSTS_USAGE } from './hosts-command';
import { ICB_OPTIONS, ICB_USAGE } from './icb-command';
import { INVENTORY_OPTIONS, INVENTORY_USAGE } from './inventory-command';
import { GROUPS_OPTIONS, GROUPS_USAGE } from './groups-command';
import { AUTHORIZATIONS_OPTIONS, AUTHORIZATIONS_USAGE } from './authorizations-command';
import { ACCESS_OPTIONS, ACCESS_USAGE } from './access-command';
import { BLACKLIST_OPTIONS, BLACKLIST_USAGE } from './blacklist-command';
import { REVIEWS_OPTIONS, REVIEWS_USAGE } from './reviews-command';
import { APPLICATIONS_OPTIONS, APPLICATIONS_USAGE } from './applications-command';
import { PURGE_OPTIONS, PURGE_USAGE } from './purge-command';
import { LISTING_OPTIONS, LISTING_USAGE } from './listing-command';
import { RETIREMENT_OPTIONS, RETIREMENT_USAGE } from './retirement-command';
import { EXPORT_USAGE } from './export-command';
import { POLICIES_OPTIONS, POLICIES_USAGE } from './policies-command';
import { NOTIFICATIONS_OPTIONS, NOTIFICATIONS_USAGE } from './notifications-command';
import { PEOPLE_OPTIONS, PEOPLE_USAGE } from './people-command';
import { APPROVALS_OPTIONS, APPROVALS_USAGE } from './approvals-command';
import { SESSIONS_OPTIONS, SESSIONS_USAGE } from './sessions-command';
import { UsageError } from './option-values';
import { RESTORE_OPTIONS, RESTORE_USAGE } from './restore-command';
import { SECRETS_OPTIONS, SECRETS_USAGE } from './secrets-commands';

export { UsageError };

export const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  state: { type: 'string' },
  type: { type: 'string' },
  host: { type: 'string' },
  parent: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  params: { type: 'string' },
  priority: { type: 'string' },
  at: { type: 'string' },
  instances: { type: 'string' },
  interval: { type: 'string' },
  window: { type: 'string' },
  enable: { type: 'boolean' },
  disable: { type: 'boolean' },
  role: { type: 'string' },
  ...HOSTS_OPTIONS,
  ...ICB_OPTIONS,
  ...INVENTORY_OPTIONS,
  ...GROUPS_OPTIONS,
  ...AUTHORIZATIONS_OPTIONS,
  ...ACCESS_OPTIONS,
  ...BLACKLIST_OPTIONS,
  ...REVIEWS_OPTIONS,
  ...APPLICATIONS_OPTIONS,
  ...PURGE_OPTIONS,
  ...LISTING_OPTIONS,
  ...RETIREMENT_OPTIONS,
  ...POLICIES_OPTIONS,
  ...NOTIFICATIONS_OPTIONS,
  ...RESTORE_OPTIONS,
  ...SECRETS_OPTIONS,
  ...PEOPLE_OPTIONS,
  ...APPROVALS_OPTIONS,
  ...SESSIONS_OPTIONS,
} as const;

export type Options = ReturnType<typeof parse>['values'];

export function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const USAGE = `usage: keywarden [--url URL] [--token TOKEN] [--json] <command>

  jobs list [--state S[,S]] [--type T] [--host H] [--parent ID] [--since T] [--until T] [--limit N] [--cursor C]
  jobs show ID
  jobs run TYPE [--params JSON] [--host H] [--priority N] [--at ISO-TIME]
  jobs cancel ID | jobs retry ID
  robots list
  robots set TYPE [--instances N] [--interval 5m] [--window HH:MM-HH:MM|none] [--enable|--disable]
  reports tasks|processes [filters as jobs list] | reports running | reports statistics
  alerts list [--state open,dismissed,resolved] [--type T] | alerts dismiss|resolve ID [--reason TEXT]
  tokens list | tokens create NAME --role admin|operator|auditor [--person PERSON-ID] | tokens revoke ID
${HOSTS_USAGE}
${ICB_USAGE}
${INVENTORY_USAGE}
${GROUPS_USAGE}
${AUTHORIZATIONS_USAGE}
${ACCESS_USAGE}
${BLACKLIST_USAGE}
${REVIEWS_USAGE}
${APPLICATIONS_USAGE}
${PURGE_USAGE}
${LISTING_USAGE}
${RETIREMENT_USAGE}
${EXPORT_USAGE}
${POLICIES_USAGE}
${NOTIFICATIONS_USAGE}
${RESTORE_USAGE}
${SECRETS_USAGE}
${PEOPLE_USAGE}
${APPROVALS_USAGE}
${SESSIONS_USAGE}

The controller and token come from --url/--token or KEYWARDEN_URL/KEYWARDEN_TOKEN.
Exit codes: 0 done, 1 refused or failed (4xx/5xx), 2 usage, 3 unauthorised (401/403), 4 not found, 5 unreachable.`;
