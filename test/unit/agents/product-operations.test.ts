/**
 * Test-only host operations live in the test fixtures (test/helpers/agent-test-main.ts),
 * not in what ships: the product registry (which is also what the agent protocol can
 * carry), its read/edit classification, and the protocol itself name none.
 */
import { describe, expect, it } from 'vitest';
import {
  hostOperationKinds,
  hostOperations,
  isHostOperation,
} from '../../../shared/hostops/operation-registry';
import { JobAssignment } from '../../../shared/proto/gen/keywarden/agent/v1/agent';

describe('the product host operations', () => {
  it('list no test- operation', () => {
    expect(Object.keys(hostOperations)).toContain('list-accounts');
    expect(Object.keys(hostOperations).filter((n) => n.startsWith('test-'))).toEqual([]);
    expect(Object.keys(hostOperationKinds).filter((n) => n.startsWith('test-'))).toEqual([]);
    expect(isHostOperation('test-slow-list-accounts')).toBe(false);
  });

  it('the agent protocol has no test operation message', () => {
    // The field is reserved in agent.proto: decoding it yields no operation at all.
    const a = JobAssignment.fromJSON({ testSlowListAccounts: { delayMs: 5 } });
    expect(a.operation).toBeUndefined();
  });
});
