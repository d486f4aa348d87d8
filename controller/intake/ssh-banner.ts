/**
 * Reads an SSH server's identification line (RFC 4253 4.2: `SSH-protoversion-softwareversion
 * [SP comments]`) without starting a key exchange. Device discovery finds SSH servers by it,
 * and discovery records the SSH product from it.
 */
import { connect } from 'node:net';

export interface SshBanner {
  /** The whole line, e.g. `SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5`. */
  line: string;
  protocol: string;
  /** softwareversion, e.g. `OpenSSH_9.6p1`. */
  software: string;
  comments: string | null;
}

export function parseSshBanner(line: string): SshBanner | null {
  const m = /^SSH-(\d+\.\d+)-(\S+)(?: (.*))?$/.exec(line.trim());
  if (!m?.[1] || !m[2]) return null;
  return { line: line.trim(), protocol: m[1], software: m[2], comments: m[3] ?? null };
}

/** `OpenSSH 9.6p1 (Ubuntu-3ubuntu13.5)` from a banner, for the host's sshProduct. */
export function describeSshProduct(b: SshBanner): string {
  const [name, ...version] = b.software.split('_');
  return `${name}${version.length ? ` ${version.join('_')}` : ''}${b.comments ? ` (${b.comments})` : ''}`;
}

/**
 * Connects, reads lines until one starts with `SSH-` (servers may send other lines first),
 * and closes. null when the port answers with something else or closes; throws on
 * connection failure or timeout (the caller tells "nothing there" from "not SSH").
 */
export function readSshBanner(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<SshBanner | null> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buf = '';
    let done = false;
    const finish = (err: Error | null, value: SshBanner | null = null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const onAbort = () => finish(signal?.reason as Error);
    const timer = setTimeout(
      () =>
        finish(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (line.startsWith('SSH-')) return finish(null, parseSshBanner(line));
      }
      if (buf.length > 8192) finish(null, null);
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(null, null));
  });
}
