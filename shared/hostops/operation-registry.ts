/**
 * Host operations by name. A host job names an operation and JSON arguments; whichever
 * driver reaches the host (the agent over gRPC, or the controller over SSH) looks the
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
import {
  readSshdEffectiveConfig,
  type ReadSshdEffectiveConfigParams,
} from './read-sshd-effective-config';
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
import { writeRevokedKeys, type WriteRevokedKeysParams } from './write-revoked-keys';

/**
 * What only an in-process caller can give an operation (functions do not cross a process
 * boundary): the controller's SSH drivers pass a fresh-login check for config deploys.
 */
export interface HostOperationExtras {
  loginCheck?: LoginCheck;
}

/** Whether an operation changes the host: edits need the managed state, reads run in every state. */
export type HostOperationKind = 'read' | 'edit';

export interface HostOperation<A, R> {
  kind: HostOperationKind;
  run(session: HostSession, args: A, signal: AbortSignal, extras: HostOperationExtras): Promise<R>;
}

/** A line of the table: the kind is part of it, so a new operation cannot skip the managed-state check. */
const read = <A, R>(run: HostOperation<A, R>['run']): HostOperation<A, R> => ({
  kind: 'read',
  run,
});
const edit = <A, R>(run: HostOperation<A, R>['run']): HostOperation<A, R> => ({
  kind: 'edit',
  run,
});

/**
 * Every host operation, one line each: a new one is its file in shared/hostops plus a line
 * here (the agent protocol carries any name of this table, see host-operation-message.ts).
 */
export const hostOperations = {
  'list-accounts': read((s) => listAccounts(s)),
  'scan-authorized-keys': read((s, a: ScanAuthorizedKeysParams) => scanAuthorizedKeys(s, a)),
  'scan-private-keys': read((s, a: ScanPrivateKeysParams) => scanPrivateKeys(s, a)),
  'scan-configs': read((s, a: ScanConfigsParams) => scanConfigs(s, a)),
  'scan-key-activity': read((s, a: ScanKeyActivityParams) => scanKeyActivity(s, a)),
  'scan-full': read((s, a: ScanFullParams) => scanFull(s, a)),
  'read-sshd-effective-config': read((s, a: ReadSshdEffectiveConfigParams) =>
    readSshdEffectiveConfig(s, a),
  ),
  'add-authorized-key': edit((s, a: AddAuthorizedKeyParams) => addAuthorizedKey(s, a)),
  'remove-authorized-key': edit((s, a: RemoveAuthorizedKeyParams) => removeAuthorizedKey(s, a)),
  'revoke-authorized-key': edit((s, a: RevokeAuthorizedKeyParams) => revokeAuthorizedKey(s, a)),
  'set-authorized-key-options': edit((s, a: SetAuthorizedKeyOptionsParams) =>
    setAuthorizedKeyOptions(s, a),
  ),
  'generate-private-key': edit((s, a: GeneratePrivateKeyParams) => generatePrivateKey(s, a)),
  'remove-private-key': edit((s, a: { path: string }) => removePrivateKey(s, a)),
  'deploy-sshd-config': edit((s, a: DeploySshdConfigParams, _sig, x) =>
    deploySshdConfig(s, a, x.loginCheck),
  ),
  'relocate-user-keys': edit((s, a: RelocateUserKeysParams, _sig, x) =>
    relocateUserKeys(s, a, x.loginCheck),
  ),
  'deploy-sshd-config-then-scan': edit((s, a: DeploySshdConfigParams, _sig, x) =>
    deploySshdConfigThenScan(s, a, x.loginCheck),
  ),
  'relocate-user-keys-then-scan': edit((s, a: RelocateUserKeysParams, _sig, x) =>
    relocateUserKeysThenScan(s, a, x.loginCheck),
  ),
  'write-revoked-keys': edit((s, a: WriteRevokedKeysParams) => writeRevokedKeys(s, a)),
};

export type HostOperationName = keyof typeof hostOperations;
export type HostOperationArgs<N extends HostOperationName> = Parameters<
  (typeof hostOperations)[N]['run']
>[1];
export type HostOperationResult<N extends HostOperationName> = Awaited<
  ReturnType<(typeof hostOperations)[N]['run']>
>;

export function isHostOperation(name: string): name is HostOperationName {
  return Object.hasOwn(hostOperations, name);
}

/** Each operation's kind, read off the table (for reports and tests). */
export const hostOperationKinds = Object.fromEntries(
  Object.entries(hostOperations).map(([name, o]) => [name, o.kind]),
) as Record<HostOperationName, HostOperationKind>;

/** True for a host operation that changes the host (unknown names are not host operations). */
export function isEditOperation(name: string): boolean {
  return isHostOperation(name) && hostOperations[name].kind === 'edit';
}

/** The error for a name that is not in the table (e.g. from a newer controller). */
export function unknownHostOperation(name: string): Error {
  return invalidInput(`unknown host operation "${name}"`, {
    details: { field: 'operation', value: name, expected: Object.keys(hostOperations) },
  });
}

/** Runs a named operation; an unknown name (e.g. from a newer controller) is a clear error. */
export async function runHostOperation(
  session: HostSession,
  name: string,
  args: unknown,
  signal: AbortSignal,
  extras: HostOperationExtras = {},
): Promise<unknown> {
  if (!isHostOperation(name)) throw unknownHostOperation(name);
  signal.throwIfAborted();
  const operation = hostOperations[name] as HostOperation<unknown, unknown>;
  return operation.run(session, args, signal, extras);
}
