/**
 * Effective access for one account from one source, now: every key line sshd would read,
 * what it does for this login, and for each distinct key whether it opens the account.
 *
 * Exports:
 * - `evaluateEffectiveAccess(input)`: the whole answer (see types.ts).
 * - `judgeKey(input, key)`: one offered key (plain or certificate), e.g. a key not in any file.
 */
import { trustedUserCaKeys } from '../sshd-config';
import { readPrincipalsFile } from './certificates';
import { readKeyLines } from './key-lines';
import { optionsRefusal } from './key-options-check';
import { judgeOfferedKey, type KeyJudgement } from './judge-key';
import { loginContext, type LoginContext } from './login-context';
import type {
  CertificateTrust,
  EffectiveAccess,
  EffectiveAccessInput,
  KeyFacts,
  KeyVerdict,
  LineVerdict,
} from './types';

export function judgeKey(input: EffectiveAccessInput, key: KeyFacts): KeyJudgement {
  return judgeOfferedKey(loginContext(input), key);
}

function lineVerdicts(ctx: LoginContext): LineVerdict[] {
  return ctx.keyLines.map((l): LineVerdict => {
    if (l.kind === 'skipped') {
      const { file, line, fingerprint, keyType, reason } = l;
      return { file, line, fingerprint, keyType, options: [], status: 'skipped', reason };
    }
    if (l.kind === 'unknown-type') {
      const { file, line, fingerprint, keyType, options } = l;
      const base = { file, line, fingerprint, keyType, options };
      // from= and expiry-time= refuse whatever the key type: that much is known.
      const refused = optionsRefusal(options, l.expiresAt, ctx.optionsContext(true));
      if (refused) return { ...base, status: 'refused', reason: refused };
      return { ...base, status: 'unknown-type', reason: unknownTypeReason(keyType) };
    }
    const base = {
      file: l.file,
      line: l.line,
      fingerprint: l.key.sha256,
      keyType: l.key.type,
      options: l.options,
    };
    if (l.key.certificate) {
      return {
        ...base,
        status: 'skipped',
        reason: 'a certificate: sshd matches keys, not certificates, here',
      };
    }
    const ca = l.options.some((o) => o.name === 'cert-authority');
    const refused = optionsRefusal(l.options, l.expiresAt, ctx.optionsContext(true));
    if (ca) return { ...base, status: 'cert-authority', reason: refused };
    return refused
      ? { ...base, status: 'refused', reason: refused }
      : { ...base, status: 'usable', reason: null };
  });
}

const unknownTypeReason = (keyType: string) =>
  `key type ${keyType} is not known to Keywarden: sshd accepts this line if its OpenSSH knows the type`;

/**
 * A key of a type Keywarden does not know: not granted and not denied by Keywarden (sshd on
 * the host decides by whether it knows the type), unless the account is refused to every key
 * or every line of the key refuses this source, which holds whatever the type.
 */
function unknownTypeVerdict(
  ctx: LoginContext,
  lines: Extract<LoginContext['keyLines'][number], { kind: 'unknown-type' }>[],
): KeyVerdict {
  const first = lines[0]!;
  const verdict = {
    fingerprint: first.fingerprint,
    keyType: first.keyType,
    canLogIn: false,
    grantedBy: null,
    forcedCommand: null,
  };
  if (ctx.denied) return { ...verdict, options: [], reason: ctx.denied, decidedBy: null };
  const refusals: string[] = [];
  for (const l of lines) {
    const refused = optionsRefusal(l.options, l.expiresAt, ctx.optionsContext(true));
    if (refused) {
      refusals.push(`${l.file}:${l.line}: ${refused}`);
      continue;
    }
    return {
      ...verdict,
      options: l.options,
      reason: `${l.file}:${l.line}: ${unknownTypeReason(l.keyType)}`,
      decidedBy: 'unknown-key-type',
    };
  }
  return { ...verdict, options: [], reason: refusals.join('; '), decidedBy: null };
}

