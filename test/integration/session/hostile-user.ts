import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * What a user who owns a directory can do to root's writes in it, as fast as a process can:
 * a real process running with the user's uid and gid (never root), in perl for a tight loop.
 *  - `swap-temporary`: every `*keywarden-tmp-*` name that appears is replaced by a link to
 *    the victim (the window between create and chown that the old sudo script left open);
 *  - `flip-file`: `name` is swapped for a link to the victim and back, again and again
 *    (a read that follows links would copy the victim);
 *  - `swap-new-dir`: as soon as `name` is a directory, it is moved away and replaced by a
 *    link to the victim (the window between mkdir and chmod by path).
 * Stopping it reports how many swaps it made, so a test can show the race really ran.
 */
const LOOP = String.raw`
my ($mode, $dir, $name, $victim) = @ARGV;
my $n = 0; my $i = 0;
$SIG{TERM} = sub { print "swaps $n\n"; exit 0 };
$| = 1; print "ready\n";
while (1) {
  $i++;
  if ($mode eq "swap-temporary") {
    opendir(my $d, $dir) or next;
    for my $e (readdir $d) {
      next unless $e =~ /keywarden-tmp-/;
      if (unlink("$dir/$e")) { symlink($victim, "$dir/$e") and $n++ }
    }
    closedir $d;
  } elsif ($mode eq "flip-file") {
    if (rename("$dir/$name", "$dir/.flipped")) {
      symlink($victim, "$dir/$name") and $n++;
      for (1 .. 20) { last if !-l "$dir/$name" }
      rename("$dir/.flipped", "$dir/$name");
      for (1 .. 20) { last if !-e "$dir/$name" }
    }
  } elsif ($mode eq "swap-new-dir") {
    if (-d "$dir/$name" && !-l "$dir/$name") {
      if (rename("$dir/$name", "$dir/.moved-$i")) { symlink($victim, "$dir/$name") and $n++ }
    }
  }
}
`;

export interface HostileUser {
  /** Stops the loop and returns how many swaps it made. */
  stop(): Promise<number>;
}

export async function startHostileUser(
  user: { uid: number; gid: number },
  mode: 'swap-temporary' | 'flip-file' | 'swap-new-dir',
  dir: string,
  name: string,
  victim: string,
): Promise<HostileUser> {
  const child: ChildProcess = spawn('perl', ['-e', LOOP, '--', mode, dir, name, victim], {
    uid: user.uid,
    gid: user.gid,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const seen: string[] = [];
  const waiters: (() => void)[] = [];
  lines.on('line', (l) => {
    seen.push(l);
    for (const w of waiters.splice(0)) w();
  });
  const next = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = seen.find((l) => pattern.test(l));
        if (hit !== undefined) return resolve(hit);
        if (child.exitCode !== null) return reject(new Error(`hostile loop exited: ${seen}`));
        waiters.push(check);
      };
      child.once('exit', () => waiters.splice(0).forEach((w) => w()));
      check();
    });
  await next(/^ready$/);
  return {
    async stop() {
      child.kill('SIGTERM');
      const line = await next(/^swaps \d+$/);
      return Number(line.split(' ')[1]);
    },
  };
}
