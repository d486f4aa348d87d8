import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ApprovalSigner,
  hashToken,
  TOKEN_PATTERN,
} from '../../../controller/approvals/approval-tokens';
import { replyDecision, replyTokens } from '../../../controller/approvals/process-replies';
import type { MasterKey } from '../../../controller/secrets/master-key';

const master = (): MasterKey => ({ key: randomBytes(32), id: '000000000000', source: 'env' });
const T0 = 1_800_000_000_000;
const claims = {
  requestId: '0189abcdef000000aabbccdd',
  approverIndex: 1,
  action: 'reply' as const,
  expiresAt: T0 + 3_600_000,
};

describe('approval tokens', () => {
  it('verifies what it issued, names the request, and stores only a hash', () => {
    const signer = new ApprovalSigner(master());
    const { token, hash } = signer.issue(claims);
    expect(token.match(TOKEN_PATTERN)).toEqual([token]);
    expect(hash).toBe(hashToken(token));
    expect(hash).not.toContain(token.split('.')[6]);
    expect(signer.verify(token, T0)).toEqual({ ok: true, hash, claims });
  });

  it('refuses a token signed with another master key, altered, expired or malformed', () => {
    const signer = new ApprovalSigner(master());
    const { token } = signer.issue(claims);
    expect(new ApprovalSigner(master()).verify(token, T0)).toMatchObject({
      ok: false,
      reason: 'forged',
    });
    const otherRequest = token.replace(claims.requestId, '0189abcdef000000aabbccde');
    expect(signer.verify(otherRequest, T0)).toMatchObject({ ok: false, reason: 'forged' });
    const asApprove = token.replace('.r.', '.a.');
    expect(signer.verify(asApprove, T0)).toMatchObject({ ok: false, reason: 'forged' });
    expect(signer.verify(token, claims.expiresAt)).toMatchObject({
      ok: false,
      reason: 'expired',
      claims: { requestId: claims.requestId },
    });
    expect(signer.verify('kwa1.x', T0)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(signer.verify(`${token}.more`, T0)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('gives each issue a new token', () => {
    const signer = new ApprovalSigner(master());
    expect(signer.issue(claims).token).not.toBe(signer.issue(claims).token);
  });
});

describe('reading a reply', () => {
  it('takes the decision from the first line that is neither blank nor quoted', () => {
    expect(replyDecision('\n  Approve.\n\n> deny')).toBe('approve');
    expect(replyDecision('> approve\nDENIED, not this week')).toBe('deny');
    expect(replyDecision('yes')).toBe('approve');
    expect(replyDecision('maybe\napprove')).toBeNull();
    expect(replyDecision('approvement')).toBeNull();
    expect(replyDecision('')).toBeNull();
  });

  it('finds reply tokens only, once each, in the subject and the text', () => {
    const signer = new ApprovalSigner(master());
    const reply = signer.issue(claims).token;
    const link = signer.issue({ ...claims, action: 'approve' }).token;
    expect(
      replyTokens(`Re: [Keywarden] x [${reply}]`, `ok\n> Approve: http://k/#${link}\n> ${reply}`),
    ).toEqual([reply]);
    expect(replyTokens('Re: hello', 'nothing here')).toEqual([]);
  });
});
