/**
 * The real keywarden-agent command line with test-only faults, for agent fixture
 * processes (spawnAgent in agent-processes.ts picks this module when a test sets one of these
 * variables; keep its TEST_AGENT_HOOK_VARIABLES in step).
 * The product agent has no such hooks; they live here:
 *   KEYWARDEN_TEST_AGENT_EXIT_AFTER_RESULT=1|OPERATION
 *     exit with status 3 once a result (of any operation, or of OPERATION) is spooled and
 *     before it is sent, so the controller has certainly not seen it (exiting after the
 *     write would race the socket flush).
 *   KEYWARDEN_TEST_AGENT_SLOW_OPERATIONS=OPERATION=MS[,OPERATION=MS...]
 *     delay those host operations by MS before they run, cancellably, so a test can kill
 *     the agent or cancel the job mid-run.
 *   KEYWARDEN_TEST_AGENT_OMIT_CAPABILITIES=CAPABILITY[,CAPABILITY...]
 *     leave those protocol capabilities out of the hello, to play an agent older than them.
 */
import { runAgentProcess } from '../../agent/agent-cli';
import type { AgentExtensions } from '../../agent/agent-extensions';

function parseSlowOperations(raw: string | undefined): Map<string, number> {
  const delays = new Map<string, number>();
  for (const part of (raw ?? '').split(',').filter(Boolean)) {
    const [name, ms] = part.split('=');
    const n = Number(ms);
    if (!name || !Number.isInteger(n) || n < 0)
      throw new Error(`KEYWARDEN_TEST_AGENT_SLOW_OPERATIONS: "${part}" is not OPERATION=MS`);
    delays.set(name, n);
  }
  return delays;
}

const delay = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

function testAgentExtensions(env: NodeJS.ProcessEnv): AgentExtensions {
  const exitAfter = env.KEYWARDEN_TEST_AGENT_EXIT_AFTER_RESULT;
  const slow = parseSlowOperations(env.KEYWARDEN_TEST_AGENT_SLOW_OPERATIONS);
  const omitted = (env.KEYWARDEN_TEST_AGENT_OMIT_CAPABILITIES ?? '').split(',').filter(Boolean);
  return {
    capabilities: (announced) => announced.filter((c) => !omitted.includes(c)),
    wrapOperation: (run) => async (session, operation, args, signal) => {
      const ms = slow.get(operation);
      if (ms !== undefined) await delay(ms, signal);
      return run(session, operation, args, signal);
    },
    beforeSendResult: (r) => {
      const operation = r.outcome?.$case === 'output' ? r.outcome.value.operation : '';
      if (exitAfter && (exitAfter === '1' || exitAfter === operation)) process.exit(3);
    },
  };
}

runAgentProcess(process.argv.slice(2), testAgentExtensions(process.env));
