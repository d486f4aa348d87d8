/**
 * Command risk rules: a pattern (a regular expression, case-insensitive, matched against
 * the command line as the shell read it), a score from 0 to 100 and a reason a person
 * reads in the alert. A command's score is the sum of the rules it matches, at most 100,
 * so "sudo" alone is low and "curl ... | sudo bash" is high.
 *
 * The built-in rules below are the defaults; the commandRiskRules setting adds rules, and a
 * rule with a built-in id replaces it (score 0 turns it off).
 */
import type { CommandScore } from '../../store/session-text-records';

export interface RiskRule {
  id: string;
  pattern: string;
  score: number;
  reason: string;
}

export interface CompiledRiskRule extends RiskRule {
  regex: RegExp;
}

/**
 * Where a command word stands: at the start, after a separator, a pipe or a subshell, or
 * after a prefix that runs the next word (sudo, env, nohup, ...). "usermod -aG sudo" does
 * not run sudo.
 */
const AT = String.raw`(?:^\s*|[;&|({\x60]\s*|\$\(\s*|\b(?:sudo|doas|env|nohup|exec|time|nice|xargs|command|builtin)\s+(?:-\S+\s+)*)`;

export const DEFAULT_RISK_RULES: readonly RiskRule[] = [
  {
    id: 'privilege.sudo',
    pattern: String.raw`${AT}(?:sudo|doas|pkexec)(?:\s|$)`,
    score: 20,
    reason: "runs a command with another account's privileges (sudo, doas, pkexec)",
  },
  {
    id: 'privilege.su',
    pattern: String.raw`${AT}su(?:\s|$)`,
    score: 40,
    reason: 'switches to another account with su',
  },
  {
    id: 'privilege.setuid',
    pattern: String.raw`${AT}chmod\s+(?:-\S+\s+)*(?:[ugoa]*[+=][rwxXt]*s|0?[2467][0-7]{3})\b`,
    score: 80,
    reason: 'sets the setuid or setgid bit on a file',
  },
  {
    id: 'privilege.admin-group',
    pattern: String.raw`${AT}(?:usermod|gpasswd|adduser|addgroup)\b.*\b(?:sudo|wheel|admin|root)\b`,
    score: 80,
    reason: "adds an account to an administrators' group",
  },
  {
    id: 'privilege.sudoers',
    pattern: String.raw`${AT}visudo\b|/etc/sudoers`,
    score: 70,
    reason: 'edits who may use sudo',
  },
  {
    id: 'history.off',
    pattern: String.raw`\bunset\s+(?:\w+\s+)*HISTFILE\b|\bHISTFILE=(?:/dev/null)?(?:\s|;|$)|\bHISTSIZE=0\b|\bset\s+\+o\s+history\b`,
    score: 80,
    reason: 'stops the shell history from being saved',
  },
  {
    id: 'history.clear',
    pattern: String.raw`${AT}history\s+-[a-z]*[cd]`,
    score: 80,
    reason: 'clears or edits the shell history',
  },
  {
    id: 'history.remove',
    pattern: String.raw`(?:${AT}(?:rm|shred|truncate|unlink|ln)\b.*|>\s*)\S*\.(?:bash_|zsh_|sh_)?history\b`,
    score: 80,
    reason: 'deletes, empties or redirects a shell history file',
  },
  {
    id: 'download.pipe-to-shell',
    pattern: String.raw`${AT}(?:curl|wget|fetch)\b[^|]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:ba|z|k|da|fi)?sh\b|${AT}(?:ba|z)?sh\s+(?:-c\s+)?["']?(?:<\(|\$\()\s*(?:curl|wget)\b`,
    score: 80,
    reason: 'runs a downloaded script in a shell without keeping it',
  },
  {
    id: 'logging.stop',
    pattern: String.raw`${AT}(?:systemctl|service)\s+(?:\S+\s+)*(?:stop|disable|mask|kill)\s+(?:\S+\s+)*(?:r?syslog|rsyslog|syslog-ng|systemd-journald|auditd|journald)\b|${AT}service\s+(?:r?syslog|rsyslog|auditd)\s+stop\b|${AT}auditctl\s+(?:-\S+\s+)*-e\s*0\b|${AT}auditctl\s+-D\b`,
    score: 80,
    reason: 'stops or disables system logging or auditing',
  },
  {
    id: 'logging.wipe',
    pattern: String.raw`(?:${AT}(?:rm|shred|truncate)\b.*|>\s*)/var/log/|${AT}journalctl\s+.*--vacuum`,
    score: 70,
    reason: 'deletes or empties system logs',
  },
  {
    id: 'ssh.authorized-keys',
    pattern: String.raw`(?:${AT}(?:vi|vim|nvim|nano|emacs|ed|tee|cp|mv|ln|chattr)\b.*|${AT}sed\s+(?:\S+\s+)*-i.*|>>?\s*)\S*authorized_keys`,
    score: 60,
    reason: 'changes authorized SSH keys outside Keywarden',
  },
  {
    id: 'ssh.sshd-config',
    pattern: String.raw`(?:${AT}(?:vi|vim|nvim|nano|emacs|ed|tee|cp|mv|ln)\b.*|${AT}sed\s+(?:\S+\s+)*-i.*|>>?\s*)\S*sshd_config`,
    score: 60,
    reason: 'changes the sshd configuration',
  },
  {
    id: 'shell.reverse',
    pattern: String.raw`/dev/tcp/|${AT}n(?:c|cat|etcat)\b.*\s-[a-z]*e\s|${AT}socat\b.*exec:`,
    score: 90,
    reason: 'opens a shell for a remote listener (reverse shell)',
  },
  {
    id: 'destroy.filesystem',
    pattern: String.raw`${AT}rm\s+(?:-\S*\s+)*-\S*[rR]\S*\s+(?:-\S+\s+)*(?:/|/\*|~/?)(?:\s|$)|${AT}mkfs(?:\.\w+)?\s|${AT}dd\s+.*\bof=/dev/(?:sd|nvme|vd|xvd|hd)`,
    score: 90,
    reason: 'destroys a filesystem or a disk',
  },
  {
    id: 'accounts.change',
    pattern: String.raw`${AT}(?:useradd|userdel|adduser|deluser|passwd|chpasswd)\b`,
    score: 40,
    reason: 'creates, removes or changes the password of an account',
  },
  {
    id: 'security.disable',
    pattern: String.raw`${AT}(?:setenforce\s+0|ufw\s+disable|iptables\s+(?:-\S+\s+)*-F\b|systemctl\s+(?:stop|disable)\s+(?:firewalld|apparmor|ufw))`,
    score: 60,
    reason: 'turns off a firewall or mandatory access control',
  },
];

/** Characters of a command line the rules read (a longer line is scored on its start). */
const MAX_SCORED_CHARS = 8192;

/** The rules in force: the defaults with the configured ones applied over them, compiled. */
export function compileRiskRules(configured: readonly RiskRule[] = []): CompiledRiskRule[] {
  const byId = new Map<string, RiskRule>();
  for (const r of DEFAULT_RISK_RULES) byId.set(r.id, r);
  for (const r of configured) byId.set(r.id, r);
  return [...byId.values()]
    .filter((r) => r.score > 0)
    .map((r) => ({ ...r, regex: new RegExp(r.pattern, 'i') }));
}

export function scoreCommand(
  seq: number,
  command: string,
  rules: readonly CompiledRiskRule[],
): CommandScore {
  const line = command.length > MAX_SCORED_CHARS ? command.slice(0, MAX_SCORED_CHARS) : command;
  const reasons = rules
    .filter((r) => r.regex.test(line))
    .map((r) => ({ rule: r.id, reason: r.reason, score: r.score }));
  const score = Math.min(
    100,
    reasons.reduce((sum, r) => sum + r.score, 0),
  );
  return { seq, score, reasons };
}
