/**
 * The job error for an sshd config deployment that did not go through (conf-deploy-host,
 * relocate-user-keys-host): what failed, what is on disk now, and sshd's own words.
 */
import { commandFailed, deployRolledBack, type KeywardenError } from '../../shared/errors';
import type { DeploySshdConfigResult } from '../../shared/hostops/deploy-sshd-config';

export type FailedDeploy = Exclude<DeploySshdConfigResult, { status: 'unchanged' | 'applied' }>;

export const deployFailed = (r: DeploySshdConfigResult): r is FailedDeploy =>
  r.status !== 'unchanged' && r.status !== 'applied';

/** `what`: the change as the operator knows it ("the new configuration", "AuthorizedKeysFile X"). */
export function configDeployFailure(hostId: string, r: FailedDeploy, what: string): KeywardenError {
  const details = { hostId, ...r };
  if (r.status === 'rejected')
    return commandFailed(
      `sshd refused ${what} at the check stage (sshd -t of the candidate); the live file was not touched: ${r.output}`,
      { details },
    );
  if (r.status === 'failed-in-place')
    return commandFailed(
      `the file on the host already holds ${what}, unconfirmed (an earlier attempt wrote it), and it failed at the ${r.stage} stage; there is no backup to put back, so fix the file before sshd restarts: ${r.output}`,
      { details },
    );
  const back =
    r.restored === 'removed' ? 'the new file was removed' : 'the previous file was put back';
  if (r.stage === 'login')
    return deployRolledBack(
      `${what} passed sshd -t and the reload, but the login check after the reload failed; ${back} and sshd reloaded: ${r.output}`,
      { details },
    );
  return commandFailed(`sshd refused ${what} at the ${r.stage} stage; ${back}: ${r.output}`, {
    details,
  });
}
