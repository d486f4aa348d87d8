/** Who a fleet key belongs to, as `keys show` and GET /keys/:fingerprint print it. */
import type { KeyOwnerRecord, PersonState } from '../store/directory-records';
import type { Store } from '../store/store';

export type KeyOwnerView = KeyOwnerRecord & { name: string; uid: string; state: PersonState };

export async function keyOwnerView(
  store: Pick<Store, 'directory'>,
  fingerprint: string,
): Promise<KeyOwnerView | null> {
  const owner = await store.directory.getKeyOwner(fingerprint);
  const person = owner ? await store.directory.getPerson(owner.personId) : null;
  if (!owner || !person) return null;
  return { ...owner, name: person.name, uid: person.uid, state: person.state };
}
