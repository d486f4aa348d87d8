/**
 * The leg from the gateway to the host: the real OpenSSH `ssh` client in a pseudo-terminal
 * (node-pty), logging in with the session's ephemeral key. Everything it reads is the
 * session's own: a temporary directory (0700) holding the private key (0600, deleted as soon
 * as ssh has authenticated, and in any case when the session ends), a known_hosts with the
 * one pinned host key, and ssh's log (-E) from which the gateway learns that the login
 * succeeded, or why it failed. No user or system ssh config is read (-F /dev/null), no
 * agent is offered, no forwarding can be set up, and the escape character is off, so the
 * person cannot open a forwarding through `~C` either.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pty from 'node-pty';

export interface OutboundSpec {
  address: string;
  port: number;
  account: string;
  privateKey: string;
  /** `type base64` of the pinned host key. */
  hostKey: string;
  cols: number;
  rows: number;
  term: string;
  /** A command instead of a shell (exec sessions). */
  command: string | null;
  connectTimeoutMs: number;
}

export interface OutboundSsh {
  readonly pid: number;
  onData(fn: (text: string) => void): void;
  onExit(fn: (code: number, signal: number | undefined) => void): void;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  kill(signal?: string): void;
  /** Resolves true once ssh logged that it authenticated, false if it exited before. */
  readonly authenticated: Promise<boolean>;
  /** The last lines of ssh's log: why a login failed. */
  failureReason(): string;
  /** Deletes the private key now (the login is done): the temp directory goes at exit. */
  forgetKey(): void;
}

const HOST_ALIAS = 'keywarden-target';

export function sshArgs(
  spec: OutboundSpec,
  files: { key: string; knownHosts: string; log: string },
): string[] {
  const o = (kv: string) => ['-o', kv];
  return [
    '-F',
    '/dev/null',
    '-E',
    files.log,
    ...o('LogLevel=VERBOSE'),
    '-i',
    files.key,
    ...o('IdentitiesOnly=yes'),
    ...o('IdentityAgent=none'),
    ...o('BatchMode=yes'),
    ...o('PasswordAuthentication=no'),
    ...o('KbdInteractiveAuthentication=no'),
    ...o('StrictHostKeyChecking=yes'),
    ...o(`UserKnownHostsFile=${files.knownHosts}`),
    ...o('GlobalKnownHostsFile=/dev/null'),
    ...o(`HostKeyAlias=${HOST_ALIAS}`),
    ...o('UpdateHostKeys=no'),
    ...o('CheckHostIP=no'),
    ...o('ForwardAgent=no'),
    ...o('ForwardX11=no'),
    ...o('ClearAllForwardings=yes'),
    ...o('PermitLocalCommand=no'),
    ...o('ControlMaster=no'),
    ...o('ControlPath=none'),
    ...o('EscapeChar=none'),
    ...o('ServerAliveInterval=15'),
    ...o(`ConnectTimeout=${Math.max(1, Math.ceil(spec.connectTimeoutMs / 1000))}`),
    '-tt',
    '-p',
    String(spec.port),
    '-l',
    spec.account,
    spec.address,
    ...(spec.command !== null ? ['--', spec.command] : []),
  ];
}

export function startOutboundSsh(spec: OutboundSpec): OutboundSsh {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-gw-'));
  const files = {
    key: path.join(dir, 'id_ed25519'),
    knownHosts: path.join(dir, 'known_hosts'),
    log: path.join(dir, 'ssh.log'),
  };
  writeFileSync(files.key, spec.privateKey, { mode: 0o600 });
  writeFileSync(files.knownHosts, `${HOST_ALIAS} ${spec.hostKey}\n`, { mode: 0o600 });
  writeFileSync(files.log, '', { mode: 0o600 });
  const proc = pty.spawn('ssh', sshArgs(spec, files), {
    name: spec.term,
    cols: spec.cols,
    rows: spec.rows,
    cwd: dir,
    // No SSH_AUTH_SOCK, no user's HOME: ssh reads nothing of the controller's user.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TERM: spec.term },
  });
  const readLog = () => {
    try {
      return readFileSync(files.log, 'utf8');
    } catch {
      return '';
    }
  };
  let exited = false;
  let removed = false;
  const cleanup = () => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  const authenticated = new Promise<boolean>((resolve) => {
    let delay = 10;
    const poll = () => {
      if (/^Authenticated to /m.test(readLog())) return resolve(true);
      if (exited) return resolve(false);
      delay = Math.min(delay * 2, 200);
      setTimeout(poll, delay);
    };
    poll();
  });
  let reason = '';
  proc.onExit(() => {
    exited = true;
    // The log is read once before the directory goes: the failure reason comes from it.
    reason = readLog();
    void authenticated.then(cleanup, cleanup);
  });
  return {
    pid: proc.pid,
    onData: (fn) => void proc.onData(fn),
    onExit: (fn) => void proc.onExit((e) => fn(e.exitCode, e.signal)),
    write: (data) => proc.write(data),
    resize: (cols, rows) => {
      if (!exited) proc.resize(cols, rows);
    },
    kill: (signal) => {
      if (!exited) proc.kill(signal);
    },
    authenticated,
    failureReason: () => {
      const lines = (reason || readLog())
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/^(debug|Transferred|Connection to .* closed)/.test(l));
      return lines.slice(-2).join(' ') || 'ssh exited before logging in';
    },
    forgetKey: () => rmSync(files.key, { force: true }),
  };
}
