/** `keywarden`: a thin client of the admin API. See USAGE for commands and exit codes. */
import { alertsCommand, robotsCommand, tokensCommand } from './admin-commands';
import { ApiClient, ApiError } from './api-client';
import { parse, USAGE, UsageError } from './cli-args';
import { jobsCommand, reportsCommand, type Output } from './job-commands';
import { hostsCommand } from './hosts-command';
import { icbCommand } from './icb-command';
import { INVENTORY_HOST_COMMANDS, inventoryHostsCommand, keysCommand } from './inventory-command';
import { groupsCommand, intervalsCommand, setGroupCommand } from './groups-command';
import { authorizationsCommand } from './authorizations-command';
import { accessCommand } from './access-command';
import { blacklistCommand } from './blacklist-command';
import { reviewsCommand } from './reviews-command';
import { applicationsCommand } from './applications-command';
import { statisticsCommand } from './statistics-command';
import { purgeCommand } from './purge-command';
import { batchListCommand, downloadCommand } from './listing-command';
import { RETIREMENT_COMMANDS, retirementCommand } from './retirement-command';
import { exportCommand } from './export-command';
import { dailyReportCommand, policiesCommand } from './policies-command';
import { notificationsCommand } from './notifications-command';
import { restoreCommand } from './restore-command';
import { restoreSecretsCommand, sealBackupKeyCommand } from './secrets-commands';
import { accessGroupsCommand, directoryCommand, peopleCommand } from './people-command';
import { approvalsCommand } from './approvals-command';
import {
  KEY_OWNER_COMMANDS,
  PEOPLE_LINK_COMMANDS,
  keyOwnerCommand,
  peopleLinksCommand,
} from './directory-links-command';
import { sessionsCommand } from './sessions-command';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  unauthorised: 3,
  notFound: 4,
  unreachable: 5,
} as const;

export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  try {
    const { values: o, positionals } = parse(argv);
    const [area, sub, ...args] = positionals;
    if (o.help || !area) {
      out(USAGE);
      return o.help ? EXIT.ok : EXIT.usage;
    }
    if (area === 'restore' || area === 'restore-secrets' || area === 'seal-backup-key') {
      // Local: the controller it restores is not running yet.
      const res =
        area === 'restore'
          ? await restoreCommand(sub, o)
          : area === 'restore-secrets'
            ? await restoreSecretsCommand(sub, o)
            : await sealBackupKeyCommand(sub, env);
      out(o.json ? JSON.stringify(res.data, null, 2) : res.human);
      return EXIT.ok;
    }
    const url = o.url ?? env.KEYWARDEN_URL;
    const token = o.token ?? env.KEYWARDEN_TOKEN;
    if (!url) throw new UsageError('no controller: give --url or set KEYWARDEN_URL');
    if (!token) throw new UsageError('no token: give --token or set KEYWARDEN_TOKEN');
    const api = new ApiClient(url, token);
    let res: Output;
    if ((area === 'hosts' || area === 'keys') && sub === 'list' && o.batch)
      res = await batchListCommand(api, area, o, err);
    else if (area === 'jobs' && sub === 'download') res = await downloadCommand(api, args, o);
    else if (area === 'jobs') res = await jobsCommand(api, sub, args, o);
    else if (area === 'robots') res = await robotsCommand(api, sub, args, o);
    else if (area === 'reports' && sub === 'statistics') res = await statisticsCommand(api);
    else if (area === 'reports' && sub === 'daily') res = await dailyReportCommand(api, o);
    else if (area === 'reports') res = await reportsCommand(api, sub, o);
    else if (area === 'alerts') res = await alertsCommand(api, sub, args, o);
    else if (area === 'tokens') res = await tokensCommand(api, sub, args, o);
    else if (area === 'hosts' && INVENTORY_HOST_COMMANDS.some((c) => c === sub))
      res = await inventoryHostsCommand(
        api,
        sub as (typeof INVENTORY_HOST_COMMANDS)[number],
        args,
        o,
      );
    else if (area === 'hosts' && sub === 'set-group') res = await setGroupCommand(api, args);
    else if (area === 'hosts') res = await hostsCommand(api, sub, args, o);
    else if (area === 'keys' && RETIREMENT_COMMANDS.some((c) => c === sub))
      res = await retirementCommand(api, sub as (typeof RETIREMENT_COMMANDS)[number], args, o);
    else if (area === 'keys' && sub && KEY_OWNER_COMMANDS.includes(sub))
      res = await keyOwnerCommand(api, sub, args, o);
    else if (area === 'keys') res = await keysCommand(api, sub, args, o);
    else if (area === 'groups') res = await groupsCommand(api, sub, args, o);
    else if (area === 'intervals') res = await intervalsCommand(api, sub, o);
    else if (area === 'icb') res = await icbCommand(api, sub, args, o);
    else if (area === 'authorizations') res = await authorizationsCommand(api, sub, args, o);
    else if (area === 'access') res = await accessCommand(api, sub, args, o);
    else if (area === 'blacklist') res = await blacklistCommand(api, sub, args, o);
    else if (area === 'reviews') res = await reviewsCommand(api, sub, args, o);
    else if (area === 'applications') res = await applicationsCommand(api, sub, args, o);
    else if (area === 'purge') res = await purgeCommand(api, sub, args, o);
    else if (area === 'export') res = await exportCommand(api, sub);
    else if (area === 'policies') res = await policiesCommand(api, sub, args, o);
    else if (area === 'notifications') res = await notificationsCommand(api, sub, args, o);
    else if (area === 'people' && sub && PEOPLE_LINK_COMMANDS.includes(sub))
      res = await peopleLinksCommand(api, sub, args, o);
    else if (area === 'people') res = await peopleCommand(api, sub, args, o);
    else if (area === 'access-groups') res = await accessGroupsCommand(api, sub, args, o);
    else if (area === 'directory') res = await directoryCommand(api, sub, o);
    else if (area === 'approvals') res = await approvalsCommand(api, sub, args, o);
    else if (area === 'sessions') res = await sessionsCommand(api, sub, args, o);
    else throw new UsageError(`unknown command ${area}`);
    out(o.json ? JSON.stringify(res.data, null, 2) : res.human);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`keywarden: ${e.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (e instanceof ApiError) {
      err(`keywarden: ${e.code}: ${e.message}`);
      if (e.status === 0) return EXIT.unreachable;
      if (e.status === 401 || e.status === 403) return EXIT.unauthorised;
      if (e.status === 404) return EXIT.notFound;
      return EXIT.failed;
    }
    err(`keywarden: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failed;
  }
}

if (process.argv[1] && /keywarden(\.mjs)?$|cli[\\/]main\.ts$/.test(process.argv[1])) {
  const code = await runCli(
    process.argv.slice(2),
    process.env,
    (s) => process.stdout.write(`${s}\n`),
    (s) => process.stderr.write(`${s}\n`),
  );
  process.exitCode = code;
}
