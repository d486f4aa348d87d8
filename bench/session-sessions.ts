/**
 * Synthetic recorded sessions for bench:session-search: what administrators type and what
 * it prints (service status, logs, package updates, deploys, a few risky lines), on 500
 * hosts by 100 people over 90 days. Deterministic: the same seed gives the same sessions.
 */
import type {
  IndexedCommand,
  SessionLog,
  SessionMetadata,
} from '../controller/store/session-text-records';

export const HOSTS = 500;
export const PEOPLE = 100;
export const SPAN_MS = 90 * 86_400_000;
export const START = Date.UTC(2026, 7, 1);

/** mulberry32: a small seeded generator, so runs compare. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = [
  'nginx',
  'postgresql',
  'redis-server',
  'docker',
  'sshd',
  'cron',
  'kafka',
  'haproxy',
];
const WORDS = ['alpha', 'orders', 'billing', 'search', 'ingest', 'payments', 'auth', 'reports'];

type Gen = (r: () => number, host: string) => [string, string];
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const hex = (r: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');

const logLines = (r: () => number, host: string, n: number) =>
  Array.from({ length: n }, (_, i) => {
    const svc = pick(r, SERVICES);
    const what = pick(r, [
      `connection refused from 10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.7`,
      `request ${hex(r, 8)} completed in ${Math.floor(r() * 900)}ms`,
      `worker ${Math.floor(r() * 64)} started`,
      `permission denied while opening /var/lib/${svc}/${hex(r, 4)}.db`,
      `job ${pick(r, WORDS)}-${hex(r, 6)} finished status=0`,
      `upstream timed out (110: Connection timed out) while reading response header`,
    ]);
    return `Nov 30 10:${String(i % 60).padStart(2, '0')}:0${i % 10} ${host} ${svc}[${1000 + i}]: ${what}`;
  }).join('\n');

const COMMANDS: ReadonlyArray<[weight: number, gen: Gen]> = [
  [
    10,
    () => [
      'ls -la',
      'total 48\ndrwxr-xr-x 5 deploy deploy 4096 Nov 30 10:00 .\n-rw-r--r-- 1 deploy deploy 220 Nov 30 .bash_logout\n-rw-r--r-- 1 deploy deploy 3771 Nov 30 .bashrc\ndrwxr-xr-x 8 deploy deploy 4096 Nov 30 app',
    ],
  ],
  [
    8,
    (r) => {
      const s = pick(r, SERVICES);
      return [
        `systemctl status ${s}`,
        `● ${s}.service - ${s} daemon\n     Loaded: loaded (/lib/systemd/system/${s}.service; enabled)\n     Active: active (running) since Mon 2026-11-30 08:12:01 UTC; 2h ago\n   Main PID: ${1000 + Math.floor(r() * 30000)} (${s})\n      Tasks: ${Math.floor(r() * 40)}`,
      ];
    },
  ],
  [
    6,
    (r) => {
      const s = pick(r, SERVICES);
      return [`sudo systemctl restart ${s}`, ''];
    },
  ],
  [8, (r, h) => [`tail -n 40 /var/log/syslog`, logLines(r, h, 40)]],
  [6, (r, h) => [`journalctl -u ${pick(r, SERVICES)} --since today`, logLines(r, h, 25)]],
  [
    6,
    () => [
      'df -h',
      'Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda1        40G   12G   26G  32% /\ntmpfs           3.9G     0  3.9G   0% /dev/shm\n/dev/sdb1       200G  143G   47G  76% /srv',
    ],
  ],
  [
    5,
    (r) => [
      `cd /srv/${pick(r, WORDS)} && git pull`,
      `Updating ${hex(r, 7)}..${hex(r, 7)}\nFast-forward\n src/handlers/${pick(r, WORDS)}.ts | ${Math.floor(r() * 90)} ++++---\n 1 file changed`,
    ],
  ],
  [
    5,
    (r) => [
      'docker ps',
      `CONTAINER ID   IMAGE                    STATUS\n${hex(r, 12)}   registry.local/${pick(r, WORDS)}:1.${Math.floor(r() * 40)}   Up 3 hours\n${hex(r, 12)}   postgres:16              Up 9 days`,
    ],
  ],
  [
    4,
    () => [
      'sudo apt-get update',
      'Hit:1 http://deb.debian.org/debian bookworm InRelease\nGet:2 http://security.debian.org bookworm-security InRelease [48.0 kB]\nReading package lists... Done',
    ],
  ],
  [
    4,
    (r) => [
      `grep -r "${pick(r, WORDS)}" /etc/${pick(r, SERVICES)}/`,
      `/etc/${pick(r, SERVICES)}/conf.d/${pick(r, WORDS)}.conf:  upstream ${pick(r, WORDS)} { server 10.0.0.${Math.floor(r() * 250)}:8080; }`,
    ],
  ],
  [
    4,
    (r) => [
      `cat /srv/${pick(r, WORDS)}/config.yml`,
      `database:\n  host: db-${Math.floor(r() * 20)}.internal\n  pool: ${Math.floor(r() * 50)}\nfeature_flags:\n  ${pick(r, WORDS)}: true`,
    ],
  ],
  [
    3,
    (r) => [
      `ps aux | grep ${pick(r, SERVICES)}`,
      `root      ${Math.floor(r() * 9000)}  0.3  1.2 ${pick(r, SERVICES)}: master process`,
    ],
  ],
  [
    3,
    () => [
      'free -m',
      '               total        used        free\nMem:            7941        3120        1893\nSwap:           2047           0        2047',
    ],
  ],
  [3, (r) => [`vim /etc/${pick(r, SERVICES)}/${pick(r, SERVICES)}.conf`, '']],
  [
    2,
    (r) => [
      `ssh-keygen -lf /home/${pick(r, WORDS)}/.ssh/authorized_keys`,
      `256 SHA256:${hex(r, 43)} deploy@ci (ED25519)`,
    ],
  ],
  [1, () => ['unset HISTFILE', '']],
  [
    1,
    () => ['curl -fsSL https://get.example.com/install.sh | sudo bash', 'Installing agent... done'],
  ],
  [1, () => ['history -c', '']],
];
const TOTAL_WEIGHT = COMMANDS.reduce((s, [w]) => s + w, 0);

function command(r: () => number, host: string): [string, string] {
  let x = r() * TOTAL_WEIGHT;
  for (const [w, gen] of COMMANDS) {
    x -= w;
    if (x < 0) return gen(r, host);
  }
  return COMMANDS[0]![1](r, host);
}

export const hostIdOf = (i: number) => `bench-host-${String(i).padStart(4, '0')}`;

export interface SyntheticSession {
  session: SessionMetadata;
  log: SessionLog;
  commands: IndexedCommand[];
}

export function syntheticSession(i: number, seed = 1): SyntheticSession {
  const r = rng(seed * 1_000_003 + i);
  const host = Math.floor(r() * HOSTS);
  const startedAt = START + Math.floor(r() * SPAN_MS);
  const n = 8 + Math.floor(r() * 25);
  const hostName = `${hostIdOf(host)}.example.net`;
  const commands: IndexedCommand[] = [];
  let at = startedAt + 2000;
  for (let seq = 0; seq < n; seq++) {
    const [cmd, text] = command(r, hostName);
    commands.push({ seq, command: cmd, text, startedAt: at });
    at += 5000 + Math.floor(r() * 60_000);
  }
  const session: SessionMetadata = {
    sessionId: `bench-s-${String(i).padStart(6, '0')}`,
    hostId: hostIdOf(host),
    hostName,
    account: pick(r, ['deploy', 'root', 'app', 'postgres']),
    person: `person-${Math.floor(r() * PEOPLE)}`,
    startedAt,
    endedAt: at,
  };
  const log: SessionLog = {
    version: 1,
    commands: commands.map((c) => ({
      seq: c.seq,
      prompt: `${session.account}@${hostName}:~$`,
      command: c.command,
      output: c.text,
      screens: [],
      keys: `typed ${c.command.length} characters`,
      startedAt: c.startedAt,
      endedAt: c.startedAt + 1000,
      truncated: false,
    })),
    width: 120,
    height: 40,
    outputBytes: commands.reduce((s, c) => s + c.text.length, 0),
    inputBytes: commands.reduce((s, c) => s + c.command.length + 1, 0),
    startedAt,
    endedAt: at,
  };
  return { session, log, commands };
}
