import { Type } from '@sinclair/typebox';
import { notFound } from '../../shared/errors';
import { defineJob } from '../engine/job-definition';
import { auditSessionCommands } from '../sessions/text/audit-commands';
import { compileRiskRules } from '../sessions/text/risk-rules';

/**
 * The seed's "Risk analysis: Command audit": each command of a converted session is scored
 * by the risk rules (built-in, plus commandRiskRules), and those at or above
 * commandRiskAlertScore raise a risky-command alert. Queued by session-log-converter.
 */
export const commandAudit = defineJob({
  type: 'command-audit',
  describe: "Score a converted session's commands by the risk rules and alert on risky ones",
  params: Type.Object(
    { sessionId: Type.String({ minLength: 1, maxLength: 200 }) },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 10 * 60_000,
  adminTriggerable: true,
  robot: { instances: 2, intervalMs: null },
  idempotent: true,
  async run(params, ctx) {
    const rec = await ctx.store.sessionTexts.get(params.sessionId);
    if (!rec) throw notFound(`session ${params.sessionId} has no readable log: convert it first`);
    const result = await auditSessionCommands(ctx.store, rec, {
      rules: compileRiskRules(ctx.config.commandRiskRules),
      alertScore: ctx.config.commandRiskAlertScore,
      now: ctx.now(),
    });
    return { sessionId: params.sessionId, ...result };
  },
});
