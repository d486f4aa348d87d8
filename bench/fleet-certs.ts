/**
 * Agent certificates for bench:fleet, made once and cached on disk: issuing one costs
 * ~27 ms of CPU (CSR, its verification and the CA signature in pure JavaScript), which
 * for 10,000 agents is minutes of the simulators' CPU taken from the controller. Each
 * agent has its own ECDSA P-256 key pair and a certificate naming its id, signed by the
 * cached CA exactly as enrollment does (issueAgentCertificate). Chunks of 1,000 agents,
 * generated in parallel child processes; a chunk of another CA or near expiry is redone.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { issueAgentCertificate, loadOrCreateCa } from '../controller/agents/certificate-authority';
import { createCsr, generateKeyPair, privateKeyToPem } from '../shared/proto/pem-keys';

export const CHUNK = 1000;
const VALIDITY_MS = 30 * 86_400_000;

export interface AgentCredentials {
  keyPem: string;
  certPem: string;
}

interface ChunkFile {
  caCertPem: string;
  notAfter: number;
  agents: AgentCredentials[];
}

export const agentId = (i: number): string => `agt_${(0x100000 + i).toString(16)}`;

export const fleetCacheDir = (): string =>
  process.env.FLEET_CACHE_DIR ?? path.join(tmpdir(), 'keywarden-bench-fleet');

export const chunkFile = (dir: string, c: number): string => path.join(dir, `agents-${c}.json`);

/** A chunk of this CA, far from expiry, with at least `size` agents (a test writes short ones). */
function readChunk(dir: string, c: number, caCertPem: string, size = CHUNK): ChunkFile | null {
  const f = chunkFile(dir, c);
  if (!existsSync(f)) return null;
  const chunk = JSON.parse(readFileSync(f, 'utf8')) as ChunkFile;
  const usable =
    chunk.caCertPem === caCertPem &&
    chunk.notAfter > Date.now() + 86_400_000 &&
    chunk.agents.length >= size;
  return usable ? chunk : null;
}

/** Makes sure chunks covering agents [0, n) exist; returns the CA directory. */
export async function ensureFleetCertificates(
  dir: string,
  n: number,
  procs: number,
): Promise<{ caDir: string; generated: number; generateMs: number }> {
  const caDir = path.join(dir, 'ca');
  mkdirSync(dir, { recursive: true });
  const ca = await loadOrCreateCa(caDir);
  const missing: number[] = [];
  for (let c = 0; c * CHUNK < n; c++) if (!readChunk(dir, c, ca.certPem)) missing.push(c);
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: Math.min(procs, missing.length) }, (_, p) => {
      const mine = missing.filter((_, k) => k % procs === p);
      const child = fork(import.meta.filename, ['generate', dir, ...mine.map(String)], {
        execArgv: ['--import', 'tsx'],
        stdio: 'inherit',
      });
      return new Promise<void>((resolve, reject) =>
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`certificate generator exited ${code}`)),
        ),
      );
    }),
  );
  return { caDir, generated: missing.length * CHUNK, generateMs: Date.now() - t0 };
}

/** Credentials of agents [from, to), from the cache (ensureFleetCertificates ran). */
export async function loadFleetCertificates(
  dir: string,
  from: number,
  to: number,
): Promise<{ caCertPem: string; agents: AgentCredentials[] }> {
  const ca = await loadOrCreateCa(path.join(dir, 'ca'));
  const agents: AgentCredentials[] = [];
  for (let c = Math.floor(from / CHUNK); c * CHUNK < to; c++) {
    const lo = Math.max(from, c * CHUNK);
    const hi = Math.min(to, (c + 1) * CHUNK);
    const chunk = readChunk(dir, c, ca.certPem, hi - c * CHUNK);
    if (!chunk) throw new Error(`agent certificate chunk ${c} is missing in ${dir}`);
    agents.push(...chunk.agents.slice(lo - c * CHUNK, hi - c * CHUNK));
  }
  return { caCertPem: ca.certPem, agents };
}

/**
 * A small fleet for a test (agents [0, n), n ≤ CHUNK) in one chunk, made fast: the agents
 * share one key pair (each still has its own certificate naming its id, which is what the
 * gateway checks), so it costs n certificate signatures, not n key pairs and CSRs.
 */
export async function issueSmallFleet(dir: string, n: number): Promise<{ caDir: string }> {
  if (n > CHUNK) throw new Error(`issueSmallFleet makes at most ${CHUNK} agents, not ${n}`);
  const caDir = path.join(dir, 'ca');
  mkdirSync(dir, { recursive: true });
  const ca = await loadOrCreateCa(caDir);
  const keys = await generateKeyPair();
  const keyPem = await privateKeyToPem(keys.privateKey);
  const csr = await createCsr(keys, 'sim');
  const agents: AgentCredentials[] = [];
  let notAfter = Infinity;
  for (let i = 0; i < n; i++) {
    const cert = await issueAgentCertificate(ca, csr, agentId(i), VALIDITY_MS);
    notAfter = Math.min(notAfter, cert.notAfter);
    agents.push({ keyPem, certPem: cert.certPem });
  }
  const body: ChunkFile = { caCertPem: ca.certPem, notAfter, agents };
  writeFileSync(chunkFile(dir, 0), JSON.stringify(body));
  return { caDir };
}

async function generate(dir: string, chunks: number[]): Promise<void> {
  const ca = await loadOrCreateCa(path.join(dir, 'ca'));
  for (const c of chunks) {
    const agents: AgentCredentials[] = [];
    let notAfter = Infinity;
    for (let i = c * CHUNK; i < (c + 1) * CHUNK; i++) {
      const keys = await generateKeyPair();
      const cert = await issueAgentCertificate(
        ca,
        await createCsr(keys, 'sim'),
        agentId(i),
        VALIDITY_MS,
      );
      notAfter = Math.min(notAfter, cert.notAfter);
      agents.push({ keyPem: await privateKeyToPem(keys.privateKey), certPem: cert.certPem });
    }
    const body: ChunkFile = { caCertPem: ca.certPem, notAfter, agents };
    const f = chunkFile(dir, c);
    writeFileSync(`${f}.tmp`, JSON.stringify(body));
    renameSync(`${f}.tmp`, f);
  }
}

if (process.argv[2] === 'generate') {
  const [, , , dir, ...chunks] = process.argv;
  generate(dir!, chunks.map(Number)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
