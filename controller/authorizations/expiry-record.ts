/**
 * An expiring authorization is an expiring record (host-records.ts ExpiringRecord) whose
 * action is remove-authorization: internal-expire-authorizations queues that job an hour
 * ahead with runAt = the expiry, once (its dedupe key is the record id).
 */
import type { AuthorizationRecord } from '../store/authorization-records';
import type { Store } from '../store/store';
import { removeAuthorization } from '../jobs/remove-authorization';
import { expiringRecordId } from './expiry-record-id';

export { expiringRecordId };

export async function recordExpiry(
  store: Pick<Store, 'expiringRecords'>,
  auth: AuthorizationRecord,
): Promise<void> {
  if (auth.expiresAt === null) return;
  await store.expiringRecords.upsert({
    id: expiringRecordId(auth.id),
    kind: 'authorization',
    subjectId: auth.id,
    hostId: null,
    expiresAt: auth.expiresAt,
    action: {
      type: removeAuthorization.type,
      params: { authorizationId: auth.id, reason: 'expired' },
    },
  });
}
