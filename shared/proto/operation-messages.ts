/**
 * Host operations as typed protocol messages: each operation the agent can run has its
 * own message in JobAssignment's `operation` oneof. The controller encodes
 * (operation name, JSON args) into it; the agent decodes it back and runs the same
 * shared operation. An operation without a message cannot be sent to an agent, which
 * the controller reports as a clear error before anything is written.
 */
import { invalidInput } from '../errors';
// The proto package path keywarden/agent/v1 is not the agent/ folder the boundary rule means.
// eslint-disable-next-line no-restricted-imports
import type { JobAssignment } from './gen/keywarden/agent/v1/agent';

export type AssignmentOperation = NonNullable<JobAssignment['operation']>;

const toMessage: Record<string, (args: Record<string, unknown>) => AssignmentOperation> = {
  'list-accounts': () => ({ $case: 'listAccounts', value: {} }),
  'scan-authorized-keys': (a) => ({
    $case: 'scanAuthorizedKeys',
    value: { accounts: Array.isArray(a.accounts) ? a.accounts.map(String) : [] },
  }),
  'scan-full': (a) => ({ $case: 'scanFull', value: { params: toStructValue(a) } }),
  'scan-configs': (a) => ({ $case: 'scanConfigs', value: { params: toStructValue(a) } }),
  'scan-private-keys': (a) => ({ $case: 'scanPrivateKeys', value: { params: toStructValue(a) } }),
  'scan-key-activity': (a) => ({ $case: 'scanKeyActivity', value: { params: toStructValue(a) } }),
  'add-authorized-key': (a) => ({ $case: 'addAuthorizedKey', value: { params: toStructValue(a) } }),
  'remove-authorized-key': (a) => ({
    $case: 'removeAuthorizedKey',
    value: { params: toStructValue(a) },
  }),
  'revoke-authorized-key': (a) => ({
    $case: 'revokeAuthorizedKey',
    value: { params: toStructValue(a) },
  }),
  'set-authorized-key-options': (a) => ({
    $case: 'setAuthorizedKeyOptions',
    value: { params: toStructValue(a) },
  }),
  'generate-private-key': (a) => ({
    $case: 'generatePrivateKey',
    value: { params: toStructValue(a) },
  }),
  'remove-private-key': (a) => ({ $case: 'removePrivateKey', value: { params: toStructValue(a) } }),
  'deploy-sshd-config': (a) => ({ $case: 'deploySshdConfig', value: { params: toStructValue(a) } }),
  'relocate-user-keys': (a) => ({ $case: 'relocateUserKeys', value: { params: toStructValue(a) } }),
  'deploy-sshd-config-then-scan': (a) => ({
    $case: 'deploySshdConfigThenScan',
    value: { params: toStructValue(a) },
  }),
  'relocate-user-keys-then-scan': (a) => ({
    $case: 'relocateUserKeysThenScan',
    value: { params: toStructValue(a) },
  }),
};

export const AGENT_OPERATIONS = Object.keys(toMessage);

export function encodeOperation(operation: string, args: unknown): AssignmentOperation {
  const make = Object.hasOwn(toMessage, operation) ? toMessage[operation] : undefined;
  if (!make) {
    throw invalidInput(`host operation "${operation}" has no agent protocol message`, {
      details: { field: 'operation', value: operation, expected: AGENT_OPERATIONS },
    });
  }
  return make((args ?? {}) as Record<string, unknown>);
}

export function decodeOperation(op: AssignmentOperation): { operation: string; args: unknown } {
  switch (op.$case) {
    case 'listAccounts':
      return { operation: 'list-accounts', args: {} };
    case 'scanAuthorizedKeys':
      return {
        operation: 'scan-authorized-keys',
        args: op.value.accounts.length ? { accounts: op.value.accounts } : {},
      };
    case 'scanFull':
      return { operation: 'scan-full', args: op.value.params ?? {} };
    case 'scanConfigs':
      return { operation: 'scan-configs', args: op.value.params ?? {} };
    case 'scanPrivateKeys':
      return { operation: 'scan-private-keys', args: op.value.params ?? {} };
    case 'scanKeyActivity':
      return { operation: 'scan-key-activity', args: op.value.params ?? {} };
    case 'addAuthorizedKey':
      return { operation: 'add-authorized-key', args: op.value.params ?? {} };
    case 'removeAuthorizedKey':
      return { operation: 'remove-authorized-key', args: op.value.params ?? {} };
    case 'revokeAuthorizedKey':
      return { operation: 'revoke-authorized-key', args: op.value.params ?? {} };
    case 'setAuthorizedKeyOptions':
      return { operation: 'set-authorized-key-options', args: op.value.params ?? {} };
    case 'generatePrivateKey':
      return { operation: 'generate-private-key', args: op.value.params ?? {} };
    case 'removePrivateKey':
      return { operation: 'remove-private-key', args: op.value.params ?? {} };
    case 'deploySshdConfig':
      return { operation: 'deploy-sshd-config', args: op.value.params ?? {} };
    case 'relocateUserKeys':
      return { operation: 'relocate-user-keys', args: op.value.params ?? {} };
    case 'deploySshdConfigThenScan':
      return { operation: 'deploy-sshd-config-then-scan', args: op.value.params ?? {} };
    case 'relocateUserKeysThenScan':
      return { operation: 'relocate-user-keys-then-scan', args: op.value.params ?? {} };
  }
}

/** Key under which a non-object result travels inside a Struct. */
export const STRUCT_SCALAR_KEY = '$value';

/** Results cross as a protobuf Struct: JSON-safe values only (undefined keys are dropped). */
export function toStructValue(v: unknown): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(v ?? null)) as unknown;
  return plain && typeof plain === 'object' && !Array.isArray(plain)
    ? (plain as Record<string, unknown>)
    : { [STRUCT_SCALAR_KEY]: plain };
}
