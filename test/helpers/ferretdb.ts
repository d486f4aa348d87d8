/**
 * A MongoDB wire-protocol server for integration tests: FerretDB v1.24.2 over SQLite in a
 * temp dir, built once from its Go module into a cache folder; or, when
 * KEYWARDEN_TEST_MONGODB_URL is set, a real MongoDB with a database of its own per call.
 *
 * Under vitest one FerretDB serves the whole run (the global setup starts it, see
 * startSharedFerretDb): each call gets a database of its own on it, dropped by stop().
 * FerretDB's SQLite backend keeps each database in a file of its own, so tests still share
 * nothing but the process. A test that stops or pauses the server itself asks for
 * `{ ownProcess: true }`.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import {
  access,
  chmod,
  cp,
  mkdir,
  mkdtemp,
  open,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';

export interface TestMongo {
  /** A mongodb:// URL whose path names a database nobody else uses. */
  url: string;
  /** Drops the database; on a server of its own, ends the server. */
  stop(): Promise<void>;
  /** Signals the server process (SIGSTOP/SIGCONT: a server that hangs); only with ownProcess. */
  signal?: (sig: NodeJS.Signals) => void;
}

export interface StartFerretDbOptions {
  /**
   * A FerretDB process for this caller alone: stop() ends it and signal() can pause it.
   * Without it, the run's shared server (when there is one) holds the caller's database.
   */
  ownProcess?: boolean;
}

/** The run's shared FerretDB (mongodb://host:port/), set by the vitest global setup. */
export const SHARED_FERRETDB_ENV = 'KEYWARDEN_TEST_FERRETDB_URL';

export async function startFerretDb(opts: StartFerretDbOptions = {}): Promise<TestMongo> {
  const external = process.env.KEYWARDEN_TEST_MONGODB_URL;
  if (external) return databaseOn(external);
  const shared = process.env[SHARED_FERRETDB_ENV];
  if (shared && !opts.ownProcess) return databaseOn(shared);
  const server = await spawnFerretDb();
  return {
    url: `mongodb://127.0.0.1:${server.port}/${freshDatabaseName()}`,
    stop: server.stop,
    signal: server.signal,
  };
}

/**
 * The one FerretDB of a vitest run (global setup): its base URL goes to the test workers in
 * SHARED_FERRETDB_ENV; the returned function ends it.
 */
export async function startSharedFerretDb(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = await spawnFerretDb();
  return { url: `mongodb://127.0.0.1:${server.port}/`, stop: server.stop };
}

interface FerretDbProcess {
  port: number;
  stop(): Promise<void>;
  signal(sig: NodeJS.Signals): void;
}

async function spawnFerretDb(): Promise<FerretDbProcess> {
  const binary = await ensureFerretDbBinary();
  const dir = await mkdtemp(join(tmpdir(), 'kwt-ferretdb-'));
  const port = await freeLoopbackPort();
  const debugPort = await freeLoopbackPort();
  const logPath = join(dir, 'ferretdb.log');
  const log = createWriteStream(logPath);
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      // A test database need not survive a power cut: without a sync per commit, writes
      // cost what SQLite costs, not what the disk's flush costs.
      `--sqlite-url=file:${dir}/?_pragma=synchronous(off)`,
      `--listen-addr=127.0.0.1:${port}`,
      `--debug-addr=127.0.0.1:${debugPort}`,
      '--telemetry=disable',
      `--state-dir=${dir}`,
      '--log-level=WARN',
    ],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      // FerretDB spends most of a find decoding every stored document it scans, and much of
      // that in the garbage collector: collecting less often cut its CPU time for the
      // engine's claim queries by about a third (GOGC=400 against the default 100).
      env: { GOGC: '400', GOMEMLIMIT: '1GiB', ...process.env },
    },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running()) {
      // A paused server would not stop on SIGTERM.
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 20_000, () => child.exitCode !== null);
  } catch (err) {
    const tail = await readFile(logPath, 'utf8').catch(() => '');
    await stop();
    throw new Error(`FerretDB did not start: ${(err as Error).message}\n${tail.slice(-2000)}`, {
      cause: err,
    });
  }
  return {
    port,
    stop,
    signal: (sig) => {
      if (running()) child.kill(sig);
    },
  };
}

