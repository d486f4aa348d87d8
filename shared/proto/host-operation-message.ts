/**
 * A host operation as the agent protocol carries it: one generic message, the operation's
 * registry name and its arguments as a protobuf Struct (shared/hostops/operation-registry.ts
 * is the only list of operations, so a new one needs no protocol change). The controller
 * encodes an assignment once per delivery; the agent decodes it once per run.
 *
 * Older controllers sent one message per operation; an agent still decodes those (the
 * fields are kept, deprecated, in agent.proto), by a rule rather than a table: the oneof
 * case is the operation's name in camelCase, and its message holds the arguments.
 */
// The proto package path keywarden/agent/v1 is not the agent/ folder the boundary rule means.
// eslint-disable-next-line no-restricted-imports
import type { JobAssignment } from './gen/keywarden/agent/v1/agent';

export type AssignmentOperation = NonNullable<JobAssignment['operation']>;

/** What an agent announces in its hello when it runs the generic HostOperation message. */
export const HOST_OPERATION_CAPABILITY = 'host-operation';

/** Key under which a non-object value travels inside a Struct. */
export const STRUCT_SCALAR_KEY = '$value';

/** Values cross as a protobuf Struct: JSON-safe values only (undefined keys are dropped). */
export function toStructValue(v: unknown): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(v ?? null)) as unknown;
  return plain && typeof plain === 'object' && !Array.isArray(plain)
    ? (plain as Record<string, unknown>)
    : { [STRUCT_SCALAR_KEY]: plain };
}

/** A Struct that wraps a non-object value comes back as that value. */
export function fromStructValue(v: Record<string, unknown> | undefined): unknown {
  if (!v) return null;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === STRUCT_SCALAR_KEY ? v[STRUCT_SCALAR_KEY] : v;
}

export function encodeHostOperation(name: string, args: unknown): AssignmentOperation {
  return { $case: 'hostOperation', value: { name, args: toStructValue(args ?? {}) } };
}

/** The operation an assignment asks for; null when it carries none this agent knows. */
export function decodeHostOperation(
  op: AssignmentOperation | undefined,
): { operation: string; args: unknown } | null {
  if (!op) return null;
  if (op.$case === 'hostOperation') return { operation: op.value.name, args: op.value.args ?? {} };
  // An older controller's per-operation message.
  const operation = op.$case.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const v = op.value as { params?: Record<string, unknown>; accounts?: string[] };
  if (v.params) return { operation, args: v.params };
  if (v.accounts?.length) return { operation, args: { accounts: v.accounts } };
  return { operation, args: {} };
}
