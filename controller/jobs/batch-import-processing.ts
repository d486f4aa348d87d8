import { Type } from '@sinclair/typebox';
import { errorCode } from '../../shared/errors';
import { defineJob } from '../engine/job-definition';
import { addAgentlessHost } from '../intake/add-agentless-host';
import { parseHostImport, type ImportRowProblem } from '../intake/host-import';
import { SEALED_IMPORT_CONTEXT, secretBoxFor, vaultFor } from '../secrets/secret-boxes';

/**
 * The "Batch import processing" robot: processes an uploaded CSV of agentless hosts. The
 * file arrives sealed (it holds initial passwords or keys), every row is checked, good rows
 * become hosts with their discovery queued, and the result is the report: which rows were
 * imported and, for each failed row, its line, the field and why.
 */
export const batchImportProcessing = defineJob({
  type: 'batch-import-processing',
  describe: 'Processes an uploaded CSV of hosts and their credentials',
  params: Type.Object({
    sealedCsv: Type.String({ minLength: 1, description: 'the CSV, sealed with the master key' }),
    fileName: Type.Optional(Type.String()),
    actor: Type.String({ minLength: 1 }),
  }),
  runsOn: 'controller',
  timeoutMs: 30 * 60_000,
  adminTriggerable: false,
  robot: { instances: 1, intervalMs: null },
  async run(params, ctx) {
    const csv = secretBoxFor(ctx.config).open(params.sealedCsv, SEALED_IMPORT_CONTEXT);
    const parsed = parseHostImport(csv);
    const vault = vaultFor(ctx.config, ctx.store);
    const imported: Array<{
      line: number;
      hostId: string;
      address: string;
      discoverJobId: string | null;
    }> = [];
    const failed: ImportRowProblem[] = [...parsed.failed];
    for (const [i, row] of parsed.rows.entries()) {
      ctx.signal.throwIfAborted();
      try {
        const added = await addAgentlessHost(
          {
            store: ctx.store,
            vault,
            now: ctx.now,
            queueDiscovery: (hostId) =>
              ctx.enqueue({ type: 'discover', params: {}, hostId, trigger: 'event' }),
          },
          row.host,
          params.actor,
        );
        imported.push({
          line: row.line,
          hostId: added.host.id,
          address: `${row.host.address}:${row.host.port}`,
          discoverJobId: added.discoverJobId,
        });
      } catch (err) {
        const code = errorCode(err);
        if (code !== 'CONFLICT' && code !== 'NOT_FOUND') throw err;
        failed.push({
          line: row.line,
          address: row.host.address,
          field: code === 'CONFLICT' ? 'address' : 'group_id',
          reason: (err as Error).message,
        });
      }
      if ((i + 1) % 100 === 0) await ctx.heartbeat({ processed: i + 1, total: parsed.rows.length });
    }
    failed.sort((a, b) => a.line - b.line);
    return {
      fileName: params.fileName ?? null,
      rows: parsed.rows.length + parsed.failed.length,
      importedCount: imported.length,
      failedCount: failed.length,
      imported,
      failed,
    };
  },
});
