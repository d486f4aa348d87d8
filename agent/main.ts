/**
 * The keywarden-agent executable: the command line (agent-cli.ts) with no extensions.
 * Test fixtures start the same command line through test/helpers/agent-test-main.ts.
 */
import { runAgentProcess } from './agent-cli';

runAgentProcess(process.argv.slice(2));
