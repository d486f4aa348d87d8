/** keywarden-controller: reads the configuration, starts, and stops cleanly on SIGINT/SIGTERM. */
// First, so a controller started without `npm start` on too old a Node stops with the same
// message (`npm start` runs it with --import, before this module graph is even linked).
import './check-node-runtime.mjs';
import pino from 'pino';
import { KeywardenError } from '../shared/errors';
import { loadConfig } from './config/load-config';
import { startController } from './start-controller';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof KeywardenError) {
      process.stderr.write(`keywarden-controller: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino({ level: config.logLevel });
  const ctl = await startController(config, log);
  const out = [
    `keywarden-controller listening: admin API ${ctl.httpUrl} (store: ${ctl.services.store.kind}, data: ${config.dataDir}, runtime: Node.js ${process.version})`,
    `web console: ${ctl.httpUrl}/ (sign in with an API token)`,
  ];
  if (ctl.bootstrapToken?.generated) {
    out.push(`first admin token (shown once, store it now): ${ctl.bootstrapToken.secret}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    ctl.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `keywarden-controller: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
