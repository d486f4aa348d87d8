import type { HostSession } from '../session/host-session';
import {
  effectiveSshdConfig,
  hostKeys,
  type LoadedSshdConfig,
  type SshdConfigEntry,
} from '../ssh/sshd-config';
import { errorCode } from '../errors';
import { findingOf, isFileFinding, readBoundedFiles, type HostFinding } from './bounded-read';
import { DEFAULT_SSHD_CONFIG, loadHostSshdConfig, type ConfigReads } from './host-sshd-config';
import { hostReadLimits, type HostReadLimits } from './host-read-limits';
import { readHostKeys, type ScannedHostKey } from './read-host-key';

export interface ScanConfigsParams {
  sshdConfigPath?: string;
  sshdBinary?: string;
  sshBinary?: string;
  /** Caps on what is read from the host (defaults in host-read-limits.ts). */
  limits?: Partial<HostReadLimits>;
}

export interface SshdSetting {
  /** Lowercase keyword, as `sshd -T` prints it. */
  keyword: string;
  /** Arguments of the winning line (every contributing line for Port, HostKey, ...). */
  values: string[];
  file: string;
  line: number;
}

export interface ScanConfigsResult {
  os: { id: string; versionId: string; prettyName: string; fields: Record<string, string> } | null;
  ssh: { product: string | null; serverVersion: string | null; clientVersion: string | null };
  sshdConfig: {
    path: string;
    files: { path: string; sha256: string; size: number }[];
    /** With `code` for what the load refused to read (FILE_TOO_LARGE, INCLUDE_CYCLE, LIMIT_EXCEEDED). */
    errors: { file: string; line: number; message: string; code?: string }[];
    /** The effective global values (no Match block applied) of every keyword the files set. */
    settings: SshdSetting[];
    /**
     * The config as loaded, Match blocks and Include markers kept, so the controller can
     * decide per account and source (effective access). Absent from older agents' scans.
     */
    entries?: SshdConfigEntry[];
  };
  hostKeys: ScannedHostKey[];
  /**
   * What was not read, or not read in full: config files past a cap or in an Include cycle,
   * host keys and os-release too large. The rest of the scan holds what could be read.
   */
  findings: HostFinding[];
}

/** What the host runs: OS release, SSH product and version, sshd_config, host keys. */
export async function scanConfigs(
  session: HostSession,
  params: ScanConfigsParams = {},
  /** The config scan-full already loaded (with the same path and limits), with its reads. */
  prefetched?: { loaded: LoadedSshdConfig; reads: ConfigReads },
): Promise<ScanConfigsResult> {
  const path = params.sshdConfigPath ?? DEFAULT_SSHD_CONFIG;
  const limits = hostReadLimits(params.limits);
  const reads: ConfigReads = prefetched?.reads ?? new Map();
  const loaded = prefetched?.loaded ?? (await loadHostSshdConfig(session, path, reads, limits));
  const findings: HostFinding[] = loaded.errors.flatMap((e) =>
    e.code ? [{ code: e.code, path: e.file, message: `${e.file}:${e.line}: ${e.message}` }] : [],
  );
  const global = effectiveSshdConfig(loaded);
  const keywords = new Set<string>();
  for (const e of loaded.entries) if (e.type === 'directive') keywords.add(e.keyword);
  const settings: SshdSetting[] = [];
  for (const keyword of keywords) {
    const lines = global.all(keyword);
    const first = lines[0];
    if (!first) continue; // set only inside Match blocks
    settings.push({
      keyword,
      values: lines.flatMap((l) => l.args),
      file: first.file,
      line: first.line,
    });
  }
  const keys: ScannedHostKey[] = [];
  let keyPaths = hostKeys(global);
  if (keyPaths.length > limits.configFiles) {
    findings.push({
      code: 'LIMIT_EXCEEDED',
      path,
      message: `${keyPaths.length} HostKey lines; only the first ${limits.configFiles} were read`,
    });
    keyPaths = keyPaths.slice(0, limits.configFiles);
  }
  for (const { finding, ...key } of await readHostKeys(session, keyPaths, limits.keyFileBytes)) {
    if (finding) findings.push(finding);
    keys.push(key);
  }
  const [server, client] = await versions(
    session,
    params.sshdBinary ?? '/usr/sbin/sshd',
    params.sshBinary ?? 'ssh',
  );
  return {
    os: await osRelease(session, limits, findings),
    ssh: {
      product: (server ?? client)?.split('_')[0] ?? null,
      serverVersion: server,
      clientVersion: client,
    },
    sshdConfig: {
      path,
      files: loaded.files.map((f) => {
        const r = reads.get(f);
        return { path: f, sha256: r?.sha256 ?? '', size: Buffer.byteLength(r?.text ?? '') };
      }),
      errors: loaded.errors.map(({ file, line, message, code }) => ({
        file,
        line,
        message,
        ...(code ? { code } : {}),
      })),
      settings,
      entries: loaded.entries,
    },
    hostKeys: keys,
    findings,
  };
}

/** Printed between the two programs' output: neither prints it. */
const BETWEEN = 'keywarden-version-of-the-next-program';

/**
 * `OpenSSH_9.2p1 Debian-2+deb12u3` from `-V` of the server and the client (older sshd prints
 * it with its usage), both in one command: each command is a channel, a shell and a sudo.
 */
async function versions(
  session: HostSession,
  server: string,
  client: string,
): Promise<[string | null, string | null]> {
  const out = await session.exec(
    'sh',
    ['-c', `"$1" -V 2>&1; echo ${BETWEEN}; "$2" -V 2>&1`, 'sh', server, client],
    { timeoutMs: 10_000 },
  );
  const [first = '', second = ''] = `${out.stdout}\n${out.stderr}`.split(`${BETWEEN}\n`);
  const version = (text: string) =>
    /^((?:OpenSSH|Sun_SSH|Tectia|dropbear)[^,\n]*)/m.exec(text)?.[1]?.trim() ?? null;
  return [version(first), version(second)];
}

async function osRelease(
  session: HostSession,
  limits: HostReadLimits,
  findings: HostFinding[],
): Promise<ScanConfigsResult['os']> {
  const paths = ['/etc/os-release', '/usr/lib/os-release'];
  const outcomes = await readBoundedFiles(
    session,
    paths.map((path) => ({ path, maxBytes: limits.configFileBytes, what: 'os-release' })),
  );
  for (const [i, path] of paths.entries()) {
    const outcome = outcomes[i]!;
    let content: Buffer;
    if (outcome.ok) content = outcome.read.content;
    else {
      const code = errorCode(outcome.error);
      if (code === 'NOT_FOUND' || code === 'LIMIT_EXCEEDED') continue; // none, or no file
      if (!isFileFinding(outcome.error)) throw outcome.error;
      findings.push(findingOf(outcome.error, path));
      continue;
    }
    const fields: Record<string, string> = {};
    for (const line of content.toString('utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (!m?.[1]) continue;
      fields[m[1]] = (m[2] ?? '').replace(/^(["'])(.*)\1$/, '$2').replace(/\\(.)/g, '$1');
    }
    return {
      id: fields['ID'] ?? '',
      versionId: fields['VERSION_ID'] ?? '',
      prettyName: fields['PRETTY_NAME'] ?? '',
      fields,
    };
  }
  return null;
}
