import { posix } from 'node:path';
import { commandFailed, fileChanged, invalidInput, notFound, symlinkRefused } from '../errors';
import { unsafePath } from '../errors';
import type { FileOwnership, GuardedRead, PathGuard } from './file-primitives';
import { describeMode } from './file-primitives';
import { requireSameDirectory } from './path-guard';
import type { RawExecResult } from './ssh-exec';

/**
 * The one fixed program that does privileged file work on a remote host (sudo and root
 * sessions alike), in perl because perl-base is Essential on Debian and Ubuntu (on RHEL it
 * is `perl-interpreter`) and, unlike sh, it can open with O_NOFOLLOW and chown and chmod a
 * descriptor. It mirrors `local-guarded-walk.ts`: links followed only up to the base,
 * then every directory from the root prefix down opened O_NOFOLLOW relative to the previous
 * one through /proc/self/fd (openat semantics) and checked with StrictModes rules on the
 * descriptor; the final name is only ever used relative to the open parent.
 *
 * Arguments: OP ROOT BASE PATH TRUSTED_UID [OP ARGS]. Exit codes below; message on stderr.
 */
export const GUARDED_HELPER = String.raw`
use strict; use warnings; use IO::Handle;
use Fcntl qw(O_RDONLY O_WRONLY O_CREAT O_EXCL O_NOFOLLOW O_DIRECTORY O_NONBLOCK S_ISREG);
our ($op, $root, $base, $path, $trust, @arg, $in, $out);
sub fail { die [$_[0], "$_[1]\n"] }
sub fdpath { "/proc/self/fd/" . fileno($_[0]) . (defined $_[1] ? "/$_[1]" : "") }
sub opened {
  my ($code, $what, $at) = @_;
  my ($enoent, $eloop, $enotdir, $err) = ($!{ENOENT}, $!{ELOOP}, $!{ENOTDIR}, "$!");
  fail(3, "$what does not exist") if $enoent;
  # O_NOFOLLOW|O_DIRECTORY on a link says ENOTDIR: look at what the name is.
  fail(4, "refusing to follow symlink $what on the way to $path") if $eloop || (defined $at && -l $at);
  fail(6, "$what is not a directory; refusing $path") if $enotdir;
  fail($code, "cannot open $what: $err");
}
sub strict {
  my ($fh, $what) = @_;
  my @st = stat($fh) or fail(1, "cannot stat $what: $!");
  my ($mode, $uid) = ($st[2], $st[4]);
  fail(5, "refusing $path: directory $what is owned by uid $uid, not root or uid $trust, so another user could redirect the access")
    unless $uid == 0 || $uid == $trust;
  fail(5, sprintf("refusing $path: directory $what is writable by group or others (mode %o), so another user could redirect the access", $mode & 07777))
    if ($mode & 022) && !($uid == 0 && ($mode & 01000));
}
sub run_op {
  ($op, $root, $base, $path, $trust, @arg) = @_;
sysopen(my $dir, $root, O_RDONLY|O_DIRECTORY) or fail(1, "cannot open root $root: $!");
my $realroot = readlink(fdpath($dir));
my $bp = $root eq "/" ? $base : ($base eq "/" ? $root : "$root$base");
sysopen(my $bh, $bp, O_RDONLY|O_DIRECTORY|O_NONBLOCK) or opened(1, $base);
my $realbase = readlink(fdpath($bh)); close $bh;
my $rel;
if ($realroot eq "/") { $rel = $realbase }
elsif ($realbase eq $realroot) { $rel = "" }
elsif (index($realbase, "$realroot/") == 0) { $rel = substr($realbase, length $realroot) }
else { fail(4, "refusing to follow symlink $base on the way to $path") }
index($path, $base eq "/" ? "/" : "$base/") == 0 or fail(6, "$path is not below $base");
my $below = substr($path, $base eq "/" ? 0 : length $base);
grep { $_ eq "." || $_ eq ".." } split(m{/}, $below) and fail(6, "$path is not a normalised path");
my @parts = grep { length } split(m{/}, "$rel$below");
my $name = pop @parts;
defined $name or fail(6, "no file name in $path");
my $shown = "/";
strict($dir, $shown);
for my $part (@parts) {
  $shown = ($shown eq "/" ? "" : $shown) . "/$part";
  sysopen(my $next, fdpath($dir, $part), O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK) or opened(1, $shown, fdpath($dir, $part));
  $dir = $next;
  strict($dir, $shown);
}
my $at = fdpath($dir, $name);
if ($op eq "read") {
  sysopen(my $fh, $at, O_RDONLY|O_NOFOLLOW|O_NONBLOCK) or opened(1, $path, $at);
  my @st = stat($fh);
  fail(6, "$path is not a regular file") unless S_ISREG($st[2]);
  $out .= sprintf("%x %d %d %d %d\n", $st[2], $st[4], $st[5], $st[7], $st[9]);
  while (1) {
    my $n = sysread($fh, my $buf, 65536);
    defined $n or fail(1, "cannot read $path: $!");
    last if $n == 0;
    $out .= $buf;
  }
} elsif ($op eq "create") {
  my ($uid, $gid, $mode) = @arg;
  sysopen(my $fh, $at, O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW, 0600) or ($!{EEXIST} ? fail(7, "$path already exists") : opened(1, $path, $at));
  chown($uid, $gid, $fh) or fail(1, "cannot chown $path: $!");
  chmod(oct($mode), $fh) or fail(1, "cannot chmod $path: $!");
  my $off = 0;
  while ($off < length $in) {
    my $w = syswrite($fh, $in, length($in) - $off, $off);
    defined $w or fail(1, "cannot write $path: $!");
    $off += $w;
  }
  $fh->sync or fail(1, "cannot fsync $path: $!");
  close($fh) or fail(1, "cannot close $path: $!");
} elsif ($op eq "rename") {
  rename($at, fdpath($dir, $arg[0])) or fail($!{ENOENT} ? 7 : 1, "cannot rename $path: $!");
  $dir->sync; # durable now: saves the separate sync call (one more process on the host)
} elsif ($op eq "unlink") {
  unlink($at) or $!{ENOENT} or fail(1, "cannot remove $path: $!");
} elsif ($op eq "rmdir") {
  rmdir($at) or fail(1, "cannot remove $path: $!");
} elsif ($op eq "mkdir") {
  my ($uid, $gid, $mode) = @arg;
  mkdir($at, 0700) or ($!{EEXIST} ? fail(7, "$path appeared while it was being created") : fail(1, "cannot create $path: $!"));
  sysopen(my $dh, $at, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK) or fail(7, "$path changed while it was being created");
  my @st = stat($dh);
  fail(7, "$path was replaced while it was being created") unless $st[4] == $>;
  chown($uid, $gid, $dh) or fail(1, "cannot chown $path: $!");
  chmod(oct($mode), $dh) or fail(1, "cannot chmod $path: $!");
} else { fail(2, "unknown operation $op") }
}
sub one {
  my ($args, $stdin) = @_;
  ($in, $out) = ($stdin, "");
  my ($code, $err) = (0, "");
  eval { run_op(@$args); 1 } or ($code, $err) = ref $@ eq "ARRAY" ? @{$@} : (1, "$@");
  return ($code, $out, $err);
}
sub field {
  my $len = <STDIN>;
  defined $len or exit 0;
  chomp $len;
  my $v = "";
  if ($len > 0) { read(STDIN, $v, $len) == $len or exit 0 }
  return $v;
}
binmode STDIN; binmode STDOUT; binmode STDERR;
if (@ARGV && $ARGV[0] eq "serve") {
  # Requests one after another on stdin: a count of arguments, then each argument and the
  # input as "<bytes>\n<bytes>"; each answer is "<code> <out bytes> <err bytes>\n<out><err>".
  $| = 1;
  while (defined(my $n = <STDIN>)) {
    chomp $n;
    my @args = map { field() } 1 .. $n;
    my ($code, $o, $e) = one(\@args, field());
    print "$code " . length($o) . " " . length($e) . "\n" . $o . $e;
  }
  exit 0;
}
my $stdin = do { local $/; <STDIN> };
my ($code, $o, $e) = one(\@ARGV, defined $stdin ? $stdin : "");
print $o; print STDERR $e; exit $code;
`;

