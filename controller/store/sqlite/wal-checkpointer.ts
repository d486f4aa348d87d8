/**
 * Moves WAL checkpoints off the main thread. SQLite's automatic checkpoint runs inside
 * whichever commit crosses the threshold, and with synchronous=FULL that commit then
 * copies and fsyncs pages while the event loop waits: hundreds of milliseconds of
 * stalled jobs. Here a worker thread with its own connection checkpoints on a timer
 * (PASSIVE: never blocks writers) and the main connection's auto-checkpoint is off.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err)); }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    try { db.pragma('wal_checkpoint(TRUNCATE)'); } catch {}
    db.close();
    parentPort.postMessage('stopped');
  }
});
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

export function startWalCheckpointer(file: string, intervalMs = 1000): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(workerSource, { eval: true, workerData: { file, intervalMs, driver } });
  worker.unref();
  let stopped: Promise<void> | undefined;
  let exited = false;
  worker.once('exit', () => (exited = true));
  return {
    // Idempotent: a second stop returns the first one's promise.
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        const done = () => resolve();
        if (exited) return done();
        worker.once('exit', done);
        worker.on('message', (m) => {
          if (m === 'stopped') void worker.terminate().then(done);
        });
        worker.postMessage('stop');
      })),
  };
}
