/**
 * A real IMAP server for tests: Debian's Dovecot (dovecot-imapd), run as root in the
 * foreground with a configuration of its own in a temporary directory — never the
 * system's — listening on a free loopback port with implicit TLS (a certificate made now
 * by a test CA, the controller's own CA code), PLAIN login from a passwd-file, one user
 * whose mail is a Maildir in that directory (owned by `nobody`, as which the imap
 * processes run). `stop()` ends it and removes the directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  issueServerCertificate,
  loadOrCreateCa,
} from '../../controller/agents/certificate-authority';

export interface TestDovecot {
  port: number;
  caPem: string;
  user: string;
  password: string;
  /** What Dovecot logged (for a failing test's message). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

const NOBODY = 65534;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export async function startTestDovecot(
  opts: { user?: string; password?: string } = {},
): Promise<TestDovecot> {
  const user = opts.user ?? 'keywarden';
  const password = opts.password ?? 'imap-Pa55word-7c1d';
  const dir = await mkdtemp(path.join(tmpdir(), 'kwt-dovecot-'));
  await chmod(dir, 0o755);
  const ca = await loadOrCreateCa(path.join(dir, 'ca'));
  const cert = await issueServerCertificate(ca, ['localhost', '127.0.0.1']);
  await writeFile(path.join(dir, 'cert.pem'), cert.certPem, { mode: 0o644 });
  await writeFile(path.join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
  await writeFile(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`, {
    mode: 0o644,
  });
  for (const d of ['run', 'state', 'mail']) await mkdir(path.join(dir, d), { mode: 0o755 });
  await chown(path.join(dir, 'mail'), NOBODY, NOBODY);
  const port = await freePort();
  const conf = `
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = kwt-${port}
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <${dir}/cert.pem
ssl_key = <${dir}/key.pem
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
disable_plaintext_auth = yes
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${NOBODY} gid=${NOBODY} home=${dir}/mail/%u
}
mail_location = maildir:${dir}/mail/%u/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${port}
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`;
  await writeFile(path.join(dir, 'dovecot.conf'), conf);
  const child: ChildProcess = spawn(
    '/usr/sbin/dovecot',
    ['-F', '-c', path.join(dir, 'dovecot.conf')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const { readFile } = await import('node:fs/promises');
  const log = async () =>
    `${stderr}${await readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '')}`;
  const deadline = Date.now() + 30_000;
  while (!(await accepting(port))) {
    if (exited || Date.now() > deadline) {
      const why = await log();
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`dovecot did not start on port ${port}: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    caPem: ca.certPem,
    user,
    password,
    log,
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (!exited) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
