/**
 * The records of what an authorization placed (ownedOptions) reach an agent intact: an
 * agent that lost them would fall back to trusting the marker in the file.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeHostOperation,
  encodeHostOperation,
} from '../../../shared/proto/host-operation-message';
import { JobAssignment } from '../../../shared/proto/gen/keywarden/agent/v1/agent';

describe('ownedOptions over the agent protocol', () => {
  it('survive the wire for add and remove, empty lists included', () => {
    const owned = [[], [{ name: 'restrict' }, { name: 'expiry-time', value: '20300101000000Z' }]];
    for (const operation of ['add-authorized-key', 'remove-authorized-key']) {
      const args = { account: 'deploy', fingerprint: 'SHA256:x', options: [], ownedOptions: owned };
      const wire = JobAssignment.encode(
        JobAssignment.fromPartial({ operation: encodeHostOperation(operation, args) }),
      ).finish();
      const back = JobAssignment.decode(wire).operation;
      expect(decodeHostOperation(back)).toEqual({ operation, args });
    }
  });
});
