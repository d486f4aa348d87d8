/**
 * keywarden-agent
 *   enroll --icb FILE [--state-dir DIR]   enroll once with an ICB file
 *   run [--state-dir DIR] [--root-prefix DIR]   hold the management connection and run jobs
 *   --version                              the agent's version and the Node.js runtime it embeds
 * Environment: KEYWARDEN_AGENT_STATE_DIR, KEYWARDEN_AGENT_ROOT_PREFIX.
 */
import { errorCode } from '../shared/errors';
import { certificateTimes, keepCertificateRenewed } from './certificate-renewal';
import { AgentConnection } from './connection';
import { enrollAgent } from './enroll';
import { JobRunner } from './job-runner';
import { log } from './log';
import { StateDir } from './state-dir';
import { AGENT_VERSION } from './version';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === '--version') {
    // The runtime too: the executable carries its own Node, patched only by a new package.
    process.stdout.write(`keywarden-agent ${AGENT_VERSION} (Node.js ${process.version})\n`);
    return 0;
  }
  const stateDir =
    option(args, '--state-dir') ??
    process.env.KEYWARDEN_AGENT_STATE_DIR ??
    '/var/lib/keywarden-agent';
  const rootPrefix =
    option(args, '--root-prefix') ?? process.env.KEYWARDEN_AGENT_ROOT_PREFIX ?? '/';
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
    const agentId = await enrollAgent(state, icb, rootPrefix);
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
    const runner = new JobRunner(state, log, rootPrefix, identity.settings.maxConcurrentJobs);
    const conn = new AgentConnection(state, runner, log, {
      rootPrefix,
      maxBackoffMs: Number(process.env.KEYWARDEN_AGENT_MAX_BACKOFF_MS ?? 60_000),
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `keywarden-agent: ${errorCode(err) ? `${errorCode(err)}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  },
);
