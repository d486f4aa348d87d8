/**
 * Who approves, checked whole before anything is stored. An approver is given either as a
 * person of the directory (`personId`: their uid becomes the name, their email the address)
 * or as a name and an address. The name is what the API compares with the caller's token
 * name (an approver deciding through the API uses a token of that name); the address is
 * where the request goes and the only one whose replies count.
 */
import { invalidInput, notFound } from '../../shared/errors';
import { EMAIL_ADDRESS } from '../notify/email-smtp-settings';
import type { Approver, ApprovalPolicyRecord, ApprovalRule } from '../store/approval-records';
import type { AuthorizationTarget } from '../store/authorization-records';
import type { Store } from '../store/store';

export interface ApproverInput {
  name?: string;
  email?: string;
  personId?: string;
}

export interface ApprovalSpec {
  approvers: ApproverInput[];
  required?: number;
  ttlMs?: number;
}

const NAME = /^[A-Za-z0-9_.@+-]{1,64}$/;
const MIN_TTL = 60_000;
const MAX_TTL = 30 * 86_400_000;

const bad = (message: string, field: string, value: unknown) =>
  invalidInput(message, { details: { field, value } });

export async function resolveApprovers(
  store: Pick<Store, 'directory'>,
  inputs: ApproverInput[],
  field = 'approvers',
): Promise<Approver[]> {
  if (inputs.length === 0 || inputs.length > 20)
    throw bad(`${field}: give from 1 to 20 approvers`, field, inputs.length);
  const out: Approver[] = [];
  for (const [i, a] of inputs.entries()) {
    const at = `${field}[${i}]`;
    let approver: Approver;
    if (a.personId !== undefined) {
      const p = await store.directory.getPerson(a.personId);
      if (!p)
        throw notFound(`${at}: no person ${a.personId}`, {
          details: { field: at, value: a.personId },
        });
      if (p.state !== 'active') throw bad(`${at}: person ${p.id} has left`, at, p.id);
      const email = a.email ?? p.email;
      if (!email) throw bad(`${at}: person ${p.id} has no email address`, at, p.id);
      approver = { name: a.name ?? p.uid, email, personId: p.id };
    } else {
      if (a.name === undefined || a.email === undefined)
        throw bad(`${at}: give personId, or name and email`, at, a);
      approver = { name: a.name, email: a.email, personId: null };
    }
    if (!NAME.test(approver.name))
      throw bad(
        `${at}.name: ${JSON.stringify(approver.name)} is not a token name`,
        at,
        approver.name,
      );
    if (!EMAIL_ADDRESS.test(approver.email))
      throw bad(
        `${at}.email: ${JSON.stringify(approver.email)} is not an email address`,
        at,
        approver.email,
      );
    approver.email = approver.email.toLowerCase();
    if (out.some((o) => o.name === approver.name || o.email === approver.email))
      throw bad(
        `${at}: approver ${approver.name} <${approver.email}> is given twice`,
        at,
        approver.name,
      );
    out.push(approver);
  }
  return out;
}

export function checkRequired(required: number, approvers: number, field = 'required'): number {
  if (!Number.isInteger(required) || required < 1 || required > approvers)
    throw bad(
      `${field}: ${required} approvals cannot be had from ${approvers} approvers`,
      field,
      required,
    );
  return required;
}

export function checkTtl(ttlMs: number, field = 'ttl'): number {
  if (!Number.isInteger(ttlMs) || ttlMs < MIN_TTL || ttlMs > MAX_TTL)
    throw bad(`${field}: a request must wait from 1 minute to 30 days`, field, ttlMs);
  return ttlMs;
}

export interface ApprovalNeed {
  approvers: Approver[];
  rules: ApprovalRule[];
  ttlMs: number;
}

/** Merges approvers by name (the same person named by a policy and a request is one). */
function merge(into: Approver[], more: Approver[]): void {
  for (const a of more) if (!into.some((x) => x.name === a.name)) into.push(a);
}

/**
 * What a grant to `target` needs: the host group's policy (of the group, or of the host's
 * group), and the request's own approvers when it names any. Both must be met. Null when
 * neither asks for approval.
 */
export async function approvalNeeded(
  store: Pick<Store, 'directory' | 'approvals' | 'hosts'>,
  target: AuthorizationTarget,
  spec: ApprovalSpec | undefined,
  defaultTtlMs: number,
): Promise<ApprovalNeed | null> {
  const groupId =
    'groupId' in target
      ? target.groupId
      : ((await store.hosts.get(target.hostId))?.groupId ?? null);
  const policy: ApprovalPolicyRecord | null = groupId
    ? await store.approvals.getPolicy(groupId)
    : null;
  if (!policy && !spec) return null;
  const need: ApprovalNeed = { approvers: [], rules: [], ttlMs: defaultTtlMs };
  if (policy) {
    merge(need.approvers, policy.approvers);
    need.rules.push({
      source: `policy:${policy.hostGroupId}`,
      approvers: policy.approvers.map((a) => a.name),
      required: policy.required,
    });
    need.ttlMs = policy.ttlMs;
  }
  if (spec) {
    const mine = await resolveApprovers(store, spec.approvers, 'approval.approvers');
    const required = checkRequired(spec.required ?? 1, mine.length, 'approval.required');
    if (spec.ttlMs !== undefined)
      need.ttlMs = Math.min(need.ttlMs, checkTtl(spec.ttlMs, 'approval.ttl'));
    merge(need.approvers, mine);
    need.rules.push({ source: 'request', approvers: mine.map((a) => a.name), required });
  }
  return need;
}