/** Runs the helper with these arguments (as root) and returns its raw output. */
export type HelperRunner = (args: string[], stdin?: Buffer) => Promise<RawExecResult>;

/** The guarded half of FilePrimitives for remote transports, through GUARDED_HELPER. */
export class GuardedHelperFiles {
  constructor(
    private readonly runHelper: HelperRunner,
    private readonly rootPrefix: string,
  ) {}

  private async call(
    op: string,
    path: string,
    guard: PathGuard,
    extra: string[] = [],
    stdin?: Buffer,
  ): Promise<RawExecResult> {
    const args = [op, this.rootPrefix, guard.base, path, String(guard.trustedUid), ...extra];
    const result = await this.runHelper(args, stdin);
    if (result.code === 0) return result;
    const message = result.stderr.toString().trim() || `${op} ${path} failed`;
    const details = { details: { path } };
    switch (result.code) {
      case 3:
        throw notFound(message, details);
      case 4:
        throw symlinkRefused(message, details);
      case 5:
        throw unsafePath(message, details);
      case 6:
        throw invalidInput(message, details);
      case 7:
        throw fileChanged(message, details);
      default:
        throw commandFailed(`${op} failed on the host: ${message}`, {
          details: { path, code: result.code },
        });
    }
  }

  async readGuarded(path: string, guard: PathGuard): Promise<GuardedRead | null> {
    let out: Buffer;
    try {
      out = (await this.call('read', path, guard)).stdout;
    } catch (err) {
      if ((err as { code?: string }).code === 'NOT_FOUND') return null;
      throw err;
    }
    const eol = out.indexOf(0x0a);
    const [rawMode, uid, gid, size, mtime] = out.subarray(0, eol).toString().split(' ');
    const { type, mode } = describeMode(parseInt(rawMode ?? '0', 16));
    return {
      content: out.subarray(eol + 1),
      stat: {
        type,
        mode,
        uid: Number(uid),
        gid: Number(gid),
        size: Number(size),
        mtimeMs: Number(mtime) * 1000,
      },
    };
  }

  async createFile(path: string, content: Buffer, owner: FileOwnership, guard: PathGuard) {
    await this.call('create', path, guard, ownerArgs(owner), content);
  }

  async rename(from: string, to: string, guard: PathGuard) {
    requireSameDirectory(from, to);
    await this.call('rename', from, guard, [posix.basename(to)]);
  }

  async unlink(path: string, guard: PathGuard) {
    await this.call('unlink', path, guard);
  }

  async rmdir(path: string, guard: PathGuard) {
    await this.call('rmdir', path, guard);
  }

  async mkdir(path: string, owner: FileOwnership, guard: PathGuard) {
    await this.call('mkdir', path, guard, ownerArgs(owner));
  }

  /** The helper's rename already flushed the directory it renamed in. */
  async syncDir(_path: string, _guard: PathGuard) {}
}

function ownerArgs(owner: FileOwnership): string[] {
  return [String(owner.uid), String(owner.gid), owner.mode.toString(8)];
}
