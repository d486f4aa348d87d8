/**
 * Host operations by name. A host job names an operation and JSON arguments; whichever
 * transport reaches the host (the agent over gRPC, or the controller over SSH) looks the
 * name up here and runs the same code against its own HostSession. Arguments and results
 * must survive JSON, because they cross a process boundary.
 */
import type { HostSession } from '../session/host-session';
import { invalidInput } from '../errors';
import { listAccounts } from './list-accounts';
import { scanAuthorizedKeys } from './scan-authorized-keys';

export type HostOperationRunner = (
  session: HostSession,
  args: never,
  signal: AbortSignal,
) => Promise<unknown>;

const op =
  <A, R>(fn: (session: HostSession, args: A) => Promise<R>) =>
  (session: HostSession, args: A): Promise<R> =>
    fn(session, args);

export const hostOperations = {
  'list-accounts': op((s) => listAccounts(s)),
  'scan-authorized-keys': op((s, a: { accounts?: string[] }) => scanAuthorizedKeys(s, a)),
} satisfies Record<string, HostOperationRunner>;

export type HostOperationName = keyof typeof hostOperations;
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
  ) => Promise<unknown>;
  return runner(session, args, signal);
}
