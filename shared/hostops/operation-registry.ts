/**
 * Host operations by name. A host job names an operation and JSON arguments; whichever
 * transport reaches the host (the agent over gRPC, or the controller over SSH) looks the
 * name up here and runs the same code against its own HostSession. Arguments and results
 * must survive JSON, because they cross a process boundary.
 */
import type { HostSession } from '../session/host-session';
import { invalidInput } from '../errors';
import { addAuthorizedKey, type AddAuthorizedKeyParams } from './add-authorized-key';
import {
  deploySshdConfig,
  type DeploySshdConfigParams,
  type LoginCheck,
} from './deploy-sshd-config';
import { deploySshdConfigThenScan, relocateUserKeysThenScan } from './edit-then-scan';
import { generatePrivateKey, type GeneratePrivateKeyParams } from './generate-private-key';
import { listAccounts } from './list-accounts';
import { relocateUserKeys, type RelocateUserKeysParams } from './relocate-user-keys';
import { removeAuthorizedKey, type RemoveAuthorizedKeyParams } from './remove-authorized-key';
import { removePrivateKey } from './remove-private-key';
import { revokeAuthorizedKey, type RevokeAuthorizedKeyParams } from './revoke-authorized-key';
import { scanAuthorizedKeys, type ScanAuthorizedKeysParams } from './scan-authorized-keys';
import { scanConfigs, type ScanConfigsParams } from './scan-configs';
import { scanFull, type ScanFullParams } from './scan-full';
import { scanKeyActivity, type ScanKeyActivityParams } from './scan-key-activity';
import { scanPrivateKeys, type ScanPrivateKeysParams } from './scan-private-keys';
import {
  setAuthorizedKeyOptions,
  type SetAuthorizedKeyOptionsParams,
} from './set-authorized-key-options';

/**
 * What only an in-process caller can give an operation (functions do not cross a process
 * boundary): the controller's SSH executors pass a fresh-login check for config deploys.
 */
export interface HostOperationExtras {
  loginCheck?: LoginCheck;
}

export type HostOperationRunner = (
  session: HostSession,
  args: never,
  signal: AbortSignal,
  extras?: HostOperationExtras,
) => Promise<unknown>;

const op =
  <A, R>(fn: (session: HostSession, args: A) => Promise<R>) =>
  (session: HostSession, args: A): Promise<R> =>
    fn(session, args);

export const hostOperations = {
  'list-accounts': op((s) => listAccounts(s)),
  'scan-authorized-keys': op((s, a: ScanAuthorizedKeysParams) => scanAuthorizedKeys(s, a)),
  'scan-private-keys': op((s, a: ScanPrivateKeysParams) => scanPrivateKeys(s, a)),
  'scan-configs': op((s, a: ScanConfigsParams) => scanConfigs(s, a)),
  'scan-key-activity': op((s, a: ScanKeyActivityParams) => scanKeyActivity(s, a)),
  'scan-full': op((s, a: ScanFullParams) => scanFull(s, a)),
  'add-authorized-key': op((s, a: AddAuthorizedKeyParams) => addAuthorizedKey(s, a)),
  'remove-authorized-key': op((s, a: RemoveAuthorizedKeyParams) => removeAuthorizedKey(s, a)),
  'revoke-authorized-key': op((s, a: RevokeAuthorizedKeyParams) => revokeAuthorizedKey(s, a)),
  'set-authorized-key-options': op((s, a: SetAuthorizedKeyOptionsParams) =>
    setAuthorizedKeyOptions(s, a),
  ),
  'generate-private-key': op((s, a: GeneratePrivateKeyParams) => generatePrivateKey(s, a)),
  'remove-private-key': op((s, a: { path: string }) => removePrivateKey(s, a)),
  'deploy-sshd-config': (
    s: HostSession,
    a: DeploySshdConfigParams,
    _sig: AbortSignal,
    x?: HostOperationExtras,
  ) => deploySshdConfig(s, a, x?.loginCheck),
  'relocate-user-keys': (
    s: HostSession,
    a: RelocateUserKeysParams,
    _sig: AbortSignal,
    x?: HostOperationExtras,
  ) => relocateUserKeys(s, a, x?.loginCheck),
  'deploy-sshd-config-then-scan': (
    s: HostSession,
    a: DeploySshdConfigParams,
    _sig: AbortSignal,
    x?: HostOperationExtras,
  ) => deploySshdConfigThenScan(s, a, x?.loginCheck),
  'relocate-user-keys-then-scan': (
    s: HostSession,
    a: RelocateUserKeysParams,
    _sig: AbortSignal,
    x?: HostOperationExtras,
  ) => relocateUserKeysThenScan(s, a, x?.loginCheck),
} satisfies Record<string, HostOperationRunner>;

export type HostOperationName = keyof typeof hostOperations;

/**
 * Whether each operation changes the host. Edits need the host's managed state (the
 * controller's host-executor router refuses them elsewhere); reads run in every state.
 * Every operation must be classified here, so a new one cannot slip past that check.
 */
export const hostOperationKinds: Record<HostOperationName, 'read' | 'edit'> = {
  'list-accounts': 'read',
  'scan-authorized-keys': 'read',
  'scan-private-keys': 'read',
  'scan-configs': 'read',
  'scan-key-activity': 'read',
  'scan-full': 'read',
  'add-authorized-key': 'edit',
  'remove-authorized-key': 'edit',
  'revoke-authorized-key': 'edit',
  'set-authorized-key-options': 'edit',
  'generate-private-key': 'edit',
  'remove-private-key': 'edit',
  'deploy-sshd-config': 'edit',
  'relocate-user-keys': 'edit',
  'deploy-sshd-config-then-scan': 'edit',
  'relocate-user-keys-then-scan': 'edit',
};

/** True for a host operation that changes the host (unknown names are not host operations). */
export function isEditOperation(name: string): boolean {
  return isHostOperation(name) && hostOperationKinds[name] === 'edit';
}
export type HostOperationArgs<N extends HostOperationName> = Parameters<
  (typeof hostOperations)[N]
>[1];
export type HostOperationResult<N extends HostOperationName> = Awaited<
  ReturnType<(typeof hostOperations)[N]>
>;

export function isHostOperation(name: string): name is HostOperationName {
  return Object.hasOwn(hostOperations, name);
}

/** Runs a named operation; an unknown name (e.g. from a newer controller) is a clear error. */
export async function runHostOperation(
  session: HostSession,
  name: string,
  args: unknown,
  signal: AbortSignal,
  extras: HostOperationExtras = {},
): Promise<unknown> {
  if (!isHostOperation(name)) {
    throw invalidInput(`unknown host operation "${name}"`, {
      details: { field: 'operation', value: name, expected: Object.keys(hostOperations) },
    });
  }
  signal.throwIfAborted();
  const runner = hostOperations[name] as (
    s: HostSession,
    a: unknown,
    sig: AbortSignal,
    x: HostOperationExtras,
  ) => Promise<unknown>;
  return runner(session, args, signal, extras);
}
