import { conflict, notFound } from '../../shared/errors';
import type { AuthorizationRecord } from '../store/authorization-records';
import type { Store } from '../store/store';

/** The authorization a job was queued for; a missing one is NOT_FOUND (no retry helps). */
export async function loadAuthorization(
  store: Pick<Store, 'authorizations'>,
  id: string,
): Promise<AuthorizationRecord> {
  const auth = await store.authorizations.get(id);
  if (!auth)
    throw notFound(`no authorization ${id}`, { details: { field: 'authorizationId', value: id } });
  return auth;
}

/** Placing an authorization that has ended would grant what was taken back. */
export function requireActive(auth: AuthorizationRecord): void {
  if (auth.state !== 'active')
    throw conflict(`authorization ${auth.id} is ${auth.state}; it is not placed again`, {
      details: { field: 'authorizationId', value: auth.id, state: auth.state },
    });
}
