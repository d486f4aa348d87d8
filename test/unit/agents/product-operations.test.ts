/**
 * Test-only host operations live in the test fixtures (test/helpers/agent-test-main.ts),
 * not in what ships: the product registry, its read/edit classification, the operations
 * the agent protocol can carry, and the protocol itself name none.
 */
import { describe, expect, it } from 'vitest';
import {
  hostOperationKinds,
  hostOperations,
  isHostOperation,
} from '../../../shared/hostops/operation-registry';
import { AGENT_OPERATIONS, encodeOperation } from '../../../shared/proto/operation-messages';
import { JobAssignment } from '../../../shared/proto/gen/keywarden/agent/v1/agent';

describe('the product host operations', () => {
  it('list no test- operation', () => {
    expect(Object.keys(hostOperations)).toContain('list-accounts');
    expect(Object.keys(hostOperations).filter((n) => n.startsWith('test-'))).toEqual([]);
    expect(Object.keys(hostOperationKinds).filter((n) => n.startsWith('test-'))).toEqual([]);
    expect(AGENT_OPERATIONS.filter((n) => n.startsWith('test-'))).toEqual([]);
    expect(isHostOperation('test-slow-list-accounts')).toBe(false);
    expect(() => encodeOperation('test-slow-list-accounts', { delayMs: 1 })).toThrow(
      /has no agent protocol message/,
    );
  });

  it('the agent protocol has no test operation message', () => {
    // The field is reserved in agent.proto: decoding it yields no operation at all.
    const a = JobAssignment.fromJSON({ testSlowListAccounts: { delayMs: 5 } });
    expect(a.operation).toBeUndefined();
  });
});
