/**
 * A throwaway redis-server for the BullMQ side of bench:engine: its own loopback port and
 * temp directory, no persistence (no RDB snapshots, no AOF), stopped at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BenchRedis {
  host: string;
  port: number;
  version: string;
  /** CPU time (µs, user + system) the server has used so far, from INFO cpu. */
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

/** Thrown when there is no redis-server to run: the bench then skips BullMQ. */
export class RedisMissing extends Error {}

const binary = () => process.env.KEYWARDEN_BENCH_REDIS_SERVER ?? 'redis-server';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** INFO cpu over its own short connection: no client library needed for one command. */
async function cpuUs(port: number): Promise<number> {
  const info = await new Promise<string>((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    sock.setEncoding('utf8');
    sock.once('error', reject);
    sock.on('data', (d: string) => {
      buf += d;
      // A bulk reply: $<length>\r\n<payload>\r\n
      const m = /^\$(\d+)\r\n/.exec(buf);
      if (m && Buffer.byteLength(buf) >= m[0].length + Number(m[1]) + 2) {
        sock.end();
        resolve(buf);
      }
    });
    sock.write('INFO cpu\r\n');
  });
  const secs = (k: string) => Number(new RegExp(`^${k}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return Math.round((secs('used_cpu_user') + secs('used_cpu_sys')) * 1e6);
}

export async function startRedisForBench(): Promise<BenchRedis> {
  const probe = spawnSync(binary(), ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new RedisMissing(
      `${binary()} is not installed (${(probe.error as NodeJS.ErrnoException).code}); ` +
        'install it with: sudo apt-get install redis-server',
    );
  }
  const version = /v=(\S+)/.exec(probe.stdout)?.[1] ?? 'unknown';
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-redis-'));
  const port = await freePort();
  const child = spawn(
    binary(),
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--protected-mode',
      'yes',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A bench that dies half-way must not leave a Redis behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start in 10 s: ${output.slice(-500)}`)),
      10_000,
    );
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`));
    });
  });
  child.stdout.removeAllListeners('data');
  child.stderr.removeAllListeners('data');
  child.stdout.resume();
  child.stderr.resume();
  return {
    host: '127.0.0.1',
    port,
    version,
    cpuUs: () => cpuUs(port),
    stop: async () => {
      process.removeListener('exit', killOnExit);
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
