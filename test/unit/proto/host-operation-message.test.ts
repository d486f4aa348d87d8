/**
 * The agent protocol's one generic host-operation message: any registry operation by name,
 * encoded once by the controller and decoded once by the agent, through real protobuf
 * bytes. The per-operation messages of older controllers still decode, by rule.
 */
import { describe, expect, it } from 'vitest';
import { isHostOperation } from '../../../shared/hostops/operation-registry';
import { JobAssignment } from '../../../shared/proto/gen/keywarden/agent/v1/agent';
import {
  decodeHostOperation,
  encodeHostOperation,
} from '../../../shared/proto/host-operation-message';

const overTheWire = (operation: JobAssignment['operation']) =>
  JobAssignment.decode(
    JobAssignment.encode({
      job: { jobId: 'j1', attempt: 1, step: 0 },
      timeoutMs: 1000,
      jobType: 't',
      operation,
    }).finish(),
  ).operation;

describe('the generic host-operation message', () => {
  it('carries any operation name with its arguments as they survive JSON', () => {
    const args = {
      accounts: ['alice'],
      limits: { maxFiles: 3 },
      flag: true,
      gone: undefined,
      cursor: null,
    };
    expect(decodeHostOperation(overTheWire(encodeHostOperation('scan-full', args)))).toEqual({
      operation: 'scan-full',
      args: { accounts: ['alice'], limits: { maxFiles: 3 }, flag: true, cursor: null },
    });
    // A name the agent does not know still decodes: running it is refused by the registry.
    expect(decodeHostOperation(overTheWire(encodeHostOperation('made-up', {})))).toEqual({
      operation: 'made-up',
      args: {},
    });
  });

  it('decodes the per-operation messages an older controller sends', () => {
    const legacy = [
      'listAccounts',
      'scanAuthorizedKeys',
      'scanFull',
      'scanConfigs',
      'scanPrivateKeys',
      'scanKeyActivity',
      'addAuthorizedKey',
      'removeAuthorizedKey',
      'revokeAuthorizedKey',
      'setAuthorizedKeyOptions',
      'generatePrivateKey',
      'removePrivateKey',
      'deploySshdConfig',
      'relocateUserKeys',
      'deploySshdConfigThenScan',
      'relocateUserKeysThenScan',
    ];
    for (const field of legacy) {
      const value = ['listAccounts', 'scanAuthorizedKeys'].includes(field)
        ? {}
        : { params: { account: 'alice' } };
      const op = overTheWire(JobAssignment.fromJSON({ [field]: value }).operation);
      const decoded = decodeHostOperation(op);
      expect(isHostOperation(decoded?.operation ?? ''), `${field}: ${decoded?.operation}`).toBe(
        true,
      );
    }
    expect(
      decodeHostOperation(
        overTheWire({ $case: 'scanAuthorizedKeys', value: { accounts: ['bob'] } }),
      ),
    ).toEqual({ operation: 'scan-authorized-keys', args: { accounts: ['bob'] } });
    expect(
      decodeHostOperation(
        overTheWire({
          $case: 'deploySshdConfigThenScan',
          value: { params: { content: 'Port 22\n' } },
        }),
      ),
    ).toEqual({ operation: 'deploy-sshd-config-then-scan', args: { content: 'Port 22\n' } });
    expect(decodeHostOperation(overTheWire(undefined))).toBeNull();
  });
});
