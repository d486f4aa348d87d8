/**
 * The checks sshd makes on a user certificate once its CA is trusted (sshkey.c
 * sshkey_cert_check_authority, auth-options.c sshauthopt_from_cert, auth2-pubkeyfile.c
 * principals files).
 *
 * Exports:
 * - `certificateRefusal(cert, nowSeconds, name, requirePrincipal)`: type, validity, principal.
 * - `certificateOptionsRefusal(cert, address)`: critical options (source-address, unknown ones).
 * - `PrincipalsLine`, `readPrincipalsFile(file, text)`: an AuthorizedPrincipalsFile's lines.
 * - `principalsOptionMatches(list, cert)`: a principals= option against the certificate.
 */
import { parseAuthorizedKeyOptions, type AuthorizedKeyOption } from '../authorized-key-options';
import type { CertificateInfo } from '../certificate';
import { matchAddressList } from '../patterns';

export function certificateRefusal(
  cert: CertificateInfo,
  nowSeconds: number,
  name: string | null,
  requirePrincipal: boolean,
): string | null {
  if (cert.kind !== 'user') return 'Certificate invalid: not a user certificate';
  const now = nowSeconds * 1000;
  if (cert.validAfterMs !== null && now < cert.validAfterMs) {
    return 'Certificate invalid: not yet valid';
  }
  if (cert.validBeforeMs !== null && now >= cert.validBeforeMs) {
    return 'Certificate invalid: expired';
  }
  if (cert.principals.length === 0) {
    return requirePrincipal ? 'Certificate lacks principal list' : null;
  }
  if (name !== null && !cert.principals.includes(name)) {
    return 'Certificate invalid: name is not a listed principal';
  }
  return null;
}

const KNOWN_CRITICAL = new Set(['force-command', 'source-address', 'verify-required']);

export function certificateOptionsRefusal(cert: CertificateInfo, address: string): string | null {
  for (const name of Object.keys(cert.criticalOptions)) {
    if (!KNOWN_CRITICAL.has(name))
      return `Invalid certificate options: unknown critical option ${name}`;
  }
  const allowed = cert.criticalOptions['source-address'];
  if (allowed !== undefined) {
    // addr_match_cidr_list: addresses and CIDR blocks only, no wildcards or negation.
    const entries = allowed.split(',');
    if (entries.some((e) => e === '' || e.startsWith('!') || /[*?]/.test(e))) {
      return 'Certificate source-address invalid';
    }
    const r = matchAddressList(address, allowed);
    if (r === -2) return 'Certificate source-address invalid';
    if (r !== 1) return `source ${address} not permitted by the certificate's source-address`;
  }
  return null;
}

export type PrincipalsLine =
  | { file: string; line: number; principal: string; options: AuthorizedKeyOption[] }
  | { file: string; line: number; principal: string; bad: string };

/** auth2-pubkeyfile.c: `#` starts a comment anywhere; options precede the last blank. */
export function readPrincipalsFile(file: string, text: string): PrincipalsLine[] {
  const out: PrincipalsLine[] = [];
  text.split('\n').forEach((raw, index) => {
    let cp = raw.replace(/^[ \t]+/, '');
    const hash = cp.indexOf('#');
    if (hash !== -1) cp = cp.slice(0, hash);
    cp = cp.replace(/[\r\n \t]+$/, '');
    if (cp === '') return;
    const line = index + 1;
    const blank = Math.max(cp.lastIndexOf(' '), cp.lastIndexOf('\t'));
    if (blank === -1) return void out.push({ file, line, principal: cp, options: [] });
    const principal = cp.slice(blank + 1);
    const parsed = parseAuthorizedKeyOptions(cp.slice(0, blank).replace(/[ \t]+$/, ''));
    out.push(
      parsed.ok
        ? { file, line, principal, options: parsed.options }
        : { file, line, principal, bad: parsed.reason },
    );
  });
  return out;
}

/** match_principals_option: some certificate principal is a name in the comma list. */
export function principalsOptionMatches(list: string, cert: CertificateInfo): boolean {
  const names = list.split(',');
  return cert.principals.some((p) => names.includes(p));
}
