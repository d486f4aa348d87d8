import { createHash } from 'node:crypto';
import { Client } from 'ssh2';
import type { ConnectConfig } from 'ssh2';
import { credentialRefused, hostKeyMismatch, hostUnreachable, invalidInput } from '../errors';

export interface SshConnectOptions {
  host: string;
  port?: number;
  username: string;
  password?: string;
  privateKey?: string | Buffer;
  passphrase?: string;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. Required: no blind trust. */
  hostKeyFingerprint: string;
  /** TCP connect plus handshake plus authentication (default 10 s). */
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
}

/** The fingerprint format ssh-keygen prints, computed from the raw host key blob. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Connects, pins the host key, and turns every failure into one of three stable codes. */
export async function connectSsh(opts: SshConnectOptions): Promise<Client> {
  if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(opts.hostKeyFingerprint)) {
    throw invalidInput(
      `hostKeyFingerprint must look like SHA256:<43 base64 characters>, got ${JSON.stringify(opts.hostKeyFingerprint)}`,
      { details: { field: 'hostKeyFingerprint', value: opts.hostKeyFingerprint } },
    );
  }
  let presented: string | undefined;
  const client = new Client();
  const config: ConnectConfig = {
    ...baseConfig(opts),
    username: opts.username,
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    ...(opts.privateKey !== undefined ? { privateKey: opts.privateKey } : {}),
    ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
    hostVerifier: (key: Buffer) => {
      presented = sha256Fingerprint(key);
      return presented === opts.hostKeyFingerprint;
    },
  };
  try {
    await ready(client, config);
  } catch (err) {
    client.end();
    if (presented !== undefined && presented !== opts.hostKeyFingerprint) {
      throw hostKeyMismatch(
        `host key of ${opts.host} is ${presented}, expected ${opts.hostKeyFingerprint}`,
        { cause: err, details: { presented, expected: opts.hostKeyFingerprint } },
      );
    }
    throw translateConnectError(err, opts);
  }
  // ssh2 leaves Nagle on: every small SFTP request then waits ~40 ms for the peer's
  // delayed ACK, which made a full scan of one host take tens of seconds.
  client.setNoDelay(true);
  return client;
}

/**
 * First contact: learns the host key fingerprint without authenticating, so an operator
 * can confirm it and pin it. Nothing is sent after the key exchange.
 */
export async function probeHostKeyFingerprint(
  opts: Pick<SshConnectOptions, 'host' | 'port' | 'readyTimeoutMs'>,
): Promise<string> {
  let presented: string | undefined;
  const client = new Client();
  try {
    await ready(client, {
      ...baseConfig(opts),
      username: 'keywarden-probe',
      hostVerifier: (key: Buffer) => {
        presented = sha256Fingerprint(key);
        return false; // stop here: we only wanted the key
      },
    });
  } catch (err) {
    if (presented !== undefined) return presented;
    throw translateConnectError(err, opts);
  } finally {
    client.end();
  }
  if (presented === undefined) throw hostUnreachable(`${opts.host} presented no host key`);
  return presented;
}

function baseConfig(
  opts: Pick<SshConnectOptions, 'host' | 'port' | 'readyTimeoutMs' | 'keepaliveIntervalMs'>,
) {
  return {
    host: opts.host,
    port: opts.port ?? 22,
    readyTimeout: opts.readyTimeoutMs ?? 10_000,
    keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: 3,
  };
}

function ready(client: Client, config: ConnectConfig): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      client.removeListener('ready', onReady);
      // ssh2 may emit a second error (e.g. "Connection lost before handshake") after the first.
      client.on('error', () => undefined);
      reject(err);
    };
    const onReady = () => {
      client.removeListener('error', onError);
      // Later socket errors must not crash the process; operations report them.
      client.on('error', () => undefined);
      resolve();
    };
    client.once('error', onError).once('ready', onReady);
    client.connect(config);
  });
}

function translateConnectError(err: unknown, opts: Pick<SshConnectOptions, 'host' | 'port'>) {
  const e = err as Error & { level?: string; code?: string };
  const where = `${opts.host}:${opts.port ?? 22}`;
  if (e.level === 'client-authentication') {
    return credentialRefused(`${where} refused the credentials: ${e.message}`, { cause: err });
  }
  return hostUnreachable(`${where} is unreachable: ${e.message}`, {
    cause: err,
    details: { host: opts.host, port: opts.port ?? 22, reason: e.code ?? e.level },
  });
}
