/**
 * An authorization as an admin asks for it, checked whole before anything is stored: the
 * key (a public key line, or a private key the inventory holds on a host, whose public half
 * is used), the target (a registered host or an existing group), the options (as sshd
 * would read them; the expiry is its own field), the expiry (in the future). Then it is
 * stored, its expiry recorded for internal-expire-authorizations, and its placing job queued.
 */
import { invalidInput, notFound } from '../../shared/errors';
import { formatAuthorizedKeyOptions } from '../../shared/ssh/authorized-key-options';
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';
import { parsePublicKeyLine } from '../../shared/ssh/public-key';
import type { JobQueue } from '../engine/job-queue';
import { addAuthorizations } from '../jobs/add-authorizations';
import { authorizePrivateKeyParent } from '../jobs/authorize-private-key-parent';
import { inventoryItemKey } from '../store/inventory-records';
import { newId } from '../store/ids';
import type {
  AuthorizationKeySource,
  AuthorizationRecord,
  AuthorizationTarget,
  DriftAction,
} from '../store/authorization-records';
import type { Store } from '../store/store';
import type { JobTrigger } from '../store/records';
import { recordExpiry } from './expiry-record';

export interface AuthorizationRequest {
  publicKey?: string;
  privateKey?: { hostId: string; path: string };
  account: string;
  hostId?: string;
  groupId?: string;
  options?: AuthorizedKeyOption[];
  expiresAt?: number;
  onDrift?: DriftAction;
}

const bad = (message: string, field: string, value: unknown) =>
  invalidInput(message, { details: { field, value } });

async function resolveKey(
  store: Pick<Store, 'inventory'>,
  req: AuthorizationRequest,
): Promise<{ publicKey: string; fingerprint: string; source: AuthorizationKeySource }> {
  if ((req.publicKey === undefined) === (req.privateKey === undefined))
    throw bad('give exactly one of publicKey and privateKey', 'publicKey', req.publicKey ?? null);
  if (req.publicKey !== undefined) {
    const parsed = parsePublicKeyLine(req.publicKey);
    if (!parsed.ok)
      throw bad(
        `publicKey is not a public key: ${parsed.reason}`,
        'publicKey',
        req.publicKey.slice(0, 100),
      );
    const { type, base64 } = parsed.key;
    const comment = parsed.comment.replace(/[\r\n]+/g, ' ').trim();
    return {
      publicKey: [type, base64, comment].filter(Boolean).join(' '),
      fingerprint: parsed.key.sha256,
      source: { kind: 'public-key' },
    };
  }
  const { hostId, path } = req.privateKey as { hostId: string; path: string };
  const key = inventoryItemKey('private-key', { path });
  const [item] = (await store.inventory.items.list('private-key', { hostId })).filter(
    (i) => i.key === key,
  );
  if (!item)
    throw notFound(
      `the inventory holds no private key ${path} on host ${hostId}: scan the host first`,
      {
        details: { field: 'privateKey', value: { hostId, path } },
      },
    );
  const pub = item.data.publicKey ? parsePublicKeyLine(item.data.publicKey) : undefined;
  if (!pub?.ok || pub.key.sha256 !== item.fingerprint)
    throw bad(
      `the public half of ${path} on host ${hostId} is not known (an encrypted PEM key without its .pub): it cannot be authorized`,
      'privateKey',
      { hostId, path },
    );
  return {
    publicKey: `${pub.key.type} ${pub.key.base64} ${item.account ?? ''}@${hostId}`.trim(),
    fingerprint: pub.key.sha256,
    source: { kind: 'private-key', hostId, account: item.account, path },
  };
}

async function resolveTarget(
  store: Pick<Store, 'hosts' | 'hostGroups'>,
  req: AuthorizationRequest,
): Promise<AuthorizationTarget> {
  if ((req.hostId === undefined) === (req.groupId === undefined))
    throw bad('give exactly one of hostId and groupId', 'hostId', req.hostId ?? null);
  if (req.hostId !== undefined) {
    if (!(await store.hosts.get(req.hostId)))
      throw notFound(`no host ${req.hostId}`, { details: { field: 'hostId', value: req.hostId } });
    return { hostId: req.hostId };
  }
  const groupId = req.groupId as string;
  if (!(await store.hostGroups.get(groupId)))
    throw notFound(`no host group ${groupId}`, { details: { field: 'groupId', value: groupId } });
  return { groupId };
}

function checkOptions(options: AuthorizedKeyOption[]): AuthorizedKeyOption[] {
  const normal = options.map((o) => ({ ...o, name: o.name.toLowerCase() }));
  if (normal.some((o) => o.name === 'expiry-time'))
    throw bad(
      'give the expiry as expiresAt, not as an expiry-time option',
      'options',
      'expiry-time',
    );
  // Throws INVALID_INPUT naming the option sshd would refuse.
  formatAuthorizedKeyOptions(normal);
  return normal;
}

/**
 * The request checked whole, nothing stored: what createAuthorization stores, and what an
 * approval request (controller/approvals) shows its approvers before anything exists.
 */
export async function checkAuthorizationRequest(
  store: Pick<Store, 'inventory' | 'hosts' | 'hostGroups'>,
  req: AuthorizationRequest,
  now: number,
): Promise<{
  options: AuthorizedKeyOption[];
  key: Awaited<ReturnType<typeof resolveKey>>;
  target: AuthorizationTarget;
}> {
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(req.account) || req.account.length > 64)
    throw bad(`account ${JSON.stringify(req.account)} is not a user name`, 'account', req.account);
  const options = checkOptions(req.options ?? []);
  if (req.expiresAt !== undefined && req.expiresAt <= now)
    throw bad(
      `expiresAt ${new Date(req.expiresAt).toISOString()} is not in the future`,
      'expiresAt',
      req.expiresAt,
    );
  const [key, target] = await Promise.all([resolveKey(store, req), resolveTarget(store, req)]);
  return { options, key, target };
}

/**
 * The API passes its JobQueue; a robot (access-groups-processing) passes its job context's
 * store and queue, so a grant it makes is checked and placed exactly as an admin's.
 */
export async function createAuthorization(
  deps: { store: Omit<Store, 'kind' | 'close'>; queue: Pick<JobQueue, 'enqueueByName'> },
  req: AuthorizationRequest,
  actor: string,
  now: number,
  trigger: JobTrigger = 'admin',
  /** Chosen by the caller when it records the id first (an access grant's claim). */
  id: string = newId(now),
): Promise<{ authorization: AuthorizationRecord; jobId: string }> {
  const { options, key, target } = await checkAuthorizationRequest(deps.store, req, now);
  const auth: AuthorizationRecord = {
    id,
    ...key,
    account: req.account,
    target,
    options,
    expiresAt: req.expiresAt ?? null,
    onDrift: req.onDrift ?? 'restore',
    state: 'active',
    createdBy: actor,
    createdAt: now,
    removedBy: null,
    removedAt: null,
    updatedAt: now,
  };
  await deps.store.authorizations.create(auth);
  await recordExpiry(deps.store, auth);
  const type =
    key.source.kind === 'private-key' ? authorizePrivateKeyParent.type : addAuthorizations.type;
  const { job } = await deps.queue.enqueueByName(
    type,
    { authorizationId: auth.id },
    { createdBy: actor, trigger },
  );
  return { authorization: auth, jobId: job.id };
}