const freshDatabaseName = () =>
  `kwtest_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/** A database of its own on a server others use too, dropped again by stop(). */
function databaseOn(base: string): TestMongo {
  const dbName = freshDatabaseName();
  const u = new URL(base);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  return {
    url,
    stop: async () => {
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
      try {
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, died: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (died()) throw new Error('the process exited');
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until)
      throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const VERSION = 'v1.24.2';
const run = promisify(execFile);
const GO = ['/usr/local/go/bin/go', 'go'];

/** Where the built binary is cached (KEYWARDEN_CACHE_DIR, else ~/.cache/keywarden). */
export function ferretDbBinaryPath(): string {
  return join(
    process.env.KEYWARDEN_CACHE_DIR ?? join(homedir(), '.cache', 'keywarden'),
    `ferretdb-${VERSION}`,
    'ferretdb',
  );
}

export const isBuilt = (binary: string): Promise<boolean> => exists(binary);

const exists = (p: string) =>
  access(p, constants.X_OK).then(
    () => true,
    () => false,
  );

/**
 * The cached binary, built first if missing. A lock file keeps two test files from
 * building at once; the loser waits for the winner's binary.
 */
export async function ensureFerretDbBinary(): Promise<string> {
  const binary = ferretDbBinaryPath();
  const cache = dirname(binary);
  if (await exists(binary)) return binary;
  await mkdir(cache, { recursive: true });
  const lock = join(cache, 'build.lock');
  const until = Date.now() + 10 * 60_000;
  for (;;) {
    const held = await open(lock, 'wx').catch(() => null);
    if (held) {
      try {
        if (!(await exists(binary))) await buildFerretDb(binary);
        return binary;
      } finally {
        await held.close();
        await rm(lock, { force: true });
      }
    }
    if (await exists(binary)) return binary;
    // A build that died leaves its lock behind: a lock older than a build can take is stale.
    const age = await stat(lock).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > 5 * 60_000) await rm(lock, { force: true });
    if (Date.now() > until)
      throw new Error(`timed out waiting for the FerretDB build lock ${lock}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * `go install ...@v1.24.2` fails here (the proxy refuses the version list it reads), so the
 * module is downloaded and built from a writable copy: FerretDB panics at start unless
 * build/version/version.txt names its version, and the module cache has no such file.
 */
async function buildFerretDb(binary: string): Promise<void> {
  const go = await findGo();
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOSUMDB: 'off', GOTOOLCHAIN: 'local' };
  const work = await mkdtemp(join(tmpdir(), 'kwt-ferretdb-src-'));
  try {
    const { stdout } = await run(
      go,
      ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${VERSION}`],
      { env, cwd: work, maxBuffer: 16 << 20 },
    );
    const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!dir) throw new Error(`go mod download gave no Dir: ${stdout}`);
    const src = join(work, 'src');
    await cp(dir, src, { recursive: true });
    await run('chmod', ['-R', 'u+w', src]);
    await writeFile(join(src, 'build', 'version', 'version.txt'), `${VERSION}\n`);
    const tmp = `${binary}.${process.pid}.tmp`;
    await run(go, ['build', '-buildvcs=false', '-o', tmp, './cmd/ferretdb'], {
      env,
      cwd: src,
      maxBuffer: 16 << 20,
      timeout: 9 * 60_000,
    });
    await chmod(tmp, 0o755);
    await rename(tmp, binary);
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(
      `cannot build FerretDB ${VERSION} (set KEYWARDEN_TEST_MONGODB_URL to use a MongoDB instead): ${e.message}\n${e.stderr ?? ''}`,
      { cause: err },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** FerretDB v1.24.2's go.mod asks for Go 1.24; the build never downloads a toolchain. */
const GO_MIN = [1, 24] as const;
const GO_TARBALL = `https://go.dev/dl/go1.24.3.linux-${process.arch === 'arm64' ? 'arm64' : 'amd64'}.tar.gz`;

async function findGo(): Promise<string> {
  const seen: string[] = [];
  for (const go of GO) {
    const version = await run(go, ['env', 'GOVERSION']).then(
      (r) => r.stdout.trim(),
      () => null,
    );
    if (version === null) continue;
    const [major = 0, minor = 0] = version.replace(/^go/, '').split('.').map(Number);
    if (major > GO_MIN[0] || (major === GO_MIN[0] && minor >= GO_MIN[1])) return go;
    seen.push(`${go} is ${version}`);
  }
  throw new Error(
    `FerretDB ${VERSION} is not built and needs Go ${GO_MIN.join('.')} or later (${
      seen.length ? seen.join(', ') : 'no /usr/local/go/bin/go and no go on PATH'
    }). Install it with:\n  rm -rf /usr/local/go && curl -fsSL ${GO_TARBALL} | tar -C /usr/local -xz\nor set KEYWARDEN_TEST_MONGODB_URL to a MongoDB the tests may use`,
  );
}
