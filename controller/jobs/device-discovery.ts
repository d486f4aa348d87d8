import { Type } from '@sinclair/typebox';
import { errorCode, invalidInput } from '../../shared/errors';
import { defineJob, withDefault } from '../engine/job-definition';
import { addAgentlessHost } from '../intake/add-agentless-host';
import { checkNewHost } from '../intake/new-host-input';
import { expandCidr, scanRange } from '../intake/range-scan';
import { describeSshProduct } from '../intake/ssh-banner';
import { SEALED_DISCOVERY_CONTEXT, secretBoxFor, vaultFor } from '../secrets/secret-boxes';

/**
 * The "Device discovery" robot: scans a network range for SSH servers (by their
 * `SSH-2.0-...` banner) with a concurrency and rate limit, and adds each one found as a
 * discovered agentless host. Given a management account and credential, it also queues
 * discovery of every host it adds; without, the hosts wait for an admin to give them one.
 */
export const deviceDiscovery = defineJob({
  type: 'device-discovery',
  describe: 'Finds SSH servers in a network range and adds them as discovered hosts',
  params: Type.Object({
    cidr: Type.String({ minLength: 1, description: 'IPv4 range, e.g. 10.0.0.0/24' }),
    ports: withDefault(
      Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { minItems: 1, maxItems: 16 }),
      [22],
    ),
    concurrency: withDefault(Type.Integer({ minimum: 1, maximum: 512 }), 64),
    ratePerSecond: withDefault(Type.Integer({ minimum: 1, maximum: 10_000 }), 200),
    timeoutMs: withDefault(Type.Integer({ minimum: 100, maximum: 30_000 }), 2_000),
    managementAccount: Type.Optional(Type.String({ minLength: 1 })),
    /** {"password": ...} or {"privateKey": ...} as JSON, sealed with the master key. */
    sealedCredential: Type.Optional(Type.String({ minLength: 1 })),
    groupId: Type.Optional(Type.String({ minLength: 1 })),
    actor: Type.String({ minLength: 1 }),
  }),
  runsOn: 'controller',
  timeoutMs: 60 * 60_000,
  adminTriggerable: false,
  robot: { instances: 2, intervalMs: null },
  async run(params, ctx) {
    const addresses = expandCidr(params.cidr);
    const scan = await scanRange(
      addresses,
      params.ports,
      {
        concurrency: params.concurrency,
        ratePerSecond: params.ratePerSecond,
        timeoutMs: params.timeoutMs,
      },
      ctx.signal,
      (done, total) => {
        if (done % 256 === 0) void ctx.heartbeat({ scanned: done, total }).catch(() => undefined);
      },
    );
    const credential = params.sealedCredential
      ? (JSON.parse(
          secretBoxFor(ctx.config).open(params.sealedCredential, SEALED_DISCOVERY_CONTEXT),
        ) as {
          password?: string;
          privateKey?: string;
        })
      : {};
    const vault = vaultFor(ctx.config, ctx.store);
    const added: Array<{
      hostId: string;
      address: string;
      sshProduct: string;
      discoverJobId: string | null;
    }> = [];
    const known: Array<{ hostId: string; address: string }> = [];
    for (const found of scan.found) {
      const checked = checkNewHost(
        {
          address: found.address,
          port: found.port,
          managementAccount: params.managementAccount ?? 'root',
          ...credential,
          ...(params.groupId ? { groupId: params.groupId } : {}),
        },
        { requireCredential: false },
      );
      if (!checked.ok)
        throw invalidInput(
          `device-discovery: ${checked.problem.field}: ${checked.problem.reason}`,
          {
            details: { field: checked.problem.field },
          },
        );
      const sshProduct = describeSshProduct(found.banner);
      try {
        const r = await addAgentlessHost(
          {
            store: ctx.store,
            vault,
            now: ctx.now,
            queueDiscovery: (hostId) =>
              ctx.enqueue({ type: 'discover', params: {}, hostId, trigger: 'event' }),
          },
          {
            ...checked.host,
            managementAccount: params.managementAccount ? checked.host.managementAccount : '',
          },
          params.actor,
        );
        await ctx.store.hosts.update(r.host.id, { sshProduct }, ctx.now());
        added.push({
          hostId: r.host.id,
          address: `${found.address}:${found.port}`,
          sshProduct,
          discoverJobId: r.discoverJobId,
        });
      } catch (err) {
        if (errorCode(err) !== 'CONFLICT') throw err;
        const hostId = (err as { details?: { hostId?: string } }).details?.hostId ?? '';
        known.push({ hostId, address: `${found.address}:${found.port}` });
      }
    }
    return {
      cidr: params.cidr,
      scanned: scan.scanned,
      sshServers: scan.found.length,
      notSsh: scan.notSsh,
      silent: scan.silent,
      added,
      alreadyKnown: known,
    };
  },
});
