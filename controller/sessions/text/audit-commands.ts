/**
 * The command audit of one converted session: every command gets a score and the reasons
 * (kept with the session's log), and each one at or above the alert score raises an alert
 * with who ran it, as which account, on which host, in which session. The alert's dedupe
 * key is the session and the command, so auditing a session again raises nothing twice.
 */
import type { AlertRepository } from '../../store/store';
import type { CommandScore, SessionTextRecord } from '../../store/session-text-records';
import type { SessionTextRepository } from '../../store/session-text-store';
import { redactCommand } from './redact-command';
import { scoreCommand, type CompiledRiskRule } from './risk-rules';

export interface CommandAuditResult {
  commands: number;
  /** Commands with a score above 0. */
  scored: number;
  /** Commands at or above the alert score, and the alerts newly raised for them. */
  risky: number;
  alertsRaised: number;
  highestScore: number;
}

export async function auditSessionCommands(
  store: { alerts: AlertRepository; sessionTexts: SessionTextRepository },
  rec: SessionTextRecord,
  opts: { rules: readonly CompiledRiskRule[]; alertScore: number; now: number },
): Promise<CommandAuditResult> {
  const s = rec.session;
  const scores: CommandScore[] = rec.log.commands
    .filter((c) => c.command !== '')
    .map((c) => scoreCommand(c.seq, c.command, opts.rules));
  let risky = 0;
  let alertsRaised = 0;
  for (const sc of scores) {
    if (sc.score < opts.alertScore) continue;
    risky++;
    const command = redactCommand(rec.log.commands.find((c) => c.seq === sc.seq)?.command ?? '');
    const why = sc.reasons.map((r) => r.reason).join('; ');
    const { created } = await store.alerts.raise(
      {
        type: 'risky-command',
        severity: sc.score >= 90 ? 'critical' : 'warning',
        subject: s.sessionId,
        message: `${s.person} ran a risky command (score ${sc.score}: ${why}) as ${s.account} on ${s.hostName} in session ${s.sessionId}: ${command}`,
        dedupeKey: `risky-command:${s.sessionId}:${sc.seq}`,
        context: {
          hostId: s.hostId,
          hostName: s.hostName,
          account: s.account,
          extra: {
            sessionId: s.sessionId,
            person: s.person,
            seq: sc.seq,
            score: sc.score,
            rules: sc.reasons.map((r) => r.rule).join(','),
            command,
          },
        },
      },
      opts.now,
    );
    if (created) alertsRaised++;
  }
  await store.sessionTexts.setScores(s.sessionId, scores, opts.now);
  return {
    commands: scores.length,
    scored: scores.filter((x) => x.score > 0).length,
    risky,
    alertsRaised,
    highestScore: scores.reduce((m, x) => Math.max(m, x.score), 0),
  };
}