function keyVerdicts(ctx: LoginContext): KeyVerdict[] {
  const verdicts = new Map<string, KeyVerdict>();
  for (const l of ctx.keyLines) {
    if (l.kind !== 'key' || l.key.certificate) continue;
    if (l.options.some((o) => o.name === 'cert-authority') || verdicts.has(l.key.sha256)) continue;
    const j = judgeOfferedKey(ctx, l.key);
    verdicts.set(l.key.sha256, {
      fingerprint: l.key.sha256,
      keyType: l.key.type,
      canLogIn: j.canLogIn,
      grantedBy: j.grantedBy,
      options: j.options,
      forcedCommand: j.forcedCommand,
      reason: j.reason,
      decidedBy: j.decidedBy,
    });
  }
  const unknown = new Map<string, Parameters<typeof unknownTypeVerdict>[1]>();
  for (const l of ctx.keyLines) {
    if (l.kind !== 'unknown-type' || verdicts.has(l.fingerprint)) continue;
    const list = unknown.get(l.fingerprint);
    if (list) list.push(l);
    else unknown.set(l.fingerprint, [l]);
  }
  for (const [fp, lines] of unknown) verdicts.set(fp, unknownTypeVerdict(ctx, lines));
  // Keys only on lines sshd skips are still keys the operator must see, by fingerprint.
  for (const l of ctx.keyLines) {
    if (l.kind !== 'skipped' || l.fingerprint === null || verdicts.has(l.fingerprint)) continue;
    verdicts.set(l.fingerprint, {
      fingerprint: l.fingerprint,
      keyType: l.keyType ?? 'unknown',
      canLogIn: false,
      grantedBy: null,
      options: [],
      forcedCommand: null,
      reason: `${l.file}:${l.line}: line skipped by sshd: ${l.reason}`,
      decidedBy: null,
    });
  }
  return [...verdicts.values()];
}

function certificateTrust(ctx: LoginContext): CertificateTrust[] {
  const { account } = ctx.input;
  const out: CertificateTrust[] = [];
  for (const l of ctx.keyLines) {
    if (l.kind !== 'key' || !l.options.some((o) => o.name === 'cert-authority')) continue;
    const refused = ctx.denied ?? optionsRefusal(l.options, l.expiresAt, ctx.optionsContext(true));
    const listed = l.options.find((o) => o.name === 'principals')?.value;
    out.push({
      via: 'cert-authority',
      caFingerprint: l.key.sha256,
      file: l.file,
      line: l.line,
      principals: listed === undefined ? [account.name] : listed.split(','),
      acceptsPrincipalFreeCertificates: true,
      options: l.options,
      usable: refused === null,
      reason: refused,
      decidedBy: null,
    });
  }
  const caFile = trustedUserCaKeys(ctx.cfg);
  if (caFile === undefined) return out;
  const principalsFile = ctx.principalsFile;
  const principalsCommand = ctx.external.some((e) => e.keyword === 'AuthorizedPrincipalsCommand');
  let principals = [account.name];
  if (principalsFile !== undefined) {
    const lines = readPrincipalsFile(principalsFile, ctx.input.files.get(principalsFile) ?? '');
    principals = lines.flatMap((p) => ('bad' in p ? [] : [p.principal]));
  }
  for (const l of readKeyLines(caFile, ctx.input.files.get(caFile) ?? '')) {
    if (l.kind !== 'key' || l.options.length > 0) continue;
    out.push({
      via: 'TrustedUserCAKeys',
      caFingerprint: l.key.sha256,
      file: l.file,
      line: l.line,
      principals,
      acceptsPrincipalFreeCertificates: false,
      options: [],
      usable: ctx.denied === null,
      reason: ctx.denied,
      decidedBy: principalsCommand ? 'authorized-principals-command' : null,
    });
  }
  return out;
}

export function evaluateEffectiveAccess(input: EffectiveAccessInput): EffectiveAccess {
  const ctx = loginContext(input);
  return {
    account: input.account.name,
    source: { address: input.source.address, host: ctx.host },
    denied: ctx.denied,
    authorizedKeysFiles: ctx.authorizedKeysFiles,
    keys: keyVerdicts(ctx),
    lines: lineVerdicts(ctx),
    certificateAuthorities: certificateTrust(ctx),
    external: ctx.external,
  };
}
