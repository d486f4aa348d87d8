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
 * The metadata calls (`lstat`, `stat`, `readdir`) and `cat` (root's own files, links
 * followed as `cat` would) take no walk; BASE and TRUSTED_UID are ignored for them. `read`
 * and `cat` given a byte cap are capped reads: a non-regular file (9) or one over the cap
 * (10) is refused from the descriptor's fstat before a byte of it is read, and at most one
 * byte past the cap is ever read (a file that grows meanwhile is refused too).
 *
 * `batch TOTAL_BYTES DEADLINE_MS` runs many read-only requests in one round trip (see
 * `one_batch`): at most MAX_BATCH of them, and once the answers so far reach TOTAL_BYTES or
 * the deadline has passed, the rest are answered 8 (deferred) without being run, so one
 * answer stays bounded whatever the files hold. The first request always runs.
 */
/** Runs the helper with these arguments (as root) and returns its raw output. */
export type HelperRunner = (args: string[], stdin?: Buffer) => Promise<RawExecResult>;

export const GUARDED_HELPER = String.raw`
use strict; use warnings; use IO::Handle;
use Fcntl qw(O_RDONLY O_WRONLY O_CREAT O_EXCL O_NOFOLLOW O_DIRECTORY O_NONBLOCK S_ISREG S_ISDIR S_ISLNK);
our ($op, $root, $base, $path, $trust, @arg, $in, $out);
# Sub-second mtimes and deadlines where Time::HiRes is installed (not in Debian's perl-base).
our $hires = eval { require Time::HiRes; 1 };
our $MAX_BATCH = 1024;
our %READ_ONLY = map { $_ => 1 } qw(lstat stat readdir cat read);
sub fail { die [$_[0], "$_[1]\n"] }
sub now { $hires ? Time::HiRes::time() : time }
sub statline {
  my @st = @_;
  return sprintf("%x %d %d %d %s\n", $st[2], $st[4], $st[5], $st[7], $hires ? sprintf("%.3f", $st[9]) : $st[9]);
}
sub capped {
  my ($fh, $max) = @_;
  my @st = $hires ? Time::HiRes::stat($fh) : ();
  @st = stat($fh) unless @st;
  @st or fail(1, "cannot stat $path: $!");
  my $line = statline(@st);
  my $bounded = defined $max && length $max;
  if ($bounded) {
    $max =~ /^\d+$/ or fail(6, "bad byte cap $max");
    if (!S_ISREG($st[2])) { $out .= $line; fail(9, "$path is not a regular file") }
    if ($st[7] > $max) { $out .= $line; fail(10, "$path is $st[7] bytes, over the cap of $max") }
  }
  my $body = "";
  while (1) {
    my $n = sysread($fh, my $buf, 65536);
    defined $n or fail(1, "cannot read $path: $!");
    last if $n == 0;
    $body .= $buf;
    if ($bounded && length($body) > $max) {
      $out .= sprintf("%x %d %d %d %s\n", $st[2], $st[4], $st[5], length $body, $st[9]);
      fail(10, "$path grew past the cap of $max bytes while it was read");
    }
  }
  $out .= $line . $body;
}
sub unwalked {
  my $rp = $root eq "/" ? $path : "$root$path";
  if ($op eq "lstat" || $op eq "stat") {
    # As sh's -e (and -L for lstat): whatever cannot be stat'ed is missing.
    my @st = $op eq "lstat" ? ($hires ? Time::HiRes::lstat($rp) : lstat($rp)) : ($hires ? Time::HiRes::stat($rp) : stat($rp));
    @st or fail(3, "$path does not exist");
    $out .= statline(@st);
  } elsif ($op eq "cat") {
    sysopen(my $fh, $rp, O_RDONLY|O_NONBLOCK) or opened(1, $path);
    capped($fh, $arg[0]);
  } elsif ($op eq "readdir") {
    opendir(my $dh, $rp) or opened(1, $path);
    for my $name (readdir $dh) {
      next if $name eq "." || $name eq "..";
      my @st = lstat("$rp/$name");
      my $t = !@st ? "o" : S_ISREG($st[2]) ? "f" : S_ISDIR($st[2]) ? "d" : S_ISLNK($st[2]) ? "l" : "o";
      $out .= "$t $name\0";
    }
  } else { return 0 }
  return 1;
}
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
  defined $path or fail(2, "missing arguments");
  return if unwalked();
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
  fail(6, "$path is not a regular file") unless S_ISREG($st[2]) || (defined $arg[0] && length $arg[0]);
  capped($fh, $arg[0]);
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
  my $run = @$args && $args->[0] eq "batch" ? \&one_batch : \&run_op;
  eval { $run->(@$args); 1 } or ($code, $err) = ref $@ eq "ARRAY" ? @{$@} : (1, "$@");
  return ($code, $out, $err);
}
# The batch arrives as the input: a count, then each request as serve reads one (below);
# the answer is each request's answer, in order, in serve's answer format.
sub one_batch {
  my (undef, $total, $deadline_ms) = @_;
  defined $deadline_ms && $total =~ /^\d+$/ && $deadline_ms =~ /^\d+$/ or fail(6, "batch wants TOTAL_BYTES DEADLINE_MS");
  my ($batch, $pos) = ($in, 0);
  my $take = sub {
    my $eol = index($batch, "\n", $pos);
    $eol >= 0 or fail(6, "malformed batch");
    my $len = substr($batch, $pos, $eol - $pos);
    $len =~ /^\d+$/ && $eol + 1 + $len <= length $batch or fail(6, "malformed batch");
    $pos = $eol + 1 + $len;
    return substr($batch, $eol + 1, $len);
  };
  my $count = $take->();
  $count =~ /^\d+$/ or fail(6, "malformed batch");
  fail(6, "a batch of $count requests is over the cap of $MAX_BATCH") if $count > $MAX_BATCH;
  my @reqs;
  for (1 .. $count) {
    my $n = $take->();
    $n =~ /^\d+$/ && $n <= 16 or fail(6, "malformed batch");
    my @args = map { $take->() } 1 .. $n;
    fail(6, "only reads go in a batch, not " . ($args[0] // "nothing")) unless @args && $READ_ONLY{$args[0]};
    push @reqs, [\@args, $take->()];
  }
  my ($answer, $sent, $done, $t0) = ("", 0, 0, now());
  for my $r (@reqs) {
    my ($c, $o, $e) = (8, "", "deferred: the batch reached its cap\n");
    if ($done == 0 || ($sent < $total && (now() - $t0) * 1000 < $deadline_ms)) {
      my @one = one(@$r);
      if ($done == 0 || $sent + length($one[1]) <= $total) {
        ($c, $o, $e) = @one;
        $done++;
        $sent += length $o;
      }
    }
    $answer .= "$c " . length($o) . " " . length($e) . "\n" . $o . $e;
  }
  ($in, $out) = ("", $answer);
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
