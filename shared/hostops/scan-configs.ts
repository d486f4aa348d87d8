import type { HostSession } from '../session/host-session';
import { effectiveSshdConfig, hostKeys, type SshdConfigEntry } from '../ssh/sshd-config';
import { findingOf, isFileFinding, readBoundedFile, type HostFinding } from './bounded-read';
import { DEFAULT_SSHD_CONFIG, loadHostSshdConfig, type ConfigReads } from './host-sshd-config';
import { hostReadLimits, type HostReadLimits } from './host-read-limits';
import { readHostKey, type ScannedHostKey } from './read-host-key';

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
): Promise<ScanConfigsResult> {
  const path = params.sshdConfigPath ?? DEFAULT_SSHD_CONFIG;
  const limits = hostReadLimits(params.limits);
  const reads: ConfigReads = new Map();
  const loaded = await loadHostSshdConfig(session, path, reads, limits);
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
  for (const keyPath of keyPaths) {
    const { finding, ...key } = await readHostKey(session, keyPath, limits.keyFileBytes);
    if (finding) findings.push(finding);
    keys.push(key);
  }
  const server = await version(session, params.sshdBinary ?? '/usr/sbin/sshd');
  const client = await version(session, params.sshBinary ?? 'ssh');
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

/** `OpenSSH_9.2p1 Debian-2+deb12u3` from `-V` (older sshd prints it with its usage). */
async function version(session: HostSession, binary: string): Promise<string | null> {
  const out = await session.exec(binary, ['-V'], { timeoutMs: 10_000 });
  const m = /^((?:OpenSSH|Sun_SSH|Tectia|dropbear)[^,\n]*)/m.exec(`${out.stderr}\n${out.stdout}`);
  return m?.[1]?.trim() ?? null;
}

async function osRelease(
  session: HostSession,
  limits: HostReadLimits,
  findings: HostFinding[],
): Promise<ScanConfigsResult['os']> {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    if ((await session.stat(path))?.type !== 'file') continue;
    let content: Buffer;
    try {
      ({ content } = await readBoundedFile(session, path, limits.configFileBytes, 'os-release'));
    } catch (err) {
      if (!isFileFinding(err)) throw err;
      findings.push(findingOf(err, path));
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
