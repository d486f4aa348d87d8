/**
 * The tokens of approve/deny links and email replies. A token names its request, its
 * approver (by position), its action and its deadline, and carries a random nonce and an
 * HMAC-SHA256 over all of that with a key derived from the controller's master key (HKDF,
 * its own label, so the key that seals credentials never signs anything). So:
 * - a forged or altered token fails the MAC before the store is read;
 * - an expired one fails on its own deadline;
 * - only its sha256 is stored (ApprovalRequestRecord.tokens): the store alone cannot make
 *   a link, and a used token is known by its hash (the decision records it).
 * Format: `kwa1.<request id>.<approver index>.<a|d|r>.<deadline, base 36 seconds>.<nonce>.<mac>`
 * (base64url parts: no `.`), short enough for a subject line and safe in a URL path.
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MasterKey } from '../secrets/master-key';
import type { ApprovalAction } from '../store/approval-records';

const ACTION_CODE: Record<ApprovalAction, string> = { approve: 'a', deny: 'd', reply: 'r' };
const CODE_ACTION: Record<string, ApprovalAction> = { a: 'approve', d: 'deny', r: 'reply' };

/** Finds tokens in text (an email body or subject); verify each before trusting it. */
export const TOKEN_PATTERN =
  /kwa1\.[0-9a-f]{1,40}\.\d{1,3}\.[adr]\.[0-9a-z]{1,12}\.[\w-]{22}\.[\w-]{43}/g;

export interface TokenClaims {
  requestId: string;
  approverIndex: number;
  action: ApprovalAction;
  expiresAt: number;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims; hash: string }
  | { ok: false; reason: 'malformed' | 'forged'; hash: string }
  /** Signed by us, so what it names can be trusted for the audit: but too late. */
  | { ok: false; reason: 'expired'; hash: string; claims: TokenClaims };

export const hashToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');

export class ApprovalSigner {
  private readonly key: Buffer;

  constructor(master: MasterKey) {
    this.key = Buffer.from(
      hkdfSync('sha256', master.key, Buffer.alloc(0), 'keywarden approval tokens v1', 32),
    );
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body, 'utf8').digest('base64url');
  }

  issue(claims: TokenClaims): { token: string; hash: string } {
    const nonce = randomBytes(16).toString('base64url');
    const body = [
      'kwa1',
      claims.requestId,
      String(claims.approverIndex),
      ACTION_CODE[claims.action],
      Math.floor(claims.expiresAt / 1000).toString(36),
      nonce,
    ].join('.');
    const token = `${body}.${this.mac(body)}`;
    return { token, hash: hashToken(token) };
  }

  verify(token: string, now: number): TokenCheck {
    const hash = hashToken(token);
    const parts = token.split('.');
    const [tag, requestId, index, code, deadline, nonce, mac] = parts;
    if (
      parts.length !== 7 ||
      tag !== 'kwa1' ||
      !requestId ||
      !/^[0-9a-f]{1,40}$/.test(requestId) ||
      !index ||
      !/^\d{1,3}$/.test(index) ||
      !code ||
      !(code in CODE_ACTION) ||
      !deadline ||
      !/^[0-9a-z]{1,12}$/.test(deadline) ||
      !nonce ||
      !mac
    )
      return { ok: false, reason: 'malformed', hash };
    const expected = Buffer.from(this.mac(parts.slice(0, 6).join('.')));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, reason: 'forged', hash };
    const claims: TokenClaims = {
      requestId,
      approverIndex: Number(index),
      action: CODE_ACTION[code] as ApprovalAction,
      expiresAt: parseInt(deadline, 36) * 1000,
    };
    if (now >= claims.expiresAt) return { ok: false, reason: 'expired', hash, claims };
    return { ok: true, hash, claims };
  }
}
