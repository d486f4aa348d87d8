/**
 * One key offered for one login, decided as sshd decides it (auth2-pubkey.c
 * user_key_allowed, then auth.c auth_root_allowed): the algorithm must be accepted; then the
 * AuthorizedKeysFile files in order, the first line whose key matches and whose options let
 * this source in wins (a refused line does not stop the search); then TrustedUserCAKeys for
 * certificates; then AuthorizedKeysCommand, whose answer is not ours to give. A root login
 * is then checked against PermitRootLogin with the winning line's forced command.
 *
 * Exports:
 * - `KeyJudgement`, `judgeOfferedKey(ctx, key)`: plain keys and certificates.
 */
import type { AuthorizedKeyOption } from '../authorized-key-options';
import type { CertificateInfo } from '../certificate';
import { permitRootLogin, trustedUserCaKeys } from '../sshd-config';
import { algorithmRefusal } from './algorithms';
import {
  certificateOptionsRefusal,
  certificateRefusal,
  principalsOptionMatches,
  readPrincipalsFile,
} from './certificates';
import { readKeyLines } from './key-lines';
import { forcedCommandOf, optionsRefusal } from './key-options-check';
import type { LoginContext } from './login-context';
import type { KeyFacts } from './types';

export interface KeyJudgement {
  canLogIn: boolean;
  reason: string | null;
  grantedBy: { file: string; line: number } | null;
  via: 'authorized-keys' | 'trusted-user-ca-keys' | null;
  options: AuthorizedKeyOption[];
  forcedCommand: string | null;
  decidedBy: 'authorized-keys-command' | null;
}

type Found = { file: string; line: number; options: AuthorizedKeyOption[]; forced: string | null };

/** A certificate line: CA line key equals the signing key, then the certificate's own checks. */
function certificateLineRefusal(
  ctx: LoginContext,
  cert: CertificateInfo,
  options: AuthorizedKeyOption[],
): string | null {
  const fromCert = certificateOptionsRefusal(cert, ctx.input.source.address);
  if (fromCert) return fromCert;
  const principals = options.find((o) => o.name === 'principals')?.value;
  if (principals !== undefined && !principalsOptionMatches(principals, cert)) {
    return 'Certificate does not contain an authorized principal';
  }
  const name = principals === undefined ? ctx.input.account.name : null;
  return certificateRefusal(cert, ctx.nowSeconds, name, false);
}

function searchFiles(ctx: LoginContext, key: KeyFacts, refusals: string[]): Found | null {
  const cert = key.certificate;
  // A certificate is looked up by its CA's key, a plain key by itself.
  for (const l of ctx.linesByKey.get(cert ? cert.caSha256 : key.sha256) ?? []) {
    if (l.key.certificate !== undefined) continue;
    const ca = l.options.some((o) => o.name === 'cert-authority');
    if (cert ? !ca : ca) continue;
    if (!cert && l.key.plainType !== key.plainType) continue;
    const at = `${l.file}:${l.line}`;
    const refused =
      optionsRefusal(l.options, l.expiresAt, ctx.optionsContext(true)) ??
      (cert ? certificateLineRefusal(ctx, cert, l.options) : null);
    if (refused) {
      refusals.push(`${at}: ${refused}`);
      continue;
    }
    const forced = cert?.criticalOptions['force-command'] ?? forcedCommandOf(l.options);
    return { file: l.file, line: l.line, options: l.options, forced };
  }
  return null;
}

/** user_cert_trusted_ca: the CA listed in TrustedUserCAKeys, principals from the file or the name. */
function searchTrustedCa(
  ctx: LoginContext,
  cert: CertificateInfo,
  refusals: string[],
): Found | null {
  const caFile = trustedUserCaKeys(ctx.cfg);
  if (caFile === undefined) return null;
  const caText = ctx.input.files.get(caFile);
  const caLine = readKeyLines(caFile, caText ?? '').find(
    (l) => l.kind === 'key' && l.options.length === 0 && l.key.sha256 === cert.caSha256,
  );
  if (!caLine) return null;
  const { account } = ctx.input;
  const principalsFile = ctx.principalsFile;
  const fail = (reason: string) => {
    refusals.push(`${caFile}:${caLine.line}: ${reason}`);
    return null;
  };
  let options: AuthorizedKeyOption[] = [];
  let at = { file: caFile, line: caLine.line };
  if (principalsFile !== undefined) {
    const text = ctx.input.files.get(principalsFile) ?? '';
    const hit = readPrincipalsFile(principalsFile, text).find(
      (p) => !('bad' in p) && cert.principals.includes(p.principal),
    );
    if (!hit || 'bad' in hit) return fail('Certificate does not contain an authorized principal');
    options = hit.options;
    at = { file: hit.file, line: hit.line };
  }
  const name = principalsFile === undefined ? account.name : null;
  const refused =
    certificateRefusal(cert, ctx.nowSeconds, name, true) ??
    certificateOptionsRefusal(cert, ctx.input.source.address) ??
    optionsRefusal(options, undefined, ctx.optionsContext(false));
  if (refused) return fail(refused);
  const forced = cert.criticalOptions['force-command'] ?? forcedCommandOf(options);
  return { ...at, options, forced };
}

function rootRefusal(ctx: LoginContext, forced: string | null): string | null {
  if (ctx.input.account.uid !== 0) return null;
  const permit = permitRootLogin(ctx.cfg);
  if (permit === 'no') return 'PermitRootLogin no';
  if (permit === 'forced-commands-only' && forced === null) {
    return 'PermitRootLogin forced-commands-only and the key has no forced command';
  }
  return null;
}

export function judgeOfferedKey(ctx: LoginContext, key: KeyFacts): KeyJudgement {
  const no = (reason: string, decidedBy: KeyJudgement['decidedBy'] = null): KeyJudgement => ({
    canLogIn: false,
    reason,
    grantedBy: null,
    via: null,
    options: [],
    forcedCommand: null,
    decidedBy,
  });
  if (ctx.denied) return no(ctx.denied);
  const badAlgorithm = algorithmRefusal(ctx.cfg, key);
  if (badAlgorithm) return no(badAlgorithm);
  const refusals: string[] = [];
  let found = searchFiles(ctx, key, refusals);
  let via: KeyJudgement['via'] = found ? 'authorized-keys' : null;
  if (!found && key.certificate) {
    found = searchTrustedCa(ctx, key.certificate, refusals);
    if (found) via = 'trusted-user-ca-keys';
  }
  if (!found) {
    const why =
      refusals.length > 0
        ? refusals.join('; ')
        : key.certificate
          ? 'no trusted CA for this certificate'
          : 'not in any authorized keys file';
    const external = ctx.external.some((e) => e.keyword === 'AuthorizedKeysCommand');
    return external
      ? no(`${why}; AuthorizedKeysCommand decides`, 'authorized-keys-command')
      : no(why);
  }
  const root = rootRefusal(ctx, found.forced);
  if (root) return no(root);
  return {
    canLogIn: true,
    reason: null,
    grantedBy: { file: found.file, line: found.line },
    via,
    options: found.options,
    forcedCommand: found.forced,
    decidedBy: null,
  };
}
