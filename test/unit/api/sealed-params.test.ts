import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TargetSchema, hostJobParams } from '../../../controller/inventory/host-target';
import { Type } from '@sinclair/typebox';
import { SecretBox } from '../../../controller/secrets/secret-box';
import {
  JobSecrets,
  redactSealed,
  referToParentSecrets,
  sealParams,
} from '../../../controller/secrets/sealed-params';
import type { JobRecord } from '../../../controller/store/records';

const box = new SecretBox({ key: randomBytes(32), id: '0123456789ab', source: 'env' });
const conn = { host: 'h', username: 'root', hostKeyFingerprint: 'SHA256:x' };
const hostJob = hostJobParams({ path: Type.String() });
const fanOut = Type.Object({ targets: Type.Array(TargetSchema), content: Type.String() });

describe('sealed job params', () => {
  it('seals the marked fields only, wherever the schema puts them', () => {
    const sealed = sealParams(
      'x',
      fanOut,
      { targets: [{ connection: { ...conn, password: 'pw1' } }, { hostId: 'h2' }], content: 'pw1' },
      box,
      { child: false },
    ) as { targets: Array<{ connection?: { password: unknown } }>; content: string };
    expect(sealed.targets[0]?.connection?.password).toEqual({
      sealed: expect.stringMatching(/^kw1:0123456789ab:/),
    });
    expect(sealed.content).toBe('pw1');
    expect(JSON.stringify(sealed.targets)).not.toContain('pw1');
  });

  it('refuses a sealed value as input, and a reference outside a child', () => {
    const given = (password: unknown, child: boolean) => () =>
      sealParams('x', hostJob, { connection: { ...conn, password }, path: '/p' }, box, { child });
    expect(given({ sealed: 'kw1:0123456789ab:AAAA' }, true)).toThrow(/connection.password/);
    expect(given({ sealedRef: 'a'.repeat(24) }, false)).toThrow(/connection.password/);
    expect(given({ sealedRef: 'a'.repeat(24) }, true)).not.toThrow();
  });

  it('opens a child’s reference in its ancestors, and only there', async () => {
    const parentParams = sealParams(
      'p',
      fanOut,
      { targets: [{ connection: { ...conn, privateKey: 'KEY' } }], content: 'c' },
      box,
      { child: false },
    ) as { targets: Array<{ connection: unknown }> };
    const childParams = referToParentSecrets({ connection: parentParams.targets[0]!.connection });
    expect(JSON.stringify(childParams)).not.toContain('kw1:');
    const jobs = new Map<string, Pick<JobRecord, 'id' | 'params' | 'parentId'>>([
      ['p', { id: 'p', params: parentParams, parentId: null }],
    ]);
    const secrets = new JobSecrets(box, {
      get: async (id) => (jobs.get(id) as JobRecord | undefined) ?? null,
    });
    await expect(secrets.open({ id: 'c', params: childParams, parentId: 'p' })).resolves.toEqual({
      connection: { ...conn, privateKey: 'KEY' },
    });
    // The same reference in a job that is not the parent's child opens nothing.
    await expect(secrets.open({ id: 'x', params: childParams, parentId: null })).rejects.toThrow(
      /no longer exists/,
    );
  });

  it('redacts sealed values, references, sealed strings and clear credentials of old records', () => {
    expect(
      redactSealed({
        params: {
          connection: { ...conn, password: 'old-clear', privateKey: { sealed: 'kw1:x' } },
          targets: [{ connection: { ...conn, privateKey: { sealedRef: 'a'.repeat(24) } } }],
          sealedCsv: 'kw1:0123456789ab:QUJD',
          content: 'kept',
        },
      }),
    ).toEqual({
      params: {
        connection: { ...conn, password: '[sealed]', privateKey: '[sealed]' },
        targets: [{ connection: { ...conn, privateKey: '[sealed]' } }],
        sealedCsv: '[sealed]',
        content: 'kept',
      },
    });
  });
});
