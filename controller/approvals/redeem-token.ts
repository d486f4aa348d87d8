/**
 * A decision that comes with a token instead of an API login: a click on an approve/deny
 * link, or a reply by email. The token must verify (MAC, deadline), name a request and one
 * of its approvers, be one of the tokens issued to that approver (its hash is stored) for
 * this path (a link token does not work as a reply token or the other way round), and, for
 * a reply, come from that approver's address. Then decide-approval.ts records it once:
 * a second use of the same token is refused as a replay. Every refusal is audited.
 */
import { loadMasterKey } from '../secrets/master-key';
import type { ApprovalRequestRecord } from '../store/approval-records';
import type { ApprovalDeps } from './approval-deps';
import { ApprovalSigner, type TokenClaims } from './approval-tokens';
import { decideApproval, refuse } from './decide-approval';

export type Redeem = { via: 'link' } | { via: 'email'; from: string; decision: 'approve' | 'deny' };

/** What a token names, checked as far as it can be without deciding (the link page shows it). */
export async function inspectToken(
  deps: ApprovalDeps,
  token: string,
  now: number,
): Promise<
  | { ok: true; claims: TokenClaims; hash: string; request: ApprovalRequestRecord }
  | { ok: false; reason: string; requestId: string | null; hash: string }
> {
  const check = new ApprovalSigner(loadMasterKey(deps.config)).verify(token, now);
  if (!check.ok)
    return {
      ok: false,
      reason: `the token is ${check.reason}`,
      requestId: check.reason === 'expired' ? check.claims.requestId : null,
      hash: check.hash,
    };
  const { claims, hash } = check;
  const request = await deps.store.approvals.getRequest(claims.requestId);
  const approver = request?.approvers[claims.approverIndex];
  const issued =
    approver &&
    request.tokens.some(
      (t) => t.approver === approver.name && t.action === claims.action && t.hash === hash,
    );
  if (!request || !issued)
    return {
      ok: false,
      reason: 'the token was not issued for this request',
      requestId: claims.requestId,
      hash,
    };
  return { ok: true, claims, hash, request };
}

export async function redeemToken(
  deps: ApprovalDeps,
  token: string,
  how: Redeem,
  now: number,
): Promise<ApprovalRequestRecord> {
  const by = how.via === 'email' ? how.from : 'link';
  const seen = await inspectToken(deps, token, now);
  if (!seen.ok)
    return refuse(
      deps,
      { requestId: seen.requestId, via: how.via, by, reason: seen.reason, tokenHash: seen.hash },
      now,
    );
  const { claims, request, hash } = seen;
  const approver = request.approvers[
    claims.approverIndex
  ] as ApprovalRequestRecord['approvers'][number];
  const base = { requestId: request.id, via: how.via, by, tokenHash: hash };
  if (how.via === 'link' && claims.action === 'reply')
    return refuse(deps, { ...base, reason: 'a reply token is not a link' }, now);
  if (how.via === 'email') {
    if (claims.action !== 'reply')
      return refuse(deps, { ...base, reason: 'a link token is not a reply token' }, now);
    if (how.from.toLowerCase() !== approver.email)
      return refuse(
        deps,
        {
          ...base,
          reason: `the reply came from ${how.from}, not from approver ${approver.name}'s address`,
        },
        now,
      );
  }
  const decision = how.via === 'email' ? how.decision : (claims.action as 'approve' | 'deny');
  return decideApproval(
    deps,
    { requestId: request.id, approver: approver.name, decision, via: how.via, by, tokenHash: hash },
    now,
  );
}
