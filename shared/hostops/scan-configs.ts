import type { HostSession } from '../session/host-session';
import { effectiveSshdConfig, hostKeys } from '../ssh/sshd-config';
import { DEFAULT_SSHD_CONFIG, loadHostSshdConfig, type ConfigReads } from './host-sshd-config';
import { readHostKey, type ScannedHostKey } from './read-host-key';

export interface ScanConfigsParams {
  sshdConfigPath?: string;
  sshdBinary?: string;
  sshBinary?: string;
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
    errors: { file: string; line: number; message: string }[];
    /** The effective global values (no Match block applied) of every keyword the files set. */
    settings: SshdSetting[];
  };
  hostKeys: ScannedHostKey[];
}

/** What the host runs: OS release, SSH product and version, sshd_config, host keys. */
export async function scanConfigs(
  session: HostSession,
  params: ScanConfigsParams = {},
): Promise<ScanConfigsResult> {
  const path = params.sshdConfigPath ?? DEFAULT_SSHD_CONFIG;
  const reads: ConfigReads = new Map();
  const loaded = await loadHostSshdConfig(session, path, reads);
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
  for (const keyPath of hostKeys(global)) keys.push(await readHostKey(session, keyPath));
  const server = await version(session, params.sshdBinary ?? '/usr/sbin/sshd');
  const client = await version(session, params.sshBinary ?? 'ssh');
  return {
    os: await osRelease(session),
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
      errors: loaded.errors.map(({ file, line, message }) => ({ file, line, message })),
      settings,
    },
    hostKeys: keys,
  };
}

/** `OpenSSH_9.2p1 Debian-2+deb12u3` from `-V` (older sshd prints it with its usage). */
async function version(session: HostSession, binary: string): Promise<string | null> {
  const out = await session.exec(binary, ['-V'], { timeoutMs: 10_000 });
  const m = /^((?:OpenSSH|Sun_SSH|Tectia|dropbear)[^,\n]*)/m.exec(`${out.stderr}\n${out.stdout}`);
  return m?.[1]?.trim() ?? null;
}

async function osRelease(session: HostSession): Promise<ScanConfigsResult['os']> {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    if ((await session.stat(path))?.type !== 'file') continue;
    const fields: Record<string, string> = {};
    for (const line of (await session.readFile(path)).content.toString('utf8').split('\n')) {
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
