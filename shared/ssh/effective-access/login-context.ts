/**
 * Everything about one login attempt that does not depend on the key offered: the effective
 * config for (account, source), the account gate, PubkeyAuthentication, and the key files
 * sshd would read, parsed. Built once, then asked about many keys.
 *
 * Exports:
 * - `LoginContext`, `loginContext(input)`.
 */
import {
  authorizedKeysCommand,
  authorizedKeysCommandUser,
  authorizedKeysFiles,
  authorizedPrincipalsFile,
  effectiveSshdConfig,
  expandAuthorizedPath,
  pubkeyAuthentication,
  type EffectiveSshdConfig,
} from '../sshd-config';
import { accountRefusal } from './allowed-user';
import { readKeyLines, type KeyLine } from './key-lines';
import type { OptionsCheckContext } from './key-options-check';
import type { AccessAccount, EffectiveAccessInput, ExternalDecision } from './types';

export type KeyEntryLine = Extract<KeyLine, { kind: 'key' }>;

export interface LoginContext {
  input: EffectiveAccessInput;
  cfg: EffectiveSshdConfig;
  /** What sshd compares from= and user@host patterns with: the address unless UseDNS yes. */
  host: string;
  nowSeconds: number;
  /** Why no key can log in at all, or null. */
  denied: string | null;
  authorizedKeysFiles: string[];
  /** AuthorizedPrincipalsFile expanded for the account, undefined for none. */
  principalsFile: string | undefined;
  keyLines: KeyLine[];
  /** The readable key lines by their key's SHA256, in the order sshd reads them. */
  linesByKey: Map<string, KeyEntryLine[]>;
  external: ExternalDecision[];
  optionsContext(allowCertAuthority: boolean): OptionsCheckContext;
}

/** AuthenticationMethods: a key alone is enough only if one list is just "publickey". */
function methodsRefusal(cfg: EffectiveSshdConfig): string | null {
  const lists = cfg.args('AuthenticationMethods');
  if (lists === undefined || lists.some((l) => l.toLowerCase() === 'any')) return null;
  if (lists.some((l) => l === 'publickey')) return null;
  return `AuthenticationMethods ${lists.join(' ')} asks for more than a key`;
}

/**
 * sshd clears `none` only from the global value (fill_default_server_options); a Match
 * block's `AuthorizedPrincipalsFile none` is copied as the path "none", relative to the home,
 * a file that does not exist: principals are then required and never found.
 */
function principalsFileFor(
  cfg: EffectiveSshdConfig,
  global: EffectiveSshdConfig,
  account: AccessAccount,
): string | undefined {
  const at = cfg.first('AuthorizedPrincipalsFile');
  const globalAt = global.first('AuthorizedPrincipalsFile');
  const fromMatch = at !== undefined && (at.file !== globalAt?.file || at.line !== globalAt.line);
  const sshdAccount = { user: account.name, home: account.home, uid: account.uid };
  if (fromMatch && at.args[0]?.toLowerCase() === 'none') {
    return expandAuthorizedPath(at.args[0], sshdAccount);
  }
  return authorizedPrincipalsFile(cfg, sshdAccount);
}

export function loginContext(input: EffectiveAccessInput): LoginContext {
  const { account, source } = input;
  const global = effectiveSshdConfig(input.config);
  const useDns = global.first('UseDNS')?.args[0]?.toLowerCase() === 'yes';
  const host = useDns && source.hostname ? source.hostname : source.address;
  const cfg = effectiveSshdConfig(input.config, {
    user: account.name,
    host,
    addr: source.address,
    ...(source.localAddress !== undefined ? { laddr: source.localAddress } : {}),
    ...(source.localPort !== undefined ? { lport: source.localPort } : {}),
    groups: [...account.groups],
  });
  const nowSeconds = Math.floor(input.now / 1000);
  const denied =
    accountRefusal(cfg, account, host, source.address) ??
    (pubkeyAuthentication(cfg) ? null : 'PubkeyAuthentication no') ??
    methodsRefusal(cfg);
  const files = authorizedKeysFiles(cfg, {
    user: account.name,
    home: account.home,
    uid: account.uid,
  });
  const given = input.keyLines;
  const keyLines = files.flatMap((f) => {
    if (given) return given.filter((l) => l.file === f).sort((a, b) => a.line - b.line);
    const text = input.files.get(f);
    return text === undefined ? [] : readKeyLines(f, text, input.hostUtcOffsetMinutes ?? 0);
  });
  const linesByKey = new Map<string, KeyEntryLine[]>();
  for (const l of keyLines) {
    if (l.kind !== 'key') continue;
    const list = linesByKey.get(l.key.sha256);
    if (list) list.push(l);
    else linesByKey.set(l.key.sha256, [l]);
  }
  const external: ExternalDecision[] = [];
  const command = authorizedKeysCommand(cfg);
  if (command !== undefined) {
    external.push({
      keyword: 'AuthorizedKeysCommand',
      command,
      user: authorizedKeysCommandUser(cfg) ?? null,
    });
  }
  const principalsCommand = cfg.first('AuthorizedPrincipalsCommand')?.rest;
  if (principalsCommand !== undefined && principalsCommand.toLowerCase() !== 'none') {
    external.push({
      keyword: 'AuthorizedPrincipalsCommand',
      command: principalsCommand,
      user: cfg.first('AuthorizedPrincipalsCommandUser')?.args[0] ?? null,
    });
  }
  return {
    input,
    cfg,
    host,
    nowSeconds,
    denied,
    authorizedKeysFiles: files,
    principalsFile: principalsFileFor(cfg, global, account),
    keyLines,
    linesByKey,
    external,
    optionsContext: (allowCertAuthority) => ({
      nowSeconds,
      host,
      address: source.address,
      allowCertAuthority,
    }),
  };
}
