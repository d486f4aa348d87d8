/**
 * keywarden-agent
 *   enroll --icb FILE [--state-dir DIR]   enroll once with an ICB file
 *   run [--state-dir DIR] [--root-prefix DIR]   hold the management connection and run jobs
 *   --version                              the agent's version and the Node.js runtime it embeds
 * Environment (read once by config/load-agent-config.ts): KEYWARDEN_AGENT_STATE_DIR,
 * KEYWARDEN_AGENT_ROOT_PREFIX, KEYWARDEN_AGENT_MAX_BACKOFF_MS, KEYWARDEN_AGENT_HOSTNAME.
 */
import { errorCode } from '../shared/errors';
import { runHostOperation } from '../shared/hostops/operation-registry';
import type { AgentExtensions } from './agent-extensions';
import { certificateTimes, keepCertificateRenewed } from './certificate-renewal';
import { loadAgentConfig } from './config/load-agent-config';
import { AGENT_CAPABILITIES, AgentConnection } from './connection';
import { enrollAgent } from './enroll';
import { JobRunner } from './job-runner';
import { log } from './log';
import { StateDir } from './state-dir';
import { AGENT_VERSION } from './version';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[], ext: AgentExtensions): Promise<number> {
  const [command, ...args] = argv;
  if (command === '--version') {
    // The runtime too: the executable carries its own Node, patched only by a new package.
    process.stdout.write(`keywarden-agent ${AGENT_VERSION} (Node.js ${process.version})\n`);
    return 0;
  }
  // Before any command does anything: a wrong setting stops the agent here, named.
  const config = loadAgentConfig({
    stateDir: option(args, '--state-dir'),
    rootPrefix: option(args, '--root-prefix'),
  });
  const { stateDir, rootPrefix } = config;
  if (command === 'enroll') {
    const icb = option(args, '--icb');
    if (!icb) {
      process.stderr.write('keywarden-agent enroll: --icb FILE is required\n');
      return 2;
    }
    const state = new StateDir(stateDir);
    if (state.enrolled() && !args.includes('--force')) {
      process.stderr.write(
        `keywarden-agent: already enrolled as ${state.identity().agentId} (state in ${stateDir}); use --force to enroll again\n`,
      );
      return 0;
    }
    const agentId = await enrollAgent(state, icb, rootPrefix, config.hostname);
    process.stdout.write(`enrolled as ${agentId}\n`);
    return 0;
  }
  if (command === 'run') {
    const state = new StateDir(stateDir);
    if (!state.enrolled()) {
      process.stderr.write(
        `keywarden-agent: not enrolled (no identity in ${stateDir}): run keywarden-agent enroll --icb FILE first\n`,
      );
      return 2;
    }
    state.completeCredentials();
    const identity = state.identity();
    const runner = new JobRunner(
      state,
      log,
      rootPrefix,
      identity.settings.maxConcurrentJobs,
      ext.wrapOperation ? ext.wrapOperation(runHostOperation) : runHostOperation,
    );
    const conn = new AgentConnection(state, runner, log, {
      rootPrefix,
      maxBackoffMs: config.maxBackoffMs,
      hostname: config.hostname,
      beforeSendResult: ext.beforeSendResult,
      capabilities: ext.capabilities?.(AGENT_CAPABILITIES),
    });
    const renewal = keepCertificateRenewed(state, log);
    for (const sig of ['SIGINT', 'SIGTERM'] as const)
      process.once(sig, () => {
        renewal.stop();
        conn.stop();
      });
    const cert = certificateTimes(state);
    log('info', 'agent starting', {
      agentId: identity.agentId,
      version: AGENT_VERSION,
      runtime: process.version,
      controllers: identity.controllers,
      rootPrefix,
      maxBackoffMs: config.maxBackoffMs,
      certificateNotAfter: new Date(cert.notAfter).toISOString(),
      certificateRenewalDue: new Date(cert.dueAt).toISOString(),
    });
    await conn.runForever();
    return 0;
  }
  process.stderr.write(
    'usage: keywarden-agent enroll --icb FILE [--state-dir DIR] | run [--state-dir DIR] [--root-prefix DIR] | --version\n',
  );
  return 2;
}

/** Runs the agent command line and exits the process with its status. */
export function runAgentProcess(argv: string[], ext: AgentExtensions = {}): void {
  main(argv, ext).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(
        `keywarden-agent: ${errorCode(err) ? `${errorCode(err)}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
